//! A merchant company's profile: the sender printed on its declarations,
//! and the origin and currency new declarations start with.
use crate::db;
use crate::domain::declaration::{self, Context, DeclarationInput};
use crate::domain::goods::Currency;
use crate::domain::org::CountryCode;
use crate::domain::parcel_view::CompanyProfile;
use crate::error::{AppError, AppResult, OrInternal};
use crate::ops::Caller;
use crate::state::AppState;

/// The caller's company profile.
pub async fn profile(state: &AppState, caller: &Caller) -> AppResult<CompanyProfile> {
    let (_, company) = caller.merchant()?;
    load(state, company).await
}

/// The profile of `company` (for operations that already checked the caller).
pub(crate) async fn load(state: &AppState, company: i64) -> AppResult<CompanyProfile> {
    Ok(match db::company::profile(&state.db, company).await? {
        Some((sender, origin, currency, cross_border_platform)) => CompanyProfile {
            sender: serde_json::from_str(&sender).map_err(|e| {
                tracing::error!(error = %e, organisation = company, "stored sender is not valid");
                AppError::Internal
            })?,
            default_origin: origin,
            default_currency: currency,
            cross_border_platform,
        },
        None => CompanyProfile {
            default_currency: "EUR".into(),
            ..Default::default()
        },
    })
}

/// Saves the caller's company profile; the sender must be complete enough to
/// print on a declaration.
pub async fn save(state: &AppState, caller: &Caller, p: CompanyProfile) -> AppResult<()> {
    let (_, company) = caller.merchant()?;
    let mut errors = Vec::new();
    let probe = DeclarationInput {
        sender: p.sender.clone(),
        ..Default::default()
    };
    if let Err(all) = declaration::validate(
        &probe,
        &Context {
            by_merchant: true,
            units_per_sdr_micro: Some(1),
        },
    ) {
        errors.extend(all.into_iter().filter(|e| e.field.starts_with("sender.")));
    }
    let origin = if p.default_origin.trim().is_empty() {
        String::new()
    } else {
        CountryCode::parse("default_origin", &p.default_origin)
            .map_err(|e| errors.push(e))
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default()
    };
    let currency = Currency::parse("default_currency", &p.default_currency)
        .map_err(|e| errors.push(e))
        .map(|c| c.code())
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut sender = p.sender;
    sender.country = sender.country.trim().to_uppercase();
    let json = serde_json::to_string(&sender).or_internal("serialising the company sender")?;
    let mut tx = state.db.begin().await?;
    db::company::save_profile(
        &mut tx,
        company,
        &json,
        &origin,
        &currency,
        p.cross_border_platform,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
