//! Fashion departments: apparel, shoes, bags and accessories, jewelry.

use super::spec::{LeafSpec, Scheme, TopSpec, leaf};

#[rustfmt::skip]
const APPAREL_STYLES: &[&str] = &[
    "Relaxed", "Tailored", "Classic", "Everyday", "Cropped", "Oversized", "Fitted", "Essential",
    "Vintage-Wash", "Soft", "Structured", "Easy",
];

#[rustfmt::skip]
const WOMENS: &[LeafSpec] = &[
    leaf("Dresses", 89.0, 0.38, 1.6, Scheme::Apparel,
        &["Midi Dress", "Wrap Dress", "Slip Dress", "Maxi Dress", "Shirt Dress", "Mini Dress"],
        &["Silk", "Linen", "Crepe", "Satin", "Cotton Poplin", "Jersey"]),
    leaf("Tops & Blouses", 48.0, 0.36, 1.3, Scheme::Apparel,
        &["Blouse", "Camisole", "Tee", "Tank Top", "Peplum Top"],
        &["Cotton", "Silk", "Linen", "Modal", "Chiffon"]),
    leaf("Knitwear", 79.0, 0.40, 1.0, Scheme::Apparel,
        &["Cardigan", "Crewneck Sweater", "Turtleneck", "Knit Vest"],
        &["Merino", "Cashmere", "Cotton", "Alpaca Blend"]),
    leaf("Jeans & Trousers", 72.0, 0.37, 1.1, Scheme::Apparel,
        &["Straight Jeans", "Wide-Leg Trousers", "Mom Jeans", "Cigarette Pants", "Flared Jeans"],
        &["Denim", "Stretch Denim", "Wool Blend", "Linen", "Twill"]),
    leaf("Skirts", 58.0, 0.37, 0.7, Scheme::Apparel,
        &["Midi Skirt", "Pleated Skirt", "Mini Skirt", "A-Line Skirt"],
        &["Satin", "Denim", "Linen", "Tweed", "Crepe"]),
    leaf("Coats & Jackets", 169.0, 0.42, 0.8, Scheme::Apparel,
        &["Trench Coat", "Wool Coat", "Puffer Jacket", "Denim Jacket", "Blazer"],
        &["Wool", "Cotton Gabardine", "Recycled Nylon", "Denim", "Boucle"]),
];

#[rustfmt::skip]
const MENS: &[LeafSpec] = &[
    leaf("T-Shirts & Polos", 32.0, 0.35, 1.3, Scheme::Apparel,
        &["Crew Tee", "Pocket Tee", "Polo Shirt", "Henley"],
        &["Organic Cotton", "Pima Cotton", "Slub Cotton", "Pique"]),
    leaf("Shirts", 64.0, 0.38, 1.1, Scheme::Apparel,
        &["Oxford Shirt", "Linen Shirt", "Overshirt", "Flannel Shirt", "Dress Shirt"],
        &["Cotton Oxford", "Linen", "Flannel", "Chambray", "Poplin"]),
    leaf("Chinos & Trousers", 74.0, 0.38, 1.0, Scheme::Apparel,
        &["Slim Chinos", "Pleated Trousers", "Cargo Pants", "Straight Jeans"],
        &["Stretch Twill", "Cotton Canvas", "Wool", "Selvedge Denim"]),
    leaf("Sweaters", 89.0, 0.40, 0.8, Scheme::Apparel,
        &["Crewneck Sweater", "Quarter-Zip", "Cable Knit", "Cardigan"],
        &["Merino", "Lambswool", "Cotton", "Cashmere"]),
    leaf("Outerwear", 189.0, 0.43, 0.7, Scheme::Apparel,
        &["Parka", "Bomber Jacket", "Field Jacket", "Overcoat", "Rain Shell"],
        &["Waxed Cotton", "Wool", "Recycled Nylon", "Suede"]),
    leaf("Suits & Blazers", 249.0, 0.42, 0.5, Scheme::Apparel,
        &["Blazer", "Two-Piece Suit", "Sport Coat", "Waistcoat"],
        &["Wool", "Linen", "Cotton Seersucker", "Flannel"]),
];

#[rustfmt::skip]
const SHOE_STYLES: &[&str] = &[
    "Classic", "Pointed", "Cushioned", "Lightweight", "Block-Heel", "Almond-Toe", "Everyday",
    "Platform", "Minimal", "Hand-Stitched",
];

#[rustfmt::skip]
const SHOES: &[LeafSpec] = &[
    leaf("Heels", 119.0, 0.38, 1.0, Scheme::Shoes,
        &["Pumps", "Slingback Heels", "Mules", "Strappy Heels"],
        &["Leather", "Suede", "Satin", "Patent Leather"]),
    leaf("Sandals", 69.0, 0.36, 1.0, Scheme::Shoes,
        &["Slide Sandals", "Strappy Sandals", "Espadrilles", "Platform Sandals"],
        &["Leather", "Raffia", "Suede", "Woven Leather"]),
    leaf("Sneakers", 95.0, 0.40, 1.4, Scheme::Shoes,
        &["Low-Top Sneakers", "High-Top Sneakers", "Court Sneakers", "Slip-On Sneakers"],
        &["Leather", "Canvas", "Suede", "Recycled Knit"]),
    leaf("Boots", 159.0, 0.41, 0.9, Scheme::Shoes,
        &["Chelsea Boots", "Ankle Boots", "Knee-High Boots", "Lace-Up Boots"],
        &["Leather", "Suede", "Waxed Leather", "Shearling-Lined Leather"]),
    leaf("Running Shoes", 129.0, 0.42, 1.1, Scheme::Shoes,
        &["Road Runners", "Trail Runners", "Racing Flats", "Stability Trainers"],
        &["Engineered Mesh", "Recycled Knit", "Ripstop", "Gore-Tex"]),
    leaf("Loafers & Flats", 98.0, 0.38, 0.8, Scheme::Shoes,
        &["Penny Loafers", "Ballet Flats", "Horsebit Loafers", "Mary Janes"],
        &["Leather", "Suede", "Patent Leather", "Velvet"]),
];

