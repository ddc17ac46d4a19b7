//! Back-office administration: organisations, offices and staff accounts.
//! Admins keep all of them; a customs supervisor keeps the officers of their
//! own country. Every change is audited.
use crate::db::{self, audit, throttle};
use crate::domain::account::UserSummary;
use crate::domain::account::{self, CurrentUser, Role};
use crate::domain::org::Organisation;
use crate::domain::org::{check_office_code, check_postcode, CountryCode, OfficeKind, OrgKind};
use crate::domain::org::{Office, OfficeEdit, OrganisationDetail, StaffFormChoices};
use crate::domain::throttle::remaining_secs;
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};
use crate::ops::Caller;
use crate::password;
use crate::state::AppState;

const ADMINS: &[Role] = &[Role::Admin];
const STAFF_MANAGERS: &[Role] = &[Role::Admin, Role::CustomsSupervisor];

/// Whose accounts a manager sees: an admin everyone's (`None`), a customs
/// supervisor their own administration's staff only.
fn administration_of(user: &CurrentUser) -> AppResult<Option<i64>> {
    match user.role {
        Role::Admin => Ok(None),
        Role::CustomsSupervisor => user.organisation_id.map(Some).ok_or(AppError::Forbidden),
        _ => Err(AppError::Forbidden),
    }
}

pub async fn list_users(
    state: &AppState,
    caller: &Caller,
    role: Option<String>,
) -> AppResult<Vec<UserSummary>> {
    let user = caller.require(STAFF_MANAGERS)?;
    let administration = administration_of(user)?;
    let role = role.filter(|r| !r.is_empty());
    if let Some(r) = &role {
        r.parse::<Role>()
            .map_err(|_| AppError::field("role", "role_invalid"))?;
    }
    let db = &state.db;
    let mut users = db::users::list_users(db, administration, role.as_deref()).await?;
    let cfg = &state.config;
    let now = db::now().unix_timestamp();
    for (subject, f) in throttle::all_accounts(db).await? {
        let secs = remaining_secs(
            f.failures,
            f.last_failed_at.unix_timestamp(),
            now,
            cfg.account_max_failures,
            cfg.throttle_base_secs,
            cfg.throttle_max_secs,
        );
        if secs > 0 {
            if let Some(u) = users
                .iter_mut()
                .find(|u| throttle::account(&u.email) == subject)
            {
                u.locked_secs = secs;
            }
        }
    }
    Ok(users)
}

pub async fn staff_form_choices(state: &AppState, caller: &Caller) -> AppResult<StaffFormChoices> {
    let user = caller.require(STAFF_MANAGERS)?;
    let db = &state.db;
    Ok(match user.role {
        Role::Admin => StaffFormChoices {
            roles: [
                Role::PostalClerk,
                Role::CustomsOfficer,
                Role::CustomsSupervisor,
                Role::Admin,
            ]
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
            organisations: db::orgs::list_orgs(db, None)
                .await?
                .into_iter()
                .filter(|o| o.kind != "company")
                .collect(),
            offices: db::orgs::list_offices(db, None).await?,
        },
        _ => {
            let org_id = user.organisation_id.ok_or(AppError::Forbidden)?;
            StaffFormChoices {
                roles: vec![Role::CustomsOfficer.as_str().to_owned()],
                organisations: vec![db::orgs::get_org(db, org_id).await?],
                offices: db::orgs::list_offices(db, Some(org_id)).await?,
            }
        }
    })
}

pub struct NewStaff {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: String,
    pub organisation_id: Option<String>,
    pub office_id: Option<String>,
    pub language: Option<String>,
}

fn parse_id(field: &str, raw: &Option<String>, errors: &mut Vec<FieldError>) -> Option<i64> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => s
            .parse::<i64>()
            .map_err(|_| errors.push(FieldError::new(field, "invalid")))
            .ok(),
    }
}

