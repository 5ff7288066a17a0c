//! Long ranked orders cut into pages (search results, category and collection pages): the
//! ranker serves one module of a page's size at a time over the rows not yet placed, in-stock
//! rows first and out-of-stock ones after them all, under the merchant's rules. Pins apply
//! in the first chunk only and only to products among the rows, so a pin takes its slot on
//! the first page and never drags in a product the page does not hold.

use rand::Rng;
use ranker::{
    CandidatePool, Catalog, Context, ItemId, MerchantRules, Ranker, RankerError, ServedItem,
    Signals, Source, SurfacePolicy,
};

/// One row to order: an item and its relevance.
type Row = (ItemId, f32);

/// Products per page of results.
pub const PAGE_SIZE: usize = 24;

/// The policies of one order: the first chunk's, the further in-stock chunks', and the
/// out-of-stock tail's.
#[derive(Debug, Clone, Copy)]
pub struct Chunks<'a> {
    /// First chunk (the first page).
    pub first: &'a SurfacePolicy,
    /// Further in-stock chunks.
    pub rest: &'a SurfacePolicy,
    /// Every out-of-stock chunk.
    pub out_of_stock: &'a SurfacePolicy,
}

/// What builds one long order.
#[derive(Debug, Clone, Copy)]
pub struct Order<'a> {
    /// The shop's ranker for the surface.
    pub ranker: &'a Ranker,
    /// The shop's catalog.
    pub catalog: &'a Catalog,
    /// The merchant's rules (those in force on the context's surface apply).
    pub rules: &'a MerchantRules,
    /// The generator the rows are credited to.
    pub source: Source,
}

impl Order<'_> {
    /// The first `wanted` items of the order of `rows` (item, relevance) for `ctx`: in-stock
    /// rows first in chunks of `chunks.first` then `chunks.rest`, then out-of-stock ones;
    /// `rng` drives any exploration slot of the policies.
    ///
    /// # Errors
    /// The ranker's error when it refuses the rows (an unknown item: a bug).
    pub fn build<R: Rng + ?Sized>(
        &self,
        rows: &[(ItemId, f32)],
        ctx: &Context,
        chunks: Chunks<'_>,
        wanted: usize,
        rng: &mut R,
    ) -> Result<Vec<ServedItem>, RankerError> {
        let (in_stock, out): (Vec<Row>, Vec<Row>) = rows
            .iter()
            .partition(|(item, _)| self.catalog.item(*item).is_some_and(|i| i.in_stock));
        let mut order: Vec<ServedItem> = Vec::with_capacity(wanted);
        let in_stock_chunks = [chunks.first, chunks.rest];
        self.chain(in_stock, ctx, in_stock_chunks, wanted, &mut order, rng)?;
        let tail = [chunks.out_of_stock, chunks.out_of_stock];
        self.chain(out, ctx, tail, wanted, &mut order, rng)?;
        Ok(order)
    }

    /// Appends chunks of the ranker's answers over `rows` to `order` until it holds `wanted`
    /// items or the rows run out; the first chunk uses `policies[0]`, the others
    /// `policies[1]`. Only the very first chunk of the order (an empty `order`) pins.
    fn chain<R: Rng + ?Sized>(
        &self,
        mut rows: Vec<(ItemId, f32)>,
        ctx: &Context,
        policies: [&SurfacePolicy; 2],
        wanted: usize,
        order: &mut Vec<ServedItem>,
        rng: &mut R,
    ) -> Result<(), RankerError> {
        let mut policy = policies[0];
        while order.len() < wanted && !rows.is_empty() {
            let first = order.is_empty();
            let held = |product: i64| {
                first
                    && self
                        .catalog
                        .id_of(product)
                        .is_some_and(|item| rows.iter().any(|(r, _)| *r == item))
            };
            let rules = self.rules.pins_limited_to(held);
            let mut pool = CandidatePool::new();
            pool.add_source(self.catalog, self.source, 1.0, &rows)?;
            let signals = Signals::default().with_rules(&rules);
            let served = self
                .ranker
                .serve_with(self.catalog, &pool, ctx, policy, &signals, rng)?;
            let items: Vec<ServedItem> = served.items().copied().collect();
            if items.is_empty() {
                break;
            }
            rows.retain(|(row, _)| items.iter().all(|i| i.ranked.item != *row));
            order.extend(items);
            policy = policies[1];
        }
        Ok(())
    }
}
