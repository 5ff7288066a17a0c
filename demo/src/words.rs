//! Word lists: colours with hues for placeholders, names for customers.

/// A colour option value with its placeholder hue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Colour {
    /// Option value, e.g. `"Navy"`.
    pub name: &'static str,
    /// Hue in degrees for a placeholder image.
    pub hue: u16,
}

const fn colour(name: &'static str, hue: u16) -> Colour {
    Colour { name, hue }
}

/// Colours that read as a fashion and home palette.
#[rustfmt::skip]
pub(crate) const COLOURS: &[Colour] = &[
    colour("Black", 230), colour("White", 45), colour("Ivory", 48), colour("Navy", 222),
    colour("Camel", 33), colour("Olive", 75), colour("Burgundy", 345), colour("Blush", 350),
    colour("Sage", 100), colour("Cobalt", 215), colour("Terracotta", 16), colour("Charcoal", 210),
    colour("Sand", 38), colour("Forest", 140), colour("Rust", 20), colour("Lavender", 270),
    colour("Mustard", 48), colour("Sky Blue", 200), colour("Cream", 50), colour("Chocolate", 25),
];

/// Given names for customers.
#[rustfmt::skip]
pub(crate) const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mateo", "Amelia", "Ethan", "Harper", "Aiden", "Evelyn", "Leo", "Chloe", "Daniel",
    "Zoe", "Samuel", "Nora", "Kai", "Aaliyah", "Omar", "Priya", "Hiro", "Sofia", "Diego",
    "Fatima", "Jonah", "Grace", "Ravi", "Layla", "Theo", "Ines", "Marcus", "Yuki", "Hannah",
    "Camila", "Felix", "Naomi", "Arjun", "Elena", "Owen", "Maya", "Tariq", "Lucia", "Ben",
];

/// Family names for e-mail addresses.
#[rustfmt::skip]
pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith", "Garcia", "Nguyen", "Johnson", "Patel", "Kim", "Brown", "Martinez", "Okafor",
    "Rossi", "Muller", "Tanaka", "Davis", "Lopez", "Wilson", "Cohen", "Silva", "Anderson",
    "Khan", "Moreau", "Taylor", "Novak", "Chen", "Murphy", "Haddad", "Larsen", "Reyes", "Singh",
];

/// Lowercase ASCII slug: letters and digits, words joined by `-`.
pub(crate) fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if ch != '\'' && !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugify_drops_apostrophes_and_joins_words() {
        assert_eq!(slugify("Women's Apparel"), "womens-apparel");
        assert_eq!(slugify("Bags & Accessories"), "bags-accessories");
        assert_eq!(slugify("Chef's 8\" Knife!"), "chefs-8-knife");
    }
}
