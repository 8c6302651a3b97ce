//! Membership rounds: bring due dynamic groups' members in line with their rules. A round
//! takes the groups whose earliest unprocessed change is at least the delay old (each
//! PostgreSQL instance its own, `SKIP LOCKED`), reads each tenant's device objects once,
//! evaluates every rule in Rust (`autopilot_domain::groups`), and writes the difference, all
//! in one transaction.
//!
//! Bulk data crosses the driver as JSON, one value per statement: the devices and their
//! physical ids come as two aggregated documents, and the members a rule gains or loses go
//! back as one array each (`json_each` on SQLite, `json_array_elements_text` on PostgreSQL).
//! Rows one by one cost the driver a few microseconds each, which at 100,000 devices was
//! most of a round.

use std::collections::{HashMap, HashSet};

use autopilot_domain::{DirectoryDevice, MemberKind, StoreError, groups};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::sql::{Dialect, Exec, Sql};
use crate::sql_store::parse_id;
use crate::time_codec::{from_micros, to_micros};

/// `SELECT value FROM` the elements of the JSON array of texts in parameter `$n`.
fn json_values(dialect: Dialect, n: usize) -> String {
    match dialect {
        Dialect::Sqlite => format!("SELECT value FROM json_each(${n})"),
        Dialect::Postgres => format!("SELECT value FROM json_array_elements_text(${n}::json)"),
    }
}

/// One aggregated JSON text from a query of a single value.
async fn json_text(db: &mut impl Exec, sql: Sql) -> Result<String, StoreError> {
    Ok(match db.row(&sql).await? {
        Some(row) => row.opt_text(0)?.unwrap_or_else(|| "[]".to_owned()),
        None => "[]".to_owned(),
    })
}

fn parse<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Backend(format!("{what}: {e}")))
}

