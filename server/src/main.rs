use app::config::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    // A local .env file, if any (see .env.example); the real environment wins.
    let _ = dotenvy::dotenv();
    // `server demo-code`: the current code of the demo staff accounts.
    if std::env::args().nth(1).as_deref() == Some("demo-code") {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let code = app::totp::code_at(server::demo::DEMO_TOTP_SECRET, now)
            .expect("the demo secret is valid base32");
        println!(
            "{code}  (demo staff accounts; valid for {} more seconds)",
            30 - now % 30
        );
        return;
    }
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json");
    let filter = EnvFilter::try_from_env("LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    if json {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    if let Err(e) = run().await {
        tracing::error!("{e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let options = server::leptos_options_from_env()?;
    let addr = options.site_addr;
    let state = server::prepare(config, options).await?;
    tracing::info!(backend = state.db.backend(), "database ready");
    let router = server::router(state).await?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{addr}");
    server::serve(listener, router).await?;
    Ok(())
}
