//! Declarations, parcels and parcel events; item id allocation and routing.
use time::{Date, OffsetDateTime};

use super::{now, on_db, on_tx, one_row, Db, Tx};
pub use crate::domain::parcel_view::{
    CompanyProfile, DeclarationFilter, DeclarationRow, ParcelEvent, ParcelRow,
};
use crate::error::{AppError, AppResult};

// ---- reference data ----

/// Units of `currency` per SDR (millionths) on `day`.
pub async fn sdr_rate(db: &Db, currency: &str, day: Date) -> AppResult<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "select units_per_sdr_micro from sdr_rates
         where currency = $1 and valid_from <= $2 order by valid_from desc limit 1"
    )
    .bind(currency)
    .bind(day)
    .fetch_optional(p)
    .await)?)
}

/// The inward office of exchange for a destination: the route with the
/// longest postcode prefix that matches, else the country's route.
pub async fn route_for(tx: &mut Tx, country: &str, postcode: &str) -> AppResult<Option<i64>> {
    let postcode: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "select office_id from routes
         where country_code = $1 and substr($2, 1, length(postcode_prefix)) = postcode_prefix
         order by length(postcode_prefix) desc limit 1"
    )
    .bind(country)
    .bind(&postcode)
    .fetch_optional(c)
    .await)?)
}

pub async fn insert_route(
    tx: &mut Tx,
    country: &str,
    prefix: &str,
    office_id: i64,
) -> AppResult<i64> {
    on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into routes (country_code, postcode_prefix, office_id, created_at)
         values ($1, $2, $3, $4) returning id"
    )
    .bind(country)
    .bind(prefix)
    .bind(office_id)
    .bind(now())
    .fetch_one(c)
    .await)
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            AppError::field("postcode_prefix", "route_exists")
        } else {
            e.into()
        }
    })
}

pub struct NewRange<'a> {
    pub post_id: i64,
    pub company_id: Option<i64>,
    pub service: &'a str,
    pub country: &'a str,
    pub first: i64,
    pub last: i64,
}

pub async fn insert_range(tx: &mut Tx, r: &NewRange<'_>) -> AppResult<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into s10_ranges (post_id, company_id, service, country_code, first_serial,
                                 last_serial, next_serial, created_at)
         values ($1, $2, $3, $4, $5, $6, $5, $7) returning id"
    )
    .bind(r.post_id)
    .bind(r.company_id)
    .bind(r.service)
    .bind(r.country)
    .bind(r.first)
    .bind(r.last)
    .bind(now())
    .fetch_one(c)
    .await)?)
}

/// Takes the next free serial of the company's ranges (service, serial,
/// country), or `None` when it has none left. Atomic: two transactions never
/// get the same serial.
pub async fn allocate_serial(
    tx: &mut Tx,
    company_id: i64,
) -> AppResult<Option<(String, i64, String)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, (String, i64, String)>(
        "update s10_ranges set next_serial = next_serial + 1
         where id = (select id from s10_ranges
                     where company_id = $1 and next_serial <= last_serial order by id limit 1)
           and next_serial <= last_serial
         returning service, next_serial - 1, country_code"
    )
    .bind(company_id)
    .fetch_optional(c)
    .await)?)
}

/// Records `item_id` as used by `parcel_id`; false when another parcel used
/// it after `reusable_before` (ids may be re-used after 24 months only).
pub async fn claim_item_id(
    tx: &mut Tx,
    item_id: &str,
    parcel_id: i64,
    reusable_before: OffsetDateTime,
) -> AppResult<bool> {
    Ok(on_tx!(tx, |c| {
        sqlx::query(
        "insert into item_ids (item_id, parcel_id, used_at) values ($1, $2, $3)
         on conflict (item_id) do update set parcel_id = excluded.parcel_id, used_at = excluded.used_at
         where item_ids.used_at < $4"
    )
    .bind(item_id)
    .bind(parcel_id)
    .bind(now())
    .bind(reusable_before)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1)
    })?)
}

// ---- company profile ----

