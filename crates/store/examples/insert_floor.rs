//! The floor of an import on SQLite: the rows an `import` of 500 devices writes (the same
//! columns and values, into the same schema and indexes, made by the store's migrations), with
//! nothing but SQLite in the way: rusqlite on the calling thread, prepared multi-row
//! statements kept, one `BEGIN IMMEDIATE` transaction per 500 devices, the server's journal
//! (WAL), `synchronous = NORMAL`, page cache and checkpointing. `bench/http.sh` runs it beside the server's import.
//!
//! Usage: `insert_floor DATABASE_FILE SECONDS [--no-indexes]`; `--no-indexes` drops the
//! secondary indexes of `imported_devices` first. Prints `devices/s N` and `devices N`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

/// Devices per request, and per multi-row statement (the store's `INSERT_CHUNK`).
const REQUEST: usize = 500;
const CHUNK: usize = 100;
const SECONDARY: [&str; 5] = [
    "imported_devices_by_upload",
    "imported_devices_waiting",
    "imported_devices_serial",
    "imported_devices_group_tag",
    "imported_devices_status",
];

fn statement(head: &str, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    format!("{head} VALUES {}", vec![row; CHUNK].join(", "))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (path, seconds) = match args.as_slice() {
        [_, path, seconds, ..] => (path.clone(), seconds.parse::<u64>().unwrap()),
        _ => {
            eprintln!("usage: insert_floor DATABASE_FILE SECONDS [--no-indexes]");
            std::process::exit(2);
        }
    };
    let no_indexes = args.iter().any(|a| a == "--no-indexes");
    // The schema is the store's: its migrations make the file.
    let url = format!("sqlite://{path}");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async { drop(autopilot_store::open(&url).await.unwrap()) });

    let mut db = rusqlite::Connection::open(&path).unwrap();
    db.pragma_update(None, "journal_mode", "WAL").unwrap();
    db.pragma_update(None, "synchronous", "NORMAL").unwrap();
    // The server writer's settings, and its WAL checkpoints on a thread of their own.
    autopilot_store::floor::writer_settings(&db).unwrap();
    let _checkpoints =
        autopilot_store::floor::Checkpointer::start(rusqlite::Connection::open(&path).unwrap());
    if no_indexes {
        for index in SECONDARY {
            db.execute_batch(&format!("DROP INDEX IF EXISTS {index}"))
                .unwrap();
        }
    }
    // The devices of one request, as the server has them once it decoded the body: serials,
    // each hash's 4K bytes and what the hash says.
    let devices: Vec<(String, Vec<u8>, String)> = (0..REQUEST)
        .map(|i| {
            let serial = format!("FLOOR-{i:06}");
            let hash =
                autopilot_hwhash::SyntheticDevice::new("Contoso", "Laptop 7", &serial).build();
            let bytes = autopilot_hwhash::encode_bytes(&hash).unwrap();
            // What the import keeps of the hash (the `facts` column), worked out beforehand.
            let facts = autopilot_store::floor::facts_text(
                &autopilot_domain::registration::evaluate(&bytes, &serial),
            );
            (serial, bytes, facts)
        })
        .collect();
    let devices_sql = statement(
        "INSERT INTO imported_devices (tenant, id, import_id, upload_id, serial_number, \
         group_tag, product_key, assigned_user, created_at, due_at, position, facts)",
        12,
    );
    let hashes_sql = statement("INSERT INTO imported_hashes (tenant, id, hash)", 3);
    let tenant = "2f5cc0a1-8d3c-4f7b-9b8e-2d1a6f0c3e11";
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut written = 0usize;
    while Instant::now() < deadline {
        let now = i64::try_from(start.elapsed().as_micros()).unwrap() + 1_800_000_000_000_000;
        let ids: Vec<String> = (0..REQUEST)
            .map(|_| uuid::Uuid::now_v7().hyphenated().to_string())
            .collect();
        let import_id = ids[0].clone();
        let tx = db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        for chunk in 0..REQUEST / CHUNK {
            let range = chunk * CHUNK..(chunk + 1) * CHUNK;
            let mut insert = tx.prepare_cached(&devices_sql).unwrap();
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(CHUNK * 12);
            let positions: Vec<i64> = range.clone().map(|i| i as i64 + 1).collect();
            let none: Option<&str> = None;
            let empty = "";
            let hour = now + 3_600_000_000;
            for (k, i) in range.clone().enumerate() {
                values.extend_from_slice(&[
                    &tenant,
                    &ids[i],
                    &import_id,
                    &none,
                    &devices[i].0,
                    &empty,
                    &empty,
                    &empty,
                    &now,
                    &hour,
                    &positions[k],
                    &devices[i].2,
                ]);
            }
            insert.execute(values.as_slice()).unwrap();
            let mut hashes = tx.prepare_cached(&hashes_sql).unwrap();
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(CHUNK * 3);
            for i in range {
                values.extend_from_slice(&[&tenant, &ids[i], &devices[i].1]);
            }
            hashes.execute(values.as_slice()).unwrap();
        }
        tx.commit().unwrap();
        written += REQUEST;
    }
    let rate = written as f64 / start.elapsed().as_secs_f64();
    println!("devices/s {rate:.0}");
    println!("devices {written}");
}
