//! Merchants declare parcels: drafts, submission, amendment and
//! cancellation, the list and the parcel page.
//!
//! Submission has one check for every door ([`SubmissionCheck`]: the
//! form, the API batch and the bulk upload) and one writer
//! ([`write_submissions`]) made of named steps: item ids, scoring and
//! assessment, parcels, the ids claimed, declarations, results, events, and
//! the green-lane policy.
use std::collections::{HashMap, HashSet};

use time::Date;

use crate::clearance::{Cleared, Engine};
use crate::db::{self, declarations as store, parcels, ranges, routing, Tx};
use crate::domain::account::CurrentUser;
use crate::domain::assess::NoteCode;
use crate::domain::decision::Decision;
use crate::domain::declaration::{self, Context, Declaration, DeclarationInput, Form, LineInput};
use crate::domain::goods::Money;
use crate::domain::parcel::{CustomsStatus, DeclarationStatus, Location, PaymentStatus};
use crate::domain::parcel_view::{
    DeclarationDetail, DeclarationFilter, DeclarationRow, ParcelDetail, ParcelEvent, Saved,
    Submitted, PAGE,
};
use crate::domain::risk::Lane;
use crate::domain::s10::ItemId;
use crate::domain::FieldError;
use crate::error::{AppError, AppResult, OrInternal};
use crate::ops::customs::{apply_decision, Actor, DecisionRequest};
use crate::ops::{company, Caller};
use crate::state::AppState;

/// Most declarations in one batch.
pub const MAX_BATCH: usize = 1000;

/// Item ids may be used again after this long.
pub(crate) const ID_REUSE_AFTER: time::Duration = time::Duration::days(730);

// ---- drafts ----

/// A new draft's starting values: the company's sender and defaults.
pub async fn blank(state: &AppState, caller: &Caller) -> AppResult<DeclarationInput> {
    let (_, company) = caller.merchant()?;
    let p = company::load(state, company).await?;
    Ok(DeclarationInput {
        sender: p.sender,
        currency: p.default_currency,
        category: "sale_of_goods".into(),
        incoterm: "DAP".into(),
        non_delivery: "return".into(),
        lines: vec![LineInput {
            quantity: "1".into(),
            origin: p.default_origin,
            ..Default::default()
        }],
        ..Default::default()
    })
}

/// What a button of the declaration form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    Save,
    Submit,
    AddLine,
    RemoveLine(usize),
}

impl FormAction {
    pub fn parse(action: &str) -> AppResult<FormAction> {
        let invalid = || AppError::field("action", "invalid");
        match action {
            "save" => Ok(FormAction::Save),
            "submit" => Ok(FormAction::Submit),
            "add_line" => Ok(FormAction::AddLine),
            other => other
                .strip_prefix("remove_line:")
                .and_then(|n| n.parse().ok())
                .map(FormAction::RemoveLine)
                .ok_or_else(invalid),
        }
    }
}

/// Runs a button of the declaration form. Every action first keeps what was
/// typed as a draft; returns that draft (if it got that far) with the outcome.
pub async fn form_action(
    state: &AppState,
    caller: &Caller,
    id: Option<i64>,
    action: &str,
    input: DeclarationInput,
) -> (Option<i64>, AppResult<Saved>) {
    let mut draft = None;
    let result = async {
        let (_, company) = caller.merchant()?;
        let action = FormAction::parse(action)?;
        let mut input = input;
        let mut anchor = None;
        match action {
            FormAction::AddLine => {
                let origin = company::load(state, company).await?.default_origin;
                input.lines.push(LineInput {
                    quantity: "1".into(),
                    origin,
                    ..Default::default()
                });
                anchor = Some(input.lines.len() - 1);
            }
            FormAction::RemoveLine(n) if n < input.lines.len() => {
                input.lines.remove(n);
            }
            FormAction::RemoveLine(_) | FormAction::Save | FormAction::Submit => {}
        }
        let kept = save_draft(state, caller, id, &input).await?;
        draft = Some(kept);
        if action == FormAction::Submit {
            let s = submit(state, caller, Some(kept), &input).await?;
            return Ok(Saved {
                declaration_id: s.declaration_id,
                parcel_id: Some(s.parcel_id),
                item_id: Some(s.item_id),
                line_anchor: None,
            });
        }
        Ok(Saved {
            declaration_id: kept,
            parcel_id: None,
            item_id: None,
            line_anchor: anchor,
        })
    }
    .await;
    (draft, result)
}

/// The row fields of a draft of `input` (a submission sets the rest).
fn fields<'a>(
    user: &CurrentUser,
    company: i64,
    input: &'a DeclarationInput,
    json: &'a str,
    summary: &'a str,
) -> store::DeclarationFields<'a> {
    store::DeclarationFields {
        company_id: company,
        created_by: user.id,
        parcel_id: None,
        version: 1,
        status: DeclarationStatus::Draft.as_str(),
        reference: input.reference.trim(),
        item_id: None,
        input_json: json,
        form: None,
        currency: input.currency.trim(),
        total_value_minor: 0,
        addressee_name: input.addressee.name.trim(),
        addressee_country: input.addressee.country.trim(),
        summary,
        submitted: false,
    }
}

