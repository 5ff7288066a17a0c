//! Fashion departments: apparel, shoes, bags and accessories, jewelry.

use super::spec::{LeafSpec, Scheme, TopSpec, leaf};

#[rustfmt::skip]
const APPAREL_STYLES: &[&str] = &[
    "Relaxed", "Tailored", "Classic", "Everyday", "Cropped", "Oversized", "Fitted", "Essential",
    "Vintage-Wash", "Soft", "Structured", "Easy",
];

#[rustfmt::skip]
const WOMENS: &[LeafSpec] = &[
    leaf("Dresses", 89.0, 0.38, 1.6, Scheme::Apparel, &[
        ("Midi Dress", &["Silk", "Linen", "Crepe", "Satin", "Jersey"]),
        ("Wrap Dress", &["Jersey", "Crepe", "Printed Viscose"]),
        ("Slip Dress", &["Silk", "Satin"]),
        ("Maxi Dress", &["Linen", "Cotton Voile", "Printed Viscose"]),
        ("Shirt Dress", &["Cotton Poplin", "Linen", "Chambray"]),
        ("Mini Dress", &["Satin", "Tweed", "Jersey"]),
    ]),
    leaf("Tops & Blouses", 48.0, 0.36, 1.3, Scheme::Apparel, &[
        ("Blouse", &["Silk", "Cotton Poplin", "Chiffon", "Linen"]),
        ("Camisole", &["Silk", "Satin", "Modal"]),
        ("Tee", &["Organic Cotton", "Modal", "Linen"]),
        ("Tank Top", &["Ribbed Cotton", "Modal"]),
        ("Peplum Top", &["Cotton Poplin", "Crepe"]),
    ]),
    leaf("Knitwear", 79.0, 0.40, 1.0, Scheme::Apparel, &[
        ("Cardigan", &["Merino", "Cashmere", "Cotton"]),
        ("Crewneck Sweater", &["Merino", "Cashmere", "Alpaca Blend"]),
        ("Turtleneck", &["Merino", "Cashmere"]),
        ("Knit Vest", &["Cotton", "Alpaca Blend"]),
    ]),
    leaf("Jeans & Trousers", 72.0, 0.37, 1.1, Scheme::Apparel, &[
        ("Straight Jeans", &["Rigid Denim", "Stretch Denim"]),
        ("Flared Jeans", &["Stretch Denim", "Vintage Denim"]),
        ("Mom Jeans", &["Rigid Denim", "Vintage Denim"]),
        ("Wide-Leg Trousers", &["Wool Blend", "Linen", "Crepe"]),
        ("Cigarette Pants", &["Stretch Twill", "Wool Blend"]),
    ]),
    leaf("Skirts", 58.0, 0.37, 0.7, Scheme::Apparel, &[
        ("Midi Skirt", &["Satin", "Linen", "Crepe"]),
        ("Pleated Skirt", &["Satin", "Crepe", "Wool Blend"]),
        ("Mini Skirt", &["Denim", "Tweed", "Leather"]),
        ("A-Line Skirt", &["Denim", "Linen", "Corduroy"]),
    ]),
    leaf("Coats & Jackets", 169.0, 0.42, 0.8, Scheme::Apparel, &[
        ("Trench Coat", &["Cotton Gabardine", "Recycled Nylon"]),
        ("Wrap Coat", &["Wool", "Cashmere Blend", "Boucle"]),
        ("Puffer Jacket", &["Recycled Nylon", "Satin"]),
        ("Denim Jacket", &["Rigid Denim", "Vintage Denim"]),
        ("Blazer", &["Wool", "Linen", "Boucle", "Crepe"]),
    ]),
];

