//! Back-office administration: organisations, offices and staff accounts.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub use crate::domain::account::UserSummary;
pub use crate::domain::org::{Office, Organisation};

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

#[server(endpoint = "admin/users")]
pub async fn list_users(role: Option<String>) -> Result<Vec<UserSummary>, AppError> {
    crate::api::respond::reply(server::list_users(role).await)
}

#[server(endpoint = "admin/staff_choices")]
pub async fn staff_form_options() -> Result<StaffFormChoices, AppError> {
    crate::api::respond::reply(server::staff_form_choices().await)
}

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "admin/users/create")]
pub async fn create_staff(
    email: String,
    display_name: String,
    password: String,
    role: String,
    organisation_id: Option<String>,
    office_id: Option<String>,
    language: Option<String>,
) -> Result<i64, AppError> {
    let keep = vec![
        ("email", email.clone()),
        ("display_name", display_name.clone()),
        ("role", role.clone()),
        (
            "organisation_id",
            organisation_id.clone().unwrap_or_default(),
        ),
        ("office_id", office_id.clone().unwrap_or_default()),
        ("language", language.clone().unwrap_or_default()),
    ];
    let result = server::create_staff(server::NewStaff {
        email,
        display_name,
        password,
        role,
        organisation_id,
        office_id,
        language,
    })
    .await;
    crate::api::respond::remember_on_error(&result, "/admin/users/new", keep).await;
    crate::api::respond::finish_form(
        result,
        |_| "/admin/users?created=1".into(),
        "/admin/users/new",
    )
}

#[server(endpoint = "admin/users/set_disabled")]
pub async fn set_user_disabled(user_id: i64, disabled: bool) -> Result<(), AppError> {
    let result = server::set_user_disabled(user_id, disabled).await;
    crate::api::respond::finish_form(result, |_| "/admin/users".into(), "/admin/users")
}

/// For someone who lost both their authenticator and their recovery codes:
/// turns two-step sign-in off and ends their sessions; staff set it up again
/// at their next sign-in.
#[server(endpoint = "admin/users/reset_two_factor")]
pub async fn reset_two_factor(user_id: i64) -> Result<(), AppError> {
    let result = server::reset_two_factor(user_id).await;
    crate::api::respond::finish_form(result, |_| "/admin/users?reset=1".into(), "/admin/users")
}

#[server(endpoint = "admin/users/unlock")]
pub async fn unlock_user(user_id: i64) -> Result<(), AppError> {
    let result = server::unlock_user(user_id).await;
    crate::api::respond::finish_form(result, |_| "/admin/users".into(), "/admin/users")
}

#[server(endpoint = "admin/organisations")]
pub async fn list_organisations(kind: Option<String>) -> Result<Vec<Organisation>, AppError> {
    crate::api::respond::reply(server::list_organisations(kind).await)
}

#[server(endpoint = "admin/organisation")]
pub async fn get_organisation(id: i64) -> Result<OrganisationDetail, AppError> {
    crate::api::respond::reply(server::get_organisation(id).await)
}

#[server(endpoint = "admin/organisations/create")]
pub async fn create_organisation(
    kind: String,
    name: String,
    country_code: String,
) -> Result<i64, AppError> {
    let result = server::create_organisation(&kind, &name, &country_code).await;
    let keep = vec![
        ("kind", kind),
        ("name", name),
        ("country_code", country_code),
    ];
    crate::api::respond::remember_on_error(&result, "/admin/organisations/new", keep).await;
    crate::api::respond::finish_form(
        result,
        |id| format!("/admin/organisations/{id}"),
        "/admin/organisations/new",
    )
}

#[server(endpoint = "admin/organisations/update")]
pub async fn update_organisation(
    id: i64,
    name: String,
    country_code: String,
) -> Result<(), AppError> {
    let result = server::update_organisation(id, &name, &country_code).await;
    let page = format!("/admin/organisations/{id}");
    let keep = vec![("name", name), ("country_code", country_code)];
    crate::api::respond::remember_on_error(&result, &page, keep).await;
    crate::api::respond::finish_form(result, |_| format!("{page}?saved=1"), &page)
}

#[server(endpoint = "admin/offices/create")]
pub async fn create_office(
    organisation_id: i64,
    kind: String,
    code: String,
    office_name: String,
    postcode: Option<String>,
) -> Result<i64, AppError> {
    let result = server::create_office(
        organisation_id,
        &kind,
        &code,
        &office_name,
        postcode.as_deref().unwrap_or(""),
    )
    .await;
    let page = format!("/admin/organisations/{organisation_id}");
    let keep = vec![
        ("office_kind", kind),
        ("code", code),
        ("office_name", office_name),
        ("postcode", postcode.unwrap_or_default()),
    ];
    crate::api::respond::remember_on_error(&result, &page, keep).await;
    crate::api::respond::finish_form(result, |_| format!("{page}?saved=1"), &page)
}

