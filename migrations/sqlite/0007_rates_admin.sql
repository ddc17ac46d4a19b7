-- Admins keep the regime data (`/admin/rates`): every row has an id and a
-- source, and no two rows share a key and a start date (an import replaces
-- such a row). China's annual cross-border limit is counted per recipient
-- from the assessments. Same schema as migrations/postgres/0007_rates_admin.sql.
create table sdr_rates_new (
    id integer primary key,
    currency text not null,
    valid_from text not null,
    units_per_sdr_micro integer not null check (units_per_sdr_micro > 0),
    source text not null default '',
    unique (currency, valid_from)
);
insert into sdr_rates_new (currency, valid_from, units_per_sdr_micro, source)
    select currency, valid_from, units_per_sdr_micro, 'IMF, illustrative' from sdr_rates;
drop table sdr_rates;
alter table sdr_rates_new rename to sdr_rates;

create unique index tariff_lines_key on tariff_lines (territory, hs_prefix, valid_from);
create unique index vat_rates_key on vat_rates (country, hs_prefix, valid_from);
create unique index additional_duties_key on additional_duties (territory, origin, valid_from);

-- Who the goods are for (a regime with an annual limit: the recipient's id
-- or name and postcode, normalised), the calendar year, and the goods value
-- counted against the limit.
alter table assessments add column recipient_key text;
alter table assessments add column year integer;
alter table assessments add column annual_minor integer not null default 0;
create index assessments_recipient on assessments (recipient_key, year) where recipient_key is not null;
