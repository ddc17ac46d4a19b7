//! Admins keep the regime data: tariffs, regimes (thresholds, reliefs,
//! fees), VAT rates, additional duties, FX and SDR rates. Each table is
//! listed, edited row by row with validity dates, imported from CSV and
//! exported to CSV; every change is in the audit log and raises the data's
//! version, so every process's engine reloads it.
use std::collections::HashMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::rates::{RateRow, RateTable};
use crate::error::AppError;

/// A table's size, for the overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSummary {
    pub table: crate::domain::rates::Table,
    pub rows: usize,
    pub current: usize,
    pub future: usize,
}

#[server(endpoint = "rates/tables")]
pub async fn list_rate_tables() -> Result<Vec<TableSummary>, AppError> {
    crate::api::respond::reply(server::summaries().await)
}

#[server(endpoint = "rates/list")]
pub async fn list_rate_rows(table: String, q: Option<String>) -> Result<RateTable, AppError> {
    crate::api::respond::reply(server::list(&table, q.as_deref().unwrap_or("")).await)
}

#[server(endpoint = "rates/get")]
pub async fn get_rate_row(table: String, row_id: i64) -> Result<RateRow, AppError> {
    crate::api::respond::reply(server::get(&table, row_id).await)
}

/// Adds (no `row_id`) or changes a row; `row` holds the values by column
/// name, as in the CSV file. A new row with no end closes the open period
/// of the row it follows.
#[server(endpoint = "rates/save")]
pub async fn save_rate(
    table: String,
    row_id: Option<i64>,
    row: HashMap<String, String>,
) -> Result<i64, AppError> {
    let result = server::save(&table, row_id, &row).await;
    let back = match row_id {
        Some(id) => format!("/admin/rates/{table}/{id}"),
        None => format!("/admin/rates/{table}/new"),
    };
    let keep: Vec<(&str, String)> = crate::domain::rates::Table::parse(&table)
        .map(|t| {
            t.columns()
                .iter()
                .map(|c| (c.name, row.get(c.name).cloned().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    crate::api::respond::remember_on_error(&result, &back, keep).await;
    crate::api::respond::finish_form(
        result,
        |id| format!("/admin/rates/{table}?saved={id}"),
        &back,
    )
}

#[server(endpoint = "rates/delete")]
pub async fn delete_rate(table: String, row_id: i64) -> Result<(), AppError> {
    let result = server::delete(&table, row_id).await;
    crate::api::respond::finish_form(
        result,
        |_| format!("/admin/rates/{table}?deleted=1"),
        &format!("/admin/rates/{table}/{row_id}"),
    )
}

#[cfg(feature = "ssr")]
pub mod server {
    use std::collections::{HashMap, HashSet};

    use axum::extract::{Multipart, Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::Json;
    use tower_sessions::Session;

    use super::TableSummary;
    use crate::api::guard::{require, require_for_session, state};
    use crate::api::respond::{csv_attachment, json_error as fail, wants_html};
    use crate::db::rates::{self as store, Src, Stored};
    use crate::db::{audit, clearance, Db, Tx};
    use crate::domain::account::{CurrentUser, Role};
    use crate::domain::bulk::Problem;
    use crate::domain::goods::Currency;
    use crate::domain::rates::{
        problems_param, ImportOutcome, RateRow, RateTable, RowState, Table, PAGE_ROWS,
    };
    use crate::domain::tariff::day_text;
    use crate::error::{AppError, AppResult};
    use crate::regimes::table::{overlaps, read_form, read_table, states, to_csv, Record};
    use crate::regimes::Sourced;
    use crate::state::AppState;

    /// The largest file an import takes.
    pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

    fn table(name: &str) -> AppResult<Table> {
        Table::parse(name).ok_or(AppError::NotFound)
    }

    /// The regimes' currencies by territory (tariff amounts are in them).
    async fn currencies(db: &Db) -> AppResult<HashMap<String, Currency>> {
        let rows = store::load(Src::Db(db), Table::Regimes).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(_, r, _)| match r {
                Record::Regimes(g) => Some((g.territory, g.currency)),
                _ => None,
            })
            .collect())
    }

    fn lookup(map: &HashMap<String, Currency>) -> impl Fn(&str) -> Option<Currency> + '_ {
        move |t| map.get(t).copied()
    }

    fn today() -> time::Date {
        crate::db::now().date()
    }

    fn rows_of(stored: &[Stored], cur: &dyn Fn(&str) -> Option<Currency>) -> Vec<RateRow> {
        let records: Vec<&Record> = stored.iter().map(|(_, r, _)| r).collect();
        states(&records, today())
            .into_iter()
            .zip(stored)
            .map(|(state, (id, r, source))| RateRow {
                id: *id,
                cells: r.cells(source, cur),
                state,
            })
            .collect()
    }

    /// The row as the audit log keeps it: its values by column.
    fn audited(table: Table, cells: &[String]) -> serde_json::Value {
        table
            .columns()
            .iter()
            .zip(cells)
            .map(|(c, v)| (c.name.to_owned(), serde_json::Value::String(v.clone())))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    pub async fn summaries() -> AppResult<Vec<TableSummary>> {
        require(&[Role::Admin]).await?;
        let db = state()?.db;
        let mut out = Vec::new();
        for t in Table::ALL {
            let stored = store::load(Src::Db(&db), t).await?;
            let records: Vec<&Record> = stored.iter().map(|(_, r, _)| r).collect();
            let s = states(&records, today());
            out.push(TableSummary {
                table: t,
                rows: s.len(),
                current: s.iter().filter(|s| **s == RowState::Current).count(),
                future: s.iter().filter(|s| **s == RowState::Future).count(),
            });
        }
        Ok(out)
    }

    pub async fn list(name: &str, q: &str) -> AppResult<RateTable> {
        require(&[Role::Admin]).await?;
        let t = table(name)?;
        let db = state()?.db;
        let cur = currencies(&db).await?;
        let stored = store::load(Src::Db(&db), t).await?;
        let total = stored.len();
        let words: Vec<String> = q
            .split_whitespace()
            .map(|w| w.to_lowercase().replace('.', ""))
            .collect();
        let rows: Vec<RateRow> = rows_of(&stored, &lookup(&cur))
            .into_iter()
            .filter(|r| {
                words.iter().all(|w| {
                    r.cells
                        .iter()
                        .any(|c| c.to_lowercase().replace('.', "").contains(w.as_str()))
                })
            })
            .collect();
        let matching = rows.len();
        Ok(RateTable {
            table: t,
            rows: rows.into_iter().take(PAGE_ROWS).collect(),
            matching,
            total,
        })
    }

    pub async fn get(name: &str, id: i64) -> AppResult<RateRow> {
        require(&[Role::Admin]).await?;
        let t = table(name)?;
        let db = state()?.db;
        let cur = currencies(&db).await?;
        let stored = store::load(Src::Db(&db), t).await?;
        let cur = lookup(&cur);
        let found = rows_of(&stored, &cur).into_iter().find(|r| r.id == id);
        found.ok_or(AppError::NotFound)
    }

    /// After a change: every new row (`added`) ends the open period of the
    /// stored row it follows, unless that row was written by the same
    /// change; then no two rows of a group may overlap. `Err` names each
    /// written row (by id) that overlaps, with the other row's start.
    async fn settle(
        tx: &mut Tx,
        user: &CurrentUser,
        t: Table,
        added: &[i64],
        written: &HashSet<i64>,
        cur: &(dyn Fn(&str) -> Option<Currency> + Sync),
    ) -> AppResult<Result<usize, Vec<(i64, String)>>> {
        let Some(group) = t.period_group() else {
            return Ok(Ok(0));
        };
        let mut stored = store::load(Src::Tx(&mut *tx), t).await?;
        // Each row's group, worked out once, and the rows of each group.
        let groups: Vec<String> = stored.iter().map(|(_, r, _)| r.values_of(group)).collect();
        let mut members: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, g) in groups.iter().enumerate() {
            members.entry(g.as_str()).or_default().push(i);
        }
        let index: HashMap<i64, usize> = stored
            .iter()
            .enumerate()
            .map(|(i, (id, _, _))| (*id, i))
            .collect();
        let mut ended = 0;
        for id in added {
            let n = *index.get(id).ok_or(AppError::Internal)?;
            let start = stored[n].1.from();
            for &o in members.get(groups[n].as_str()).into_iter().flatten() {
                let (oid, old, source) = &mut stored[o];
                let follows = old.from() < start && old.to().is_none_or(|to| to > start);
                if o == n || written.contains(oid) || !follows {
                    continue;
                }
                let before = old.cells(source, cur);
                old.set_to(Some(start));
                store::update(tx, *oid, old, source).await?;
                audit::record(
                    tx,
                    user,
                    &format!("rates.{}.end", t.as_str()),
                    store::table_name(t),
                    *oid,
                    Some(&audited(t, &before)),
                    Some(&audited(t, &old.cells(source, cur))),
                )
                .await?;
                ended += 1;
            }
        }
        let pairs: Vec<(i64, &Record)> = stored.iter().map(|(i, r, _)| (*i, r)).collect();
        let start_of = |id: i64| {
            index
                .get(&id)
                .map(|&i| day_text(stored[i].1.from()))
                .ok_or(AppError::Internal)
        };
        let mut clashes = Vec::new();
        for (a, b) in overlaps(&pairs) {
            if written.contains(&b) {
                clashes.push((b, start_of(a)?));
            } else if written.contains(&a) {
                clashes.push((a, start_of(b)?));
            }
        }
        Ok(if clashes.is_empty() {
            Ok(ended)
        } else {
            Err(clashes)
        })
    }

    pub async fn save(
        name: &str,
        id: Option<i64>,
        values: &HashMap<String, String>,
    ) -> AppResult<i64> {
        let user = require(&[Role::Admin]).await?;
        let t = table(name)?;
        let db = state()?.db;
        let cur = currencies(&db).await?;
        let cur = lookup(&cur);
        let (record, source) = read_form(t, values, &cur).map_err(AppError::validation)?;
        if record.table() != t {
            return Err(AppError::Internal);
        }
        let mut tx = db.begin().await?;
        let before = match id {
            Some(id) => {
                let (_, r, s) = stored_row(&mut tx, t, id).await?;
                Some(r.cells(&s, &cur))
            }
            None => None,
        };
        let id = match id {
            Some(id) => {
                store::update(&mut tx, id, &record, &source).await?;
                id
            }
            None => store::insert(&mut tx, &record, &source).await?,
        };
        let added = if before.is_none() { vec![id] } else { vec![] };
        let written = HashSet::from([id]);
        if let Err(clashes) = settle(&mut tx, &user, t, &added, &written, &cur).await? {
            let (_, from) = clashes.into_iter().next().ok_or(AppError::Internal)?;
            return Err(AppError::field(
                "row.valid_from",
                &format!("rate_period_overlaps:{from}"),
            ));
        }
        let after = record.cells(&source, &cur);
        let action = if before.is_some() { "update" } else { "create" };
        let before = before.map(|b| audited(t, &b));
        finish(tx, &user, t, action, id, before, Some(audited(t, &after))).await?;
        tracing::info!(
            by = user.id,
            table = t.as_str(),
            row = id,
            action,
            "regime data saved"
        );
        Ok(id)
    }

    pub async fn delete(name: &str, id: i64) -> AppResult<()> {
        let user = require(&[Role::Admin]).await?;
        let t = table(name)?;
        let db = state()?.db;
        let cur = currencies(&db).await?;
        let cur = lookup(&cur);
        let mut tx = db.begin().await?;
        let (_, r, s) = stored_row(&mut tx, t, id).await?;
        if t == Table::Regimes && regime_in_use(&mut tx, &r).await? {
            return Err(AppError::field("row", "regime_in_use"));
        }
        store::delete(&mut tx, t, id).await?;
        let before = Some(audited(t, &r.cells(&s, &cur)));
        finish(tx, &user, t, "delete", id, before, None).await?;
        tracing::info!(
            by = user.id,
            table = t.as_str(),
            row = id,
            "regime data row deleted"
        );
        Ok(())
    }

    /// Row `id` of `t`, read in the transaction.
    async fn stored_row(tx: &mut Tx, t: Table, id: i64) -> AppResult<Stored> {
        let stored = store::load(Src::Tx(tx), t).await?;
        stored
            .into_iter()
            .find(|(i, _, _)| *i == id)
            .ok_or(AppError::NotFound)
    }

    /// Audits a change of row `id` of `t` (`rates.<table>.<action>`),
    /// raises the data's version (every engine reloads it) and commits.
    async fn finish(
        mut tx: Tx,
        user: &CurrentUser,
        t: Table,
        action: &str,
        id: i64,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> AppResult<()> {
        audit::record(
            &mut tx,
            user,
            &format!("rates.{}.{action}", t.as_str()),
            store::table_name(t),
            id,
            before.as_ref(),
            after.as_ref(),
        )
        .await?;
        clearance::bump(&mut tx, "regimes").await?;
        tx.commit().await?;
        Ok(())
    }

    /// A regime that assessed parcels stays: their assessments name it (end
    /// its period instead).
    async fn regime_in_use(tx: &mut Tx, r: &Record) -> AppResult<bool> {
        let Record::Regimes(g) = r else {
            return Ok(false);
        };
        let n: i64 = crate::db::on_tx!(tx, |c| sqlx::query_scalar(
            "select count(*) from assessments where regime = $1"
        )
        .bind(&g.code)
        .fetch_one(c)
        .await)?;
        Ok(n > 0)
    }

    /// Stores the rows of a file: a row with the key of a stored row
    /// replaces it, the others are added (closing the open period of the
    /// row they follow). All or nothing: `Err` lists every problem, by the
    /// file's row and column.
    pub async fn import(
        db: &Db,
        user: &CurrentUser,
        t: Table,
        file_name: &str,
        text: &str,
    ) -> AppResult<Result<ImportOutcome, Vec<Problem>>> {
        let cur = currencies(db).await?;
        let cur = lookup(&cur);
        let rows: Vec<Sourced<Record>> = match read_table(t, text, &cur) {
            Ok(rows) => rows,
            Err(problems) => return Ok(Err(problems)),
        };
        if rows.is_empty() {
            return Ok(Err(vec![Problem::new(1, "", "file_no_rows")]));
        }
        // The file's row number of each record (blank lines are skipped).
        let numbers = row_numbers(text);
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut problems = Vec::new();
        for (i, (r, _)) in rows.iter().enumerate() {
            let n = numbers.get(i).copied().unwrap_or(i as u64 + 2);
            if let Some(first) = seen.insert(r.key(), n) {
                problems.push(Problem::new(
                    n,
                    t.key()[0],
                    &format!("rate_row_twice:{first}"),
                ));
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let mut tx = db.begin().await?;
        let stored = store::load(Src::Tx(&mut tx), t).await?;
        let by_key: HashMap<String, i64> = stored.iter().map(|(id, r, _)| (r.key(), *id)).collect();
        let mut outcome = ImportOutcome::default();
        let mut added = Vec::new();
        let mut written = HashSet::new();
        let mut file_row: HashMap<i64, u64> = HashMap::new();
        for (i, (r, source)) in rows.iter().enumerate() {
            let id = match by_key.get(&r.key()) {
                Some(id) => {
                    store::update(&mut tx, *id, r, source).await?;
                    outcome.replaced += 1;
                    *id
                }
                None => {
                    let id = store::insert(&mut tx, r, source).await?;
                    outcome.added += 1;
                    added.push(id);
                    id
                }
            };
            written.insert(id);
            file_row.insert(id, numbers.get(i).copied().unwrap_or(i as u64 + 2));
        }
        match settle(&mut tx, user, t, &added, &written, &cur).await? {
            Ok(ended) => outcome.ended = ended,
            Err(clashes) => {
                let mut problems: Vec<Problem> = clashes
                    .into_iter()
                    .map(|(id, from)| {
                        let n = file_row.get(&id).copied().unwrap_or(0);
                        Problem::new(n, "valid_from", &format!("rate_period_overlaps:{from}"))
                    })
                    .collect();
                problems.sort_by_key(|p| p.row);
                return Ok(Err(problems));
            }
        }
        let summary = serde_json::json!({
            "file": file_name,
            "added": outcome.added,
            "replaced": outcome.replaced,
            "ended": outcome.ended,
        });
        audit::record(
            &mut tx,
            user,
            &format!("rates.{}.import", t.as_str()),
            store::table_name(t),
            "import",
            None::<&()>,
            Some(&summary),
        )
        .await?;
        clearance::bump(&mut tx, "regimes").await?;
        tx.commit().await?;
        tracing::info!(
            by = user.id,
            table = t.as_str(),
            added = outcome.added,
            replaced = outcome.replaced,
            ended = outcome.ended,
            "regime data imported"
        );
        Ok(Ok(outcome))
    }

    /// The spreadsheet row of each non-blank record of `text`.
    fn row_numbers(text: &str) -> Vec<u64> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        rdr.records()
            .enumerate()
            .filter_map(|(i, r)| {
                let r = r.ok()?;
                (!r.iter().all(|f| f.trim().is_empty())).then_some(i as u64 + 2)
            })
            .collect()
    }

    async fn signed_in_admin(session: &Session, state: &AppState) -> AppResult<CurrentUser> {
        require_for_session(session, state, &[Role::Admin]).await
    }

    /// `GET /admin/rates/{table}/export.csv`: the whole table in the layout
    /// an import reads.
    pub async fn export_csv(
        State(state): State<AppState>,
        session: Session,
        Path(name): Path<String>,
    ) -> Response {
        let run = async {
            signed_in_admin(&session, &state).await?;
            let t = table(&name)?;
            let cur = currencies(&state.db).await?;
            let stored = store::load(Src::Db(&state.db), t).await?;
            let bytes = to_csv(t, &stored, &lookup(&cur)).map_err(|e| {
                tracing::error!(error = %e, "rates CSV");
                AppError::Internal
            })?;
            AppResult::Ok((t, bytes))
        };
        match run.await {
            Ok((t, bytes)) => csv_attachment(bytes, &t.file_name()),
            Err(e) => fail(e),
        }
    }

    /// `POST /admin/rates/{table}/upload`, multipart `file`: imports a CSV
    /// file. A form goes back to the table (or to the import page with the
    /// problems); programs get the outcome, or 422 with the problems.
    pub async fn upload(
        State(state): State<AppState>,
        session: Session,
        headers: HeaderMap,
        Path(name): Path<String>,
        multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    ) -> Response {
        let html = wants_html(&headers);
        let page = format!("/admin/rates/{}/import", urlencoding(&name));
        let refuse = |e: AppError| {
            if html && !matches!(e, AppError::Unauthorized | AppError::Forbidden) {
                let to = format!("{page}?error={}", crate::api::respond::urlencode(&e.code()));
                Redirect::to(&to).into_response()
            } else {
                fail(e)
            }
        };
        let user = match signed_in_admin(&session, &state).await {
            Ok(u) => u,
            Err(e) => return refuse(e),
        };
        let t = match table(&name) {
            Ok(t) => t,
            Err(e) => return fail(e),
        };
        let Ok(mut multipart) = multipart else {
            return refuse(AppError::field("file", "required"));
        };
        let mut file: Option<(String, Vec<u8>)> = None;
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) if field.name() == Some("file") => {
                    let name = field.file_name().unwrap_or("").to_owned();
                    match field.bytes().await {
                        Ok(b) => file = Some((name, b.to_vec())),
                        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return refuse(AppError::field("file", "upload_too_large"))
                        }
                        Err(_) => return refuse(AppError::field("file", "invalid")),
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return refuse(AppError::field("file", "upload_too_large"))
                }
                Err(_) => return refuse(AppError::field("file", "invalid")),
            }
        }
        let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
            return refuse(AppError::field("file", "required"));
        };
        if bytes.len() > MAX_IMPORT_BYTES {
            return refuse(AppError::field("file", "upload_too_large"));
        }
        let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
        else {
            return refuse(AppError::field("file", "file_not_utf8"));
        };
        let clean: String = file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(120)
            .collect();
        match import(&state.db, &user, t, &clean, text).await {
            Ok(Ok(outcome)) => {
                if html {
                    Redirect::to(&format!(
                        "/admin/rates/{}?added={}&replaced={}&ended={}",
                        t.as_str(),
                        outcome.added,
                        outcome.replaced,
                        outcome.ended
                    ))
                    .into_response()
                } else {
                    Json(outcome).into_response()
                }
            }
            Ok(Err(problems)) => {
                if html {
                    let shown = 50;
                    let more = problems.len().saturating_sub(shown);
                    let to = format!(
                        "{page}?problems={}&more={more}",
                        crate::api::respond::urlencode(&problems_param(&problems, shown))
                    );
                    Redirect::to(&to).into_response()
                } else {
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Json(serde_json::json!({ "problems": problems })),
                    )
                        .into_response()
                }
            }
            Err(e) => refuse(e),
        }
    }

    fn urlencoding(s: &str) -> String {
        crate::api::respond::urlencode(s)
    }
}
