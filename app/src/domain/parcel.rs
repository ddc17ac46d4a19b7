//! The parcel's state: the declaration's own status, and three independent
//! dimensions (customs, payment, location), each one enum with its allowed
//! moves (DOMAIN.md, "The parcel's state"). Pure: the database layer calls
//! these before it writes a change and its event.
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a move was refused: the dimension, where it is, where it was asked
/// to go, and the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub dimension: &'static str,
    pub from: String,
    pub to: String,
    pub rule: &'static str,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cannot go from {} to {}: {}",
            self.dimension, self.from, self.to, self.rule
        )
    }
}

macro_rules! state_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

state_enum!(
    /// The merchant's document.
    DeclarationStatus {
        Draft = "draft",
        Submitted = "submitted",
        Amended = "amended",
        Cancelled = "cancelled",
    }
);

state_enum!(
    /// Customs' view of the parcel.
    CustomsStatus {
        PreAdvised = "pre_advised",
        Assessed = "assessed",
        PreCleared = "pre_cleared",
        Presented = "presented",
        HeldDocumentary = "held_documentary",
        HeldInspection = "held_inspection",
        InfoRequested = "info_requested",
        Released = "released",
        Seized = "seized",
        ReturnOrdered = "return_ordered",
        Abandoned = "abandoned",
        Destroyed = "destroyed",
    }
);

state_enum!(
    /// Whether anything is owed before delivery.
    PaymentStatus {
        NotDue = "not_due",
        Due = "due",
        Paid = "paid",
        Refunded = "refunded",
        Waived = "waived",
    }
);

state_enum!(
    /// Where the parcel physically is (the post's scans).
    Location {
        Posted = "posted",
        AtOutwardOe = "at_outward_oe",
        LeftOutwardOe = "left_outward_oe",
        AtInwardOe = "at_inward_oe",
        HeldByPost = "held_by_post",
        WithCustoms = "with_customs",
        LeftInwardOe = "left_inward_oe",
        AtDeliveryOffice = "at_delivery_office",
        OutForDelivery = "out_for_delivery",
        AtPickupPoint = "at_pickup_point",
        DeliveryFailed = "delivery_failed",
        Delivered = "delivered",
        ReturningToSender = "returning_to_sender",
        Disposed = "disposed",
    }
);

fn refuse(
    dimension: &'static str,
    from: impl fmt::Display,
    to: impl fmt::Display,
    rule: &'static str,
) -> Refused {
    Refused {
        dimension,
        from: from.to_string(),
        to: to.to_string(),
        rule,
    }
}

impl DeclarationStatus {
    /// `draft → submitted`; `submitted → amended | cancelled` while the
    /// parcel has not reached the inward office of exchange (`reached_inward`).
    pub fn move_to(
        self,
        to: DeclarationStatus,
        reached_inward: bool,
    ) -> Result<DeclarationStatus, Refused> {
        use DeclarationStatus::*;
        match (self, to) {
            (Draft, Submitted) => Ok(to),
            (Draft, Cancelled) => Ok(to),
            (Submitted | Amended, Amended | Cancelled) if reached_inward => Err(refuse(
                "declaration",
                self,
                to,
                "the parcel has reached the inward office of exchange",
            )),
            (Submitted | Amended, Amended | Cancelled) => Ok(to),
            (Cancelled, _) => Err(refuse(
                "declaration",
                self,
                to,
                "a cancelled declaration is final",
            )),
            _ => Err(refuse("declaration", self, to, "not an allowed move")),
        }
    }

    /// Whether the merchant may still edit it in place (a draft).
    pub fn is_editable(self) -> bool {
        self == DeclarationStatus::Draft
    }
}

impl CustomsStatus {
    /// The moves DOMAIN.md allows.
    pub fn allowed(self) -> &'static [CustomsStatus] {
        use CustomsStatus::*;
        match self {
            PreAdvised => &[Assessed],
            Assessed => &[PreCleared, Presented, InfoRequested, HeldDocumentary],
            PreCleared => &[Presented, Released],
            Presented => &[
                Released,
                HeldDocumentary,
                HeldInspection,
                InfoRequested,
                Seized,
                ReturnOrdered,
            ],
            HeldDocumentary | HeldInspection | InfoRequested => &[
                Released,
                HeldInspection,
                InfoRequested,
                Seized,
                ReturnOrdered,
                Abandoned,
            ],
            Released => &[Abandoned],
            Seized | Abandoned => &[Destroyed],
            ReturnOrdered | Destroyed => &[],
        }
    }

    pub fn is_final(self) -> bool {
        self.allowed().is_empty()
    }

    pub fn move_to(self, to: CustomsStatus) -> Result<CustomsStatus, Refused> {
        if self.allowed().contains(&to) {
            Ok(to)
        } else if self.is_final() {
            Err(refuse("customs status", self, to, "it is final"))
        } else {
            Err(refuse("customs status", self, to, "not an allowed move"))
        }
    }
}

