//! Query understanding, pure: a price constraint ("under 100", "between 50 and 100"), the
//! shop's brand and category the query names (exactly, as a simple plural, or misspelt by one
//! letter), the text left to match, and whether the query is branded, high-intent or generic.

use std::collections::HashSet;

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder};
use ranker::{CategoryId, CategoryTree};

use super::price::{self, PriceRange};
use super::text::{Analyzers, Words};

/// Characters of a query that are parsed; the rest is ignored (a search box sends a few words,
/// so a longer query is pasted text and its tail adds nothing but work).
pub const MAX_QUERY_CHARS: usize = 200;
/// Query terms at least this long (in characters) also match at edit distance 1.
pub const FUZZY_MIN_CHARS: usize = 5;

/// How tightly a query is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryClass {
    /// Names a brand of the shop: only that brand, in relevance order.
    Branded,
    /// Names a leaf category ("dresses", "silk dresses under 100"): only that category, in
    /// relevance order.
    HighIntent,
    /// Anything else ("gifts under 100", "kitchen", "fall outfit"): diversified; a department
    /// it names is still a filter.
    Generic,
}

impl QueryClass {
    /// The snake_case name (API, metrics).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Branded => "branded",
            Self::HighIntent => "high_intent",
            Self::Generic => "generic",
        }
    }
}

/// What a query asks for.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParsedQuery {
    /// The query as parsed: trimmed, lower-cased, at most [`MAX_QUERY_CHARS`] characters.
    pub normalized: String,
    /// Analysed terms left to match as text once the constraints are taken out.
    pub terms: Vec<String>,
    /// Price constraint, minor units.
    pub price: PriceRange,
    /// The brand named (its name as the catalog spells it).
    pub brand: Option<String>,
    /// The categories named (every category of that name: "Tops" may exist in two departments).
    #[serde(skip)]
    pub categories: Vec<CategoryId>,
    /// The class.
    pub class: QueryClass,
}

impl ParsedQuery {
    /// Whether the query asks for nothing at all (empty or only filler).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
            && self.brand.is_none()
            && self.categories.is_empty()
            && self.price == PriceRange::default()
    }
}

/// A name as analysed words ("New Balance" → `new`, `balanc`; raw `new`, `balance`).
#[derive(Debug, Clone)]
struct Name {
    words: Words,
}

struct Brand {
    name: String,
    terms: Name,
}

struct Category {
    id: CategoryId,
    /// "Jeans & Trousers" is asked for as "jeans", as "trousers" or as the whole name.
    alternatives: Vec<Name>,
    leaf: bool,
}

/// The shop's words: brand names, category names and every term its catalog text holds.
pub struct Vocabulary {
    brands: Vec<Brand>,
    categories: Vec<Category>,
    known: HashSet<String>,
    fuzzy: LevenshteinAutomatonBuilder,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("brands", &self.brands.len())
            .field("categories", &self.categories.len())
            .field("known", &self.known.len())
            .finish_non_exhaustive()
    }
}

