//! The Graph server as its clients see it: a real server on a real socket (127.0.0.1, an
//! ephemeral port), real HTTP requests, an in-memory SQLite store.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

mod actions;
mod auth;
mod batch;
mod clients;
mod console;
mod console_import;
mod console_manage;
mod directory;
mod enrollment;
mod errors;
mod flows;
mod groups;
mod identities;
mod js;
mod jwks;
mod managed;
mod metadata;
mod odata;
mod ops;
mod organization;
mod paging;
mod permissions;
mod profiles;
mod registration;
mod scenarios;
mod scripts;
mod sdk;
mod seed;
mod settings;
mod sign_in;
mod tenants;
mod throttle;
mod token_endpoint;
mod transport;
mod uploads;
mod users;
