//! The only place with SQL. One SQL string per query with `$N` placeholders runs
//! on both backends through [`Db`]; see ARCHITECTURE.md for why not `sqlx::Any`.
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub mod apikeys;
pub mod audit;
pub mod clearance;
pub mod company;
pub mod customs;
pub mod declarations;
pub mod documents;
pub mod jobs;
pub mod orgs;
pub mod parcels;
pub mod ranges;
pub mod rates;
pub mod routing;
pub mod throttle;
pub mod tokens;
pub mod uploads;
pub mod users;

/// The database: the embedded SQLite file by default, PostgreSQL in production.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open write transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs the same expression against whichever pool `$db` holds.
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
/// Runs the same expression against the connection of whichever transaction `$tx` is.
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use {on_db, on_tx};

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), creating the SQLite
    /// file and its folder if they are missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(dir) = std::path::Path::new(opts.get_filename()).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(sqlx::Error::Configuration(
                format!("DATABASE_URL must start with sqlite: or postgres:// (got {url:?})").into(),
            ))
        }
    }

    /// Applies the migrations of this backend (migrations/sqlite or migrations/postgres).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("../migrations/sqlite").run(p).await,
            Db::Postgres(p) => sqlx::migrate!("../migrations/postgres").run(p).await,
        }
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so read-then-write transactions never deadlock.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, |p| sqlx::query("select 1")
            .execute(p)
            .await
            .map(|_| ()))
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// True when `e` is a unique-constraint violation (on either backend).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// An update of one row by id: none changed means there is no such row.
/// Rows per multi-row statement of a batch write (within every backend's
/// limit of bound parameters).
pub(crate) const CHUNK: usize = 500;

pub(crate) fn one_row(rows_affected: u64) -> crate::error::AppResult<()> {
    if rows_affected == 0 {
        Err(crate::error::AppError::NotFound)
    } else {
        Ok(())
    }
}

pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}
