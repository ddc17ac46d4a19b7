//! Customs decisions on parcels. [`apply_decision`] is the one function
//! every path uses (officers here, the green-lane policy at submission, the
//! EDI import later): it checks the move, writes the customs event with its
//! decision and reason codes and text, sets the payment status from the
//! current assessment, and queues the notices, in the caller's transaction.
use crate::db::{customs as store, parcels, Tx};
use crate::domain::account::Role;
use crate::domain::customs::Scope;
use crate::domain::decision::{plan, Decision, Plan};
use crate::domain::parcel::{CustomsStatus, PaymentStatus};
use crate::domain::FieldError;
use crate::error::{AppError, AppResult, OrInternal};
use crate::jobs::{self, Job};
use crate::ops::Caller;
use crate::state::AppState;

pub mod rules;

/// Most characters of a decision's free text.
pub const MAX_TEXT: usize = 2000;

/// Who decides: an officer's or supervisor's id and office, or (no user) an
/// automatic policy.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub office_id: Option<i64>,
}

impl Actor {
    /// An automatic policy of the administration (no officer).
    pub const POLICY: Actor = Actor {
        user_id: None,
        office_id: None,
    };
}

/// A decision to apply to a parcel.
#[derive(Debug, Clone)]
pub struct DecisionRequest<'a> {
    pub parcel_id: i64,
    /// The parcel version the decider saw; a concurrent change wins and this
    /// one is refused (`parcel_changed`), nothing written. `None`: the
    /// version read in the transaction, for a policy acting on a parcel its
    /// own transaction created.
    pub expected_version: Option<i64>,
    pub decision: Decision,
    /// An officer's reason code must be one of the administration's; a
    /// policy (no user) names its own.
    pub reason_code: &'a str,
    pub text: &'a str,
    pub actor: Actor,
}

/// What an officer sends: the parcel at the version they saw, and the
/// decision as typed.
#[derive(Debug, Clone)]
pub struct Decide {
    pub parcel_id: i64,
    pub version: i64,
    pub decision: String,
    pub reason_code: String,
    pub text: String,
}

/// An officer or supervisor of the destination country decides on a parcel.
pub async fn decide(state: &AppState, caller: &Caller, input: Decide) -> AppResult<()> {
    let user = caller.require(&[Role::CustomsOfficer, Role::CustomsSupervisor])?;
    let scope = Scope::of(user).ok_or(AppError::Forbidden)?;
    let parcel = parcels::parcel(&state.db, input.parcel_id).await?;
    let cleared_at = match parcel.inward_office_id {
        Some(inward) => store::customs_office_of(&state.db, inward).await?,
        None => None,
    };
    if !scope.covers(&parcel.destination_country, cleared_at) {
        // Another office's or country's parcel: as if it did not exist.
        return Err(AppError::NotFound);
    }
    let mut errors = Vec::new();
    let decision = Decision::parse(&input.decision);
    if decision.is_none() {
        errors.push(FieldError::new("decision", "invalid"));
    }
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        errors.extend(text_problems(&input.reason_code, &input.text));
        return Err(AppError::validation(errors));
    };
    let mut tx = state.db.begin().await?;
    apply_decision(
        &mut tx,
        state,
        DecisionRequest {
            parcel_id: input.parcel_id,
            expected_version: Some(input.version),
            decision,
            reason_code: &input.reason_code,
            text: &input.text,
            actor: Actor {
                user_id: Some(user.id),
                office_id: user.office_id,
            },
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        user = user.id,
        parcel = input.parcel_id,
        decision = decision.as_str(),
        "customs decision"
    );
    Ok(())
}

/// The problems of a reason code and text that need no database.
fn text_problems(reason_code: &str, text: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if reason_code.trim().is_empty() {
        errors.push(FieldError::new("reason_code", "required"));
    }
    if text.trim().chars().count() > MAX_TEXT {
        errors.push(FieldError::new("text", "too_long"));
    }
    errors
}

/// Applies a decision in `tx` (see [`DecisionRequest`]).
pub async fn apply_decision(
    tx: &mut Tx,
    state: &AppState,
    req: DecisionRequest<'_>,
) -> AppResult<Plan> {
    let DecisionRequest {
        parcel_id,
        expected_version,
        decision,
        reason_code,
        text,
        actor,
    } = req;
    let reason_code = reason_code.trim();
    let text = text.trim();
    let mut errors = text_problems(reason_code, text);
    // Read in the transaction: no second connection while it is open.
    let (destination, customs, payment, version) = parcels::parcel_state(tx, parcel_id).await?;
    let expected_version = expected_version.unwrap_or(version);
    if !reason_code.is_empty()
        && actor.user_id.is_some()
        && !store::reason_code_exists(tx, &destination, reason_code).await?
    {
        errors.push(FieldError::new("reason_code", "invalid"));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let customs = CustomsStatus::parse(&customs).or_internal("stored customs status unknown")?;
    let payment = PaymentStatus::parse(&payment).or_internal("stored payment status unknown")?;
    let due = parcels::current_assessment(tx, parcel_id)
        .await?
        .is_some_and(|(total, payer, _)| payer == "recipient" && total > 0);
    let p = plan(decision, customs, payment, due)?;
    let new_customs = p.customs.map(|(_, to)| to).unwrap_or(customs);
    let new_payment = p.payment.map(|(_, to)| to).unwrap_or(payment);
    parcels::set_statuses(
        tx,
        parcel_id,
        expected_version,
        new_customs.as_str(),
        new_payment.as_str(),
    )
    .await?;
    let reason = if text.is_empty() {
        reason_code.to_owned()
    } else {
        format!("{reason_code}: {text}")
    };
    let (from, to) = p
        .customs
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .unwrap_or((customs.as_str(), customs.as_str()));
    let mut events = vec![parcels::NewEvent {
        parcel_id,
        dimension: "customs",
        from: Some(from),
        to,
        upu_code: None,
        decision_code: Some(decision.as_str()),
        actor_id: actor.user_id,
        office_id: actor.office_id,
        reason: &reason,
    }];
    if let Some((from, to)) = p.payment {
        events.push(parcels::NewEvent {
            parcel_id,
            dimension: "payment",
            from: Some(from.as_str()),
            to: to.as_str(),
            upu_code: None,
            decision_code: Some(decision.as_str()),
            actor_id: actor.user_id,
            office_id: actor.office_id,
            reason: "follows the customs decision",
        });
    }
    parcels::insert_events(tx, &events).await?;
    for who in &p.notify {
        jobs::enqueue(
            tx,
            state,
            &Job::ParcelNotice(crate::mail::ParcelNotice {
                parcel_id,
                decision: decision.as_str().to_owned(),
                to: *who,
            }),
        )
        .await?;
    }
    Ok(p)
}