pub async fn create_staff(state: &AppState, caller: &Caller, input: NewStaff) -> AppResult<i64> {
    let me = caller.require(STAFF_MANAGERS)?;
    let db = &state.db;
    let mut errors = Vec::new();
    let email = account::normalise_email(&input.email)
        .map_err(|e| errors.push(e))
        .ok();
    let name = account::check_name("display_name", &input.display_name)
        .map_err(|e| errors.push(e))
        .ok();
    let _ = crate::password::check_new(
        &input.password,
        &[input.email.as_str(), input.display_name.as_str()],
    )
    .map_err(|e| errors.push(e));
    let role = match input.role.parse::<Role>() {
        Ok(r) if r.is_staff() => Some(r),
        _ => {
            errors.push(FieldError::new("role", "role_invalid"));
            None
        }
    };
    let mut org_id = parse_id("organisation_id", &input.organisation_id, &mut errors);
    let office_id = parse_id("office_id", &input.office_id, &mut errors);
    let language = input.language.filter(|l| account::is_language(l));

    // A supervisor may create customs officers of their own administration only.
    if me.role == Role::CustomsSupervisor {
        if role.is_some() && role != Some(Role::CustomsOfficer) {
            return Err(AppError::Forbidden);
        }
        if org_id.is_some_and(|o| Some(o) != me.organisation_id) {
            return Err(AppError::Forbidden);
        }
        org_id = me.organisation_id;
    }

    // The office decides the organisation; both must fit the role.
    let office = match office_id {
        Some(id) => match db::orgs::get_office(db, id).await {
            Ok(o) => Some(o),
            Err(AppError::NotFound) => {
                errors.push(FieldError::new("office_id", "invalid"));
                None
            }
            Err(e) => return Err(e),
        },
        None => None,
    };
    if let Some(o) = &office {
        if org_id.is_some_and(|id| id != o.organisation_id) {
            errors.push(FieldError::new("office_id", "office_not_in_organisation"));
        }
        org_id = Some(o.organisation_id);
    }
    if let Some(role) = role {
        match role.organisation_kind() {
            None => {
                if org_id.is_some() || office.is_some() {
                    errors.push(FieldError::new(
                        "organisation_id",
                        "role_has_no_organisation",
                    ));
                }
                org_id = None;
            }
            Some(kind) => match org_id {
                None => errors.push(FieldError::new("organisation_id", "required")),
                Some(id) => match db::orgs::get_org(db, id).await {
                    Ok(org) if org.kind == kind.as_str() => {
                        if me.role == Role::CustomsSupervisor
                            && Some(&org.country_code) != me.country_code.as_ref()
                        {
                            return Err(AppError::Forbidden);
                        }
                    }
                    Ok(_) => errors.push(FieldError::new(
                        "organisation_id",
                        "organisation_wrong_kind",
                    )),
                    Err(AppError::NotFound) => {
                        errors.push(FieldError::new("organisation_id", "invalid"))
                    }
                    Err(e) => return Err(e),
                },
            },
        }
        if role.needs_office() && office.is_none() {
            errors.push(FieldError::new("office_id", "required"));
        }
        if let Some(o) = &office {
            let fits = match role {
                Role::PostalClerk => o.kind != OfficeKind::Customs.as_str(),
                Role::CustomsOfficer | Role::CustomsSupervisor => {
                    o.kind == OfficeKind::Customs.as_str()
                }
                _ => false,
            };
            if !fits {
                errors.push(FieldError::new("office_id", "office_wrong_kind"));
            }
        }
    }
    let (Some(email), Some(name), Some(role), true) = (email, name, role, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let hash = password::hash(input.password).await?;
    let mut tx = db.begin().await?;
    let id = db::users::insert_user(
        &mut tx,
        &db::users::NewUser {
            email: &email,
            password_hash: &hash,
            display_name: &name,
            role,
            organisation_id: org_id,
            office_id: office.map(|o| o.id),
            language: language.as_deref(),
            is_demo: false,
            email_verified: true,
        },
    )
    .await?;
    let after = db::users::audit_view_tx(&mut tx, id).await?;
    audit::record(
        &mut tx,
        me,
        "user.create",
        "user",
        id,
        None::<&()>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = me.id, user = id, %role, "staff account created");
    Ok(id)
}

/// The me, if they may change account `user_id`: an admin any other
/// account, a supervisor the customs officers of their own administration.
async fn may_manage<'a>(
    state: &AppState,
    caller: &'a Caller,
    user_id: i64,
    self_code: &str,
) -> AppResult<&'a CurrentUser> {
    let user = caller.require(STAFF_MANAGERS)?;
    if user.id == user_id {
        return Err(AppError::Conflict {
            code: self_code.into(),
        });
    }
    let (role, organisation) = db::users::scope_of(&state.db, user_id).await?;
    if user.role == Role::CustomsSupervisor
        && (role != Role::CustomsOfficer.as_str() || organisation != user.organisation_id)
    {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

pub async fn set_user_disabled(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
    disabled: bool,
) -> AppResult<()> {
    let me = may_manage(state, caller, user_id, "cannot_disable_self").await?;
    let db = &state.db;
    let before = db::users::audit_view(db, user_id).await?;
    let after = UserSummary {
        disabled,
        ..before.clone()
    };
    let mut tx = db.begin().await?;
    db::users::set_disabled(&mut tx, user_id, disabled).await?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit::record(
        &mut tx,
        me,
        action,
        "user",
        user_id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        by = me.id,
        user = user_id,
        disabled,
        "account disabled flag changed"
    );
    Ok(())
}

pub async fn reset_two_factor(state: &AppState, caller: &Caller, user_id: i64) -> AppResult<()> {
    let me = may_manage(state, caller, user_id, "cannot_reset_self").await?;
    let db = &state.db;
    let before = db::users::audit_view(db, user_id).await?;
    if !before.two_factor {
        return Err(AppError::Conflict {
            code: "two_factor_off".into(),
        });
    }
    let after = UserSummary {
        two_factor: false,
        ..before.clone()
    };
    let mut tx = db.begin().await?;
    db::users::disable_totp(&mut tx, user_id).await?;
    db::users::end_sessions(&mut tx, user_id).await?;
    audit::record(
        &mut tx,
        me,
        "user.reset_two_factor",
        "user",
        user_id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = me.id, user = user_id, "two-step sign-in reset");
    Ok(())
}

pub async fn unlock_user(state: &AppState, caller: &Caller, user_id: i64) -> AppResult<()> {
    let me = caller.require(ADMINS)?;
    let db = &state.db;
    let email = db::users::email_of(db, user_id).await?;
    throttle::clear(db, &throttle::account(&email)).await?;
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        me,
        "user.unlock",
        "user",
        user_id,
        None::<&()>,
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = me.id, user = user_id, "account unlocked");
    Ok(())
}

