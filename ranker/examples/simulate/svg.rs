//! A small hand-written SVG line chart (no plotting dependency): exposure and Gini per round.

use crate::Round;

const W: f64 = 720.0;
const H: f64 = 300.0;
/// A panel: title and the value it plots.
type Panel = (&'static str, fn(&Round) -> f64);

const COLOURS: [&str; 3] = ["#d62728", "#1f77b4", "#2ca02c"];

/// Two panels side by side: catalog exposure (left) and exposure Gini (right), y in [0, 1].
pub fn plot(names: &[&str], runs: &[Vec<Round>]) -> String {
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        H + 40.0
    );
    let panels: [Panel; 2] = [
        ("catalog exposure (cumulative)", |r| r.exposure),
        ("exposure Gini", |r| r.gini),
    ];
    for (p, (title, value)) in panels.iter().enumerate() {
        let x0 = 50.0 + p as f64 * (W / 2.0);
        let (pw, ph, y0) = (W / 2.0 - 80.0, H - 60.0, 30.0);
        s += &format!("<text x=\"{x0}\" y=\"20\">{title}</text>\n");
        s += &format!(
            "<rect x=\"{x0}\" y=\"{y0}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#888\"/>\n"
        );
        for t in [0.0, 0.5, 1.0] {
            let y = y0 + ph * (1.0 - t);
            s += &format!(
                "<text x=\"{}\" y=\"{y}\" text-anchor=\"end\">{t}</text>\n",
                x0 - 4.0
            );
        }
        for (run, colour) in runs.iter().zip(COLOURS) {
            let n = run.len().max(2) - 1;
            let pts: Vec<String> = run
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let x = x0 + pw * i as f64 / n as f64;
                    let y = y0 + ph * (1.0 - value(r).clamp(0.0, 1.0));
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            s += &format!(
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n",
                pts.join(" ")
            );
        }
        s += &format!(
            "<text x=\"{}\" y=\"{}\">round</text>\n",
            x0 + pw / 2.0,
            y0 + ph + 16.0
        );
    }
    for (i, (name, colour)) in names.iter().zip(COLOURS).enumerate() {
        let x = 50.0 + i as f64 * 230.0;
        s += &format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\">{name}</text>\n",
            H + 10.0,
            x + 16.0,
            H + 21.0
        );
    }
    s + "</svg>\n"
}