impl Vocabulary {
    /// From the brand names, the category tree (with the categories that hold products, the
    /// leaves) and every analysed term of the catalog text.
    #[must_use]
    pub fn new<'a>(
        brands: impl IntoIterator<Item = &'a str>,
        tree: &CategoryTree,
        leaves: &HashSet<CategoryId>,
        known: HashSet<String>,
    ) -> Self {
        let mut analyzer = Analyzers::default();
        let mut names: Vec<&str> = brands.into_iter().filter(|b| !b.is_empty()).collect();
        names.sort_unstable();
        names.dedup();
        let brands = names
            .into_iter()
            .map(|name| Brand {
                name: name.to_owned(),
                terms: Name {
                    words: analyzer.words(name),
                },
            })
            .filter(|b| !b.terms.words.stems.is_empty())
            .collect();
        let categories = (0..tree.len())
            .filter_map(|i| {
                let id = CategoryId(u32::try_from(i).ok()?);
                let name = tree.name(id)?;
                Some(Category {
                    id,
                    alternatives: alternatives(&mut analyzer, name),
                    leaf: leaves.contains(&id),
                })
            })
            .collect();
        Self {
            brands,
            categories,
            known,
            fuzzy: LevenshteinAutomatonBuilder::new(1, true),
        }
    }

    /// Parses `query` (see the module docs); never fails: what is not understood is text.
    #[must_use]
    pub fn parse(&self, query: &str) -> ParsedQuery {
        // Cut, lower-case, cut again: some characters grow when lower-cased ("İ" becomes two).
        let head: String = query.trim().chars().take(MAX_QUERY_CHARS).collect();
        let normalized: String = head.to_lowercase().chars().take(MAX_QUERY_CHARS).collect();
        let (price, rest) = price::extract(&normalized);
        let mut words = Analyzers::default().words(&rest);
        let brand =
            self.find(&words, self.brands.iter().map(|b| &b.terms))
                .map(|(index, at, len)| {
                    words.remove(at, len);
                    self.brands[index].name.clone()
                });
        let names = self
            .categories
            .iter()
            .flat_map(|c| c.alternatives.iter().map(move |n| (c, n)));
        let mut categories: Vec<&Category> = Vec::new();
        if let Some((index, at, len)) = self.find(&words, names.clone().map(|(_, n)| n)) {
            let named = names.clone().nth(index).map(|(_, n)| n.words.stems.clone());
            // Every category of that name, wherever it sits in the tree.
            categories = names
                .filter(|(_, n)| Some(&n.words.stems) == named.as_ref())
                .map(|(c, _)| c)
                .collect();
            categories.dedup_by_key(|c| c.id);
            words.remove(at, len);
        }
        // A department ("kitchen", "cozy at home") spans many kinds of product: generic.
        let class = if brand.is_some() {
            QueryClass::Branded
        } else if categories.iter().any(|c| c.leaf) {
            QueryClass::HighIntent
        } else {
            QueryClass::Generic
        };
        ParsedQuery {
            normalized,
            terms: words.stems,
            price,
            brand,
            categories: categories.iter().map(|c| c.id).collect(),
            class,
        }
    }

    /// The name of `names` that occurs in `words` as consecutive words, each equal after
    /// stemming or (for a word of [`FUZZY_MIN_CHARS`] and more) one edit from the name's word,
    /// stemmed or not; the longest name wins, then an exact match, then the first listed:
    /// `(name index, start, length)`.
    fn find<'a>(
        &self,
        words: &Words,
        names: impl Iterator<Item = &'a Name>,
    ) -> Option<(usize, usize, usize)> {
        let automata: Vec<[Option<DFA>; 2]> = words
            .stems
            .iter()
            .zip(&words.raw)
            .map(|(stem, raw)| [self.dfa(stem), self.dfa(raw)])
            .collect();
        let mut best: Option<(usize, usize, usize, bool)> = None;
        for (index, name) in names.enumerate() {
            let len = name.words.stems.len();
            if len == 0 || len > words.stems.len() {
                continue;
            }
            for at in 0..=words.stems.len() - len {
                let exact = words.stems[at..at + len] == name.words.stems[..];
                let near = |i: usize| {
                    let (stem, want) = (&words.stems[at + i], &name.words.stems[i]);
                    // A word the catalog holds is meant as written ("wedding" is no
                    // misspelt "bedding" in a shop with a wedding edit).
                    let [stem_dfa, raw_dfa] = &automata[at + i];
                    stem == want
                        || !self.known.contains(stem)
                            && (stem_dfa.as_ref().is_some_and(|d| matches(d, want))
                                || raw_dfa
                                    .as_ref()
                                    .is_some_and(|d| matches(d, &name.words.raw[i])))
                };
                let better = best.is_none_or(|(_, _, l, e)| len > l || (len == l && exact && !e));
                if better && (exact || (0..len).all(near)) {
                    best = Some((index, at, len, exact));
                }
            }
        }
        best.map(|(index, at, len, _)| (index, at, len))
    }

    /// A distance-1 automaton for a term long enough to be misspelt safely.
    fn dfa(&self, term: &str) -> Option<DFA> {
        (term.chars().count() >= FUZZY_MIN_CHARS).then(|| self.fuzzy.build_dfa(term))
    }
}

/// The alternatives a category name is asked for by: the whole name, and each part of a name
/// joined by "&", "," or "and".
fn alternatives(analyzer: &mut Analyzers, name: &str) -> Vec<Name> {
    let mut out = vec![Name {
        words: analyzer.words(name),
    }];
    let parts: Vec<&str> = name
        .split(['&', ',', '/'])
        .flat_map(|p| p.split(" and "))
        .collect();
    if parts.len() > 1 {
        out.extend(parts.into_iter().map(|p| Name {
            words: analyzer.words(p),
        }));
    }
    out.retain(|n| !n.words.stems.is_empty());
    out
}