pub async fn profile(db: &Db, org: i64) -> AppResult<Option<(String, String, String)>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as::<_, (String, String, String)>(
            "select sender_json, default_origin, default_currency from company_profiles
         where organisation_id = $1",
        )
        .bind(org)
        .fetch_optional(p)
        .await
    })?)
}

pub async fn save_profile(
    tx: &mut Tx,
    org: i64,
    sender_json: &str,
    origin: &str,
    currency: &str,
) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "insert into company_profiles (organisation_id, sender_json, default_origin,
                                       default_currency, updated_at)
         values ($1, $2, $3, $4, $5)
         on conflict (organisation_id) do update set sender_json = excluded.sender_json,
             default_origin = excluded.default_origin,
             default_currency = excluded.default_currency, updated_at = excluded.updated_at"
    )
    .bind(org)
    .bind(sender_json)
    .bind(origin)
    .bind(currency)
    .bind(now())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

// ---- declarations ----

/// What a declaration row holds besides its input.
pub struct DeclarationFields<'a> {
    pub company_id: i64,
    pub created_by: i64,
    pub parcel_id: Option<i64>,
    pub version: i32,
    pub status: &'a str,
    pub reference: &'a str,
    pub item_id: Option<&'a str>,
    pub input_json: &'a str,
    pub form: Option<&'a str>,
    pub currency: &'a str,
    pub total_value_minor: i64,
    pub addressee_name: &'a str,
    pub addressee_country: &'a str,
    pub summary: &'a str,
    pub submitted: bool,
}

pub async fn insert_declaration(tx: &mut Tx, d: &DeclarationFields<'_>) -> AppResult<i64> {
    let ts = now();
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into declarations (company_id, created_by, parcel_id, version, status, reference,
             item_id, input_json, form, currency, total_value_minor, addressee_name,
             addressee_country, summary, created_at, updated_at, submitted_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15,
                 case when $16 then $15 end)
         returning id"
    )
    .bind(d.company_id)
    .bind(d.created_by)
    .bind(d.parcel_id)
    .bind(d.version)
    .bind(d.status)
    .bind(d.reference)
    .bind(d.item_id)
    .bind(d.input_json)
    .bind(d.form)
    .bind(d.currency)
    .bind(d.total_value_minor)
    .bind(d.addressee_name)
    .bind(d.addressee_country)
    .bind(d.summary)
    .bind(ts)
    .bind(d.submitted)
    .fetch_one(c)
    .await)?)
}

