//! Fills an autopilot-graph SQLite database with registered devices, straight through SQL (for
//! the large-scale query benchmark, `bench/odata.sh`).
//!
//! Usage: `fill DATABASE_URL TENANT_ID COUNT`
//!
//! Devices get serials `BENCH-nnnnnnnnnn-XXXXXXXX` (a counter and 8 pseudo-random hex
//! characters), one of four group tags, and the registration defaults.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use sqlx::Connection as _;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, tenant, count] = args.as_slice() else {
        eprintln!("usage: fill DATABASE_URL TENANT_ID COUNT");
        std::process::exit(2);
    };
    let count: u64 = count.parse().unwrap();
    // Open once through the store so that the migrations run.
    drop(autopilot_store::open(url).await.unwrap());
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("PRAGMA synchronous = OFF")
        .execute(&mut conn)
        .await
        .unwrap();
    let start = std::time::Instant::now();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut n = 0u64;
    while n < count {
        let mut tx = conn.begin().await.unwrap();
        for _ in 0..50 {
            if n >= count {
                break;
            }
            let chunk = (count - n).min(200);
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO autopilot_devices (tenant, id, hardware_key, import_id, \
                 serial_number, manufacturer, model, sku_number, system_family, product_key, \
                 group_tag, azure_ad_device_id, managed_device_id, enrollment_state, created_at) ",
            );
            let rows: Vec<(String, String)> = (0..chunk)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let serial = format!("BENCH-{:010}-{:08X}", n + i, state as u32);
                    (uuid::Uuid::now_v7().hyphenated().to_string(), serial)
                })
                .collect();
            qb.push_values(rows.iter().enumerate(), |mut b, (i, (id, serial))| {
                b.push_bind(tenant.as_str())
                    .push_bind(id.as_str())
                    .push_bind(format!("serial:5:BENCH:{serial}"))
                    .push_bind("bench")
                    .push_bind(serial.as_str())
                    .push_bind("Contoso")
                    .push_bind("Laptop 7")
                    .push_bind("")
                    .push_bind("")
                    .push_bind("")
                    .push_bind(["North", "South", "East", "West"][i % 4])
                    .push_bind(uuid::Uuid::new_v4().hyphenated().to_string())
                    .push_bind(autopilot_domain::NO_MANAGED_DEVICE)
                    .push_bind(4i64)
                    .push_bind(0i64);
            });
            qb.build().execute(&mut *tx).await.unwrap();
            n += chunk;
        }
        tx.commit().await.unwrap();
    }
    sqlx::query("PRAGMA optimize")
        .execute(&mut conn)
        .await
        .unwrap();
    println!(
        "filled {count} devices in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}
