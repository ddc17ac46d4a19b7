//! Customs decisions on both databases: every decision code moves the parcel
//! as DOMAIN.md allows (or is refused, changing nothing), writes its event
//! with the decision and reason codes, sets the payment status from the
//! assessment, queues the notice to whoever acts next; two concurrent
//! decisions cannot both win.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

/// A parcel to France worth `value` euros (EUR 200.00: duty and VAT due).
async fn parcel_to_france(app: &TestApp, key: &str, value: &str) -> i64 {
    let body = json!({
        "reference": "ORDER-9",
        "sender": {"name": "Maison Lumière SARL", "address1": "12 rue des Lilas", "city": "Lyon", "postcode": "69001", "country": "FR"},
        "addressee": {"name": "Jeanne Martin", "address1": "3 rue de la Paix", "city": "Paris", "postcode": "75002", "country": "FR", "email": "jeanne@example.test"},
        "category": "sale_of_goods",
        "currency": "EUR",
        "gross_weight_kg": "0.8",
        "incoterm": "DAP",
        "non_delivery": "return",
        "lines": [
            {"description": "Cotton T-shirt", "quantity": "1", "net_weight_kg": "0.5", "value": value, "hs_code": "610910", "origin": "CN"}
        ]
    });
    submit_declaration(app, key, &body).await
}

async fn version(app: &TestApp, id: i64) -> i64 {
    app.count(&format!("select version from parcels where id = {id}"))
        .await
}

