//! One round of the registration service, the part both databases share: the rules applied to
//! records already taken (by a write transaction on SQLite, locked by one on PostgreSQL), and the
//! outcome written in the caller's transaction: the new registered devices with their Entra
//! device objects, the hardware registry, and each record's state.

use std::collections::HashMap;

use autopilot_domain::directory::{self, AutopilotStamp};
use autopilot_domain::registration::{
    self, Decision, Existing, RecordEffect, RecordFacts, RecordShaper,
};
use autopilot_domain::{
    DirectoryDevice, EnrollmentState, NO_MANAGED_DEVICE, ProcessReport, StoreError,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::sql::{Dialect, Exec, Record, Sql};
use crate::sql_store::{id_text, parse_id};
use crate::time_codec::to_micros;

/// Rows per multi-row statement.
const CHUNK: usize = 100;

/// The columns a round reads of each record, `d` being `imported_devices`, then its due time.
/// A record imported with its hash read (`facts` set) is decided without its hash; only a
/// record from before that (`facts` NULL) reads it from `imported_hashes`.
pub(crate) const ROUND_COLUMNS: &str = "d.tenant, d.id, d.import_id, d.serial_number, \
     d.group_tag, d.product_key, d.assigned_user, CASE WHEN d.facts IS NULL THEN \
     (SELECT h.hash FROM imported_hashes h WHERE h.tenant = d.tenant AND h.id = d.id) END, \
     d.created_at, d.position, d.facts, d.due_at";

/// The column of [`ROUND_COLUMNS`] that holds the due time.
pub(crate) const DUE_AT: usize = 11;

/// What a record's hash says, as the import writes it to `imported_devices.facts`: the six
/// facts as a JSON array of strings, or `[]` for a hash that does not decode (802). Kept so
/// that a round reads a hundred bytes per record instead of the 4 KB hash.
pub fn facts_text(facts: &Result<registration::DeviceFacts, registration::Failure>) -> String {
    match facts {
        Ok(f) => serde_json::json!([
            f.hardware_key,
            f.serial_number,
            f.manufacturer,
            f.model,
            f.sku_number,
            f.system_family
        ])
        .to_string(),
        Err(_) => "[]".to_owned(),
    }
}

/// Reads [`facts_text`] back.
fn facts_from_text(
    text: &str,
) -> Result<Result<registration::DeviceFacts, registration::Failure>, StoreError> {
    let fields: Vec<String> = serde_json::from_str(text)
        .map_err(|e| StoreError::Backend(format!("a record's stored hash facts: {e}")))?;
    let Ok(
        [
            hardware_key,
            serial_number,
            manufacturer,
            model,
            sku_number,
            system_family,
        ],
    ) = <[String; 6]>::try_from(fields)
    else {
        return Ok(Err(registration::INVALID_HASH));
    };
    Ok(Ok(registration::DeviceFacts {
        hardware_key,
        serial_number,
        manufacturer,
        model,
        sku_number,
        system_family,
    }))
}

/// The tenants with records waiting (`status = 0`) and each one's earliest due time: a skip
/// scan of the partial index of waiting records (`imported_devices_waiting`, tenant first),
/// one index seek per tenant however many records wait.
const WAITING_TENANTS: &str = "WITH RECURSIVE t(tenant) AS (\
     SELECT min(tenant) FROM imported_devices WHERE status = 0 \
     UNION ALL SELECT (SELECT min(i.tenant) FROM imported_devices i \
       WHERE i.status = 0 AND i.tenant > t.tenant) FROM t WHERE t.tenant IS NOT NULL) \
   SELECT tenant, (SELECT min(w.due_at) FROM imported_devices w \
     WHERE w.status = 0 AND w.tenant = t.tenant) FROM t WHERE tenant IS NOT NULL";

/// Every tenant with records waiting, with its earliest due time (microseconds).
pub(crate) async fn waiting_tenants(db: &mut impl Exec) -> Result<Vec<(String, i64)>, StoreError> {
    db.rows(&Sql::new(WAITING_TENANTS))
        .await?
        .iter()
        .map(|row| Ok((row.text(0)?, row.int(1)?)))
        .collect()
}

/// The tenants with records due at `now`, longest waiting first, each with its share of a
/// round of `limit` records ([`registration::fair_shares`]).
pub(crate) async fn due_shares(
    db: &mut impl Exec,
    now: OffsetDateTime,
    limit: u32,
) -> Result<Vec<(String, u32)>, StoreError> {
    let now = to_micros(now);
    let mut due: Vec<(String, i64)> = waiting_tenants(db)
        .await?
        .into_iter()
        .filter(|(_, at)| *at <= now)
        .collect();
    due.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let shares = registration::fair_shares(due.len(), limit);
    Ok(due
        .into_iter()
        .zip(shares)
        .map(|((t, _), n)| (t, n))
        .collect())
}

/// A tenant's share of a round: how many of its records, after which `(due_at, id)`.
pub(crate) type Share = (String, u32, (i64, String));

/// The `(due_at, id)` before every record: where a tenant's first pass starts.
pub(crate) const FIRST: (i64, String) = (i64::MIN, String::new());

/// The second pass of a round: what the tenants that took less than their share left of a
/// round of `limit`, shared among those that took all of theirs (and so may have more due),
/// each share to be taken after the last `(due_at, id)` its tenant took. `rows`: the first
/// pass, rows of [`ROUND_COLUMNS`].
pub(crate) fn second_pass(
    shares: &[(String, u32)],
    rows: &[Record],
    limit: u32,
) -> Result<Vec<Share>, StoreError> {
    let mut taken: HashMap<String, (u32, (i64, String))> = HashMap::new();
    for row in rows {
        let key = (row.int(DUE_AT)?, row.text(1)?);
        let (n, last) = taken.entry(row.text(0)?).or_insert((0, FIRST));
        *n += 1;
        if key > *last {
            *last = key;
        }
    }
    let total: u32 = taken.values().map(|(n, _)| n).sum();
    let full: Vec<&String> = shares
        .iter()
        .filter(|(tenant, share)| taken.get(tenant).map_or(0, |(n, _)| *n) == *share)
        .map(|(tenant, _)| tenant)
        .collect();
    let more = registration::fair_shares(full.len(), limit.saturating_sub(total));
    Ok(full
        .into_iter()
        .zip(more)
        .map(|(tenant, n)| {
            let after = taken.get(tenant).map_or(FIRST, |(_, last)| last.clone());
            (tenant.clone(), n, after)
        })
        .collect())
}

/// Rows of [`ROUND_COLUMNS`] (which end with `due_at`), from any number of tenants, read and put
/// in due order: within a round a registration counts for the records due after it, whichever
/// tenant they belong to.
pub(crate) fn in_due_order(rows: &[Record]) -> Result<Vec<Evaluated>, StoreError> {
    let mut keyed = Vec::with_capacity(rows.len());
    for row in rows {
        keyed.push((row.int(DUE_AT)?, Evaluated::from_row(row)?));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Ok(keyed.into_iter().map(|(_, record)| record).collect())
}

/// A record with the rules' first verdict (the hash alone decides 802).
#[derive(Debug)]
pub(crate) struct Evaluated {
    tenant: String,
    id: String,
    import_id: String,
    group_tag: String,
    product_key: String,
    assigned_user: String,
    imported_at: OffsetDateTime,
    /// Its place in the request that imported it (from 1; 0 when not known).
    position: u32,
    facts: Result<registration::DeviceFacts, registration::Failure>,
}

impl Evaluated {
    /// Reads a row of [`ROUND_COLUMNS`]: the facts the import kept, or else its hash decoded.
    pub(crate) fn from_row(row: &Record) -> Result<Self, StoreError> {
        let serial = row.text(3)?;
        let facts = match row.opt_text(10)? {
            Some(text) => facts_from_text(&text)?,
            None => registration::evaluate(&row.bytes(7)?, &serial),
        };
        Ok(Evaluated {
            tenant: row.text(0)?,
            id: row.text(1)?,
            import_id: row.text(2)?,
            group_tag: row.text(4)?,
            product_key: row.text(5)?,
            assigned_user: row.text(6)?,
            imported_at: crate::time_codec::from_micros(row.int(8)?),
            position: u32::try_from(row.int(9)?).unwrap_or(0),
            facts,
        })
    }
}

/// A registry entry: which tenant holds the hardware, and from which import.
#[derive(Debug, Clone)]
struct Holder {
    tenant: String,
    import_id: String,
}

/// The outcome for one record.
struct Outcome<'a> {
    record: &'a Evaluated,
    status: i64,
    registration_id: String,
    error_code: i64,
    error_name: std::borrow::Cow<'static, str>,
}

/// Applies rules 2 to 5 to `records` (in due order; a registration made in this round counts
/// for the later records) against the registry as `tx` sees it, and writes the outcome.
/// `guard`: only records still `unknown` are updated (for callers that hold no row locks).
pub(crate) async fn decide_and_write(
    tx: &mut impl Exec,
    records: &[&Evaluated],
    now: OffsetDateTime,
    guard: bool,
    shaper: Option<&dyn RecordShaper>,
    dialect: Dialect,
) -> Result<ProcessReport, StoreError> {
    // The scenarios' device rules first: a record they fail ends so; one they hold stays
    // `unknown` until its new due time; the rest go through the rules.
    let mut shaped_outcomes = Vec::new();
    let records: Vec<&Evaluated> = match shaper {
        None => records.to_vec(),
        Some(shaper) => {
            let mut rest = Vec::with_capacity(records.len());
            for &record in records {
                let Ok(facts) = &record.facts else {
                    rest.push(record);
                    continue;
                };
                let view = RecordFacts {
                    tenant: &record.tenant,
                    serial: &facts.serial_number,
                    group_tag: &record.group_tag,
                    product_key: &record.product_key,
                    manufacturer: &facts.manufacturer,
                    model: &facts.model,
                    imported_at: record.imported_at,
                    nth: record.position,
                };
                match shaper.shape(&view, now) {
                    None => rest.push(record),
                    Some((rule, RecordEffect::Fail { code, name })) => {
                        tracing::info!(target: "audit", tenant = %record.tenant, record = %record.id, scenario = %rule, code, "record failed by a scenario");
                        shaped_outcomes.push(Outcome {
                            record,
                            status: 4,
                            registration_id: String::new(),
                            error_code: i64::from(code),
                            error_name: name.into(),
                        });
                    }
                    Some((rule, RecordEffect::DeferUntil(until))) => {
                        tracing::debug!(tenant = %record.tenant, record = %record.id, scenario = %rule, "record held by a scenario");
                        let release = match dialect {
                            Dialect::Sqlite => "",
                            Dialect::Postgres => ", claimed_by = NULL, claim_until = NULL",
                        };
                        tx.exec(&Sql::with(
                            &format!(
                                "UPDATE imported_devices SET due_at = $3{release} \
                                 WHERE tenant = $1 AND id = $2 AND status = 0"
                            ),
                            vec![
                                record.tenant.as_str().into(),
                                record.id.as_str().into(),
                                to_micros(until.max(now)).into(),
                            ],
                        ))
                        .await?;
                    }
                }
            }
            rest
        }
    };
    let records = records.as_slice();
    let keys: Vec<&str> = records
        .iter()
        .filter_map(|r| r.facts.as_ref().ok().map(|f| f.hardware_key.as_str()))
        .collect();
    let mut holders: HashMap<String, Holder> = HashMap::new();
    for chunk in keys.chunks(CHUNK * 5) {
        let mut query = Sql::new(
            "SELECT hardware_key, tenant, import_id FROM registered_hardware \
             WHERE hardware_key IN (",
        );
        for (i, key) in chunk.iter().enumerate() {
            if i > 0 {
                query.push(", ");
            }
            query.bind(*key);
        }
        query.push(")");
        for row in tx.rows(&query).await? {
            holders.insert(
                row.text(0)?,
                Holder {
                    tenant: row.text(1)?,
                    import_id: row.text(2)?,
                },
            );
        }
    }

    let mut outcomes = Vec::with_capacity(records.len() + shaped_outcomes.len());
    outcomes.append(&mut shaped_outcomes);
    let mut devices = Vec::new();
    for &record in records {
        let decision = match &record.facts {
            Err(failure) => Decision::Fail(*failure),
            Ok(facts) => {
                let existing = holders.get(&facts.hardware_key).map(|h| Existing {
                    same_tenant: h.tenant == record.tenant,
                    same_import: h.tenant == record.tenant && h.import_id == record.import_id,
                });
                registration::decide(facts.clone(), existing.as_ref(), false)
            }
        };
        match decision {
            Decision::Fail(failure) => outcomes.push(Outcome {
                record,
                status: 4,
                registration_id: String::new(),
                error_code: i64::from(failure.code),
                error_name: failure.name.into(),
            }),
            Decision::Register(facts) => {
                let device_id = id_text(Uuid::now_v7());
                holders.insert(
                    facts.hardware_key.clone(),
                    Holder {
                        tenant: record.tenant.clone(),
                        import_id: record.import_id.clone(),
                    },
                );
                outcomes.push(Outcome {
                    record,
                    status: 3,
                    registration_id: device_id.clone(),
                    error_code: 0,
                    error_name: "None".into(),
                });
                devices.push((record, facts, device_id));
            }
        }
    }

    write_registered(tx, &devices, now).await?;

    for chunk in outcomes.chunks(CHUNK) {
        // One UPDATE per chunk, joined to the outcomes as a VALUES table; `status = 0` keeps a
        // record that something else decided meanwhile as it is.
        let mut update =
            Sql::new("WITH v(tenant, id, status, registration_id, error_code, error_name) AS (");
        update.values(chunk, |row, o| {
            row.bind(o.record.tenant.as_str())
                .bind(o.record.id.as_str())
                .bind(o.status)
                .bind(o.registration_id.as_str())
                .bind(o.error_code)
                .bind(o.error_name.as_ref());
        });
        update.push(
            ") UPDATE imported_devices SET status = v.status, \
             registration_id = v.registration_id, error_code = v.error_code, \
             error_name = v.error_name FROM v \
             WHERE imported_devices.tenant = v.tenant AND imported_devices.id = v.id",
        );
        // A filter on the table's side here makes PostgreSQL misjudge the join when its
        // statistics lag a burst of imports (a hash over every pending record per chunk).
        if guard {
            update.push(" AND imported_devices.status = 0");
        }
        tx.exec(&update).await?;
    }
    let mut failed: Vec<(i64, String, usize)> = Vec::new();
    for o in outcomes.iter().filter(|o| o.status == 4) {
        match failed
            .iter_mut()
            .find(|(code, name, _)| *code == o.error_code && *name == o.error_name)
        {
            Some((_, _, n)) => *n += 1,
            None => failed.push((o.error_code, o.error_name.to_string(), 1)),
        }
    }
    Ok(ProcessReport {
        processed: outcomes.len(),
        completed: devices.len(),
        failed,
    })
}

/// Writes the round's registered devices: the Autopilot devices, their hardware in the
/// registry, and the Entra device object each one gets.
async fn write_registered(
    tx: &mut impl Exec,
    registered: &[(&Evaluated, registration::DeviceFacts, String)],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let created = to_micros(now);
    let devices: Vec<_> = registered
        .iter()
        .map(|(record, facts, device_id)| {
            (
                *record,
                facts,
                device_id,
                Uuid::now_v7().hyphenated().to_string(),
            )
        })
        .collect();
    for chunk in devices.chunks(CHUNK) {
        let mut insert = Sql::new(
            "INSERT INTO autopilot_devices (tenant, id, hardware_key, import_id, serial_number, \
             manufacturer, model, sku_number, system_family, product_key, group_tag, \
             user_principal_name, azure_ad_device_id, managed_device_id, enrollment_state, \
             created_at) ",
        );
        insert.values(chunk, |row, (record, facts, device_id, entra_id)| {
            row.bind(record.tenant.as_str())
                .bind(device_id.as_str())
                .bind(facts.hardware_key.as_str())
                .bind(record.import_id.as_str())
                .bind(facts.serial_number.as_str())
                .bind(facts.manufacturer.as_str())
                .bind(facts.model.as_str())
                .bind(facts.sku_number.as_str())
                .bind(facts.system_family.as_str())
                .bind(record.product_key.as_str())
                .bind(record.group_tag.as_str())
                .bind(record.assigned_user.as_str())
                .bind(entra_id.as_str())
                .bind(NO_MANAGED_DEVICE)
                .bind(i64::from(EnrollmentState::NotContacted.code()))
                .bind(created);
        });
        tx.exec(&insert).await?;
        // The registry's primary key is the hardware: the same hardware registered at the same
        // moment elsewhere makes this fail, and the caller decides the round again.
        let mut registry = Sql::new(
            "INSERT INTO registered_hardware (hardware_key, tenant, device_id, import_id) ",
        );
        registry.values(chunk, |row, (record, facts, device_id, _)| {
            row.bind(facts.hardware_key.as_str())
                .bind(record.tenant.as_str())
                .bind(device_id.as_str())
                .bind(record.import_id.as_str());
        });
        tx.exec(&registry).await?;
    }
    let mut by_tenant: Vec<(&str, DirectoryDevice)> = Vec::with_capacity(devices.len());
    for (record, facts, device_id, entra_id) in &devices {
        let stamp = AutopilotStamp {
            ztdid: parse_id(device_id)?,
            serial_number: &facts.serial_number,
            group_tag: &record.group_tag,
            purchase_order: "",
            hardware_key: &facts.hardware_key,
            display_name: "",
        };
        let object =
            directory::for_registration(&stamp, entra_id, &facts.manufacturer, &facts.model, now);
        by_tenant.push((record.tenant.as_str(), object));
    }
    by_tenant.sort_by(|a, b| a.0.cmp(b.0));
    for group in by_tenant.chunk_by(|a, b| a.0 == b.0) {
        let objects: Vec<DirectoryDevice> = group.iter().map(|(_, d)| d.clone()).collect();
        crate::directory::insert(tx, group[0].0, &objects).await?;
        // New devices for the tenant's dynamic groups to consider.
        crate::groups::touch_dynamic(tx, group[0].0, now).await?;
    }
    Ok(())
}
