//! Goods on a declaration: HS tariff codes, currencies, money in integer
//! minor units, weights in grams, and decimal amounts as people type them.
use serde::{Deserialize, Serialize};
use std::fmt;

use super::FieldError;

/// A Harmonized System code: 6 to 10 digits (typed with or without dots
/// and spaces: `6109.10` is `610910`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HsCode(String);

impl HsCode {
    pub fn parse(field: &str, raw: &str) -> Result<HsCode, FieldError> {
        let digits: String = raw
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '-'))
            .collect();
        if digits.is_empty() {
            return Err(FieldError::new(field, "required"));
        }
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new(field, "hs_code_digits"));
        }
        if !(6..=10).contains(&digits.len()) {
            return Err(FieldError::new(
                field,
                &format!("hs_code_length:{}", digits.len()),
            ));
        }
        Ok(HsCode(digits))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The 6-digit HS subheading (the same worldwide).
    pub fn subheading(&self) -> &str {
        &self.0[..6]
    }
    /// The 2-digit chapter.
    pub fn chapter(&self) -> &str {
        &self.0[..2]
    }
}

impl fmt::Display for HsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 4217 currency, from the maintained ISO list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn parse(field: &str, raw: &str) -> Result<Currency, FieldError> {
        let code = raw.trim().to_uppercase();
        if code.is_empty() {
            return Err(FieldError::new(field, "required"));
        }
        iso_currency::Currency::from_code(&code)
            .filter(|c| c.exponent().is_some())
            .map(Currency)
            .ok_or_else(|| FieldError::new(field, "currency_invalid"))
    }
    pub fn code(&self) -> String {
        self.0.code().to_owned()
    }
    /// Digits after the decimal point (EUR 2, JPY 0, BHD 3).
    pub fn exponent(&self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(2))
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse("currency", &s).map_err(|e| e.code)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code()
    }
}

/// An amount in integer minor units (cents) with its currency; never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// `12.5` EUR → 1250; more decimals than the currency has are refused.
    pub fn parse(field: &str, raw: &str, currency: Currency) -> Result<Money, FieldError> {
        let minor = parse_decimal(field, raw, currency.exponent(), "amount")?;
        Ok(Money { minor, currency })
    }
}

impl fmt::Display for Money {
    /// `EUR 1,234.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.currency.code(),
            format_decimal(self.minor, self.currency.exponent())
        )
    }
}

/// A decimal as typed (`1234.5`, `1 234,50`, `1,234.50`) to an integer with
/// `scale` implied decimals. A comma is the decimal mark when it is the only
/// mark and is followed by 1 to `scale` digits (`12,5`); otherwise commas
/// and spaces group thousands. Negative numbers and too many decimals are
/// refused; `kind` names the message (`amount`, `weight`, `quantity`).
pub fn parse_decimal(field: &str, raw: &str, scale: u32, kind: &str) -> Result<i64, FieldError> {
    let mut s: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    if s.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if !s.contains('.') {
        if let Some((_, frac)) = s.rsplit_once(',') {
            if s.matches(',').count() == 1
                && !frac.is_empty()
                && frac.len() <= scale as usize
                && frac.len() != 3
            {
                s = s.replace(',', ".");
            }
        }
    }
    let s = s.replace(',', "");
    if s.starts_with('-') {
        return Err(FieldError::new(field, &format!("{kind}_negative")));
    }
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(FieldError::new(field, &format!("{kind}_invalid")));
    }
    if frac.len() > scale as usize {
        return Err(FieldError::new(field, &format!("{kind}_decimals:{scale}")));
    }
    let int: i64 = if int.is_empty() {
        0
    } else {
        int.parse()
            .map_err(|_| FieldError::new(field, &format!("{kind}_too_large")))?
    };
    let mut frac_val: i64 = 0;
    for i in 0..scale as usize {
        let d = frac
            .as_bytes()
            .get(i)
            .map(|b| i64::from(b - b'0'))
            .unwrap_or(0);
        frac_val = frac_val * 10 + d;
    }
    int.checked_mul(10i64.pow(scale))
        .and_then(|v| v.checked_add(frac_val))
        .filter(|v| *v <= 1_000_000_000_000_000)
        .ok_or_else(|| FieldError::new(field, &format!("{kind}_too_large")))
}

/// An integer with `scale` implied decimals, with thousands separators:
/// `format_decimal(123450, 2)` is `1,234.50`.
pub fn format_decimal(value: i64, scale: u32) -> String {
    let neg = value < 0;
    let v = value.unsigned_abs();
    let div = 10u64.pow(scale);
    let int = (v / div).to_string();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if neg { "-" } else { "" };
    if scale == 0 {
        format!("{sign}{grouped}")
    } else {
        format!(
            "{sign}{grouped}.{:0width$}",
            v % div,
            width = scale as usize
        )
    }
}

