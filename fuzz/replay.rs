//! Replays the fuzzing corpus: inputs worth keeping (real examples, edge cases, anything a
//! long run found) under `fuzz/corpus/<target>/`, each named `ok-…` or `err-…` after the
//! outcome its target must give. Every crate's `tests/fuzz.rs` includes this file, so the
//! corpus of each target is checked by the same code that fuzzes it.

#![expect(
    clippy::unwrap_used,
    reason = "test support: an unreadable corpus fails the test"
)]

use std::path::Path;

/// Runs `accepts` on every input of `target` and fails naming each input whose outcome is
/// not the one its file name promises (or when the target has no corpus at all).
pub fn replay(target: &str, accepts: impl Fn(&[u8]) -> bool) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no corpus for {target}");
    let wrong: Vec<&String> = names
        .iter()
        .filter(|name| {
            let expected = match name.split_once('-') {
                Some(("ok", _)) => true,
                Some(("err", _)) => false,
                _ => panic!("{target}/{name}: corpus files are named ok-… or err-…"),
            };
            accepts(&std::fs::read(dir.join(name.as_str())).unwrap()) != expected
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{target}: unexpected outcome for {wrong:?}"
    );
}
