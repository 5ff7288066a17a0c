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
    leaf("Skincare", 38.0, 0.22, 1.3, Scheme::Sized(SKIN_SIZES),
        &["Face Serum", "Moisturizer", "Cleanser", "Eye Cream", "Face Oil"],
        &["Hyaluronic", "Vitamin C", "Niacinamide", "Ceramide", "Squalane"]),
    leaf("Makeup", 26.0, 0.24, 1.1, Scheme::Shade,
        &["Lipstick", "Tinted Balm", "Mascara", "Cream Blush", "Skin Tint"],
        &["Satin", "Matte", "Sheer", "Dewy", "Velvet"]),
    leaf("Fragrance", 78.0, 0.20, 0.8, Scheme::Sized(SCENT_SIZES),
        &["Eau de Parfum", "Eau de Toilette", "Perfume Oil", "Body Mist"],
        &["Fig & Cedar", "Neroli", "Vetiver", "Rose & Oud", "Sea Salt"]),
    leaf("Hair Care", 24.0, 0.25, 0.8, Scheme::Sized(HAIR_SIZES),
        &["Shampoo", "Conditioner", "Hair Mask", "Styling Cream", "Hair Oil"],
        &["Argan", "Rosemary", "Keratin", "Coconut", "Biotin"]),
];

#[rustfmt::skip]
const HOME_STYLES: &[&str] = &[
    "Handwoven", "Minimal", "Rustic", "Textured", "Scalloped", "Washed", "Artisan", "Modern",
    "Coastal", "Heritage",
];

const RUG_SIZES: &[&str] = &["2' x 3'", "5' x 8'", "8' x 10'", "9' x 12'"];
const SML: &[&str] = &["Small", "Medium", "Large"];
const BED_SIZES: &[&str] = &["Twin", "Full", "Queen", "King"];
const CANDLE_SIZES: &[&str] = &["3 oz", "8 oz", "14 oz", "22 oz"];

#[rustfmt::skip]
const HOME: &[LeafSpec] = &[
    leaf("Bedding", 129.0, 0.40, 1.0, Scheme::Sized(BED_SIZES),
        &["Duvet Cover Set", "Sheet Set", "Quilt", "Pillowcase Pair"],
        &["Linen", "Percale Cotton", "Sateen", "Bamboo Lyocell"]),
    leaf("Cushions & Throws", 54.0, 0.36, 1.0, Scheme::Colours,
        &["Throw Pillow", "Throw Blanket", "Lumbar Pillow", "Floor Cushion"],
        &["Boucle", "Linen", "Chunky Knit", "Velvet", "Wool"]),
    leaf("Candles & Home Fragrance", 34.0, 0.26, 1.1, Scheme::Sized(CANDLE_SIZES),
        &["Scented Candle", "Reed Diffuser", "Room Spray", "Pillar Candle"],
        &["Soy Wax", "Coconut Wax", "Beeswax", "Amber & Sandalwood"]),
    leaf("Lighting", 119.0, 0.45, 0.6, Scheme::Sized(SML),
        &["Table Lamp", "Pendant Light", "Floor Lamp", "Wall Sconce"],
        &["Brass", "Ceramic", "Rattan", "Frosted Glass"]),
    leaf("Vases & Decor", 44.0, 0.35, 0.8, Scheme::Sized(SML),
        &["Vase", "Bowl", "Tray", "Sculpture", "Mirror"],
        &["Stoneware", "Travertine", "Recycled Glass", "Mango Wood"]),
    leaf("Rugs", 199.0, 0.45, 0.5, Scheme::Sized(RUG_SIZES),
        &["Area Rug", "Runner", "Flatweave Rug", "Shag Rug"],
        &["Jute", "Wool", "Cotton", "Recycled PET"]),
];

#[rustfmt::skip]
const KITCHEN_STYLES: &[&str] = &[
    "Professional", "Everyday", "Nonstick", "Speckled", "Classic", "Heavy-Duty", "Matte",
    "Hand-Thrown", "Stackable", "Modern",
];

const PAN_SIZES: &[&str] = &["20 cm", "24 cm", "28 cm"];

