//! Administration: organisations, offices, staff accounts and their scopes.

use crate::common::*;
use reqwest::StatusCode;

const PW: &str = "a long enough passphrase";

both_backends!(admin_manages_organisations_and_offices, |app| {
    let admin = app.signed_in("admin").await;
    let r = app
        .post(
            &admin,
            "/api/admin/organisations/create",
            &[
                ("kind", "post"),
                ("name", "Poste Italiane"),
                ("country_code", "it"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let id = json(r).await.as_i64().unwrap();

    // One designated operator per country.
    let r = app
        .post(
            &admin,
            "/api/admin/organisations/create",
            &[
                ("kind", "post"),
                ("name", "Another post"),
                ("country_code", "IT"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(r).await["errors"][0]["code"], "one_per_country");
    // Bad input names every field.
    let r = app
        .post(
            &admin,
            "/api/admin/organisations/create",
            &[("kind", "bank"), ("name", ""), ("country_code", "ZZ")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errs = json(r).await["errors"].as_array().unwrap().len();
    assert_eq!(errs, 3);

    let sid = id.to_string();
    let r = app
        .post(
            &admin,
            "/api/admin/organisations/update",
            &[
                ("id", &sid),
                ("name", "Poste Italiane S.p.A."),
                ("country_code", "IT"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(
            &admin,
            "/api/admin/offices/create",
            &[
                ("organisation_id", &sid),
                ("kind", "exchange"),
                ("code", "itmxpa"),
                ("office_name", "Milano Malpensa"),
                ("postcode", "21010"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A post has no customs office; office codes are unique.
    let r = app
        .post(
            &admin,
            "/api/admin/offices/create",
            &[
                ("organisation_id", &sid),
                ("kind", "customs"),
                ("code", "ITMXP1"),
                ("office_name", "X"),
            ],
        )
        .await;
    assert_eq!(json(r).await["errors"][0]["code"], "office_wrong_kind");
    let r = app
        .post(
            &admin,
            "/api/admin/offices/create",
            &[
                ("organisation_id", &sid),
                ("kind", "delivery"),
                ("code", "ITMXPA"),
                ("office_name", "Y"),
            ],
        )
        .await;
    assert_eq!(json(r).await["errors"][0]["code"], "office_code_taken");

    let d = json(
        app.post(&admin, "/api/admin/organisation", &[("id", &sid)])
            .await,
    )
    .await;
    assert_eq!(d["organisation"]["name"], "Poste Italiane S.p.A.");
    assert_eq!(d["offices"].as_array().unwrap().len(), 1);
    assert_eq!(d["offices"][0]["code"], "ITMXPA");

    // An office can be renamed; an empty name is refused and changes nothing.
    let office_id = d["offices"][0]["id"].as_i64().unwrap().to_string();
    let r = app
        .post(
            &admin,
            "/api/admin/offices/update",
            &[
                ("id", &office_id),
                ("office_name", "Milano Malpensa Cargo City"),
                ("postcode", "21019"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(json(r).await.as_i64().unwrap(), id);
    let r = app
        .post(
            &admin,
            "/api/admin/offices/update",
            &[("id", &office_id), ("office_name", " ")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let f = json(
        app.post(&admin, "/api/admin/office", &[("id", &office_id)])
            .await,
    )
    .await;
    assert_eq!(f["office"]["name"], "Milano Malpensa Cargo City");
    assert_eq!(f["office"]["postcode"], "21019");
    // Italy has no customs office here yet: nothing to choose from.
    assert_eq!(f["customs_offices"], serde_json::json!([]));
    assert_eq!(f["office"]["customs_office_id"], serde_json::Value::Null);
    let r = app
        .post(
            &admin,
            "/api/admin/offices/update",
            &[("id", "999999"), ("office_name", "X")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let r = app
        .post(&admin, "/api/admin/organisation", &[("id", "999999")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
});

both_backends!(
    admin_creates_staff_that_can_sign_in_at_their_office,
    |app| {
        let admin = app.signed_in("admin").await;
        let choices = json(app.post(&admin, "/api/admin/staff_choices", &[]).await).await;
        let office = choices["offices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == "DEFRAA")
            .unwrap()
            .clone();
        let office_id = office["id"].as_i64().unwrap().to_string();

        let r = app
            .post(
                &admin,
                "/api/admin/users/create",
                &[
                    ("email", "jonas@post.example"),
                    ("display_name", "Jonas Keller"),
                    ("password", PW),
                    ("role", "postal_clerk"),
                    ("office_id", &office_id),
                    ("language", "en"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let c = app.client();
        assert_eq!(
            app.sign_in(&c, "jonas@post.example", PW).await.status(),
            StatusCode::OK
        );
        let me = app.me(&c).await;
        assert_eq!(me["role"], "postal_clerk");
        assert_eq!(me["office_name"], "Frankfurt office of exchange");
        assert_eq!(me["country_code"], "DE");

        // A clerk needs a postal office, not a customs one.
        let customs_office = choices["offices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == "DEFRA1")
            .unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string();
        let r = app
            .post(
                &admin,
                "/api/admin/users/create",
                &[
                    ("email", "x@post.example"),
                    ("display_name", "X"),
                    ("password", PW),
                    ("role", "postal_clerk"),
                    ("office_id", &customs_office),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .post(
                &admin,
                "/api/admin/users/create",
                &[
                    ("email", "y@post.example"),
                    ("display_name", "Y"),
                    ("password", PW),
                    ("role", "postal_clerk"),
                ],
            )
            .await;
        let body = json(r).await;
        assert!(
            body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == "office_id" && e["code"] == "required"),
            "{body}"
        );
        // Staff only: no merchants made here.
        let r = app
            .post(
                &admin,
                "/api/admin/users/create",
                &[
                    ("email", "z@shop.example"),
                    ("display_name", "Z"),
                    ("password", PW),
                    ("role", "merchant"),
                ],
            )
            .await;
        assert_eq!(json(r).await["errors"][0]["code"], "role_invalid");
    }
);

both_backends!(
    a_supervisor_manages_only_officers_of_their_own_country,
    |app| {
        let sup = app.signed_in("customs_supervisor").await;
        let choices = json(app.post(&sup, "/api/admin/staff_choices", &[]).await).await;
        assert_eq!(choices["roles"], serde_json::json!(["customs_officer"]));
        assert!(choices["offices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["code"].as_str().unwrap().starts_with("FR")));
        let office = choices["offices"][0]["id"].as_i64().unwrap().to_string();

        let r = app
            .post(
                &sup,
                "/api/admin/users/create",
                &[
                    ("email", "lea@douane.example"),
                    ("display_name", "Léa Petit"),
                    ("password", PW),
                    ("role", "customs_officer"),
                    ("office_id", &office),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

        // Not an admin, not another country's office.
        let r = app
            .post(
                &sup,
                "/api/admin/users/create",
                &[
                    ("email", "boss@douane.example"),
                    ("display_name", "Boss"),
                    ("password", PW),
                    ("role", "admin"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let admin = app.signed_in("admin").await;
        let all = json(app.post(&admin, "/api/admin/staff_choices", &[]).await).await;
        let de_office = all["offices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == "DEFRA1")
            .unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string();
        let r = app
            .post(
                &sup,
                "/api/admin/users/create",
                &[
                    ("email", "hans@zoll.example"),
                    ("display_name", "Hans"),
                    ("password", PW),
                    ("role", "customs_officer"),
                    ("office_id", &de_office),
                ],
            )
            .await;
        assert!(
            r.status() == StatusCode::FORBIDDEN || r.status() == StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            r.status()
        );
        let c = app.client();
        assert_eq!(
            app.sign_in(&c, "hans@zoll.example", PW).await.status(),
            StatusCode::UNAUTHORIZED
        );

        // The supervisor's list holds their own administration's staff
        // only: not the French post's clerk, not the French merchant.
        let users = json(app.post(&sup, "/api/admin/users", &[]).await).await;
        let users = users.as_array().unwrap();
        assert!(
            users.iter().all(
                |u| u["organisation_name"] == "Direction générale des douanes (demo)"
                    && u["country_code"] == "FR"
            ),
            "{users:?}"
        );
        let roles: Vec<&str> = users.iter().map(|u| u["role"].as_str().unwrap()).collect();
        assert!(roles.contains(&"customs_officer"), "{roles:?}");
        assert!(!roles.contains(&"postal_clerk") && !roles.contains(&"merchant"));
        // …and they cannot disable the merchant (not an officer).
        let every = json(
            app.post(&admin, "/api/admin/users", &[("role", "merchant")])
                .await,
        )
        .await;
        let merchant = every[0]["id"].as_i64().unwrap().to_string();
        let r = app
            .post(
                &sup,
                "/api/admin/users/set_disabled",
                &[("user_id", &merchant), ("disabled", "true")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
);
