//! What customs officers and supervisors see of parcels.
use serde::{Deserialize, Serialize};

/// A scored parcel, for customs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ScoredParcel {
    pub id: i64,
    pub item_id: String,
    pub customs_status: String,
    pub lane: Option<String>,
    pub score: Option<i64>,
    pub summary: String,
    pub version: i64,
}

/// A rule as its pages show and edit it (parameters as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleForm {
    pub name: String,
    pub kind: String,
    pub weight: String,
    pub category: String,
    pub valid_from: String,
    pub valid_to: String,
    /// HS prefix (hs_prefix, value_per_kg_below).
    pub prefix: String,
    /// Origin country (origin).
    pub country: String,
    /// Keywords, one per line or comma separated (keyword).
    pub words: String,
    /// Reference value per kilogram, and its currency (value_per_kg_below).
    pub min_per_kg: String,
    pub currency: String,
    /// Selection rate in percent (random).
    pub rate_percent: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    pub id: i64,
    pub enabled: bool,
    pub form: RuleForm,
    /// The parameters in one line, for tables.
    pub summary: String,
}

/// How a rule would have changed the lanes of recent declarations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backtest {
    pub considered: i64,
    /// Declarations the rule fires on.
    pub hits: i64,
    /// Green, yellow, red without the rule, and with it.
    pub before: [i64; 3],
    pub after: [i64; 3],
    /// Parcels whose lane would change (the first few).
    pub moved: Vec<Moved>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub item_id: String,
    pub before: String,
    pub after: String,
}

/// A watchlist entry as the supervisor's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchView {
    pub id: i64,
    pub name: String,
    pub country: String,
    pub action: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonView {
    pub id: i64,
    pub code: String,
    pub label: String,
    pub active: bool,
}

/// Lane bands and the green-lane policy of an administration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneSettings {
    pub yellow_from: i32,
    pub red_from: i32,
    pub auto_preclear_green: bool,
}

/// Everything on the supervisor's lists page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisorLists {
    pub settings: LaneSettings,
    pub watchlist: Vec<WatchView>,
    pub reasons: Vec<ReasonView>,
}

pub const BACKTEST_DEFAULT: i64 = 500;
pub const BACKTEST_MAX: i64 = 20_000;

/// The parcels a customs user works on: an officer those cleared at their
/// own customs office (the offices of exchange it serves), a supervisor
/// every parcel to their country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub country: String,
    /// The officer's customs office; `None` for a supervisor.
    pub office: Option<i64>,
}

impl Scope {
    /// The scope of an officer or supervisor (`None`: not customs, or an
    /// account without its country or office).
    pub fn of(user: &super::account::CurrentUser) -> Option<Scope> {
        use super::account::Role;
        let country = user.country_code.clone()?;
        match user.role {
            Role::CustomsSupervisor => Some(Scope {
                country,
                office: None,
            }),
            Role::CustomsOfficer => Some(Scope {
                country,
                office: Some(user.office_id?),
            }),
            _ => None,
        }
    }

    /// Whether a parcel to `destination`, cleared by customs office
    /// `cleared_at` (that of its inward office of exchange), is this
    /// scope's.
    pub fn covers(&self, destination: &str, cleared_at: Option<i64>) -> bool {
        destination == self.country && self.office.is_none_or(|o| cleared_at == Some(o))
    }
}
