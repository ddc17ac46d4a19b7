//! Customs decisions (DOMAIN.md's codes, with the EDIFACT CUSRES processing
//! indicator each maps to) and what one does to a parcel: the customs move
//! it makes, the payment status that follows from the assessment, and who
//! must be told. Pure: the server applies the plan in one transaction.
use serde::{Deserialize, Serialize};

use super::parcel::{CustomsStatus, PaymentStatus, Refused};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    Release,
    PreClear,
    HoldDocumentary,
    HoldInspection,
    RequestInfo,
    Seize,
    ReturnToSender,
    AcceptData,
    RejectData,
}

impl Decision {
    pub const ALL: [Decision; 9] = [
        Decision::Release,
        Decision::PreClear,
        Decision::HoldDocumentary,
        Decision::HoldInspection,
        Decision::RequestInfo,
        Decision::Seize,
        Decision::ReturnToSender,
        Decision::AcceptData,
        Decision::RejectData,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Release => "RELEASE",
            Decision::PreClear => "PRE_CLEAR",
            Decision::HoldDocumentary => "HOLD_DOCUMENTARY",
            Decision::HoldInspection => "HOLD_INSPECTION",
            Decision::RequestInfo => "REQUEST_INFO",
            Decision::Seize => "SEIZE",
            Decision::ReturnToSender => "RETURN_TO_SENDER",
            Decision::AcceptData => "ACCEPT_DATA",
            Decision::RejectData => "REJECT_DATA",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == s.trim())
    }

    /// The CUSRES processing indicator.
    pub fn cusres(self) -> u8 {
        match self {
            Decision::Release => 4,
            Decision::PreClear => 9,
            Decision::HoldDocumentary | Decision::RequestInfo => 6,
            Decision::HoldInspection => 5,
            Decision::Seize => 7,
            Decision::ReturnToSender => 3,
            Decision::AcceptData => 1,
            Decision::RejectData => 2,
        }
    }

    /// The customs status it moves to; `None`: the status stays (the
    /// decision is about the advance data).
    pub fn target(self) -> Option<CustomsStatus> {
        Some(match self {
            Decision::Release => CustomsStatus::Released,
            Decision::PreClear => CustomsStatus::PreCleared,
            Decision::HoldDocumentary => CustomsStatus::HeldDocumentary,
            Decision::HoldInspection => CustomsStatus::HeldInspection,
            Decision::RequestInfo => CustomsStatus::InfoRequested,
            Decision::Seize => CustomsStatus::Seized,
            Decision::ReturnToSender => CustomsStatus::ReturnOrdered,
            Decision::AcceptData | Decision::RejectData => return None,
        })
    }
}

/// Who must act next, and so is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notify {
    /// The merchant: answer, send documents, fix the data, or expect the
    /// parcel back.
    Merchant,
    /// The recipient: pay, or nothing to do but wait.
    Recipient,
}

/// What a decision does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub customs: Option<(CustomsStatus, CustomsStatus)>,
    pub payment: Option<(PaymentStatus, PaymentStatus)>,
    pub notify: Vec<Notify>,
}

