//! Autopilot CSV files, as the Windows tools write them and the Intune portal takes them: read
//! in every encoding they come in ([`read`]), checked row by row offline before anything is
//! sent ([`check`]), and the rows that failed written back as a CSV to fix and import again.
//! Used by the CLI's `import` and `hash inspect` and by the console's CSV import. No I/O.

pub mod check;
pub mod read;

pub use check::{
    Checked, CheckedRow, INVALID_HASH, Problem, Verdict, check, failures_csv, import_body,
};
pub use read::{
    CsvError, CsvFile, CsvRow, Finding, PORTAL_MAX_ROWS, TextEncoding, decode_text, parse,
};

#[cfg(test)]
mod tests;
