//! The clearance engine in the server: the regime data and each customs
//! administration's rules, cached per process and reloaded when their
//! version in the database changes; scoring and assessing submissions.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use time::Date;

use crate::db::{self, clearance as store, Db};
use crate::domain::assess::{assess, recipient_key, Annual, AssessInput, Assessment, Payer};
use crate::domain::declaration::Declaration;
use crate::domain::risk::{Bands, RiskInput, RiskResult, Rule, RuleSet, WatchEntry};
use crate::domain::tariff::{territory_of, RegimeData};
use crate::error::OrInternal;
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
        let (bands, auto_preclear_green) = db::customs::settings(db, administration).await?;
        let data = Arc::new(RiskData {
            rules: db::customs::rules(db, administration).await?,
            watchlist: db::customs::watchlist(db, administration).await?,
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
    let rows = crate::regimes::seed_rows().map_err(|(file, problems)| {
        tracing::error!(file, ?problems, "regime seed file");
        AppError::Internal
    })?;
    let mut tx = db.begin().await?;
    store::insert_seed(&mut tx, &rows).await?;
    tx.commit().await?;
    tracing::info!(rows = rows.len(), "regime data seeded");
    Ok(true)
}

/// A parcel's risk score and assessment, and the policy of its
/// administration.
#[derive(Debug, Clone)]
pub struct Cleared {
    pub risk: RiskResult,
    pub assessment: Assessment,
    pub auto_preclear: bool,
    /// Under a regime with an annual limit: what this parcel counts.
    pub annual: Option<Annual>,
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
    /// The merchant sells through a registered cross-border platform.
    cbec_platform: bool,
    /// Each recipient's total so far this year under an annual limit, as
    /// loaded by [`Engine::load_year_totals`] and raised by every parcel
    /// cleared since.
    year_totals: Mutex<HashMap<String, i64>>,
}

/// Loads the engine for a merchant's parcels to `destinations` on `day`
/// (`cbec_platform`: the merchant sells through a registered cross-border
/// e-commerce platform).
pub async fn prepare(
    db: &Db,
    cache: &EngineCache,
    mut destinations: Vec<String>,
    day: Date,
    cbec_platform: bool,
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
    Ok(Engine {
        data,
        sets,
        day,
        cbec_platform,
        year_totals: Mutex::new(HashMap::new()),
    })
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
        let key = self.has_annual_limit(admin).then(|| recipient_key(d));
        // Only parcels under an annual limit share the running totals.
        let mut totals = match key {
            Some(_) => Some(
                self.year_totals
                    .lock()
                    .or_internal("annual totals lock poisoned")?,
            ),
            None => None,
        };
        let so_far = key
            .as_ref()
            .zip(totals.as_ref())
            .and_then(|(k, t)| t.get(k).copied());
        let assessment = assess(
            &AssessInput {
                declaration: d,
                destination: admin,
                day: self.day,
                by_merchant: true,
                cbec_platform: self.cbec_platform,
                year_to_date_minor: so_far.unwrap_or(0),
            },
            &self.data,
        );
        let annual = key.zip(totals.as_mut()).map(|(recipient_key, totals)| {
            let counted_minor = assessment.annual_counted();
            *totals.entry(recipient_key.clone()).or_insert(0) += counted_minor;
            Annual {
                recipient_key,
                year: self.day.year(),
                counted_minor,
            }
        });
        Ok(Cleared {
            risk,
            assessment,
            auto_preclear: *auto,
            annual,
        })
    }

    /// Takes back what a parcel cleared earlier counted against its
    /// recipient's annual limit (it is being cleared again).
    pub fn forget(&self, c: &Cleared) -> AppResult<()> {
        if let Some(a) = &c.annual {
            let mut totals = self
                .year_totals
                .lock()
                .or_internal("annual totals lock poisoned")?;
            if let Some(t) = totals.get_mut(&a.recipient_key) {
                *t -= a.counted_minor;
            }
        }
        Ok(())
    }

    /// The destination's regime today has an annual limit per recipient.
    fn has_annual_limit(&self, destination: &str) -> bool {
        self.data
            .regime(territory_of(destination), self.day)
            .is_some_and(|r| r.cbec.is_some())
    }

    /// Loads this year's totals of the recipients of `declarations` whose
    /// destination has an annual limit, leaving out parcel `except` (one
    /// being reassessed), in the writing transaction (which keeps them
    /// until it ends).
    pub async fn load_year_totals(
        &self,
        tx: &mut crate::db::Tx,
        declarations: &[&Declaration],
        except: Option<i64>,
    ) -> AppResult<()> {
        let mut keys: Vec<String> = declarations
            .iter()
            .filter(|d| self.has_annual_limit(&d.addressee.country))
            .map(|d| recipient_key(d))
            .collect();
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            return Ok(());
        }
        let found = store::year_totals(tx, &keys, self.day.year(), except).await?;
        let mut totals = self
            .year_totals
            .lock()
            .or_internal("annual totals lock poisoned")?;
        for k in keys {
            let v = found.get(&k).copied().unwrap_or(0);
            totals.insert(k, v);
        }
        Ok(())
    }

    pub fn day(&self) -> Date {
        self.day
    }
}
