//! Merchants' declarations: drafts, submission, amendment, cancellation,
//! item ids, the list, and who may see what, on both databases.

use std::collections::HashSet;

use crate::common::*;
use app::domain::s10::ItemId;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A declaration that passes every rule, to the United Kingdom.
fn good(description: &str) -> Value {
    json!({
        "reference": "ORDER-1001",
        "sender": {"name": "Maison Lumière SARL", "address1": "12 rue des Lilas", "city": "Lyon", "postcode": "69001", "country": "FR"},
        "addressee": {"name": "Alice Walker", "address1": "1 High Street", "city": "London", "postcode": "SW1A 1AA", "country": "GB"},
        "category": "sale_of_goods",
        "currency": "EUR",
        "gross_weight_kg": "0.8",
        "incoterm": "DAP",
        "non_delivery": "return",
        "lines": [
            {"description": description, "quantity": "2", "net_weight_kg": "0.3", "value": "39.80", "hs_code": "6109.10", "origin": "PT"},
            {"description": "Silk scarf", "quantity": "1", "net_weight_kg": "0.1", "value": "25.00", "hs_code": "621410", "origin": "FR"}
        ]
    })
}

/// Flattens JSON into the bracketed form fields the server functions read
/// (`input[lines][0][hs_code]`).
fn form_fields(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                form_fields(&format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                form_fields(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => {}
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

async fn save(
    app: &TestApp,
    c: &reqwest::Client,
    id: Option<i64>,
    action: &str,
    input: &Value,
) -> reqwest::Response {
    let mut f = vec![("action".to_owned(), action.to_owned())];
    if let Some(id) = id {
        f.push(("declaration_id".into(), id.to_string()));
    }
    form_fields("input", input, &mut f);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(c, "/api/declarations/save", &pairs).await
}

async fn submit(app: &TestApp, c: &reqwest::Client, input: &Value) -> Value {
    let r = save(app, c, None, "submit", input).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    json(r).await
}

async fn parcel(app: &TestApp, c: &reqwest::Client, id: &Value) -> reqwest::Response {
    app.post(c, "/api/parcels/get", &[("parcel_id", &id.to_string())])
        .await
}

both_backends!(
    a_submitted_declaration_becomes_a_parcel_with_its_events,
    |app| {
        let m = app.signed_in("merchant").await;
        let saved = submit(&app, &m, &good("Cotton T-shirt")).await;
        let item = ItemId::parse(saved["item_id"].as_str().unwrap()).expect("a valid S10 id");
        assert_eq!(
            (item.service(), item.serial(), item.country()),
            ("LX", 10_000_000, "FR")
        );
        let p = json(parcel(&app, &m, &saved["parcel_id"]).await).await;
        // Scored and assessed on submission: EUR 64.80 to the United
        // Kingdom is under GBP 135, VAT charged at sale, nothing due.
        assert_eq!(p["parcel"]["customs_status"], "assessed");
        assert_eq!(p["parcel"]["payment_status"], "not_due");
        assert_eq!(p["parcel"]["location"], "posted");
        assert_eq!(p["parcel"]["destination_country"], "GB");
        assert!(p["parcel"]["inward_office_name"]
            .as_str()
            .unwrap()
            .contains("office of exchange"));
        assert_eq!(p["declaration_status"], "submitted");
        assert_eq!(p["changeable"], true);
        let dims: Vec<&str> = p["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["dimension"].as_str().unwrap())
            .collect();
        assert_eq!(
            dims,
            ["declaration", "customs", "customs", "payment", "location"]
        );
        assert_eq!(p["events"][2]["from_state"], "pre_advised");
        assert_eq!(p["events"][2]["to_state"], "assessed");
        assert_eq!(p["events"][4]["upu_code"], "EMA");
        assert_eq!(
            app.count("select count(*) from assessments where current and payer = 'nobody'")
                .await,
            1
        );
        assert_eq!(
            app.count("select count(*) from risk_scores where current")
                .await,
            1
        );
        let v = &p["versions"][0];
        assert_eq!(v["row"]["form"], "CN22");
        assert_eq!(v["row"]["total_value_minor"], 6480);
        assert_eq!(v["input"]["lines"][0]["description"], "Cotton T-shirt");
        // The next one gets the next serial.
        let second = submit(&app, &m, &good("Linen shirt")).await;
        assert_eq!(
            ItemId::parse(second["item_id"].as_str().unwrap())
                .unwrap()
                .serial(),
            10_000_001
        );
    }
);

both_backends!(
    a_refused_submission_keeps_the_draft_and_creates_nothing,
    |app| {
        let m = app.signed_in("merchant").await;
        let mut bad = good("Goods");
        bad["lines"][0]["hs_code"] = json!("61");
        bad["category"] = json!("gift");
        let r = save(&app, &m, None, "submit", &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = json(r).await.to_string();
        for code in [
            "lines.0.hs_code",
            "hs_code_length:2",
            "description_vague",
            "gift_from_merchant",
        ] {
            assert!(body.contains(code), "{code} in {body}");
        }
        assert_eq!(app.count("select count(*) from parcels").await, 0);
        assert_eq!(app.count("select count(*) from parcel_events").await, 0);
        // What was typed is kept as a draft.
        let list = json(app.post(&m, "/api/declarations/list", &[]).await).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["status"], "draft");
        let id = list[0]["id"].as_i64().unwrap();
        // A plain form is sent back to that draft with the errors.
        let mut f = vec![
            ("action".to_owned(), "submit".to_owned()),
            ("declaration_id".into(), id.to_string()),
        ];
        form_fields("input", &bad, &mut f);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = app.post_html(&m, "/api/declarations/save", &pairs).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            to.starts_with(&format!("/declarations/{id}/edit?error=")),
            "{to}"
        );
        // Fixed, it goes through from the same draft.
        let r = save(&app, &m, Some(id), "submit", &good("Cotton T-shirt")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let saved = json(r).await;
        assert_eq!(saved["declaration_id"], id);
        // Submitting the same draft twice is refused.
        let r = save(&app, &m, Some(id), "submit", &good("Cotton T-shirt")).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(app.count("select count(*) from parcels").await, 1);
    }
);

both_backends!(drafts_grow_and_shrink_line_by_line, |app| {
    let m = app.signed_in("merchant").await;
    let blank = json(app.post(&m, "/api/declarations/blank", &[]).await).await;
    assert_eq!(blank["sender"]["city"], "Lyon");
    assert_eq!(blank["lines"][0]["origin"], "FR");
    let r = save(&app, &m, None, "add_line", &good("Cotton T-shirt")).await;
    let saved = json(r).await;
    assert_eq!(saved["line_anchor"], 2);
    let id = saved["declaration_id"].as_i64().unwrap();
    let d = json(
        app.post(
            &m,
            "/api/declarations/get",
            &[("declaration_id", &id.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(d["input"]["lines"].as_array().unwrap().len(), 3);
    let r = save(&app, &m, Some(id), "remove_line:0", &d["input"]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let d = json(
        app.post(
            &m,
            "/api/declarations/get",
            &[("declaration_id", &id.to_string())],
        )
        .await,
    )
    .await;
    assert_eq!(d["input"]["lines"][0]["description"], "Silk scarf");
    assert_eq!(d["input"]["lines"].as_array().unwrap().len(), 2);
    let r = app
        .post(
            &m,
            "/api/declarations/delete_draft",
            &[("declaration_id", &id.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.count("select count(*) from declarations").await, 0);
});

both_backends!(
    amend_and_cancel_until_the_inward_office_of_exchange,
    |app| {
        let m = app.signed_in("merchant").await;
        let s = submit(&app, &m, &good("Cotton T-shirt")).await;
        let pid = s["parcel_id"].as_i64().unwrap();
        let p = json(parcel(&app, &m, &s["parcel_id"]).await).await;
        let version = p["parcel"]["version"].as_i64().unwrap();
        let mut changed = good("Organic cotton T-shirt");
        changed["lines"][0]["value"] = json!("45.00");
        let mut f = vec![
            ("parcel_id".to_owned(), pid.to_string()),
            ("version".into(), version.to_string()),
        ];
        form_fields("input", &changed, &mut f);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = app.post(&m, "/api/parcels/amend", &pairs).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        // The same stale version again: someone changed it since.
        let r = app.post(&m, "/api/parcels/amend", &pairs).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(r.text().await.unwrap().contains("parcel_changed"));
        let p = json(parcel(&app, &m, &s["parcel_id"]).await).await;
        assert_eq!(p["declaration_status"], "amended");
        let versions = p["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0]["row"]["version"], 2);
        assert_eq!(versions[0]["row"]["total_value_minor"], 7000);
        assert_eq!(versions[1]["row"]["total_value_minor"], 6480);
        assert_eq!(versions[0]["row"]["item_id"], s["item_id"]);
        // The list shows the version in force only.
        let list = json(app.post(&m, "/api/declarations/list", &[]).await).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["version"], 2);

        // Once the parcel is at the inward office of exchange: no more changes.
        app.exec(&format!(
            "update parcels set location = 'at_inward_oe' where id = {pid}"
        ))
        .await
        .unwrap();
        let p = json(parcel(&app, &m, &s["parcel_id"]).await).await;
        assert_eq!(p["changeable"], false);
        let version = p["parcel"]["version"].as_i64().unwrap().to_string();
        let r = app
            .post(
                &m,
                "/api/parcels/cancel",
                &[("parcel_id", &pid.to_string()), ("version", &version)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("state_refused:declaration:amended:cancelled"));
        app.exec(&format!(
            "update parcels set location = 'posted' where id = {pid}"
        ))
        .await
        .unwrap();
        let r = app
            .post(
                &m,
                "/api/parcels/cancel",
                &[("parcel_id", &pid.to_string()), ("version", &version)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let p = json(parcel(&app, &m, &s["parcel_id"]).await).await;
        assert_eq!(p["declaration_status"], "cancelled");
        assert_eq!(p["changeable"], false);
        let last = p["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["from_state"].as_str(), last["to_state"].as_str()),
            (Some("amended"), Some("cancelled"))
        );
        // Cancelled is final.
        let version = p["parcel"]["version"].as_i64().unwrap().to_string();
        let r = app
            .post(
                &m,
                "/api/parcels/cancel",
                &[("parcel_id", &pid.to_string()), ("version", &version)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
    }
);

both_backends!(merchants_may_bring_their_own_item_ids, |app| {
    let m = app.signed_in("merchant").await;
    let mut own = good("Cotton T-shirt");
    // Not the company's: another post's id, and one just past its range
    // (the demo merchant has La Poste's LX 10000000-10999999).
    for id in ["RR123456785CN", "LX110000008FR"] {
        own["item_id"] = json!(id);
        let r = save(&app, &m, None, "submit", &own).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("item_id_not_in_ranges"));
    }
    assert_eq!(app.count("select count(*) from parcels").await, 0);
    own["item_id"] = json!("lx 109999998 fr");
    let s = submit(&app, &m, &own).await;
    assert_eq!(s["item_id"], "LX109999998FR");
    own["item_id"] = json!("lx 101234565 fr");
    let s = submit(&app, &m, &own).await;
    assert_eq!(s["item_id"], "LX101234565FR");
    // Used within 24 months: refused, and nothing is created.
    let r = save(&app, &m, None, "submit", &own).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("item_id_taken"));
    assert_eq!(app.count("select count(*) from parcels").await, 2);
    // A wrong check digit names the expected one.
    own["item_id"] = json!("LX101234564FR");
    let r = save(&app, &m, None, "submit", &own).await;
    assert!(r.text().await.unwrap().contains("item_id_check_digit:5:4"));
    // After 24 months the id may be used again.
    app.exec("update item_ids set used_at = '2020-01-01 00:00:00+00:00'")
        .await
        .ok();
    if let app::db::Db::Postgres(_) = app.db {
        app.exec("update item_ids set used_at = '2020-01-01T00:00:00Z'")
            .await
            .unwrap();
    }
    own["item_id"] = json!("LX101234565FR");
    let s2 = submit(&app, &m, &own).await;
    assert_eq!(s2["item_id"], "LX101234565FR");
    assert_ne!(s2["parcel_id"], s["parcel_id"]);
});

both_backends!(
    concurrent_submissions_never_share_an_item_id,
    config = |c| {
        c.db_max_connections = 10;
    },
    |app| {
        let m = app.signed_in("merchant").await;
        let mut tasks = Vec::new();
        for i in 0..24 {
            let (m, base) = (m.clone(), app.base.clone());
            tasks.push(tokio::spawn(async move {
                let mut f = vec![("action".to_owned(), "submit".to_owned())];
                form_fields("input", &good(&format!("Cotton T-shirt {i}")), &mut f);
                let r = m
                    .post(format!("{base}/api/declarations/save"))
                    .form(&f)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                r.json::<Value>().await.unwrap()["item_id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }));
        }
        let mut ids = HashSet::new();
        for t in tasks {
            assert!(ids.insert(t.await.unwrap()), "an item id was given twice");
        }
        assert_eq!(ids.len(), 24);
        assert_eq!(
            app.count("select count(distinct item_id) from parcels")
                .await,
            24
        );
    }
);

both_backends!(the_list_searches_filters_and_pages, |app| {
    let m = app.signed_in("merchant").await;
    let mut items = Vec::new();
    for i in 0..55 {
        let mut d = good(&format!("Cotton T-shirt no {i}"));
        d["addressee"]["name"] = json!(if i == 7 { "Zoë Quill" } else { "Alice Walker" });
        items.push(
            submit(&app, &m, &d).await["item_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let first = json(app.post(&m, "/api/declarations/list", &[]).await).await;
    let first = first.as_array().unwrap();
    assert_eq!(first.len(), 50);
    assert_eq!(first[0]["item_id"].as_str().unwrap(), items[54]);
    let last = first.last().unwrap()["id"].to_string();
    let rest = json(
        app.post(
            &m,
            "/api/declarations/list",
            &[("filter[before_id]", &last)],
        )
        .await,
    )
    .await;
    assert_eq!(rest.as_array().unwrap().len(), 5);
    let by_id = json(
        app.post(
            &m,
            "/api/declarations/list",
            &[("filter[q]", &items[3].to_lowercase())],
        )
        .await,
    )
    .await;
    assert_eq!(by_id.as_array().unwrap().len(), 1);
    let by_name = json(
        app.post(&m, "/api/declarations/list", &[("filter[q]", "zoë")])
            .await,
    )
    .await;
    assert_eq!(by_name.as_array().unwrap().len(), 1);
    let by_goods = json(
        app.post(&m, "/api/declarations/list", &[("filter[q]", "no 1")])
            .await,
    )
    .await;
    assert_eq!(by_goods.as_array().unwrap().len(), 11, "no 1, no 10…no 19");
    let drafts = json(
        app.post(&m, "/api/declarations/list", &[("filter[status]", "draft")])
            .await,
    )
    .await;
    assert_eq!(drafts, json!([]));
    let future = json(
        app.post(
            &m,
            "/api/declarations/list",
            &[("filter[from]", "2999-01-01")],
        )
        .await,
    )
    .await;
    assert_eq!(future, json!([]));
    let r = app
        .post(&m, "/api/declarations/list", &[("filter[to]", "yesterday")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
});

both_backends!(
    another_company_sees_nothing_and_unconfirmed_merchants_cannot_submit,
    |app| {
        let m = app.signed_in("merchant").await;
        let s = submit(&app, &m, &good("Cotton T-shirt")).await;
        let other = app.client();
        let r = app
            .post(
                &other,
                "/api/auth/sign_up",
                &[
                    ("account_type", "merchant"),
                    ("display_name", "Olga Other"),
                    ("email", "olga@other.example"),
                    ("password", "a long enough password"),
                    ("company_name", "Other Shop Ltd"),
                    ("country_code", "GB"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        app.sign_in(&other, "olga@other.example", "a long enough password")
            .await;
        assert_eq!(
            parcel(&app, &other, &s["parcel_id"]).await.status(),
            StatusCode::NOT_FOUND
        );
        let r = app
            .post(
                &other,
                "/api/declarations/get",
                &[("declaration_id", &s["declaration_id"].to_string())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            json(app.post(&other, "/api/declarations/list", &[]).await).await,
            json!([])
        );
        let r = app
            .post(
                &other,
                "/api/parcels/cancel",
                &[("parcel_id", &s["parcel_id"].to_string()), ("version", "2")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // Not confirmed yet: a draft is fine, submitting is not.
        let r = save(&app, &other, None, "submit", &good("Cotton T-shirt")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.text().await.unwrap().contains("email_unverified"));
        assert_eq!(app.count("select count(*) from parcels").await, 1);
        // No S10 range of its own once confirmed: it must bring its ids.
        app.exec("update users set email_verified_at = created_at")
            .await
            .unwrap();
        let r = save(&app, &other, None, "submit", &good("Cotton T-shirt")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("no_item_ids"));
    }
);

both_backends!(parcels_go_only_where_there_is_a_route, |app| {
    let m = app.signed_in("merchant").await;
    let mut d = good("Cotton T-shirt");
    d["addressee"]["country"] = json!("JP");
    let r = save(&app, &m, None, "submit", &d).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(r#""field":"addressee.country","code":"no_route""#));
    // A postcode route wins over the country's.
    let office = app
        .count("select id from offices where code = 'GBCVTA'")
        .await;
    let mut tx = app.db.begin().await.unwrap();
    let special = app::db::orgs::insert_office(
        &mut tx,
        app.count("select id from organisations where kind = 'post' and country_code = 'GB'")
            .await,
        "exchange",
        "GBBT01",
        "Belfast office of exchange",
        "BT1",
    )
    .await
    .unwrap();
    app::db::routing::insert_route(&mut tx, "GB", "BT", special)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    d["addressee"]["country"] = json!("GB");
    d["addressee"]["postcode"] = json!("bt1 5gs");
    let s = submit(&app, &m, &d).await;
    let p = json(parcel(&app, &m, &s["parcel_id"]).await).await;
    assert_eq!(p["parcel"]["inward_office_id"], special);
    assert_ne!(special, office);
});

both_backends!(the_merchant_pages_show_the_parcel, |app| {
    let m = app.signed_in("merchant").await;
    let s = submit(&app, &m, &good("Cotton T-shirt")).await;
    let item = s["item_id"].as_str().unwrap();
    let page = app
        .get_page(&m, &format!("/parcels/{}", s["parcel_id"]))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(item));
    assert!(html.contains("Assessed"));
    assert!(html.contains("Cotton T-shirt"));
    let list = app
        .get_page(&m, "/declarations")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains(item));
    let new = app
        .get_page(&m, "/declarations/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(new.contains("name=\"input[sender][city]\""));
    assert!(new.contains("value=\"Lyon\""));
    // Another company's parcel page says not found.
    let other = app.signed_in("recipient").await;
    assert_eq!(
        app.get_page(&other, &format!("/parcels/{}", s["parcel_id"]))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
});

/// The modules of the barcode an SVG shows (its `<rect x=… width=…>` bars).
fn svg_modules(svg: &str) -> Vec<bool> {
    let total: usize = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("viewBox");
    let mut m = vec![false; total];
    for rect in svg.split("<rect ").skip(1) {
        let attr = |name: &str| -> usize {
            rect.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|s| s.parse().ok())
                .expect("rect attribute")
        };
        let (x, w) = (attr("x"), attr("width"));
        m[x..x + w].iter_mut().for_each(|b| *b = true);
    }
    m
}

/// Decodes Code 128 from bar modules with an independent reader (rxing,
/// a port of ZXing), drawn as a grey image 3 pixels a module.
fn decode(modules: &[bool]) -> String {
    let (scale, height) = (3usize, 60usize);
    let width = modules.len() * scale;
    let mut luma = Vec::with_capacity(width * height);
    for _ in 0..height {
        for m in modules {
            luma.extend(std::iter::repeat_n(if *m { 0u8 } else { 255u8 }, scale));
        }
    }
    // (`detect_in_luma` passes width and height swapped; this one does not.)
    rxing::helpers::detect_in_luma_with_hints(
        luma,
        width as u32,
        height as u32,
        Some(rxing::BarcodeFormat::CODE_128),
        &mut rxing::DecodeHints::default(),
    )
    .expect("a readable Code 128 barcode")
    .getText()
    .to_owned()
}

both_backends!(labels_and_cn23_print_as_html_and_pdf, |app| {
    let m = app.signed_in("merchant").await;
    let s = submit(&app, &m, &good("Cotton T-shirt")).await;
    let item = s["item_id"].as_str().unwrap().to_owned();
    let pid = s["parcel_id"].as_i64().unwrap();
    let get = |path: String| {
        let m = m.clone();
        let url = app.url(&path);
        async move { m.get(url).send().await.unwrap() }
    };
    let r = get(format!("/parcels/{pid}/label")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains(&item) && html.contains("Alice Walker") && html.contains("/print.css"));
    // The barcode on the page reads back as the item id.
    let svg = html
        .split("<svg")
        .nth(1)
        .map(|s| format!("<svg{}", s.split("</svg>").next().unwrap()))
        .unwrap();
    assert_eq!(decode(&svg_modules(&svg)), item);

    let r = get(format!("/parcels/{pid}/label.pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let pdf = lopdf::Document::load_mem(&r.bytes().await.unwrap()).expect("a valid PDF");
    let text = pdf.extract_text(&[1]).unwrap();
    for expected in [
        item.as_str(),
        "Alice Walker",
        "London",
        "Maison Lumière SARL",
        "CN22",
    ] {
        assert!(
            text.contains(expected),
            "{expected} not in the label's text: {text}"
        );
    }

    let r = get(format!("/parcels/{pid}/cn23.pdf")).await;
    let pdf = lopdf::Document::load_mem(&r.bytes().await.unwrap()).expect("a valid PDF");
    let text = pdf.extract_text(&[1]).unwrap();
    for expected in [
        "CUSTOMS DECLARATION CN22",
        "Cotton T-shirt",
        "6109.10",
        "Silk scarf",
        "EUR 64.80",
        "DAP",
    ] {
        assert!(
            text.contains(expected),
            "{expected} not in the CN23's text: {text}"
        );
    }
    let html = get(format!("/parcels/{pid}/cn23"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Customs declaration CN22") && html.contains("Silk scarf"));

    // Nobody else prints them.
    let other = app.signed_in("recipient").await;
    let r = other
        .get(app.url(&format!("/parcels/{pid}/label.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .client()
        .get(app.url(&format!("/parcels/{pid}/label")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
});

both_backends!(the_list_downloads_as_csv_with_its_filters, |app| {
    let m = app.signed_in("merchant").await;
    submit(&app, &m, &good("Cotton T-shirt")).await;
    let mut other = good("Wool jumper");
    other["addressee"]["name"] = json!("Élodie, \"Dupont\"");
    submit(&app, &m, &other).await;
    let r = m
        .get(app.url("/declarations/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("declarations.csv"));
    let text = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rd.headers().unwrap()[1], "item_id");
    // Quotes and commas survive; the newest comes first.
    assert_eq!(&rows[0][6], "Élodie, \"Dupont\"");
    assert_eq!(&rows[0][10], "64.80");
    let r = m
        .get(app.url("/declarations/export.csv?q=wool"))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert_eq!(
        csv::Reader::from_reader(text.as_bytes()).records().count(),
        1
    );
    // Only merchants, and only their own.
    let officer = app.signed_in("customs_officer").await;
    let r = officer
        .get(app.url("/declarations/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .client()
        .get(app.url("/declarations/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
});

// ASVS 4.0 5.3.10 (CSV injection): a spreadsheet runs a cell starting with
// `= + - @` (or a tab or CR) as a formula; every such cell is written with a
// `'` in front, and the portal's own readers take it off again.
both_backends!(csv_files_never_carry_a_formula, |app| {
    let m = app.signed_in("merchant").await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"Refund\")";
    let mut d = good("Cotton T-shirt");
    d["reference"] = json!(formula);
    d["addressee"]["name"] = json!("@SUM(1+1)");
    submit(&app, &m, &d).await;
    let text = m
        .get(app.url("/declarations/export.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let row = rd.records().next().unwrap().unwrap();
    assert_eq!(&row[2], format!("'{formula}"));
    assert_eq!(&row[6], "'@SUM(1+1)");
    // A plain amount stays a number.
    assert_eq!(&row[10], "64.80");
    for cell in row.iter() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?} in {text}"
        );
    }
});

both_backends!(unreadable_arguments_are_the_callers_mistake, |app| {
    let m = app.signed_in("merchant").await;
    // No `input` at all: the function cannot run.
    let r = app
        .post(&m, "/api/declarations/save", &[("action", "save")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("bad_arguments"));
    let r = app
        .post(&m, "/api/parcels/get", &[("parcel_id", "not a number")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("select count(*) from declarations").await, 0);
});