#[rustfmt::skip]
const MENS: &[LeafSpec] = &[
    leaf("T-Shirts & Polos", 32.0, 0.35, 1.3, Scheme::Apparel, &[
        ("Crew Tee", &["Organic Cotton", "Pima Cotton", "Slub Cotton"]),
        ("Pocket Tee", &["Organic Cotton", "Slub Cotton"]),
        ("Polo Shirt", &["Pique", "Merino", "Pima Cotton"]),
        ("Henley", &["Waffle Cotton", "Slub Cotton"]),
    ]),
    leaf("Shirts", 64.0, 0.38, 1.1, Scheme::Apparel, &[
        ("Oxford Shirt", &["Cotton Oxford", "Organic Cotton"]),
        ("Camp Shirt", &["Linen", "Cotton Seersucker", "Rayon"]),
        ("Overshirt", &["Cotton Canvas", "Wool", "Corduroy"]),
        ("Flannel Shirt", &["Brushed Flannel", "Organic Flannel"]),
        ("Dress Shirt", &["Poplin", "Twill"]),
    ]),
    leaf("Chinos & Trousers", 74.0, 0.38, 1.0, Scheme::Apparel, &[
        ("Slim Chinos", &["Stretch Twill", "Cotton Canvas"]),
        ("Pleated Trousers", &["Wool", "Linen", "Cotton Twill"]),
        ("Cargo Pants", &["Ripstop", "Cotton Canvas"]),
        ("Straight Jeans", &["Selvedge Denim", "Stretch Denim"]),
    ]),
    leaf("Sweaters", 89.0, 0.40, 0.8, Scheme::Apparel, &[
        ("Crewneck Sweater", &["Merino", "Lambswool", "Cashmere"]),
        ("Quarter-Zip", &["Merino", "Cotton"]),
        ("Cable Knit", &["Lambswool", "Cotton", "Aran Wool"]),
        ("Cardigan", &["Merino", "Lambswool"]),
    ]),
    leaf("Outerwear", 189.0, 0.43, 0.7, Scheme::Apparel, &[
        ("Parka", &["Recycled Nylon", "Waxed Cotton"]),
        ("Bomber Jacket", &["Recycled Nylon", "Suede", "Wool"]),
        ("Field Jacket", &["Waxed Cotton", "Cotton Canvas"]),
        ("Overcoat", &["Wool", "Cashmere Blend"]),
        ("Rain Shell", &["Recycled Nylon", "Gore-Tex"]),
    ]),
    leaf("Suits & Blazers", 249.0, 0.42, 0.5, Scheme::Apparel, &[
        ("Blazer", &["Wool", "Linen", "Cotton Seersucker"]),
        ("Two-Piece Suit", &["Wool", "Linen", "Flannel"]),
        ("Sport Coat", &["Tweed", "Wool", "Hopsack"]),
        ("Waistcoat", &["Wool", "Tweed"]),
    ]),
];

#[rustfmt::skip]
const SHOE_STYLES: &[&str] = &[
    "Classic", "Cushioned", "Lightweight", "Everyday", "Minimal", "Hand-Stitched", "Signature",
    "Modern", "Retro", "Essential",
];

#[rustfmt::skip]
const SHOES: &[LeafSpec] = &[
    leaf("Heels", 119.0, 0.38, 1.0, Scheme::Shoes, &[
        ("Pumps", &["Leather", "Suede", "Patent Leather"]),
        ("Slingback Heels", &["Leather", "Satin"]),
        ("Mules", &["Leather", "Suede", "Satin"]),
        ("Strappy Heels", &["Leather", "Satin", "Metallic Leather"]),
    ]),
    leaf("Sandals", 69.0, 0.36, 1.0, Scheme::Shoes, &[
        ("Slide Sandals", &["Leather", "Suede", "Raffia"]),
        ("Strappy Sandals", &["Leather", "Woven Leather"]),
        ("Espadrilles", &["Canvas", "Suede", "Linen"]),
        ("Platform Sandals", &["Leather", "Suede"]),
    ]),
    leaf("Sneakers", 95.0, 0.40, 1.4, Scheme::Shoes, &[
        ("Low-Top Sneakers", &["Leather", "Canvas", "Suede"]),
        ("High-Top Sneakers", &["Leather", "Canvas"]),
        ("Court Sneakers", &["Leather", "Recycled Leather"]),
        ("Slip-On Sneakers", &["Canvas", "Recycled Knit"]),
    ]),
    leaf("Boots", 159.0, 0.41, 0.9, Scheme::Shoes, &[
        ("Chelsea Boots", &["Leather", "Suede"]),
        ("Ankle Boots", &["Leather", "Suede"]),
        ("Knee-High Boots", &["Leather", "Stretch Suede"]),
        ("Lace-Up Boots", &["Waxed Leather", "Nubuck"]),
    ]),
    leaf("Running Shoes", 129.0, 0.42, 1.1, Scheme::Shoes, &[
        ("Road Runners", &["Engineered Mesh", "Recycled Knit"]),
        ("Trail Runners", &["Ripstop", "Gore-Tex"]),
        ("Racing Flats", &["Engineered Mesh"]),
        ("Stability Trainers", &["Engineered Mesh", "Recycled Knit"]),
    ]),
    leaf("Loafers & Flats", 98.0, 0.38, 0.8, Scheme::Shoes, &[
        ("Penny Loafers", &["Leather", "Suede"]),
        ("Ballet Flats", &["Leather", "Satin", "Patent Leather"]),
        ("Horsebit Loafers", &["Leather", "Suede"]),
        ("Mary Janes", &["Patent Leather", "Leather"]),
    ]),
];

#[rustfmt::skip]
const ACCESSORY_STYLES: &[&str] = &[
    "Classic", "Mini", "Structured", "Slouchy", "Everyday", "Oversized", "Sleek", "Vintage",
    "Signature", "Essential",
];

