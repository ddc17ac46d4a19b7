//! The role × route matrix: every server function and every back-office page
//! refuses, on the server, every role it should refuse (and anonymous callers).

use crate::common::*;
use reqwest::StatusCode;

/// A server function: endpoint, harmless arguments, roles allowed.
type Function = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

const EVERYONE: &[&str] = &[
    "anonymous",
    "merchant",
    "recipient",
    "postal_clerk",
    "customs_officer",
    "customs_supervisor",
    "admin",
];

const FUNCTIONS: &[Function] = &[
    ("/api/auth/me", &[], EVERYONE),
    ("/api/admin/users", &[], &["customs_supervisor", "admin"]),
    (
        "/api/admin/staff_choices",
        &[],
        &["customs_supervisor", "admin"],
    ),
    (
        "/api/admin/users/create",
        &[
            ("email", ""),
            ("display_name", ""),
            ("password", ""),
            ("role", "customs_officer"),
        ],
        &["customs_supervisor", "admin"],
    ),
    (
        "/api/admin/users/set_disabled",
        &[("user_id", "999999"), ("disabled", "true")],
        &["customs_supervisor", "admin"],
    ),
    (
        "/api/admin/users/reset_two_factor",
        &[("user_id", "999999")],
        &["customs_supervisor", "admin"],
    ),
    (
        "/api/admin/users/unlock",
        &[("user_id", "999999")],
        &["admin"],
    ),
    ("/api/admin/organisations", &[], &["admin"]),
    ("/api/admin/organisation", &[("id", "1")], &["admin"]),
    (
        "/api/admin/organisations/create",
        &[("kind", "post"), ("name", ""), ("country_code", "")],
        &["admin"],
    ),
    (
        "/api/admin/organisations/update",
        &[("id", "1"), ("name", ""), ("country_code", "")],
        &["admin"],
    ),
    (
        "/api/admin/offices/create",
        &[
            ("organisation_id", "1"),
            ("kind", "exchange"),
            ("code", ""),
            ("office_name", ""),
        ],
        &["admin"],
    ),
    ("/api/admin/office", &[("id", "1")], &["admin"]),
    (
        "/api/admin/offices/update",
        &[("id", "1"), ("office_name", "")],
        &["admin"],
    ),
    ("/api/admin/jobs", &[], &["admin"]),
    ("/api/admin/routing", &[], &["admin"]),
    (
        "/api/admin/routes/create",
        &[("country_code", "")],
        &["admin"],
    ),
    (
        "/api/admin/routes/delete",
        &[("route_id", "999999")],
        &["admin"],
    ),
    (
        "/api/admin/ranges/create",
        &[("service", ""), ("first_serial", ""), ("last_serial", "")],
        &["admin"],
    ),
    ("/api/declarations/profile", &[], &["merchant"]),
    ("/api/api_keys/list", &[], &["merchant"]),
    ("/api/api_keys/create", &[("name", "")], &["merchant"]),
    ("/api/api_keys/new", &[], &["merchant"]),
    (
        "/api/api_keys/revoke",
        &[("key_id", "999999")],
        &["merchant"],
    ),
    ("/api/declarations/blank", &[], &["merchant"]),
    ("/api/declarations/list", &[], &["merchant"]),
    (
        "/api/declarations/get",
        &[("declaration_id", "999999")],
        &["merchant"],
    ),
    (
        "/api/declarations/save",
        &[("action", "save"), ("input[reference]", "matrix")],
        &["merchant"],
    ),
    (
        "/api/declarations/delete_draft",
        &[("declaration_id", "999999")],
        &["merchant"],
    ),
    (
        "/api/parcels/get",
        &[("parcel_id", "999999")],
        &["merchant"],
    ),
    (
        "/api/parcels/cancel",
        &[("parcel_id", "999999"), ("version", "1")],
        &["merchant"],
    ),
    ("/api/uploads/list", &[], &["merchant"]),
    ("/api/risk/rules", &[], &["customs_supervisor"]),
    (
        "/api/risk/rules/get",
        &[("rule_id", "999999")],
        &["customs_supervisor"],
    ),
    (
        "/api/risk/rules/save",
        &[("rule[name]", ""), ("rule[kind]", "keyword")],
        &["customs_supervisor"],
    ),
    (
        "/api/risk/rules/enable",
        &[("rule_id", "999999"), ("enabled", "true")],
        &["customs_supervisor"],
    ),
    (
        "/api/risk/backtest",
        &[("rule_id", "999999")],
        &["customs_supervisor"],
    ),
    ("/api/risk/lists", &[], &["customs_supervisor"]),
    (
        "/api/risk/settings/save",
        &[("yellow_from", ""), ("red_from", "")],
        &["customs_supervisor"],
    ),
    (
        "/api/risk/watchlist/add",
        &[
            ("name", ""),
            ("country", ""),
            ("action", "warn"),
            ("note", ""),
        ],
        &["customs_supervisor"],
    ),
    (
        "/api/risk/watchlist/remove",
        &[("entry_id", "999999")],
        &["customs_supervisor"],
    ),
    (
        "/api/risk/reasons/save",
        &[("code", ""), ("label", "")],
        &["customs_supervisor"],
    ),
    (
        "/api/risk/reasons/active",
        &[("reason_id", "999999"), ("active", "true")],
        &["customs_supervisor"],
    ),
    (
        "/api/risk/parcels",
        &[],
        &["customs_officer", "customs_supervisor"],
    ),
    (
        "/api/customs/decide",
        &[
            ("parcel_id", "999999"),
            ("version", "1"),
            ("decision", "RELEASE"),
            ("reason_code", "OTHER"),
            ("text", ""),
        ],
        &["customs_officer", "customs_supervisor"],
    ),
    (
        "/api/uploads/get",
        &[("upload_id", "999999")],
        &["merchant"],
    ),
    ("/api/admin/jobs/retry", &[("job_id", "999999")], &["admin"]),
    (
        "/api/admin/jobs/discard",
        &[("job_id", "999999")],
        &["admin"],
    ),
    ("/api/admin/audit", &[], &["admin"]),
    ("/api/rates/tables", &[], &["admin"]),
    ("/api/rates/list", &[("table", "vat")], &["admin"]),
    (
        "/api/rates/get",
        &[("table", "vat"), ("row_id", "999999")],
        &["admin"],
    ),
    (
        "/api/rates/save",
        &[("table", "vat"), ("row[source]", "")],
        &["admin"],
    ),
    (
        "/api/rates/delete",
        &[("table", "vat"), ("row_id", "999999")],
        &["admin"],
    ),
    ("/api/documents/list", &[], &ROLES),
    ("/api/account/resend_verification", &[], &ROLES),
    (
        "/api/account/change_password",
        &[("current_password", ""), ("new_password", "")],
        &ROLES,
    ),
    ("/api/account/two_factor/recovery_codes", &[], &ROLES),
    (
        "/api/account/two_factor/disable",
        &[("password", "")],
        &ROLES,
    ),
];

