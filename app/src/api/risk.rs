//! Risk rules of a customs administration, kept by its supervisors: list,
//! create and edit (a new rule starts disabled), back-test against recent
//! declarations, enable and disable; every change in the audit log. Officers
//! see the scored parcels of their country.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

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

#[server(endpoint = "risk/rules")]
pub async fn list_rules() -> Result<Vec<RuleView>, AppError> {
    crate::api::respond::reply(server::list().await)
}

#[server(endpoint = "risk/rules/get")]
pub async fn get_rule(rule_id: i64) -> Result<RuleView, AppError> {
    crate::api::respond::reply(server::get(rule_id).await)
}

/// Creates (no `rule_id`) or changes a rule; a new rule is disabled until
/// back-tested and enabled.
#[server(endpoint = "risk/rules/save")]
pub async fn save_rule(rule_id: Option<i64>, rule: RuleForm) -> Result<i64, AppError> {
    let result = server::save(rule_id, &rule).await;
    let back = match rule_id {
        Some(id) => format!("/customs/rules/{id}"),
        None => "/customs/rules".to_owned(),
    };
    crate::api::respond::finish_form(result, |id| format!("/customs/rules/{id}?saved=1"), &back)
}

#[server(endpoint = "risk/rules/enable")]
pub async fn enable_rule(rule_id: i64, enabled: bool) -> Result<(), AppError> {
    let result = server::enable(rule_id, enabled).await;
    let page = format!("/customs/rules/{rule_id}");
    crate::api::respond::finish_form(result, |_| format!("{page}?enabled={enabled}"), &page)
}

#[server(endpoint = "risk/backtest")]
pub async fn backtest_rule(rule_id: i64, last: Option<i64>) -> Result<Backtest, AppError> {
    crate::api::respond::reply(server::backtest(rule_id, last).await)
}

#[server(endpoint = "risk/parcels")]
pub async fn scored_parcels(lane: Option<String>) -> Result<Vec<ScoredParcel>, AppError> {
    crate::api::respond::reply(server::parcels(lane).await)
}

#[server(endpoint = "risk/lists")]
pub async fn customs_lists() -> Result<SupervisorLists, AppError> {
    crate::api::respond::reply(server::lists().await)
}

#[server(endpoint = "risk/settings/save")]
pub async fn save_lane_settings(
    yellow_from: String,
    red_from: String,
    auto_preclear_green: Option<String>,
) -> Result<(), AppError> {
    let result =
        server::save_settings(&yellow_from, &red_from, auto_preclear_green.is_some()).await;
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=settings".into(),
        "/customs/lists",
    )
}

#[server(endpoint = "risk/watchlist/add")]
pub async fn add_watch(
    name: String,
    country: String,
    action: String,
    note: String,
) -> Result<i64, AppError> {
    let result = server::add_watch(&name, &country, &action, &note).await;
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=watchlist".into(),
        "/customs/lists",
    )
}

#[server(endpoint = "risk/watchlist/remove")]
pub async fn remove_watch(entry_id: i64) -> Result<(), AppError> {
    let result = server::remove_watch(entry_id).await;
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=watchlist".into(),
        "/customs/lists",
    )
}

#[server(endpoint = "risk/reasons/save")]
pub async fn save_reason(code: String, label: String) -> Result<(), AppError> {
    let result = server::save_reason(&code, &label).await;
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=reasons".into(),
        "/customs/lists",
    )
}