#[rustfmt::skip]
const BAGS: &[LeafSpec] = &[
    leaf("Handbags", 149.0, 0.36, 1.3, Scheme::Colours, &[
        ("Tote", &["Leather", "Canvas", "Vegan Leather"]),
        ("Shoulder Bag", &["Pebbled Leather", "Suede", "Leather"]),
        ("Crossbody Bag", &["Leather", "Vegan Leather", "Nylon"]),
        ("Bucket Bag", &["Suede", "Leather"]),
    ]),
    leaf("Clutches", 79.0, 0.35, 0.7, Scheme::Colours, &[
        ("Clutch", &["Satin", "Velvet", "Metallic Leather"]),
        ("Evening Bag", &["Satin", "Velvet", "Raffia"]),
        ("Envelope Clutch", &["Leather", "Suede"]),
    ]),
    leaf("Backpacks", 89.0, 0.40, 0.9, Scheme::Colours, &[
        ("Backpack", &["Recycled Nylon", "Waxed Canvas", "Leather"]),
        ("Rolltop Pack", &["Waxed Canvas", "Cordura"]),
        ("Laptop Backpack", &["Recycled Nylon", "Cordura"]),
        ("Daypack", &["Recycled Nylon", "Ripstop"]),
    ]),
    leaf("Wallets", 59.0, 0.33, 0.8, Scheme::Colours, &[
        ("Bifold Wallet", &["Leather", "Saffiano Leather"]),
        ("Card Holder", &["Leather", "Saffiano Leather", "Canvas"]),
        ("Zip Wallet", &["Leather", "Vegan Leather"]),
    ]),
    leaf("Belts", 45.0, 0.32, 0.6, Scheme::Colours, &[
        ("Belt", &["Leather", "Suede"]),
        ("Reversible Belt", &["Leather"]),
        ("Woven Belt", &["Braided Leather", "Canvas"]),
    ]),
    leaf("Scarves", 49.0, 0.33, 0.6, Scheme::Colours, &[
        ("Scarf", &["Cashmere", "Wool", "Modal"]),
        ("Square Scarf", &["Silk", "Silk Twill"]),
        ("Blanket Scarf", &["Wool", "Lambswool"]),
    ]),
    leaf("Sunglasses", 129.0, 0.30, 0.9, Scheme::Colours, &[
        ("Aviators", &["Titanium", "Metal"]),
        ("Cat-Eye Sunglasses", &["Acetate", "Recycled Acetate"]),
        ("Round Sunglasses", &["Acetate", "Metal"]),
        ("Square Sunglasses", &["Acetate", "Recycled Acetate"]),
    ]),
    leaf("Hats", 42.0, 0.34, 0.6, Scheme::Colours, &[
        ("Bucket Hat", &["Cotton Twill", "Corduroy"]),
        ("Baseball Cap", &["Cotton Twill", "Washed Canvas"]),
        ("Fedora", &["Wool Felt", "Straw"]),
        ("Beanie", &["Rib Knit", "Merino"]),
        ("Sun Hat", &["Straw", "Raffia"]),
    ]),
];

#[rustfmt::skip]
const JEWELRY_STYLES: &[&str] = &[
    "Dainty", "Chunky", "Classic", "Sculptural", "Minimal", "Vintage", "Twisted", "Hammered",
    "Layered", "Delicate",
];

#[rustfmt::skip]
const JEWELRY: &[LeafSpec] = &[
    leaf("Earrings", 49.0, 0.28, 1.2, Scheme::Metal, &[
        ("Hoop Earrings", &["Gold Vermeil", "Sterling Silver", "Gold-Plated Brass"]),
        ("Stud Earrings", &["Freshwater Pearl", "Sterling Silver", "14k Gold"]),
        ("Drop Earrings", &["Freshwater Pearl", "Gold Vermeil", "Enamel"]),
        ("Huggie Earrings", &["Gold Vermeil", "Sterling Silver"]),
    ]),
    leaf("Necklaces", 69.0, 0.28, 1.1, Scheme::Metal, &[
        ("Pendant Necklace", &["Gold Vermeil", "Sterling Silver", "14k Gold"]),
        ("Chain Necklace", &["Gold Vermeil", "Sterling Silver", "Gold-Plated Brass"]),
        ("Pearl Choker", &["Freshwater Pearl"]),
        ("Locket", &["Sterling Silver", "Gold Vermeil"]),
    ]),
    leaf("Bracelets", 55.0, 0.28, 0.9, Scheme::Metal, &[
        ("Cuff", &["Sterling Silver", "Gold-Plated Brass"]),
        ("Chain Bracelet", &["Gold Vermeil", "Sterling Silver"]),
        ("Bangle", &["Gold-Plated Brass", "Enamel"]),
        ("Tennis Bracelet", &["Cubic Zirconia", "Lab-Grown Diamond"]),
    ]),
    leaf("Rings", 59.0, 0.27, 0.9, Scheme::Rings, &[
        ("Signet Ring", &["Sterling Silver", "Gold Vermeil", "14k Gold"]),
        ("Stacking Ring", &["Sterling Silver", "Gold Vermeil"]),
        ("Band", &["14k Gold", "Sterling Silver"]),
        ("Cocktail Ring", &["Enamel", "Cubic Zirconia"]),
    ]),
    leaf("Watches", 189.0, 0.45, 0.7, Scheme::Colours, &[
        ("Automatic Watch", &["Stainless Steel", "Titanium"]),
        ("Chronograph", &["Stainless Steel", "Titanium"]),
        ("Dress Watch", &["Stainless Steel", "Gold-Tone Steel"]),
        ("Field Watch", &["Stainless Steel", "Canvas Strap"]),
    ]),
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
