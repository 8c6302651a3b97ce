//! The permission report's source: every call counted by application, operation, the
//! permissions that would allow it and those its token carried, refused ones included.

use autopilot_domain::usage;
use autopilot_server::auth::tenant_guid;

use crate::common::{IMPORTED, RO, RW, Server, import_body};

#[tokio::test]
async fn calls_are_counted_for_the_permission_report() {
    let server = Server::start().await;
    let wide = server.token(
        "usage",
        &[],
        &[
            RW,
            "Group.ReadWrite.All",
            "User.ReadWrite.All",
            "Directory.ReadWrite.All",
        ],
    );
    for _ in 0..3 {
        assert_eq!(
            server.get(&format!("/beta{IMPORTED}"), &wide).await.status,
            200
        );
    }
    let body = import_body(["USAGE-1".to_owned()]);
    assert_eq!(
        server
            .post_json(&format!("/beta{IMPORTED}/import"), &wide, &body)
            .await
            .status,
        200
    );
    assert_eq!(server.get("/v1.0/groups", &wide).await.status, 200);
    // Another application of the same tenant is refused a write.
    let reader = server.token("usage", &[RO], &[]);
    assert_eq!(
        server
            .post_json(&format!("/beta{IMPORTED}/import"), &reader, &body)
            .await
            .status,
        403
    );
    server.flush_usage().await;

    let tenant = tenant_guid("usage").to_string();
    let today = usage::day_of(time::OffsetDateTime::now_utc());
    let rows = server
        .store()
        .usage_of(&tenant, autopilot_server::auth::DEFAULT_APP_ID, today)
        .await
        .unwrap();
    let report = usage::report(&rows);
    assert_eq!(
        report.needed,
        [
            "DeviceManagementServiceConfig.ReadWrite.All",
            "Group.Read.All"
        ]
    );
    // The reader's token carried Read.All, which nothing needed once ReadWrite was needed.
    assert_eq!(
        report.unused,
        [
            RO,
            "Directory.ReadWrite.All",
            "Group.ReadWrite.All",
            "User.ReadWrite.All"
        ]
    );
    // The refused call is there too, with what it lacked (both tokens name the same app).
    assert_eq!(
        report.missing,
        Vec::<String>::new(),
        "the wide token carried ReadWrite"
    );
    let list = report
        .operations
        .iter()
        .find(|o| o.operation == "GET /beta Imported(List { upload: None })")
        .unwrap();
    assert_eq!((list.calls, list.denied), (3, 0));
    let import = report
        .operations
        .iter()
        .find(|o| o.operation.starts_with("POST /beta Imported(Import"))
        .unwrap();
    assert_eq!((import.calls, import.denied), (2, 1));
    // Flushing again adds nothing twice.
    server.flush_usage().await;
    let again = server
        .store()
        .usage_of(&tenant, autopilot_server::auth::DEFAULT_APP_ID, today)
        .await
        .unwrap();
    assert_eq!(again, rows);
}
