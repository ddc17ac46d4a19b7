//! Declarations: drafts, submitted versions, the list of a company's.
use time::{Date, OffsetDateTime};

use super::{now, on_db, on_tx, one_row, Db, Tx, CHUNK};
pub use crate::domain::parcel_view::{DeclarationFilter, DeclarationRow};
use crate::error::{AppError, AppResult};

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
