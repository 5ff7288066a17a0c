//! Price constraints in a query: "under 100", "below $50", "less than 80", "over 200",
//! "between 50 and 100", "50-100", "from 50 to 100". Amounts are in the shop's major unit.

/// Most a parsed amount may be (major units): anything above is a typo or an attack.
const MAX_AMOUNT: f64 = 1e9;

/// A price range in minor units; both bounds inclusive, `None` = open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct PriceRange {
    /// Lowest price asked for.
    pub min_minor: Option<i64>,
    /// Highest price asked for.
    pub max_minor: Option<i64>,
}

impl PriceRange {
    /// Whether `price_minor` lies in the range.
    #[must_use]
    pub fn admits(&self, price_minor: i64) -> bool {
        self.min_minor.is_none_or(|m| price_minor >= m)
            && self.max_minor.is_none_or(|m| price_minor <= m)
    }
}

/// Words that put an upper bound on the number after them.
const UPPER: [&[&str]; 8] = [
    &["under"],
    &["below"],
    &["beneath"],
    &["less", "than"],
    &["cheaper", "than"],
    &["up", "to"],
    &["max"],
    &["<"],
];
/// Words that put a lower bound on the number after them.
const LOWER: [&[&str]; 6] = [
    &["over"],
    &["above"],
    &["more", "than"],
    &["at", "least"],
    &["min"],
    &[">"],
];

/// The price constraint of a lower-case `query` and the query without its price words.
#[must_use]
pub fn extract(query: &str) -> (PriceRange, String) {
    let words: Vec<&str> = query.split_whitespace().collect();
    let mut range = PriceRange::default();
    let mut kept: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if let Some((found, used)) = phrase(&words[i..]) {
            range = merge(range, found);
            i += used;
        } else {
            kept.push(words[i]);
            i += 1;
        }
    }
    if let (Some(min), Some(max)) = (range.min_minor, range.max_minor)
        && min > max
    {
        // "over 100 under 50": the shopper swapped the bounds.
        range = PriceRange {
            min_minor: Some(max),
            max_minor: Some(min),
        };
    }
    (range, kept.join(" "))
}

/// A price phrase at the start of `words`: the range and how many words it took.
fn phrase(words: &[&str]) -> Option<(PriceRange, usize)> {
    let bounded = |prefixes: &[&[&str]]| {
        prefixes.iter().find_map(|p| {
            let n = p.len();
            (words.len() > n && words[..n] == **p)
                .then(|| amount(words[n]).map(|a| (a, n + 1)))
                .flatten()
        })
    };
    if let Some((max, used)) = bounded(&UPPER) {
        return Some((upper(max), used));
    }
    if let Some((min, used)) = bounded(&LOWER) {
        return Some((lower(min), used));
    }
    // "between 50 and 100", "from 50 to 100", "50 to 100", "50 - 100".
    let skip = usize::from(matches!(words.first(), Some(&"between" | &"from")));
    let rest = &words[skip..];
    if rest.len() >= 3 && matches!(rest[1], "and" | "to" | "-") {
        let (Some(a), Some(b)) = (amount(rest[0]), amount(rest[2])) else {
            return None;
        };
        return Some((between(a, b), skip + 3));
    }
    // "50-100" as one word.
    let (a, b) = rest.first()?.split_once('-')?;
    let (Some(a), Some(b)) = (amount(a), amount(b)) else {
        return None;
    };
    Some((between(a, b), skip + 1))
}

/// An amount such as `100`, `$49.99`, `80€`, `1,200` in minor units.
fn amount(word: &str) -> Option<i64> {
    let digits = word
        .trim_matches(|c: char| matches!(c, '$' | '€' | '£' | '¥' | '.' | ','))
        .replace(',', "");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let value: f64 = digits.parse().ok()?;
    if !(0.0..=MAX_AMOUNT).contains(&value) {
        return None;
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "bounded by MAX_AMOUNT × 100, far inside i64"
    )]
    Some((value * 100.0).round() as i64)
}

fn upper(max: i64) -> PriceRange {
    PriceRange {
        min_minor: None,
        max_minor: Some(max),
    }
}

fn lower(min: i64) -> PriceRange {
    PriceRange {
        min_minor: Some(min),
        max_minor: None,
    }
}

fn between(a: i64, b: i64) -> PriceRange {
    PriceRange {
        min_minor: Some(a.min(b)),
        max_minor: Some(a.max(b)),
    }
}

/// Two constraints together ("over 50 under 100"): the later bound of each side wins.
fn merge(a: PriceRange, b: PriceRange) -> PriceRange {
    PriceRange {
        min_minor: b.min_minor.or(a.min_minor),
        max_minor: b.max_minor.or(a.max_minor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(q: &str) -> (Option<i64>, Option<i64>, String) {
        let (r, rest) = extract(q);
        (r.min_minor, r.max_minor, rest)
    }

    #[test]
    fn upper_bounds_in_several_phrasings() {
        assert_eq!(
            range("gifts under 100"),
            (None, Some(10_000), "gifts".into())
        );
        assert_eq!(
            range("below $50 shoes"),
            (None, Some(5_000), "shoes".into())
        );
        assert_eq!(range("less than 80"), (None, Some(8_000), String::new()));
        assert_eq!(range("under 49.99"), (None, Some(4_999), String::new()));
    }

    #[test]
    fn lower_bounds_and_ranges() {
        assert_eq!(range("over 200"), (Some(20_000), None, String::new()));
        assert_eq!(
            range("between 50 and 100 bags"),
            (Some(5_000), Some(10_000), "bags".into())
        );
        assert_eq!(
            range("bags 100-50"),
            (Some(5_000), Some(10_000), "bags".into())
        );
        assert_eq!(
            range("over 100 under 50"),
            (Some(5_000), Some(10_000), String::new())
        );
    }

    #[test]
    fn price_words_without_an_amount_stay_text() {
        assert_eq!(range("under armour"), (None, None, "under armour".into()));
        assert_eq!(range("between"), (None, None, "between".into()));
        assert_eq!(range("t-shirt"), (None, None, "t-shirt".into()));
        assert_eq!(
            range("under 99999999999999"),
            (None, None, "under 99999999999999".into())
        );
    }
}
