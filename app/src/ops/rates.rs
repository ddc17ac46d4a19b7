//! Admins keep the regime data (`/admin/rates`): six tables, each listed,
//! edited row by row with validity dates, imported and exported as CSV in
//! the layout of the seed files; every change audited and the engines told.
use std::collections::{HashMap, HashSet};

use crate::db::rates::{self as store, Src, Stored};
use crate::db::{audit, clearance, Db, Tx};
use crate::domain::account::{CurrentUser, Role};
use crate::domain::goods::Currency;
use crate::domain::rates::{
    DataOverview, ImportOutcome, RateRow, RateTable, RowState, Table, TableSummary, PAGE_ROWS,
};
use crate::domain::rates::{Record, Sourced};
use crate::domain::tariff::day_text;
use crate::domain::uploads::Problem;
use crate::error::{AppError, AppResult, OrInternal};
use crate::ops::Caller;
use crate::regimes::table::{overlaps, read_form, read_table, states, to_csv};
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

pub async fn summaries(state: &AppState, caller: &Caller) -> AppResult<DataOverview> {
    caller.require(&[Role::Admin])?;
    let db = &state.db;
    let mut out = Vec::new();
    for t in Table::ALL {
        let stored = store::load(Src::Db(db), t).await?;
        let records: Vec<&Record> = stored.iter().map(|(_, r, _)| r).collect();
        let s = states(&records, today());
        out.push(TableSummary {
            table: t,
            rows: s.len(),
            current: s.iter().filter(|s| **s == RowState::Current).count(),
            future: s.iter().filter(|s| **s == RowState::Future).count(),
        });
    }
    let data = state.engine.regime_data(db).await?;
    let vat_gaps = data
        .vat_gaps(today())
        .into_iter()
        .map(|(country, from)| (country, day_text(from)))
        .collect();
    Ok(DataOverview {
        tables: out,
        vat_gaps,
    })
}

pub async fn list(state: &AppState, caller: &Caller, name: &str, q: &str) -> AppResult<RateTable> {
    caller.require(&[Role::Admin])?;
    let t = table(name)?;
    let db = &state.db;
    let cur = currencies(db).await?;
    let stored = store::load(Src::Db(db), t).await?;
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

pub async fn get(state: &AppState, caller: &Caller, name: &str, id: i64) -> AppResult<RateRow> {
    caller.require(&[Role::Admin])?;
    let t = table(name)?;
    let db = &state.db;
    let cur = currencies(db).await?;
    let stored = store::load(Src::Db(db), t).await?;
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
        let n = *index
            .get(id)
            .or_internal("an ended row is not in its table")?;
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
            .or_internal("a clashing row is not in its table")
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
    state: &AppState,
    caller: &Caller,
    name: &str,
    id: Option<i64>,
    values: &HashMap<String, String>,
) -> AppResult<i64> {
    let user = caller.require(&[Role::Admin])?;
    let t = table(name)?;
    let db = &state.db;
    let cur = currencies(db).await?;
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
    if let Err(clashes) = settle(&mut tx, user, t, &added, &written, &cur).await? {
        let (_, from) = clashes
            .into_iter()
            .next()
            .or_internal("an overlap without a clashing row")?;
        return Err(AppError::field(
            "row.valid_from",
            &format!("rate_period_overlaps:{from}"),
        ));
    }
    let after = record.cells(&source, &cur);
    let action = if before.is_some() { "update" } else { "create" };
    let before = before.map(|b| audited(t, &b));
    finish(tx, user, t, action, id, before, Some(audited(t, &after))).await?;
    tracing::info!(
        by = user.id,
        table = t.as_str(),
        row = id,
        action,
        "regime data saved"
    );
    Ok(id)
}

pub async fn delete(state: &AppState, caller: &Caller, name: &str, id: i64) -> AppResult<()> {
    let user = caller.require(&[Role::Admin])?;
    let t = table(name)?;
    let db = &state.db;
    let cur = currencies(db).await?;
    let cur = lookup(&cur);
    let mut tx = db.begin().await?;
    let (_, r, s) = stored_row(&mut tx, t, id).await?;
    if t == Table::Regimes && regime_in_use(&mut tx, &r).await? {
        return Err(AppError::field("row", "regime_in_use"));
    }
    store::delete(&mut tx, t, id).await?;
    let before = Some(audited(t, &r.cells(&s, &cur)));
    finish(tx, user, t, "delete", id, before, None).await?;
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
    crate::db::rates::regime_in_use(tx, &g.code).await
}

/// Stores the rows of a file: a row with the key of a stored row
/// replaces it, the others are added (closing the open period of the
/// row they follow). All or nothing: `Err` lists every problem, by the
/// file's row and column.
pub async fn import(
    state: &AppState,
    caller: &Caller,
    table_name: &str,
    file_name: &str,
    text: &str,
) -> AppResult<Result<ImportOutcome, Vec<Problem>>> {
    let user = caller.require(&[Role::Admin])?;
    let t = table(table_name)?;
    let db = &state.db;
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

/// A whole table in the layout an import reads: the table and the file.
pub async fn export(
    state: &AppState,
    caller: &Caller,
    table_name: &str,
) -> AppResult<(Table, Vec<u8>)> {
    caller.require(&[Role::Admin])?;
    let t = table(table_name)?;
    let cur = currencies(&state.db).await?;
    let stored = store::load(Src::Db(&state.db), t).await?;
    let bytes = to_csv(t, &stored, &lookup(&cur)).or_internal("writing a rates CSV")?;
    Ok((t, bytes))
}
