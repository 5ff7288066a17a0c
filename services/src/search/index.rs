//! The per-shop text index: one tantivy document per active product of the ranker's catalog,
//! in RAM (rebuilt from the database with the serving model, never persisted).
//!
//! Text fields, each analysed by [`text::analyzer`], carry BM25 boosts: title and brand 3,
//! category (with its ancestors), product type and collection titles 2, tags and variant
//! options 1. Filter
//! fields: the brand's exact name, every category id of the product's path, the lowest price.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use ranker::{Catalog, CategoryId, ItemId};
use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DocId, Index, IndexReader, Score, SegmentReader, TantivyDocument, Term};

use super::SearchError;
use super::query::{FUZZY_MIN_CHARS, ParsedQuery, Vocabulary};
use super::text::{self, ANALYZER};
use crate::catalog::CatalogView;

/// Indexing memory budget (tantivy's minimum per thread is 15 MB).
const WRITER_BUDGET_BYTES: usize = 64_000_000;
/// Weight of the sales prior added to the text score: it orders equal text matches (and a
/// query with no text at all) by what sells, without overruling a better text match.
const PRIOR_WEIGHT: f32 = 0.05;
/// Boost of a misspelt (edit distance 1) match relative to an exact one.
const FUZZY_BOOST: f32 = 0.5;

/// What the index needs of one product besides the ranker's catalog.
#[derive(Debug, Clone, Default)]
pub struct ProductText {
    /// Product id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Merchant product type.
    pub product_type: String,
    /// Brand.
    pub brand: String,
    /// Vendor (searched with the brand).
    pub vendor: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Variant option values ("Navy", "M", "Gold").
    pub options: Vec<String>,
    /// Titles of the merchant's collections holding it ("Gifts Under $50", "Sale").
    pub collections: Vec<String>,
}

/// One indexed product.
#[derive(Debug, Clone, Copy)]
struct Doc {
    product_id: i64,
    item: ItemId,
    /// Sales velocity relative to the shop's best seller, in `[0, 1]`.
    prior: f32,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    title: Field,
    product_type: Field,
    brand: Field,
    category: Field,
    tags: Field,
    options: Field,
    collections: Field,
    brand_key: Field,
    category_id: Field,
    price: Field,
    doc: Field,
}

impl Fields {
    /// The searched text fields with their boosts.
    fn boosted(self) -> [(Field, Score); 7] {
        [
            (self.title, 3.0),
            (self.brand, 3.0),
            (self.category, 2.0),
            (self.product_type, 2.0),
            (self.collections, 2.0),
            (self.tags, 1.0),
            (self.options, 1.0),
        ]
    }
}

/// One match: the product, its text score and its sales prior.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Product id.
    pub product_id: i64,
    /// The ranker's id.
    pub item: ItemId,
    /// BM25 text score (0 when only the constraints matched).
    pub text: f32,
    /// Sales velocity relative to the best seller, in `[0, 1]`.
    pub prior: f32,
}

/// A shop's searchable catalog and the words its queries are understood by.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    docs: Arc<Vec<Doc>>,
    vocabulary: Vocabulary,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.docs.len())
            .field("vocabulary", &self.vocabulary)
            .finish_non_exhaustive()
    }
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let analysed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let mut text = |name: &str| builder.add_text_field(name, analysed.clone());
    let (title, product_type, brand) = (text("title"), text("product_type"), text("brand"));
    let (category, tags, options) = (text("category"), text("tags"), text("options"));
    let collections = text("collections");
    let fields = Fields {
        title,
        product_type,
        brand,
        category,
        tags,
        options,
        collections,
        brand_key: builder.add_text_field("brand_key", STRING),
        category_id: builder.add_u64_field("category_id", INDEXED),
        price: builder.add_i64_field("price", INDEXED | FAST),
        doc: builder.add_u64_field("doc", FAST),
    };
    (builder.build(), fields)
}

/// The lower-case key a brand is filtered by.
fn brand_key(brand: &str) -> String {
    brand.trim().to_lowercase()
}