#[rustfmt::skip]
const KITCHEN: &[LeafSpec] = &[
    leaf("Cookware", 89.0, 0.52, 1.0, Scheme::Sized(PAN_SIZES),
        &["Skillet", "Dutch Oven", "Saucepan", "Saute Pan", "Wok"],
        &["Tri-Ply Stainless", "Cast Iron", "Enameled Cast Iron", "Carbon Steel", "Copper"]),
    leaf("Kitchen Utensils", 22.0, 0.45, 0.9, Scheme::Single,
        &["Spatula", "Chef's Knife", "Wooden Spoon", "Tongs", "Whisk"],
        &["Olive Wood", "Silicone", "Stainless Steel", "Walnut", "Damascus Steel"]),
    leaf("Tableware", 48.0, 0.42, 1.0, Scheme::SetOf,
        &["Dinner Plates", "Pasta Bowls", "Side Plates", "Serving Platter"],
        &["Stoneware", "Porcelain", "Speckled Ceramic", "Melamine"]),
    leaf("Glassware", 36.0, 0.40, 0.8, Scheme::SetOf,
        &["Wine Glasses", "Tumblers", "Coupe Glasses", "Carafe"],
        &["Crystal", "Recycled Glass", "Borosilicate Glass", "Hand-Blown Glass"]),
    leaf("Coffee & Tea", 39.0, 0.48, 0.9, Scheme::Single,
        &["Pour-Over Set", "French Press", "Teapot", "Espresso Cups", "Loose Leaf Tea"],
        &["Ceramic", "Borosilicate Glass", "Stainless Steel", "Cast Iron"]),
];

#[rustfmt::skip]
const OUTDOOR_STYLES: &[&str] = &[
    "Performance", "Ultralight", "All-Weather", "Breathable", "Trail", "Seamless", "Packable",
    "Insulated", "Everyday", "Technical",
];

#[rustfmt::skip]
const OUTDOOR: &[LeafSpec] = &[
    leaf("Activewear", 58.0, 0.38, 1.3, Scheme::Apparel,
        &["Leggings", "Sports Bra", "Running Shorts", "Training Tee", "Track Jacket"],
        &["Recycled Nylon", "Merino", "Quick-Dry Poly", "Ribbed Knit"]),
    leaf("Yoga & Fitness", 42.0, 0.40, 0.9, Scheme::Colours,
        &["Yoga Mat", "Yoga Block", "Resistance Bands", "Foam Roller", "Kettlebell"],
        &["Natural Rubber", "Cork", "TPE", "Cast Iron"]),
    leaf("Water Bottles", 29.0, 0.35, 1.0, Scheme::Colours,
        &["Water Bottle", "Tumbler", "Insulated Flask", "Hydration Pack"],
        &["Stainless Steel", "Tritan", "Glass", "Titanium"]),
    leaf("Camping Gear", 109.0, 0.50, 0.7, Scheme::Colours,
        &["Tent", "Sleeping Bag", "Camp Chair", "Headlamp", "Lantern"],
        &["Ripstop Nylon", "Down", "Aluminum", "Recycled Polyester"]),
    leaf("Cycling", 79.0, 0.48, 0.5, Scheme::Colours,
        &["Bike Helmet", "Cycling Jersey", "Bike Light", "Saddle Bag"],
        &["Polycarbonate", "Lycra", "Aluminum", "Cordura"]),
];

#[rustfmt::skip]
const KIDS_STYLES: &[&str] = &[
    "Playful", "Cozy", "Striped", "Organic", "Rainbow", "Everyday", "Soft", "Little",
    "Adventure", "Dreamy",
];

#[rustfmt::skip]
const KIDS: &[LeafSpec] = &[
    leaf("Kids' Clothing", 28.0, 0.38, 1.2, Scheme::KidsApparel,
        &["Romper", "Hoodie", "Pajama Set", "Dungarees", "Tee"],
        &["Organic Cotton", "Fleece", "Muslin", "Corduroy"]),
    leaf("Kids' Shoes", 44.0, 0.40, 0.8, Scheme::KidsShoes,
        &["First Walkers", "Sneakers", "Rain Boots", "Sandals"],
        &["Leather", "Canvas", "Rubber", "Suede"]),
    leaf("Toys", 32.0, 0.45, 1.1, Scheme::Single,
        &["Stacking Blocks", "Plush Bunny", "Wooden Train", "Puzzle", "Play Kitchen"],
        &["Beechwood", "Organic Cotton", "Recycled Plastic", "Felt"]),
    leaf("Baby Care", 26.0, 0.42, 0.7, Scheme::Single,
        &["Swaddle", "Baby Lotion", "Teether", "Bib Set", "Changing Mat"],
        &["Muslin", "Silicone", "Bamboo", "Calendula"]),
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
