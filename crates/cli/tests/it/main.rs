//! Tests of the real `autopilot-graph` binary, run as a user runs it.

#![allow(clippy::unwrap_used)]

mod cmdlets;
mod console;
mod hash;
mod import;
mod import_faults;
mod load;
mod ops;
mod postgres;
mod scenarios;
mod schemathesis;
mod serve;
mod sign_in;
mod users;

/// An HTTP client for the tests (with the TLS provider the build uses installed first).
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
