//! Parser, printer and checker tests of autopilot-odata.

#![allow(clippy::unwrap_used)]

mod check;
mod lambda;
mod parser;
mod roundtrip;
