//! Splitting a list into request bodies that respect Klaviyo's per-request limits: a
//! maximum count (profiles per import job, events per bulk job) and a maximum serialised
//! size, measured exactly on the JSON that will be sent.

/// Limits of one bulk request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Most items (profiles, or events) in one request.
    pub max_count: usize,
    /// Most bytes of the whole serialised body.
    pub max_bytes: usize,
    /// Most bytes of one serialised item.
    pub max_item_bytes: usize,
}

/// An item that cannot go into any request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// One item is larger than a request may carry.
    #[error("item {index} is {bytes} bytes serialised; the limit is {limit}")]
    ItemTooLarge {
        /// Position in the input.
        index: usize,
        /// Its serialised size.
        bytes: usize,
        /// The per-item limit (or what is left of a request around one item).
        limit: usize,
    },
    /// One item counts for more than a request may carry (a profile with too many events).
    #[error("item {index} counts {count}; a request takes at most {limit}")]
    ItemTooMany {
        /// Position in the input.
        index: usize,
        /// Its count.
        count: usize,
        /// The per-request count limit.
        limit: usize,
    },
    /// An item could not be serialised.
    #[error("item {index} cannot be serialised: {message}")]
    Encode {
        /// Position in the input.
        index: usize,
        /// The serde error.
        message: String,
    },
}

/// One item with its serialised size and how much it counts against `max_count`.
pub(crate) struct Sized<T> {
    pub item: T,
    pub bytes: usize,
    pub count: usize,
}

/// Greedy split in input order: each batch is filled until the next item would break a
/// limit. `envelope` is the size of the body with an empty array; items are separated by a
/// comma. Returns the batches with their exact serialised sizes.
pub(crate) fn split<T>(
    items: Vec<Sized<T>>,
    envelope: usize,
    limits: BatchLimits,
) -> Result<Vec<(Vec<T>, usize)>, SplitError> {
    let room = limits
        .max_item_bytes
        .min(limits.max_bytes.saturating_sub(envelope));
    let mut batches = Vec::new();
    let mut current: Vec<T> = Vec::new();
    let (mut bytes, mut count) = (envelope, 0);
    for (index, sized) in items.into_iter().enumerate() {
        check_item(index, &sized, room, limits.max_count)?;
        let separator = usize::from(!current.is_empty());
        let fits = count + sized.count <= limits.max_count
            && bytes + separator + sized.bytes <= limits.max_bytes;
        if !fits {
            batches.push((std::mem::take(&mut current), bytes));
            (bytes, count) = (envelope, 0);
        }
        bytes += usize::from(!current.is_empty()) + sized.bytes;
        count += sized.count;
        current.push(sized.item);
    }
    if !current.is_empty() {
        batches.push((current, bytes));
    }
    Ok(batches)
}

fn check_item<T>(
    index: usize,
    item: &Sized<T>,
    room: usize,
    max_count: usize,
) -> Result<(), SplitError> {
    if item.bytes > room {
        return Err(SplitError::ItemTooLarge {
            index,
            bytes: item.bytes,
            limit: room,
        });
    }
    if item.count > max_count {
        return Err(SplitError::ItemTooMany {
            index,
            count: item.count,
            limit: max_count,
        });
    }
    Ok(())
}