/// Weights are whole grams; typed in kilograms with up to 3 decimals.
pub fn parse_kg(field: &str, raw: &str) -> Result<i64, FieldError> {
    parse_decimal(field, raw, 3, "weight")
}

/// `1250` g → `1.25 kg`.
pub fn format_kg(grams: i64) -> String {
    let s = format_decimal(grams, 3);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} kg")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("c", "eur").unwrap()
    }

    #[test]
    fn hs_codes_are_6_to_10_digits() {
        assert_eq!(HsCode::parse("h", "6109.10").unwrap().as_str(), "610910");
        assert_eq!(
            HsCode::parse("h", "6109 10 00 10").unwrap().as_str(),
            "6109100010"
        );
        let h = HsCode::parse("h", "85171300").unwrap();
        assert_eq!((h.chapter(), h.subheading()), ("85", "851713"));
        assert_eq!(HsCode::parse("h", "").unwrap_err().code, "required");
        assert_eq!(
            HsCode::parse("h", "6109").unwrap_err().code,
            "hs_code_length:4"
        );
        assert_eq!(
            HsCode::parse("h", "61091000101").unwrap_err().code,
            "hs_code_length:11"
        );
        assert_eq!(
            HsCode::parse("h", "61O910").unwrap_err().code,
            "hs_code_digits"
        );
    }

    #[test]
    fn currencies_come_from_the_iso_list() {
        assert_eq!(eur().code(), "EUR");
        assert_eq!(eur().exponent(), 2);
        assert_eq!(Currency::parse("c", "JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("c", "BHD").unwrap().exponent(), 3);
        assert_eq!(
            Currency::parse("c", "EURO").unwrap_err().code,
            "currency_invalid"
        );
        assert_eq!(
            Currency::parse("c", "XXX").unwrap_err().code,
            "currency_invalid"
        );
        let json = serde_json::to_string(&Money::new(1250, eur())).unwrap();
        assert_eq!(json, r#"{"minor":1250,"currency":"EUR"}"#);
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"ABC"}"#).is_err());
    }

    #[test]
    fn amounts_are_exact_integers() {
        let p = |s: &str| {
            Money::parse("v", s, eur())
                .map(|m| m.minor)
                .map_err(|e| e.code)
        };
        assert_eq!(p("12.5"), Ok(1250));
        assert_eq!(p("0.10"), Ok(10));
        assert_eq!(p(".5"), Ok(50));
        assert_eq!(p("1,234.50"), Ok(123450));
        assert_eq!(p("1 234,50"), Ok(123450));
        assert_eq!(p("12,5"), Ok(1250));
        assert_eq!(p("1,234"), Ok(123400));
        assert_eq!(p("150.01"), Ok(15001));
        assert_eq!(p("0.001"), Err("amount_decimals:2".into()));
        assert_eq!(p("-3"), Err("amount_negative".into()));
        assert_eq!(p("abc"), Err("amount_invalid".into()));
        assert_eq!(p("."), Err("amount_invalid".into()));
        assert_eq!(p(""), Err("required".into()));
        assert_eq!(p("99999999999999999999"), Err("amount_too_large".into()));
        let jpy = Currency::parse("c", "JPY").unwrap();
        assert_eq!(Money::parse("v", "1500", jpy).unwrap().minor, 1500);
        assert!(Money::parse("v", "1500.5", jpy).is_err());
    }

    #[test]
    fn amounts_and_weights_print_plainly() {
        assert_eq!(Money::new(123450, eur()).to_string(), "EUR 1,234.50");
        assert_eq!(Money::new(5, eur()).to_string(), "EUR 0.05");
        assert_eq!(format_decimal(-1000, 2), "-10.00");
        assert_eq!(format_decimal(1500, 0), "1,500");
        assert_eq!(parse_kg("w", "1.25"), Ok(1250));
        assert_eq!(parse_kg("w", "0.001"), Ok(1));
        assert_eq!(
            parse_kg("w", "0.0005").unwrap_err().code,
            "weight_decimals:3"
        );
        assert_eq!(format_kg(1250), "1.25 kg");
        assert_eq!(format_kg(2000), "2 kg");
        assert_eq!(format_kg(5), "0.005 kg");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// What is printed parses back to the same integer, for every scale.
        #[test]
        fn decimals_round_trip(value in 0i64..1_000_000_000_000, scale in 0u32..4) {
            let printed = format_decimal(value, scale);
            prop_assert_eq!(parse_decimal("v", &printed, scale, "amount"), Ok(value));
        }

        /// Parsing never panics and never returns a negative amount.
        #[test]
        fn parsing_anything_is_safe(s in ".{0,24}") {
            if let Ok(v) = parse_decimal("v", &s, 2, "amount") {
                prop_assert!(v >= 0);
            }
        }
    }
}
