//! `app`: serve the HTTP edge (with an in-process worker by default), migrate, or load the
//! demo shop. See `app --help`.

use std::process::ExitCode;

use clap::Parser;
use mimalloc::MiMalloc;

/// The glibc allocator took about a fifth of the server's CPU at 1,000 recommendation answers
/// a second (`perf`, BENCHMARKS.md "CPU per answer"); mimalloc serves the many short-lived
/// allocations of a request from per-thread pages.
#[global_allocator]
static ALLOCATOR: MiMalloc = MiMalloc;

fn main() -> ExitCode {
    let cli = app::cli::Cli::parse();
    app::cli::run(cli)
}