pub async fn list_organisations(
    state: &AppState,
    caller: &Caller,
    kind: Option<String>,
) -> AppResult<Vec<Organisation>> {
    caller.require(ADMINS)?;
    let kind = kind.filter(|k| !k.is_empty());
    if let Some(k) = &kind {
        k.parse::<OrgKind>()
            .map_err(|_| AppError::field("kind", "invalid"))?;
    }
    db::orgs::list_orgs(&state.db, kind.as_deref()).await
}

pub async fn get_organisation(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> AppResult<OrganisationDetail> {
    caller.require(ADMINS)?;
    let db = &state.db;
    Ok(OrganisationDetail {
        organisation: db::orgs::get_org(db, id).await?,
        offices: db::orgs::list_offices(db, Some(id)).await?,
    })
}

pub async fn create_organisation(
    state: &AppState,
    caller: &Caller,
    kind: &str,
    name: &str,
    country: &str,
) -> AppResult<i64> {
    let user = caller.require(ADMINS)?;
    let mut errors = Vec::new();
    let kind = kind
        .parse::<OrgKind>()
        .map_err(|_| errors.push(FieldError::new("kind", "required")))
        .ok();
    let name = account::check_name("name", name)
        .map_err(|e| errors.push(e))
        .ok();
    let country = CountryCode::parse("country_code", country)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(kind), Some(name), Some(country)) = (kind, name, country) else {
        return Err(AppError::validation(errors));
    };
    let mut tx = state.db.begin().await?;
    let id = db::orgs::insert_org(&mut tx, kind.as_str(), &name, country.as_str()).await?;
    let after = serde_json::json!({"id": id, "kind": kind.as_str(), "name": name, "country_code": country.as_str()});
    audit::record(
        &mut tx,
        user,
        "organisation.create",
        "organisation",
        id,
        None::<&()>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = user.id, organisation = id, "organisation created");
    Ok(id)
}

pub async fn update_organisation(
    state: &AppState,
    caller: &Caller,
    id: i64,
    name: &str,
    country: &str,
) -> AppResult<()> {
    let user = caller.require(ADMINS)?;
    let mut errors = Vec::new();
    let name = account::check_name("name", name)
        .map_err(|e| errors.push(e))
        .ok();
    let country = CountryCode::parse("country_code", country)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(name), Some(country)) = (name, country) else {
        return Err(AppError::validation(errors));
    };
    let db = &state.db;
    let before = db::orgs::get_org(db, id).await?;
    let after = Organisation {
        name: name.clone(),
        country_code: country.as_str().to_owned(),
        ..before.clone()
    };
    let mut tx = db.begin().await?;
    db::orgs::update_org(&mut tx, id, &name, country.as_str()).await?;
    audit::record(
        &mut tx,
        user,
        "organisation.update",
        "organisation",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = user.id, organisation = id, "organisation updated");
    Ok(())
}

