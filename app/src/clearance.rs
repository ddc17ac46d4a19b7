//! The clearance engine in the server: the regime data and each customs
//! administration's rules, cached per process and reloaded when their
//! version in the database changes; scoring and assessing submissions.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use time::Date;

use crate::db::{clearance as store, Db};
use crate::domain::assess::{assess, AssessInput, Assessment, Payer};
use crate::domain::declaration::Declaration;
use crate::domain::risk::{Bands, RiskInput, RiskResult, Rule, RuleSet, WatchEntry};
use crate::domain::tariff::RegimeData;
use crate::error::{AppError, AppResult};

/// One administration's risk data.
#[derive(Debug, Clone)]
pub struct RiskData {
    pub rules: Vec<Rule>,
    pub watchlist: Vec<WatchEntry>,
    pub bands: Bands,
    pub auto_preclear_green: bool,
}

type Cached<T> = Arc<RwLock<HashMap<String, (i64, Arc<T>)>>>;

#[derive(Clone, Default)]
pub struct EngineCache {
    regimes: Cached<RegimeData>,
    risk: Cached<RiskData>,
}

fn cached<T>(cache: &Cached<T>, key: &str, version: i64) -> Option<Arc<T>> {
    let map = cache.read().ok()?;
    let (v, data) = map.get(key)?;
    (*v == version).then(|| data.clone())
}

fn keep<T>(cache: &Cached<T>, key: &str, version: i64, data: Arc<T>) {
    if let Ok(mut map) = cache.write() {
        map.insert(key.to_owned(), (version, data));
    }
}

impl EngineCache {
    pub async fn regime_data(&self, db: &Db) -> AppResult<Arc<RegimeData>> {
        let version = store::version(db, "regimes").await?;
        if let Some(d) = cached(&self.regimes, "", version) {
            return Ok(d);
        }
        let data = Arc::new(store::load_regime_data(db).await?);
        keep(&self.regimes, "", version, data.clone());
        Ok(data)
    }

    pub async fn risk_data(&self, db: &Db, administration: &str) -> AppResult<Arc<RiskData>> {
        let name = format!("risk:{administration}");
        let version = store::version(db, &name).await?;
        if let Some(d) = cached(&self.risk, administration, version) {
            return Ok(d);
        }
        let (bands, auto_preclear_green) = store::settings(db, administration).await?;
        let data = Arc::new(RiskData {
            rules: store::rules(db, administration).await?,
            watchlist: store::watchlist(db, administration).await?,
            bands,
            auto_preclear_green,
        });
        keep(&self.risk, administration, version, data.clone());
        Ok(data)
    }
}

/// Loads the seed files into an empty database (at start-up).
pub async fn ensure_seeded(db: &Db) -> AppResult<bool> {
    if store::has_regimes(db).await? {
        return Ok(false);
    }
    let seed = crate::regimes::seed().map_err(|(file, problems)| {
        tracing::error!(file, ?problems, "regime seed file");
        AppError::Internal
    })?;
    let mut tx = db.begin().await?;
    store::insert_seed(&mut tx, &seed).await?;
    tx.commit().await?;
    tracing::info!(
        regimes = seed.regimes.len(),
        tariff_lines = seed.tariff.len(),
        "regime data seeded"
    );
    Ok(true)
}

/// A parcel's risk score and assessment, and the policy of its
/// administration.
#[derive(Debug, Clone)]
pub struct Cleared {
    pub risk: RiskResult,
    pub assessment: Assessment,
    pub auto_preclear: bool,
}

impl Cleared {
    /// The recipient owes something before delivery.
    pub fn due(&self) -> bool {
        self.assessment.payer == Payer::Recipient && self.assessment.total_minor > 0
    }
}

/// Everything scoring and assessing needs for a set of destinations,
/// loaded before the writing transaction opens (so no connection is held
/// while another is awaited).
pub struct Engine {
    data: Arc<RegimeData>,
    sets: HashMap<String, (RuleSet, bool)>,
    day: Date,
}

/// Loads the engine for `destinations` on `day`.
pub async fn prepare(
    db: &Db,
    cache: &EngineCache,
    mut destinations: Vec<String>,
    day: Date,
) -> AppResult<Engine> {
    destinations.sort();
    destinations.dedup();
    let data = cache.regime_data(db).await?;
    let mut sets = HashMap::new();
    for admin in destinations {
        let r = cache.risk_data(db, &admin).await?;
        sets.insert(
            admin,
            (
                RuleSet::new(&r.rules, &r.watchlist, r.bands, day),
                r.auto_preclear_green,
            ),
        );
    }
    Ok(Engine { data, sets, day })
}

impl Engine {
    /// Scores and assesses a parcel (each by the administration of its
    /// destination country, which must have been prepared).
    pub fn clear(&self, d: &Declaration, item_id: &str) -> AppResult<Cleared> {
        let admin = d.addressee.country.as_str();
        let (set, auto) = self.sets.get(admin).ok_or_else(|| {
            tracing::error!(admin, "engine not prepared for this destination");
            AppError::Internal
        })?;
        let risk = set.score(
            &RiskInput {
                declaration: d,
                item_id,
                by_merchant: true,
                late: false,
                day: self.day,
            },
            &self.data,
        );
        let assessment = assess(
            &AssessInput {
                declaration: d,
                destination: admin,
                day: self.day,
                by_merchant: true,
                year_to_date_minor: 0,
            },
            &self.data,
        );
        Ok(Cleared {
            risk,
            assessment,
            auto_preclear: *auto,
        })
    }

    pub fn day(&self) -> Date {
        self.day
    }
}
