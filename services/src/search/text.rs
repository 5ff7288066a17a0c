//! The one text analysis the index and the query share, so a query word meets the indexed
//! word it means: split on anything not alphanumeric (Unicode-aware), fold accents, lower-case,
//! drop a few filler words, and reduce English plurals and inflections ("dresses" → "dress").

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
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

/// A fresh analyzer (cheap; each caller owns one, as tantivy's token streams borrow it mutably).
#[must_use]
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(FILLER.map(str::to_owned)))
        .filter(Stemmer::new(Language::English))
        .build()
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
}