pub async fn get_office(state: &AppState, caller: &Caller, id: i64) -> AppResult<OfficeEdit> {
    caller.require(ADMINS)?;
    let db = &state.db;
    let office = db::orgs::get_office(db, id).await?;
    let org = db::orgs::get_org(db, office.organisation_id).await?;
    Ok(OfficeEdit {
        customs_offices: db::orgs::customs_offices(db, &org.country_code).await?,
        office,
    })
}

/// Renames an office or changes its postcode and (an office of exchange)
/// the customs office of its country that clears its parcels; returns its
/// organisation.
pub async fn update_office(
    state: &AppState,
    caller: &Caller,
    id: i64,
    name: &str,
    postcode: &str,
    customs_office: &str,
) -> AppResult<i64> {
    let user = caller.require(ADMINS)?;
    let db = &state.db;
    let office = db::orgs::get_office(db, id).await?;
    let mut errors = Vec::new();
    let name = account::check_name("office_name", name)
        .map_err(|e| errors.push(e))
        .ok();
    let postcode = check_postcode(postcode).map_err(|e| errors.push(e)).ok();
    let customs_office_id = match customs_office.trim() {
        "" => None,
        _ if office.kind != "exchange" => {
            errors.push(FieldError::new("customs_office_id", "office_not_exchange"));
            None
        }
        raw => {
            let org = db::orgs::get_org(db, office.organisation_id).await?;
            let choices = db::orgs::customs_offices(db, &org.country_code).await?;
            match raw
                .parse::<i64>()
                .ok()
                .filter(|c| choices.iter().any(|o| o.id == *c))
            {
                Some(c) => Some(c),
                None => {
                    errors.push(FieldError::new(
                        "customs_office_id",
                        "customs_office_not_in_country",
                    ));
                    None
                }
            }
        }
    };
    let (Some(name), Some(postcode), true) = (name, postcode, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let after = Office {
        name: name.clone(),
        postcode: postcode.clone(),
        customs_office_id,
        ..office.clone()
    };
    let mut tx = db.begin().await?;
    db::orgs::update_office(&mut tx, id, &name, &postcode, customs_office_id).await?;
    audit::record(
        &mut tx,
        user,
        "office.update",
        "office",
        id,
        Some(&office),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = user.id, office = id, "office updated");
    Ok(office.organisation_id)
}

pub async fn create_office(
    state: &AppState,
    caller: &Caller,
    org_id: i64,
    kind: &str,
    code: &str,
    name: &str,
    postcode: &str,
) -> AppResult<i64> {
    let user = caller.require(ADMINS)?;
    let db = &state.db;
    let org = db::orgs::get_org(db, org_id).await?;
    let org_kind: OrgKind = org.kind.parse().map_err(|_| AppError::Internal)?;
    let mut errors = Vec::new();
    match kind.parse::<OfficeKind>() {
        Ok(k) if org_kind.office_kinds().contains(&k) => {}
        _ => errors.push(FieldError::new("kind", "office_wrong_kind")),
    }
    let code = check_office_code(code).map_err(|e| errors.push(e)).ok();
    let name = account::check_name("office_name", name)
        .map_err(|e| errors.push(e))
        .ok();
    let postcode = check_postcode(postcode).map_err(|e| errors.push(e)).ok();
    let (Some(code), Some(name), Some(postcode), true) = (code, name, postcode, errors.is_empty())
    else {
        return Err(AppError::validation(errors));
    };
    // A new office of exchange is cleared by its country's customs office
    // when there is just one (the office's page changes it).
    let customs_office_id = match db::orgs::customs_offices(db, &org.country_code).await? {
        only if kind == "exchange" && only.len() == 1 => Some(only[0].id),
        _ => None,
    };
    let mut tx = db.begin().await?;
    let id = db::orgs::insert_office(&mut tx, org_id, kind, &code, &name, &postcode).await?;
    if customs_office_id.is_some() {
        db::orgs::set_customs_office(&mut tx, id, customs_office_id).await?;
    }
    let after = Office {
        id,
        organisation_id: org_id,
        kind: kind.to_owned(),
        code: code.clone(),
        name: name.clone(),
        postcode: postcode.clone(),
        customs_office_id,
    };
    audit::record(
        &mut tx,
        user,
        "office.create",
        "office",
        id,
        None::<&()>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = user.id, office = id, "office created");
    Ok(id)
}
