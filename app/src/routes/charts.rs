//! Server-rendered SVG charts for the admin's dashboards: daily lines (one per series) and
//! horizontal bars. Plain SVG, escaped by `maud`, sized by its `viewBox` so it scales with
//! the card; no script or chart library in the page.

use chrono::NaiveDate;
use maud::{Markup, html};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
/// Room for the axis labels: left, right, top, bottom.
const PAD: (f64, f64, f64, f64) = (56.0, 120.0, 12.0, 28.0);
/// Series colours, in order (Polaris-like hues that stay apart for colour-blind readers).
const COLOURS: [&str; 6] = [
    "#2c6ecb", "#e08a00", "#008060", "#8a4fff", "#d82c0d", "#5c5f62",
];

/// One named series of daily values.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// `(day, value)`, any order.
    pub points: Vec<(NaiveDate, f64)>,
}

/// How a value is printed on the axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 0.123 → "12.3%".
    Percent,
    /// Plain numbers, two decimals under 10.
    Number,
}

impl Scale {
    fn label(self, value: f64) -> String {
        match self {
            Self::Percent => format!("{:.1}%", value * 100.0),
            Self::Number if value.abs() < 10.0 => format!("{value:.2}"),
            Self::Number => format!("{value:.0}"),
        }
    }
}

/// A line chart of daily series between `from` and `to`; "No data yet" when every series is
/// empty.
#[must_use]
pub fn lines(
    title: &str,
    from: NaiveDate,
    to: NaiveDate,
    series: &[Series],
    scale: Scale,
) -> Markup {
    let values = series.iter().flat_map(|s| s.points.iter().map(|(_, v)| *v));
    let Some(top) = values.fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v)))) else {
        return empty(title);
    };
    let top = match scale {
        // Rates stop at 100 %, however close to it the highest point is.
        Scale::Percent if top > 0.0 => (top * 1.1).min(1.0_f64.max(top)),
        _ if top > 0.0 => top * 1.1,
        _ => 1.0,
    };
    let days = (to - from).num_days().max(1) as f64;
    let x = |day: NaiveDate| PAD.0 + (day - from).num_days() as f64 / days * plot_width();
    let y = |v: f64| PAD.2 + (1.0 - v / top) * plot_height();
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(view_box()) role="img" aria-label=(title) class="chart" {
            title { (title) }
            (axes(top, scale, &from.to_string(), &to.to_string()))
            @for (i, s) in series.iter().enumerate() {
                @let colour = COLOURS[i % COLOURS.len()];
                @let points = sorted(&s.points);
                polyline fill="none" stroke=(colour) stroke-width="2"
                    points=(points.iter().map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(*v))).collect::<Vec<_>>().join(" ")) {}
                @for (d, v) in &points {
                    circle cx=(format!("{:.1}", x(*d))) cy=(format!("{:.1}", y(*v))) r="2.5" fill=(colour) {
                        title { (s.label) " " (d) ": " (scale.label(*v)) }
                    }
                }
                text x=(WIDTH - PAD.1 + 8.0) y=(PAD.2 + 14.0 + 16.0 * i as f64) fill=(colour) font-size="12" { (s.label) }
            }
        }
    }
}

/// Horizontal bars, one per `(label, value)`; "No data yet" without any.
#[must_use]
pub fn bars(title: &str, items: &[(String, f64)], scale: Scale) -> Markup {
    let Some(top) = items.iter().map(|(_, v)| *v).reduce(f64::max) else {
        return empty(title);
    };
    let top = if top > 0.0 { top } else { 1.0 };
    let row = plot_height() / items.len() as f64;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(view_box()) role="img" aria-label=(title) class="chart" {
            title { (title) }
            @for (i, (label, value)) in items.iter().enumerate() {
                @let top_y = PAD.2 + row * i as f64;
                text x=(PAD.0 - 6.0) y=(top_y + row / 2.0 + 4.0) text-anchor="end" font-size="12" { (label) }
                rect x=(PAD.0) y=(format!("{:.1}", top_y + row * 0.15))
                    width=(format!("{:.1}", value.max(0.0) / top * plot_width())) height=(format!("{:.1}", row * 0.7))
                    fill=(COLOURS[0]) {}
                text x=(format!("{:.1}", PAD.0 + value.max(0.0) / top * plot_width() + 6.0)) y=(top_y + row / 2.0 + 4.0) font-size="12" { (scale.label(*value)) }
            }
        }
    }
}

