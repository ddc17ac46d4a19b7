//! UPU S10 item identifiers: two letters (service indicator), an 8-digit
//! serial, a check digit, and the ISO 3166-1 alpha-2 country of the issuing
//! post, e.g. `RR123456785CN`.
use serde::{Deserialize, Serialize};
use std::fmt;

/// First letters of the service indicators the portal accepts: parcels (C),
/// EMS (E), e-commerce parcels (H), tracked letters (L), registered (R),
/// insured (V), other (U).
pub const SERVICE_LETTERS: &[u8] = b"CEHLRVU";

const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];

/// A valid S10 item id, upper-case, 13 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ItemId(String);

/// What is wrong with an item id, precisely enough to tell the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemIdError {
    Empty,
    /// Not 13 characters (after trimming).
    Length {
        found: usize,
    },
    /// The first two characters must be letters, the first one a known service.
    ServiceIndicator {
        found: String,
    },
    /// Characters 3–11 must be digits.
    Digits {
        found: String,
    },
    /// The 11th character does not match the serial.
    CheckDigit {
        expected: u8,
        found: u8,
    },
    /// The last two characters must be an ISO 3166-1 alpha-2 country.
    Country {
        found: String,
    },
    /// The serial must fit in 8 digits.
    Serial {
        found: u64,
    },
}

impl ItemIdError {
    /// The message key (and its parameters after `:`) a form shows.
    pub fn code(&self) -> String {
        match self {
            ItemIdError::Empty => "required".into(),
            ItemIdError::Length { found } => format!("item_id_length:{found}"),
            ItemIdError::ServiceIndicator { found } => format!("item_id_service:{found}"),
            ItemIdError::Digits { found } => format!("item_id_digits:{found}"),
            ItemIdError::CheckDigit { expected, found } => {
                format!("item_id_check_digit:{expected}:{found}")
            }
            ItemIdError::Country { found } => format!("item_id_country:{found}"),
            ItemIdError::Serial { found } => format!("item_id_serial:{found}"),
        }
    }
}

impl fmt::Display for ItemIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemIdError::Empty => write!(f, "the item id is empty"),
            ItemIdError::Length { found } => {
                write!(f, "an item id has 13 characters, this one has {found}")
            }
            ItemIdError::ServiceIndicator { found } => write!(
                f,
                "an item id starts with two letters, the first one of C, E, H, L, R, U, V (found {found:?})"
            ),
            ItemIdError::Digits { found } => {
                write!(f, "characters 3 to 11 must be 9 digits (found {found:?})")
            }
            ItemIdError::CheckDigit { expected, found } => write!(
                f,
                "the check digit is wrong: expected {expected} for this serial, found {found}"
            ),
            ItemIdError::Country { found } => write!(
                f,
                "an item id ends with the issuing post's country code (found {found:?})"
            ),
            ItemIdError::Serial { found } => {
                write!(f, "a serial has at most 8 digits (found {found})")
            }
        }
    }
}

impl std::error::Error for ItemIdError {}

/// The S10 check digit of an 8-digit serial: weights 8,6,4,2,3,5,9,7;
/// 11 − (sum mod 11), with 10 → 0 and 11 → 5.
pub fn check_digit(serial: u32) -> u8 {
    let digits = format!("{serial:08}");
    let sum: u32 = digits
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c as u8,
    }
}

fn is_country(code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && celes::Country::from_alpha2(code).is_ok()
}

