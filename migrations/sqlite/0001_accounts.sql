-- Organisations, offices, accounts and sign-in throttling.
-- Same schema as migrations/postgres/0001_accounts.sql.
create table organisations (
    id integer primary key,
    kind text not null check (kind in ('company', 'post', 'customs')),
    name text not null,
    country_code text not null check (length(country_code) = 2),
    created_at text not null,
    updated_at text not null
);
-- One designated postal operator and one customs administration per country.
create unique index organisations_one_per_country on organisations (kind, country_code)
    where kind <> 'company';

create table offices (
    id integer primary key,
    organisation_id integer not null references organisations (id),
    kind text not null check (kind in ('exchange', 'delivery', 'customs')),
    code text not null unique,
    name text not null,
    postcode text not null default '',
    created_at text not null,
    updated_at text not null
);
create index offices_organisation on offices (organisation_id);

create table users (
    id integer primary key,
    email text not null unique,
    password_hash text not null,
    display_name text not null,
    role text not null check (role in ('merchant', 'recipient', 'postal_clerk',
                                       'customs_officer', 'customs_supervisor', 'admin')),
    organisation_id integer references organisations (id),
    office_id integer references offices (id),
    language text,
    is_demo boolean not null default false,
    disabled_at text,
    created_at text not null,
    updated_at text not null
);
create index users_organisation on users (organisation_id);

create table sign_in_failures (
    subject text primary key,
    failures bigint not null,
    last_failed_at text not null
);