#[server(endpoint = "admin/offices/update")]
pub async fn update_office(
    id: i64,
    office_name: String,
    postcode: Option<String>,
) -> Result<i64, AppError> {
    let postcode = postcode.unwrap_or_default();
    let result = server::update_office(id, &office_name, &postcode).await;
    let back = format!("/admin/offices/{id}");
    let keep = vec![("office_name", office_name), ("postcode", postcode)];
    crate::api::respond::remember_on_error(&result, &back, keep).await;
    crate::api::respond::finish_form(
        result,
        |org| format!("/admin/organisations/{org}?saved=1"),
        &back,
    )
}

#[server(endpoint = "admin/office")]
pub async fn get_office(id: i64) -> Result<Office, AppError> {
    crate::api::respond::reply(server::get_office(id).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::{OrganisationDetail, StaffFormChoices};
    use crate::api::guard::{require, state};
    use crate::api::password;
    use crate::db::{self, audit, throttle};
    use crate::domain::account::UserSummary;
    use crate::domain::account::{self, CurrentUser, FieldError, Role};
    use crate::domain::org::Organisation;
    use crate::domain::org::{check_office_code, check_postcode, CountryCode, OfficeKind, OrgKind};
    use crate::domain::throttle::remaining_secs;
    use crate::error::{AppError, AppResult};

    const ADMINS: &[Role] = &[Role::Admin];
    const STAFF_MANAGERS: &[Role] = &[Role::Admin, Role::CustomsSupervisor];

    /// A supervisor manages the customs officers of their own country only.
    fn supervisor_country(user: &CurrentUser) -> AppResult<Option<String>> {
        match user.role {
            Role::Admin => Ok(None),
            Role::CustomsSupervisor => user
                .country_code
                .clone()
                .map(Some)
                .ok_or(AppError::Forbidden),
            _ => Err(AppError::Forbidden),
        }
    }

    pub async fn list_users(role: Option<String>) -> AppResult<Vec<UserSummary>> {
        let user = require(STAFF_MANAGERS).await?;
        let country = supervisor_country(&user)?;
        let role = role.filter(|r| !r.is_empty());
        if let Some(r) = &role {
            r.parse::<Role>()
                .map_err(|_| AppError::field("role", "role_invalid"))?;
        }
        let db = &state()?.db;
        let mut users = db::users::list_users(db, country.as_deref(), role.as_deref()).await?;
        let cfg = &state()?.config;
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

    pub async fn staff_form_choices() -> AppResult<StaffFormChoices> {
        let user = require(STAFF_MANAGERS).await?;
        let db = &state()?.db;
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

    pub async fn create_staff(input: NewStaff) -> AppResult<i64> {
        let caller = require(STAFF_MANAGERS).await?;
        let db = &state()?.db;
        let mut errors = Vec::new();
        let email = account::normalise_email(&input.email)
            .map_err(|e| errors.push(e))
            .ok();
        let name = account::check_name("display_name", &input.display_name)
            .map_err(|e| errors.push(e))
            .ok();
        let _ = account::check_password(&input.password).map_err(|e| errors.push(e));
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
        if caller.role == Role::CustomsSupervisor {
            if role.is_some() && role != Some(Role::CustomsOfficer) {
                return Err(AppError::Forbidden);
            }
            if org_id.is_some_and(|o| Some(o) != caller.organisation_id) {
                return Err(AppError::Forbidden);
            }
            org_id = caller.organisation_id;
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
                            if caller.role == Role::CustomsSupervisor
                                && Some(&org.country_code) != caller.country_code.as_ref()
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
        let (Some(email), Some(name), Some(role), true) = (email, name, role, errors.is_empty())
        else {
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
            &caller,
            "user.create",
            "user",
            id,
            None::<&()>,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = caller.id, user = id, %role, "staff account created");
        Ok(id)
    }

    /// The caller, if they may change account `user_id`: an admin any other
    /// account, a supervisor the customs officers of their own country.
    async fn may_manage(user_id: i64, self_code: &str) -> AppResult<CurrentUser> {
        let caller = require(STAFF_MANAGERS).await?;
        if caller.id == user_id {
            return Err(AppError::Conflict {
                code: self_code.into(),
            });
        }
        let (role, country) = db::users::scope_of(&state()?.db, user_id).await?;
        if caller.role == Role::CustomsSupervisor
            && (role != Role::CustomsOfficer.as_str() || country != caller.country_code)
        {
            return Err(AppError::Forbidden);
        }
        Ok(caller)
    }

    pub async fn set_user_disabled(user_id: i64, disabled: bool) -> AppResult<()> {
        let caller = may_manage(user_id, "cannot_disable_self").await?;
        let db = &state()?.db;
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
            &caller,
            action,
            "user",
            user_id,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            by = caller.id,
            user = user_id,
            disabled,
            "account disabled flag changed"
        );
        Ok(())
    }

    pub async fn reset_two_factor(user_id: i64) -> AppResult<()> {
        let caller = may_manage(user_id, "cannot_reset_self").await?;
        let db = &state()?.db;
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
            &caller,
            "user.reset_two_factor",
            "user",
            user_id,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = caller.id, user = user_id, "two-step sign-in reset");
        Ok(())
    }

    pub async fn unlock_user(user_id: i64) -> AppResult<()> {
        let caller = require(ADMINS).await?;
        let db = &state()?.db;
        let email = db::users::email_of(db, user_id).await?;
        throttle::clear(db, &throttle::account(&email)).await?;
        let mut tx = db.begin().await?;
        audit::record(
            &mut tx,
            &caller,
            "user.unlock",
            "user",
            user_id,
            None::<&()>,
            None::<&()>,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = caller.id, user = user_id, "account unlocked");
        Ok(())
    }

    pub async fn list_organisations(kind: Option<String>) -> AppResult<Vec<Organisation>> {
        require(ADMINS).await?;
        let kind = kind.filter(|k| !k.is_empty());
        if let Some(k) = &kind {
            k.parse::<OrgKind>()
                .map_err(|_| AppError::field("kind", "invalid"))?;
        }
        db::orgs::list_orgs(&state()?.db, kind.as_deref()).await
    }

    pub async fn get_organisation(id: i64) -> AppResult<OrganisationDetail> {
        require(ADMINS).await?;
        let db = &state()?.db;
        Ok(OrganisationDetail {
            organisation: db::orgs::get_org(db, id).await?,
            offices: db::orgs::list_offices(db, Some(id)).await?,
        })
    }

    pub async fn create_organisation(kind: &str, name: &str, country: &str) -> AppResult<i64> {
        let caller = require(ADMINS).await?;
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
        let mut tx = state()?.db.begin().await?;
        let id = db::orgs::insert_org(&mut tx, kind.as_str(), &name, country.as_str()).await?;
        let after = serde_json::json!({"id": id, "kind": kind.as_str(), "name": name, "country_code": country.as_str()});
        audit::record(
            &mut tx,
            &caller,
            "organisation.create",
            "organisation",
            id,
            None::<&()>,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = caller.id, organisation = id, "organisation created");
        Ok(id)
    }

    pub async fn update_organisation(id: i64, name: &str, country: &str) -> AppResult<()> {
        let caller = require(ADMINS).await?;
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
        let db = &state()?.db;
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
            &caller,
            "organisation.update",
            "organisation",
            id,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = caller.id, organisation = id, "organisation updated");
        Ok(())
    }

    pub async fn get_office(id: i64) -> AppResult<super::Office> {
        require(ADMINS).await?;
        db::orgs::get_office(&state()?.db, id).await
    }

    /// Renames an office or changes its postcode; returns its organisation.
    pub async fn update_office(id: i64, name: &str, postcode: &str) -> AppResult<i64> {
        let caller = require(ADMINS).await?;
        let db = &state()?.db;
        let office = db::orgs::get_office(db, id).await?;
        let mut errors = Vec::new();
        let name = account::check_name("office_name", name)
            .map_err(|e| errors.push(e))
            .ok();
        let postcode = check_postcode(postcode).map_err(|e| errors.push(e)).ok();
        let (Some(name), Some(postcode)) = (name, postcode) else {
            return Err(AppError::validation(errors));
        };
        let after = super::Office {
            name: name.clone(),
            postcode: postcode.clone(),
            ..office.clone()
        };
        let mut tx = db.begin().await?;
        db::orgs::update_office(&mut tx, id, &name, &postcode).await?;
        audit::record(
            &mut tx,
            &caller,
            "office.update",
            "office",
            id,
            Some(&office),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = caller.id, office = id, "office updated");
        Ok(office.organisation_id)
    }

    pub async fn create_office(
        org_id: i64,
        kind: &str,
        code: &str,
        name: &str,
        postcode: &str,
    ) -> AppResult<i64> {
        let caller = require(ADMINS).await?;
        let db = &state()?.db;
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
        let (Some(code), Some(name), Some(postcode), true) =
            (code, name, postcode, errors.is_empty())
        else {
            return Err(AppError::validation(errors));
        };
        let mut tx = db.begin().await?;
        let id = db::orgs::insert_office(&mut tx, org_id, kind, &code, &name, &postcode).await?;
        let after = super::Office {
            id,
            organisation_id: org_id,
            kind: kind.to_owned(),
            code: code.clone(),
            name: name.clone(),
            postcode: postcode.clone(),
        };
        audit::record(
            &mut tx,
            &caller,
            "office.create",
            "office",
            id,
            None::<&()>,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = caller.id, office = id, "office created");
        Ok(id)
    }
}