impl PaymentStatus {
    pub fn allowed(self) -> &'static [PaymentStatus] {
        use PaymentStatus::*;
        match self {
            // A (re)assessment makes something due, or clears it.
            NotDue => &[Due, Refunded],
            Due => &[Paid, Waived, NotDue],
            // A lower reassessment or a return refunds.
            Paid => &[Refunded],
            Refunded | Waived => &[],
        }
    }

    pub fn move_to(self, to: PaymentStatus) -> Result<PaymentStatus, Refused> {
        if self.allowed().contains(&to) {
            Ok(to)
        } else {
            Err(refuse("payment status", self, to, "not an allowed move"))
        }
    }

    /// The post may hand the parcel over.
    pub fn allows_delivery(self) -> bool {
        matches!(
            self,
            PaymentStatus::NotDue | PaymentStatus::Paid | PaymentStatus::Waived
        )
    }
}

impl Location {
    /// The UPU event code of a scan that brings the parcel here.
    pub fn upu_code(self) -> Option<&'static str> {
        use Location::*;
        match self {
            Posted => Some("EMA"),
            AtOutwardOe => Some("EMB"),
            LeftOutwardOe => Some("EMC"),
            AtInwardOe => Some("EMD"),
            HeldByPost => Some("EDA"),
            WithCustoms => Some("EDB"),
            LeftInwardOe => Some("EMF"),
            AtDeliveryOffice => Some("EMG"),
            OutForDelivery => Some("EDG"),
            AtPickupPoint => Some("EDH"),
            DeliveryFailed => Some("EMH"),
            Delivered => Some("EMI"),
            ReturningToSender => None,
            Disposed => Some("EDX"),
        }
    }

    pub fn allowed(self) -> &'static [Location] {
        use Location::*;
        match self {
            // Outward scans are not always sent to the destination post.
            Posted => &[AtOutwardOe, LeftOutwardOe, AtInwardOe, ReturningToSender],
            AtOutwardOe => &[LeftOutwardOe, AtInwardOe, ReturningToSender],
            LeftOutwardOe => &[AtInwardOe],
            AtInwardOe => &[
                HeldByPost,
                WithCustoms,
                LeftInwardOe,
                ReturningToSender,
                Disposed,
            ],
            HeldByPost => &[WithCustoms, LeftInwardOe, ReturningToSender, Disposed],
            WithCustoms => &[HeldByPost, LeftInwardOe, ReturningToSender, Disposed],
            LeftInwardOe => &[AtDeliveryOffice],
            AtDeliveryOffice => &[OutForDelivery, AtPickupPoint, Delivered, ReturningToSender],
            OutForDelivery => &[Delivered, DeliveryFailed, AtPickupPoint],
            AtPickupPoint => &[Delivered, ReturningToSender, AtDeliveryOffice],
            DeliveryFailed => &[
                OutForDelivery,
                AtPickupPoint,
                AtDeliveryOffice,
                ReturningToSender,
            ],
            Delivered | ReturningToSender | Disposed => &[],
        }
    }

    /// Whether the parcel is at or past the inward office of exchange (the
    /// merchant can no longer amend or cancel).
    pub fn reached_inward(self) -> bool {
        !matches!(
            self,
            Location::Posted | Location::AtOutwardOe | Location::LeftOutwardOe
        )
    }

    /// A scan, with the cross-rules: past the inward office of exchange only
    /// when customs has released it; delivered only when payment allows;
    /// back to the sender only when customs ordered it (or after a failed
    /// delivery).
    pub fn move_to(
        self,
        to: Location,
        customs: CustomsStatus,
        payment: PaymentStatus,
    ) -> Result<Location, Refused> {
        if !self.allowed().contains(&to) {
            return Err(refuse(
                "location",
                self,
                to,
                if self.allowed().is_empty() {
                    "it is final"
                } else {
                    "not an allowed move"
                },
            ));
        }
        match to {
            Location::LeftInwardOe if customs != CustomsStatus::Released => Err(refuse(
                "location",
                self,
                to,
                "customs has not released the parcel",
            )),
            Location::Delivered if !payment.allows_delivery() => Err(refuse(
                "location",
                self,
                to,
                "duty or tax is still to be paid",
            )),
            Location::ReturningToSender
                if self != Location::DeliveryFailed
                    && self != Location::AtPickupPoint
                    && self != Location::AtDeliveryOffice
                    && customs != CustomsStatus::ReturnOrdered
                    && self.reached_inward() =>
            {
                Err(refuse(
                    "location",
                    self,
                    to,
                    "customs has not ordered a return",
                ))
            }
            Location::Disposed
                if !matches!(
                    customs,
                    CustomsStatus::Seized | CustomsStatus::Abandoned | CustomsStatus::Destroyed
                ) =>
            {
                Err(refuse(
                    "location",
                    self,
                    to,
                    "customs has not seized it and nobody abandoned it",
                ))
            }
            _ => Ok(to),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in CustomsStatus::ALL {
            assert_eq!(CustomsStatus::parse(s.as_str()), Some(*s));
            assert_eq!(
                serde_json::to_string(s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for s in Location::ALL {
            assert_eq!(Location::parse(s.as_str()), Some(*s));
        }
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(CustomsStatus::ALL.len(), 12);
        assert_eq!(Location::ALL.len(), 14);
    }

    #[test]
    fn customs_moves_follow_the_table() {
        use CustomsStatus::*;
        assert_eq!(PreAdvised.move_to(Assessed), Ok(Assessed));
        assert!(PreAdvised.move_to(Released).is_err());
        assert_eq!(Presented.move_to(HeldInspection), Ok(HeldInspection));
        assert_eq!(Released.move_to(Abandoned), Ok(Abandoned));
        assert!(Released.move_to(Seized).is_err());
        let e = ReturnOrdered.move_to(Released).unwrap_err();
        assert_eq!(
            e.to_string(),
            "customs status cannot go from return_ordered to released: it is final"
        );
        // Nothing leaves a final state; every state can reach a final one.
        for s in CustomsStatus::ALL {
            if s.is_final() {
                for t in CustomsStatus::ALL {
                    assert!(s.move_to(*t).is_err());
                }
            }
            let mut seen = vec![*s];
            let mut i = 0;
            while i < seen.len() {
                for n in seen[i].allowed() {
                    if !seen.contains(n) {
                        seen.push(*n);
                    }
                }
                i += 1;
            }
            assert!(seen.iter().any(|x| x.is_final()), "{s} never ends");
        }
    }

    #[test]
    fn declarations_change_only_before_the_inward_office() {
        use DeclarationStatus::*;
        assert_eq!(Draft.move_to(Submitted, false), Ok(Submitted));
        assert_eq!(Submitted.move_to(Amended, false), Ok(Amended));
        assert_eq!(Amended.move_to(Cancelled, false), Ok(Cancelled));
        let e = Submitted.move_to(Cancelled, true).unwrap_err();
        assert!(e.rule.contains("inward office of exchange"));
        assert!(Cancelled.move_to(Submitted, false).is_err());
        assert!(Submitted.move_to(Draft, false).is_err());
        assert!(Location::AtInwardOe.reached_inward());
        assert!(!Location::LeftOutwardOe.reached_inward());
    }

    #[test]
    fn the_post_waits_for_customs_and_payment() {
        use CustomsStatus as C;
        use Location::*;
        use PaymentStatus as P;
        let e = WithCustoms
            .move_to(LeftInwardOe, C::Presented, P::NotDue)
            .unwrap_err();
        assert_eq!(e.rule, "customs has not released the parcel");
        assert_eq!(
            WithCustoms.move_to(LeftInwardOe, C::Released, P::Due),
            Ok(LeftInwardOe)
        );
        let e = OutForDelivery
            .move_to(Delivered, C::Released, P::Due)
            .unwrap_err();
        assert_eq!(e.rule, "duty or tax is still to be paid");
        assert_eq!(
            OutForDelivery.move_to(Delivered, C::Released, P::Paid),
            Ok(Delivered)
        );
        assert!(WithCustoms
            .move_to(ReturningToSender, C::Presented, P::NotDue)
            .is_err());
        assert_eq!(
            WithCustoms.move_to(ReturningToSender, C::ReturnOrdered, P::NotDue),
            Ok(ReturningToSender)
        );
        assert_eq!(
            DeliveryFailed.move_to(ReturningToSender, C::Released, P::Due),
            Ok(ReturningToSender)
        );
        assert!(Delivered
            .move_to(OutForDelivery, C::Released, P::Paid)
            .is_err());
        assert_eq!(Location::Delivered.upu_code(), Some("EMI"));
    }

    #[test]
    fn payment_moves() {
        use PaymentStatus::*;
        assert_eq!(Due.move_to(Paid), Ok(Paid));
        assert_eq!(Paid.move_to(Refunded), Ok(Refunded));
        assert!(Paid.move_to(Due).is_err());
        assert!(Waived.move_to(Paid).is_err());
        assert!(!Due.allows_delivery());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn customs() -> impl Strategy<Value = CustomsStatus> {
        prop::sample::select(CustomsStatus::ALL.to_vec())
    }

    proptest! {
        /// Along any sequence of attempted moves, the state only ever takes
        /// allowed steps, and nothing leaves a final state.
        #[test]
        fn customs_walks_only_allowed_steps(start in customs(), moves in prop::collection::vec(customs(), 0..30)) {
            let mut s = start;
            for to in moves {
                match s.move_to(to) {
                    Ok(next) => {
                        prop_assert!(s.allowed().contains(&next));
                        prop_assert!(!s.is_final());
                        s = next;
                    }
                    Err(r) => prop_assert_eq!(r.from, s.to_string()),
                }
            }
        }

        /// The post never delivers while something is due, whatever the path.
        #[test]
        fn never_delivered_while_due(from in prop::sample::select(Location::ALL.to_vec()), c in customs()) {
            let r = from.move_to(Location::Delivered, c, PaymentStatus::Due);
            prop_assert!(r.is_err());
        }
    }
}