#[rustfmt::skip]
const ACCESSORY_STYLES: &[&str] = &[
    "Classic", "Mini", "Structured", "Slouchy", "Quilted", "Everyday", "Oversized", "Sleek",
    "Woven", "Vintage",
];

#[rustfmt::skip]
const BAGS: &[LeafSpec] = &[
    leaf("Handbags", 149.0, 0.36, 1.3, Scheme::Colours,
        &["Tote", "Shoulder Bag", "Crossbody Bag", "Bucket Bag", "Top-Handle Bag"],
        &["Leather", "Pebbled Leather", "Canvas", "Vegan Leather", "Suede"]),
    leaf("Clutches", 79.0, 0.35, 0.7, Scheme::Colours,
        &["Clutch", "Evening Bag", "Pouch", "Envelope Clutch"],
        &["Satin", "Beaded", "Leather", "Metallic Leather"]),
    leaf("Backpacks", 89.0, 0.40, 0.9, Scheme::Colours,
        &["Backpack", "Rolltop Pack", "Laptop Backpack", "Daypack"],
        &["Recycled Nylon", "Waxed Canvas", "Leather", "Cordura"]),
    leaf("Wallets", 59.0, 0.33, 0.8, Scheme::Colours,
        &["Bifold Wallet", "Card Holder", "Zip Wallet", "Coin Purse"],
        &["Leather", "Saffiano Leather", "Canvas", "Vegan Leather"]),
    leaf("Belts", 45.0, 0.32, 0.6, Scheme::Colours,
        &["Belt", "Reversible Belt", "Woven Belt", "Chain Belt"],
        &["Leather", "Suede", "Braided Leather", "Canvas"]),
    leaf("Scarves", 49.0, 0.33, 0.6, Scheme::Colours,
        &["Scarf", "Square Scarf", "Wrap", "Bandana"],
        &["Silk", "Cashmere", "Wool", "Modal"]),
    leaf("Sunglasses", 129.0, 0.30, 0.9, Scheme::Colours,
        &["Aviators", "Cat-Eye Sunglasses", "Round Sunglasses", "Square Sunglasses"],
        &["Acetate", "Titanium", "Metal", "Recycled Acetate"]),
    leaf("Hats", 42.0, 0.34, 0.6, Scheme::Colours,
        &["Bucket Hat", "Baseball Cap", "Fedora", "Beanie", "Sun Hat"],
        &["Cotton Twill", "Straw", "Wool Felt", "Rib Knit"]),
];

#[rustfmt::skip]
const JEWELRY_STYLES: &[&str] = &[
    "Dainty", "Chunky", "Classic", "Sculptural", "Minimal", "Vintage", "Twisted", "Hammered",
    "Layered", "Delicate",
];

#[rustfmt::skip]
const JEWELRY: &[LeafSpec] = &[
    leaf("Earrings", 49.0, 0.28, 1.2, Scheme::Metal,
        &["Hoop Earrings", "Stud Earrings", "Drop Earrings", "Huggie Earrings"],
        &["Gold Vermeil", "Sterling Silver", "Freshwater Pearl", "Gold-Plated Brass"]),
    leaf("Necklaces", 69.0, 0.28, 1.1, Scheme::Metal,
        &["Pendant Necklace", "Chain Necklace", "Choker", "Locket"],
        &["Gold Vermeil", "Sterling Silver", "14k Gold", "Gold-Plated Brass"]),
    leaf("Bracelets", 55.0, 0.28, 0.9, Scheme::Metal,
        &["Cuff", "Chain Bracelet", "Bangle", "Tennis Bracelet"],
        &["Gold Vermeil", "Sterling Silver", "Beaded", "Gold-Plated Brass"]),
    leaf("Rings", 59.0, 0.27, 0.9, Scheme::Rings,
        &["Signet Ring", "Stacking Ring", "Band", "Cocktail Ring"],
        &["Sterling Silver", "Gold Vermeil", "14k Gold", "Enamel"]),
    leaf("Watches", 189.0, 0.45, 0.7, Scheme::Colours,
        &["Automatic Watch", "Chronograph", "Dress Watch", "Field Watch"],
        &["Stainless Steel", "Leather Strap", "Titanium", "Mesh Strap"]),
];

/// The fashion departments, in display order.
#[rustfmt::skip]
pub(crate) const FASHION: &[TopSpec] = &[
    TopSpec { name: "Women's Apparel", weight: 1.6, adjectives: APPAREL_STYLES, leaves: WOMENS },
    TopSpec { name: "Men's Apparel", weight: 1.1, adjectives: APPAREL_STYLES, leaves: MENS },
    TopSpec { name: "Shoes", weight: 1.2, adjectives: SHOE_STYLES, leaves: SHOES },
    TopSpec { name: "Bags & Accessories", weight: 1.1, adjectives: ACCESSORY_STYLES, leaves: BAGS },
    TopSpec { name: "Jewelry", weight: 0.8, adjectives: JEWELRY_STYLES, leaves: JEWELRY },
];