impl ItemId {
    /// Parses an id as typed: surrounding spaces and inner spaces are
    /// dropped, letters upper-cased, then every part checked.
    pub fn parse(raw: &str) -> Result<ItemId, ItemIdError> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if s.is_empty() {
            return Err(ItemIdError::Empty);
        }
        let c: Vec<char> = s.chars().collect();
        if c.len() != 13 {
            return Err(ItemIdError::Length { found: c.len() });
        }
        let part = |r: std::ops::Range<usize>| c[r].iter().collect::<String>();
        let (service, digits, country) = (part(0..2), part(2..11), part(11..13));
        if !c[0..2].iter().all(char::is_ascii_uppercase) || !SERVICE_LETTERS.contains(&(c[0] as u8))
        {
            return Err(ItemIdError::ServiceIndicator { found: service });
        }
        if !c[2..11].iter().all(char::is_ascii_digit) {
            return Err(ItemIdError::Digits { found: digits });
        }
        if !is_country(&country) {
            return Err(ItemIdError::Country { found: country });
        }
        let serial: u32 = digits[..8].parse().expect("eight digits");
        let expected = check_digit(serial);
        let found = c[10] as u8 - b'0';
        if expected != found {
            return Err(ItemIdError::CheckDigit { expected, found });
        }
        Ok(ItemId(s))
    }

    /// Makes the id of `serial` for a service indicator and issuing country.
    pub fn generate(service: &str, serial: u64, country: &str) -> Result<ItemId, ItemIdError> {
        if serial > 99_999_999 {
            return Err(ItemIdError::Serial { found: serial });
        }
        let serial = serial as u32;
        let id = format!(
            "{}{serial:08}{}{}",
            service.trim().to_uppercase(),
            check_digit(serial),
            country.trim().to_uppercase()
        );
        ItemId::parse(&id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn service(&self) -> &str {
        &self.0[0..2]
    }
    pub fn serial(&self) -> u32 {
        self.0[2..10].parse().expect("checked at parse")
    }
    pub fn country(&self) -> &str {
        &self.0[11..13]
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ItemId {
    type Error = ItemIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ItemId::parse(&s)
    }
}

impl From<ItemId> for String {
    fn from(id: ItemId) -> String {
        id.0
    }
}

impl std::str::FromStr for ItemId {
    type Err = ItemIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ItemId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_examples_of_the_standard() {
        // S = 204, 204 mod 11 = 6, C = 5.
        assert_eq!(check_digit(12345678), 5);
        assert_eq!(
            ItemId::parse("RR123456785CN").unwrap().as_str(),
            "RR123456785CN"
        );
        // C = 10 → 0 and C = 11 → 5.
        assert_eq!(check_digit(8), 0);
        assert!(ItemId::parse("RR000000080CN").is_ok());
        assert_eq!(check_digit(15), 5);
        assert!(ItemId::parse("RR000000155CN").is_ok());
    }

    #[test]
    fn typing_is_forgiven_but_nothing_else() {
        let id = ItemId::parse("  rr 1234 5678 5 cn ").unwrap();
        assert_eq!(id.as_str(), "RR123456785CN");
        assert_eq!(
            (id.service(), id.serial(), id.country()),
            ("RR", 12345678, "CN")
        );
    }

    #[test]
    fn each_problem_is_named() {
        assert_eq!(ItemId::parse(""), Err(ItemIdError::Empty));
        assert_eq!(
            ItemId::parse("RR12345678CN"),
            Err(ItemIdError::Length { found: 12 })
        );
        assert_eq!(
            ItemId::parse("RR1234567855CN"),
            Err(ItemIdError::Length { found: 14 })
        );
        assert_eq!(
            ItemId::parse("R1123456785CN"),
            Err(ItemIdError::ServiceIndicator { found: "R1".into() })
        );
        assert_eq!(
            ItemId::parse("ZZ123456785CN"),
            Err(ItemIdError::ServiceIndicator { found: "ZZ".into() })
        );
        assert_eq!(
            ItemId::parse("RR12345A785CN"),
            Err(ItemIdError::Digits {
                found: "12345A785".into()
            })
        );
        assert_eq!(
            ItemId::parse("RR123456784CN"),
            Err(ItemIdError::CheckDigit {
                expected: 5,
                found: 4
            })
        );
        assert_eq!(
            ItemId::parse("RR123456785XX"),
            Err(ItemIdError::Country { found: "XX".into() })
        );
        assert_eq!(
            ItemId::parse("RR1234567851N"),
            Err(ItemIdError::Country { found: "1N".into() })
        );
        assert_eq!(
            ItemId::parse("RR12345678ÉCN"),
            Err(ItemIdError::Digits {
                found: "12345678É".into()
            })
        );
        assert_eq!(
            ItemId::parse("ÉR123456785CN"),
            Err(ItemIdError::ServiceIndicator {
                found: "ÉR".into()
            })
        );
        assert_eq!(
            ItemId::parse("RR123456784CN").unwrap_err().code(),
            "item_id_check_digit:5:4"
        );
        assert!(ItemId::parse("RR123456784CN")
            .unwrap_err()
            .to_string()
            .contains("expected 5"));
    }

    #[test]
    fn generated_ids_are_valid_for_every_serial_and_round_trip() {
        for serial in (0..100_000_000u64)
            .step_by(9_973)
            .chain([0, 8, 15, 99_999_999])
        {
            let id = ItemId::generate("LX", serial, "fr").unwrap();
            assert_eq!(id.serial() as u64, serial);
            assert_eq!(ItemId::parse(id.as_str()), Ok(id.clone()));
            // Any other check digit is refused.
            let good = id.as_str().as_bytes()[10];
            for d in b'0'..=b'9' {
                if d != good {
                    let mut bad = id.as_str().as_bytes().to_vec();
                    bad[10] = d;
                    let bad = String::from_utf8(bad).unwrap();
                    assert!(
                        matches!(ItemId::parse(&bad), Err(ItemIdError::CheckDigit { .. })),
                        "{bad}"
                    );
                }
            }
        }
        assert_eq!(
            ItemId::generate("LX", 100_000_000, "FR"),
            Err(ItemIdError::Serial { found: 100_000_000 })
        );
        assert!(ItemId::generate("L", 1, "FR").is_err());
    }

    #[test]
    fn serde_checks_too() {
        let id: ItemId = serde_json::from_str("\"RR123456785CN\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"RR123456785CN\"");
        assert!(serde_json::from_str::<ItemId>("\"RR123456784CN\"").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any serial, service and country make an id that parses back to itself.
        #[test]
        fn generated_ids_round_trip(serial in 0u64..=99_999_999, first in prop::sample::select(SERVICE_LETTERS.to_vec()), second in b'A'..=b'Z', country in prop::sample::select(vec!["FR", "CN", "GB", "US", "DE", "JP"])) {
            let service = format!("{}{}", first as char, second as char);
            let id = ItemId::generate(&service, serial, country).unwrap();
            prop_assert_eq!(ItemId::parse(&id.as_str().to_lowercase()), Ok(id.clone()));
            prop_assert_eq!(id.serial() as u64, serial);
        }

        /// Changing any one digit of a valid id is caught, except where the
        /// standard's check digit cannot tell: it maps both 5 and 11 to 5,
        /// so two serials whose sums differ that way share a check digit.
        #[test]
        fn one_wrong_digit_is_caught_but_for_the_standards_blind_spot(serial in 0u64..=99_999_999, pos in 2usize..11, delta in 1u8..10) {
            let id = ItemId::generate("RR", serial, "FR").unwrap();
            let mut b = id.as_str().as_bytes().to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(b).unwrap();
            if let Ok(accepted) = ItemId::parse(&typo) {
                prop_assert!(pos < 10, "a changed check digit is always caught");
                prop_assert_eq!(check_digit(serial as u32), 5);
                prop_assert_eq!(check_digit(accepted.serial()), 5);
            }
        }

        /// Parsing never panics, whatever is typed.
        #[test]
        fn parsing_anything_never_panics(s in ".{0,20}") {
            let _ = ItemId::parse(&s);
        }
    }
}
