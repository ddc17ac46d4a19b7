//! The REST API (`/api/v1`): API keys, problem details, batches,
//! idempotency, and the OpenAPI document, on both databases.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn declaration(description: &str) -> Value {
    json!({
        "reference": "API-1",
        "sender": {"name": "Maison Lumière SARL", "address1": "12 rue des Lilas", "city": "Lyon", "postcode": "69001", "country": "FR"},
        "addressee": {"name": "Hans Weber", "address1": "Hauptstraße 1", "city": "Berlin", "postcode": "10115", "country": "DE"},
        "category": "sale_of_goods",
        "currency": "EUR",
        "gross_weight_kg": "0.5",
        "incoterm": "DDP",
        "non_delivery": "return",
        "lines": [{"description": description, "quantity": "1", "net_weight_kg": "0.3", "value": "49.00", "hs_code": "640399", "origin": "IT"}]
    })
}

async fn new_key(app: &TestApp) -> String {
    let m = app.signed_in("merchant").await;
    let r = app
        .post(&m, "/api/api_keys/create", &[("name", "web shop")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let key: String = r.json().await.unwrap();
    assert!(key.starts_with("pck_"));
    key
}

async fn call(
    app: &TestApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
    idem: Option<&str>,
) -> reqwest::Response {
    let mut rb = app.client().request(method, app.url(path)).bearer_auth(key);
    if let Some(b) = body {
        rb = rb.json(b);
    }
    if let Some(k) = idem {
        rb = rb.header("Idempotency-Key", k);
    }
    rb.send().await.unwrap()
}

both_backends!(keys_are_required_shown_once_and_revocable, |app| {
    // No key, a made-up key, a malformed header: 401 problem details, nothing made.
    let r = app
        .client()
        .post(app.url("/api/v1/declarations"))
        .json(&declaration("Leather shoes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], 401);
    let r = call(
        &app,
        "pck_000000000000_nottherightsecret",
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&declaration("Leather shoes")),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let key = new_key(&app).await;
    let wrong = format!("{}x", &key[..key.len() - 1]);
    let r = call(
        &app,
        &wrong,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&declaration("Leather shoes")),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("select count(*) from parcels").await, 0);
    // Only a hash is stored.
    assert_eq!(
        app.count(&format!(
            "select count(*) from api_keys where key_hash = '{key}'"
        ))
        .await,
        0
    );
    // The right key works.
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&declaration("Leather shoes")),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Revoked: 401 and nothing more is made.
    let m = app.signed_in("merchant").await;
    let list = json(app.post(&m, "/api/api_keys/list", &[]).await).await;
    assert_eq!(list[0]["name"], "web shop");
    assert!(list[0]["last_used_at"].is_string());
    let id = list[0]["id"].to_string();
    assert_eq!(
        app.post(&m, "/api/api_keys/revoke", &[("key_id", &id)])
            .await
            .status(),
        StatusCode::OK
    );
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&declaration("Leather shoes")),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("select count(*) from parcels").await, 1);
    // Only merchants make keys.
    let clerk = app.signed_in("postal_clerk").await;
    assert_eq!(
        app.post(&clerk, "/api/api_keys/create", &[("name", "x")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
});

both_backends!(declarations_through_the_api, |app| {
    let key = new_key(&app).await;
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&declaration("Leather shoes")),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let id = created["parcel_id"].as_i64().unwrap();
    let r = call(
        &app,
        &key,
        reqwest::Method::GET,
        &format!("/api/v1/parcels/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["parcel"]["item_id"], created["item_id"]);
    assert_eq!(p["parcel"]["customs_status"], "assessed");
    // Every field error at once, as problem details.
    let mut bad = declaration("stuff");
    bad["lines"][0]["hs_code"] = json!("64");
    bad["addressee"]["country"] = json!("ZZ");
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&bad),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"lines.0.hs_code")
            && fields.contains(&"lines.0.description")
            && fields.contains(&"addressee.country"),
        "{p}"
    );
    // Not JSON at all.
    let r = app
        .client()
        .post(app.url("/api/v1/declarations"))
        .bearer_auth(&key)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Amend, then cancel, with the version read.
    let version = p_version(&app, &key, id).await;
    let mut changed = declaration("Leather ankle boots");
    changed["lines"][0]["value"] = json!("59.00");
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        &format!("/api/v1/parcels/{id}/amend"),
        Some(&json!({"version": version, "declaration": changed})),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["declaration_status"], "amended");
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        &format!("/api/v1/parcels/{id}/cancel"),
        Some(&json!({"version": version})),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "the version moved on");
    let version = p_version(&app, &key, id).await;
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        &format!("/api/v1/parcels/{id}/cancel"),
        Some(&json!({"version": version})),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The list, with a filter.
    let r = call(
        &app,
        &key,
        reqwest::Method::GET,
        "/api/v1/parcels?q=ankle",
        None,
        None,
    )
    .await;
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert!(page["next_before_id"].is_null());
    let r = call(
        &app,
        &key,
        reqwest::Method::GET,
        "/api/v1/parcels?from=soon",
        None,
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Another company's key sees nothing of it.
    let other = app.client();
    app.post(
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
    app.sign_in(&other, "olga@other.example", "a long enough password")
        .await;
    let r = app
        .post(&other, "/api/api_keys/create", &[("name", "other shop")])
        .await;
    let other_key: String = r.json().await.unwrap();
    let r = call(
        &app,
        &other_key,
        reqwest::Method::GET,
        &format!("/api/v1/parcels/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = call(
        &app,
        &other_key,
        reqwest::Method::GET,
        "/api/v1/parcels",
        None,
        None,
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["items"], json!([]));
});

async fn p_version(app: &TestApp, key: &str, id: i64) -> i64 {
    let r = call(
        app,
        key,
        reqwest::Method::GET,
        &format!("/api/v1/parcels/{id}"),
        None,
        None,
    )
    .await;
    r.json::<Value>().await.unwrap()["parcel"]["version"]
        .as_i64()
        .unwrap()
}

both_backends!(batches_are_all_or_nothing, |app| {
    let key = new_key(&app).await;
    let mut items: Vec<Value> = (0..3)
        .map(|i| declaration(&format!("Leather shoes model {i}")))
        .collect();
    items[1]["lines"][0]["origin"] = json!("QQ");
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations/batch",
        Some(&json!({"declarations": items})),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "items.1.lines.0.origin");
    assert_eq!(app.count("select count(*) from parcels").await, 0);
    items[1]["lines"][0]["origin"] = json!("IT");
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations/batch",
        Some(&json!({"declarations": items})),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["parcels"].as_array().unwrap().len(), 3);
    assert_eq!(app.count("select count(*) from parcels").await, 3);
    assert_eq!(app.count("select count(*) from parcel_events").await, 15);
});

