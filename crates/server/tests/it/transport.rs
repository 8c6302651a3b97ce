//! The transport: https with the self-signed CA, and the limits on request heads, slow
//! clients and slow bodies, over real sockets.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use autopilot_domain::delay::ProcessingDelay;
use autopilot_server::ServerConfig;
use autopilot_server::listen::ConnLimits;
use serde_json::Value;

use crate::common::{IMPORTED, Server, import_body};

#[tokio::test]
async fn https_with_the_self_signed_ca() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_self_signed_tls(dir.path()).await;
    assert!(
        server.base.starts_with("https://localhost:"),
        "{}",
        server.base
    );
    let token = server.rw("contoso");
    let imported = server
        .post_json(
            &format!("/beta{IMPORTED}/import"),
            &token,
            &import_body(["TLS-0001".to_owned()]),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text());
    let list = server.get(&format!("/beta{IMPORTED}"), &token).await;
    assert_eq!(list.status, 200);
    let body = list.json();
    // Links name the scheme the request came in on.
    let context = body["@odata.context"].as_str().unwrap();
    assert!(context.starts_with("https://localhost:"), "{context}");
    let id = body["value"][0]["id"].as_str().unwrap().to_owned();
    let deleted = server
        .delete(&format!("/beta{IMPORTED}/{id}"), &token)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());

    // A client that does not trust the CA cannot connect.
    let untrusting = reqwest::Client::new();
    let err = untrusting
        .get(format!("{}/beta{IMPORTED}", server.base))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // Plain http to the https port is not answered as http.
    let plain = server.base.replace("https://", "http://");
    assert!(
        reqwest::get(format!("{plain}/beta{IMPORTED}"))
            .await
            .is_err_and(|e| !e.is_status())
    );
}

#[tokio::test]
async fn oversize_request_heads_are_refused() {
    let server = Server::start().await;
    let token = server.rw("contoso");
    let path = format!("/beta{IMPORTED}");
    let big = "a".repeat(20_000);
    // Over our 32 KiB limit, within hyper's buffer: a Graph error.
    let reply = server
        .get_with_headers(&path, &token, &[("x-one", &big), ("x-two", &big)])
        .await;
    reply.graph_error(431, "RequestHeaderFieldsTooLarge");
    // Far over it: refused by the HTTP layer before it is read whole.
    let huge = "a".repeat(200_000);
    let reply = server
        .get_with_headers(&path, &token, &[("x-huge", &huge)])
        .await;
    assert_eq!(reply.status, 431);
    // Too many header fields.
    let names: Vec<String> = (0..150).map(|i| format!("x-h{i}")).collect();
    let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    let reply = server.get_with_headers(&path, &token, &headers).await;
    assert_eq!(reply.status, 431);
    // An ordinary request still works.
    assert_eq!(server.get(&path, &token).await.status, 200);
}

/// Reads until the server closes the connection (bounded, so that a bug fails the test
/// instead of hanging it); returns what came.
fn read_to_close(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let limits = ConnLimits {
        client_timeout: Duration::from_secs(1),
        ..ConnLimits::default()
    };
    let config = ServerConfig {
        processing_delay: ProcessingDelay::fixed(time::Duration::ZERO),
        throttle: None,
        body_timeout: Duration::from_secs(1),
        ..ServerConfig::default()
    };
    let server = Server::with_limits(config, limits).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let token = server.rw("contoso");
    tokio::task::spawn_blocking(move || {
        // Connects and says nothing.
        let mut idle = TcpStream::connect(&addr).unwrap();
        assert_eq!(read_to_close(&mut idle), "");
        // Sends half a request head and stalls.
        let mut partial = TcpStream::connect(&addr).unwrap();
        partial
            .write_all(b"GET /beta/deviceManagement HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        assert_eq!(read_to_close(&mut partial), "");
        // Sends the head and a sliver of the body it announced: 408, Graph-shaped.
        let mut slow = TcpStream::connect(&addr).unwrap();
        let head = format!(
            "POST /beta{IMPORTED} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"value\""
        );
        slow.write_all(head.as_bytes()).unwrap();
        let reply = read_to_close(&mut slow);
        assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
        let body: Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "RequestTimeout");
        // A keep-alive connection left idle after a request is closed too.
        let mut kept = TcpStream::connect(&addr).unwrap();
        kept.write_all(b"GET /beta/deviceManagement HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let reply = read_to_close(&mut kept);
        assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
    })
    .await
    .unwrap();
    // Nothing was written by the cut-off import.
    let list = server
        .get(&format!("/beta{IMPORTED}"), &server.rw("contoso"))
        .await;
    assert_eq!(list.json()["value"], serde_json::json!([]));
}
