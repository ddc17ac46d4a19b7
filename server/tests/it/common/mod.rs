//! Test harness: the real server, in process, on a fresh database of either
//! backend, reached over HTTP on a random port with a cookie-keeping client.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use app::config::Config;
use app::db::Db;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sqlx::postgres::PgPoolOptions;
use sqlx::Executor;
use tokio::sync::OnceCell;

pub use server::demo::DEMO_PASSWORD;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Db,
    pub base: String,
    pub state: app::state::AppState,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);
static PG_TEMPLATE: OnceCell<Option<String>> = OnceCell::const_new();

fn pg_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("postgres url has a database");
    format!("{base}/{db}")
}

/// A cheap fingerprint of the PostgreSQL migrations, so a changed schema gets
/// a new template database.
fn migrations_fingerprint() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("migrations dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut h: u64 = 0xcbf29ce484222325;
    for f in files {
        for b in std::fs::read(&f).expect("migration file") {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

/// Creates (once per test process) a migrated template database; every test
/// database is a cheap copy of it. `None` when PostgreSQL cannot be reached
/// outside CI (the tests then say they skipped); in CI that is a failure.
async fn pg_template() -> Option<String> {
    PG_TEMPLATE
        .get_or_init(|| async {
            let admin_url = pg_admin_url();
            let admin = match PgPoolOptions::new().max_connections(1).connect(&admin_url).await {
                Ok(p) => p,
                Err(e) => {
                    if std::env::var("CI").is_ok_and(|v| v == "true") {
                        panic!("CI=true and PostgreSQL at {admin_url} cannot be reached: {e}");
                    }
                    eprintln!("SKIPPED: PostgreSQL tests: {admin_url} cannot be reached ({e})");
                    return None;
                }
            };
            // Databases left by earlier runs of this suite.
            let me = std::process::id();
            let old: Vec<String> = sqlx::query_scalar(
                "select datname from pg_database where datname like 'postclear_test_%'",
            )
            .fetch_all(&admin)
            .await
            .expect("list databases");
            for name in old.iter().filter(|n| !n.starts_with(&format!("postclear_test_{me}_"))) {
                let _ = admin.execute(format!("drop database if exists \"{name}\" with (force)").as_str()).await;
            }
            let template = format!("postclear_tpl_{}", migrations_fingerprint());
            let exists: bool = sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                .bind(&template)
                .fetch_one(&admin)
                .await
                .expect("query pg_database");
            if !exists {
                let building = format!("{template}_building_{me}");
                admin
                    .execute(format!("create database \"{building}\"").as_str())
                    .await
                    .expect("create template database");
                let db = Db::connect(&with_database(&admin_url, &building), 2).await.expect("connect template");
                db.migrate().await.expect("migrate template");
                if let Db::Postgres(p) = &db {
                    p.close().await;
                }
                // A closed pool's server processes may linger for a moment.
                let _ = sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()")
                    .bind(&building)
                    .execute(&admin)
                    .await;
                let mut renamed = Err(None);
                for _ in 0..100 {
                    match admin
                        .execute(format!("alter database \"{building}\" rename to \"{template}\"").as_str())
                        .await
                    {
                        Ok(_) => {
                            renamed = Ok(());
                            break;
                        }
                        Err(e) => {
                            renamed = Err(Some(e));
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        }
                    }
                }
                if let Err(e) = renamed {
                    // Another process may have won the race; otherwise it is a failure.
                    let _ = admin.execute(format!("drop database if exists \"{building}\" with (force)").as_str()).await;
                    let exists: bool = sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                        .bind(&template)
                        .fetch_one(&admin)
                        .await
                        .expect("query pg_database");
                    assert!(exists, "cannot create the template database: {e:?}");
                }
            }
            admin.close().await;
            Some(template)
        })
        .await
        .clone()
}

pub async fn database_url(backend: Backend) -> Option<String> {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let me = std::process::id();
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("postclear-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            let file = dir.join(format!("test_{me}_{n}.db"));
            let _ = std::fs::remove_file(&file);
            Some(format!("sqlite://{}", file.display()))
        }
        Backend::Postgres => {
            let template = pg_template().await?;
            let name = format!("postclear_test_{me}_{n}");
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect(&pg_admin_url())
                .await
                .expect("connect");
            admin
                .execute(format!("create database \"{name}\" template \"{template}\"").as_str())
                .await
                .expect("create test database");
            admin.close().await;
            Some(with_database(&pg_admin_url(), &name))
        }
    }
}

impl TestApp {
    /// Starts the server on a fresh database with the default test settings.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
        // `TEST_LOG=tower_http=debug,info cargo test …`: the servers' logs,
        // shown with a failing test's output.
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let url = database_url(backend).await?;
        let mut config = Config::for_tests(&url);
        tweak(&mut config);
        let conf = server::leptos_options_from_env().expect("leptos configuration");
        // Each test database has its own outbox folder, empty at the start.
        let _ = std::fs::remove_dir_all(&config.mail_outbox_dir);
        let state = server::prepare(config, conf).await.expect("prepare");
        let db = state.db.clone();
        let router = server::router(state.clone()).await.expect("router");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        tokio::spawn(server::serve(listener, router));
        Some(TestApp {
            addr,
            db,
            base: format!("http://{addr}"),
            state,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new browser-like visitor with its own cookie jar.
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            // A hung request fails its test instead of hanging the suite.
            .timeout(std::time::Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub async fn post(&self, c: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        c.post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Posts like a browser's plain HTML form (no JavaScript).
    pub async fn post_html(&self, c: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        let mut h = HeaderMap::new();
        h.insert(
            ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml"),
        );
        h.insert("origin", HeaderValue::from_str(&self.base).unwrap());
        h.insert("referer", HeaderValue::from_str(&self.url("/")).unwrap());
        c.post(self.url(path))
            .headers(h)
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_page(&self, c: &Client, path: &str) -> Response {
        c.get(self.url(path))
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_in(&self, c: &Client, email: &str, password: &str) -> Response {
        self.post(
            c,
            "/api/auth/sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// A client signed in as the demo account of `role` (e.g. "admin").
    pub async fn signed_in(&self, role: &str) -> Client {
        let c = self.client();
        let email = format!("{}@demo.postclear.test", demo_local(role));
        let r = self.sign_in(&c, &email, DEMO_PASSWORD).await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "sign-in as {role}: {}",
            r.text().await.unwrap()
        );
        c
    }

    /// Who the server thinks `c` is (`Value::Null` when nobody).
    pub async fn me(&self, c: &Client) -> Value {
        let r = self.post(c, "/api/auth/me", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }
}

impl TestApp {
    /// The `.eml` files written so far, as text.
    pub fn outbox(&self) -> Vec<(String, String)> {
        let dir = &self.state.config.mail_outbox_dir;
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .map(|e| {
                        (
                            e.file_name().to_string_lossy().into_owned(),
                            std::fs::read_to_string(e.path()).expect("read .eml"),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// Waits (up to 15 s) for an e-mail to `to` whose text contains `needle`.
    pub async fn wait_for_email(&self, to: &str, needle: &str) -> String {
        for _ in 0..300 {
            if let Some((_, eml)) = self
                .outbox()
                .into_iter()
                .find(|(_, e)| e.contains(&format!("<{to}>")) && e.contains(needle))
            {
                return eml;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "no e-mail to {to} containing {needle:?}; outbox: {:?}",
            self.outbox()
        );
    }

    /// Runs SQL on the test database (either backend).
    pub async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match &self.db {
            Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
            Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        }
    }

    /// The one text value `sql` selects.
    pub async fn text(&self, sql: &str) -> String {
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("text"),
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("text"),
        }
    }

    pub async fn count(&self, sql: &str) -> i64 {
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("count"),
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("count"),
        }
    }
}

/// The token of the first link to `path` in an e-mail.
pub fn token_in(eml: &str, path: &str) -> String {
    let start = eml
        .find(&format!("{path}?token="))
        .unwrap_or_else(|| panic!("no {path} link in {eml}"))
        + path.len()
        + "?token=".len();
    eml[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

pub fn demo_local(role: &str) -> &'static str {
    match role {
        "merchant" => "merchant",
        "recipient" => "recipient",
        "postal_clerk" => "clerk",
        "customs_officer" => "officer",
        "customs_supervisor" => "supervisor",
        "admin" => "admin",
        other => panic!("no demo account for {other}"),
    }
}

pub const ROLES: [&str; 6] = [
    "merchant",
    "recipient",
    "postal_clerk",
    "customs_officer",
    "customs_supervisor",
    "admin",
];

/// A new API key of the demo merchant.
pub async fn merchant_api_key(app: &TestApp) -> String {
    let m = app.signed_in("merchant").await;
    let r = app
        .post(&m, "/api/api_keys/create", &[("name", "tests")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    json(r).await.as_str().unwrap().to_owned()
}

/// Submits one declaration through the REST API (it must be created); the
/// new parcel's id.
pub async fn submit_declaration(app: &TestApp, key: &str, body: &Value) -> i64 {
    let r = Client::new()
        .post(app.url("/api/v1/declarations"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    v["parcel_id"].as_i64().unwrap()
}

pub async fn json(r: Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
}

/// Runs one async test body on both backends, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::both_backends!($name, config = |_c| {}, |$app| $body);
    };
    ($name:ident, config = |$c:ident| $tweak:block, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run(backend: $crate::common::Backend) {
                let Some($app) = $crate::common::TestApp::spawn_with(backend, |$c| $tweak).await
                else {
                    return;
                };
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::common::Backend::Postgres).await
            }
        }
    };
}

/// Thirty copies of one form post sent at once by client `c`; their statuses.
pub async fn burst(c: &Client, url: String, form: &[(&str, &str)]) -> Vec<StatusCode> {
    let form: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let (c, url, form) = (c.clone(), url.clone(), form.clone());
        set.spawn(async move {
            c.post(url)
                .form(&form)
                .send()
                .await
                .expect("request")
                .status()
        });
    }
    set.join_all().await
}

/// How many of `statuses` are `status`.
pub fn tally(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// A client whose sign-in as the demo admin waits for its second step
/// (two-step sign-in on, with the demo authenticator key).
pub async fn admin_waiting_for_code(app: &TestApp) -> Client {
    let c = app.client();
    let r = app
        .sign_in(&c, "admin@demo.postclear.test", DEMO_PASSWORD)
        .await;
    assert_eq!(json(r).await, "code");
    c
}

/// The demo staff accounts' authenticator code of this moment.
pub fn demo_code_now() -> String {
    app::totp::code_at(
        server::demo::DEMO_TOTP_SECRET,
        app::db::now().unix_timestamp(),
    )
    .expect("the demo secret is valid base32")
}