/// Whether `dfa` accepts `word` within its distance.
fn matches(dfa: &DFA, word: &str) -> bool {
    matches!(dfa.eval(word), Distance::Exact(_))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn vocabulary() -> Vocabulary {
        let mut tree = CategoryTree::default();
        let mut leaves = HashSet::new();
        for path in [
            &["Women's Apparel", "Dresses"][..],
            &["Women's Apparel", "Jeans & Trousers"],
            &["Kitchen", "Cookware"],
            &["Kids", "Tops"],
            &["Women's Apparel", "Tops & Blouses"],
        ] {
            leaves.extend(tree.intern(path));
        }
        let known = ["silk", "linen", "midi", "red"].map(str::to_owned).into();
        Vocabulary::new(["Maison Verte", "Nordlys", "Oak"], &tree, &leaves, known)
    }

    fn parse(q: &str) -> ParsedQuery {
        vocabulary().parse(q)
    }

    #[test]
    fn a_brand_is_recognised_exactly_misspelt_and_in_any_case() {
        for q in ["Nordlys", "nordlys sweater", "NORDLIS", "maison verte"] {
            let parsed = parse(q);
            assert_eq!(parsed.class, QueryClass::Branded, "{q}");
        }
        assert_eq!(parse("nordlis").brand.as_deref(), Some("Nordlys"));
        assert_eq!(parse("nordlys sweater").terms, vec!["sweater"]);
    }

    #[test]
    fn a_short_word_is_never_matched_fuzzily() {
        assert_eq!(
            parse("oaks").brand.as_deref(),
            Some("Oak"),
            "a plural stems"
        );
        assert_eq!(parse("oat").brand, None);
    }

    #[test]
    fn categories_are_recognised_by_name_part_plural_and_misspelling() {
        let tree_dresses = parse("dress").categories;
        assert_eq!(parse("dresses").categories, tree_dresses);
        assert_eq!(parse("dreses").categories, tree_dresses);
        assert_eq!(parse("jeans").class, QueryClass::HighIntent);
        assert_eq!(parse("tops").categories.len(), 2, "both departments' tops");
        assert_eq!(parse("silk dresses").terms, vec!["silk"]);
        let blouses = parse("blouses").categories;
        assert_eq!(blouses.len(), 1);
        assert_eq!(
            parse("blxuses").categories,
            blouses,
            "misspelt before stemming"
        );
    }

    #[test]
    fn price_words_become_a_constraint_and_leave_the_text() {
        let parsed = parse("dresses under $100");
        assert_eq!(parsed.price.max_minor, Some(10_000));
        assert!(parsed.terms.is_empty());
        assert_eq!(parsed.class, QueryClass::HighIntent);
    }

    #[test]
    fn departments_gifts_and_outfits_are_generic() {
        assert_eq!(parse("gifts under 100").class, QueryClass::Generic);
        assert_eq!(parse("fall outfit").class, QueryClass::Generic);
        assert_eq!(parse("kitchen").class, QueryClass::Generic);
        assert_eq!(parse("kitchen linen").class, QueryClass::Generic);
        assert_eq!(parse("linen dresses").class, QueryClass::HighIntent);
    }

    #[test]
    fn an_empty_or_filler_query_asks_for_nothing() {
        assert!(parse("").is_empty());
        assert!(parse("   the  ").is_empty());
        assert!(!parse("under 50").is_empty());
    }

    #[test]
    fn only_the_first_200_characters_are_parsed() {
        let long = format!("{} nordlys", "x".repeat(10_000));
        let parsed = parse(&long);
        assert_eq!(parsed.normalized.chars().count(), MAX_QUERY_CHARS);
        assert_eq!(parsed.brand, None);
    }

    proptest! {
        #[test]
        fn any_text_parses_without_panicking(q in "\\PC{0,300}") {
            let parsed = parse(&q);
            prop_assert!(parsed.normalized.chars().count() <= MAX_QUERY_CHARS);
            if let (Some(min), Some(max)) = (parsed.price.min_minor, parsed.price.max_minor) {
                prop_assert!(min <= max);
            }
        }

        #[test]
        fn price_phrases_with_any_numbers_parse(
            a in "[0-9$€£.,]{0,12}",
            b in "[0-9$€£.,]{0,12}",
            word in prop::sample::select(vec!["under", "over", "between", "below", "less than", "to", "-"]),
        ) {
            let parsed = parse(&format!("dresses {word} {a} and {b}"));
            prop_assert!(parsed.price.min_minor.is_none_or(|m| m >= 0));
        }
    }
}
