//! Which leaves "go together": the pairs behind complementary co-purchases and co-views.

/// Unordered pairs of leaf names; the taxonomy makes them symmetric.
///
/// Chosen so that outfits (dress → heels → clutch → earrings), routines (running shoes →
/// activewear → water bottle) and rooms (cookware → utensils → tableware) form chains, and every
/// leaf has at least one partner.
#[rustfmt::skip]
pub(crate) const PAIRS: &[(&str, &str)] = &[
    // Evening and day outfits.
    ("Dresses", "Heels"), ("Dresses", "Sandals"), ("Dresses", "Clutches"),
    ("Dresses", "Handbags"), ("Dresses", "Earrings"), ("Heels", "Clutches"),
    ("Heels", "Handbags"), ("Sandals", "Handbags"), ("Sandals", "Sunglasses"),
    ("Clutches", "Earrings"), ("Handbags", "Necklaces"), ("Handbags", "Scarves"),
    ("Tops & Blouses", "Jeans & Trousers"), ("Tops & Blouses", "Skirts"),
    ("Tops & Blouses", "Necklaces"), ("Jeans & Trousers", "Sneakers"),
    ("Jeans & Trousers", "Belts"), ("Skirts", "Loafers & Flats"), ("Skirts", "Knitwear"),
    ("Coats & Jackets", "Boots"), ("Coats & Jackets", "Scarves"), ("Knitwear", "Scarves"),
    ("Knitwear", "Boots"), ("Loafers & Flats", "Handbags"),
    // Menswear.
    ("Shirts", "Chinos & Trousers"), ("Chinos & Trousers", "Loafers & Flats"),
    ("Suits & Blazers", "Shirts"), ("Suits & Blazers", "Loafers & Flats"),
    ("Suits & Blazers", "Watches"), ("Suits & Blazers", "Belts"),
    ("T-Shirts & Polos", "Sneakers"), ("T-Shirts & Polos", "Chinos & Trousers"),
    ("Sweaters", "Chinos & Trousers"), ("Sweaters", "Outerwear"), ("Outerwear", "Boots"),
    ("Outerwear", "Backpacks"), ("Outerwear", "Hats"), ("Wallets", "Belts"),
    ("Wallets", "Watches"),
    // Accessories and jewelry.
    ("Sunglasses", "Hats"), ("Earrings", "Necklaces"), ("Necklaces", "Bracelets"),
    ("Bracelets", "Rings"), ("Bracelets", "Watches"), ("Earrings", "Rings"),
    // Sport and outdoors.
    ("Running Shoes", "Activewear"), ("Running Shoes", "Water Bottles"),
    ("Activewear", "Water Bottles"), ("Activewear", "Yoga & Fitness"),
    ("Yoga & Fitness", "Water Bottles"), ("Camping Gear", "Water Bottles"),
    ("Camping Gear", "Backpacks"), ("Cycling", "Water Bottles"), ("Cycling", "Activewear"),
    ("Sneakers", "Activewear"),
    // Beauty.
    ("Skincare", "Makeup"), ("Makeup", "Fragrance"), ("Skincare", "Hair Care"),
    ("Fragrance", "Candles & Home Fragrance"),
    // Home.
    ("Bedding", "Cushions & Throws"), ("Cushions & Throws", "Rugs"), ("Rugs", "Lighting"),
    ("Lighting", "Vases & Decor"), ("Candles & Home Fragrance", "Vases & Decor"),
    ("Cushions & Throws", "Candles & Home Fragrance"), ("Bedding", "Candles & Home Fragrance"),
    // Kitchen.
    ("Cookware", "Kitchen Utensils"), ("Kitchen Utensils", "Tableware"),
    ("Tableware", "Glassware"), ("Glassware", "Coffee & Tea"), ("Coffee & Tea", "Tableware"),
    ("Tableware", "Vases & Decor"),
    // Kids.
    ("Kids' Clothing", "Kids' Shoes"), ("Kids' Clothing", "Toys"), ("Toys", "Baby Care"),
    ("Baby Care", "Kids' Clothing"),
];
