//! `autopilot-graph user add | list` and `tenant set` with the real binary, and the server
//! that opens the same data directory: its dev token reads the users and the organization.

use crate::serve::{cli, cli_ok, start_with, stop};

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn users_added_by_the_cli_are_the_servers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let add = |upn: &str, name: &[&str]| {
        let mut args = vec!["user", "add", "--tenant", "default", "--upn", upn];
        args.extend_from_slice(name);
        cli_ok(&data, &args).trim().to_owned()
    };
    let adele = add("adele@contoso.com", &["--display-name", "Adele Vance"]);
    assert!(uuid_like(&adele), "{adele}");
    add("alex@contoso.com", &[]);
    // Taken whatever the case; not a principal name at all.
    for upn in ["ADELE@contoso.com", "adele"] {
        let out = cli(&data, &["user", "add", "--tenant", "default", "--upn", upn]);
        assert_eq!(out.status.code(), Some(2), "{upn}");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    }
    let listed = cli_ok(&data, &["user", "list", "--tenant", "default"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(
        lines.contains(&format!("adele@contoso.com\tAdele Vance\t{adele}\tenabled").as_str()),
        "{listed}"
    );
    let json = cli_ok(&data, &["user", "list", "--tenant", "default", "--json"]);
    let all: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(all[0]["userPrincipalName"].is_string());
    // Another tenant has none.
    let other = cli_ok(&data, &["user", "list", "--tenant", "fabrikam"]);
    assert!(other.is_empty());

    let running = start_with(&data, &["--listen", "127.0.0.1:0"], &[]);
    let client = crate::client();
    let reply = client
        .get(format!("{}/v1.0/users/adele@contoso.com", running.base))
        .bearer_auth(&running.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let user: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(user["id"], adele.as_str());
    assert_eq!(user["displayName"], "Adele Vance");
    stop(running);
}

fn uuid_like(text: &str) -> bool {
    text.len() == 36 && text.chars().filter(|c| *c == '-').count() == 4
}

/// `autopilot-graph tenant set`, then the server's `/organization` for the dev token's tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn tenant_set_is_the_organization_the_server_answers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = cli_ok(
        &data,
        &[
            "tenant",
            "set",
            "--tenant",
            "default",
            "--display-name",
            "Contoso Labs",
            "--domain",
            "labs.contoso.com",
            "--default-domain",
            "labs.contoso.com",
        ],
    );
    assert!(out.contains("default.onmicrosoft.com\n"), "{out}");
    assert!(out.contains("labs.contoso.com\tdefault"), "{out}");
    let bad = cli(
        &data,
        &[
            "tenant",
            "set",
            "--tenant",
            "default",
            "--default-domain",
            "fabrikam.com",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let running = start_with(&data, &["--listen", "127.0.0.1:0"], &[]);
    let reply = crate::client()
        .get(format!("{}/v1.0/organization", running.base))
        .bearer_auth(&running.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let org: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(org["value"][0]["displayName"], "Contoso Labs");
    assert_eq!(
        org["value"][0]["verifiedDomains"][1]["name"],
        "labs.contoso.com"
    );
    assert_eq!(org["value"][0]["verifiedDomains"][1]["isDefault"], true);
    stop(running);
}
