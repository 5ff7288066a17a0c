//! A small hand-written SVG line chart (no plotting dependency): exposure and Gini per round,
//! mean over seeds with a band of ± one standard deviation.

use std::fmt::Write;

use crate::run::Round;

const W: f64 = 760.0;
const H: f64 = 300.0;
/// A panel: title and the value it plots.
type Panel = (&'static str, fn(&Round) -> f64);

const COLOURS: [&str; 4] = ["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c"];

/// Two panels side by side: catalog exposure (left) and exposure Gini (right), y in [0, 1];
/// `runs[policy][seed]` holds each run's rounds.
pub fn plot(names: &[&str], runs: &[Vec<Vec<Round>>]) -> String {
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        H + 60.0
    );
    let panels: [Panel; 2] = [
        (
            "catalog exposure (cumulative), mean ± sd over seeds",
            |r| r.exposure,
        ),
        ("exposure Gini", |r| r.gini),
    ];
    for (p, panel) in panels.iter().enumerate() {
        s += &draw_panel(50.0 + p as f64 * (W / 2.0), panel, runs);
    }
    s += &legend(names);
    s + "</svg>\n"
}

/// Per round: mean and standard deviation over seeds of `value`.
fn bands(seeds: &[Vec<Round>], value: fn(&Round) -> f64) -> Vec<(f64, f64)> {
    let rounds = seeds.iter().map(Vec::len).min().unwrap_or(0);
    (0..rounds)
        .map(|i| {
            let xs: Vec<f64> = seeds.iter().map(|r| value(&r[i])).collect();
            crate::stats(&xs)
        })
        .collect()
}

fn draw_panel(x0: f64, (title, value): &Panel, runs: &[Vec<Vec<Round>>]) -> String {
    let (pw, ph, y0) = (W / 2.0 - 80.0, H - 60.0, 30.0);
    let mut s = format!("<text x=\"{x0}\" y=\"20\">{title}</text>\n");
    let _ = writeln!(
        s,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#888\"/>"
    );
    for t in [0.0, 0.5, 1.0] {
        let y = y0 + ph * (1.0 - t);
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{y}\" text-anchor=\"end\">{t}</text>",
            x0 - 4.0
        );
    }
    for (seeds, colour) in runs.iter().zip(COLOURS) {
        let b = bands(seeds, *value);
        let n = b.len().max(2) - 1;
        let at = |i: usize, v: f64| {
            let x = x0 + pw * i as f64 / n as f64;
            format!("{x:.1},{:.1}", y0 + ph * (1.0 - v.clamp(0.0, 1.0)))
        };
        let upper = b.iter().enumerate().map(|(i, (m, d))| at(i, m + d));
        let lower = b.iter().enumerate().rev().map(|(i, (m, d))| at(i, m - d));
        let band: Vec<String> = upper.chain(lower).collect();
        let mean: Vec<String> = b.iter().enumerate().map(|(i, (m, _))| at(i, *m)).collect();
        let _ = writeln!(
            s,
            "<polygon fill=\"{colour}\" fill-opacity=\"0.2\" stroke=\"none\" points=\"{}\"/>",
            band.join(" ")
        );
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            mean.join(" ")
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\">round</text>",
        x0 + pw / 2.0,
        y0 + ph + 16.0
    );
    s
}

fn legend(names: &[&str]) -> String {
    let mut s = String::new();
    for (i, (name, colour)) in names.iter().zip(COLOURS).enumerate() {
        let (x, y) = (
            50.0 + (i % 2) as f64 * 360.0,
            H + 10.0 + (i / 2) as f64 * 20.0,
        );
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\">{name}</text>",
            x + 16.0,
            y + 11.0
        );
    }
    s
}