impl SearchIndex {
    /// Indexes every product of `view` (the active ones) with its text from `products`;
    /// products without text are left out.
    ///
    /// # Errors
    /// [`SearchError::Index`] when tantivy fails (in RAM: only on a bug or out of memory).
    pub fn build(view: &CatalogView, products: &[ProductText]) -> Result<Self, SearchError> {
        let catalog = &view.catalog;
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(ANALYZER, text::analyzer());
        let mut writer = index.writer_with_num_threads(1, WRITER_BUDGET_BYTES)?;
        let texts: HashMap<i64, &ProductText> = products.iter().map(|p| (p.id, p)).collect();
        let best = view
            .facts
            .values()
            .map(|f| f.units_per_day)
            .fold(0.0_f64, f64::max);
        let mut docs = Vec::with_capacity(catalog.len());
        let mut leaves = HashSet::new();
        for item in catalog.items() {
            let (Some(product), Some(id)) = (
                texts.get(&item.external_id),
                catalog.id_of(item.external_id),
            ) else {
                continue;
            };
            let fact = view.facts.get(&item.external_id);
            let price = fact.map_or(0, |f| f.price_minor);
            let velocity = fact.map_or(0.0, |f| f.units_per_day);
            #[expect(clippy::cast_possible_truncation, reason = "a share in [0, 1]")]
            let prior = if best > 0.0 {
                (velocity / best) as f32
            } else {
                0.0
            };
            let doc = u64::try_from(docs.len()).unwrap_or(u64::MAX);
            writer.add_document(document(
                fields,
                catalog,
                product,
                item.category,
                price,
                doc,
            ))?;
            docs.push(Doc {
                product_id: item.external_id,
                item: id,
                prior,
            });
            leaves.insert(item.category);
        }
        writer.commit()?;
        let reader = index.reader()?;
        let mut analyzer = text::analyzer();
        let mut known = HashSet::new();
        for product in products {
            for field in [&product.title, &product.product_type] {
                known.extend(text::terms(&mut analyzer, field));
            }
            let words = product.tags.iter().chain(&product.options);
            for value in words.chain(&product.collections) {
                known.extend(text::terms(&mut analyzer, value));
            }
        }
        let brands = products.iter().map(|p| p.brand.as_str());
        let vocabulary = Vocabulary::new(brands, catalog.categories(), &leaves, known);
        Ok(Self {
            reader,
            fields,
            docs: Arc::new(docs),
            vocabulary,
        })
    }

    /// Products indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether nothing is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// `query` as this shop's words understand it.
    #[must_use]
    pub fn parse(&self, query: &str) -> ParsedQuery {
        self.vocabulary.parse(query)
    }

