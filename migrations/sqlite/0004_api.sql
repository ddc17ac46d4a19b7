-- API keys for organisations' systems, and idempotent POSTs.
-- Same schema as migrations/postgres/0004_api.sql.
create table api_keys (
    id integer primary key,
    organisation_id integer not null references organisations (id),
    name text not null,
    -- The visible start of the key, to find it and to show which key it is.
    prefix text not null unique,
    -- SHA-256 of the whole key; the key itself is shown once and never kept.
    key_hash text not null,
    created_by integer not null references users (id),
    created_at text not null,
    last_used_at text,
    revoked_at text
);
create index api_keys_organisation on api_keys (organisation_id);

create table idempotency_keys (
    id integer primary key,
    organisation_id integer not null references organisations (id),
    key text not null,
    request_hash text not null,
    -- Null while the first request is still running.
    status integer,
    response_body text,
    created_at text not null,
    unique (organisation_id, key)
);