/// Creates or replaces a draft; drafts are not validated (only kept).
pub async fn save_draft(
    state: &AppState,
    caller: &Caller,
    id: Option<i64>,
    input: &DeclarationInput,
) -> AppResult<i64> {
    let (user, company) = caller.merchant()?;
    let json = serde_json::to_string(input).or_internal("serialising a declaration")?;
    let summary = input.summary();
    let f = fields(user, company, input, &json, &summary);
    let mut tx = state.db.begin().await?;
    let id = match id {
        Some(id) => {
            store::update_draft(&mut tx, id, &f)
                .await
                .map_err(not_a_draft)?;
            id
        }
        None => store::insert_declaration(&mut tx, &f).await?,
    };
    tx.commit().await?;
    Ok(id)
}

/// A draft that is not (or no longer) the caller's draft.
fn not_a_draft(e: AppError) -> AppError {
    match e {
        AppError::NotFound => AppError::Conflict {
            code: "not_a_draft".into(),
        },
        e => e,
    }
}

pub async fn delete_draft(state: &AppState, caller: &Caller, id: i64) -> AppResult<()> {
    let (_, company) = caller.merchant()?;
    let mut tx = state.db.begin().await?;
    store::delete_draft(&mut tx, id, company).await?;
    tx.commit().await?;
    Ok(())
}

// ---- the check of submission ----

/// A declaration that passed every check of submission, ready to write.
pub struct Submission<'a> {
    /// The draft it comes from, if any.
    pub draft: Option<i64>,
    pub input: &'a DeclarationInput,
    pub declaration: Declaration,
    /// The inward office of exchange its route gives.
    pub office_id: i64,
}

/// The outcome of checking declarations for submission, in their order.
pub struct Checked<'a> {
    /// Each is ready, or has its problems (named by the declaration's own
    /// fields: `addressee.country`, `lines.0.hs_code`).
    pub items: Vec<Result<Submission<'a>, Vec<FieldError>>>,
    /// Item ids to allocate for the valid ones without their own.
    pub ids_needed: i64,
    /// Serials left in the company's S10 ranges.
    pub ids_left: i64,
}

impl Checked<'_> {
    /// The position of the first valid declaration that needs an allocated
    /// item id.
    pub fn first_needing_id(&self) -> Option<usize> {
        self.items
            .iter()
            .position(|r| r.as_ref().is_ok_and(|s| s.declaration.item_id.is_none()))
    }
}

/// A declaration as [`SubmissionCheck::validate`] found it: the draft it
/// comes from, what was typed, and the declaration or its problems.
pub type Validated<'a> = (
    Option<i64>,
    &'a DeclarationInput,
    Result<Declaration, Vec<FieldError>>,
);

/// The checks of submission, the same for every door: every rule of the
/// declaration (with the day's SDR rate, which chooses CN22 or CN23), a
/// route to the destination, own item ids free and not twice among these,
/// and enough serials left in the company's ranges.
pub struct SubmissionCheck {
    day: Date,
    /// SDR rates of the day, each currency read once.
    rates: HashMap<String, Option<i64>>,
}

impl Default for SubmissionCheck {
    fn default() -> Self {
        SubmissionCheck {
            day: db::now().date(),
            rates: HashMap::new(),
        }
    }
}

impl SubmissionCheck {
    /// Every rule of one declaration.
    pub async fn validate(
        &mut self,
        state: &AppState,
        input: &DeclarationInput,
    ) -> AppResult<Result<Declaration, Vec<FieldError>>> {
        let currency = input.currency.trim().to_uppercase();
        let rate = match self.rates.get(&currency) {
            Some(r) => *r,
            None => {
                let r = db::rates::sdr_rate(&state.db, &currency, self.day).await?;
                self.rates.insert(currency, r);
                r
            }
        };
        Ok(declaration::validate(
            input,
            &Context {
                by_merchant: true,
                units_per_sdr_micro: rate,
            },
        ))
    }

