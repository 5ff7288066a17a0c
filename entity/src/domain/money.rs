//! Money as an integer count of minor units.

use std::fmt;

/// Why a decimal string is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a plain decimal number.
    #[error("`{0}` is not a decimal amount")]
    Malformed(String),
    /// More fractional digits than the currency has, beyond rounding noise.
    #[error("`{0}` has more precision than the currency allows")]
    TooPrecise(String),
    /// Does not fit in 64 bits of minor units.
    #[error("`{0}` is out of range")]
    OutOfRange(String),
}

/// An amount in minor units (cents for USD) of the shop currency.
///
/// Shopify sends prices as decimal strings (`"19.99"`, sometimes `"19.990"`); parsing them
/// into integers once avoids floating-point drift in margins and order totals.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Wraps a count of minor units.
    #[must_use]
    pub const fn from_minor(minor: i64) -> Self {
        Self(minor)
    }

    /// The count of minor units.
    #[must_use]
    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Parses a decimal string for a currency with `exponent` fractional digits (2 for USD).
    ///
    /// Trailing zeros beyond the exponent are accepted (`"19.990"`); other extra digits are
    /// an error rather than a silent rounding.
    ///
    /// # Errors
    /// [`MoneyError`] when the string is not a decimal, too precise, or out of range.
    pub fn parse_decimal(input: &str, exponent: u32) -> Result<Self, MoneyError> {
        let text = input.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) {
            return Err(MoneyError::Malformed(input.chars().take(40).collect()));
        }
        let width = exponent as usize;
        let (kept, extra) = frac.split_at(frac.len().min(width));
        if extra.bytes().any(|b| b != b'0') {
            return Err(MoneyError::TooPrecise(input.to_owned()));
        }
        let padded = format!("{whole}{kept:0<width$}");
        // Only digits are left, so the one way to fail is overflow, which the error names.
        let Ok(magnitude) = padded.parse::<i64>() else {
            return Err(MoneyError::OutOfRange(input.chars().take(40).collect()));
        };
        Ok(Self(if negative { -magnitude } else { magnitude }))
    }
}

impl fmt::Display for Money {
    /// Formats with two decimals, the common case for display.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Fractional digits of an ISO 4217 currency: 0 for yen-like currencies, 3 for the dinars,
/// 2 otherwise.
#[must_use]
pub fn currency_exponent(code: &str) -> u32 {
    const ZERO: [&str; 16] = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
        "XAF", "XOF", "XPF",
    ];
    const THREE: [&str; 6] = ["BHD", "IQD", "JOD", "KWD", "OMR", "TND"];
    let code = code.to_ascii_uppercase();
    if ZERO.contains(&code.as_str()) {
        0
    } else if THREE.contains(&code.as_str()) {
        3
    } else {
        2
    }
}

/// Minor units per major unit of a currency (100 for USD, 1 for JPY), to show amounts
/// stored in minor units.
#[must_use]
pub fn minor_per_major(code: &str) -> f64 {
    f64::from(10_u32.pow(currency_exponent(code)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_shopify_price_strings() {
        assert_eq!(Money::parse_decimal("19.99", 2).unwrap().minor(), 1999);
        assert_eq!(Money::parse_decimal("19.9", 2).unwrap().minor(), 1990);
        assert_eq!(Money::parse_decimal("19.990", 2).unwrap().minor(), 1999);
        assert_eq!(Money::parse_decimal("20", 2).unwrap().minor(), 2000);
        assert_eq!(Money::parse_decimal("1500", 0).unwrap().minor(), 1500);
        assert_eq!(Money::parse_decimal("-3.50", 2).unwrap().minor(), -350);
    }

    #[test]
    fn refuses_garbage_and_hidden_precision() {
        assert!(matches!(
            Money::parse_decimal("abc", 2),
            Err(MoneyError::Malformed(_))
        ));
        assert!(matches!(
            Money::parse_decimal(".5", 2),
            Err(MoneyError::Malformed(_))
        ));
        assert!(matches!(
            Money::parse_decimal("1e3", 2),
            Err(MoneyError::Malformed(_))
        ));
        assert!(matches!(
            Money::parse_decimal("19.995", 2),
            Err(MoneyError::TooPrecise(_))
        ));
        assert!(matches!(
            Money::parse_decimal("99999999999999999999", 2),
            Err(MoneyError::OutOfRange(_))
        ));
    }

    #[test]
    fn currencies_have_their_exponents() {
        assert_eq!(currency_exponent("usd"), 2);
        assert_eq!(currency_exponent("JPY"), 0);
        assert_eq!(currency_exponent("KWD"), 3);
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Money::from_minor(1999).to_string(), "19.99");
        assert_eq!(Money::from_minor(-5).to_string(), "-0.05");
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(minor in -1_000_000_000_i64..1_000_000_000) {
            let money = Money::from_minor(minor);
            prop_assert_eq!(Money::parse_decimal(&money.to_string(), 2).unwrap(), money);
        }
    }
}
