//! Customs decisions on parcels. [`server::apply_decision`] is the one
//! function every path uses (the back office here, the EDI import and
//! automatic policies later): it checks the move, writes the customs event
//! with its decision and reason codes and text, sets the payment status
//! from the current assessment, and queues the notices, in the caller's
//! transaction.
use leptos::prelude::*;

use crate::error::AppError;

/// `customs/decide`: a customs officer or supervisor of the destination
/// country decides on a parcel they saw at `version`.
#[server(endpoint = "customs/decide")]
pub async fn decide_parcel(
    parcel_id: i64,
    version: i64,
    decision: String,
    reason_code: String,
    text: String,
) -> Result<(), AppError> {
    crate::api::respond::reply(
        server::decide(parcel_id, version, &decision, &reason_code, &text).await,
    )
}

#[cfg(feature = "ssr")]
pub mod server {
    use crate::api::guard::{require, state};
    use crate::db::{parcels as store, Tx};
    use crate::domain::account::{CurrentUser, FieldError, Role};
    use crate::domain::decision::{plan, Decision, Plan};
    use crate::domain::parcel::{CustomsStatus, PaymentStatus};
    use crate::error::{AppError, AppResult};
    use crate::jobs::{self, Job};
    use crate::state::AppState;

    /// Most characters of a decision's free text.
    pub const MAX_TEXT: usize = 2000;

    /// Who decides: an officer's or supervisor's id and office, or (no
    /// user) an automatic policy.
    #[derive(Debug, Clone, Copy)]
    pub struct Actor {
        pub user_id: Option<i64>,
        pub office_id: Option<i64>,
    }

    pub async fn decide(
        parcel_id: i64,
        version: i64,
        decision: &str,
        reason_code: &str,
        text: &str,
    ) -> AppResult<()> {
        let user = require(&[Role::CustomsOfficer, Role::CustomsSupervisor]).await?;
        let state = state()?;
        let parcel = store::parcel(&state.db, parcel_id).await?;
        if !may_decide(&user, &parcel.destination_country) {
            // Another country's parcel: as if it did not exist.
            return Err(AppError::NotFound);
        }
        let mut tx = state.db.begin().await?;
        apply_decision(
            &mut tx,
            &state,
            parcel_id,
            Some(version),
            decision,
            reason_code,
            text,
            Actor {
                user_id: Some(user.id),
                office_id: user.office_id,
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            user = user.id,
            parcel = parcel_id,
            decision,
            "customs decision"
        );
        Ok(())
    }

    /// Officers decide on parcels to their own country.
    pub fn may_decide(user: &CurrentUser, destination: &str) -> bool {
        matches!(user.role, Role::CustomsOfficer | Role::CustomsSupervisor)
            && user.country_code.as_deref() == Some(destination)
    }

    /// Applies a decision in `tx`. `expected_version`: the parcel version the
    /// decider saw; a concurrent change wins and this one is refused
    /// (`parcel_changed`), nothing written (`None`: the version read in `tx`,
    /// for a policy acting on a parcel its transaction created). An
    /// officer's reason code must be one of the administration's; a policy
    /// (no user) names its own.
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_decision(
        tx: &mut Tx,
        state: &AppState,
        parcel_id: i64,
        expected_version: Option<i64>,
        decision: &str,
        reason_code: &str,
        text: &str,
        actor: Actor,
    ) -> AppResult<Plan> {
        let mut errors = Vec::new();
        let decision_code = Decision::parse(decision);
        if decision_code.is_none() {
            errors.push(FieldError::new("decision", "invalid"));
        }
        let reason_code = reason_code.trim();
        let text = text.trim();
        if text.chars().count() > MAX_TEXT {
            errors.push(FieldError::new("text", "too_long"));
        }
        // Read in the transaction: no second connection while it is open.
        let (destination, customs, payment, version) = store::parcel_state(tx, parcel_id).await?;
        let expected_version = expected_version.unwrap_or(version);
        if reason_code.is_empty() {
            errors.push(FieldError::new("reason_code", "required"));
        } else if actor.user_id.is_some()
            && !store::reason_code_exists(tx, &destination, reason_code).await?
        {
            errors.push(FieldError::new("reason_code", "invalid"));
        }
        let Some(decision) = decision_code.filter(|_| errors.is_empty()) else {
            return Err(AppError::validation(errors));
        };
        let customs = CustomsStatus::parse(&customs).ok_or(AppError::Internal)?;
        let payment = PaymentStatus::parse(&payment).ok_or(AppError::Internal)?;
        let due = store::current_assessment(tx, parcel_id)
            .await?
            .is_some_and(|(total, payer, _)| payer == "recipient" && total > 0);
        let p = plan(decision, customs, payment, due).map_err(|r| AppError::Conflict {
            code: format!(
                "state_refused:{}:{}:{}",
                r.dimension.replace(' ', "_"),
                r.from,
                r.to
            ),
        })?;
        let new_customs = p.customs.map(|(_, to)| to).unwrap_or(customs);
        let new_payment = p.payment.map(|(_, to)| to).unwrap_or(payment);
        store::set_statuses(
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
        let mut events = vec![store::NewEvent {
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
            events.push(store::NewEvent {
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
        store::insert_events(tx, &events).await?;
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
}