/// A device object's columns, in `directory::SELECT` order, as the aggregate writes them.
type DeviceColumns = (
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

/// Every device object of a tenant, with its physical ids in order.
async fn all_devices(
    db: &mut impl Exec,
    dialect: Dialect,
    tenant: &str,
) -> Result<Vec<DirectoryDevice>, StoreError> {
    let columns = crate::directory::SELECT
        .trim_start_matches("SELECT ")
        .to_owned();
    let (devices, ids) = match dialect {
        Dialect::Sqlite => (
            format!(
                "SELECT json_group_array(json_array({columns})) FROM directory_devices e WHERE e.tenant = $1"
            ),
            "SELECT json_group_array(json_array(device, value)) FROM (SELECT device, value \
             FROM directory_device_ids WHERE tenant = $1 ORDER BY device, position)"
                .to_owned(),
        ),
        Dialect::Postgres => (
            format!(
                "SELECT json_agg(json_build_array({columns}))::text FROM directory_devices e WHERE e.tenant = $1"
            ),
            "SELECT json_agg(json_build_array(device, value) ORDER BY device, position)::text \
             FROM directory_device_ids WHERE tenant = $1"
                .to_owned(),
        ),
    };
    let text = json_text(db, Sql::with(&devices, vec![tenant.into()])).await?;
    let rows: Vec<DeviceColumns> = parse(&text, "device objects")?;
    let mut devices = rows
        .into_iter()
        .map(|c| {
            Ok(DirectoryDevice {
                id: parse_id(&c.0)?,
                device_id: c.1,
                display_name: c.2,
                account_enabled: c.3 != 0,
                operating_system: c.4,
                operating_system_version: c.5,
                trust_type: c.6,
                profile_type: c.7,
                device_ownership: c.8,
                enrollment_profile_name: c.9,
                manufacturer: c.10,
                model: c.11,
                autopilot_id: c.12.as_deref().map(parse_id).transpose()?,
                created_at: from_micros(c.13),
                physical_ids: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let index: HashMap<String, usize> = devices
        .iter()
        .enumerate()
        .map(|(i, d)| (crate::sql_store::id_text(d.id), i))
        .collect();
    let text = json_text(db, Sql::with(&ids, vec![tenant.into()])).await?;
    let pairs: Vec<(String, String)> = parse(&text, "physical ids")?;
    for (device, value) in pairs {
        if let Some(&i) = index.get(&device) {
            devices[i].physical_ids.push(value);
        }
    }
    Ok(devices)
}

/// Brings one dynamic group's members in line with its rule over `devices`.
async fn evaluate(
    tx: &mut impl Exec,
    dialect: Dialect,
    tenant: &str,
    group: &str,
    rule: &str,
    devices: &[DirectoryDevice],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let matched: HashSet<String> = groups::matching_devices(rule, devices)
        .into_iter()
        .map(crate::sql_store::id_text)
        .collect();
    let aggregate = match dialect {
        Dialect::Sqlite => "json_group_array(member_id)",
        Dialect::Postgres => "json_agg(member_id)::text",
    };
    let text = json_text(
        tx,
        Sql::with(
            &format!(
                "SELECT {aggregate} FROM group_members \
                 WHERE tenant = $1 AND group_id = $2 AND dynamic = 1"
            ),
            vec![tenant.into(), group.into()],
        ),
    )
    .await?;
    let current: HashSet<String> = parse(&text, "members")?;
    let gone: Vec<&String> = current.difference(&matched).collect();
    if !gone.is_empty() {
        let list = serde_json::to_string(&gone).unwrap_or_default();
        tx.exec(&Sql::with(
            &format!(
                "DELETE FROM group_members WHERE tenant = $1 AND group_id = $2 \
                 AND member_id IN ({})",
                json_values(dialect, 3)
            ),
            vec![tenant.into(), group.into(), list.into()],
        ))
        .await?;
    }
    let new: Vec<&String> = matched.difference(&current).collect();
    // `WHERE true`: SQLite cannot otherwise tell the upsert's ON from a join's.
    if !new.is_empty() {
        let list = serde_json::to_string(&new).unwrap_or_default();
        tx.exec(&Sql::with(
            &format!(
                "INSERT INTO group_members (tenant, group_id, member_id, kind, dynamic, joined_at) \
                 SELECT $1, $2, value, $4, 1, $5 FROM ({}) v WHERE true ON CONFLICT DO NOTHING",
                json_values(dialect, 3)
            ),
            vec![
                tenant.into(),
                group.into(),
                list.into(),
                MemberKind::Device.code().into(),
                to_micros(now).into(),
            ],
        ))
        .await?;
    }
    tx.exec(&Sql::with(
        "UPDATE directory_groups SET dirty_since = NULL, rule_processed_at = $3 \
         WHERE tenant = $1 AND id = $2",
        vec![tenant.into(), group.into(), to_micros(now).into()],
    ))
    .await?;
    Ok(())
}

/// One round in `tx`; how many groups it evaluated.
pub(crate) async fn round(
    tx: &mut impl Exec,
    dialect: Dialect,
    now: OffsetDateTime,
    delay: time::Duration,
    limit: u32,
) -> Result<usize, StoreError> {
    // PostgreSQL: each instance takes groups no other is evaluating; the lock also makes a
    // concurrent device change wait, so it is seen by this round or marks the group again.
    let lock = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let due = tx
        .rows(&Sql::with(
            &format!(
                "SELECT tenant, id, membership_rule FROM directory_groups \
                 WHERE dirty_since IS NOT NULL AND dirty_since <= $1 \
                 AND processing_state = 'On' AND membership_rule IS NOT NULL \
                 ORDER BY dirty_since LIMIT $2{lock}"
            ),
            vec![to_micros(now - delay).into(), i64::from(limit).into()],
        ))
        .await?;
    let mut by_tenant: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for row in &due {
        by_tenant
            .entry(row.text(0)?)
            .or_default()
            .push((row.text(1)?, row.text(2)?));
    }
    for (tenant, groups) in &by_tenant {
        let started = std::time::Instant::now();
        let devices = all_devices(tx, dialect, tenant).await?;
        let loaded = started.elapsed();
        for (group, rule) in groups {
            evaluate(tx, dialect, tenant, group, rule, &devices, now).await?;
        }
        tracing::debug!(
            devices = devices.len(),
            groups = groups.len(),
            load_ms = loaded.as_millis(),
            total_ms = started.elapsed().as_millis(),
            "dynamic groups evaluated"
        );
    }
    Ok(due.len())
}