#[server(endpoint = "risk/reasons/active")]
pub async fn set_reason_active(reason_id: i64, active: bool) -> Result<(), AppError> {
    let result = server::reason_active(reason_id, active).await;
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=reasons".into(),
        "/customs/lists",
    )
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::{
        Backtest, Moved, RuleForm, RuleView, ScoredParcel, BACKTEST_DEFAULT, BACKTEST_MAX,
    };
    use crate::api::guard::{require, state};
    use crate::db::{audit, clearance as store, on_db};
    use crate::domain::account::{CurrentUser, FieldError, Role};
    use crate::domain::declaration::{self, Context, DeclarationInput};
    use crate::domain::goods::{format_decimal, parse_decimal, Currency};
    use crate::domain::org::CountryCode;
    use crate::domain::risk::{Lane, RiskCategory, RiskInput, Rule, RuleKind, RuleSet};
    use crate::domain::tariff::Validity;
    use crate::error::{AppError, AppResult};
    use time::Date;

    /// Supervisors keep the rules of their own country.
    async fn supervisor() -> AppResult<(CurrentUser, String)> {
        let user = require(&[Role::CustomsSupervisor]).await?;
        let admin = user.country_code.clone().ok_or(AppError::Forbidden)?;
        Ok((user, admin))
    }

    use crate::domain::tariff::{day_text, parse_day as date};

    /// The rule a form describes, or every problem with it.
    pub fn from_form(admin: &str, id: i64, f: &RuleForm) -> Result<Rule, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = f.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("rule.name", "required"));
        } else if name.chars().count() > 120 {
            errors.push(FieldError::new("rule.name", "too_long"));
        }
        let weight = match f.weight.trim().parse::<i32>() {
            Ok(w) if (-1000..=1000).contains(&w) => w,
            _ => {
                errors.push(FieldError::new("rule.weight", "number_invalid"));
                0
            }
        };
        let category = RiskCategory::parse(&f.category).unwrap_or_else(|| {
            errors.push(FieldError::new("rule.category", "invalid"));
            RiskCategory::Fiscal
        });
        let from = if f.valid_from.trim().is_empty() {
            Some(crate::db::now().date())
        } else {
            date(&f.valid_from)
        };
        let from = from.unwrap_or_else(|| {
            errors.push(FieldError::new("rule.valid_from", "date_invalid"));
            Date::MIN
        });
        let to = if f.valid_to.trim().is_empty() {
            None
        } else {
            match date(&f.valid_to) {
                Some(t) if t > from => Some(t),
                Some(_) => {
                    errors.push(FieldError::new("rule.valid_to", "range_reversed"));
                    None
                }
                None => {
                    errors.push(FieldError::new("rule.valid_to", "date_invalid"));
                    None
                }
            }
        };
        let prefix = || {
            let p: String = f
                .prefix
                .chars()
                .filter(|c| !matches!(c, '.' | ' '))
                .collect();
            if p.len() < 2 || p.len() > 10 || !p.chars().all(|c| c.is_ascii_digit()) {
                Err(FieldError::new("rule.prefix", "hs_code_digits"))
            } else {
                Ok(p)
            }
        };
        let kind = match f.kind.as_str() {
            "hs_prefix" => prefix().map(|prefix| RuleKind::HsPrefix { prefix }),
            "origin" => CountryCode::parse("rule.country", &f.country).map(|c| RuleKind::Origin {
                country: c.as_str().to_owned(),
            }),
            "keyword" => {
                let words: Vec<String> = f
                    .words
                    .split([',', '\n', ';'])
                    .map(|w| w.trim().to_lowercase())
                    .filter(|w| !w.is_empty())
                    .collect();
                if words.is_empty() {
                    Err(FieldError::new("rule.words", "required"))
                } else if words.len() > 200 {
                    Err(FieldError::new("rule.words", "too_long"))
                } else {
                    Ok(RuleKind::Keyword { words })
                }
            }
            "value_per_kg_below" => {
                let currency = Currency::parse("rule.currency", &f.currency);
                match (prefix(), currency) {
                    (Ok(hs_prefix), Ok(currency)) => parse_decimal(
                        "rule.min_per_kg",
                        &f.min_per_kg,
                        currency.exponent(),
                        "amount",
                    )
                    .map(|min| RuleKind::ValuePerKgBelow {
                        hs_prefix,
                        min_per_kg_minor: min,
                        currency,
                    }),
                    (Err(e), _) | (_, Err(e)) => Err(e),
                }
            }
            "random" => {
                parse_decimal("rule.rate_percent", &f.rate_percent, 4, "amount").and_then(|r| {
                    if r > 0 && r <= 1_000_000 {
                        Ok(RuleKind::Random { rate_ppm: r })
                    } else {
                        Err(FieldError::new("rule.rate_percent", "number_invalid"))
                    }
                })
            }
            "watchlist" => Ok(RuleKind::Watchlist),
            "gift_by_merchant" => Ok(RuleKind::GiftByMerchant),
            "hs_implausible" => Ok(RuleKind::HsImplausible),
            "late_data" => Ok(RuleKind::LateData),
            _ => Err(FieldError::new("rule.kind", "invalid")),
        };
        let kind = kind.map_err(|e| errors.push(e)).ok();
        match kind {
            Some(kind) if errors.is_empty() => Ok(Rule {
                id,
                administration: admin.to_owned(),
                name: name.to_owned(),
                kind,
                weight,
                category,
                enabled: false,
                valid: Validity { from, to },
            }),
            _ => Err(errors),
        }
    }

    /// The form of a stored rule.
    pub fn to_view(r: &Rule) -> RuleView {
        let mut f = RuleForm {
            name: r.name.clone(),
            kind: r.kind.name().to_owned(),
            weight: r.weight.to_string(),
            category: r.category.as_str().to_owned(),
            valid_from: day_text(r.valid.from),
            valid_to: r.valid.to.map(day_text).unwrap_or_default(),
            ..Default::default()
        };
        let summary = match &r.kind {
            RuleKind::HsPrefix { prefix } => {
                f.prefix = prefix.clone();
                prefix.clone()
            }
            RuleKind::Origin { country } => {
                f.country = country.clone();
                country.clone()
            }
            RuleKind::Keyword { words } => {
                f.words = words.join(", ");
                f.words.clone()
            }
            RuleKind::ValuePerKgBelow {
                hs_prefix,
                min_per_kg_minor,
                currency,
            } => {
                f.prefix = hs_prefix.clone();
                f.min_per_kg =
                    format_decimal(*min_per_kg_minor, currency.exponent()).replace(',', "");
                f.currency = currency.code();
                format!("{hs_prefix} < {} {}/kg", currency.code(), f.min_per_kg)
            }
            RuleKind::Random { rate_ppm } => {
                f.rate_percent = format_decimal(*rate_ppm, 4);
                format!("{} %", f.rate_percent)
            }
            _ => String::new(),
        };
        RuleView {
            id: r.id,
            enabled: r.enabled,
            form: f,
            summary,
        }
    }

    pub async fn list() -> AppResult<Vec<RuleView>> {
        let (_, admin) = supervisor().await?;
        let rules = store::rules(&state()?.db, &admin).await?;
        Ok(rules.iter().map(to_view).collect())
    }

    async fn own_rule(admin: &str, id: i64) -> AppResult<Rule> {
        store::rules(&state()?.db, admin)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(AppError::NotFound)
    }

    pub async fn get(id: i64) -> AppResult<RuleView> {
        let (_, admin) = supervisor().await?;
        Ok(to_view(&own_rule(&admin, id).await?))
    }

    pub async fn save(id: Option<i64>, form: &RuleForm) -> AppResult<i64> {
        let (user, admin) = supervisor().await?;
        let state = state()?;
        let before = match id {
            Some(id) => Some(own_rule(&admin, id).await?),
            None => None,
        };
        let mut rule = from_form(&admin, id.unwrap_or(0), form).map_err(AppError::validation)?;
        // An edit keeps the rule's switch; a new rule starts disabled.
        rule.enabled = before.as_ref().is_some_and(|b| b.enabled);
        let mut tx = state.db.begin().await?;
        let id = match id {
            Some(id) => {
                store::update_rule(&mut tx, &rule).await?;
                id
            }
            None => {
                store::insert_rule(
                    &mut tx,
                    &store::NewRule {
                        administration: &admin,
                        name: &rule.name,
                        kind: &rule.kind,
                        weight: rule.weight,
                        category: rule.category,
                        enabled: false,
                        valid: rule.valid,
                        by: Some(user.id),
                    },
                )
                .await?
            }
        };
        rule.id = id;
        let action = if before.is_some() {
            "risk_rule.update"
        } else {
            "risk_rule.create"
        };
        audit::record(
            &mut tx,
            &user,
            action,
            "risk_rule",
            id,
            before.as_ref(),
            Some(&rule),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = user.id, rule = id, action, "risk rule saved");
        Ok(id)
    }

    pub async fn enable(id: i64, enabled: bool) -> AppResult<()> {
        let (user, admin) = supervisor().await?;
        let state = state()?;
        let before = own_rule(&admin, id).await?;
        let mut after = before.clone();
        after.enabled = enabled;
        let mut tx = state.db.begin().await?;
        store::update_rule(&mut tx, &after).await?;
        let action = if enabled {
            "risk_rule.enable"
        } else {
            "risk_rule.disable"
        };
        audit::record(
            &mut tx,
            &user,
            action,
            "risk_rule",
            id,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Scores the last `last` declarations to the supervisor's country with
    /// the rules in force, and again with rule `id` enabled too.
    pub async fn backtest(id: i64, last: Option<i64>) -> AppResult<Backtest> {
        let (_, admin) = supervisor().await?;
        let state = state()?;
        let last = last.unwrap_or(BACKTEST_DEFAULT).clamp(1, BACKTEST_MAX);
        let rule = own_rule(&admin, id).await?;
        let risk = state.engine.risk_data(&state.db, &admin).await?;
        let data = state.engine.regime_data(&state.db).await?;
        let today = crate::db::now().date();
        let others: Vec<Rule> = risk.rules.iter().filter(|r| r.id != id).cloned().collect();
        let mut with = others.clone();
        with.push(Rule {
            enabled: true,
            ..rule.clone()
        });
        let before_set = RuleSet::new(&others, &risk.watchlist, risk.bands, today);
        let after_set = RuleSet::new(&with, &risk.watchlist, risk.bands, today);
        let rows: Vec<(String, String)> = on_db!(&state.db, |p| sqlx::query_as(
            "select p.item_id, d.input_json from parcels p
             join declarations d on d.id = p.declaration_id
             where p.destination_country = $1
             order by p.id desc limit $2"
        )
        .bind(&admin)
        .bind(last)
        .fetch_all(p)
        .await)?;
        let lane_index = |l: Lane| match l {
            Lane::Green => 0,
            Lane::Yellow => 1,
            Lane::Red => 2,
        };
        let mut out = Backtest::default();
        for (item, json) in rows {
            let Ok(input) = serde_json::from_str::<DeclarationInput>(&json) else {
                continue;
            };
            // Stored declarations passed every rule when submitted; the
            // SDR rate only chooses CN22 or CN23, which scoring ignores.
            let Ok(d) = declaration::validate(
                &input,
                &Context {
                    by_merchant: true,
                    units_per_sdr_micro: Some(1_000_000),
                },
            ) else {
                continue;
            };
            let input = |set: &RuleSet| {
                set.score(
                    &RiskInput {
                        declaration: &d,
                        item_id: &item,
                        by_merchant: true,
                        late: false,
                        day: today,
                    },
                    &data,
                )
            };
            let (b, a) = (input(&before_set), input(&after_set));
            out.considered += 1;
            if a.hits.iter().any(|h| h.rule_id == id) {
                out.hits += 1;
            }
            out.before[lane_index(b.lane)] += 1;
            out.after[lane_index(a.lane)] += 1;
            if b.lane != a.lane && out.moved.len() < 20 {
                out.moved.push(Moved {
                    item_id: item,
                    before: b.lane.as_str().to_owned(),
                    after: a.lane.as_str().to_owned(),
                });
            }
        }
        Ok(out)
    }

    pub async fn lists() -> AppResult<super::SupervisorLists> {
        let (_, admin) = supervisor().await?;
        let db = &state()?.db;
        let (bands, auto) = store::settings(db, &admin).await?;
        Ok(super::SupervisorLists {
            settings: super::LaneSettings {
                yellow_from: bands.yellow_from,
                red_from: bands.red_from,
                auto_preclear_green: auto,
            },
            watchlist: store::watchlist_rows(db, &admin)
                .await?
                .into_iter()
                .map(|w| super::WatchView {
                    id: w.id,
                    name: w.name,
                    country: w.country,
                    action: w.action,
                    note: w.note,
                })
                .collect(),
            reasons: store::reason_codes(db, &admin)
                .await?
                .into_iter()
                .map(|r| super::ReasonView {
                    id: r.id,
                    code: r.code,
                    label: r.label,
                    active: r.active,
                })
                .collect(),
        })
    }

    pub async fn save_settings(yellow: &str, red: &str, auto: bool) -> AppResult<()> {
        let (user, admin) = supervisor().await?;
        let mut errors = Vec::new();
        let yellow = yellow
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|v| (1..=10_000).contains(v));
        let red = red
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|v| (1..=10_000).contains(v));
        if yellow.is_none() {
            errors.push(FieldError::new("yellow_from", "number_invalid"));
        }
        if red.is_none() {
            errors.push(FieldError::new("red_from", "number_invalid"));
        }
        let (Some(yellow), Some(red)) = (yellow, red) else {
            return Err(AppError::validation(errors));
        };
        if red <= yellow {
            return Err(AppError::field("red_from", "range_reversed"));
        }
        let db = &state()?.db;
        let before = store::settings(db, &admin).await?;
        let bands = crate::domain::risk::Bands {
            yellow_from: yellow,
            red_from: red,
        };
        let mut tx = db.begin().await?;
        store::save_settings(&mut tx, &admin, bands, auto).await?;
        audit::record(
            &mut tx,
            &user,
            "risk_settings.update",
            "risk_settings",
            &admin,
            Some(&before),
            Some(&(bands, auto)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_watch(name: &str, country: &str, action: &str, note: &str) -> AppResult<i64> {
        let (user, admin) = supervisor().await?;
        let mut errors = Vec::new();
        let name = name.trim();
        if crate::domain::risk::normalise_name(name).is_empty() {
            errors.push(FieldError::new("name", "required"));
        } else if name.chars().count() > 200 {
            errors.push(FieldError::new("name", "too_long"));
        }
        let country = country.trim().to_uppercase();
        if !country.is_empty() && CountryCode::parse("country", &country).is_err() {
            errors.push(FieldError::new("country", "country_invalid"));
        }
        let action = crate::domain::risk::WatchAction::parse(action);
        if action.is_none() {
            errors.push(FieldError::new("action", "invalid"));
        }
        if note.chars().count() > 500 {
            errors.push(FieldError::new("note", "too_long"));
        }
        let Some(action) = action.filter(|_| errors.is_empty()) else {
            return Err(AppError::validation(errors));
        };
        let entry = crate::domain::risk::WatchEntry {
            id: 0,
            administration: admin.clone(),
            name: name.to_owned(),
            country,
            action,
        };
        let db = &state()?.db;
        let mut tx = db.begin().await?;
        let id = store::insert_watch(&mut tx, &entry, note.trim()).await?;
        audit::record(
            &mut tx,
            &user,
            "watchlist.add",
            "watchlist",
            id,
            None::<&()>,
            Some(&entry),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn remove_watch(id: i64) -> AppResult<()> {
        let (user, admin) = supervisor().await?;
        let db = &state()?.db;
        let mut tx = db.begin().await?;
        let before = store::delete_watch(&mut tx, &admin, id).await?;
        audit::record(
            &mut tx,
            &user,
            "watchlist.remove",
            "watchlist",
            id,
            Some(&before),
            None::<&()>,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn save_reason(code: &str, label: &str) -> AppResult<()> {
        let (user, admin) = supervisor().await?;
        let code = code.trim().to_uppercase().replace([' ', '-'], "_");
        let label = label.trim();
        let mut errors = Vec::new();
        if code.is_empty()
            || code.len() > 40
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            errors.push(FieldError::new("code", "invalid"));
        }
        if label.is_empty() {
            errors.push(FieldError::new("label", "required"));
        } else if label.chars().count() > 200 {
            errors.push(FieldError::new("label", "too_long"));
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let db = &state()?.db;
        let mut tx = db.begin().await?;
        let (before, after) = store::save_reason_code(&mut tx, &admin, &code, label).await?;
        audit::record(
            &mut tx,
            &user,
            "reason_code.save",
            "reason_code",
            after.id,
            before.as_ref(),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn reason_active(id: i64, active: bool) -> AppResult<()> {
        let (user, admin) = supervisor().await?;
        let db = &state()?.db;
        let mut tx = db.begin().await?;
        let (before, after) = store::set_reason_active(&mut tx, &admin, id, active).await?;
        audit::record(
            &mut tx,
            &user,
            "reason_code.active",
            "reason_code",
            id,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest scored parcels to the officer's country, optionally of one
    /// lane.
    pub async fn parcels(lane: Option<String>) -> AppResult<Vec<ScoredParcel>> {
        let user = require(&[Role::CustomsOfficer, Role::CustomsSupervisor]).await?;
        let country = user.country_code.clone().ok_or(AppError::Forbidden)?;
        let lane = lane.filter(|l| !l.is_empty());
        if lane.as_deref().is_some_and(|l| Lane::parse(l).is_none()) {
            return Err(AppError::field("lane", "invalid"));
        }
        let db = &state()?.db;
        Ok(on_db!(db, |p| sqlx::query_as::<_, ScoredParcel>(
            "select p.id, p.item_id, p.customs_status, p.lane, s.score, d.summary, p.version
             from parcels p
             join declarations d on d.id = p.declaration_id
             left join risk_scores s on s.parcel_id = p.id and s.current
             where p.destination_country = $1 and ($2 is null or p.lane = $2)
             order by p.id desc limit 100"
        )
        .bind(&country)
        .bind(lane.as_deref())
        .fetch_all(p)
        .await)?)
    }
}