async fn status(app: &TestApp, id: i64) -> (String, String) {
    let row: (String, String) = match &app.db {
        app::db::Db::Sqlite(p) => {
            sqlx::query_as("select customs_status, payment_status from parcels where id = $1")
                .bind(id)
                .fetch_one(p)
                .await
                .unwrap()
        }
        app::db::Db::Postgres(p) => {
            sqlx::query_as("select customs_status, payment_status from parcels where id = $1")
                .bind(id)
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    row
}

async fn decide(
    app: &TestApp,
    c: &reqwest::Client,
    id: i64,
    decision: &str,
    reason: &str,
) -> reqwest::Response {
    let v = version(app, id).await.to_string();
    app.post(
        c,
        "/api/customs/decide",
        &[
            ("parcel_id", &id.to_string()),
            ("version", &v),
            ("decision", decision),
            ("reason_code", reason),
            ("text", "checked at the office"),
        ],
    )
    .await
}

async fn event_count(app: &TestApp, id: i64) -> i64 {
    app.count(&format!(
        "select count(*) from parcel_events where parcel_id = {id}"
    ))
    .await
}

fn s(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

both_backends!(
    each_decision_code_moves_the_parcel_and_writes_its_event,
    |app| {
        let key = merchant_api_key(&app).await;
        let officer = app.signed_in("customs_officer").await;
        let id = parcel_to_france(&app, &key, "200.00").await;
        assert_eq!(status(&app, id).await, s("assessed", "due"));

        // ACCEPT_DATA: nothing moves, the decision is recorded.
        let r = decide(&app, &officer, id, "ACCEPT_DATA", "OTHER").await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(status(&app, id).await, s("assessed", "due"));
        // REQUEST_INFO: the merchant is asked (and the recipient told).
        let r = decide(&app, &officer, id, "REQUEST_INFO", "MISSING_DOCUMENTS").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(status(&app, id).await, s("info_requested", "due"));
        let mail = app
            .wait_for_email("merchant@demo.postclear.test", "besoin de renseignements")
            .await;
        assert!(
            mail.contains("MISSING_DOCUMENTS: checked at the office"),
            "{mail}"
        );
        // RELEASE: released, the recipient owes duty and VAT and is told.
        let r = decide(&app, &officer, id, "RELEASE", "OTHER").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(status(&app, id).await, s("released", "due"));
        let mail = app
            .wait_for_email("jeanne@example.test", "payez-les en ligne")
            .await;
        assert!(mail.contains("/track?item="), "{mail}");
        // Released is final but for abandonment.
        let r = decide(&app, &officer, id, "SEIZE", "SECURITY").await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(r.text().await.unwrap().contains("state_refused"));
        let events = json(
            app.post(
                &app.signed_in("merchant").await,
                "/api/parcels/get",
                &[("parcel_id", &id.to_string())],
            )
            .await,
        )
        .await["events"]
            .as_array()
            .unwrap()
            .clone();
        let codes: Vec<String> = events
            .iter()
            .filter_map(|e| e["decision_code"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(codes, ["ACCEPT_DATA", "REQUEST_INFO", "RELEASE"]);
        // The officer who decided is on record, but the merchant never sees
        // an officer's name.
        assert_eq!(
            app.count(&format!(
                "select count(*) from parcel_events e join users u on u.id = e.actor_id
                 where e.parcel_id = {id} and u.role = 'customs_officer'"
            ))
            .await,
            3
        );
        for e in events.iter().filter(|e| e["decision_code"].is_string()) {
            assert!(e["actor_name"].is_null(), "{e}");
        }

        // PRE_CLEAR and HOLD_DOCUMENTARY from assessed.
        let a = parcel_to_france(&app, &key, "20.00").await;
        assert_eq!(
            decide(&app, &officer, a, "PRE_CLEAR", "OTHER")
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(status(&app, a).await.0, "pre_cleared");
        let b = parcel_to_france(&app, &key, "20.00").await;
        assert_eq!(
            decide(&app, &officer, b, "HOLD_DOCUMENTARY", "UNDERVALUATION")
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(status(&app, b).await.0, "held_documentary");
        // HOLD_INSPECTION is for a presented parcel; then SEIZE.
        let c = parcel_to_france(&app, &key, "200.00").await;
        let r = decide(&app, &officer, c, "HOLD_INSPECTION", "SAFETY").await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        app.exec(&format!(
            "update parcels set customs_status = 'presented' where id = {c}"
        ))
        .await
        .unwrap();
        assert_eq!(
            decide(&app, &officer, c, "HOLD_INSPECTION", "SAFETY")
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            decide(&app, &officer, c, "SEIZE", "PROHIBITED")
                .await
                .status(),
            StatusCode::OK
        );
        // Seized: nothing is owed any more.
        assert_eq!(status(&app, c).await, s("seized", "not_due"));
        // RETURN_TO_SENDER from presented; REJECT_DATA only before that.
        let d = parcel_to_france(&app, &key, "200.00").await;
        assert_eq!(
            decide(&app, &officer, d, "REJECT_DATA", "MISSING_DOCUMENTS")
                .await
                .status(),
            StatusCode::OK
        );
        app.exec(&format!(
            "update parcels set customs_status = 'presented' where id = {d}"
        ))
        .await
        .unwrap();
        assert_eq!(
            decide(&app, &officer, d, "REJECT_DATA", "OTHER")
                .await
                .status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            decide(&app, &officer, d, "RETURN_TO_SENDER", "PROHIBITED")
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(status(&app, d).await, s("return_ordered", "not_due"));
        let payment_events = app
        .count(&format!(
            "select count(*) from parcel_events where parcel_id = {d} and dimension = 'payment' and decision_code = 'RETURN_TO_SENDER'"
        ))
        .await;
        assert_eq!(payment_events, 1);
    }
);

both_backends!(bad_decisions_change_nothing, |app| {
    let key = merchant_api_key(&app).await;
    let officer = app.signed_in("customs_officer").await;
    let id = parcel_to_france(&app, &key, "200.00").await;
    let before = event_count(&app, id).await;
    let r = decide(&app, &officer, id, "LET_GO", "OTHER").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = decide(&app, &officer, id, "RELEASE", "NO_SUCH_REASON").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("reason_code"));
    // A version someone else already moved past.
    let r = app
        .post(
            &officer,
            "/api/customs/decide",
            &[
                ("parcel_id", &id.to_string()),
                ("version", "0"),
                ("decision", "PRE_CLEAR"),
                ("reason_code", "OTHER"),
                ("text", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("parcel_changed"));
    assert_eq!(event_count(&app, id).await, before);
    assert_eq!(status(&app, id).await, s("assessed", "due"));
    // Only customs decides; a merchant is refused.
    let m = app.signed_in("merchant").await;
    assert_eq!(
        decide(&app, &m, id, "RELEASE", "OTHER").await.status(),
        StatusCode::FORBIDDEN
    );
    // Another country's parcel is not there for this officer.
    app.exec(&format!(
        "update parcels set destination_country = 'GB' where id = {id}"
    ))
    .await
    .unwrap();
    assert_eq!(
        decide(&app, &officer, id, "RELEASE", "OTHER")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
});

both_backends!(two_concurrent_decisions_cannot_both_win, |app| {
    let key = merchant_api_key(&app).await;
    let one = app.signed_in("customs_officer").await;
    let two = app.signed_in("customs_supervisor").await;
    for _ in 0..3 {
        let id = parcel_to_france(&app, &key, "200.00").await;
        let v = version(&app, id).await.to_string();
        let form = |d: &'static str| {
            vec![
                ("parcel_id", id.to_string()),
                ("version", v.clone()),
                ("decision", d.to_owned()),
                ("reason_code", "OTHER".to_owned()),
                ("text", String::new()),
            ]
        };
        let (f1, f2) = (form("HOLD_DOCUMENTARY"), form("PRE_CLEAR"));
        let (a, b) = tokio::join!(
            one.post(app.url("/api/customs/decide")).form(&f1).send(),
            two.post(app.url("/api/customs/decide")).form(&f2).send(),
        );
        let mut codes = [a.unwrap().status(), b.unwrap().status()];
        codes.sort();
        assert_eq!(codes, [StatusCode::OK, StatusCode::CONFLICT]);
        let decided = app
            .count(&format!(
                "select count(*) from parcel_events where parcel_id = {id} and decision_code is not null"
            ))
            .await;
        assert_eq!(decided, 1);
    }
});

const PW: &str = "a long enough passphrase";

/// The id of a row `sql` selects.
async fn id_of(app: &TestApp, sql: &str) -> String {
    app.count(sql).await.to_string()
}

both_backends!(
    an_officer_sees_and_decides_only_the_parcels_of_their_own_office,
    |app| {
        let key = merchant_api_key(&app).await;
        // To France: through Roissy's office of exchange, cleared by the
        // Roissy customs office where the demo officer works.
        let id = parcel_to_france(&app, &key, "200.00").await;
        let admin = app.signed_in("admin").await;
        let customs_org = id_of(
            &app,
            "select id from organisations where kind = 'customs' and country_code = 'FR'",
        )
        .await;
        let r = app
            .post(
                &admin,
                "/api/admin/offices/create",
                &[
                    ("organisation_id", &customs_org),
                    ("kind", "customs"),
                    ("code", "FRORY1"),
                    ("office_name", "Orly customs"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let orly = id_of(&app, "select id from offices where code = 'FRORY1'").await;
        let sup = app.signed_in("customs_supervisor").await;
        let r = app
            .post(
                &sup,
                "/api/admin/users/create",
                &[
                    ("email", "lea@douane.example"),
                    ("display_name", "Léa Petit"),
                    ("password", PW),
                    ("role", "customs_officer"),
                    ("office_id", &orly),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let lea = app.client();
        assert_eq!(
            app.sign_in(&lea, "lea@douane.example", PW).await.status(),
            StatusCode::OK
        );
        let officer = app.signed_in("customs_officer").await;
        let listed = |c: reqwest::Client| {
            let app = &app;
            async move {
                let v = json(app.post(&c, "/api/risk/parcels", &[]).await).await;
                v.as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["id"].as_i64() == Some(id))
            }
        };
        // Léa's office clears no office of exchange yet: she neither sees
        // the parcel nor decides on it; Roissy's officer and the supervisor do.
        assert!(!listed(lea.clone()).await);
        assert!(listed(officer.clone()).await);
        assert!(listed(sup.clone()).await);
        let before = version(&app, id).await;
        let r = decide(&app, &lea, id, "RELEASE", "OTHER").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(version(&app, id).await, before);

        // The admin hands Roissy's office of exchange to Orly customs.
        let roissy = id_of(&app, "select id from offices where code = 'FRCDGA'").await;
        let update = |customs: &str| {
            vec![
                ("id".to_owned(), roissy.clone()),
                (
                    "office_name".to_owned(),
                    "Roissy CDG office of exchange".to_owned(),
                ),
                ("postcode".to_owned(), "95700".to_owned()),
                ("customs_office_id".to_owned(), customs.to_owned()),
            ]
        };
        let post = |form: Vec<(String, String)>| {
            let app = &app;
            let admin = admin.clone();
            async move {
                let form: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                app.post(&admin, "/api/admin/offices/update", &form).await
            }
        };
        // Not another country's customs office; not on a delivery office.
        let frankfurt = id_of(&app, "select id from offices where code = 'DEFRA1'").await;
        let r = post(update(&frankfurt)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            json(r).await["errors"][0]["code"],
            "customs_office_not_in_country"
        );
        let paris = id_of(&app, "select id from offices where code = 'FR75015'").await;
        let mut on_delivery = update(&orly);
        on_delivery[0].1 = paris;
        on_delivery[1].1 = "Paris 15 delivery office".into();
        on_delivery[2].1 = "75015".into();
        let r = post(on_delivery).await;
        assert_eq!(json(r).await["errors"][0]["code"], "office_not_exchange");
        assert!(listed(officer.clone()).await, "nothing changed");
        let r = post(update(&orly)).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(
            app.count(&format!(
                "select customs_office_id from offices where id = {roissy}"
            ))
            .await
            .to_string(),
            orly
        );
        assert!(listed(lea.clone()).await);
        assert!(!listed(officer.clone()).await);
        let r = decide(&app, &officer, id, "REQUEST_INFO", "MISSING_DOCUMENTS").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = decide(&app, &lea, id, "REQUEST_INFO", "MISSING_DOCUMENTS").await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        assert_eq!(status(&app, id).await.0, "info_requested");
    }
);