/// Replaces a draft's content (only while it is a draft of this company).
pub async fn update_draft(tx: &mut Tx, id: i64, d: &DeclarationFields<'_>) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update declarations set reference = $1, input_json = $2, currency = $3,
                total_value_minor = $4, addressee_name = $5, addressee_country = $6,
                summary = $7, updated_at = $8
         where id = $9 and company_id = $10 and status = 'draft'"
    )
    .bind(d.reference)
    .bind(d.input_json)
    .bind(d.currency)
    .bind(d.total_value_minor)
    .bind(d.addressee_name)
    .bind(d.addressee_country)
    .bind(d.summary)
    .bind(now())
    .bind(id)
    .bind(d.company_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

/// A draft becomes the first version of a parcel's declaration.
pub async fn submit_draft(
    tx: &mut Tx,
    id: i64,
    parcel_id: i64,
    item_id: &str,
    form: &str,
    d: &DeclarationFields<'_>,
) -> AppResult<()> {
    let ts = now();
    let n = on_tx!(tx, |c| sqlx::query(
        "update declarations set status = 'submitted', parcel_id = $1, item_id = $2, form = $3,
                reference = $4, input_json = $5, currency = $6, total_value_minor = $7,
                addressee_name = $8, addressee_country = $9, summary = $10,
                updated_at = $11, submitted_at = $11
         where id = $12 and company_id = $13 and status = 'draft'"
    )
    .bind(parcel_id)
    .bind(item_id)
    .bind(form)
    .bind(d.reference)
    .bind(d.input_json)
    .bind(d.currency)
    .bind(d.total_value_minor)
    .bind(d.addressee_name)
    .bind(d.addressee_country)
    .bind(d.summary)
    .bind(ts)
    .bind(id)
    .bind(d.company_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

pub async fn set_declaration_status(tx: &mut Tx, id: i64, status: &str) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update declarations set status = $1, updated_at = $2 where id = $3"
    )
    .bind(status)
    .bind(now())
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

pub async fn delete_draft(tx: &mut Tx, id: i64, company_id: i64) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "delete from declarations where id = $1 and company_id = $2 and status = 'draft'"
    )
    .bind(id)
    .bind(company_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

const ROW: &str = "select d.id, d.parcel_id, d.version, d.status, d.reference, d.item_id, d.form,
        d.currency, d.total_value_minor, d.addressee_name, d.addressee_country, d.summary,
        d.created_at, d.submitted_at, p.customs_status
    from declarations d left join parcels p on p.id = d.parcel_id";

/// A declaration row with what was typed, read in one query.
#[derive(sqlx::FromRow)]
struct WithInput {
    #[sqlx(flatten)]
    row: DeclarationRow,
    input_json: String,
}

fn with_input(filter: &str) -> String {
    format!(
        "{} {filter}",
        ROW.replacen(
            " from declarations d",
            ", d.input_json from declarations d",
            1
        )
    )
}

/// A declaration of `company_id` with what was typed.
pub async fn declaration(db: &Db, id: i64, company_id: i64) -> AppResult<(DeclarationRow, String)> {
    let sql = with_input("where d.id = $1 and d.company_id = $2");
    let r = on_db!(db, |p| sqlx::query_as::<_, WithInput>(&sql)
        .bind(id)
        .bind(company_id)
        .fetch_optional(p)
        .await)?
    .ok_or(AppError::NotFound)?;
    Ok((r.row, r.input_json))
}

/// Every version of a parcel's declaration, newest first, with its input.
pub async fn versions(db: &Db, parcel_id: i64) -> AppResult<Vec<(DeclarationRow, String)>> {
    let sql = with_input("where d.parcel_id = $1 order by d.version desc");
    Ok(on_db!(db, |p| sqlx::query_as::<_, WithInput>(&sql)
        .bind(parcel_id)
        .fetch_all(p)
        .await)?
    .into_iter()
    .map(|r| (r.row, r.input_json))
    .collect())
}

/// The company's declarations: drafts and the current version of each
/// parcel's, newest first, filtered, at most `limit` (keyset by id).
pub async fn list(
    db: &Db,
    company_id: i64,
    f: &DeclarationFilter,
    limit: i64,
) -> AppResult<Vec<DeclarationRow>> {
    let day = |s: &Option<String>, end: bool| -> AppResult<Option<OffsetDateTime>> {
        let Some(s) = s.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let d = Date::parse(s, &fmt)
            .map_err(|_| AppError::field(if end { "to" } else { "from" }, "date_invalid"))?;
        let d = if end { d.next_day().unwrap_or(d) } else { d };
        Ok(Some(d.midnight().assume_utc()))
    };
    let from = day(&f.from, false)?;
    let to = day(&f.to, true)?;
    let q =
        f.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("%{}%", s.to_lowercase().replace(['%', '_'], "")));
    let status = f.status.as_deref().filter(|s| !s.is_empty());
    let sql = format!(
        "{ROW}
         where d.company_id = $1
           and (d.parcel_id is null or d.id = p.declaration_id)
           and ($2 is null or lower(coalesce(d.item_id, '')) like $2 or lower(d.addressee_name) like $2
                or lower(d.summary) like $2 or lower(d.reference) like $2)
           and ($3 is null or d.status = $3 or p.customs_status = $3)
           and ($4 is null or d.created_at >= $4)
           and ($5 is null or d.created_at < $5)
           and ($6 is null or d.id < $6)
         order by d.id desc limit $7"
    );
    Ok(on_db!(db, |p| sqlx::query_as::<_, DeclarationRow>(&sql)
        .bind(company_id)
        .bind(&q)
        .bind(status)
        .bind(from)
        .bind(to)
        .bind(f.before_id)
        .bind(limit)
        .fetch_all(p)
        .await)?)
}

// ---- parcels and events ----

pub struct NewParcel<'a> {
    pub item_id: &'a str,
    pub company_id: i64,
    pub destination_country: &'a str,
    pub inward_office_id: Option<i64>,
    pub customs_status: &'a str,
    pub payment_status: &'a str,
    pub location: &'a str,
    /// The risk lane, once scored.
    pub lane: Option<&'a str>,
    /// What the recipient owes, when something is due.
    pub amount_due_minor: Option<i64>,
    pub amount_due_currency: Option<String>,
}

pub async fn insert_parcel(tx: &mut Tx, p: &NewParcel<'_>) -> AppResult<i64> {
    let ts = now();
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into parcels (item_id, company_id, destination_country, inward_office_id,
                              customs_status, payment_status, location, lane, amount_due_minor,
                              amount_due_currency, version, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) returning id"
    )
    .bind(p.item_id)
    .bind(p.company_id)
    .bind(p.destination_country)
    .bind(p.inward_office_id)
    .bind(p.customs_status)
    .bind(p.payment_status)
    .bind(p.location)
    .bind(p.lane)
    .bind(p.amount_due_minor)
    .bind(&p.amount_due_currency)
    .bind(ts)
    .fetch_one(c)
    .await)?)
}

