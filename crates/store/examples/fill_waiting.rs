//! Fills an autopilot-graph database with imported records waiting for registration, all due
//! at once, through the store's own import (the rows an `import` call writes, with real
//! synthetic hashes): the backlog of the fairness benchmark, `bench/fairness.sh`.
//!
//! Usage: `fill_waiting DATABASE_URL TENANT_ID COUNT`. Serials are `WAIT-n`.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use autopilot_domain::{ImportBatch, NewImportedDevice, TenantId, UploadTarget};

const BATCH: u64 = 500;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, tenant, count] = args.as_slice() else {
        eprintln!("usage: fill_waiting DATABASE_URL TENANT_ID COUNT");
        std::process::exit(2);
    };
    let count: u64 = count.parse().unwrap();
    let tenant = TenantId::new(tenant);
    let store = autopilot_store::open(url).await.unwrap();
    let start = std::time::Instant::now();
    let now = time::OffsetDateTime::now_utc();
    let mut n = 0u64;
    while n < count {
        let size = (count - n).min(BATCH);
        let devices: Vec<NewImportedDevice> = (n..n + size)
            .map(|i| {
                let serial = format!("WAIT-{i}");
                let device = autopilot_hwhash::SyntheticDevice::new("Fabrikam", "Desk 3", &serial);
                NewImportedDevice {
                    hardware_identifier: autopilot_hwhash::encode_bytes(&device.build()).unwrap(),
                    serial_number: serial,
                    group_tag: "Backlog".into(),
                    product_key: String::new(),
                    assigned_user_principal_name: String::new(),
                }
            })
            .collect();
        let batch = ImportBatch {
            import_id: uuid::Uuid::new_v4().to_string(),
            upload: UploadTarget::None,
            created_at: now,
            ids: (0..size).map(|_| uuid::Uuid::now_v7()).collect(),
            due_at: vec![now; devices.len()],
            devices,
        };
        store.import_devices(&tenant, batch).await.unwrap();
        n += size;
    }
    println!(
        "filled {count} waiting records in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}
