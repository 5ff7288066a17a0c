//! Generates the default demo shop and prints how long it took and its headline numbers.
//!
//! `cargo run -p demo --release --example stats [SEED]`

use std::time::Instant;

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(42);
    let config = demo::DemoConfig {
        seed,
        ..demo::DemoConfig::default()
    };
    let started = Instant::now();
    let shop = demo::generate(&config);
    let elapsed = started.elapsed();
    println!("generated in {elapsed:?}");
    println!("{:#?}", shop.stats());
}
