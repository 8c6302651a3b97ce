//! Throttling: a burst over the write limit gets 429 with Retry-After, and succeeds after that
//! many seconds; reads are not blocked by the write limit.

use autopilot_server::ServerConfig;
use autopilot_server::throttle::Limits;

use crate::common::{IMPORTED, Server, import_body};

#[tokio::test]
async fn a_write_burst_is_throttled_until_its_window_ends() {
    let (server, _clock) = Server::with_config_and_clock(ServerConfig {
        throttle: Some(Limits {
            app_writes: 5,
            ..Limits::INTUNE
        }),
        ..ServerConfig::default()
    })
    .await;
    let token = server.rw("throttled");
    let import = format!("/beta{IMPORTED}/import");
    let mut statuses = Vec::new();
    let mut retry_after = 0;
    for i in 0..8 {
        let reply = server
            .post_json(&import, &token, &import_body([format!("T-{i}")]))
            .await;
        statuses.push(reply.status);
        if reply.status == 429 {
            reply.graph_error(429, "TooManyRequests");
            retry_after = reply.header("retry-after").parse::<i64>().unwrap();
        }
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 429, 429, 429]);
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    // Reads go on.
    assert_eq!(
        server
            .get(&format!("/beta{IMPORTED}/$count"), &token)
            .await
            .text(),
        "5"
    );
    // After Retry-After seconds, writes succeed again.
    server.advance(time::Duration::seconds(retry_after));
    let reply = server
        .post_json(&import, &token, &import_body(["T-8".to_owned()]))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}
