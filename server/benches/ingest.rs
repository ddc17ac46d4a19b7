//! API ingest benchmark: the real server (this build; `make bench` uses the
//! release-like bench profile) on SQLite with the product's own settings,
//! fed batches of 1,000 realistic parcels (2 content lines each) through
//! `POST /api/v1/declarations/batch` by a client on the same machine.
//! Printed beside a baseline measured in the same run: the rows the API
//! writes for those parcels (parcels, item ids, declarations, five events,
//! an assessment and a risk score each), inserted with plain multi-row
//! INSERTs, one transaction per batch. The API also validates, scores and
//! assesses every parcel.
//!
//! `cargo bench -p server --bench ingest [-- --runs 5 --batches 5]`
use std::time::{Duration, Instant};

use app::config::Config;
use app::db::{self, Db};
use serde_json::{json, Value};

const BATCH: usize = 1000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn parcel(n: usize) -> Value {
    let countries = ["DE", "GB", "US", "FR"];
    let c = countries[n % countries.len()];
    json!({
        "reference": format!("BENCH-{n}"),
        "sender": {"name": "Maison Lumière SARL", "address1": "12 rue des Lilas", "city": "Lyon", "postcode": "69001", "country": "FR", "email": "expeditions@maison-lumiere.example"},
        "addressee": {"name": format!("Customer {n}"), "address1": format!("{} Main Street", n % 200 + 1), "city": "Springfield", "postcode": format!("{:05}", n % 90000 + 10000), "country": c, "email": format!("customer{n}@example.test")},
        "category": "sale_of_goods",
        "currency": "EUR",
        "gross_weight_kg": "1.2",
        "incoterm": if n.is_multiple_of(3) { "DDP" } else { "DAP" },
        "non_delivery": "return",
        "lines": [
            {"description": "Cotton T-shirt", "quantity": "2", "net_weight_kg": "0.4", "value": format!("{}.90", 20 + n % 50), "hs_code": "610910", "origin": "PT"},
            {"description": "Leather wallet", "quantity": "1", "net_weight_kg": "0.2", "value": "35.00", "hs_code": "420232", "origin": "IT"}
        ]
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

async fn fresh_db(dir: &std::path::Path, name: &str) -> String {
    let file = dir.join(format!("{name}.db"));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", file.display()));
    }
    format!("sqlite://{}", file.display())
}

/// The API path: one batch per request.
async fn api_run(base: &str, key: &str, client: &reqwest::Client, bodies: &[String]) -> Duration {
    let start = Instant::now();
    for body in bodies {
        let r = client
            .post(format!("{base}/api/v1/declarations/batch"))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    }
    start.elapsed()
}

/// The baseline: the same rows, plain multi-row INSERTs, one transaction per batch.
async fn baseline_run(
    db: &Db,
    company: i64,
    user: i64,
    office: i64,
    batches: usize,
    first_serial: &mut u64,
) -> Duration {
    let Db::Sqlite(pool) = db else { unreachable!() };
    let start = Instant::now();
    for _ in 0..batches {
        let mut tx = pool.begin().await.unwrap();
        let now = db::now();
        let items: Vec<String> = (0..BATCH)
            .map(|i| {
                app::domain::s10::ItemId::generate("LX", *first_serial + i as u64, "FR")
                    .unwrap()
                    .to_string()
            })
            .collect();
        *first_serial += BATCH as u64;
        let mut ids = Vec::with_capacity(BATCH);
        for chunk in items.chunks(500) {
            let mut q = sqlx::QueryBuilder::new(
                "insert into parcels (item_id, company_id, destination_country, inward_office_id, customs_status, payment_status, location, lane, amount_due_minor, amount_due_currency, version, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, item| {
                b.push_bind(item)
                    .push_bind(company)
                    .push_bind("DE")
                    .push_bind(office)
                    .push_bind("assessed")
                    .push_bind("due")
                    .push_bind("posted")
                    .push_bind("green")
                    .push_bind(1490)
                    .push_bind("EUR")
                    .push_bind(2)
                    .push_bind(now)
                    .push_bind(now);
            });
            q.push(" returning id");
            let rows: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await.unwrap();
            ids.extend(rows);
        }
        let input = parcel(1).to_string();
        for (chunk_items, chunk_ids) in items.chunks(500).zip(ids.chunks(500)) {
            let mut q =
                sqlx::QueryBuilder::new("insert into item_ids (item_id, parcel_id, used_at) ");
            q.push_values(chunk_items.iter().zip(chunk_ids), |mut b, (item, id)| {
                b.push_bind(item).push_bind(id).push_bind(now);
            });
            q.build().execute(&mut *tx).await.unwrap();
            let mut q = sqlx::QueryBuilder::new(
                "insert into declarations (company_id, created_by, parcel_id, version, status, reference, item_id, input_json, form, currency, total_value_minor, addressee_name, addressee_country, summary, created_at, updated_at, submitted_at) ",
            );
            q.push_values(chunk_items.iter().zip(chunk_ids), |mut b, (item, id)| {
                b.push_bind(company)
                    .push_bind(user)
                    .push_bind(id)
                    .push_bind(1)
                    .push_bind("submitted")
                    .push_bind("BENCH")
                    .push_bind(item)
                    .push_bind(&input)
                    .push_bind("CN22")
                    .push_bind("EUR")
                    .push_bind(7480)
                    .push_bind("Customer")
                    .push_bind("DE")
                    .push_bind("Cotton T-shirt, Leather wallet")
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        for chunk_ids in ids.chunks(500) {
            let mut q = sqlx::QueryBuilder::new("insert into parcel_events (parcel_id, dimension, from_state, to_state, upu_code, decision_code, actor_id, office_id, reason, at) ");
            let rows = chunk_ids.iter().flat_map(|id| {
                [
                    ("declaration", None, "submitted", None),
                    ("customs", None, "pre_advised", None),
                    ("customs", Some("pre_advised"), "assessed", None),
                    ("payment", None, "due", None),
                    ("location", None, "posted", Some("EMA")),
                ]
                .map(|(d, from, to, upu)| (*id, d, from, to, upu))
            });
            q.push_values(rows, |mut b, (id, d, from, to, upu)| {
                b.push_bind(id)
                    .push_bind(d)
                    .push_bind(from)
                    .push_bind(to)
                    .push_bind(upu)
                    .push_bind(None::<String>)
                    .push_bind(user)
                    .push_bind(None::<i64>)
                    .push_bind("")
                    .push_bind(now);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        // The assessment and the risk score of each, as the API stores them.
        let (detail, hits) = results();
        for chunk_ids in ids.chunks(400) {
            let mut q = sqlx::QueryBuilder::new("insert into assessments (parcel_id, declaration_id, regime, currency, goods_value_minor, customs_value_minor, total_minor, payer, complete, detail, current, created_at) ");
            q.push_values(chunk_ids, |mut b, id| {
                b.push_bind(id)
                    .push_bind(None::<i64>)
                    .push_bind("EU-2026")
                    .push_bind("EUR")
                    .push_bind(7480)
                    .push_bind(7480)
                    .push_bind(1490)
                    .push_bind("recipient")
                    .push_bind(true)
                    .push_bind(&detail)
                    .push_bind(true)
                    .push_bind(now);
            });
            q.build().execute(&mut *tx).await.unwrap();
            let mut q = sqlx::QueryBuilder::new("insert into risk_scores (parcel_id, declaration_id, score, lane, blocked, hits, current, created_at) ");
            q.push_values(chunk_ids, |mut b, id| {
                b.push_bind(id)
                    .push_bind(None::<i64>)
                    .push_bind(0)
                    .push_bind("green")
                    .push_bind(false)
                    .push_bind(&hits)
                    .push_bind(true)
                    .push_bind(now);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    start.elapsed()
}

/// A real assessment's detail and an empty list of hits, as stored.
fn results() -> (String, String) {
    let input: app::domain::declaration::DeclarationInput =
        serde_json::from_value(parcel(1)).unwrap();
    let d = app::domain::declaration::validate(
        &input,
        &app::domain::declaration::Context {
            by_merchant: true,
            units_per_sdr_micro: Some(1_180_000),
        },
    )
    .unwrap();
    let data = app::regimes::seed().unwrap().data();
    let a = app::domain::assess::assess(
        &app::domain::assess::AssessInput {
            declaration: &d,
            destination: "DE",
            day: db::now().date(),
            by_merchant: true,
            cbec_platform: true,
            year_to_date_minor: 0,
        },
        &data,
    );
    (
        serde_json::json!({"lines": a.lines, "notes": a.notes}).to_string(),
        "[]".to_owned(),
    )
}

#[tokio::main]
async fn main() {
    let runs = arg("--runs", 5);
    let batches = arg("--batches", 5);
    let dir = std::env::temp_dir().join("postclear-bench");
    std::fs::create_dir_all(&dir).unwrap();

    // The server, with the product's own settings (environment or defaults).
    let mut config = Config::from_env().expect("configuration");
    config.database_url = fresh_db(&dir, "api").await;
    config.mail_outbox_dir = dir.join("outbox");
    let options = server::leptos_options_from_env().expect("leptos options");
    let state = server::prepare(config, options).await.expect("prepare");
    let db = state.db.clone();
    // A verified merchant with an API key and room in its S10 range.
    let company: i64 = match &db {
        Db::Sqlite(p) => {
            sqlx::query_scalar("select id from organisations where kind = 'company' limit 1")
                .fetch_one(p)
                .await
                .unwrap()
        }
        _ => unreachable!(),
    };
    let user: i64 = match &db {
        Db::Sqlite(p) => sqlx::query_scalar("select id from users where role = 'merchant' limit 1")
            .fetch_one(p)
            .await
            .unwrap(),
        _ => unreachable!(),
    };
    let office: i64 = match &db {
        Db::Sqlite(p) => {
            sqlx::query_scalar("select office_id from routes where country_code = 'DE'")
                .fetch_one(p)
                .await
                .unwrap()
        }
        _ => unreachable!(),
    };
    let (key, prefix, hash) = app::tokens::new_api_key();
    let mut tx = db.begin().await.unwrap();
    app::db::apikeys::insert(&mut tx, company, "bench", &prefix, &hash, user)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    if let Db::Sqlite(p) = &db {
        sqlx::query("update s10_ranges set last_serial = 99999999 where company_id is not null")
            .execute(p)
            .await
            .unwrap();
    }
    let router = server::router(state).await.expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server::serve(listener, router));
    let client = reqwest::Client::new();

    let mut n = 0;
    let mut make = |count: usize| -> Vec<String> {
        (0..count)
            .map(|_| {
                let items: Vec<Value> = (0..BATCH)
                    .map(|_| {
                        n += 1;
                        parcel(n)
                    })
                    .collect();
                json!({ "declarations": items }).to_string()
            })
            .collect()
    };
    // Warm-up, then the runs.
    api_run(&base, &key, &client, &make(1)).await;
    let mut api = Vec::new();
    for _ in 0..runs {
        let bodies = make(batches);
        let t = api_run(&base, &key, &client, &bodies).await;
        api.push((batches * BATCH) as f64 / t.as_secs_f64());
    }

    // The baseline, on its own fresh database with the same schema and data.
    let base_url = fresh_db(&dir, "baseline").await;
    let bdb = Db::connect(&base_url, 10).await.unwrap();
    bdb.migrate().await.unwrap();
    server::demo::load_if_empty(&bdb, false).await.unwrap();
    let mut serial = 20_000_000u64;
    baseline_run(&bdb, company, user, office, 1, &mut serial).await;
    let mut baseline = Vec::new();
    for _ in 0..runs {
        let t = baseline_run(&bdb, company, user, office, batches, &mut serial).await;
        baseline.push((batches * BATCH) as f64 / t.as_secs_f64());
    }
    let (a, b) = (median(api), median(baseline));
    println!("API ingest, SQLite, batches of {BATCH} parcels with 2 lines, median of {runs} runs of {} parcels:", batches * BATCH);
    println!("  through the API: {a:>9.0} parcels/s");
    println!("  baseline (plain multi-row INSERTs, one transaction per batch): {b:>9.0} parcels/s");
    println!(
        "  API / baseline: {:.0} %   (targets: >= 10,000 parcels/s and >= 50 %)",
        100.0 * a / b
    );
}
