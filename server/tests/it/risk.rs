//! Risk rules kept by a customs supervisor, on both databases: a new rule
//! starts disabled, is back-tested against recent declarations, enabled
//! (each change audited), and then sets the lane of new declarations.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

async fn submit(app: &TestApp, key: &str, description: &str) -> i64 {
    let body = json!({
        "reference": "R-1",
        "sender": {"name": "Maison Lumière SARL", "address1": "12 rue des Lilas", "city": "Lyon", "postcode": "69001", "country": "FR"},
        "addressee": {"name": "Jeanne Martin", "address1": "3 rue de la Paix", "city": "Paris", "postcode": "75002", "country": "FR"},
        "category": "sale_of_goods",
        "currency": "EUR",
        "gross_weight_kg": "0.8",
        "incoterm": "DAP",
        "non_delivery": "return",
        "lines": [
            {"description": description, "quantity": "1", "net_weight_kg": "0.5", "value": "20.00", "hs_code": "854340", "origin": "CN"}
        ]
    });
    submit_declaration(app, key, &body).await
}

async fn lane(app: &TestApp, id: i64) -> i64 {
    app.count(&format!(
        "select cast(case lane when 'green' then 0 when 'yellow' then 1 else 2 end as bigint) from parcels where id = {id}"
    ))
    .await
}

