//! A merchant company's profile: the sender printed on its declarations
//! and its defaults.
use super::{now, on_db, on_tx, Db, Tx};
use crate::error::AppResult;

/// The sender (JSON), default origin, default currency and whether the
/// company sells through a registered cross-border platform.
pub async fn profile(db: &Db, org: i64) -> AppResult<Option<(String, String, String, bool)>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as::<_, (String, String, String, bool)>(
            "select sender_json, default_origin, default_currency, cross_border_platform
         from company_profiles where organisation_id = $1",
        )
        .bind(org)
        .fetch_optional(p)
        .await
    })?)
}

pub async fn save_profile(
    tx: &mut Tx,
    org: i64,
    sender_json: &str,
    origin: &str,
    currency: &str,
    cross_border_platform: bool,
) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "insert into company_profiles (organisation_id, sender_json, default_origin,
                                       default_currency, cross_border_platform, updated_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (organisation_id) do update set sender_json = excluded.sender_json,
             default_origin = excluded.default_origin,
             default_currency = excluded.default_currency,
             cross_border_platform = excluded.cross_border_platform,
             updated_at = excluded.updated_at"
    )
    .bind(org)
    .bind(sender_json)
    .bind(origin)
    .bind(currency)
    .bind(cross_border_platform)
    .bind(now())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}
