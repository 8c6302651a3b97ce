//! One batch to the `import` action, so that no device is imported twice. A 503, a 504 or a
//! connection lost after the call was sent leaves open whether the service applied it (Graph
//! does not say, and a gateway may answer 504 for a call the service went on to carry out).
//! Sending it again blind would import those devices a second time, which Intune answers with
//! 806 on the second record while the first registers. So before sending again we look: the
//! imported records the service holds that were not there when the run began, matched by
//! serial number and hardware hash, are this batch's; only the rows not found are sent again.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::graph::{Graph, GraphFailure};

/// Attempts after an unclear answer before the run gives up on the batch.
const ATTEMPTS: u32 = 6;

/// A row to send: its line's index and its `importedWindowsAutopilotDeviceIdentity`.
pub(super) type Row = (usize, Value);

/// Sends `rows`; each line's index with the record the service holds for it, in no set order.
/// `before`: the ids of the imported records that existed when the run began.
pub(super) async fn send_batch(
    graph: &Graph,
    before: &HashSet<String>,
    rows: Vec<Row>,
) -> Result<Vec<Row>, GraphFailure> {
    let mut pending = rows;
    let mut placed: Vec<Row> = Vec::with_capacity(pending.len());
    let mut attempts = 0;
    let mut backoff = Duration::from_secs(1);
    loop {
        let body = json!({
            "importedWindowsAutopilotDeviceIdentities":
                pending.iter().map(|(_, row)| row.clone()).collect::<Vec<_>>(),
        });
        match graph.import(&body).await {
            Ok(records) => {
                placed.extend(pending.into_iter().map(|(i, _)| i).zip(records));
                return Ok(placed);
            }
            Err(GraphFailure::Unsure { wait, .. }) if attempts < ATTEMPTS => {
                attempts += 1;
                tokio::time::sleep(wait.unwrap_or(backoff)).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
                let taken: HashSet<String> = placed.iter().filter_map(|(_, r)| id(r)).collect();
                let mut fresh: Vec<Value> = graph
                    .list_imported()
                    .await?
                    .into_iter()
                    .filter(|r| {
                        id(r).is_some_and(|id| !before.contains(&id) && !taken.contains(&id))
                    })
                    .collect();
                pending.retain(|(i, row)| {
                    match fresh.iter().position(|record| same_device(row, record)) {
                        Some(at) => {
                            placed.push((*i, fresh.swap_remove(at)));
                            false
                        }
                        None => true,
                    }
                });
                if pending.is_empty() {
                    return Ok(placed);
                }
            }
            Err(failure) => return Err(failure),
        }
    }
}

fn id(record: &Value) -> Option<String> {
    record["id"].as_str().map(str::to_owned)
}

/// The record the service holds is the row we sent: the same serial number and, when the
/// service shows it, the same hardware hash.
fn same_device(row: &Value, record: &Value) -> bool {
    let compact = |v: &Value| -> String {
        v.as_str()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<String>()
    };
    row["serialNumber"] == record["serialNumber"]
        && match record["hardwareIdentifier"].as_str() {
            Some(hash) if !hash.is_empty() => {
                compact(&row["hardwareIdentifier"]) == compact(&record["hardwareIdentifier"])
            }
            _ => true,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_matched_by_serial_and_hash() {
        let row = json!({"serialNumber": "SN-1", "hardwareIdentifier": "QUJD"});
        assert!(same_device(
            &row,
            &json!({"serialNumber": "SN-1", "hardwareIdentifier": "QU JD"})
        ));
        assert!(same_device(
            &row,
            &json!({"serialNumber": "SN-1", "hardwareIdentifier": null})
        ));
        assert!(!same_device(
            &row,
            &json!({"serialNumber": "SN-1", "hardwareIdentifier": "REVG"})
        ));
        assert!(!same_device(
            &row,
            &json!({"serialNumber": "SN-2", "hardwareIdentifier": "QUJD"})
        ));
    }
}
