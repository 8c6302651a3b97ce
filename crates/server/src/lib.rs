//! autopilot-server: the Microsoft Graph protocol layer of autopilot-graph.
//!
//! A request goes through one dispatcher ([`dispatch`]): the request ids, bearer
//! authentication ([`auth`]), Graph routing ([`route`]) to a resource whose row of the table
//! says its methods, query options and permissions, throttling ([`throttle`]), query options
//! ([`query`]), the body ([`body`], [`lenient_json`]), then the handler of its family
//! ([`handlers`]), which speaks to the domain's [`Store`](autopilot_domain::Store) and answers in
//! the wire shapes ([`wire`]) through [`respond`]. Errors of every kind are rendered once, by
//! [`error::GraphError`]. Nothing here imports upward: handlers know the state, the resource
//! and the responders, never the dispatcher.

pub mod auth;
pub mod body;
pub mod certificates;
pub mod console;
pub mod describe;
pub mod dispatch;
pub mod error;
pub mod handlers;
pub mod ids;
pub mod jwks;
pub mod lenient_json;
pub mod listen;
pub mod openapi;
pub mod ops;
pub mod query;
pub mod respond;
pub mod route;
pub mod scenarios;
pub mod state;
pub mod throttle;
pub mod tls;
pub mod token_cache;
pub mod usage;
pub mod wire;
pub mod worker;

pub use dispatch::router;
pub use state::{AppState, ServerConfig};