/// After a parcel's item id changed: its score (the random selection
/// depends on the id) and what follows from it.
pub async fn set_lane(
    tx: &mut Tx,
    parcel_id: i64,
    lane: &str,
    customs_status: &str,
) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "update parcels set lane = $1, customs_status = $2 where id = $3"
    )
    .bind(lane)
    .bind(customs_status)
    .bind(parcel_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn set_item_id(tx: &mut Tx, parcel_id: i64, item_id: &str) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update parcels set item_id = $1 where id = $2"
    )
    .bind(item_id)
    .bind(parcel_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

/// Points the parcel at a new declaration version, if nobody changed the
/// parcel since `expected_version` was read (else a conflict).
pub async fn set_current_declaration(
    tx: &mut Tx,
    parcel_id: i64,
    declaration_id: i64,
    expected_version: i64,
) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update parcels set declaration_id = $1, version = version + 1, updated_at = $2
         where id = $3 and version = $4"
    )
    .bind(declaration_id)
    .bind(now())
    .bind(parcel_id)
    .bind(expected_version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(AppError::Conflict {
            code: "parcel_changed".into(),
        });
    }
    Ok(())
}

/// After a (re)assessment: the lane, the payment status and what is due
/// (the caller checked the parcel's version in this transaction).
pub async fn set_assessed(
    tx: &mut Tx,
    parcel_id: i64,
    lane: &str,
    payment_status: &str,
    amount_due_minor: Option<i64>,
    amount_due_currency: Option<String>,
) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "update parcels set lane = $1, payment_status = $2, amount_due_minor = $3,
                amount_due_currency = $4
         where id = $5"
    )
    .bind(lane)
    .bind(payment_status)
    .bind(amount_due_minor)
    .bind(amount_due_currency)
    .bind(parcel_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Sets the parcel's customs and payment status, if it is still at
/// `expected_version` (else the concurrent change won: a conflict).
pub async fn set_statuses(
    tx: &mut Tx,
    parcel_id: i64,
    expected_version: i64,
    customs_status: &str,
    payment_status: &str,
) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update parcels set customs_status = $1, payment_status = $2, version = version + 1,
                updated_at = $3
         where id = $4 and version = $5"
    )
    .bind(customs_status)
    .bind(payment_status)
    .bind(now())
    .bind(parcel_id)
    .bind(expected_version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(AppError::Conflict {
            code: "parcel_changed".into(),
        });
    }
    Ok(())
}

/// The parcel's current assessment: (total, payer, currency), read in the
/// caller's transaction.
pub async fn current_assessment(
    tx: &mut Tx,
    parcel_id: i64,
) -> AppResult<Option<(i64, String, Option<String>)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<
        _,
        (i64, String, Option<String>),
    >(
        "select total_minor, payer, currency from assessments
         where parcel_id = $1 and current order by id desc limit 1"
    )
    .bind(parcel_id)
    .fetch_optional(c)
    .await)?)
}

