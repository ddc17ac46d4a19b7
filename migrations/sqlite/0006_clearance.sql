-- The clearance engine's data: regimes and rates (seeded from
-- app/seed/regimes/*.csv at start-up when empty), risk rules, watchlists, reason
-- codes and lane bands per customs administration, and each parcel's
-- assessments and risk scores (history kept: the newest is current).
-- Same schema as migrations/postgres/0006_clearance.sql.
create table regimes (
    id integer primary key,
    code text not null unique,
    name text not null,
    territory text not null,
    currency text not null,
    valid_from text not null,
    valid_to text,
    duty_free_max integer,
    vat_free_max integer,
    flat_duty integer,
    flat_duty_max integer,
    ioss_max integer,
    collected_at_sale_max integer,
    gift_free_max integer,
    gift_vat_free_max integer,
    de_minimis_max integer,
    additional_duties integer not null default 0,
    -- `below_ppm=amount_minor|…` (an empty bound: none).
    postal_bands text not null default '',
    cbec_per_transaction_max integer,
    cbec_annual_max integer,
    cbec_share_ppm integer,
    postal_article_max integer,
    postal_article_near_max integer,
    postal_waive_max integer,
    transport_in_value integer not null default 1,
    handling_fee integer not null default 0,
    source text not null default ''
);
create index regimes_territory on regimes (territory, valid_from);

create table tariff_lines (
    id integer primary key,
    territory text not null,
    hs_prefix text not null,
    description text not null default '',
    ad_valorem_ppm integer not null default 0,
    specific_minor integer not null default 0,
    specific_unit text not null default 'item' check (specific_unit in ('item', 'pair', 'kg_net', '100kg_gross')),
    min_minor integer,
    max_minor integer,
    valid_from text not null,
    valid_to text,
    source text not null default ''
);
create index tariff_lines_prefix on tariff_lines (territory, hs_prefix);

create table vat_rates (
    id integer primary key,
    country text not null,
    hs_prefix text not null default '',
    vat_ppm integer not null,
    consumption_ppm integer not null default 0,
    postal_article_ppm integer not null default 0,
    valid_from text not null,
    valid_to text,
    source text not null default ''
);
create index vat_rates_country on vat_rates (country, hs_prefix);

create table additional_duties (
    id integer primary key,
    territory text not null,
    origin text not null,
    rate_ppm integer not null,
    valid_from text not null,
    valid_to text,
    note text not null default ''
);

create table fx_rates (
    id integer primary key,
    base text not null,
    currency text not null,
    day text not null,
    per_base_micro integer not null check (per_base_micro > 0),
    source text not null default '',
    unique (base, currency, day)
);

-- Raised by every change of a kind of data, so each process reloads its
-- cached copy ('regimes', 'risk:<country>').
create table data_versions (
    name text primary key,
    version integer not null
);
insert into data_versions (name, version) values ('regimes', 1);

create table risk_rules (
    id integer primary key,
    administration text not null,
    name text not null,
    kind text not null,
    -- The kind's parameters as JSON (prefix, country, words, reference…).
    params text not null default '{}',
    weight integer not null,
    category text not null check (category in ('fiscal', 'health', 'safety', 'security')),
    enabled integer not null default 0,
    valid_from text not null,
    valid_to text,
    created_by integer references users (id),
    created_at text not null,
    updated_at text not null
);
create index risk_rules_administration on risk_rules (administration, id);

create table watchlist (
    id integer primary key,
    administration text not null,
    name text not null,
    country text not null default '',
    action text not null check (action in ('block', 'warn')),
    note text not null default '',
    created_at text not null
);
create index watchlist_administration on watchlist (administration);

create table risk_settings (
    administration text primary key,
    yellow_from integer not null,
    red_from integer not null,
    -- Release green-lane parcels before arrival (PRE_CLEAR) automatically.
    auto_preclear_green integer not null default 0
);

create table reason_codes (
    id integer primary key,
    administration text not null,
    code text not null,
    label text not null,
    active integer not null default 1,
    unique (administration, code)
);

create table assessments (
    id integer primary key,
    parcel_id integer not null references parcels (id),
    declaration_id integer references declarations (id),
    regime text not null,
    currency text,
    goods_value_minor integer not null,
    customs_value_minor integer not null,
    total_minor integer not null,
    payer text not null check (payer in ('recipient', 'merchant', 'nobody')),
    complete integer not null,
    -- Lines and notes, as JSON.
    detail text not null,
    -- The parcel's assessment in force; older ones are history.
    current integer not null default 1,
    created_at text not null
);
create index assessments_parcel on assessments (parcel_id, id);

create table risk_scores (
    id integer primary key,
    parcel_id integer not null references parcels (id),
    declaration_id integer references declarations (id),
    score integer not null,
    lane text not null check (lane in ('green', 'yellow', 'red')),
    blocked integer not null,
    hits text not null,
    current integer not null default 1,
    created_at text not null
);
create index risk_scores_parcel on risk_scores (parcel_id, id);

alter table parcels add column lane text;
alter table parcels add column amount_due_minor integer;
alter table parcels add column amount_due_currency text;
