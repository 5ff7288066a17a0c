//! Shopify ids as storefront code sends them: numbers, numeric strings or GIDs.

use serde::{Deserialize, Deserializer, de};

/// Accepts `123`, `"123"` and `"gid://shopify/Product/123"`; refuses floats, negatives and
/// anything else. JavaScript numbers lose precision above 2^53, which Shopify ids exceed, so
/// clients should send strings; numbers are still accepted when they are exact integers.
///
/// # Errors
/// A serde error naming what was wrong.
pub fn deserialize_opt<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(i64),
        Text(String),
    }
    match Option::<Raw>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Raw::Number(id)) if id > 0 => Ok(Some(id)),
        Some(Raw::Number(_)) => Err(de::Error::custom("ids must be positive")),
        Some(Raw::Text(text)) => parse(&text).map(Some).map_err(de::Error::custom),
    }
}

/// Parses a numeric id or a `gid://shopify/<Type>/<id>` string.
///
/// # Errors
/// A message saying why the text is not an id.
pub fn parse(text: &str) -> Result<i64, String> {
    let digits = match text.strip_prefix("gid://shopify/") {
        Some(rest) => rest.rsplit_once('/').map_or("", |(_, id)| id),
        None => text,
    };
    let digits = digits.split_once('?').map_or(digits, |(id, _)| id);
    match digits.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(format!(
            "`{}` is not a Shopify id",
            text.chars().take(60).collect::<String>()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_numbers_strings_and_gids() {
        assert_eq!(parse("8000000000123"), Ok(8_000_000_000_123));
        assert_eq!(
            parse("gid://shopify/Product/9007199254740993"),
            Ok(9_007_199_254_740_993)
        );
        assert_eq!(parse("gid://shopify/ProductVariant/42?x=1"), Ok(42));
    }

    #[test]
    fn refuses_non_ids() {
        for bad in [
            "",
            "abc",
            "-5",
            "0",
            "1.5",
            "gid://shopify/Product/",
            "99999999999999999999",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
