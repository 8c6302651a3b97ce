//! Autopilot CSV files from disk; the reading itself is `autopilot-csv`'s.

use std::path::Path;

use anyhow::{Context, Result};
pub use autopilot_csv::{CsvFile, decode_text};

/// Reads and parses an Autopilot CSV file.
pub fn read(path: &Path) -> Result<CsvFile> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    autopilot_csv::parse(&bytes).with_context(|| format!("reading {}", path.display()))
}
