//! Lifestyle departments: beauty, home, kitchen, outdoor and sports, kids.

use super::spec::{LeafSpec, Scheme, TopSpec, leaf};

#[rustfmt::skip]
const BEAUTY_STYLES: &[&str] = &[
    "Hydrating", "Brightening", "Gentle", "Nourishing", "Soothing", "Daily", "Overnight",
    "Clean", "Radiant", "Restoring",
];

const SKIN_SIZES: &[&str] = &["15 ml", "30 ml", "50 ml", "100 ml"];
const SCENT_SIZES: &[&str] = &["10 ml", "50 ml", "100 ml"];
const HAIR_SIZES: &[&str] = &["100 ml", "250 ml", "500 ml", "1 L"];

#[rustfmt::skip]
const BEAUTY: &[LeafSpec] = &[
    leaf("Skincare", 38.0, 0.22, 1.3, Scheme::Sized(SKIN_SIZES), &[
        ("Face Serum", &["Hyaluronic Acid", "Vitamin C", "Niacinamide", "Retinol"]),
        ("Moisturizer", &["Ceramide", "Squalane", "Peptide"]),
        ("Cleanser", &["Oat", "Green Tea", "Salicylic Acid"]),
        ("Eye Cream", &["Caffeine", "Peptide"]),
        ("Face Oil", &["Rosehip", "Squalane", "Jojoba"]),
    ]),
    leaf("Makeup", 26.0, 0.24, 1.1, Scheme::Shade, &[
        ("Lipstick", &["Matte", "Satin", "Sheer"]),
        ("Tinted Balm", &["Sheer", "Dewy"]),
        ("Cream Blush", &["Dewy", "Satin"]),
        ("Skin Tint", &["Dewy", "Natural"]),
        ("Eyeshadow Palette", &["Matte", "Shimmer"]),
    ]),
    leaf("Fragrance", 78.0, 0.20, 0.8, Scheme::Sized(SCENT_SIZES), &[
        ("Eau de Parfum", &["Fig & Cedar", "Neroli", "Rose & Oud", "Vetiver"]),
        ("Eau de Toilette", &["Sea Salt", "Bergamot", "Vetiver"]),
        ("Perfume Oil", &["Sandalwood", "Jasmine", "Amber"]),
        ("Body Mist", &["Pear & Freesia", "Coconut", "Neroli"]),
    ]),
    leaf("Hair Care", 24.0, 0.25, 0.8, Scheme::Sized(HAIR_SIZES), &[
        ("Shampoo", &["Argan", "Rosemary", "Tea Tree"]),
        ("Conditioner", &["Argan", "Coconut", "Keratin"]),
        ("Hair Mask", &["Keratin", "Shea", "Coconut"]),
        ("Hair Oil", &["Argan", "Rosemary", "Camellia"]),
    ]),
];

#[rustfmt::skip]
const HOME_STYLES: &[&str] = &[
    "Minimal", "Rustic", "Textured", "Artisan", "Modern", "Coastal", "Heritage", "Nordic",
    "Classic", "Sculpted",
];

const RUG_SIZES: &[&str] = &["2' x 3'", "5' x 8'", "8' x 10'", "9' x 12'"];
const SML: &[&str] = &["Small", "Medium", "Large"];
const BED_SIZES: &[&str] = &["Twin", "Full", "Queen", "King"];
const CANDLE_SIZES: &[&str] = &["3 oz", "8 oz", "14 oz", "22 oz"];

