-- Declarations, parcels and their events; item id ranges, routing, SDR rates.
-- Same schema as migrations/postgres/0003_declarations.sql.

-- A merchant company's defaults for new declarations.
create table company_profiles (
    organisation_id integer primary key references organisations (id),
    sender_json text not null,
    default_origin text not null default '',
    default_currency text not null default 'EUR',
    updated_at text not null
);

-- Units of a currency per 1 SDR, in millionths, from a date (IMF rates;
-- seeded below, maintained by admins).
create table sdr_rates (
    currency text not null,
    valid_from text not null,
    units_per_sdr_micro bigint not null check (units_per_sdr_micro > 0),
    primary key (currency, valid_from)
);

-- The inward office of exchange of parcels to a country (and postcode prefix).
create table routes (
    id integer primary key,
    country_code text not null,
    postcode_prefix text not null default '',
    office_id integer not null references offices (id),
    created_at text not null,
    unique (country_code, postcode_prefix)
);

-- S10 serial ranges: a post's (company_id null), or a merchant's share of it.
create table s10_ranges (
    id integer primary key,
    post_id integer not null references organisations (id),
    company_id integer references organisations (id),
    service text not null check (length(service) = 2),
    country_code text not null check (length(country_code) = 2),
    first_serial bigint not null check (first_serial >= 0),
    last_serial bigint not null check (last_serial <= 99999999 and last_serial >= first_serial),
    next_serial bigint not null,
    created_at text not null
);
create index s10_ranges_company on s10_ranges (company_id);

create table parcels (
    id integer primary key,
    item_id text not null,
    company_id integer not null references organisations (id),
    -- The declaration version in force.
    declaration_id integer,
    destination_country text not null,
    inward_office_id integer references offices (id),
    customs_status text not null,
    payment_status text not null,
    location text not null,
    -- Raised by every change: two concurrent changes cannot both win.
    version bigint not null default 1,
    created_at text not null,
    updated_at text not null
);
create index parcels_item on parcels (item_id, created_at);
create index parcels_company on parcels (company_id, id);

-- An item id is used once within 24 months (re-used after, when the old row
-- is replaced).
create table item_ids (
    item_id text primary key,
    parcel_id integer not null,
    used_at text not null
);

-- Every version of every declaration; drafts have no parcel yet.
create table declarations (
    id integer primary key,
    company_id integer not null references organisations (id),
    created_by integer not null references users (id),
    parcel_id integer references parcels (id),
    version integer not null default 1,
    status text not null check (status in ('draft', 'submitted', 'amended', 'cancelled')),
    -- The merchant's own reference (order number…).
    reference text not null default '',
    item_id text,
    input_json text not null,
    form text,
    currency text not null default '',
    total_value_minor bigint not null default 0,
    addressee_name text not null default '',
    addressee_country text not null default '',
    summary text not null default '',
    created_at text not null,
    updated_at text not null,
    submitted_at text
);
create index declarations_company on declarations (company_id, id);
create index declarations_parcel on declarations (parcel_id, version);

-- One row per change of any dimension, in the same transaction as the change.
create table parcel_events (
    id integer primary key,
    parcel_id integer not null references parcels (id),
    dimension text not null check (dimension in ('declaration', 'customs', 'payment', 'location')),
    from_state text,
    to_state text not null,
    upu_code text,
    decision_code text,
    actor_id integer references users (id),
    office_id integer references offices (id),
    reason text not null default '',
    at text not null
);
create index parcel_events_parcel on parcel_events (parcel_id, id);

-- Illustrative SDR rates (IMF, units of currency per SDR, late 2025).
insert into sdr_rates (currency, valid_from, units_per_sdr_micro) values
    ('EUR', '2025-01-01', 1180000),
    ('USD', '2025-01-01', 1370000),
    ('GBP', '2025-01-01', 1020000),
    ('CNY', '2025-01-01', 9800000),
    ('JPY', '2025-01-01', 205000000),
    ('CHF', '2025-01-01', 1100000),
    ('CAD', '2025-01-01', 1900000),
    ('AUD', '2025-01-01', 2100000);
