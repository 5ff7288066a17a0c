//! Brand names as lower-case tokens, to tell a branded search query from a generic one.

use super::{BrandId, Catalog};

/// Every brand's name split into lower-case alphanumeric tokens, indexed by [`BrandId`].
#[derive(Debug, Clone, Default)]
pub(crate) struct BrandNames {
    tokens: Vec<Vec<String>>,
}

/// Lower-case alphanumeric tokens of `text` ("New-Balance 574" → `new`, `balance`, `574`).
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl BrandNames {
    /// From `(name, id)` pairs as interned by the builder.
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = (&'a str, BrandId)>) -> Self {
        let mut tokens = Vec::new();
        for (name, id) in names {
            if id.index() >= tokens.len() {
                tokens.resize(id.index() + 1, Vec::new());
            }
            tokens[id.index()] = self::tokens(name);
        }
        Self { tokens }
    }

    /// The brand whose whole name occurs in `query` as consecutive tokens; the longest name wins
    /// (so "new balance" beats a brand called "new"), then the lowest id.
    fn find(&self, query: &str) -> Option<BrandId> {
        let q = tokens(query);
        let mut best: Option<(usize, usize)> = None;
        for (id, name) in self.tokens.iter().enumerate() {
            let hit = !name.is_empty() && q.windows(name.len()).any(|w| w == name.as_slice());
            if hit && best.is_none_or(|(_, len)| name.len() > len) {
                best = Some((id, name.len()));
            }
        }
        best.and_then(|(id, _)| u32::try_from(id).ok().map(BrandId))
    }
}

impl Catalog {
    /// The brand a search query names (case-insensitive, whole tokens), or `None` for a generic
    /// query. Multi-word brands must appear as consecutive words.
    #[must_use]
    pub fn brand_in_query(&self, query: &str) -> Option<BrandId> {
        self.brands.find(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> BrandNames {
        BrandNames::new([
            ("Nike", BrandId(0)),
            ("New Balance", BrandId(1)),
            ("New", BrandId(2)),
        ])
    }

    #[test]
    fn a_query_naming_a_brand_in_any_case_is_branded() {
        let b = names();
        assert_eq!(b.find("NIKE running shoes"), Some(BrandId(0)));
        assert_eq!(b.find("shoes by new-balance"), Some(BrandId(1)));
        assert_eq!(b.find("new arrivals"), Some(BrandId(2)));
    }

    #[test]
    fn partial_tokens_and_scattered_words_are_generic() {
        let b = names();
        assert_eq!(b.find("nikes"), None);
        assert_eq!(b.find("balance board"), None);
        assert_eq!(b.find("running shoes"), None);
        assert_eq!(b.find(""), None);
    }
}
