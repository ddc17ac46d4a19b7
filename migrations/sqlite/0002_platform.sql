-- Platform services: jobs (the transactional outbox), the audit log, account
-- tokens, two-factor sign-in and documents.
-- Same schema as migrations/postgres/0002_platform.sql.

-- Jobs are enqueued in the same transaction as the change that needs them.
create table jobs (
    id integer primary key,
    kind text not null,
    payload text not null,
    -- Set for jobs that must exist once (a scheduled run's time slot).
    unique_key text unique,
    state text not null check (state in ('pending', 'running', 'done', 'dead', 'discarded')),
    attempts integer not null default 0,
    max_attempts integer not null,
    run_at text not null,
    locked_by text,
    locked_until text,
    last_error text,
    created_at text not null,
    updated_at text not null,
    finished_at text
);
create index jobs_due on jobs (state, run_at);

-- Every change to reference data: who, when, what, before and after.
create table audit_log (
    id integer primary key,
    at text not null,
    actor_id integer references users (id),
    actor_email text not null,
    actor_role text not null,
    action text not null,
    entity text not null,
    entity_id text not null,
    before_json text,
    after_json text
);
create index audit_log_entity on audit_log (entity, entity_id);
create index audit_log_at on audit_log (at);
create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'audit log rows are never changed');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'audit log rows are never deleted');
end;

alter table users add column email_verified_at text;
-- Raised to end every session of the account (password reset).
alter table users add column session_generation bigint not null default 0;
alter table users add column totp_secret text;
alter table users add column totp_enabled_at text;
-- The last time step whose code was accepted: a code works once.
alter table users add column totp_last_step bigint;
-- Accounts made before verification existed count as verified.
update users set email_verified_at = created_at;

-- Single-use links sent by e-mail; only a hash of the token is kept.
create table account_tokens (
    id integer primary key,
    user_id integer not null references users (id),
    purpose text not null check (purpose in ('verify_email', 'reset_password')),
    token_hash text not null unique,
    expires_at text not null,
    used_at text,
    created_at text not null
);
create index account_tokens_user on account_tokens (user_id, purpose);

create table recovery_codes (
    id integer primary key,
    user_id integer not null references users (id),
    code_hash text not null,
    used_at text,
    created_at text not null
);
create index recovery_codes_user on recovery_codes (user_id);

-- Uploaded files, in the database so that any server process can serve them.
create table documents (
    id integer primary key,
    owner_kind text not null check (owner_kind in ('user', 'organisation')),
    owner_id integer not null,
    uploaded_by integer not null references users (id),
    filename text not null,
    content_type text not null check (content_type in ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes bigint not null,
    sha256 text not null,
    content blob not null,
    created_at text not null
);
create index documents_owner on documents (owner_kind, owner_id);
