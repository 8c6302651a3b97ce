//! The console's pages over a real socket, without a browser: statuses and content types for
//! every kind of request, the security headers, sign-in and its refusals, CSRF, tenant walls,
//! and input never echoed unescaped.

use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;

use crate::common::{CONSOLE_PASSWORD, IMPORTED, Server, hash};

/// A form body.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Signs in with `form`; the session cookie.
pub(crate) async fn sign_in(server: &Server, form: &[(&str, &str)]) -> String {
    let reply = browser()
        .post(format!("{}/console/sign-in", server.base))
        .header("origin", &server.base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(self::form(form))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 303, "{:?}", reply.text().await);
    let cookie = reply.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(!cookie.contains("Secure"), "plain http: no Secure");
    cookie.split(';').next().unwrap().to_owned()
}

async fn page(server: &Server, cookie: Option<&str>, path: &str) -> (u16, String, String) {
    let mut request = browser().get(format!("{}{path}", server.base));
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    let location = reply
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    if status != 303 {
        let csp = reply.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{csp}"
        );
        assert_eq!(reply.headers()["x-frame-options"], "DENY");
    }
    let is_html = reply
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
    let body = reply.text().await.unwrap();
    assert!(status == 303 || is_html || path.starts_with("/console/static/"));
    (status, location, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_statuses_sign_in_csrf_and_escaping() {
    let server = Server::start().await;
    // Signed out: the root (for a browser) and every page lead to sign-in.
    let root = browser()
        .get(format!("{}/", server.base))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(root.status(), 303);
    assert_eq!(root.headers()[LOCATION], "/console/");
    assert_eq!(page(&server, None, "/console/").await.1, "/console/sign-in");
    let (status, _, body) = page(&server, None, "/console/sign-in").await;
    assert_eq!(status, 200);
    assert!(body.contains("<label for=\"password\">"));
    assert!(!body.contains("<script>"), "no inline script");
    assert_eq!(
        page(&server, None, "/console/static/console.js").await.0,
        200
    );

    // Wrong password, or a form from elsewhere.
    let wrong = browser()
        .post(format!("{}/console/sign-in", server.base))
        .header("origin", &server.base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("password", "guess")]))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let elsewhere = browser()
        .post(format!("{}/console/sign-in", server.base))
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("password", CONSOLE_PASSWORD)]))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 403);

    // Devices with script-shaped values, in two tenants.
    let token = server.rw("console-walls");
    let body = format!(
        r#"{{"importedWindowsAutopilotDeviceIdentities":[{{"serialNumber":"<script>alert(1)</script>","groupTag":"\"><img src=x onerror=alert(2)>","hardwareIdentifier":"{}"}}]}}"#,
        hash("<script>alert(1)</script>")
    );
    let reply = server
        .post_json(&format!("/beta{IMPORTED}/import"), &token, body.as_bytes())
        .await;
    assert_eq!(reply.status, 200);
    let id = reply.json()["value"][0]["id"].as_str().unwrap().to_owned();
    server
        .wait_decided(&format!("/beta{IMPORTED}/{id}"), &token)
        .await;
    let theirs = server
        .register(&server.rw("console-other"), "THEIRS-1", "X")
        .await;
    let theirs_id = theirs["id"].as_str().unwrap();
    let tid = autopilot_server::auth::tenant_guid("console-walls");
    let other_tid = autopilot_server::auth::tenant_guid("console-other");

    let admin = sign_in(&server, &[("password", CONSOLE_PASSWORD)]).await;
    let (status, _, body) = page(&server, Some(&admin), "/console/").await;
    assert_eq!(status, 200);
    assert!(body.contains(&tid.to_string()));
    let (status, _, body) = page(
        &server,
        Some(&admin),
        &format!("/console/t/{tid}/devices?q=%3Cscript%3E"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{body}"
    );
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(!body.contains("<img src=x"), "{body}");
    // The imports, escaped, and their status as the page's script reads it.
    let (status, _, body) = page(&server, Some(&admin), &format!("/console/t/{tid}/imports")).await;
    assert_eq!(status, 200);
    assert!(body.contains("&#60;script&#62;alert(1)"), "{body}");
    assert!(!body.contains("<script>alert"), "{body}");
    let states: serde_json::Value = browser()
        .get(format!(
            "{}/console/t/{tid}/imports/status?ids={id},not-an-id",
            server.base
        ))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(states[&id]["status"], "complete", "{states}");
    assert_eq!(states.as_object().unwrap().len(), 1, "{states}");
    // The model searched (starts with).
    let (status, _, body) = page(
        &server,
        Some(&admin),
        &format!("/console/t/{tid}/devices?model=Lap"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("&#60;script&#62;alert(1)"), "{body}");
    let (_, _, body) = page(
        &server,
        Some(&admin),
        &format!("/console/t/{tid}/devices?model=Surface"),
    )
    .await;
    assert!(body.contains("No device matches this search."), "{body}");
    // A search the OData engine refuses says why, as a page.
    let (status, _, body) = page(
        &server,
        Some(&admin),
        &format!("/console/t/{tid}/devices?sort=nonsense&state=%27"),
    )
    .await;
    assert!(status == 200 || status == 400, "{status} {body}");
    // Unknown pages and ids, other methods.
    assert_eq!(
        page(&server, Some(&admin), "/console/nothing-here").await.0,
        404
    );
    assert_eq!(
        page(
            &server,
            Some(&admin),
            &format!("/console/t/{tid}/devices/not-a-device")
        )
        .await
        .0,
        404
    );
    let put = browser()
        .put(format!("{}/console/", server.base))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);

    // A write without the session's CSRF token, or from elsewhere.
    let forged = browser()
        .post(format!("{}/console/t/{tid}/devices/{id}", server.base))
        .header("cookie", &admin)
        .header("origin", &server.base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("action", "delete"), ("csrf", "0000")]))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    // A tenant's token: its own tenant; the other's pages are not found.
    let tenant = sign_in(&server, &[("token", &token)]).await;
    assert_eq!(
        page(&server, Some(&tenant), "/console/").await.1,
        format!("/console/t/{tid}/devices")
    );
    let (status, _, _) = page(
        &server,
        Some(&tenant),
        &format!("/console/t/{other_tid}/devices/{theirs_id}"),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = page(
        &server,
        Some(&tenant),
        &format!("/console/t/{other_tid}/devices"),
    )
    .await;
    assert_eq!(status, 404);
    // The cookie is no Graph token.
    let value = tenant.split_once('=').unwrap().1;
    assert_eq!(
        server.get(&format!("/beta{IMPORTED}"), value).await.status,
        401
    );
}