/// Who a notice about a parcel goes to, and what the last customs event said.
#[derive(Debug, sqlx::FromRow)]
pub struct NoticeTarget {
    pub item_id: String,
    pub created_by: i64,
    pub input_json: String,
    pub reason: Option<String>,
}

pub async fn notice_target(db: &Db, parcel_id: i64) -> AppResult<Option<NoticeTarget>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, NoticeTarget>(
        "select p.item_id, d.created_by, d.input_json,
                (select e.reason from parcel_events e
                 where e.parcel_id = p.id and e.dimension = 'customs'
                 order by e.id desc limit 1) as reason
         from parcels p join declarations d on d.id = p.declaration_id
         where p.id = $1"
    )
    .bind(parcel_id)
    .fetch_optional(p)
    .await)?)
}

/// Whether an administration has an active reason code (in the caller's
/// transaction).
pub async fn reason_code_exists(tx: &mut Tx, administration: &str, code: &str) -> AppResult<bool> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "select count(*) from reason_codes where administration = $1 and code = $2 and active"
    )
    .bind(administration)
    .bind(code)
    .fetch_one(c)
    .await)?
        > 0)
}

/// A parcel's destination, customs and payment status, read in the
/// caller's transaction.
pub async fn parcel_state(tx: &mut Tx, parcel_id: i64) -> AppResult<(String, String, String, i64)> {
    on_tx!(tx, |c| sqlx::query_as::<_, (String, String, String, i64)>(
        "select destination_country, customs_status, payment_status, version
         from parcels where id = $1"
    )
    .bind(parcel_id)
    .fetch_optional(c)
    .await)?
    .ok_or(AppError::NotFound)
}

/// Raises the parcel's version (a change that touches no other column).
pub async fn touch(tx: &mut Tx, parcel_id: i64, expected_version: i64) -> AppResult<()> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "update parcels set version = version + 1, updated_at = $1 where id = $2 and version = $3"
    )
    .bind(now())
    .bind(parcel_id)
    .bind(expected_version)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(AppError::Conflict {
            code: "parcel_changed".into(),
        });
    }
    Ok(())
}

pub struct NewEvent<'a> {
    pub parcel_id: i64,
    pub dimension: &'a str,
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub upu_code: Option<&'a str>,
    pub decision_code: Option<&'a str>,
    pub actor_id: Option<i64>,
    pub office_id: Option<i64>,
    pub reason: &'a str,
}

pub async fn insert_event(tx: &mut Tx, e: &NewEvent<'_>) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "insert into parcel_events (parcel_id, dimension, from_state, to_state, upu_code,
                                    decision_code, actor_id, office_id, reason, at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(e.parcel_id)
    .bind(e.dimension)
    .bind(e.from)
    .bind(e.to)
    .bind(e.upu_code)
    .bind(e.decision_code)
    .bind(e.actor_id)
    .bind(e.office_id)
    .bind(e.reason)
    .bind(now())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

const PARCEL: &str =
    "select p.id, p.item_id, p.company_id, p.declaration_id, p.destination_country,
        p.inward_office_id, f.name as inward_office_name, p.customs_status, p.payment_status,
        p.location, p.version, p.amount_due_minor, p.amount_due_currency, p.created_at
    from parcels p left join offices f on f.id = p.inward_office_id";

pub async fn parcel(db: &Db, id: i64) -> AppResult<ParcelRow> {
    let sql = format!("{PARCEL} where p.id = $1");
    on_db!(db, |p| sqlx::query_as::<_, ParcelRow>(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)?
    .ok_or(AppError::NotFound)
}

pub async fn events(db: &Db, parcel_id: i64) -> AppResult<Vec<ParcelEvent>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, ParcelEvent>(
        "select e.id, e.dimension, e.from_state, e.to_state, e.upu_code, e.decision_code,
                u.display_name as actor_name, f.name as office_name, e.reason, e.at
         from parcel_events e
         left join users u on u.id = e.actor_id
         left join offices f on f.id = e.office_id
         where e.parcel_id = $1 order by e.id"
    )
    .bind(parcel_id)
    .fetch_all(p)
    .await)?)
}

// ---- many at once (batch submission) ----

