//! Merchants declare parcels: the company profile, drafts, submission (item
//! id, route, parcel, events in one transaction), amendment and cancellation,
//! the list and the parcel page.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::domain::declaration::{DeclarationInput, LineInput, PartyInput};
pub use crate::domain::parcel_view::{
    CompanyProfile, DeclarationDetail, DeclarationFilter, DeclarationRow, ParcelDetail,
};
use crate::error::AppError;

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub declaration_id: i64,
    /// Set when the declaration was submitted.
    pub parcel_id: Option<i64>,
    pub item_id: Option<String>,
    /// The line to scroll to after adding one.
    pub line_anchor: Option<usize>,
}

/// The result of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    pub declaration_id: i64,
    pub parcel_id: i64,
    pub item_id: String,
}

/// Declarations per page of the list.
pub const PAGE: i64 = 50;

#[server(endpoint = "declarations/profile")]
pub async fn get_company_profile() -> Result<CompanyProfile, AppError> {
    crate::api::respond::reply(server::profile().await)
}

#[server(endpoint = "declarations/profile/save")]
pub async fn save_company_profile(profile: CompanyProfile) -> Result<(), AppError> {
    let result = server::save_profile(profile).await;
    crate::api::respond::finish_form(result, |_| "/company?saved=1".into(), "/company")
}

/// The declaration form's one endpoint: `action` is `save`, `submit`,
/// `add_line` or `remove_line:<n>`. Every action first keeps what was typed
/// as a draft, so nothing typed is lost when the submission is refused.
#[server(endpoint = "declarations/save")]
pub async fn save_declaration(
    declaration_id: Option<i64>,
    action: String,
    input: DeclarationInput,
) -> Result<Saved, AppError> {
    let (draft, result) = server::save_from_form(declaration_id, &action, input).await;
    // A refused submission was kept as a draft first: back to that draft.
    let back = match draft.or(declaration_id) {
        Some(id) => format!("/declarations/{id}/edit"),
        None => "/declarations/new".into(),
    };
    crate::api::respond::finish_form(
        result,
        |s| match (&s.parcel_id, s.line_anchor) {
            (Some(p), _) => format!("/parcels/{p}"),
            (None, Some(n)) => format!("/declarations/{}/edit#line-{n}", s.declaration_id),
            (None, None) => format!("/declarations/{}/edit?saved=1", s.declaration_id),
        },
        &back,
    )
}

#[server(endpoint = "declarations/delete_draft")]
pub async fn delete_draft(declaration_id: i64) -> Result<(), AppError> {
    let result = server::delete_draft(declaration_id).await;
    crate::api::respond::finish_form(
        result,
        |_| "/declarations?deleted=1".into(),
        "/declarations",
    )
}

#[server(endpoint = "declarations/get")]
pub async fn get_declaration(declaration_id: i64) -> Result<DeclarationDetail, AppError> {
    crate::api::respond::reply(server::get(declaration_id).await)
}

/// A new draft's starting values: the company's sender and defaults.
#[server(endpoint = "declarations/blank")]
pub async fn blank_declaration() -> Result<DeclarationInput, AppError> {
    crate::api::respond::reply(server::blank().await)
}

#[server(endpoint = "declarations/list")]
pub async fn list_declarations(
    filter: Option<DeclarationFilter>,
) -> Result<Vec<DeclarationRow>, AppError> {
    crate::api::respond::reply(server::list(filter.unwrap_or_default()).await)
}

#[server(endpoint = "parcels/get")]
pub async fn get_parcel(parcel_id: i64) -> Result<ParcelDetail, AppError> {
    crate::api::respond::reply(server::parcel(parcel_id).await)
}

/// A new version of a submitted declaration (same item id).
#[server(endpoint = "parcels/amend")]
pub async fn amend_parcel(
    parcel_id: i64,
    version: i64,
    input: DeclarationInput,
) -> Result<(), AppError> {
    let result = server::amend_from_form(parcel_id, version, input).await;
    let page = format!("/parcels/{parcel_id}");
    crate::api::respond::finish_form(
        result,
        |_| format!("{page}?amended=1"),
        &format!("{page}/amend"),
    )
}