    /// What only the database knows, for all of them at once: a route for
    /// each destination, own item ids free and not twice among these, and
    /// the serials left. `validated`: each declaration with what
    /// [`SubmissionCheck::validate`] said of it.
    pub async fn place<'a>(
        &self,
        state: &AppState,
        company: i64,
        validated: Vec<Validated<'a>>,
    ) -> AppResult<Checked<'a>> {
        let routes = routing::all_routes(&state.db).await?;
        let own: Vec<String> = validated
            .iter()
            .filter_map(|(_, _, d)| d.as_ref().ok()?.item_id.as_ref())
            .map(|id| id.as_str().to_owned())
            .collect();
        let in_use: HashSet<String> =
            ranges::item_ids_in_use(&state.db, &own, db::now() - ID_REUSE_AFTER)
                .await?
                .into_iter()
                .collect();
        // A merchant's own ids must be its own: inside one of its ranges.
        let ranges = if own.is_empty() {
            Vec::new()
        } else {
            ranges::company_ranges(&state.db, company).await?
        };
        let mut seen = HashSet::new();
        let mut items = Vec::with_capacity(validated.len());
        for (draft, input, d) in validated {
            let d = match d {
                Ok(d) => d,
                Err(es) => {
                    items.push(Err(es));
                    continue;
                }
            };
            let mut problems = Vec::new();
            let office = routing::pick_route(&routes, &d.addressee.country, &d.addressee.postcode);
            if office.is_none() {
                problems.push(FieldError::new("addressee.country", "no_route"));
            }
            if let Some(id) = &d.item_id {
                let serial = i64::from(id.serial());
                let ours = ranges.iter().any(|(service, country, first, last)| {
                    service == id.service()
                        && country == id.country()
                        && (*first..=*last).contains(&serial)
                });
                if !ours {
                    problems.push(FieldError::new("item_id", "item_id_not_in_ranges"));
                } else if in_use.contains(id.as_str()) || !seen.insert(id.as_str().to_owned()) {
                    problems.push(FieldError::new("item_id", "item_id_taken"));
                }
            }
            items.push(match office {
                Some(office_id) if problems.is_empty() => Ok(Submission {
                    draft,
                    input,
                    declaration: d,
                    office_id,
                }),
                _ => Err(problems),
            });
        }
        let ids_needed = items
            .iter()
            .filter(|r| r.as_ref().is_ok_and(|s| s.declaration.item_id.is_none()))
            .count() as i64;
        let ids_left = if ids_needed > 0 {
            ranges::item_ids_left(&state.db, company).await?
        } else {
            0
        };
        Ok(Checked {
            items,
            ids_needed,
            ids_left,
        })
    }
}

/// How problems are named for the caller: `item_id` for one declaration,
/// `items.<n>.item_id` for a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    Plain,
    Indexed,
}

impl Naming {
    fn field(self, i: usize, field: &str) -> String {
        match self {
            Naming::Plain => field.to_owned(),
            Naming::Indexed => format!("items.{i}.{field}"),
        }
    }

    fn problem(self, i: usize, field: &str, code: &str) -> AppError {
        AppError::validation(vec![FieldError::new(&self.field(i, field), code)])
    }
}

