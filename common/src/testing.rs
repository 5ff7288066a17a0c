//! Test support (feature `test-support`): a fresh, uniquely named database per test.
//!
//! SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set, in which case a new
//! database is created on that server and dropped again when the guard goes away, so tests
//! run in parallel without seeing each other's rows or jobs.

use std::str::FromStr;

use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};
use secrecy::SecretString;

use crate::settings::DatabaseSettings;

/// Environment variable naming the PostgreSQL server for tests.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";
/// Prefix of every test database, so stale ones can be found and dropped.
pub const TEST_DATABASE_PREFIX: &str = "meander_t_";

/// A database that exists for one test.
pub struct TestDatabase {
    /// Settings pointing at it.
    pub settings: DatabaseSettings,
    /// Keeps the SQLite folder alive.
    _dir: tempfile::TempDir,
    /// Server URL and database name to drop afterwards (PostgreSQL only).
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// Creates a fresh database on the backend the environment selects.
    ///
    /// # Panics
    /// When the temporary folder or the PostgreSQL database cannot be created: a test
    /// cannot run without its database.
    #[expect(
        clippy::expect_used,
        reason = "test support: failing loudly is the point"
    )]
    pub async fn create() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        let mut settings = DatabaseSettings {
            data_dir: dir.path().to_path_buf(),
            max_connections: 4,
            ..DatabaseSettings::default()
        };
        let postgres = match std::env::var(TEST_DATABASE_URL) {
            Ok(server) if !server.is_empty() => {
                let name = format!("{TEST_DATABASE_PREFIX}{}", uuid::Uuid::new_v4().simple());
                let options =
                    PgConnectOptions::from_str(&server).expect("TEST_DATABASE_URL parses");
                let mut admin = options
                    .connect()
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                // The name is generated here (hex), never from input: safe to interpolate.
                admin
                    .execute(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .await
                    .expect("create the test database");
                let url = options.database(&name).to_url_lossy().to_string();
                settings.url = Some(SecretString::from(url));
                Some((server, name))
            }
            _ => None,
        };
        Self {
            settings,
            _dir: dir,
            postgres,
        }
    }

    /// True when this test runs on PostgreSQL.
    #[must_use]
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any async context guarantee: use a short-lived runtime on its own
        // thread. FORCE ends the connections the app under test may still hold.
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let Ok(options) = PgConnectOptions::from_str(&server) else {
                    return;
                };
                if let Ok(mut admin) = options.connect().await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ignored = admin.execute(AssertSqlSafe(sql)).await;
                    let _closed = admin.close().await;
                }
            });
        });
        let _joined = dropper.join();
    }
}