#[server(endpoint = "parcels/cancel")]
pub async fn cancel_parcel(parcel_id: i64, version: i64) -> Result<(), AppError> {
    let result = server::cancel_from_form(parcel_id, version).await;
    let page = format!("/parcels/{parcel_id}");
    crate::api::respond::finish_form(result, |_| format!("{page}?cancelled=1"), &page)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::{
        CompanyProfile, DeclarationDetail, DeclarationFilter, DeclarationInput, DeclarationRow,
        LineInput, ParcelDetail, PAGE,
    };
    use super::{Saved, Submitted};
    use crate::api::guard::{require, require_verified, state};
    use crate::db::{self, parcels as store, Tx};
    use crate::domain::account::{CurrentUser, FieldError, Role};
    use crate::domain::declaration::{self, Context, Declaration, Form};
    use crate::domain::org::CountryCode;
    use crate::domain::parcel::{CustomsStatus, DeclarationStatus, Location, PaymentStatus};
    use crate::domain::s10::ItemId;
    use crate::error::{AppError, AppResult};
    use crate::state::AppState;

    /// Most declarations in one batch.
    pub const MAX_BATCH: usize = 1000;

    /// Item ids may be used again after this long.
    pub(crate) const ID_REUSE_AFTER: time::Duration = time::Duration::days(730);

    /// The merchant's company.
    pub(crate) fn company(user: &CurrentUser) -> AppResult<i64> {
        user.organisation_id.ok_or(AppError::Forbidden)
    }

    async fn merchant() -> AppResult<CurrentUser> {
        require(&[Role::Merchant]).await
    }

    pub async fn profile() -> AppResult<CompanyProfile> {
        let user = merchant().await?;
        load_profile(&state()?, company(&user)?).await
    }

    pub async fn load_profile(state: &AppState, org: i64) -> AppResult<CompanyProfile> {
        Ok(match store::profile(&state.db, org).await? {
            Some((sender, origin, currency)) => CompanyProfile {
                sender: serde_json::from_str(&sender).map_err(|e| {
                    tracing::error!(error = %e, organisation = org, "stored sender is not valid");
                    AppError::Internal
                })?,
                default_origin: origin,
                default_currency: currency,
            },
            None => CompanyProfile {
                default_currency: "EUR".into(),
                ..Default::default()
            },
        })
    }

    pub async fn save_profile(p: CompanyProfile) -> AppResult<()> {
        let user = merchant().await?;
        let org = company(&user)?;
        let mut errors = Vec::new();
        // The sender must be complete enough to print on a declaration.
        let probe = DeclarationInput {
            sender: p.sender.clone(),
            ..Default::default()
        };
        if let Err(all) = declaration::validate(
            &probe,
            &Context {
                by_merchant: true,
                units_per_sdr_micro: Some(1),
            },
        ) {
            errors.extend(all.into_iter().filter(|e| e.field.starts_with("sender.")));
        }
        let origin = if p.default_origin.trim().is_empty() {
            String::new()
        } else {
            CountryCode::parse("default_origin", &p.default_origin)
                .map_err(|e| errors.push(e))
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default()
        };
        let currency =
            crate::domain::goods::Currency::parse("default_currency", &p.default_currency)
                .map_err(|e| errors.push(e))
                .map(|c| c.code())
                .unwrap_or_default();
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let mut sender = p.sender;
        sender.country = sender.country.trim().to_uppercase();
        let json = serde_json::to_string(&sender).map_err(|_| AppError::Internal)?;
        let mut tx = state()?.db.begin().await?;
        store::save_profile(&mut tx, org, &json, &origin, &currency).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn blank() -> AppResult<DeclarationInput> {
        let user = merchant().await?;
        let p = load_profile(&state()?, company(&user)?).await?;
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

    fn fields<'a>(
        user: &CurrentUser,
        org: i64,
        input: &'a DeclarationInput,
        json: &'a str,
        summary: &'a str,
    ) -> store::DeclarationFields<'a> {
        store::DeclarationFields {
            company_id: org,
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

    /// Runs a form action; returns the draft it kept (if it got that far)
    /// with the outcome.
    pub async fn save_from_form(
        id: Option<i64>,
        action: &str,
        input: DeclarationInput,
    ) -> (Option<i64>, AppResult<Saved>) {
        let mut draft = None;
        let result = async {
            let user = merchant().await?;
            let state = state()?;
            let mut input = input;
            let mut anchor = None;
            if action == "add_line" {
                let origin = load_profile(&state, company(&user)?).await?.default_origin;
                input.lines.push(LineInput {
                    quantity: "1".into(),
                    origin,
                    ..Default::default()
                });
                anchor = Some(input.lines.len() - 1);
            } else if let Some(n) = action.strip_prefix("remove_line:") {
                let n: usize = n
                    .parse()
                    .map_err(|_| AppError::field("action", "invalid"))?;
                if n < input.lines.len() {
                    input.lines.remove(n);
                }
            } else if action != "save" && action != "submit" {
                return Err(AppError::field("action", "invalid"));
            }
            let kept = save_draft(&state, &user, id, &input).await?;
            draft = Some(kept);
            if action == "submit" {
                let s = submit(&state, &user, Some(kept), &input).await?;
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

    /// Creates or replaces a draft; drafts are not validated (only kept).
    pub async fn save_draft(
        state: &AppState,
        user: &CurrentUser,
        id: Option<i64>,
        input: &DeclarationInput,
    ) -> AppResult<i64> {
        let org = company(user)?;
        let json = serde_json::to_string(input).map_err(|_| AppError::Internal)?;
        let summary = input.summary();
        let f = fields(user, org, input, &json, &summary);
        let mut tx = state.db.begin().await?;
        let id = match id {
            Some(id) => {
                store::update_draft(&mut tx, id, &f)
                    .await
                    .map_err(|e| match e {
                        AppError::NotFound => AppError::Conflict {
                            code: "not_a_draft".into(),
                        },
                        e => e,
                    })?;
                id
            }
            None => store::insert_declaration(&mut tx, &f).await?,
        };
        tx.commit().await?;
        Ok(id)
    }

    async fn checked(state: &AppState, input: &DeclarationInput) -> AppResult<Declaration> {
        let currency = input.currency.trim().to_uppercase();
        let rate = store::sdr_rate(&state.db, &currency, db::now().date()).await?;
        declaration::validate(
            input,
            &Context {
                by_merchant: true,
                units_per_sdr_micro: rate,
            },
        )
        .map_err(AppError::validation)
    }

    fn form_name(f: Form) -> &'static str {
        match f {
            Form::Cn22 => "CN22",
            Form::Cn23 => "CN23",
        }
    }

    /// The item id: the merchant's own, or the next one of its ranges.
    async fn take_item_id(
        tx: &mut Tx,
        org: i64,
        parcel_id: i64,
        own: Option<&ItemId>,
    ) -> AppResult<ItemId> {
        let cutoff = db::now() - ID_REUSE_AFTER;
        if let Some(id) = own {
            if !store::claim_item_id(tx, id.as_str(), parcel_id, cutoff).await? {
                return Err(AppError::field("item_id", "item_id_taken"));
            }
            return Ok(id.clone());
        }
        // A serial someone used as their own id is skipped.
        for _ in 0..20 {
            let Some((service, serial, country)) = store::allocate_serial(tx, org).await? else {
                return Err(AppError::field("item_id", "no_item_ids"));
            };
            let id = ItemId::generate(&service, serial as u64, &country).map_err(|e| {
                tracing::error!(error = %e, "bad S10 range");
                AppError::Internal
            })?;
            if store::claim_item_id(tx, id.as_str(), parcel_id, cutoff).await? {
                return Ok(id);
            }
        }
        Err(AppError::field("item_id", "no_item_ids"))
    }

    /// An event of the merchant's doing (no UPU or decision code unless set).
    fn ev<'a>(
        parcel: i64,
        actor: i64,
        dimension: &'a str,
        from: Option<&'a str>,
        to: &'a str,
    ) -> store::NewEvent<'a> {
        store::NewEvent {
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

    /// Validates and submits: the parcel, its item id and inward office, the
    /// declaration as version 1, and an event for each dimension, in one
    /// transaction. `draft`: the draft it comes from, if any.
    pub async fn submit(
        state: &AppState,
        user: &CurrentUser,
        draft: Option<i64>,
        input: &DeclarationInput,
    ) -> AppResult<Submitted> {
        require_verified(user)?;
        let org = company(user)?;
        let d = checked(state, input).await?;
        let engine = prepare_engine(state, vec![d.addressee.country.clone()]).await?;
        let mut tx = state.db.begin().await?;
        engine.load_year_totals(&mut tx, &[&d], None).await?;
        let s = write_submissions(
            &mut tx,
            state,
            &engine,
            user,
            org,
            &[(draft, input, &d)],
            false,
        )
        .await?
        .pop()
        .ok_or(AppError::Internal)?;
        tx.commit().await?;
        tracing::info!(user = user.id, parcel = s.parcel_id, item = %s.item_id, "declaration submitted");
        Ok(s)
    }

    /// The clearance engine for these destinations, today (loaded before
    /// the writing transaction opens).
    pub(crate) async fn prepare_engine(
        state: &AppState,
        destinations: Vec<String>,
    ) -> AppResult<crate::clearance::Engine> {
        crate::clearance::prepare(&state.db, &state.engine, destinations, db::now().date()).await
    }

    /// SDR rates of the day, each currency read once.
    #[derive(Default)]
    pub(crate) struct SdrRates(std::collections::HashMap<String, Option<i64>>);

    impl SdrRates {
        pub(crate) async fn get(
            &mut self,
            db: &db::Db,
            currency: &str,
            day: time::Date,
        ) -> AppResult<Option<i64>> {
            let currency = currency.trim().to_uppercase();
            if let Some(r) = self.0.get(&currency) {
                return Ok(*r);
            }
            let r = store::sdr_rate(db, &currency, day).await?;
            self.0.insert(currency, r);
            Ok(r)
        }
    }

    /// Submits many declarations at once: all are checked first (problems
    /// named `items.<n>.<field>`), then all are saved in one transaction, or
    /// none.
    pub async fn submit_batch(
        state: &AppState,
        user: &CurrentUser,
        inputs: &[DeclarationInput],
    ) -> AppResult<Vec<Submitted>> {
        require_verified(user)?;
        let org = company(user)?;
        if inputs.is_empty() {
            return Err(AppError::field("items", "lines_required"));
        }
        if inputs.len() > MAX_BATCH {
            return Err(AppError::field("items", "batch_too_large"));
        }
        let today = db::now().date();
        let mut rates = SdrRates::default();
        let mut checked_all = Vec::with_capacity(inputs.len());
        let mut errors = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            let rate = rates.get(&state.db, &input.currency, today).await?;
            match declaration::validate(
                input,
                &Context {
                    by_merchant: true,
                    units_per_sdr_micro: rate,
                },
            ) {
                Ok(d) => checked_all.push(d),
                Err(es) => errors.extend(es.into_iter().map(|e| FieldError {
                    field: format!("items.{i}.{}", e.field),
                    code: e.code,
                })),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let items: Vec<_> = inputs
            .iter()
            .zip(&checked_all)
            .map(|(i, d)| (None, i, d))
            .collect();
        let engine = prepare_engine(
            state,
            checked_all
                .iter()
                .map(|d| d.addressee.country.clone())
                .collect(),
        )
        .await?;
        let all: Vec<&Declaration> = checked_all.iter().collect();
        let mut tx = state.db.begin().await?;
        engine.load_year_totals(&mut tx, &all, None).await?;
        let out = write_submissions(&mut tx, state, &engine, user, org, &items, true).await?;
        tx.commit().await?;
        tracing::info!(
            user = user.id,
            parcels = out.len(),
            "declarations submitted in a batch"
        );
        Ok(out)
    }

    /// The writes of submissions, in the caller's transaction, a few
    /// statements for the whole lot: parcels with their item ids (own, or a
    /// block of the company's range), the ids claimed, the declarations
    /// (drafts become version 1), and four events each. `indexed`: name
    /// problems `items.<n>.<field>`.
    pub(crate) async fn write_submissions(
        tx: &mut Tx,
        state: &AppState,
        engine: &crate::clearance::Engine,
        user: &CurrentUser,
        org: i64,
        items: &[(Option<i64>, &DeclarationInput, &Declaration)],
        indexed: bool,
    ) -> AppResult<Vec<Submitted>> {
        let field = |i: usize, f: &str| {
            if indexed {
                format!("items.{i}.{f}")
            } else {
                f.to_owned()
            }
        };
        let problem = |i: usize, f: &str, code: &str| {
            AppError::validation(vec![FieldError::new(&field(i, f), code)])
        };

        // Routes, from one read of the (small) table.
        let routes = store::all_routes(tx).await?;
        let mut offices = Vec::with_capacity(items.len());
        let mut errors = Vec::new();
        for (i, (_, _, d)) in items.iter().enumerate() {
            match store::pick_route(&routes, &d.addressee.country, &d.addressee.postcode) {
                Some(o) => offices.push(o),
                None => errors.push(FieldError::new(&field(i, "addressee.country"), "no_route")),
            }
        }
        // Own ids: not twice in one batch.
        let mut seen = std::collections::HashSet::new();
        for (i, (_, _, d)) in items.iter().enumerate() {
            if let Some(id) = &d.item_id {
                if !seen.insert(id.as_str().to_owned()) {
                    errors.push(FieldError::new(&field(i, "item_id"), "item_id_taken"));
                }
            }
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }

        // Item ids: a block of serials for those without their own.
        let needed = items.iter().filter(|(_, _, d)| d.item_id.is_none()).count() as i64;
        let mut generated: Vec<ItemId> = Vec::new();
        if needed > 0 {
            let bad_range = |e: crate::domain::s10::ItemIdError| {
                tracing::error!(error = %e, "bad S10 range");
                AppError::Internal
            };
            match store::allocate_block(tx, org, needed).await? {
                Some((service, first, country)) => {
                    for k in 0..needed {
                        generated.push(
                            ItemId::generate(&service, (first + k) as u64, &country)
                                .map_err(bad_range)?,
                        );
                    }
                }
                None => {
                    // No single range has room for all: one serial at a time.
                    for _ in 0..needed {
                        let Some((service, serial, country)) =
                            store::allocate_serial(tx, org).await?
                        else {
                            let i = items
                                .iter()
                                .position(|(_, _, d)| d.item_id.is_none())
                                .unwrap_or(0);
                            return Err(problem(i, "item_id", "no_item_ids"));
                        };
                        generated.push(
                            ItemId::generate(&service, serial as u64, &country)
                                .map_err(bad_range)?,
                        );
                    }
                }
            }
        }
        let mut gen = generated.into_iter();
        let mut ids: Vec<ItemId> = items
            .iter()
            .map(|(_, _, d)| {
                d.item_id
                    .clone()
                    .or_else(|| gen.next())
                    .ok_or(AppError::Internal)
            })
            .collect::<AppResult<_>>()?;

        // Scored and assessed before they are written: each parcel goes in
        // assessed (or pre-cleared), owing what it owes.
        let mut cleared = items
            .iter()
            .zip(&ids)
            .map(|((_, _, d), id)| engine.clear(d, id.as_str()))
            .collect::<AppResult<Vec<_>>>()?;
        // The administration's green-lane policy releases before arrival,
        // through the one function that applies decisions (below).
        let pre_clear = |c: &crate::clearance::Cleared| {
            c.auto_preclear && c.risk.lane == crate::domain::risk::Lane::Green
        };
        let new_parcels: Vec<store::NewParcel> = items
            .iter()
            .zip(&ids)
            .zip(&offices)
            .zip(&cleared)
            .map(|((((_, _, d), id), office), c)| store::NewParcel {
                item_id: id.as_str(),
                company_id: org,
                destination_country: &d.addressee.country,
                inward_office_id: Some(*office),
                customs_status: CustomsStatus::Assessed.as_str(),
                payment_status: if c.due() {
                    PaymentStatus::Due.as_str()
                } else {
                    PaymentStatus::NotDue.as_str()
                },
                location: Location::Posted.as_str(),
                lane: Some(c.risk.lane.as_str()),
                amount_due_minor: c.due().then_some(c.assessment.total_minor),
                amount_due_currency: c
                    .due()
                    .then(|| c.assessment.currency.map(|c| c.code()))
                    .flatten(),
            })
            .collect();
        let made = store::insert_parcels(tx, &new_parcels).await?;
        let by_item: std::collections::HashMap<String, i64> =
            made.into_iter().map(|(id, item)| (item, id)).collect();
        let parcel_ids: Vec<i64> = ids
            .iter()
            .map(|id| by_item.get(id.as_str()).copied().ok_or(AppError::Internal))
            .collect::<AppResult<_>>()?;

        // Claim the ids; a taken own id is refused, a taken serial replaced.
        let pairs: Vec<(String, i64)> = ids
            .iter()
            .map(|i| i.to_string())
            .zip(parcel_ids.iter().copied())
            .collect();
        let taken = store::claim_item_ids(tx, &pairs, db::now() - ID_REUSE_AFTER).await?;
        for t in taken {
            let i = ids
                .iter()
                .position(|id| id.as_str() == t)
                .ok_or(AppError::Internal)?;
            if items[i].2.item_id.is_some() {
                return Err(problem(i, "item_id", "item_id_taken"));
            }
            let replacement = take_item_id(tx, org, parcel_ids[i], None).await?;
            store::set_item_id(tx, parcel_ids[i], replacement.as_str()).await?;
            // The random selection follows the item id: score again.
            engine.forget(&cleared[i])?;
            let again = engine.clear(items[i].2, replacement.as_str())?;
            store::set_lane(
                tx,
                parcel_ids[i],
                again.risk.lane.as_str(),
                CustomsStatus::Assessed.as_str(),
            )
            .await?;
            cleared[i] = again;
            ids[i] = replacement;
        }

        // The declarations: version 1 of each parcel's.
        let jsons: Vec<String> = items
            .iter()
            .map(|(_, input, _)| serde_json::to_string(input).map_err(|_| AppError::Internal))
            .collect::<AppResult<_>>()?;
        let summaries: Vec<String> = items.iter().map(|(_, input, _)| input.summary()).collect();
        let mut fresh = Vec::new();
        let mut declaration_ids = vec![0i64; items.len()];
        for (i, (draft, input, d)) in items.iter().enumerate() {
            let mut f = fields(user, org, input, &jsons[i], &summaries[i]);
            f.parcel_id = Some(parcel_ids[i]);
            f.status = DeclarationStatus::Submitted.as_str();
            f.item_id = Some(ids[i].as_str());
            f.form = Some(form_name(d.form));
            f.total_value_minor = d.total_value.minor;
            f.addressee_country = &d.addressee.country;
            f.submitted = true;
            match draft {
                Some(id) => {
                    store::submit_draft(
                        tx,
                        *id,
                        parcel_ids[i],
                        ids[i].as_str(),
                        form_name(d.form),
                        &f,
                    )
                    .await
                    .map_err(|e| match e {
                        AppError::NotFound => AppError::Conflict {
                            code: "not_a_draft".into(),
                        },
                        e => e,
                    })?;
                    declaration_ids[i] = *id;
                }
                None => fresh.push(f),
            }
        }
        let index: std::collections::HashMap<i64, usize> = parcel_ids
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, i))
            .collect();
        for (declaration, parcel) in store::insert_declarations(tx, &fresh).await? {
            let i = *index.get(&parcel).ok_or(AppError::Internal)?;
            declaration_ids[i] = declaration;
        }
        let first = *parcel_ids.iter().min().ok_or(AppError::Internal)?;
        let last = *parcel_ids.iter().max().ok_or(AppError::Internal)?;
        let linked = store::link_first_declarations(tx, org, first, last).await?;
        if linked != items.len() as u64 {
            tracing::error!(
                linked,
                expected = items.len(),
                "parcels not linked to their declarations"
            );
            return Err(AppError::Internal);
        }

        // The risk score and assessment of each, current.
        let results: Vec<crate::db::clearance::NewResult> = parcel_ids
            .iter()
            .zip(&declaration_ids)
            .zip(&cleared)
            .map(|((p, d), c)| crate::db::clearance::NewResult {
                parcel_id: *p,
                declaration_id: Some(*d),
                assessment: &c.assessment,
                risk: &c.risk,
                annual: c.annual.as_ref(),
            })
            .collect();
        crate::db::clearance::insert_results(tx, &results, true).await?;

        // The events: submitted; advance data received, then assessed (and
        // pre-cleared by policy); what is owed; posted.
        DeclarationStatus::Draft
            .move_to(DeclarationStatus::Submitted, false)
            .map_err(refused)?;
        CustomsStatus::PreAdvised
            .move_to(CustomsStatus::Assessed)
            .map_err(refused)?;
        let reasons: Vec<(String, String)> = cleared
            .iter()
            .map(|c| {
                let a = &c.assessment;
                let owed = match (a.currency, c.due()) {
                    (Some(cur), true) => format!(
                        "{} due from the recipient",
                        crate::domain::goods::Money::new(a.total_minor, cur)
                    ),
                    _ => format!("nothing due from the recipient ({})", a.payer.as_str()),
                };
                // The lane and score are customs' own (in risk_scores): the
                // merchant reads these events.
                ("duty and tax assessed".to_owned(), owed)
            })
            .collect();
        let mut events = Vec::with_capacity(items.len() * 6);
        for ((p, c), (lane, owed)) in parcel_ids.iter().zip(&cleared).zip(&reasons) {
            events.push(ev(
                *p,
                user.id,
                "declaration",
                None,
                DeclarationStatus::Submitted.as_str(),
            ));
            events.push(store::NewEvent {
                reason: "advance data received",
                ..ev(
                    *p,
                    user.id,
                    "customs",
                    None,
                    CustomsStatus::PreAdvised.as_str(),
                )
            });
            events.push(store::NewEvent {
                reason: lane,
                actor_id: None,
                ..ev(
                    *p,
                    user.id,
                    "customs",
                    Some(CustomsStatus::PreAdvised.as_str()),
                    CustomsStatus::Assessed.as_str(),
                )
            });
            let payment = if c.due() {
                PaymentStatus::Due
            } else {
                PaymentStatus::NotDue
            };
            events.push(store::NewEvent {
                reason: owed,
                ..ev(*p, user.id, "payment", None, payment.as_str())
            });
            events.push(store::NewEvent {
                upu_code: Location::Posted.upu_code(),
                ..ev(*p, user.id, "location", None, Location::Posted.as_str())
            });
        }
        store::insert_events(tx, &events).await?;
        for (p, _) in parcel_ids
            .iter()
            .zip(&cleared)
            .filter(|(_, c)| pre_clear(c))
        {
            crate::api::customs::server::apply_decision(
                tx,
                state,
                *p,
                None,
                "PRE_CLEAR",
                "GREEN_LANE",
                "released before arrival by policy",
                crate::api::customs::server::Actor {
                    user_id: None,
                    office_id: None,
                },
            )
            .await?;
        }
        Ok((0..items.len())
            .map(|i| Submitted {
                declaration_id: declaration_ids[i],
                parcel_id: parcel_ids[i],
                item_id: ids[i].to_string(),
            })
            .collect())
    }

    fn refused(r: crate::domain::parcel::Refused) -> AppError {
        AppError::Conflict {
            code: format!(
                "state_refused:{}:{}:{}",
                r.dimension.replace(' ', "_"),
                r.from,
                r.to
            ),
        }
    }

    /// The parcel, if it belongs to the caller's company (else not found).
    async fn own_parcel(
        state: &AppState,
        user: &CurrentUser,
        parcel_id: i64,
    ) -> AppResult<store::ParcelRow> {
        let p = store::parcel(&state.db, parcel_id).await?;
        if Some(p.company_id) != user.organisation_id {
            return Err(AppError::NotFound);
        }
        Ok(p)
    }

    async fn current_status(
        state: &AppState,
        p: &store::ParcelRow,
    ) -> AppResult<(i64, DeclarationStatus, i32)> {
        let id = p.declaration_id.ok_or(AppError::Internal)?;
        let (row, _) = store::declaration(&state.db, id, p.company_id).await?;
        let status = DeclarationStatus::parse(&row.status).ok_or(AppError::Internal)?;
        Ok((id, status, row.version))
    }

    /// A new version of the declaration, while the parcel has not reached the
    /// inward office of exchange. `expected_version`: the parcel version the
    /// merchant saw (a concurrent change wins; this one is refused).
    pub async fn amend(
        state: &AppState,
        user: &CurrentUser,
        parcel_id: i64,
        expected_version: i64,
        input: &DeclarationInput,
    ) -> AppResult<i64> {
        require_verified(user)?;
        let org = company(user)?;
        let p = own_parcel(state, user, parcel_id).await?;
        let (_, status, version) = current_status(state, &p).await?;
        let location = Location::parse(&p.location).ok_or(AppError::Internal)?;
        let next = status
            .move_to(DeclarationStatus::Amended, location.reached_inward())
            .map_err(refused)?;
        let d = checked(state, input).await?;
        if let Some(own) = &d.item_id {
            if own.as_str() != p.item_id {
                return Err(AppError::field("item_id", "item_id_fixed"));
            }
        }
        if d.addressee.country != p.destination_country {
            return Err(AppError::field("addressee.country", "destination_fixed"));
        }
        let json = serde_json::to_string(input).map_err(|_| AppError::Internal)?;
        let summary = input.summary();
        let mut f = fields(user, org, input, &json, &summary);
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
        let engine = prepare_engine(state, vec![d.addressee.country.clone()]).await?;
        let mut tx = state.db.begin().await?;
        engine
            .load_year_totals(&mut tx, &[&d], Some(parcel_id))
            .await?;
        let cleared = engine.clear(&d, &p.item_id)?;
        let payment = PaymentStatus::parse(&p.payment_status).ok_or(AppError::Internal)?;
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
            .transpose()
            .map_err(refused)?;
        let id = store::insert_declaration(&mut tx, &f).await?;
        store::set_current_declaration(&mut tx, parcel_id, id, expected_version).await?;
        crate::db::clearance::insert_results(
            &mut tx,
            &[crate::db::clearance::NewResult {
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
        store::set_assessed(
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
                    crate::domain::goods::Money::new(cleared.assessment.total_minor, cur)
                ),
                _ => "reassessed".to_owned(),
            };
            store::insert_event(
                &mut tx,
                &store::NewEvent {
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
        store::insert_event(
            &mut tx,
            &store::NewEvent {
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

    pub async fn cancel(
        state: &AppState,
        user: &CurrentUser,
        parcel_id: i64,
        expected_version: i64,
    ) -> AppResult<()> {
        let p = own_parcel(state, user, parcel_id).await?;
        let (current, status, _) = current_status(state, &p).await?;
        let location = Location::parse(&p.location).ok_or(AppError::Internal)?;
        let next = status
            .move_to(DeclarationStatus::Cancelled, location.reached_inward())
            .map_err(refused)?;
        let mut tx = state.db.begin().await?;
        store::touch(&mut tx, parcel_id, expected_version).await?;
        store::set_declaration_status(&mut tx, current, next.as_str()).await?;
        store::insert_event(
            &mut tx,
            &store::NewEvent {
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

    pub async fn amend_from_form(
        parcel_id: i64,
        version: i64,
        input: DeclarationInput,
    ) -> AppResult<()> {
        let user = merchant().await?;
        amend(&state()?, &user, parcel_id, version, &input)
            .await
            .map(|_| ())
    }

    pub async fn cancel_from_form(parcel_id: i64, version: i64) -> AppResult<()> {
        let user = merchant().await?;
        cancel(&state()?, &user, parcel_id, version).await
    }

    pub async fn delete_draft(id: i64) -> AppResult<()> {
        let user = merchant().await?;
        let mut tx = state()?.db.begin().await?;
        store::delete_draft(&mut tx, id, company(&user)?).await?;
        tx.commit().await?;
        Ok(())
    }

    fn detail(row: DeclarationRow, json: String) -> AppResult<DeclarationDetail> {
        let input = serde_json::from_str(&json).map_err(|e| {
            tracing::error!(error = %e, declaration = row.id, "stored declaration is not valid");
            AppError::Internal
        })?;
        Ok(DeclarationDetail { row, input })
    }

    pub async fn get(id: i64) -> AppResult<DeclarationDetail> {
        let user = merchant().await?;
        let (row, json) = store::declaration(&state()?.db, id, company(&user)?).await?;
        detail(row, json)
    }

    pub async fn list(filter: DeclarationFilter) -> AppResult<Vec<DeclarationRow>> {
        let user = merchant().await?;
        store::list(&state()?.db, company(&user)?, &filter, PAGE).await
    }

    pub async fn parcel_detail(
        state: &AppState,
        user: &CurrentUser,
        parcel_id: i64,
    ) -> AppResult<ParcelDetail> {
        let p = own_parcel(state, user, parcel_id).await?;
        let versions: Vec<DeclarationDetail> = store::versions(&state.db, parcel_id)
            .await?
            .into_iter()
            .map(|(r, j)| detail(r, j))
            .collect::<AppResult<_>>()?;
        let status = versions
            .iter()
            .find(|v| Some(v.row.id) == p.declaration_id)
            .map(|v| v.row.status.clone())
            .unwrap_or_default();
        let location = Location::parse(&p.location).ok_or(AppError::Internal)?;
        let changeable =
            !location.reached_inward() && status != DeclarationStatus::Cancelled.as_str();
        Ok(ParcelDetail {
            events: store::events(&state.db, parcel_id).await?,
            parcel: p,
            declaration_status: status,
            versions,
            changeable,
        })
    }

    pub async fn parcel(parcel_id: i64) -> AppResult<ParcelDetail> {
        let user = merchant().await?;
        parcel_detail(&state()?, &user, parcel_id).await
    }
}