#[rustfmt::skip]
const HOME: &[LeafSpec] = &[
    leaf("Bedding", 129.0, 0.40, 1.0, Scheme::Sized(BED_SIZES), &[
        ("Duvet Cover Set", &["Linen", "Percale Cotton", "Sateen"]),
        ("Sheet Set", &["Percale Cotton", "Bamboo Lyocell", "Linen"]),
        ("Quilt", &["Cotton Voile", "Linen"]),
    ]),
    leaf("Cushions & Throws", 54.0, 0.36, 1.0, Scheme::Colours, &[
        ("Throw Pillow", &["Boucle", "Linen", "Velvet"]),
        ("Throw Blanket", &["Chunky Knit", "Wool", "Cotton Waffle"]),
        ("Lumbar Pillow", &["Linen", "Velvet", "Kilim Wool"]),
        ("Floor Cushion", &["Jute", "Cotton Canvas"]),
    ]),
    leaf("Candles & Home Fragrance", 34.0, 0.26, 1.1, Scheme::Sized(CANDLE_SIZES), &[
        ("Scented Candle", &["Amber & Sandalwood", "Fig Leaf", "Sea Salt & Sage"]),
        ("Reed Diffuser", &["Cedarwood", "White Tea", "Orange Blossom"]),
        ("Room Spray", &["Eucalyptus", "Lavender", "Fig Leaf"]),
        ("Pillar Candle", &["Beeswax", "Soy Wax"]),
    ]),
    leaf("Lighting", 119.0, 0.45, 0.6, Scheme::Sized(SML), &[
        ("Table Lamp", &["Ceramic", "Brass", "Travertine"]),
        ("Pendant Light", &["Rattan", "Frosted Glass", "Paper"]),
        ("Floor Lamp", &["Brass", "Oak"]),
        ("Wall Sconce", &["Brass", "Frosted Glass"]),
    ]),
    leaf("Vases & Decor", 44.0, 0.35, 0.8, Scheme::Sized(SML), &[
        ("Vase", &["Stoneware", "Recycled Glass", "Travertine"]),
        ("Decorative Bowl", &["Mango Wood", "Marble", "Stoneware"]),
        ("Tray", &["Travertine", "Marble", "Rattan"]),
        ("Wall Mirror", &["Brass", "Rattan", "Oak"]),
    ]),
    leaf("Rugs", 199.0, 0.45, 0.5, Scheme::Sized(RUG_SIZES), &[
        ("Area Rug", &["Wool", "Jute", "Recycled PET"]),
        ("Runner", &["Wool", "Jute"]),
        ("Flatweave Rug", &["Cotton", "Wool"]),
    ]),
];

#[rustfmt::skip]
const KITCHEN_STYLES: &[&str] = &[
    "Professional", "Everyday", "Classic", "Heritage", "Modern", "Essential", "Signature",
    "Nordic", "Bistro", "Artisan",
];

const PAN_SIZES: &[&str] = &["20 cm", "24 cm", "28 cm"];

#[rustfmt::skip]
const KITCHEN: &[LeafSpec] = &[
    leaf("Cookware", 89.0, 0.52, 1.0, Scheme::Sized(PAN_SIZES), &[
        ("Skillet", &["Cast Iron", "Carbon Steel", "Tri-Ply Stainless", "Nonstick Ceramic"]),
        ("Dutch Oven", &["Enameled Cast Iron"]),
        ("Saucepan", &["Tri-Ply Stainless", "Copper", "Nonstick Ceramic"]),
        ("Wok", &["Carbon Steel", "Cast Iron"]),
    ]),
    leaf("Kitchen Utensils", 22.0, 0.45, 0.9, Scheme::Single, &[
        ("Spatula", &["Olive Wood", "Silicone", "Stainless Steel"]),
        ("Chef's Knife", &["Damascus Steel", "German Steel", "Japanese Steel"]),
        ("Wooden Spoon Set", &["Olive Wood", "Walnut", "Beech"]),
        ("Cutting Board", &["Walnut", "Maple", "Olive Wood"]),
        ("Whisk", &["Stainless Steel", "Silicone"]),
    ]),
    leaf("Tableware", 48.0, 0.42, 1.0, Scheme::SetOf, &[
        ("Dinner Plates", &["Stoneware", "Porcelain", "Speckled Ceramic"]),
        ("Pasta Bowls", &["Stoneware", "Speckled Ceramic"]),
        ("Side Plates", &["Porcelain", "Stoneware"]),
        ("Serving Platter", &["Stoneware", "Porcelain", "Olive Wood"]),
    ]),
    leaf("Glassware", 36.0, 0.40, 0.8, Scheme::SetOf, &[
        ("Wine Glasses", &["Crystal", "Hand-Blown Glass"]),
        ("Tumblers", &["Recycled Glass", "Ribbed Glass"]),
        ("Coupe Glasses", &["Crystal", "Hand-Blown Glass"]),
        ("Carafe", &["Borosilicate Glass", "Crystal"]),
    ]),
    leaf("Coffee & Tea", 39.0, 0.48, 0.9, Scheme::Single, &[
        ("Pour-Over Set", &["Ceramic", "Borosilicate Glass"]),
        ("French Press", &["Borosilicate Glass", "Stainless Steel"]),
        ("Teapot", &["Cast Iron", "Stoneware", "Borosilicate Glass"]),
        ("Espresso Cups", &["Porcelain", "Double-Wall Glass"]),
        ("Milk Frother", &["Stainless Steel"]),
    ]),
];

#[rustfmt::skip]
const OUTDOOR_STYLES: &[&str] = &[
    "Performance", "Ultralight", "All-Weather", "Trail", "Packable", "Everyday", "Technical",
    "Pro", "Summit", "Endurance",
];

