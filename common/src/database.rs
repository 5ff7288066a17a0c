//! One database for everything: sea-orm for the data model and apalis for the job queue
//! share a single sqlx pool, on SQLite (embedded) or PostgreSQL (production).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::OnConflict;
use sea_orm::sqlx;
use sea_orm::sqlx::ConnectOptions as _;
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{PgPool, SqlitePool};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    SqliteTransactionMode, SqlxPostgresConnector, SqlxSqliteConnector, TransactionOptions,
    TransactionTrait,
};
use secrecy::ExposeSecret;

use crate::settings::DatabaseSettings;

/// Statements slower than this are logged, at [`SLOW_STATEMENT_LEVEL`].
const SLOW_STATEMENT: Duration = Duration::from_secs(1);
/// Debug, not sqlx's default warning: a statement waiting on SQLite's write lock while the
/// demo shop loads is expected, and its multi-kilobyte text buried the start-up URLs.
const SLOW_STATEMENT_LEVEL: log::LevelFilter = log::LevelFilter::Debug;

/// File name of the embedded database inside `database.data_dir`.
pub const SQLITE_FILE: &str = "meander.db";

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The data folder could not be created.
    #[error("cannot create data folder `{path}`: {source}")]
    DataDir {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The URL did not parse. Only the parser's reason is kept, with the URL (which may hold
    /// a password) cut out of it, so no source error is chained here.
    #[error("database.url is not a valid database URL: {0}")]
    Url(String),
    /// The server or file could not be reached or opened.
    #[error("cannot connect to the database")]
    Connect(#[source] sea_orm::sqlx::Error),
    /// Running the migrations failed (nothing half-applied: each runs in a transaction where
    /// the backend allows it).
    #[error("database migration failed")]
    Migrate(#[source] sea_orm::DbErr),
}

/// Which engine backs the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// The raw sqlx pool, for the job queue.
#[derive(Debug, Clone)]
pub enum Pool {
    /// SQLite pool.
    Sqlite(SqlitePool),
    /// PostgreSQL pool.
    Postgres(PgPool),
}

/// An open database: the sea-orm connection and the sqlx pool under it.
#[derive(Debug, Clone)]
pub struct Database {
    /// sea-orm handle for the data model.
    pub conn: DatabaseConnection,
    /// The same pool, for apalis.
    pub pool: Pool,
}

impl Database {
    /// Opens the configured database, creating the SQLite file and folder when needed.
    ///
    /// # Errors
    /// [`DatabaseError`] when the URL is invalid or the database cannot be reached.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, DatabaseError> {
        let url = settings
            .url
            .as_ref()
            .map(|url| url.expose_secret().to_owned());
        match url {
            Some(url) if !url.starts_with("sqlite:") => connect_postgres(&url, settings).await,
            Some(url) => {
                let options = SqliteConnectOptions::from_str(&url)
                    .map_err(|err| DatabaseError::Url(err.to_string()))?;
                connect_sqlite(options, settings).await
            }
            None => {
                let path = settings.data_dir.join(SQLITE_FILE);
                create_dir(&settings.data_dir)?;
                connect_sqlite(SqliteConnectOptions::new().filename(path), settings).await
            }
        }
    }

    /// Which engine this is.
    #[must_use]
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every pending migration. PostgreSQL runs each in its own transaction. On
    /// SQLite, which sea-orm would run statement by statement on whichever pooled connection
    /// is free, they all run in one write transaction on one connection: a failed start leaves
    /// the schema as it was (nothing half-applied), and no statement can meet a connection
    /// that has not seen the previous one's change ("no such column" on a fresh database).
    ///
    /// # Errors
    /// [`DatabaseError::Migrate`] with the database's reason.
    pub async fn migrate(&self) -> Result<(), DatabaseError> {
        let applied = match self.backend() {
            Backend::Postgres => Migrator::up(&self.conn, None).await,
            Backend::Sqlite => {
                async {
                    let txn = begin_write(&self.conn).await?;
                    Migrator::up(&txn, None).await?;
                    txn.commit().await
                }
                .await
            }
        };
        applied.map_err(DatabaseError::Migrate)
    }

    /// Number of migrations not yet applied (0 when the schema is current).
    ///
    /// # Errors
    /// [`DatabaseError::Migrate`] when the migration table cannot be read.
    pub async fn pending_migrations(&self) -> Result<usize, DatabaseError> {
        Migrator::get_pending_migrations(&self.conn)
            .await
            .map(|pending| pending.len())
            .map_err(DatabaseError::Migrate)
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

fn create_dir(path: &Path) -> Result<(), DatabaseError> {
    std::fs::create_dir_all(path).map_err(|source| DatabaseError::DataDir {
        path: path.display().to_string(),
        source,
    })
}

/// SQLite tuned for a web app: WAL so readers never block the writer, `synchronous=NORMAL`
/// (durable across app crashes, fast), a busy timeout instead of instant `SQLITE_BUSY`, and
/// foreign keys on so deleting a shop cascades.
async fn connect_sqlite(
    options: SqliteConnectOptions,
    settings: &DatabaseSettings,
) -> Result<Database, DatabaseError> {
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_millis(settings.sqlite_busy_timeout_ms))
        .foreign_keys(true)
        .log_slow_statements(SLOW_STATEMENT_LEVEL, SLOW_STATEMENT);
    let pool = open_pool::<sqlx::Sqlite>(options, settings).await?;
    Ok(Database {
        conn: SqlxSqliteConnector::from_sqlx_sqlite_pool(pool.clone()),
        pool: Pool::Sqlite(pool),
    })
}

async fn connect_postgres(
    url: &str,
    settings: &DatabaseSettings,
) -> Result<Database, DatabaseError> {
    // The URL may hold a password: report only the parser's reason, never the URL.
    let options = PgConnectOptions::from_str(url)
        .map_err(|err| DatabaseError::Url(redact(&err.to_string(), url)))?
        .log_slow_statements(SLOW_STATEMENT_LEVEL, SLOW_STATEMENT);
    let pool = open_pool::<sqlx::Postgres>(options, settings).await?;
    Ok(Database {
        conn: SqlxPostgresConnector::from_sqlx_postgres_pool(pool.clone()),
        pool: Pool::Postgres(pool),
    })
}

/// A pool of `database.max_connections` connections, each request for one waiting up to
/// `database.acquire_timeout_secs`.
async fn open_pool<DB: sqlx::Database>(
    options: <DB::Connection as sqlx::Connection>::Options,
    settings: &DatabaseSettings,
) -> Result<sqlx::Pool<DB>, DatabaseError> {
    sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_secs))
        .connect_with(options)
        .await
        .map_err(DatabaseError::Connect)
}