fn sorted(points: &[(NaiveDate, f64)]) -> Vec<(NaiveDate, f64)> {
    let mut points = points.to_vec();
    points.sort_by_key(|(day, _)| *day);
    points
}

fn axes(top: f64, scale: Scale, first: &str, last: &str) -> Markup {
    let bottom = HEIGHT - PAD.3;
    html! {
        line x1=(PAD.0) y1=(PAD.2) x2=(PAD.0) y2=(bottom) stroke="#8c9196" {}
        line x1=(PAD.0) y1=(bottom) x2=(WIDTH - PAD.1) y2=(bottom) stroke="#8c9196" {}
        text x=(PAD.0 - 6.0) y=(PAD.2 + 10.0) text-anchor="end" font-size="11" { (scale.label(top)) }
        text x=(PAD.0 - 6.0) y=(bottom) text-anchor="end" font-size="11" { (scale.label(0.0)) }
        text x=(PAD.0) y=(HEIGHT - 8.0) font-size="11" { (first) }
        text x=(WIDTH - PAD.1) y=(HEIGHT - 8.0) text-anchor="end" font-size="11" { (last) }
    }
}

fn empty(title: &str) -> Markup {
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(view_box()) role="img" aria-label=(title) class="chart" {
            title { (title) }
            text x=(WIDTH / 2.0) y=(HEIGHT / 2.0) text-anchor="middle" fill="#6d7175" { "No data yet" }
        }
    }
}

fn view_box() -> String {
    format!("0 0 {WIDTH} {HEIGHT}")
}

fn plot_width() -> f64 {
    WIDTH - PAD.0 - PAD.1
}

fn plot_height() -> f64 {
    HEIGHT - PAD.2 - PAD.3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn a_line_spans_the_plot_from_the_first_to_the_last_day() {
        let series = [Series {
            label: "CTR".into(),
            points: vec![(day(10), 0.5), (day(1), 0.0)],
        }];
        let svg = lines("CTR", day(1), day(10), &series, Scale::Percent).into_string();
        // Sorted by day: day 1 at the left edge on the axis, day 10 at the right edge.
        let left = format!("{:.1},{:.1}", PAD.0, HEIGHT - PAD.3);
        let right = format!("{:.1}", WIDTH - PAD.1);
        assert!(svg.contains(&format!("points=\"{left} {right},")), "{svg}");
        assert!(
            svg.contains("55.0%"),
            "the axis tops at 110% of the maximum: {svg}"
        );
    }

    #[test]
    fn a_rate_axis_stops_at_one_hundred_percent() {
        let series = [Series {
            label: "discovery".into(),
            points: vec![(day(1), 0.95)],
        }];
        let svg = lines("t", day(1), day(2), &series, Scale::Percent).into_string();
        assert!(svg.contains(">100.0%<") && !svg.contains("104.5%"), "{svg}");
    }

    #[test]
    fn labels_are_escaped_and_empty_charts_say_so() {
        let series = [Series {
            label: "<script>".into(),
            points: vec![(day(1), 1.0)],
        }];
        let svg = lines("t", day(1), day(2), &series, Scale::Number).into_string();
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        let none = lines("t", day(1), day(2), &[], Scale::Number).into_string();
        assert!(none.contains("No data yet"));
        assert!(
            bars("t", &[], Scale::Number)
                .into_string()
                .contains("No data yet")
        );
    }

    #[test]
    fn the_longest_bar_fills_the_plot() {
        let svg = bars(
            "Assisted revenue",
            &[("pdp".into(), 50.0), ("cart".into(), 100.0)],
            Scale::Number,
        )
        .into_string();
        assert!(
            svg.contains(&format!("width=\"{:.1}\"", plot_width())),
            "{svg}"
        );
        assert!(
            svg.contains(&format!("width=\"{:.1}\"", plot_width() / 2.0)),
            "{svg}"
        );
    }
}