    /// The best `limit` products for `query`, text score (plus a small sales prior) first.
    ///
    /// Every hit keeps the query's brand, category and price constraints. With constraints,
    /// the text only orders (a product of the brand that matches no word still comes, after
    /// the ones that do); without, a product must match a word. A query whose words match
    /// nothing and that has no constraint ("gifts", "fall outfit") browses the whole catalog
    /// by sales: the ranker then diversifies it.
    ///
    /// # Errors
    /// [`SearchError::Index`] when tantivy fails.
    pub fn search(&self, query: &ParsedQuery, limit: usize) -> Result<Vec<Hit>, SearchError> {
        if limit == 0 || query.is_empty() {
            return Ok(Vec::new());
        }
        let filters = self.filters(query);
        let text = self.text_query(&query.terms);
        let has_filters = !filters.is_empty();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = filters
            .into_iter()
            .map(|f| {
                (
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(f, 0.0)) as Box<dyn Query>,
                )
            })
            .collect();
        let hits = match (text, has_filters) {
            (Some(text), true) => {
                clauses.push((Occur::Should, text));
                self.collect(&BooleanQuery::new(clauses), limit)?
            }
            (Some(text), false) => self.collect(text.as_ref(), limit)?,
            (None, true) => self.collect(&BooleanQuery::new(clauses), limit)?,
            (None, false) => Vec::new(),
        };
        if hits.is_empty() && !has_filters {
            return self.collect(&AllQuery, limit);
        }
        Ok(hits)
    }

    /// The brand, category and price constraints as queries every hit must match.
    fn filters(&self, query: &ParsedQuery) -> Vec<Box<dyn Query>> {
        let f = self.fields;
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        if let Some(brand) = &query.brand {
            let term = Term::from_field_text(f.brand_key, &brand_key(brand));
            out.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
        }
        if !query.categories.is_empty() {
            let any = query
                .categories
                .iter()
                .map(|c| {
                    let term = Term::from_field_u64(f.category_id, u64::from(c.0));
                    let q: Box<dyn Query> =
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                    (Occur::Should, q)
                })
                .collect();
            out.push(Box::new(BooleanQuery::new(any)));
        }
        let price = query.price;
        if price.min_minor.is_some() || price.max_minor.is_some() {
            let bound = |value: Option<i64>| {
                value.map_or(Bound::Unbounded, |v| {
                    Bound::Included(Term::from_field_i64(f.price, v))
                })
            };
            out.push(Box::new(RangeQuery::new(
                bound(price.min_minor),
                bound(price.max_minor),
            )));
        }
        out
    }

    /// Each term in any text field (boosted), long terms also within one edit; a product
    /// matching more terms scores higher.
    fn text_query(&self, terms: &[String]) -> Option<Box<dyn Query>> {
        let groups: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|term| {
                let fuzzy = term.chars().count() >= FUZZY_MIN_CHARS;
                let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (field, boost) in self.fields.boosted() {
                    let t = Term::from_field_text(field, term);
                    let exact = TermQuery::new(t.clone(), IndexRecordOption::WithFreqs);
                    any.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(exact), boost)),
                    ));
                    if fuzzy {
                        let near = FuzzyTermQuery::new(t, 1, true);
                        let boost = boost * FUZZY_BOOST;
                        any.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(near), boost)),
                        ));
                    }
                }
                (
                    Occur::Should,
                    Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
                )
            })
            .collect();
        (!groups.is_empty()).then(|| Box::new(BooleanQuery::new(groups)) as Box<dyn Query>)
    }

    /// The top `limit` documents of `query` by text score plus the sales prior.
    fn collect(&self, query: &dyn Query, limit: usize) -> Result<Vec<Hit>, SearchError> {
        let docs = Arc::clone(&self.docs);
        let doc_field = "doc";
        let collector = TopDocs::with_limit(limit).tweak_score(move |segment: &SegmentReader| {
            let column = segment.fast_fields().u64(doc_field).ok();
            let docs = Arc::clone(&docs);
            move |doc: DocId, score: Score| {
                let index = column
                    .as_ref()
                    .and_then(|c| c.first(doc))
                    .unwrap_or(u64::MAX);
                let prior = usize::try_from(index)
                    .ok()
                    .and_then(|i| docs.get(i))
                    .map_or(0.0, |d| d.prior);
                (score + PRIOR_WEIGHT * prior, score, index)
            }
        });
        let found = self.reader.searcher().search(query, &collector)?;
        Ok(found
            .into_iter()
            .filter_map(|((_, text, index), _)| {
                let doc = self.docs.get(usize::try_from(index).ok()?)?;
                Some(Hit {
                    product_id: doc.product_id,
                    item: doc.item,
                    text,
                    prior: doc.prior,
                })
            })
            .collect())
    }
}

/// The tantivy document of one product.
fn document(
    fields: Fields,
    catalog: &Catalog,
    product: &ProductText,
    leaf: CategoryId,
    price_minor: i64,
    doc: u64,
) -> TantivyDocument {
    let mut d = TantivyDocument::new();
    d.add_text(fields.title, &product.title);
    d.add_text(fields.product_type, &product.product_type);
    d.add_text(fields.brand, &product.brand);
    if product.vendor != product.brand {
        d.add_text(fields.brand, &product.vendor);
    }
    d.add_text(fields.brand_key, brand_key(&product.brand));
    let tree = catalog.categories();
    let mut category = Some(leaf);
    while let Some(c) = category {
        if let Some(name) = tree.name(c) {
            d.add_text(fields.category, name);
        }
        d.add_u64(fields.category_id, u64::from(c.0));
        category = tree.parent(c);
    }
    for tag in &product.tags {
        d.add_text(fields.tags, tag);
    }
    for option in &product.options {
        d.add_text(fields.options, option);
    }
    for collection in &product.collections {
        d.add_text(fields.collections, collection);
    }
    d.add_i64(fields.price, price_minor);
    d.add_u64(fields.doc, doc);
    d
}