/// Pages: path, roles allowed (anonymous visitors of a guarded page are sent to sign-in).
const PAGES: &[(&str, &[&str])] = &[
    ("/home", &ROLES),
    ("/admin/users", &["customs_supervisor", "admin"]),
    ("/admin/users/new", &["customs_supervisor", "admin"]),
    ("/admin/organisations", &["admin"]),
    ("/admin/organisations/new", &["admin"]),
    ("/admin/organisations/1", &["admin"]),
    ("/admin/offices/1", &["admin"]),
    ("/admin/jobs", &["admin"]),
    ("/admin/routing", &["admin"]),
    ("/admin/rates", &["admin"]),
    ("/admin/rates/tariff", &["admin"]),
    ("/admin/rates/tariff/new", &["admin"]),
    ("/admin/rates/vat/1", &["admin"]),
    ("/admin/rates/sdr/import", &["admin"]),
    ("/declarations", &["merchant"]),
    ("/declarations/new", &["merchant"]),
    ("/declarations/upload", &["merchant"]),
    ("/customs/rules", &["customs_supervisor"]),
    ("/customs/lists", &["customs_supervisor"]),
    (
        "/customs/parcels",
        &["customs_officer", "customs_supervisor"],
    ),
    ("/company", &["merchant"]),
    ("/api-keys", &["merchant"]),
    ("/admin/audit", &["admin"]),
    ("/documents", &ROLES),
    ("/account", &ROLES),
    ("/two-factor/recovery-codes", &ROLES),
];

