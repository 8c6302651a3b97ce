//! The store both databases share: [`SqlStore`] over a [`Backend`] (each database's pool, its
//! transactions, and what an import adds to its transaction), and the helpers every area's
//! file uses. Each area of the domain's store is implemented once, in a file of its name
//! (`imports.rs`, `devices.rs`, `settings.rs`, `profiles.rs`, `applications.rs`); the two that
//! differ by database (the registration rounds and the shared request counters) are in
//! `sqlite.rs` and `postgres.rs`.

use async_trait::async_trait;
use autopilot_domain::{StoreError, TenantId};
use uuid::Uuid;

use crate::sql::{Dialect, Exec, Record, Sql};

/// Devices per multi-row INSERT (10 values each: well under both databases' limits).
pub(crate) const INSERT_CHUNK: usize = 100;

/// A transaction: statements, then commit (dropping it rolls back).
#[async_trait]
pub(crate) trait Tx: Exec {
    async fn commit(self) -> Result<(), StoreError>;
}

/// What a database provides to the shared store.
#[async_trait]
pub(crate) trait Backend: Send + Sync + std::fmt::Debug + 'static {
    type Pool: Exec + Clone + Sync;
    type Tx: Tx;
    const DIALECT: Dialect;
    /// A handle on the pool for reads outside a transaction.
    fn pool(&self) -> Self::Pool;
    /// A write transaction.
    async fn write(&self) -> Result<Self::Tx, StoreError>;
    /// The migrations this build applies to this database.
    fn migrator(&self) -> &'static sqlx::migrate::Migrator;
    /// The pool's connections now.
    fn pool_stats(&self) -> autopilot_domain::PoolStats;
    /// Statements an import adds to its transaction (PostgreSQL: the notification).
    fn after_import(&self) -> Option<Sql> {
        None
    }
}

/// A store on one database.
#[derive(Debug, Clone)]
pub struct SqlStore<B> {
    pub(crate) backend: B,
}

/// Runs `update` (an `UPDATE ... SET ...` of one table) on the row of `tenant` and `id`, in a
/// write transaction of its own; whether there was such a row.
pub(crate) async fn update_one<B: Backend>(
    backend: &B,
    mut update: Sql,
    tenant: &TenantId,
    id: Uuid,
) -> Result<bool, StoreError> {
    update.push(" WHERE tenant = ").bind(tenant.as_str());
    update.push(" AND id = ").bind(id_text(id));
    let mut tx = backend.write().await?;
    let done = tx.exec(&update).await?;
    tx.commit().await?;
    Ok(done > 0)
}

pub(crate) fn parse_id(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Backend(format!("bad id '{text}': {e}")))
}

pub(crate) fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

pub(crate) fn with_id<T>(
    read: impl Fn(&Record) -> Result<T, StoreError>,
    id: impl Fn(&T) -> Uuid,
) -> impl Fn(&Record) -> Result<(T, Uuid), StoreError> {
    move |row| {
        let item = read(row)?;
        let key = id(&item);
        Ok((item, key))
    }
}

pub(crate) fn tenant_scope(from: &'static str, tenant: &TenantId) -> impl Fn(&mut Sql) + Sync {
    let tenant = tenant.as_str().to_owned();
    move |qb: &mut Sql| {
        qb.push(from);
        qb.bind(tenant.as_str());
    }
}

/// Fills in a string collection (physical ids, group types) of some items in one statement:
/// `table` holds `(tenant, {owner}, position, value)`; `slot` gives an item's id and its list.
pub(crate) async fn fill_collection<T>(
    db: &mut impl Exec,
    table: &str,
    owner: &str,
    tenant: &TenantId,
    items: &mut [T],
    slot: impl Fn(&mut T) -> (Uuid, &mut Vec<String>),
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    let mut qb = Sql::new(&format!(
        "SELECT {owner}, value FROM {table} WHERE tenant = "
    ));
    qb.bind(tenant.as_str()).push(&format!(" AND {owner} IN ("));
    for (i, item) in items.iter_mut().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.bind(id_text(slot(item).0));
    }
    qb.push(&format!(") ORDER BY {owner}, position"));
    for row in db.rows(&qb).await? {
        let id = parse_id(&row.text(0)?)?;
        if let Some(list) = items
            .iter_mut()
            .map(&slot)
            .find_map(|(item, list)| (item == id).then_some(list))
        {
            list.push(row.text(1)?);
        }
    }
    Ok(())
}
