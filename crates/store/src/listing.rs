//! Filtered, ordered, keyset-paged lists and counts over any table of [`crate::lower`], on
//! either database.

use autopilot_domain::{Cursor, Page, PageRequest, SortValue, StoreError, TenantId};
use uuid::Uuid;

use crate::lower::{self, Kind, Table};
use crate::sql::{Dialect, Exec, Record, Sql};
use crate::sql_store::{Backend, tenant_scope};

/// Appends `FROM ... WHERE <scope>` (tenant and parent conditions, values bound).
pub(crate) type Scope<'s> = &'s (dyn Fn(&mut Sql) + Sync);

/// One page: `select` names the entity's columns (read by `read`, which also returns the row's
/// id); the sort-key values follow them in the row.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn page<T>(
    db: &mut impl Exec,
    d: Dialect,
    select: &str,
    columns: usize,
    table: &Table,
    scope: Scope<'_>,
    request: &PageRequest,
    read: impl Fn(&Record) -> Result<(T, Uuid), StoreError>,
) -> Result<Page<T>, StoreError> {
    let keys = lower::sort_keys(d, table, &request.orderby)?;
    let mut qb = Sql::new(select);
    lower::push_key_columns(&mut qb, &keys);
    scope(&mut qb);
    if let Some(filter) = &request.filter {
        qb.push(" AND ");
        lower::push_filter(&mut qb, d, table, filter)?;
    }
    if let Some(cursor) = &request.after {
        lower::push_after(&mut qb, d, table, &keys, cursor)?;
    }
    lower::push_order(&mut qb, table, &keys);
    qb.push(" LIMIT ").bind(i64::from(request.limit) + 1);
    if request.skip > 0 {
        qb.push(" OFFSET ")
            .bind(i64::try_from(request.skip).unwrap_or(i64::MAX));
    }
    let rows = db.rows(&qb).await?;
    let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    let mut items = Vec::with_capacity(rows.len().min(limit));
    let mut next = None;
    for (n, row) in rows.iter().take(limit).enumerate() {
        let (item, id) = read(row)?;
        if more && n + 1 == limit {
            let mut values = Vec::with_capacity(keys.len());
            for (i, (_, _, kind)) in keys.iter().enumerate() {
                let at = columns + i;
                values.push(match kind {
                    Kind::Text => SortValue::Text(row.text(at)?),
                    Kind::Int | Kind::Enum(_) | Kind::Time | Kind::Bool => {
                        SortValue::Int(row.int(at)?)
                    }
                });
            }
            next = Some(Cursor { keys: values, id });
        }
        items.push(item);
    }
    Ok(Page { items, next })
}

/// `SELECT count(*)` over the scope and filter.
pub(crate) async fn count(
    db: &mut impl Exec,
    d: Dialect,
    table: &Table,
    scope: Scope<'_>,
    filter: Option<&autopilot_odata::Expr>,
) -> Result<u64, StoreError> {
    let mut qb = Sql::new("SELECT count(*)");
    scope(&mut qb);
    if let Some(filter) = filter {
        qb.push(" AND ");
        lower::push_filter(&mut qb, d, table, filter)?;
    }
    let n = match db.row(&qb).await? {
        Some(row) => row.int(0)?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// One entity's list of a tenant: its `SELECT`, the `FROM ... WHERE x.tenant = ` that scopes
/// it, and its query surface; what the stores of single-table entities share.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TenantList {
    pub select: &'static str,
    pub columns: usize,
    pub table: &'static Table,
    /// Ends with the tenant column's `=`, the tenant bound after it.
    pub from: &'static str,
}

impl TenantList {
    /// A page of the tenant's items.
    pub(crate) async fn page<B: Backend, T>(
        &self,
        backend: &B,
        tenant: &TenantId,
        request: &PageRequest,
        read: impl Fn(&Record) -> Result<(T, Uuid), StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let mut db = backend.pool();
        let scope = tenant_scope(self.from, tenant);
        page(
            &mut db,
            B::DIALECT,
            self.select,
            self.columns,
            self.table,
            &scope,
            request,
            read,
        )
        .await
    }

    /// How many of the tenant's items match `filter`.
    pub(crate) async fn count<B: Backend>(
        &self,
        backend: &B,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        let mut db = backend.pool();
        let scope = tenant_scope(self.from, tenant);
        count(&mut db, B::DIALECT, self.table, &scope, filter).await
    }
}
