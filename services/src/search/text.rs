//! The one text analysis the index and the query share, so a query word meets the indexed
//! word it means: split on anything not alphanumeric (Unicode-aware), fold accents, lower-case,
//! drop a few filler words, and reduce English plurals and inflections ("dresses" → "dress").

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TextAnalyzerBuilder, Tokenizer,
};

/// The name the analyzer is registered under in the index.
pub const ANALYZER: &str = "meander";

/// Longest token kept, in bytes: longer ones are noise (pasted ids, base64), not words.
const MAX_TOKEN_BYTES: usize = 40;

/// Words that say nothing about a product. Deliberately short: "for her", "men's" and "kids"
/// keep their meaning through the category and tag fields.
const FILLER: [&str; 16] = [
    "a", "an", "and", "the", "for", "with", "of", "in", "on", "to", "by", "or", "my", "some",
    "any", "s",
];

/// The shared steps before stemming.
fn unstemmed() -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(FILLER.map(str::to_owned)))
}

/// A fresh analyzer (cheap; each caller owns one, as tantivy's token streams borrow it mutably).
#[must_use]
pub fn analyzer() -> TextAnalyzer {
    unstemmed().filter(Stemmer::new(Language::English)).build()
}

/// The analysed terms of `text`, in order.
#[must_use]
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// A text's terms both stemmed (what the index holds) and not (what a misspelling is judged
/// against: the stemmer may cut a misspelt word differently from the word meant, "blxuses"
/// to "blxuse" but "blouses" to "blous").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Words {
    /// Stemmed terms.
    pub stems: Vec<String>,
    /// The same terms unstemmed, position by position.
    pub raw: Vec<String>,
}

impl Words {
    /// Removes the words `at..at + len`.
    pub fn remove(&mut self, at: usize, len: usize) {
        self.stems.drain(at..at + len);
        self.raw.drain(at..at + len);
    }
}

/// Both analyzers, for [`Words`].
pub struct Analyzers {
    stemmed: TextAnalyzer,
    plain: TextAnalyzer,
}

impl Default for Analyzers {
    fn default() -> Self {
        Self {
            stemmed: analyzer(),
            plain: unstemmed().build(),
        }
    }
}

impl Analyzers {
    /// The words of `text`.
    pub fn words(&mut self, text: &str) -> Words {
        let stems = terms(&mut self.stemmed, text);
        let raw = terms(&mut self.plain, text);
        // Stemming neither adds nor drops a token, so the two line up; should a tokenizer
        // ever differ, the stems stand in for the raw forms.
        let raw = if raw.len() == stems.len() {
            raw
        } else {
            stems.clone()
        };
        Words { stems, raw }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_accents_and_case_meet_their_indexed_form() {
        let mut a = analyzer();
        assert_eq!(terms(&mut a, "Dresses"), terms(&mut a, "dress"));
        assert_eq!(terms(&mut a, "CAFÉ Crème"), vec!["cafe", "creme"]);
        assert_eq!(terms(&mut a, "Tops & Blouses"), vec!["top", "blous"]);
        assert!(terms(&mut a, "for the").is_empty());
    }

    #[test]
    fn words_keep_stemmed_and_raw_forms_side_by_side() {
        let words = Analyzers::default().words("Silk Blouses for her");
        assert_eq!(words.stems, vec!["silk", "blous", "her"]);
        assert_eq!(words.raw, vec!["silk", "blouses", "her"]);
    }
}