/// Checks declarations for a form or the API: all of them ready, or every
/// problem of every one (named by `naming`).
async fn check_all<'a>(
    state: &AppState,
    company: i64,
    items: &[(Option<i64>, &'a DeclarationInput)],
    naming: Naming,
) -> AppResult<Vec<Submission<'a>>> {
    let mut check = SubmissionCheck::default();
    let mut validated = Vec::with_capacity(items.len());
    for (draft, input) in items {
        validated.push((*draft, *input, check.validate(state, input).await?));
    }
    let checked = check.place(state, company, validated).await?;
    if checked.ids_needed > checked.ids_left {
        let i = checked.first_needing_id().unwrap_or(0);
        return Err(naming.problem(i, "item_id", "no_item_ids"));
    }
    let mut ready = Vec::with_capacity(checked.items.len());
    let mut errors = Vec::new();
    for (i, item) in checked.items.into_iter().enumerate() {
        match item {
            Ok(s) => ready.push(s),
            Err(es) => errors.extend(es.into_iter().map(|e| FieldError {
                field: naming.field(i, &e.field),
                code: e.code,
            })),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(ready)
}

// ---- submission ----

/// The clearance engine for a company's parcels to these destinations,
/// today (loaded before the writing transaction opens).
pub(crate) async fn prepare_engine(
    state: &AppState,
    company: i64,
    destinations: Vec<String>,
) -> AppResult<Engine> {
    let platform = company::load(state, company).await?.cross_border_platform;
    crate::clearance::prepare(
        &state.db,
        &state.engine,
        destinations,
        db::now().date(),
        platform,
    )
    .await
}

/// Validates and submits one declaration: the parcel, its item id and inward
/// office, the declaration as version 1, and an event for each dimension, in
/// one transaction. `draft`: the draft it comes from, if any.
pub async fn submit(
    state: &AppState,
    caller: &Caller,
    draft: Option<i64>,
    input: &DeclarationInput,
) -> AppResult<Submitted> {
    let (user, company) = caller.verified_merchant()?;
    let subs = check_all(state, company, &[(draft, input)], Naming::Plain).await?;
    let out = write_checked(state, user, company, &subs, Naming::Plain).await?;
    let s = out
        .into_iter()
        .next()
        .or_internal("a submission wrote no parcel")?;
    tracing::info!(user = user.id, parcel = s.parcel_id, item = %s.item_id, "declaration submitted");
    Ok(s)
}

/// Submits many declarations at once: all are checked first (problems named
/// `items.<n>.<field>`), then all are saved in one transaction, or none.
pub async fn submit_batch(
    state: &AppState,
    caller: &Caller,
    inputs: &[DeclarationInput],
) -> AppResult<Vec<Submitted>> {
    let (user, company) = caller.verified_merchant()?;
    if inputs.is_empty() {
        return Err(AppError::field("items", "lines_required"));
    }
    if inputs.len() > MAX_BATCH {
        return Err(AppError::field("items", "batch_too_large"));
    }
    let items: Vec<_> = inputs.iter().map(|i| (None, i)).collect();
    let subs = check_all(state, company, &items, Naming::Indexed).await?;
    let out = write_checked(state, user, company, &subs, Naming::Indexed).await?;
    tracing::info!(
        user = user.id,
        parcels = out.len(),
        "declarations submitted in a batch"
    );
    Ok(out)
}

/// A destination that levies import VAT with no VAT rate in the data is a
/// data error: the parcel is refused (never assessed as owing no VAT), and
/// the error is logged for the admins, whose rates page lists the gap.
fn refuse_without_vat_rate(c: &Cleared, naming: Naming, i: usize) -> AppResult<()> {
    match c
        .assessment
        .notes
        .iter()
        .find(|n| n.code == NoteCode::NoVatRate)
    {
        Some(n) => {
            tracing::error!(
                destination = n.args.first().map(String::as_str).unwrap_or(""),
                hs_code = n.args.get(1).map(String::as_str).unwrap_or(""),
                "no VAT rate for a destination that levies VAT: a parcel was refused; mend the VAT data"
            );
            Err(naming.problem(i, "addressee.country", "destination_no_vat_rate"))
        }
        None => Ok(()),
    }
}

/// Writes checked submissions in one transaction of their own.
async fn write_checked(
    state: &AppState,
    user: &CurrentUser,
    company: i64,
    subs: &[Submission<'_>],
    naming: Naming,
) -> AppResult<Vec<Submitted>> {
    let engine = prepare_engine(
        state,
        company,
        subs.iter()
            .map(|s| s.declaration.addressee.country.clone())
            .collect(),
    )
    .await?;
    let all: Vec<&Declaration> = subs.iter().map(|s| &s.declaration).collect();
    let mut tx = state.db.begin().await?;
    engine.load_year_totals(&mut tx, &all, None).await?;
    let out = write_submissions(&mut tx, state, &engine, user, company, subs, naming).await?;
    tx.commit().await?;
    Ok(out)
}

/// The writes of checked submissions, in the caller's transaction, a few
/// statements for the whole lot. A race the check could not see (an own id
/// claimed meanwhile, serials gone) is refused with a problem named by
/// `naming`.
pub(crate) async fn write_submissions(
    tx: &mut Tx,
    state: &AppState,
    engine: &Engine,
    user: &CurrentUser,
    company: i64,
    subs: &[Submission<'_>],
    naming: Naming,
) -> AppResult<Vec<Submitted>> {
    let mut ids = allocate_item_ids(tx, company, subs, naming).await?;
    // Scored and assessed before they are written: each parcel goes in
    // assessed, owing what it owes.
    let mut cleared = subs
        .iter()
        .zip(&ids)
        .map(|(s, id)| engine.clear(&s.declaration, id.as_str()))
        .collect::<AppResult<Vec<_>>>()?;
    for (i, c) in cleared.iter().enumerate() {
        refuse_without_vat_rate(c, naming, i)?;
    }
    let parcel_ids = insert_parcels(tx, company, subs, &ids, &cleared).await?;
    claim_item_ids(
        tx,
        engine,
        company,
        subs,
        &parcel_ids,
        (&mut ids, &mut cleared),
        naming,
    )
    .await?;
    let declaration_ids = insert_declarations(tx, user, company, subs, &parcel_ids, &ids).await?;
    let results: Vec<db::clearance::NewResult> = parcel_ids
        .iter()
        .zip(&declaration_ids)
        .zip(&cleared)
        .map(|((p, d), c)| db::clearance::NewResult {
            parcel_id: *p,
            declaration_id: Some(*d),
            assessment: &c.assessment,
            risk: &c.risk,
            annual: c.annual.as_ref(),
        })
        .collect();
    db::clearance::insert_results(tx, &results, true).await?;
    insert_submission_events(tx, user, &parcel_ids, &cleared).await?;
    apply_green_lane(tx, state, &parcel_ids, &cleared).await?;
    Ok((0..subs.len())
        .map(|i| Submitted {
            declaration_id: declaration_ids[i],
            parcel_id: parcel_ids[i],
            item_id: ids[i].to_string(),
        })
        .collect())
}

/// Step 1: the item id of each: its own, or the next serials of the
/// company's ranges (one block when a range has room for all).
async fn allocate_item_ids(
    tx: &mut Tx,
    company: i64,
    subs: &[Submission<'_>],
    naming: Naming,
) -> AppResult<Vec<ItemId>> {
    let needed = subs
        .iter()
        .filter(|s| s.declaration.item_id.is_none())
        .count() as i64;
    let mut generated: Vec<ItemId> = Vec::with_capacity(needed as usize);
    if needed > 0 {
        match ranges::allocate_block(tx, company, needed).await? {
            Some((service, first, country)) => {
                for k in 0..needed {
                    generated.push(s10(&service, first + k, &country)?);
                }
            }
            None => {
                // No single range has room for all: one serial at a time.
                for _ in 0..needed {
                    let Some((service, serial, country)) =
                        ranges::allocate_serial(tx, company).await?
                    else {
                        let i = subs
                            .iter()
                            .position(|s| s.declaration.item_id.is_none())
                            .unwrap_or(0);
                        return Err(naming.problem(i, "item_id", "no_item_ids"));
                    };
                    generated.push(s10(&service, serial, &country)?);
                }
            }
        }
    }
    let mut gen = generated.into_iter();
    subs.iter()
        .map(|s| {
            s.declaration
                .item_id
                .clone()
                .or_else(|| gen.next())
                .or_internal("fewer serials allocated than asked for")
        })
        .collect()
}

/// The S10 id of a serial of a stored range.
fn s10(service: &str, serial: i64, country: &str) -> AppResult<ItemId> {
    ItemId::generate(service, serial as u64, country).or_internal("a stored S10 range is not valid")
}

/// Whether the parcel owes something before delivery.
fn payment_of(c: &Cleared) -> PaymentStatus {
    if c.due() {
        PaymentStatus::Due
    } else {
        PaymentStatus::NotDue
    }
}

/// Step 2: the parcels, assessed, owing what they owe; returns their ids in
/// the order of `subs`.
async fn insert_parcels(
    tx: &mut Tx,
    company: i64,
    subs: &[Submission<'_>],
    ids: &[ItemId],
    cleared: &[Cleared],
) -> AppResult<Vec<i64>> {
    let new_parcels: Vec<parcels::NewParcel> = subs
        .iter()
        .zip(ids)
        .zip(cleared)
        .map(|((s, id), c)| parcels::NewParcel {
            item_id: id.as_str(),
            company_id: company,
            destination_country: &s.declaration.addressee.country,
            inward_office_id: Some(s.office_id),
            customs_status: CustomsStatus::Assessed.as_str(),
            payment_status: payment_of(c).as_str(),
            location: Location::Posted.as_str(),
            lane: Some(c.risk.lane.as_str()),
            amount_due_minor: c.due().then_some(c.assessment.total_minor),
            amount_due_currency: c
                .due()
                .then(|| c.assessment.currency.map(|c| c.code()))
                .flatten(),
        })
        .collect();
    let made = parcels::insert_parcels(tx, &new_parcels).await?;
    let by_item: HashMap<String, i64> = made.into_iter().map(|(id, item)| (item, id)).collect();
    ids.iter()
        .map(|id| {
            by_item
                .get(id.as_str())
                .copied()
                .or_internal("an inserted parcel is missing")
        })
        .collect()
}

/// Step 3: claims the item ids. An own id claimed meanwhile is refused; a
/// serial someone used as their own id is replaced by another, and that
/// parcel scored again (the random selection follows the item id).
async fn claim_item_ids(
    tx: &mut Tx,
    engine: &Engine,
    company: i64,
    subs: &[Submission<'_>],
    parcel_ids: &[i64],
    (ids, cleared): (&mut [ItemId], &mut [Cleared]),
    naming: Naming,
) -> AppResult<()> {
    let pairs: Vec<(String, i64)> = ids
        .iter()
        .map(|i| i.to_string())
        .zip(parcel_ids.iter().copied())
        .collect();
    let taken = ranges::claim_item_ids(tx, &pairs, db::now() - ID_REUSE_AFTER).await?;
    for t in taken {
        let i = ids
            .iter()
            .position(|id| id.as_str() == t)
            .or_internal("a taken item id is not one of the batch")?;
        if subs[i].declaration.item_id.is_some() {
            return Err(naming.problem(i, "item_id", "item_id_taken"));
        }
        let replacement = replacement_id(tx, company, parcel_ids[i]).await?;
        parcels::set_item_id(tx, parcel_ids[i], replacement.as_str()).await?;
        engine.forget(&cleared[i])?;
        let again = engine.clear(&subs[i].declaration, replacement.as_str())?;
        parcels::set_lane(
            tx,
            parcel_ids[i],
            again.risk.lane.as_str(),
            CustomsStatus::Assessed.as_str(),
        )
        .await?;
        cleared[i] = again;
        ids[i] = replacement;
    }
    Ok(())
}

/// The next serial of the company's ranges that nobody used as their own id.
async fn replacement_id(tx: &mut Tx, company: i64, parcel_id: i64) -> AppResult<ItemId> {
    let cutoff = db::now() - ID_REUSE_AFTER;
    for _ in 0..20 {
        let Some((service, serial, country)) = ranges::allocate_serial(tx, company).await? else {
            return Err(AppError::field("item_id", "no_item_ids"));
        };
        let id = s10(&service, serial, &country)?;
        if ranges::claim_item_id(tx, id.as_str(), parcel_id, cutoff).await? {
            return Ok(id);
        }
    }
    Err(AppError::field("item_id", "no_item_ids"))
}

fn form_name(f: Form) -> &'static str {
    match f {
        Form::Cn22 => "CN22",
        Form::Cn23 => "CN23",
    }
}

/// Step 4: the declarations, version 1 of each parcel's (a draft becomes
/// it); returns their ids in the order of `subs`.
async fn insert_declarations(
    tx: &mut Tx,
    user: &CurrentUser,
    company: i64,
    subs: &[Submission<'_>],
    parcel_ids: &[i64],
    ids: &[ItemId],
) -> AppResult<Vec<i64>> {
    let jsons: Vec<String> = subs
        .iter()
        .map(|s| serde_json::to_string(s.input).or_internal("serialising a declaration"))
        .collect::<AppResult<_>>()?;
    let summaries: Vec<String> = subs.iter().map(|s| s.input.summary()).collect();
    let mut fresh = Vec::new();
    let mut declaration_ids = vec![0i64; subs.len()];
    for (i, s) in subs.iter().enumerate() {
        let d = &s.declaration;
        let mut f = fields(user, company, s.input, &jsons[i], &summaries[i]);
        f.parcel_id = Some(parcel_ids[i]);
        f.status = DeclarationStatus::Submitted.as_str();
        f.item_id = Some(ids[i].as_str());
        f.form = Some(form_name(d.form));
        f.total_value_minor = d.total_value.minor;
        f.addressee_country = &d.addressee.country;
        f.submitted = true;
        match s.draft {
            Some(id) => {
                store::submit_draft(
                    tx,
                    id,
                    parcel_ids[i],
                    ids[i].as_str(),
                    form_name(d.form),
                    &f,
                )
                .await
                .map_err(not_a_draft)?;
                declaration_ids[i] = id;
            }
            None => fresh.push(f),
        }
    }
    let index: HashMap<i64, usize> = parcel_ids
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, i))
        .collect();
    for (declaration, parcel) in store::insert_declarations(tx, &fresh).await? {
        let i = *index
            .get(&parcel)
            .or_internal("an inserted declaration names another parcel")?;
        declaration_ids[i] = declaration;
    }
    let first = *parcel_ids
        .iter()
        .min()
        .or_internal("a submission without parcels")?;
    let last = *parcel_ids
        .iter()
        .max()
        .or_internal("a submission without parcels")?;
    let linked = store::link_first_declarations(tx, company, first, last).await?;
    if linked != subs.len() as u64 {
        tracing::error!(
            linked,
            expected = subs.len(),
            "parcels not linked to their declarations"
        );
        return Err(AppError::Internal);
    }
    Ok(declaration_ids)
}

/// An event of the merchant's doing (no UPU or decision code unless set).
fn ev<'a>(
    parcel: i64,
    actor: i64,
    dimension: &'a str,
    from: Option<&'a str>,
    to: &'a str,
) -> parcels::NewEvent<'a> {
    parcels::NewEvent {
        parcel_id: parcel,
        dimension,
        from,
        to,
        upu_code: None,
        decision_code: None,
        actor_id: Some(actor),
        office_id: None,
        reason: "",
    }
}

/// Step 5: the events of each: submitted; advance data received, then
/// assessed; what is owed; posted.
async fn insert_submission_events(
    tx: &mut Tx,
    user: &CurrentUser,
    parcel_ids: &[i64],
    cleared: &[Cleared],
) -> AppResult<()> {
    // The moves these events record, as the state machine allows them.
    DeclarationStatus::Draft.move_to(DeclarationStatus::Submitted, false)?;
    CustomsStatus::PreAdvised.move_to(CustomsStatus::Assessed)?;
    let owed: Vec<String> = cleared
        .iter()
        .map(|c| {
            let a = &c.assessment;
            match (a.currency, c.due()) {
                (Some(cur), true) => {
                    format!("{} due from the recipient", Money::new(a.total_minor, cur))
                }
                _ => format!("nothing due from the recipient ({})", a.payer.as_str()),
            }
        })
        .collect();
    let mut events = Vec::with_capacity(parcel_ids.len() * 5);
    for ((p, c), owed) in parcel_ids.iter().zip(cleared).zip(&owed) {
        events.push(ev(
            *p,
            user.id,
            "declaration",
            None,
            DeclarationStatus::Submitted.as_str(),
        ));
        events.push(parcels::NewEvent {
            reason: "advance data received",
            ..ev(
                *p,
                user.id,
                "customs",
                None,
                CustomsStatus::PreAdvised.as_str(),
            )
        });
        // The lane and score are customs' own (in risk_scores): the
        // merchant reads these events.
        events.push(parcels::NewEvent {
            reason: "duty and tax assessed",
            actor_id: None,
            ..ev(
                *p,
                user.id,
                "customs",
                Some(CustomsStatus::PreAdvised.as_str()),
                CustomsStatus::Assessed.as_str(),
            )
        });
        events.push(parcels::NewEvent {
            reason: owed,
            ..ev(*p, user.id, "payment", None, payment_of(c).as_str())
        });
        events.push(parcels::NewEvent {
            upu_code: Location::Posted.upu_code(),
            ..ev(*p, user.id, "location", None, Location::Posted.as_str())
        });
    }
    parcels::insert_events(tx, &events).await
}

/// Step 6: the administration's green-lane policy releases before arrival,
/// through the one function that applies decisions.
async fn apply_green_lane(
    tx: &mut Tx,
    state: &AppState,
    parcel_ids: &[i64],
    cleared: &[Cleared],
) -> AppResult<()> {
    for (p, _) in parcel_ids
        .iter()
        .zip(cleared)
        .filter(|(_, c)| c.auto_preclear && c.risk.lane == Lane::Green)
    {
        apply_decision(
            tx,
            state,
            DecisionRequest {
                parcel_id: *p,
                expected_version: None,
                decision: Decision::PreClear,
                reason_code: "GREEN_LANE",
                text: "released before arrival by policy",
                actor: Actor::POLICY,
            },
        )
        .await?;
    }
    Ok(())
}

// ---- after submission ----

/// The parcel, if it belongs to the caller's company (else not found).
async fn own_parcel(
    state: &AppState,
    company: i64,
    parcel_id: i64,
) -> AppResult<parcels::ParcelRow> {
    let p = parcels::parcel(&state.db, parcel_id).await?;
    if p.company_id != company {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

async fn current_status(
    state: &AppState,
    p: &parcels::ParcelRow,
) -> AppResult<(i64, DeclarationStatus, i32)> {
    let id = p
        .declaration_id
        .or_internal("a submitted parcel without declaration")?;
    let (row, _) = store::declaration(&state.db, id, p.company_id).await?;
    let status =
        DeclarationStatus::parse(&row.status).or_internal("stored declaration status unknown")?;
    Ok((id, status, row.version))
}

/// A new version of the declaration, while the parcel has not reached the
/// inward office of exchange. `expected_version`: the parcel version the
/// merchant saw (a concurrent change wins; this one is refused).
pub async fn amend(
    state: &AppState,
    caller: &Caller,
    parcel_id: i64,
    expected_version: i64,
    input: &DeclarationInput,
) -> AppResult<i64> {
    let (user, company) = caller.verified_merchant()?;
    let p = own_parcel(state, company, parcel_id).await?;
    let (_, status, version) = current_status(state, &p).await?;
    let location = Location::parse(&p.location).or_internal("stored location unknown")?;
    let next = status.move_to(DeclarationStatus::Amended, location.reached_inward())?;
    let d = match SubmissionCheck::default().validate(state, input).await? {
        Ok(d) => d,
        Err(errors) => return Err(AppError::validation(errors)),
    };
    if let Some(own) = &d.item_id {
        if own.as_str() != p.item_id {
            return Err(AppError::field("item_id", "item_id_fixed"));
        }
    }
    if d.addressee.country != p.destination_country {
        return Err(AppError::field("addressee.country", "destination_fixed"));
    }
    let json = serde_json::to_string(input).or_internal("serialising a declaration")?;
    let summary = input.summary();
    let mut f = fields(user, company, input, &json, &summary);
    f.parcel_id = Some(parcel_id);
    f.version = version + 1;
    f.status = next.as_str();
    f.item_id = Some(&p.item_id);
    f.form = Some(form_name(d.form));
    f.total_value_minor = d.total_value.minor;
    f.addressee_country = &d.addressee.country;
    f.submitted = true;
    // A new value or HS code is a new assessment (the old one stays as
    // history), and the payment status follows it.
    let engine = prepare_engine(state, company, vec![d.addressee.country.clone()]).await?;
    let mut tx = state.db.begin().await?;
    engine
        .load_year_totals(&mut tx, &[&d], Some(parcel_id))
        .await?;
    let cleared = engine.clear(&d, &p.item_id)?;
    refuse_without_vat_rate(&cleared, Naming::Plain, 0)?;
    let payment =
        PaymentStatus::parse(&p.payment_status).or_internal("stored payment status unknown")?;
    let wanted = match (payment, cleared.due()) {
        (PaymentStatus::NotDue, true) => PaymentStatus::Due,
        (PaymentStatus::Due, false) => PaymentStatus::NotDue,
        (PaymentStatus::Paid, _)
            if p.amount_due_minor.unwrap_or(0) > cleared.assessment.total_minor =>
        {
            PaymentStatus::Refunded
        }
        (other, _) => other,
    };
    let payment_move = (wanted != payment)
        .then(|| payment.move_to(wanted))
        .transpose()?;
    let id = store::insert_declaration(&mut tx, &f).await?;
    parcels::set_current_declaration(&mut tx, parcel_id, id, expected_version).await?;
    db::clearance::insert_results(
        &mut tx,
        &[db::clearance::NewResult {
            parcel_id,
            declaration_id: Some(id),
            assessment: &cleared.assessment,
            risk: &cleared.risk,
            annual: cleared.annual.as_ref(),
        }],
        false,
    )
    .await?;
    let due = cleared.due();
    parcels::set_assessed(
        &mut tx,
        parcel_id,
        cleared.risk.lane.as_str(),
        wanted.as_str(),
        due.then_some(cleared.assessment.total_minor),
        due.then(|| cleared.assessment.currency.map(|c| c.code()))
            .flatten(),
    )
    .await?;
    if let Some(to) = payment_move {
        let owed = match cleared.assessment.currency {
            Some(cur) if due => format!(
                "reassessed: {} due from the recipient",
                Money::new(cleared.assessment.total_minor, cur)
            ),
            _ => "reassessed".to_owned(),
        };
        parcels::insert_event(
            &mut tx,
            &parcels::NewEvent {
                reason: &owed,
                ..ev(
                    parcel_id,
                    user.id,
                    "payment",
                    Some(payment.as_str()),
                    to.as_str(),
                )
            },
        )
        .await?;
    }
    let reason = format!("version {}", version + 1);
    parcels::insert_event(
        &mut tx,
        &parcels::NewEvent {
            reason: &reason,
            ..ev(
                parcel_id,
                user.id,
                "declaration",
                Some(status.as_str()),
                next.as_str(),
            )
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        user = user.id,
        parcel = parcel_id,
        version = version + 1,
        "declaration amended"
    );
    Ok(id)
}

/// Cancels the declaration while the parcel has not reached the inward
/// office of exchange.
pub async fn cancel(
    state: &AppState,
    caller: &Caller,
    parcel_id: i64,
    expected_version: i64,
) -> AppResult<()> {
    let (user, company) = caller.merchant()?;
    let p = own_parcel(state, company, parcel_id).await?;
    let (current, status, _) = current_status(state, &p).await?;
    let location = Location::parse(&p.location).or_internal("stored location unknown")?;
    let next = status.move_to(DeclarationStatus::Cancelled, location.reached_inward())?;
    let mut tx = state.db.begin().await?;
    parcels::touch(&mut tx, parcel_id, expected_version).await?;
    store::set_declaration_status(&mut tx, current, next.as_str()).await?;
    parcels::insert_event(
        &mut tx,
        &parcels::NewEvent {
            reason: "cancelled by the merchant",
            ..ev(
                parcel_id,
                user.id,
                "declaration",
                Some(status.as_str()),
                next.as_str(),
            )
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = user.id, parcel = parcel_id, "declaration cancelled");
    Ok(())
}

// ---- reading ----

fn detail(row: DeclarationRow, json: String) -> AppResult<DeclarationDetail> {
    let input = serde_json::from_str(&json).map_err(|e| {
        tracing::error!(error = %e, declaration = row.id, "stored declaration is not valid");
        AppError::Internal
    })?;
    Ok(DeclarationDetail { row, input })
}

/// One of the company's declarations, with what was typed.
pub async fn get(state: &AppState, caller: &Caller, id: i64) -> AppResult<DeclarationDetail> {
    let (_, company) = caller.merchant()?;
    let (row, json) = store::declaration(&state.db, id, company).await?;
    detail(row, json)
}

/// The company's declarations, newest first, a page at a time.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &DeclarationFilter,
) -> AppResult<Vec<DeclarationRow>> {
    let (_, company) = caller.merchant()?;
    store::list(&state.db, company, filter, PAGE).await
}

/// Rows in one export at most.
pub const MAX_EXPORT_ROWS: i64 = 100_000;

/// Every declaration of the company the list would show (for a CSV file).
pub async fn export(
    state: &AppState,
    caller: &Caller,
    filter: &DeclarationFilter,
) -> AppResult<Vec<DeclarationRow>> {
    let (_, company) = caller.merchant()?;
    store::list(&state.db, company, filter, MAX_EXPORT_ROWS).await
}

/// One of the company's parcels: its declaration versions and events.
pub async fn parcel_detail(
    state: &AppState,
    caller: &Caller,
    parcel_id: i64,
) -> AppResult<ParcelDetail> {
    let (_, company) = caller.merchant()?;
    let p = own_parcel(state, company, parcel_id).await?;
    let versions: Vec<DeclarationDetail> = store::versions(&state.db, parcel_id)
        .await?
        .into_iter()
        .map(|(r, j)| detail(r, j))
        .collect::<AppResult<_>>()?;
    let status = versions
        .iter()
        .find(|v| Some(v.row.id) == p.declaration_id)
        .map(|v| v.row.status.clone())
        .or_internal("a parcel's current declaration is not among its versions")?;
    let location = Location::parse(&p.location).or_internal("stored location unknown")?;
    let changeable = !location.reached_inward() && status != DeclarationStatus::Cancelled.as_str();
    Ok(ParcelDetail {
        events: parcels::events(&state.db, parcel_id)
            .await?
            .into_iter()
            .map(ParcelEvent::for_merchant)
            .collect(),
        parcel: p,
        declaration_status: status,
        versions,
        changeable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_actions_are_read_or_refused() {
        assert_eq!(FormAction::parse("save"), Ok(FormAction::Save));
        assert_eq!(FormAction::parse("submit"), Ok(FormAction::Submit));
        assert_eq!(FormAction::parse("add_line"), Ok(FormAction::AddLine));
        assert_eq!(
            FormAction::parse("remove_line:2"),
            Ok(FormAction::RemoveLine(2))
        );
        for bad in [
            "",
            "delete",
            "remove_line:",
            "remove_line:-1",
            "remove_line:x",
        ] {
            assert_eq!(
                FormAction::parse(bad),
                Err(AppError::field("action", "invalid")),
                "{bad}"
            );
        }
    }

    #[test]
    fn problems_are_named_plainly_or_by_position() {
        assert_eq!(Naming::Plain.field(3, "item_id"), "item_id");
        assert_eq!(Naming::Indexed.field(3, "item_id"), "items.3.item_id");
    }
}
