//! Loading MovieLens 100K into a catalog, and the per-user split.

use std::collections::HashMap;
use std::error::Error;
use std::path::Path;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use ranker::candidates::cooccurrence::Interaction;
use ranker::{Catalog, ItemSpec};

pub struct Movie {
    id: i64,
    genres: Vec<String>,
}

pub struct Raw {
    pub movies: Vec<Movie>,
    /// (user, movie id, rating, time)
    pub ratings: Vec<(u32, i64, f32, i64)>,
}

/// Reads `ml-100k.item` and `ml-100k.inter` from `dir`.
pub fn load(dir: &Path) -> Result<Raw, Box<dyn Error>> {
    let mut movies = Vec::new();
    for line in std::fs::read_to_string(dir.join("ml-100k.item"))?
        .lines()
        .skip(1)
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(id), Some(class)) = (cols.first(), cols.get(3)) else {
            continue;
        };
        let mut genres: Vec<String> = class.split_whitespace().map(str::to_owned).collect();
        if genres.is_empty() {
            genres.push("unknown".into());
        }
        movies.push(Movie {
            id: id.parse()?,
            genres,
        });
    }
    let mut ratings = Vec::new();
    for line in std::fs::read_to_string(dir.join("ml-100k.inter"))?
        .lines()
        .skip(1)
    {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() >= 4 {
            ratings.push((
                cols[0].parse()?,
                cols[1].parse()?,
                cols[2].parse()?,
                cols[3].parse::<f64>()? as i64,
            ));
        }
    }
    Ok(Raw { movies, ratings })
}

/// A catalog and each movie's genre attribute ids.
pub type Built = (Catalog, Vec<Vec<u32>>);

/// The catalog: primary genre as category, all genres as attributes, and (optionally) one
/// embedding per movie, in file order (the catalog normalises each to unit length).
pub fn catalog(raw: &Raw, embeddings: Option<&[Vec<f32>]>) -> Result<Built, Box<dyn Error>> {
    let dim = embeddings.and_then(|e| e.first()).map_or(0, Vec::len);
    let mut b = Catalog::builder(dim);
    let mut genres = Vec::new();
    for (at, m) in raw.movies.iter().enumerate() {
        let category = b.category(&[m.genres[0].as_str()]).ok_or("empty genre")?;
        let attributes: Vec<_> = m.genres.iter().map(|g| b.attribute(g)).collect();
        genres.push(attributes.iter().map(|a| a.0).collect());
        let mut spec = ItemSpec::new(m.id, category).attributes(attributes);
        if let Some(rows) = embeddings {
            spec = spec.embedding(rows.get(at).ok_or("one embedding per movie")?.clone());
        }
        b.add_item(spec)?;
    }
    Ok((b.build(), genres))
}

/// Per-user random split: round(`train_share`) of each user's ratings train, the rest test.
pub fn split(
    events: &[Interaction],
    seed: u64,
    train_share: f64,
) -> (Vec<Interaction>, Vec<Interaction>) {
    let mut by_user: HashMap<u32, Vec<Interaction>> = HashMap::new();
    for e in events {
        by_user.entry(e.user).or_default().push(*e);
    }
    let mut users: Vec<u32> = by_user.keys().copied().collect();
    users.sort_unstable();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for u in users {
        let mut rows = by_user.remove(&u).unwrap_or_default();
        rows.sort_by_key(|e| (e.at, e.item));
        rows.shuffle(&mut rng);
        let cut = (rows.len() as f64 * train_share).round() as usize;
        train.extend_from_slice(&rows[..cut]);
        test.extend_from_slice(&rows[cut..]);
    }
    (train, test)
}
