//! The console's CSV import and the hash inspector's CSV over a real socket: the file sent as
//! the page's script sends it (`text/csv`, UTF-16 as Windows writes it), checked line by line,
//! imported, followed, its failed lines given back; CSRF, read-only sessions, bad files, and
//! hostile values shown as text.

use crate::common::{CONSOLE_PASSWORD, IMPORTED, Server, hash};
use crate::console::{browser, sign_in};

/// A CSV as `Get-WindowsAutopilotInfo` writes it: UTF-16LE with a BOM, CRLF.
fn utf16_csv(rows: &[(&str, &str)]) -> Vec<u8> {
    let mut text = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag\r\n".to_owned();
    for (serial, hash) in rows {
        text.push_str(&format!("{serial},,{hash},Lab\r\n"));
    }
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// The session's CSRF token, as the import page gives it to its script.
async fn csrf(server: &Server, cookie: &str, tid: &str) -> String {
    let body = browser()
        .get(format!("{}/console/t/{tid}/import", server.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = body
        .find("data-csrf=\"")
        .expect("the page carries the token")
        + 11;
    body[at..at + body[at..].find('"').unwrap()].to_owned()
}

/// A file posted as the page's script posts it.
async fn send_file(
    server: &Server,
    cookie: &str,
    csrf: Option<&str>,
    path: &str,
    bytes: Vec<u8>,
) -> (u16, String, String) {
    let mut request = browser()
        .post(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .header("origin", &server.base)
        .header("content-type", "text/csv")
        .body(bytes);
    if let Some(token) = csrf {
        request = request.header("x-csrf-token", token);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    let kind = reply.headers()["content-type"].to_str().unwrap().to_owned();
    (status, kind, reply.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_is_checked_imported_followed_and_its_failures_given_back() {
    let server = Server::start().await;
    let token = server.rw("console-csv");
    server.register(&token, "TAKEN-1", "Lab").await;
    let tid = autopilot_server::auth::tenant_guid("console-csv").to_string();
    let admin = sign_in(&server, &[("password", CONSOLE_PASSWORD)]).await;
    let csrf = csrf(&server, &admin, &tid).await;
    let hostile = "<script>alert(1)</script>";
    let file = utf16_csv(&[
        (hostile, &hash(hostile)),
        ("BROKEN-1", "bm90IGEgaGFzaA=="),
        ("COPY-1", &hash(hostile)),
        ("TAKEN-1", &hash("TAKEN-1")),
    ]);
    let base = format!("/console/t/{tid}/import");

    // The check: every line named, nothing sent, values shown as text.
    let (status, kind, body) = send_file(
        &server,
        &admin,
        Some(&csrf),
        &format!("{base}/check?name=%3Cb%3Elab.csv"),
        file.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/html"));
    assert!(body.contains("UTF-16LE with a byte order mark"), "{body}");
    assert!(
        body.contains("4 devices: 2 ready to import, 2 will not be sent"),
        "{body}"
    );
    assert!(body.contains("802 InvalidZtdHardwareHash"), "{body}");
    assert!(
        body.contains("the same hardware as &#60;b&#62;lab.csv:2"),
        "{body}"
    );
    assert!(body.contains("&#60;script&#62;alert(1)"), "{body}");
    assert!(
        !body.contains("<script>") && !body.contains("<b>lab"),
        "{body}"
    );
    assert!(body.contains("Import 2 devices"), "{body}");
    let listed = server.get(&format!("/beta{IMPORTED}"), &token).await.json();
    assert_eq!(
        listed["value"].as_array().unwrap().len(),
        1,
        "nothing sent by the check"
    );

    // Refused: no token, a token from another session's page, a file from elsewhere.
    let (status, _, _) =
        send_file(&server, &admin, None, &format!("{base}/send"), file.clone()).await;
    assert_eq!(status, 403);
    let (status, _, _) = send_file(
        &server,
        &admin,
        Some("0000"),
        &format!("{base}/send"),
        file.clone(),
    )
    .await;
    assert_eq!(status, 403);
    let elsewhere = browser()
        .post(format!("{}{base}/send", server.base))
        .header("cookie", &admin)
        .header("origin", "http://evil.example")
        .header("content-type", "text/csv")
        .header("x-csrf-token", &csrf)
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 403);

    // Bad files: empty, not a CSV of devices.
    let (status, _, body) = send_file(
        &server,
        &admin,
        Some(&csrf),
        &format!("{base}/check"),
        Vec::new(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("is empty"), "{body}");
    let (status, _, body) = send_file(
        &server,
        &admin,
        Some(&csrf),
        &format!("{base}/check"),
        b"Serial,Hash\nS1,T0E=\n".to_vec(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("must name the columns"), "{body}");

    // The import: the valid lines sent once, followed to their outcome.
    let (status, _, body) = send_file(
        &server,
        &admin,
        Some(&csrf),
        &format!("{base}/send"),
        file.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("2 of 4 devices sent"), "{body}");
    assert!(body.contains(&format!("data-follow=\"/console/t/{tid}/imports/status\"")));
    let ids: Vec<&str> = body
        .split("data-id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(ids.len(), 2, "{body}");
    let mut decided = Vec::new();
    for id in &ids {
        let record = server
            .wait_decided(&format!("/beta{IMPORTED}/{id}"), &token)
            .await;
        decided.push(
            record["state"]["deviceImportStatus"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(decided, ["complete", "error"]);

    // The failed lines back as a CSV that reads as the same rows.
    let (status, kind, text) = send_file(
        &server,
        &admin,
        Some(&csrf),
        &format!("{base}/failures?lines=3,4,5"),
        file.clone(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let back = autopilot_csv::parse(text.as_bytes()).unwrap();
    let serials: Vec<&str> = back.rows.iter().map(|r| r.serial_number.as_str()).collect();
    assert_eq!(serials, ["BROKEN-1", "COPY-1", "TAKEN-1"]);
    assert_eq!(back.rows[2].hardware_hash, hash("TAKEN-1"));

    // The hash inspector reads the same file.
    let (status, _, body) = send_file(
        &server,
        &admin,
        Some(&csrf),
        "/console/hash/csv?name=lab.csv",
        file.clone(),
    )
    .await;
    assert_eq!(status, 400, "one hash is broken: {body}");
    assert!(
        body.contains("lab.csv: 4 rows, UTF-16LE with a byte order mark; 3 valid, 1 invalid."),
        "{body}"
    );
    assert!(body.contains("line 4, serial COPY-1: Contoso"), "{body}");
    assert!(body.contains("Serial number in the CSV"), "{body}");

    // A read-only session may check a file, not import it.
    let reader = server.token(
        "console-csv",
        &["DeviceManagementServiceConfig.Read.All"],
        &[],
    );
    let viewer = sign_in(&server, &[("token", &reader)]).await;
    let viewer_csrf = self::csrf(&server, &viewer, &tid).await;
    let (status, _, body) = send_file(
        &server,
        &viewer,
        Some(&viewer_csrf),
        &format!("{base}/check"),
        file.clone(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("may not import"), "{body}");
    let (status, _, _) = send_file(
        &server,
        &viewer,
        Some(&viewer_csrf),
        &format!("{base}/send"),
        file,
    )
    .await;
    assert_eq!(status, 403);
}