/// Every route: (country, postcode prefix, office). The table is small.
pub async fn all_routes(tx: &mut Tx) -> AppResult<Vec<(String, String, i64)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, (String, String, i64)>(
        "select country_code, postcode_prefix, office_id from routes"
    )
    .fetch_all(c)
    .await)?)
}

/// The route of a destination among `routes`: the longest matching postcode
/// prefix of the country (`""` matches every postcode).
pub fn pick_route(routes: &[(String, String, i64)], country: &str, postcode: &str) -> Option<i64> {
    let postcode: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    routes
        .iter()
        .filter(|(c, prefix, _)| c == country && postcode.starts_with(prefix.as_str()))
        .max_by_key(|(_, prefix, _)| prefix.len())
        .map(|(_, _, office)| *office)
}

/// Takes `n` consecutive serials from one of the company's ranges:
/// (service, first serial, country), or `None` when no range has room.
pub async fn allocate_block(
    tx: &mut Tx,
    company_id: i64,
    n: i64,
) -> AppResult<Option<(String, i64, String)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, (String, i64, String)>(
        "update s10_ranges set next_serial = next_serial + $2
         where id = (select id from s10_ranges
                     where company_id = $1 and next_serial + $2 - 1 <= last_serial
                     order by id limit 1)
           and next_serial + $2 - 1 <= last_serial
         returning service, next_serial - $2, country_code"
    )
    .bind(company_id)
    .bind(n)
    .fetch_optional(c)
    .await)?)
}

const CHUNK: usize = 500;

/// Inserts parcels (item ids known); returns (id, item_id) of each.
pub async fn insert_parcels(tx: &mut Tx, rows: &[NewParcel<'_>]) -> AppResult<Vec<(i64, String)>> {
    let ts = now();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let got = on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "insert into parcels (item_id, company_id, destination_country, inward_office_id,
                     customs_status, payment_status, location, lane, amount_due_minor,
                     amount_due_currency, version, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(p.item_id)
                    .push_bind(p.company_id)
                    .push_bind(p.destination_country)
                    .push_bind(p.inward_office_id)
                    .push_bind(p.customs_status)
                    .push_bind(p.payment_status)
                    .push_bind(p.location)
                    .push_bind(p.lane)
                    .push_bind(p.amount_due_minor)
                    .push_bind(&p.amount_due_currency)
                    .push_bind(1i64)
                    .push_bind(ts)
                    .push_bind(ts);
            });
            q.push(" returning id, item_id");
            q.build_query_as::<(i64, String)>().fetch_all(c).await
        })?;
        out.extend(got);
    }
    Ok(out)
}

/// Claims item ids for their parcels; returns the ids that another parcel
/// used within the reuse period (nothing is claimed for those).
pub async fn claim_item_ids(
    tx: &mut Tx,
    pairs: &[(String, i64)],
    reusable_before: OffsetDateTime,
) -> AppResult<Vec<String>> {
    let ts = now();
    let mut claimed = 0u64;
    for chunk in pairs.chunks(CHUNK) {
        claimed += on_tx!(tx, |c| {
            let mut q =
                sqlx::QueryBuilder::new("insert into item_ids (item_id, parcel_id, used_at) ");
            q.push_values(chunk, |mut b, (item, parcel)| {
                b.push_bind(item).push_bind(*parcel).push_bind(ts);
            });
            q.push(
                " on conflict (item_id) do update set parcel_id = excluded.parcel_id,
                  used_at = excluded.used_at where item_ids.used_at < ",
            );
            q.push_bind(reusable_before);
            q.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    if claimed == pairs.len() as u64 {
        return Ok(Vec::new());
    }
    // Which ones: those whose row names another parcel.
    let mut taken = Vec::new();
    for (item, parcel) in pairs {
        let owner = on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
            "select parcel_id from item_ids where item_id = $1"
        )
        .bind(item)
        .fetch_optional(c)
        .await)?;
        if owner != Some(*parcel) {
            taken.push(item.clone());
        }
    }
    Ok(taken)
}

/// Inserts submitted declarations; returns (id, parcel_id) of each.
pub async fn insert_declarations(
    tx: &mut Tx,
    rows: &[DeclarationFields<'_>],
) -> AppResult<Vec<(i64, i64)>> {
    let ts = now();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let got = on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "insert into declarations (company_id, created_by, parcel_id, version, status,
                     reference, item_id, input_json, form, currency, total_value_minor,
                     addressee_name, addressee_country, summary, created_at, updated_at,
                     submitted_at) ",
            );
            q.push_values(chunk, |mut b, d| {
                b.push_bind(d.company_id)
                    .push_bind(d.created_by)
                    .push_bind(d.parcel_id)
                    .push_bind(d.version)
                    .push_bind(d.status)
                    .push_bind(d.reference)
                    .push_bind(d.item_id)
                    .push_bind(d.input_json)
                    .push_bind(d.form)
                    .push_bind(d.currency)
                    .push_bind(d.total_value_minor)
                    .push_bind(d.addressee_name)
                    .push_bind(d.addressee_country)
                    .push_bind(d.summary)
                    .push_bind(ts)
                    .push_bind(ts)
                    .push_bind(d.submitted.then_some(ts));
            });
            q.push(" returning id, parcel_id");
            q.build_query_as::<(i64, i64)>().fetch_all(c).await
        })?;
        out.extend(got);
    }
    Ok(out)
}