/// Removes the URL from a driver message, in case the driver echoed it.
fn redact(message: &str, url: &str) -> String {
    message.replace(url, "<database.url>")
}

/// Inserts `row` unless `on_conflict` turns the insert into nothing (a `DO NOTHING`, or an
/// update whose condition fails); returns whether a row was written. The one way to ask
/// "was it new?" of an insert, on both databases: PostgreSQL and SQLite report a skipped row
/// as no rows affected, or sea-orm as [`DbErr::RecordNotInserted`].
///
/// # Errors
/// The database error, for anything but a skipped row.
pub async fn insert_if_absent<A>(
    conn: &impl ConnectionTrait,
    row: A,
    on_conflict: OnConflict,
) -> Result<bool, DbErr>
where
    A: ActiveModelTrait,
{
    let inserted = <A::Entity as EntityTrait>::insert(row)
        .on_conflict(on_conflict)
        .exec_without_returning(conn)
        .await;
    match inserted {
        Ok(rows) => Ok(rows == 1),
        Err(DbErr::RecordNotInserted) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`), waiting up to the busy timeout for it: a deferred transaction that
/// reads first fails at once with "database is locked" when it later tries to write while
/// another writer is pending, whatever the timeout. PostgreSQL ignores the mode.
///
/// # Errors
/// The database error, for example the busy timeout running out.
pub async fn begin_write<C: TransactionTrait>(conn: &C) -> Result<C::Transaction, DbErr> {
    conn.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
