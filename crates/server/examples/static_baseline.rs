//! The benchmark's baseline: a minimal axum server that answers every POST with one fixed body
//! and every GET with another, after reading the whole request, over the same HTTP stack as
//! autopilot-graph. What autopilot-graph costs beyond this is its own work (routing, auth,
//! JSON, hashes, SQLite).
//!
//! Usage: `static_baseline LISTEN_ADDR POST_RESPONSE_FILE GET_RESPONSE_FILE`

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

struct Bodies {
    post: Bytes,
    get: Bytes,
}

async fn answer(State(bodies): State<Arc<Bodies>>, req: Request) -> Response {
    let post = req.method() == Method::POST;
    // Read the request in full, as the real server must.
    let _ = axum::body::to_bytes(req.into_body(), 64 << 20).await;
    let body = if post { &bodies.post } else { &bodies.get };
    let mut response = body.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, listen, post, get] = args.as_slice() else {
        eprintln!("usage: static_baseline LISTEN_ADDR POST_RESPONSE_FILE GET_RESPONSE_FILE");
        std::process::exit(2);
    };
    let bodies = Arc::new(Bodies {
        post: std::fs::read(post).unwrap().into(),
        get: std::fs::read(get).unwrap().into(),
    });
    let app = axum::Router::new().fallback(answer).with_state(bodies);
    let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}