#[rustfmt::skip]
const OUTDOOR: &[LeafSpec] = &[
    leaf("Activewear", 58.0, 0.38, 1.3, Scheme::Apparel, &[
        ("Leggings", &["Recycled Nylon", "Ribbed Knit"]),
        ("Sports Bra", &["Recycled Nylon", "Ribbed Knit"]),
        ("Running Shorts", &["Quick-Dry Poly", "Recycled Nylon"]),
        ("Training Tee", &["Merino", "Quick-Dry Poly"]),
        ("Track Jacket", &["Recycled Polyester", "Merino"]),
    ]),
    leaf("Yoga & Fitness", 42.0, 0.40, 0.9, Scheme::Colours, &[
        ("Yoga Mat", &["Natural Rubber", "Cork", "TPE"]),
        ("Yoga Block", &["Cork", "Foam"]),
        ("Resistance Bands", &["Latex", "Fabric"]),
        ("Kettlebell", &["Cast Iron", "Vinyl"]),
    ]),
    leaf("Water Bottles", 29.0, 0.35, 1.0, Scheme::Colours, &[
        ("Water Bottle", &["Stainless Steel", "Tritan", "Glass"]),
        ("Tumbler", &["Stainless Steel", "Ceramic"]),
        ("Insulated Flask", &["Stainless Steel", "Titanium"]),
    ]),
    leaf("Camping Gear", 109.0, 0.50, 0.7, Scheme::Colours, &[
        ("Tent", &["Ripstop Nylon", "Polyester"]),
        ("Sleeping Bag", &["Down", "Synthetic Fill"]),
        ("Camp Chair", &["Aluminum", "Ripstop Nylon"]),
        ("Lantern", &["Aluminum", "Recycled Plastic"]),
    ]),
    leaf("Cycling", 79.0, 0.48, 0.5, Scheme::Colours, &[
        ("Bike Helmet", &["Polycarbonate", "EPS Foam"]),
        ("Cycling Jersey", &["Lycra", "Merino"]),
        ("Bike Light", &["Aluminum", "Polycarbonate"]),
        ("Saddle Bag", &["Cordura", "Waxed Canvas"]),
    ]),
];

#[rustfmt::skip]
const KIDS_STYLES: &[&str] = &[
    "Playful", "Cozy", "Striped", "Rainbow", "Everyday", "Soft", "Little", "Adventure",
    "Dreamy", "Classic",
];

#[rustfmt::skip]
const KIDS: &[LeafSpec] = &[
    leaf("Kids' Clothing", 28.0, 0.38, 1.2, Scheme::KidsApparel, &[
        ("Romper", &["Organic Cotton", "Muslin"]),
        ("Hoodie", &["Fleece", "French Terry"]),
        ("Pajama Set", &["Organic Cotton", "Bamboo Jersey"]),
        ("Dungarees", &["Corduroy", "Denim"]),
        ("Tee", &["Organic Cotton", "Slub Cotton"]),
    ]),
    leaf("Kids' Shoes", 44.0, 0.40, 0.8, Scheme::KidsShoes, &[
        ("First Walkers", &["Leather", "Suede"]),
        ("Sneakers", &["Canvas", "Leather"]),
        ("Rain Boots", &["Natural Rubber"]),
        ("Sandals", &["Leather", "Recycled Rubber"]),
    ]),
    leaf("Toys", 32.0, 0.45, 1.1, Scheme::Single, &[
        ("Stacking Blocks", &["Beechwood", "Silicone"]),
        ("Plush Bunny", &["Organic Cotton", "Knitted Cotton"]),
        ("Wooden Train", &["Beechwood", "Maple"]),
        ("Puzzle", &["Recycled Cardboard", "Wood"]),
        ("Play Kitchen", &["Birch Plywood"]),
    ]),
    leaf("Baby Care", 26.0, 0.42, 0.7, Scheme::Single, &[
        ("Swaddle", &["Muslin", "Bamboo"]),
        ("Baby Lotion", &["Calendula", "Oat"]),
        ("Teether", &["Silicone", "Natural Rubber"]),
        ("Bib Set", &["Muslin", "Silicone"]),
    ]),
];

/// The lifestyle departments, in display order.
#[rustfmt::skip]
pub(crate) const LIFESTYLE: &[TopSpec] = &[
    TopSpec { name: "Beauty", weight: 0.9, adjectives: BEAUTY_STYLES, leaves: BEAUTY },
    TopSpec { name: "Home & Living", weight: 1.0, adjectives: HOME_STYLES, leaves: HOME },
    TopSpec { name: "Kitchen", weight: 0.8, adjectives: KITCHEN_STYLES, leaves: KITCHEN },
    TopSpec { name: "Outdoor & Sports", weight: 0.8, adjectives: OUTDOOR_STYLES, leaves: OUTDOOR },
    TopSpec { name: "Kids", weight: 0.6, adjectives: KIDS_STYLES, leaves: KIDS },
];