/// Plans `decision` on a parcel in `customs` and `payment` status whose
/// current assessment makes the recipient owe something (`due`). Refused
/// with the reason when the move is not allowed.
pub fn plan(
    decision: Decision,
    customs: CustomsStatus,
    payment: PaymentStatus,
    due: bool,
) -> Result<Plan, Refused> {
    let customs_move = match decision.target() {
        Some(to) => Some((customs, customs.move_to(to)?)),
        None => {
            // Data decisions are about advance data not yet acted on.
            if !matches!(customs, CustomsStatus::PreAdvised | CustomsStatus::Assessed) {
                return Err(Refused {
                    dimension: "customs status",
                    from: customs.to_string(),
                    to: customs.to_string(),
                    rule: "advance data is only accepted or refused before the parcel is presented",
                });
            }
            None
        }
    };
    let to = customs_move.map(|(_, to)| to).unwrap_or(customs);
    // Payment follows the assessment while the parcel may still be
    // delivered; a parcel that will not be delivered owes nothing (a paid
    // one is refunded).
    let goes_back = matches!(to, CustomsStatus::ReturnOrdered | CustomsStatus::Seized);
    let wanted = if goes_back {
        match payment {
            PaymentStatus::Paid => PaymentStatus::Refunded,
            PaymentStatus::Due => PaymentStatus::NotDue,
            other => other,
        }
    } else {
        match (payment, due) {
            (PaymentStatus::NotDue, true) => PaymentStatus::Due,
            (PaymentStatus::Due, false) => PaymentStatus::NotDue,
            (other, _) => other,
        }
    };
    let payment_move = (wanted != payment)
        .then(|| payment.move_to(wanted).map(|to| (payment, to)))
        .transpose()?;
    let mut notify = Vec::new();
    match decision {
        Decision::RequestInfo
        | Decision::HoldDocumentary
        | Decision::ReturnToSender
        | Decision::Seize
        | Decision::RejectData => notify.push(Notify::Merchant),
        _ => {}
    }
    let owes = payment_move.map(|(_, to)| to).unwrap_or(payment) == PaymentStatus::Due;
    if matches!(decision, Decision::Release | Decision::PreClear) && owes {
        notify.push(Notify::Recipient);
    }
    if matches!(decision, Decision::RequestInfo | Decision::HoldInspection) {
        notify.push(Notify::Recipient);
    }
    Ok(Plan {
        customs: customs_move,
        payment: payment_move,
        notify,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustomsStatus as C;
    use PaymentStatus as P;

    #[test]
    fn every_code_has_its_cusres_indicator_and_round_trips() {
        let codes: Vec<(&str, u8)> = Decision::ALL
            .iter()
            .map(|d| (d.as_str(), d.cusres()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("RELEASE", 4),
                ("PRE_CLEAR", 9),
                ("HOLD_DOCUMENTARY", 6),
                ("HOLD_INSPECTION", 5),
                ("REQUEST_INFO", 6),
                ("SEIZE", 7),
                ("RETURN_TO_SENDER", 3),
                ("ACCEPT_DATA", 1),
                ("REJECT_DATA", 2),
            ]
        );
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::parse("LET_GO"), None);
    }

    #[test]
    fn each_decision_moves_customs_as_domain_md_allows() {
        let p = |d, c| plan(d, c, P::NotDue, false);
        assert_eq!(
            p(Decision::PreClear, C::Assessed).unwrap().customs,
            Some((C::Assessed, C::PreCleared))
        );
        assert_eq!(
            p(Decision::Release, C::Presented).unwrap().customs,
            Some((C::Presented, C::Released))
        );
        assert_eq!(
            p(Decision::HoldInspection, C::Presented).unwrap().customs,
            Some((C::Presented, C::HeldInspection))
        );
        assert_eq!(
            p(Decision::RequestInfo, C::Assessed).unwrap().customs,
            Some((C::Assessed, C::InfoRequested))
        );
        assert_eq!(
            p(Decision::Seize, C::HeldInspection).unwrap().customs,
            Some((C::HeldInspection, C::Seized))
        );
        assert_eq!(
            p(Decision::ReturnToSender, C::Presented).unwrap().customs,
            Some((C::Presented, C::ReturnOrdered))
        );
        assert_eq!(p(Decision::AcceptData, C::Assessed).unwrap().customs, None);
        // Refused, naming the state and the rule.
        let e = p(Decision::Release, C::ReturnOrdered).unwrap_err();
        assert_eq!((e.from.as_str(), e.rule), ("return_ordered", "it is final"));
        let e = p(Decision::HoldInspection, C::Assessed).unwrap_err();
        assert_eq!(e.rule, "not an allowed move");
        assert!(p(Decision::RejectData, C::Presented).is_err());
    }

    #[test]
    fn payment_follows_the_assessment_and_returns_refund() {
        let pl = plan(Decision::Release, C::Presented, P::NotDue, true).unwrap();
        assert_eq!(pl.payment, Some((P::NotDue, P::Due)));
        assert_eq!(pl.notify, vec![Notify::Recipient]);
        let pl = plan(Decision::Release, C::Presented, P::Due, false).unwrap();
        assert_eq!(pl.payment, Some((P::Due, P::NotDue)));
        let pl = plan(Decision::ReturnToSender, C::Presented, P::Paid, true).unwrap();
        assert_eq!(pl.payment, Some((P::Paid, P::Refunded)));
        assert_eq!(pl.notify, vec![Notify::Merchant]);
        let pl = plan(Decision::Seize, C::HeldInspection, P::Due, true).unwrap();
        assert_eq!(pl.payment, Some((P::Due, P::NotDue)));
        let pl = plan(Decision::HoldDocumentary, C::Assessed, P::Due, true).unwrap();
        assert_eq!(pl.payment, None);
        assert_eq!(pl.notify, vec![Notify::Merchant]);
    }
}