both_backends!(idempotency_keys_make_retries_safe, |app| {
    let key = new_key(&app).await;
    let body = declaration("Leather shoes");
    let first = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&body),
        Some("order-77"),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&body),
        Some("order-77"),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(app.count("select count(*) from parcels").await, 1);
    // The same key with another body is refused and makes nothing.
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&declaration("Suede shoes")),
        Some("order-77"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("idempotency_key_reused"));
    assert_eq!(app.count("select count(*) from parcels").await, 1);
    // A refused request is remembered as refused.
    let mut bad = declaration("Leather shoes");
    bad["currency"] = json!("XYZ");
    let r1 = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&bad),
        Some("order-78"),
    )
    .await;
    assert_eq!(r1.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r2 = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&bad),
        Some("order-78"),
    )
    .await;
    assert_eq!(r2.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r2.headers()["idempotent-replayed"], "true");
    // Another key of another request is a new request.
    let r = call(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/declarations",
        Some(&body),
        Some("order-79"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(app.count("select count(*) from parcels").await, 2);
});

both_backends!(
    the_openapi_document_and_reference_are_served_by_the_portal,
    |app| {
        let c = app.client();
        let r = c.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let doc: Value = r.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/v1/declarations",
            "/api/v1/declarations/batch",
            "/api/v1/parcels",
            "/api/v1/parcels/{id}",
            "/api/v1/parcels/{id}/amend",
            "/api/v1/parcels/{id}/cancel",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} missing");
        }
        assert!(doc["components"]["schemas"]["DeclarationInput"].is_object());
        assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
        let page = c.get(app.url("/api/v1/docs")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("/api/v1/docs/assets/swagger-ui-bundle.js"));
        assert!(!html.contains("https://"), "no CDN");
        let js = c
            .get(app.url("/api/v1/docs/assets/swagger-ui-bundle.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(js.status(), StatusCode::OK);
    }
);

