//! What an operator's probes and metrics read of the store: whether it answers with the schema
//! this build expects, the registration queue, and the connection pool.

use time::OffsetDateTime;

use super::StoreError;

/// The registration queue at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Records still processing (`unknown`), due or not.
    pub processing: u64,
    /// Of those, the ones due by then.
    pub due: u64,
    /// The earliest due time among the due ones.
    pub oldest_due: Option<OffsetDateTime>,
}

/// The connection pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Connections open (idle or in use).
    pub open: u32,
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// The schema a database holds, against the one this build migrates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaState {
    /// The latest migration applied to the database (0: none).
    pub applied: i64,
    /// The latest migration this build knows.
    pub expected: i64,
}

impl SchemaState {
    /// Why a server should not take requests on it, if it should not.
    pub fn problem(&self) -> Option<String> {
        if self.applied < self.expected {
            Some(format!(
                "the database schema is at migration {}, this server needs {}; start the server \
                 (or run `autopilot-graph migrate`) to bring it up to date",
                self.applied, self.expected
            ))
        } else if self.applied > self.expected {
            Some(format!(
                "the database schema is at migration {}, newer than this server's {}: a newer \
                 version of autopilot-graph has migrated it",
                self.applied, self.expected
            ))
        } else {
            None
        }
    }
}

/// Probes and metrics.
#[async_trait::async_trait]
pub trait HealthStore: Send + Sync {
    /// One round trip to the database: the schema it holds.
    async fn schema(&self) -> Result<SchemaState, StoreError>;

    /// The registration queue as of `now`.
    async fn queue(&self, now: OffsetDateTime) -> Result<QueueStats, StoreError>;

    /// The connection pool (no round trip).
    fn pool_stats(&self) -> PoolStats;
}