both_backends!(role_route_matrix, |app| {
    let mut clients = vec![("anonymous", app.client())];
    for role in ROLES {
        clients.push((role, app.signed_in(role).await));
    }
    let mut checked = 0;
    for (path, args, allowed) in FUNCTIONS {
        for (who, c) in &clients {
            let r = app.post(c, path, args).await;
            let status = r.status();
            let body = r.text().await.unwrap();
            if allowed.contains(who) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{who} must reach {path}, got {status}: {body}"
                );
            } else if *who == "anonymous" {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{who} on {path}: {body}");
                assert!(body.contains("\"unauthorized\""), "{body}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{who} on {path}: {body}");
                assert!(body.contains("\"forbidden\""), "{body}");
            }
            checked += 1;
        }
    }
    let mut interactive = 0;
    for (path, allowed) in PAGES {
        for (who, c) in &clients {
            let r = app.get_page(c, path).await;
            let status = r.status();
            if allowed.contains(who) {
                assert_eq!(status, StatusCode::OK, "{who} on page {path}");
                // A page with an island (an interactive part) loads the
                // browser bundle (app::shell::has_islands lists it); others
                // load none.
                let html = r.text().await.unwrap();
                let island = html.contains("<leptos-island");
                let loads = html.contains("hydrateIslands");
                assert!(
                    !island || loads,
                    "{path} has an island but does not load the bundle: add it to has_islands"
                );
                assert_eq!(loads, app::shell::has_islands(path), "{path}");
                interactive += usize::from(island);
            } else if *who == "anonymous" {
                assert_eq!(status, StatusCode::FOUND, "{who} on page {path}");
                let to = r.headers()["location"].to_str().unwrap();
                assert!(to.starts_with("/sign-in?next="), "{to}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{who} on page {path}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, (FUNCTIONS.len() + PAGES.len()) * 7);
    // The users, rates and declarations tables and the declaration form.
    assert!(interactive >= 4, "{interactive} pages with an island");
});

/// A new staff account made by the admin, signed in.
async fn staff(app: &TestApp, form: &[(&str, &str)], email: &str) -> reqwest::Client {
    let admin = app.signed_in("admin").await;
    let mut all = vec![
        ("email", email),
        ("display_name", "Scope Tester"),
        ("password", "a long enough passphrase"),
    ];
    all.extend_from_slice(form);
    let r = app.post(&admin, "/api/admin/users/create", &all).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let c = app.client();
    let r = app.sign_in(&c, email, "a long enough passphrase").await;
    assert_eq!(r.status(), StatusCode::OK);
    c
}

both_backends!(scope_matrix, |app| {
    // One parcel of the demo merchant to France: through Roissy, cleared by
    // the Roissy customs office.
    let key = merchant_api_key(&app).await;
    let body = serde_json::json!({
        "sender": {"name": "Maison Lumière SARL", "address1": "12 rue des Lilas", "city": "Lyon", "postcode": "69001", "country": "FR"},
        "addressee": {"name": "Jeanne Martin", "address1": "3 rue de la Paix", "city": "Paris", "postcode": "75002", "country": "FR"},
        "category": "sale_of_goods", "currency": "EUR", "gross_weight_kg": "0.8",
        "incoterm": "DAP", "non_delivery": "return",
        "lines": [{"description": "Cotton T-shirt", "quantity": "1", "net_weight_kg": "0.5", "value": "40.00", "hs_code": "610910", "origin": "CN"}]
    });
    let id = submit_declaration(&app, &key, &body).await;
    let admin = app.signed_in("admin").await;
    let fr_customs = app
        .count("select id from organisations where kind = 'customs' and country_code = 'FR'")
        .await
        .to_string();
    let de_customs = app
        .count("select id from organisations where kind = 'customs' and country_code = 'DE'")
        .await
        .to_string();
    let r = app
        .post(
            &admin,
            "/api/admin/offices/create",
            &[
                ("organisation_id", &fr_customs),
                ("kind", "customs"),
                ("code", "FRORY1"),
                ("office_name", "Orly customs"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let orly = app
        .count("select id from offices where code = 'FRORY1'")
        .await
        .to_string();
    let other_office = staff(
        &app,
        &[("role", "customs_officer"), ("office_id", &orly)],
        "orly@douane.example",
    )
    .await;
    let other_country = staff(
        &app,
        &[
            ("role", "customs_supervisor"),
            ("organisation_id", &de_customs),
        ],
        "chef@zoll.example",
    )
    .await;
    let other_company = app.client();
    app.post(
        &other_company,
        "/api/auth/sign_up",
        &[
            ("account_type", "merchant"),
            ("display_name", "Olga Other"),
            ("email", "olga@other.example"),
            ("password", "a long enough passphrase"),
            ("company_name", "Other Shop Ltd"),
            ("country_code", "GB"),
        ],
    )
    .await;
    app.sign_in(
        &other_company,
        "olga@other.example",
        "a long enough passphrase",
    )
    .await;

    // (who, sees it in the customs lanes, may decide, may read it as its merchant)
    let rows: Vec<(&str, reqwest::Client, bool, bool, bool)> = vec![
        (
            "officer of its office",
            app.signed_in("customs_officer").await,
            true,
            true,
            false,
        ),
        (
            "officer of another office",
            other_office,
            false,
            false,
            false,
        ),
        (
            "supervisor of its country",
            app.signed_in("customs_supervisor").await,
            true,
            true,
            false,
        ),
        (
            "supervisor of another country",
            other_country,
            false,
            false,
            false,
        ),
        (
            "its merchant",
            app.signed_in("merchant").await,
            false,
            false,
            true,
        ),
        (
            "another company's merchant",
            other_company,
            false,
            false,
            false,
        ),
    ];
    let pid = id.to_string();
    for (who, c, listed, decides, reads) in rows {
        let r = app.post(&c, "/api/risk/parcels", &[]).await;
        let seen = r.status() == StatusCode::OK
            && json(r)
                .await
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"].as_i64() == Some(id));
        assert_eq!(seen, listed, "{who}: customs lanes");
        let version = app
            .count(&format!("select version from parcels where id = {id}"))
            .await
            .to_string();
        let r = app
            .post(
                &c,
                "/api/customs/decide",
                &[
                    ("parcel_id", &pid),
                    ("version", &version),
                    ("decision", "ACCEPT_DATA"),
                    ("reason_code", "OTHER"),
                    ("text", ""),
                ],
            )
            .await;
        let status = r.status();
        if decides {
            assert_eq!(status, StatusCode::OK, "{who}: decide");
        } else {
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
                "{who}: decide answered {status}"
            );
        }
        let r = app
            .post(&c, "/api/parcels/get", &[("parcel_id", &pid)])
            .await;
        assert_eq!(
            r.status() == StatusCode::OK,
            reads,
            "{who}: parcel page ({})",
            r.status()
        );
    }
});
