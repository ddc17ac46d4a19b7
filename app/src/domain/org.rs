//! Organisations and offices.
use serde::{Deserialize, Serialize};
use std::str::FromStr;

use super::FieldError;

/// An organisation as lists and forms show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Organisation {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub country_code: String,
    pub office_count: i64,
    pub user_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Office {
    pub id: i64,
    pub organisation_id: i64,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub postcode: String,
    /// An office of exchange: the customs office that clears the parcels
    /// arriving there (its officers work on them).
    #[serde(default)]
    pub customs_office_id: Option<i64>,
}

/// An office with the customs offices of its country (an office of
/// exchange chooses the one that clears its parcels).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeEdit {
    pub office: Office,
    pub customs_offices: Vec<Office>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A merchant's company.
    Company,
    /// The designated postal operator of a country.
    Post,
    /// The customs administration of a country.
    Customs,
}

impl OrgKind {
    pub const ALL: [OrgKind; 3] = [OrgKind::Company, OrgKind::Post, OrgKind::Customs];
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Company => "company",
            OrgKind::Post => "post",
            OrgKind::Customs => "customs",
        }
    }
    /// Posts and customs administrations are one per country.
    pub fn one_per_country(self) -> bool {
        !matches!(self, OrgKind::Company)
    }
    /// The kinds of office this organisation may have.
    pub fn office_kinds(self) -> &'static [OfficeKind] {
        match self {
            OrgKind::Company => &[],
            OrgKind::Post => &[OfficeKind::Exchange, OfficeKind::Delivery],
            OrgKind::Customs => &[OfficeKind::Customs],
        }
    }
}

impl FromStr for OrgKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown organisation kind `{s}`"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeKind {
    /// A postal office of exchange (where international mail enters or leaves).
    Exchange,
    /// A postal delivery office.
    Delivery,
    /// A customs office.
    Customs,
}

impl OfficeKind {
    pub const ALL: [OfficeKind; 3] = [
        OfficeKind::Exchange,
        OfficeKind::Delivery,
        OfficeKind::Customs,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            OfficeKind::Exchange => "exchange",
            OfficeKind::Delivery => "delivery",
            OfficeKind::Customs => "customs",
        }
    }
}

impl FromStr for OfficeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OfficeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown office kind `{s}`"))
    }
}

/// An ISO 3166-1 alpha-2 country code, checked against the ISO list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_uppercase();
        if code.is_empty() {
            return Err(FieldError::new(field, "required"));
        }
        match celes::Country::from_alpha2(&code) {
            Ok(_) => Ok(CountryCode(code)),
            Err(_) => Err(FieldError::new(field, "country_invalid")),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The country's English short name, for display.
    pub fn name(code: &str) -> String {
        celes::Country::from_alpha2(code)
            .map(|c| c.long_name.to_string())
            .unwrap_or_else(|_| code.to_owned())
    }
}

/// An office code: UPU office-of-exchange codes are six characters
/// (country, city, function); we accept 2–12 letters and digits.
pub fn check_office_code(raw: &str) -> Result<String, FieldError> {
    let code = raw.trim().to_uppercase();
    if code.is_empty() {
        Err(FieldError::new("code", "required"))
    } else if (2..=12).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(code)
    } else {
        Err(FieldError::new("code", "office_code_invalid"))
    }
}

/// An office's postcode: optional, at most 20 characters once trimmed.
pub fn check_postcode(raw: &str) -> Result<String, FieldError> {
    let postcode = raw.trim();
    if postcode.chars().count() > 20 {
        Err(FieldError::new("postcode", "too_long"))
    } else {
        Ok(postcode.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_come_from_the_iso_list() {
        assert_eq!(CountryCode::parse("c", " fr ").unwrap().as_str(), "FR");
        assert_eq!(
            CountryCode::parse("c", "XX").unwrap_err().code,
            "country_invalid"
        );
        assert_eq!(CountryCode::parse("c", "").unwrap_err().code, "required");
        assert_eq!(
            CountryCode::parse("c", "FRA").unwrap_err().code,
            "country_invalid"
        );
    }

    #[test]
    fn office_codes() {
        assert_eq!(check_office_code("frcdga").unwrap(), "FRCDGA");
        assert!(check_office_code("F").is_err());
        assert!(check_office_code("FR-CDG").is_err());
    }

    #[test]
    fn postcodes_are_trimmed_and_bounded() {
        assert_eq!(check_postcode("  75015 ").unwrap(), "75015");
        assert_eq!(check_postcode("").unwrap(), "");
        assert_eq!(
            check_postcode(&"9".repeat(21)).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>().unwrap(), k);
        }
        for k in OfficeKind::ALL {
            assert_eq!(k.as_str().parse::<OfficeKind>().unwrap(), k);
        }
        assert!(OrgKind::Post.one_per_country());
        assert!(!OrgKind::Company.one_per_country());
    }
}

/// An organisation with its offices, for the edit page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationDetail {
    pub organisation: Organisation,
    pub offices: Vec<Office>,
}

/// What the staff form offers: the organisations and offices the caller may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffFormChoices {
    pub roles: Vec<String>,
    pub organisations: Vec<Organisation>,
    pub offices: Vec<Office>,
}
