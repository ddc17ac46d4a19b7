-- Before the back offices (2 of 2): corrected duty data and customs scope.
--
-- Duty data: Regimes say
-- whether tariff duties and import VAT apply and whether the carrier elected
-- the specific duty per postal item; VAT rows may have high-end rates
-- (China: cosmetics, perfume, watches); a merchant says whether it sells
-- through a registered cross-border e-commerce platform (China).
-- Existing data keeps its rows: admins import the new seed files.
-- Same schema as migrations/postgres/0008_before_back_offices.sql.
alter table regimes add column tariff_duties integer not null default 1;
alter table regimes add column postal_specific integer not null default 0;
alter table regimes add column import_vat integer not null default 1;
-- The United States levies no import VAT.
update regimes set import_vat = 0 where territory = 'US';

alter table vat_rates add column high_end_min integer;
alter table vat_rates add column high_end_unit text check (high_end_unit in ('item', 'kg_net'));
alter table vat_rates add column high_end_consumption_ppm integer;
alter table vat_rates add column high_end_postal_ppm integer;

alter table company_profiles add column cross_border_platform integer not null default 0;

-- Scope: an office of exchange names the customs office that clears the
-- parcels arriving there; an officer works on that office's parcels only.
alter table offices add column customs_office_id integer references offices (id);
update offices set customs_office_id = (
    select min(c.id) from offices c
    join organisations co on co.id = c.organisation_id
    join organisations po on po.id = offices.organisation_id
    where c.kind = 'customs' and co.country_code = po.country_code
) where kind = 'exchange';

-- Idempotency records are keyed by organisation, method, path and key; they
-- expire (a housekeeping job deletes them), and one whose request died while
-- running may be taken over once its lease (`locked_until`) has passed.
create table idempotency_keys_new (
    id integer primary key,
    organisation_id integer not null references organisations (id),
    method text not null,
    path text not null,
    key text not null,
    request_hash text not null,
    -- Null while the first request is still running.
    status integer,
    response_body text,
    created_at text not null,
    locked_until text,
    expires_at text not null,
    unique (organisation_id, method, path, key)
);
insert into idempotency_keys_new (id, organisation_id, method, path, key, request_hash, status,
                                  response_body, created_at, locked_until, expires_at)
    select id, organisation_id, 'POST', '', key, request_hash, status, response_body,
           created_at, null, created_at from idempotency_keys;
drop table idempotency_keys;
alter table idempotency_keys_new rename to idempotency_keys;
create index idempotency_keys_expiry on idempotency_keys (expires_at);