/// Points new parcels (ids `first..=last` of the company, still without a
/// declaration) at their first declaration.
pub async fn link_first_declarations(
    tx: &mut Tx,
    company_id: i64,
    first: i64,
    last: i64,
) -> AppResult<u64> {
    Ok(on_tx!(tx, |c| sqlx::query(
        "update parcels set declaration_id =
                (select max(d.id) from declarations d where d.parcel_id = parcels.id),
                version = version + 1
         where company_id = $1 and declaration_id is null and id between $2 and $3"
    )
    .bind(company_id)
    .bind(first)
    .bind(last)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}

pub async fn insert_events(tx: &mut Tx, rows: &[NewEvent<'_>]) -> AppResult<()> {
    let ts = now();
    for chunk in rows.chunks(CHUNK * 2) {
        on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "insert into parcel_events (parcel_id, dimension, from_state, to_state, upu_code,
                     decision_code, actor_id, office_id, reason, at) ",
            );
            q.push_values(chunk, |mut b, e| {
                b.push_bind(e.parcel_id)
                    .push_bind(e.dimension)
                    .push_bind(e.from)
                    .push_bind(e.to)
                    .push_bind(e.upu_code)
                    .push_bind(e.decision_code)
                    .push_bind(e.actor_id)
                    .push_bind(e.office_id)
                    .push_bind(e.reason)
                    .push_bind(ts);
            });
            q.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

// ---- admin: routes and ranges ----

pub use crate::api::reference::{RangeRow, RouteRow};

pub async fn list_routes(db: &Db) -> AppResult<Vec<RouteRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, RouteRow>(
        "select r.id, r.country_code, r.postcode_prefix, r.office_id, f.code as office_code,
                f.name as office_name
         from routes r join offices f on f.id = r.office_id
         order by r.country_code, r.postcode_prefix"
    )
    .fetch_all(p)
    .await)?)
}

pub async fn route(db: &Db, id: i64) -> AppResult<RouteRow> {
    on_db!(db, |p| sqlx::query_as::<_, RouteRow>(
        "select r.id, r.country_code, r.postcode_prefix, r.office_id, f.code as office_code,
                f.name as office_name
         from routes r join offices f on f.id = r.office_id where r.id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?
    .ok_or(AppError::NotFound)
}

pub async fn delete_route(tx: &mut Tx, id: i64) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query("delete from routes where id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    one_row(n)
}

pub async fn list_ranges(db: &Db) -> AppResult<Vec<RangeRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, RangeRow>(
        "select s.id, s.post_id, po.name as post_name, s.company_id, co.name as company_name,
                s.service, s.country_code, s.first_serial, s.last_serial, s.next_serial
         from s10_ranges s
         join organisations po on po.id = s.post_id
         left join organisations co on co.id = s.company_id
         order by s.country_code, s.service, s.first_serial, s.company_id nulls first"
    )
    .fetch_all(p)
    .await)?)
}