both_backends!(
    a_supervisor_adds_back_tests_and_enables_a_keyword_rule,
    |app| {
        // Only the new rule may decide lanes here.
        app.exec("update risk_rules set enabled = false")
            .await
            .unwrap();
        app.exec("update data_versions set version = version + 1 where name like 'risk:%'")
            .await
            .unwrap();
        let key = merchant_api_key(&app).await;
        let plain = submit(&app, &key, "Leather wallet").await;
        let pen = submit(&app, &key, "Vapor pen starter kit").await;
        assert_eq!((lane(&app, plain).await, lane(&app, pen).await), (0, 0));

        let sup = app.signed_in("customs_supervisor").await;
        let rules_before = app.count("select count(*) from risk_rules").await;
        // Bad input: every problem named, nothing created.
        let r = app
            .post(
                &sup,
                "/api/risk/rules/save",
                &[
                    ("rule[name]", ""),
                    ("rule[kind]", "keyword"),
                    ("rule[words]", " , "),
                    ("rule[weight]", "lots"),
                    ("rule[category]", "health"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = r.text().await.unwrap();
        for f in ["rule.name", "rule.words", "rule.weight"] {
            assert!(text.contains(f), "{f}: {text}");
        }
        assert_eq!(
            app.count("select count(*) from risk_rules").await,
            rules_before
        );

        let r = app
            .post(
                &sup,
                "/api/risk/rules/save",
                &[
                    ("rule[name]", "Vapour devices"),
                    ("rule[kind]", "keyword"),
                    ("rule[words]", "vapor pen, vape"),
                    ("rule[weight]", "70"),
                    ("rule[category]", "health"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        let rule: i64 = json(r).await.as_i64().unwrap();
        assert_eq!(
            app.count(&format!(
                "select count(*) from risk_rules where id = {rule} and enabled = false"
            ))
            .await,
            1
        );
        // Back-test: it fires on one of the two; that one would go red.
        let r = app
            .post(
                &sup,
                "/api/risk/backtest",
                &[("rule_id", &rule.to_string()), ("last", "100")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let b = json(r).await;
        assert_eq!(b["considered"], 2);
        assert_eq!(b["hits"], 1);
        assert_eq!(b["before"], json!([2, 0, 0]));
        assert_eq!(b["after"], json!([1, 0, 1]));
        assert_eq!(b["moved"][0]["after"], "red");
        // Still disabled: a new vapour pen is green.
        let before = submit(&app, &key, "Vapor pen refill").await;
        assert_eq!(lane(&app, before).await, 0);
        // Enabled: the next one is red.
        let r = app
            .post(
                &sup,
                "/api/risk/rules/enable",
                &[("rule_id", &rule.to_string()), ("enabled", "true")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let after = submit(&app, &key, "Vapor pen refill").await;
        assert_eq!(lane(&app, after).await, 2);
        // Each change is in the audit log.
        assert_eq!(
            app.count("select count(*) from audit_log where entity = 'risk_rule'")
                .await,
            2
        );
        // Officers see the scored parcels of their country by lane.
        let officer = app.signed_in("customs_officer").await;
        let red = json(
            app.post(&officer, "/api/risk/parcels", &[("lane", "red")])
                .await,
        )
        .await;
        let ids: Vec<i64> = red
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![after]);
        let r = app
            .post(&officer, "/api/risk/parcels", &[("lane", "purple")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
);

async fn release(app: &TestApp, officer: &reqwest::Client, id: i64) -> StatusCode {
    let v = app
        .count(&format!("select version from parcels where id = {id}"))
        .await;
    officer
        .post(app.url("/api/customs/decide"))
        .form(&[
            ("parcel_id", id.to_string()),
            ("version", v.to_string()),
            ("decision", "RELEASE".to_owned()),
            ("reason_code", "IPR_FASHION".to_owned()),
            ("text", String::new()),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

async fn submit_to(app: &TestApp, key: &str, addressee: &str) -> i64 {
    let body = json!({
        "reference": "R-2",
        "sender": {"name": "Maison Lumière SARL", "address1": "12 rue des Lilas", "city": "Lyon", "postcode": "69001", "country": "FR"},
        "addressee": {"name": addressee, "address1": "3 rue de la Paix", "city": "Paris", "postcode": "75002", "country": "FR"},
        "category": "sale_of_goods",
        "currency": "EUR",
        "gross_weight_kg": "0.8",
        "incoterm": "DAP",
        "non_delivery": "return",
        "lines": [
            {"description": "Cotton T-shirt", "quantity": "1", "net_weight_kg": "0.5", "value": "20.00", "hs_code": "610910", "origin": "PT"}
        ]
    });
    submit_declaration(app, key, &body).await
}

both_backends!(a_supervisor_keeps_lanes_watchlist_and_reason_codes, |app| {
    app.exec("update risk_rules set enabled = false where kind = 'random'")
        .await
        .unwrap();
    app.exec("update data_versions set version = version + 1 where name like 'risk:%'")
        .await
        .unwrap();
    let key = merchant_api_key(&app).await;
    let sup = app.signed_in("customs_supervisor").await;

    // Lanes: red must be above yellow; then the green-lane policy pre-clears.
    let r = app
        .post(
            &sup,
            "/api/risk/settings/save",
            &[("yellow_from", "50"), ("red_from", "40")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            &sup,
            "/api/risk/settings/save",
            &[
                ("yellow_from", "30"),
                ("red_from", "60"),
                ("auto_preclear_green", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let plain = submit_to(&app, &key, "Jeanne Martin").await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from parcels where id = {plain} and customs_status = 'pre_cleared'"
        ))
        .await,
        1
    );

    // Watchlist: a blocked name is red; once removed, it is not.
    let r = app
        .post(
            &sup,
            "/api/risk/watchlist/add",
            &[
                ("name", " - "),
                ("country", "ZZ"),
                ("action", "ban"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    for f in ["\"name\"", "\"country\"", "\"action\""] {
        assert!(text.contains(f), "{f}: {text}");
    }
    let r = app
        .post(
            &sup,
            "/api/risk/watchlist/add",
            &[
                ("name", "Evil Corp"),
                ("country", ""),
                ("action", "block"),
                ("note", "intelligence"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let entry: i64 = json(r).await.as_i64().unwrap();
    let blocked = submit_to(&app, &key, "EVIL CORP.").await;
    assert_eq!(lane(&app, blocked).await, 2);
    let r = app
        .post(
            &sup,
            "/api/risk/watchlist/remove",
            &[("entry_id", &entry.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let again = submit_to(&app, &key, "Evil Corp").await;
    assert_eq!(lane(&app, again).await, 0);

    // Reason codes: a new one can be used in a decision; unused, it cannot.
    let r = app
        .post(
            &sup,
            "/api/risk/reasons/save",
            &[("code", "ipr fashion"), ("label", "Counterfeit fashion")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let lists = json(app.post(&sup, "/api/risk/lists", &[]).await).await;
    let reason = lists["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "IPR_FASHION")
        .unwrap()
        .clone();
    assert_eq!(lists["settings"]["auto_preclear_green"], true);
    let officer = app.signed_in("customs_officer").await;
    let r = app
        .post(
            &sup,
            "/api/risk/reasons/active",
            &[
                ("reason_id", &reason["id"].to_string()),
                ("active", "false"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        release(&app, &officer, again).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = app
        .post(
            &sup,
            "/api/risk/reasons/active",
            &[("reason_id", &reason["id"].to_string()), ("active", "true")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(release(&app, &officer, again).await, StatusCode::OK);
    // Every change in the audit log.
    assert_eq!(
        app.count("select count(*) from audit_log where entity in ('risk_settings', 'watchlist', 'reason_code')")
            .await,
        6
    );
});
