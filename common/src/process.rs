//! Process start-up shared by the `app` and `worker` binaries: settings, logging, runtime,
//! and one line plus an exit code when something fails.

use std::fmt::Display;
use std::future::Future;
use std::path::Path;
use std::process::ExitCode;

use crate::settings::Settings;

/// Exit code for configuration errors (a missing, malformed or unknown setting).
pub const EXIT_CONFIG: u8 = 2;
/// Exit code for runtime failures (database unreachable, port in use…).
pub const EXIT_FAILURE: u8 = 1;

/// Loads the settings (exit 2 with one line on error), installs logging, builds the async
/// runtime and runs `main` on it; an error becomes one log line, one stderr line and exit 1.
pub fn run<F, Fut, E>(config: Option<&Path>, main: F) -> ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let settings = match Settings::load(config) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    crate::telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(main(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints an anyhow chain on one line.
            tracing::error!("{err:#}");
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
