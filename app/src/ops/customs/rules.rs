//! Risk rules of a customs administration, kept by its supervisors: list,
//! create and edit (a new rule starts disabled), back-test against recent
//! declarations, enable and disable; lane bands, the green-lane policy, the
//! watchlist and the decision reason codes. Every change is audited.
//! Officers see the scored parcels of their country.
use crate::db::{audit, customs as store};
use crate::domain::account::{CurrentUser, Role};
use crate::domain::customs::{
    Backtest, LaneSettings, Moved, ReasonView, RuleForm, RuleView, ScoredParcel, SupervisorLists,
    WatchView, BACKTEST_DEFAULT, BACKTEST_MAX,
};
use crate::domain::declaration::{self, Context, DeclarationInput};
use crate::domain::goods::{format_decimal, parse_decimal, Currency};
use crate::domain::org::CountryCode;
use crate::domain::risk::{Lane, RiskCategory, RiskInput, Rule, RuleKind, RuleSet};
use crate::domain::tariff::Validity;
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};
use crate::ops::Caller;
use crate::state::AppState;
use time::Date;

/// Supervisors keep the rules of their own country.
fn supervisor(caller: &Caller) -> AppResult<(&CurrentUser, String)> {
    let user = caller.require(&[Role::CustomsSupervisor])?;
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
            f.min_per_kg = format_decimal(*min_per_kg_minor, currency.exponent()).replace(',', "");
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

pub async fn list(state: &AppState, caller: &Caller) -> AppResult<Vec<RuleView>> {
    let (_, admin) = supervisor(caller)?;
    let rules = store::rules(&state.db, &admin).await?;
    Ok(rules.iter().map(to_view).collect())
}

async fn own_rule(state: &AppState, admin: &str, id: i64) -> AppResult<Rule> {
    store::rules(&state.db, admin)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)
}

pub async fn get(state: &AppState, caller: &Caller, id: i64) -> AppResult<RuleView> {
    let (_, admin) = supervisor(caller)?;
    Ok(to_view(&own_rule(state, &admin, id).await?))
}

pub async fn save(
    state: &AppState,
    caller: &Caller,
    id: Option<i64>,
    form: &RuleForm,
) -> AppResult<i64> {
    let (user, admin) = supervisor(caller)?;
    let before = match id {
        Some(id) => Some(own_rule(state, &admin, id).await?),
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
        user,
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

pub async fn enable(state: &AppState, caller: &Caller, id: i64, enabled: bool) -> AppResult<()> {
    let (user, admin) = supervisor(caller)?;
    let before = own_rule(state, &admin, id).await?;
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
        user,
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
pub async fn backtest(
    state: &AppState,
    caller: &Caller,
    id: i64,
    last: Option<i64>,
) -> AppResult<Backtest> {
    let (_, admin) = supervisor(caller)?;
    let last = last.unwrap_or(BACKTEST_DEFAULT).clamp(1, BACKTEST_MAX);
    let rule = own_rule(state, &admin, id).await?;
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
    let rows = store::latest_declarations(&state.db, &admin, last).await?;
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

pub async fn lists(state: &AppState, caller: &Caller) -> AppResult<SupervisorLists> {
    let (_, admin) = supervisor(caller)?;
    let db = &state.db;
    let (bands, auto) = store::settings(db, &admin).await?;
    Ok(SupervisorLists {
        settings: LaneSettings {
            yellow_from: bands.yellow_from,
            red_from: bands.red_from,
            auto_preclear_green: auto,
        },
        watchlist: store::watchlist_rows(db, &admin)
            .await?
            .into_iter()
            .map(|w| WatchView {
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
            .map(|r| ReasonView {
                id: r.id,
                code: r.code,
                label: r.label,
                active: r.active,
            })
            .collect(),
    })
}

pub async fn save_settings(
    state: &AppState,
    caller: &Caller,
    yellow: &str,
    red: &str,
    auto: bool,
) -> AppResult<()> {
    let (user, admin) = supervisor(caller)?;
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
    let db = &state.db;
    let before = store::settings(db, &admin).await?;
    let bands = crate::domain::risk::Bands {
        yellow_from: yellow,
        red_from: red,
    };
    let mut tx = db.begin().await?;
    store::save_settings(&mut tx, &admin, bands, auto).await?;
    audit::record(
        &mut tx,
        user,
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

pub async fn add_watch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    country: &str,
    action: &str,
    note: &str,
) -> AppResult<i64> {
    let (user, admin) = supervisor(caller)?;
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
    let db = &state.db;
    let mut tx = db.begin().await?;
    let id = store::insert_watch(&mut tx, &entry, note.trim()).await?;
    audit::record(
        &mut tx,
        user,
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

pub async fn remove_watch(state: &AppState, caller: &Caller, id: i64) -> AppResult<()> {
    let (user, admin) = supervisor(caller)?;
    let db = &state.db;
    let mut tx = db.begin().await?;
    let before = store::delete_watch(&mut tx, &admin, id).await?;
    audit::record(
        &mut tx,
        user,
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

pub async fn save_reason(
    state: &AppState,
    caller: &Caller,
    code: &str,
    label: &str,
) -> AppResult<()> {
    let (user, admin) = supervisor(caller)?;
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
    let db = &state.db;
    let mut tx = db.begin().await?;
    let (before, after) = store::save_reason_code(&mut tx, &admin, &code, label).await?;
    audit::record(
        &mut tx,
        user,
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

pub async fn reason_active(
    state: &AppState,
    caller: &Caller,
    id: i64,
    active: bool,
) -> AppResult<()> {
    let (user, admin) = supervisor(caller)?;
    let db = &state.db;
    let mut tx = db.begin().await?;
    let (before, after) = store::set_reason_active(&mut tx, &admin, id, active).await?;
    audit::record(
        &mut tx,
        user,
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
pub async fn parcels(
    state: &AppState,
    caller: &Caller,
    lane: Option<String>,
) -> AppResult<Vec<ScoredParcel>> {
    let user = caller.require(&[Role::CustomsOfficer, Role::CustomsSupervisor])?;
    let scope = crate::domain::customs::Scope::of(user).ok_or(AppError::Forbidden)?;
    let lane = lane.filter(|l| !l.is_empty());
    if lane.as_deref().is_some_and(|l| Lane::parse(l).is_none()) {
        return Err(AppError::field("lane", "invalid"));
    }
    store::scored_parcels(&state.db, &scope, lane.as_deref()).await
}
