//! autopilot-server: the Microsoft Graph protocol layer of autopilot-graph.
//!
//! A request goes through the id middleware (`request-id`, `client-request-id`), then one
//! dispatcher: bearer authentication ([`auth`]), Graph routing ([`route`]), permissions, query
//! options ([`query`]), the lenient body reader ([`lenient_json`]) and the wire shapes
//! ([`wire`]), then the domain's [`Store`](autopilot_domain::Store). Errors of every kind are
//! rendered once, by [`error::GraphError`].

pub mod app;
pub mod auth;
pub mod batch;
pub mod delay;
pub mod error;
pub mod ids;
pub mod jwks;
pub mod lenient_json;
pub mod listen;
pub mod permissions;
pub mod profiles;
pub mod query;
pub mod route;
pub mod throttle;
pub mod tls;
pub mod token_endpoint;
pub mod wire;
pub mod worker;

pub use app::{AppState, ServerConfig, router};
