//! `worker`: run background workers only (several processes may share one PostgreSQL).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    worker::cli::run(&worker::cli::Cli::parse())
}
