//! Helpers shared by the workspace's test suites.
//!
//! The real hardware hashes the tests check against live outside the repository, in the project's
//! `shared/` folder, which sits beside a developer's checkout and beside CI's clone
//! (`<repo>/../shared`). A user's clone has no such folder: tests that need it then skip with a
//! message. CI sets `AUTOPILOT_GRAPH_REQUIRE_TESTDATA=1`, which turns a missing folder into a
//! failure, so CI never skips them silently. `AUTOPILOT_GRAPH_SHARED_DIR` points elsewhere.

pub mod postgres;

use std::path::{Path, PathBuf};

/// Environment variable that makes a missing `shared/` folder a test failure.
pub const REQUIRE_VAR: &str = "AUTOPILOT_GRAPH_REQUIRE_TESTDATA";
/// Environment variable that overrides where the `shared/` folder is.
pub const DIR_VAR: &str = "AUTOPILOT_GRAPH_SHARED_DIR";

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    // This crate lives at <root>/crates/testkit.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The `shared/testdata/hwhash` folder, or `None` (after printing why) when it is absent and not
/// required. Panics when it is absent and [`REQUIRE_VAR`] is set.
pub fn hwhash_dir() -> Option<PathBuf> {
    shared_dir("testdata/hwhash")
}

/// The `shared/seed` folder (the API page the project started from), like [`hwhash_dir`].
pub fn seed_dir() -> Option<PathBuf> {
    shared_dir("seed")
}

/// A folder below `shared/`, or `None` (after printing why) when it is absent and not
/// required. Panics when it is absent and [`REQUIRE_VAR`] is set.
pub fn shared_dir(sub: &str) -> Option<PathBuf> {
    let shared = match std::env::var_os(DIR_VAR) {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared"),
    };
    let dir = shared.join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    let required = std::env::var(REQUIRE_VAR).is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "{REQUIRE_VAR} is set but the test data folder {} does not exist",
        dir.display()
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "skipping: test data folder {} not found (set {DIR_VAR} to point at shared/)",
            dir.display()
        );
    }
    None
}

/// Reads a file below a test data folder as text.
pub fn read_text(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Lists the files of a subfolder of the hwhash test data folder, sorted by name.
pub fn list(dir: &Path, sub: &str, ext: &[&str]) -> Vec<PathBuf> {
    let path = dir.join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("listing {}: {e}", path.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ext.contains(&e))
        })
        .collect();
    files.sort();
    files
}
