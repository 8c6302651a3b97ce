//! Integration tests of `autopilot-hwhash`: real samples, negative vectors, properties.

#![allow(clippy::unwrap_used)]

mod properties;
mod samples;
