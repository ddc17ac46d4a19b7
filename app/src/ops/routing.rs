//! Admins keep the routing of parcels: the inward office of exchange of
//! each destination (by country, optionally by postcode prefix), and the UPU
//! S10 serial ranges of posts and of their merchants. Audited.
use crate::db::{self, audit};
use crate::domain::account::Role;
use crate::domain::org::CountryCode;
use crate::domain::routing::{RangeRow, RoutingData};
use crate::domain::s10::SERVICE_LETTERS;
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};
use crate::ops::Caller;
use crate::state::AppState;

pub async fn routing(state: &AppState, caller: &Caller) -> AppResult<RoutingData> {
    caller.require(&[Role::Admin])?;
    let db = &state.db;
    let orgs = db::orgs::list_orgs(db, None).await?;
    let offices = db::orgs::list_offices(db, None).await?;
    let org_name = |id: i64| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    Ok(RoutingData {
        routes: db::routing::list_routes(db).await?,
        ranges: db::ranges::list_ranges(db).await?,
        exchange_offices: offices
            .iter()
            .filter(|o| o.kind == "exchange")
            .map(|o| {
                (
                    o.id,
                    format!("{} – {} ({})", org_name(o.organisation_id), o.name, o.code),
                )
            })
            .collect(),
        posts: orgs
            .iter()
            .filter(|o| o.kind == "post")
            .map(|o| (o.id, format!("{} ({})", o.name, o.country_code)))
            .collect(),
        companies: orgs
            .iter()
            .filter(|o| o.kind == "company")
            .map(|o| (o.id, format!("{} ({})", o.name, o.country_code)))
            .collect(),
    })
}

pub async fn create_route(
    state: &AppState,
    caller: &Caller,
    country: &str,
    prefix: &str,
    office_id: Option<i64>,
) -> AppResult<i64> {
    let user = caller.require(&[Role::Admin])?;
    let db = &state.db;
    let mut errors = Vec::new();
    let country = CountryCode::parse("country_code", country)
        .map_err(|e| errors.push(e))
        .ok();
    let prefix: String = prefix
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if prefix.len() > 10 || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(FieldError::new("postcode_prefix", "invalid"));
    }
    let office = match office_id {
        None => {
            errors.push(FieldError::new("office_id", "required"));
            None
        }
        Some(id) => match db::orgs::get_office(db, id).await {
            Ok(o) if o.kind == "exchange" => Some(o),
            Ok(_) | Err(AppError::NotFound) => {
                errors.push(FieldError::new("office_id", "office_wrong_kind"));
                None
            }
            Err(e) => return Err(e),
        },
    };
    if let (Some(c), Some(o)) = (&country, &office) {
        let org = db::orgs::get_org(db, o.organisation_id).await?;
        if org.country_code != c.as_str() {
            errors.push(FieldError::new("office_id", "office_not_in_country"));
        }
    }
    let (Some(country), Some(office), true) = (country, office, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let mut tx = db.begin().await?;
    let id = db::routing::insert_route(&mut tx, country.as_str(), &prefix, office.id).await?;
    let after = serde_json::json!({"id": id, "country_code": country.as_str(), "postcode_prefix": prefix, "office_id": office.id, "office_code": office.code});
    audit::record(
        &mut tx,
        user,
        "route.create",
        "route",
        id,
        None::<&()>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_route(state: &AppState, caller: &Caller, id: i64) -> AppResult<()> {
    let user = caller.require(&[Role::Admin])?;
    let db = &state.db;
    let before = db::routing::route(db, id).await?;
    let mut tx = db.begin().await?;
    db::routing::delete_route(&mut tx, id).await?;
    audit::record(
        &mut tx,
        user,
        "route.delete",
        "route",
        id,
        Some(&before),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create_range(
    state: &AppState,
    caller: &Caller,
    post_id: Option<i64>,
    company_id: Option<i64>,
    service: &str,
    first: &str,
    last: &str,
) -> AppResult<i64> {
    let user = caller.require(&[Role::Admin])?;
    let db = &state.db;
    let mut errors = Vec::new();
    let service = service.trim().to_uppercase();
    let sb = service.as_bytes();
    if sb.len() != 2 || !sb.iter().all(u8::is_ascii_uppercase) || !SERVICE_LETTERS.contains(&sb[0])
    {
        errors.push(FieldError::new(
            "service",
            &format!("item_id_service:{service}"),
        ));
    }
    let serial = |field: &str, raw: &str, errors: &mut Vec<FieldError>| -> Option<i64> {
        match raw.trim().parse::<i64>() {
            Ok(n) if (0..=99_999_999).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(field, "serial_invalid"));
                None
            }
        }
    };
    let first = serial("first_serial", first, &mut errors);
    let last = serial("last_serial", last, &mut errors);
    if let (Some(f), Some(l)) = (first, last) {
        if l < f {
            errors.push(FieldError::new("last_serial", "range_reversed"));
        }
    }
    let post = match post_id {
        Some(id) => match db::orgs::get_org(db, id).await {
            Ok(o) if o.kind == "post" => Some(o),
            Ok(_) | Err(AppError::NotFound) => {
                errors.push(FieldError::new("post_id", "organisation_wrong_kind"));
                None
            }
            Err(e) => return Err(e),
        },
        None => {
            errors.push(FieldError::new("post_id", "required"));
            None
        }
    };
    if let Some(c) = company_id {
        match db::orgs::get_org(db, c).await {
            Ok(o) if o.kind == "company" => {}
            Ok(_) | Err(AppError::NotFound) => {
                errors.push(FieldError::new("company_id", "organisation_wrong_kind"))
            }
            Err(e) => return Err(e),
        }
    }
    let (Some(post), Some(first), Some(last), true) = (post, first, last, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    // A post's ranges do not overlap; a merchant's share lies inside one
    // of its post's ranges and overlaps no other share.
    let ranges = db::ranges::list_ranges(db).await?;
    let same = |r: &&RangeRow| r.service == service && r.country_code == post.country_code;
    let overlaps = |r: &&RangeRow| r.first_serial <= last && first <= r.last_serial;
    match company_id {
        None => {
            if ranges
                .iter()
                .filter(same)
                .filter(|r| r.company_id.is_none())
                .any(|r| overlaps(&r))
            {
                return Err(AppError::field("first_serial", "range_overlaps"));
            }
        }
        Some(_) => {
            let inside = ranges.iter().filter(same).any(|r| {
                r.company_id.is_none()
                    && r.post_id == post.id
                    && r.first_serial <= first
                    && last <= r.last_serial
            });
            if !inside {
                return Err(AppError::field("first_serial", "range_outside_post"));
            }
            if ranges
                .iter()
                .filter(same)
                .filter(|r| r.company_id.is_some())
                .any(|r| overlaps(&r))
            {
                return Err(AppError::field("first_serial", "range_overlaps"));
            }
        }
    }
    let mut tx = db.begin().await?;
    let id = db::ranges::insert_range(
        &mut tx,
        &db::ranges::NewRange {
            post_id: post.id,
            company_id,
            service: &service,
            country: &post.country_code,
            first,
            last,
        },
    )
    .await?;
    let after = serde_json::json!({"id": id, "post_id": post.id, "company_id": company_id, "service": service, "country_code": post.country_code, "first_serial": first, "last_serial": last});
    audit::record(
        &mut tx,
        user,
        "s10_range.create",
        "s10_range",
        id,
        None::<&()>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
