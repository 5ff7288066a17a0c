//! `app`: serve the HTTP edge (with an in-process worker by default), migrate, or load the
//! demo shop. See `app --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = app::cli::Cli::parse();
    app::cli::run(cli)
}
