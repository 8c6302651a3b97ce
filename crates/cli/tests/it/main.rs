//! Tests of the real `autopilot-graph` binary, run as a user runs it.

#![allow(clippy::unwrap_used)]

mod hash;
mod serve;
