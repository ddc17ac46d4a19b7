-- Before the back offices (2 of 2): corrected duty data and customs scope.
--
-- Duty data: Regimes say
-- whether tariff duties and import VAT apply and whether the carrier elected
-- the specific duty per postal item; VAT rows may have high-end rates
-- (China: cosmetics, perfume, watches); a merchant says whether it sells
-- through a registered cross-border e-commerce platform (China).
-- Existing data keeps its rows: admins import the new seed files.
-- Same schema as migrations/sqlite/0008_before_back_offices.sql.
alter table regimes add column tariff_duties boolean not null default true;
alter table regimes add column postal_specific boolean not null default false;
alter table regimes add column import_vat boolean not null default true;
-- The United States levies no import VAT.
update regimes set import_vat = false where territory = 'US';

alter table vat_rates add column high_end_min bigint;
alter table vat_rates add column high_end_unit text check (high_end_unit in ('item', 'kg_net'));
alter table vat_rates add column high_end_consumption_ppm bigint;
alter table vat_rates add column high_end_postal_ppm bigint;

alter table company_profiles add column cross_border_platform boolean not null default false;

-- Scope: an office of exchange names the customs office that clears the
-- parcels arriving there; an officer works on that office's parcels only.
alter table offices add column customs_office_id bigint references offices (id);
update offices set customs_office_id = (
    select min(c.id) from offices c
    join organisations co on co.id = c.organisation_id
    join organisations po on po.id = offices.organisation_id
    where c.kind = 'customs' and co.country_code = po.country_code
) where kind = 'exchange';

-- Idempotency records are keyed by organisation, method, path and key; they
-- expire (a housekeeping job deletes them), and one whose request died while
-- running may be taken over once its lease (`locked_until`) has passed.
alter table idempotency_keys add column method text not null default 'POST';
alter table idempotency_keys add column path text not null default '';
alter table idempotency_keys add column locked_until timestamptz;
alter table idempotency_keys add column expires_at timestamptz;
update idempotency_keys set expires_at = created_at;
alter table idempotency_keys alter column expires_at set not null;
alter table idempotency_keys alter column method drop default;
alter table idempotency_keys alter column path drop default;
alter table idempotency_keys drop constraint idempotency_keys_organisation_id_key_key;
alter table idempotency_keys add constraint idempotency_keys_scope
    unique (organisation_id, method, path, key);
create index idempotency_keys_expiry on idempotency_keys (expires_at);