both_backends!(
    idempotency_records_are_scoped_expire_and_outlive_dead_requests,
    |app| {
        let key = new_key(&app).await;
        let post = |path: &'static str, body: Value, idem: &'static str| {
            let app = &app;
            let key = key.clone();
            async move {
                call(
                    app,
                    &key,
                    reqwest::Method::POST,
                    path,
                    Some(&body),
                    Some(idem),
                )
                .await
            }
        };
        let one = declaration("Leather shoes");
        let r = post("/api/v1/declarations", one.clone(), "k-1").await;
        assert_eq!(r.status(), StatusCode::CREATED);
        // The same key on another path is another record: it runs.
        let batch = json!({"declarations": [declaration("Wool socks")]});
        let r = post("/api/v1/declarations/batch", batch, "k-1").await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        assert!(!r.headers().contains_key("idempotent-replayed"));
        assert_eq!(app.count("select count(*) from parcels").await, 2);
        assert_eq!(
            app.count("select count(*) from idempotency_keys where key = 'k-1'")
                .await,
            2
        );

        // A request that died while running holds its key until its lease
        // passes; then a retry runs it (once).
        let org = app
            .count("select organisation_id from idempotency_keys limit 1")
            .await;
        let now = app::db::now();
        let minute = time::Duration::minutes(1);
        let dead = |locked_until: time::OffsetDateTime| {
            let app = &app;
            let hash = body_hash(&one);
            async move {
                let sql = "insert into idempotency_keys (organisation_id, method, path, key,
                               request_hash, created_at, locked_until, expires_at)
                           values ($1, 'POST', '/api/v1/declarations', 'k-dead', $2, $3, $4, $5)";
                let day = time::Duration::days(1);
                match &app.db {
                    app::db::Db::Sqlite(p) => sqlx::query(sql)
                        .bind(org)
                        .bind(hash)
                        .bind(now)
                        .bind(locked_until)
                        .bind(now + day)
                        .execute(p)
                        .await
                        .map(|_| ()),
                    app::db::Db::Postgres(p) => sqlx::query(sql)
                        .bind(org)
                        .bind(hash)
                        .bind(now)
                        .bind(locked_until)
                        .bind(now + day)
                        .execute(p)
                        .await
                        .map(|_| ()),
                }
                .unwrap();
            }
        };
        dead(now + minute).await;
        let r = post("/api/v1/declarations", one.clone(), "k-dead").await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "still running");
        app.exec("delete from idempotency_keys where key = 'k-dead'")
            .await
            .unwrap();
        dead(now - minute).await;
        let r = post("/api/v1/declarations", one.clone(), "k-dead").await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let r = post("/api/v1/declarations", one.clone(), "k-dead").await;
        assert_eq!(r.headers()["idempotent-replayed"], "true");
        assert_eq!(app.count("select count(*) from parcels").await, 3);

        // An expired record is forgotten: the key may carry another body,
        // and housekeeping deletes what has expired.
        let sql = "update idempotency_keys set expires_at = $1 where key = 'k-1'";
        match &app.db {
            app::db::Db::Sqlite(p) => sqlx::query(sql)
                .bind(now - minute)
                .execute(p)
                .await
                .map(|_| ()),
            app::db::Db::Postgres(p) => sqlx::query(sql)
                .bind(now - minute)
                .execute(p)
                .await
                .map(|_| ()),
        }
        .unwrap();
        let r = post("/api/v1/declarations", declaration("Suede shoes"), "k-1").await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        app::jobs::housekeeping(&app.state).await.unwrap();
        assert_eq!(
            app.count("select count(*) from idempotency_keys where key = 'k-1'")
                .await,
            1,
            "the batch's expired record is gone, the new one stays"
        );
    }
);

/// The hash the API keeps of a request body (SHA-256 of its bytes, hex).
fn body_hash(v: &Value) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(serde_json::to_vec(v).unwrap()))
}
