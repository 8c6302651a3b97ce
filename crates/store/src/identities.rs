//! Corporate device identifiers ([`ImportedIdentityStore`]): imported in one transaction per
//! call (a unique index on type and identifier settles two imports of one identifier at
//! once), searched by key, read with OData, deleted.

use async_trait::async_trait;
use autopilot_domain::identities::{IdentityType, ImportResult, ImportedIdentity, Platform};
use autopilot_domain::{
    EnrollmentState, ImportedIdentityStore, Page, PageRequest, StoreError, TenantId,
};
use autopilot_odata::entity;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::listing::TenantList;
use crate::lower::Table;
use crate::sql::{Exec, Record, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _, id_text, parse_id, with_id};
use crate::time_codec::{from_micros, to_micros};

/// Identifiers as queries see them: `imported_identities i`.
pub(crate) const IDENTITIES: Table = Table {
    entity: &entity::IMPORTED_IDENTITY,
    alias: "i",
    id: "i.id",
    tenant: "i.tenant",
    expressions: &[],
    substring_indexes: &[],
    collections: &[],
};

const SELECT: &str = "SELECT i.id, i.identifier, i.identity_type, i.description, \
     i.enrollment_state, i.platform, i.created_at, i.modified_at, i.last_contacted_at";
const SELECT_COLUMNS: usize = 9;
const FROM: &str = " FROM imported_identities i WHERE i.tenant = ";
const LIST: TenantList = TenantList {
    select: SELECT,
    columns: SELECT_COLUMNS,
    table: &IDENTITIES,
    from: FROM,
};

/// An enum member's position, as it is stored.
fn code<T: PartialEq + Copy>(all: &[T], v: T) -> i64 {
    all.iter()
        .position(|m| *m == v)
        .and_then(|i| i64::try_from(i).ok())
        .unwrap_or_default()
}

fn member<T: Copy>(all: &[T], code: i64, what: &str) -> Result<T, StoreError> {
    usize::try_from(code)
        .ok()
        .and_then(|i| all.get(i).copied())
        .ok_or_else(|| StoreError::Backend(format!("bad stored {what} {code}")))
}

fn from_row(row: &Record) -> Result<ImportedIdentity, StoreError> {
    debug_assert_eq!(SELECT.matches(", ").count() + 1, SELECT_COLUMNS);
    Ok(ImportedIdentity {
        id: parse_id(&row.text(0)?)?,
        identifier: row.text(1)?,
        identity_type: member(&IdentityType::ALL, row.int(2)?, "identity type")?,
        description: row.text(3)?,
        enrollment_state: member(&EnrollmentState::ALL, row.int(4)?, "enrollment state")?,
        platform: member(&Platform::ALL, row.int(5)?, "platform")?,
        created_at: from_micros(row.int(6)?),
        modified_at: from_micros(row.int(7)?),
        last_contacted: row.opt_int(8)?.map(from_micros),
    })
}

fn by_key(tenant: &TenantId, t: IdentityType, identifier: &str) -> Sql {
    Sql::with(
        &format!("{SELECT}{FROM}$1 AND i.identity_type = $2 AND i.identifier = $3"),
        vec![
            tenant.as_str().into(),
            code(&IdentityType::ALL, t).into(),
            identifier.into(),
        ],
    )
}

#[async_trait]
impl<B: Backend> ImportedIdentityStore for SqlStore<B> {
    async fn import_identities(
        &self,
        tenant: &TenantId,
        identities: &[ImportedIdentity],
        overwrite: bool,
        now: OffsetDateTime,
    ) -> Result<Vec<ImportResult>, StoreError> {
        // Written in key order, so that two imports at once lock their rows in one order
        // (PostgreSQL); the results go back in the order given.
        let mut order: Vec<usize> = (0..identities.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| {
                let x = &identities[i];
                (
                    code(&IdentityType::ALL, x.identity_type),
                    x.identifier.as_str(),
                )
            };
            key(a).cmp(&key(b))
        });
        let mut tx = self.backend.write().await?;
        let mut results: Vec<Option<ImportResult>> = vec![None; identities.len()];
        for at in order {
            let new = &identities[at];
            let t = code(&IdentityType::ALL, new.identity_type);
            // Written unless it is there; the unique key decides between two calls at once.
            let written = tx
                .exec(&Sql::with(
                    "INSERT INTO imported_identities (tenant, id, identifier, identity_type, \
                     description, enrollment_state, platform, created_at, modified_at, \
                     last_contacted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, NULL) \
                     ON CONFLICT (tenant, identity_type, identifier) DO NOTHING",
                    vec![
                        tenant.as_str().into(),
                        id_text(new.id).into(),
                        new.identifier.as_str().into(),
                        t.into(),
                        new.description.as_str().into(),
                        code(&EnrollmentState::ALL, new.enrollment_state).into(),
                        code(&Platform::ALL, new.platform).into(),
                        to_micros(now).into(),
                    ],
                ))
                .await?
                > 0;
            let mut status = written;
            if !written && overwrite {
                tx.exec(&Sql::with(
                    "UPDATE imported_identities SET description = $4, platform = $5, \
                     modified_at = $6 WHERE tenant = $1 AND identity_type = $2 \
                     AND identifier = $3",
                    vec![
                        tenant.as_str().into(),
                        t.into(),
                        new.identifier.as_str().into(),
                        new.description.as_str().into(),
                        code(&Platform::ALL, new.platform).into(),
                        to_micros(now).into(),
                    ],
                ))
                .await?;
                status = true;
            }
            let row = tx
                .row(&by_key(tenant, new.identity_type, &new.identifier))
                .await?
                .ok_or_else(|| StoreError::Backend("an imported identifier vanished".into()))?;
            results[at] = Some(ImportResult {
                identity: from_row(&row)?,
                status,
            });
        }
        tx.commit().await?;
        Ok(results.into_iter().flatten().collect())
    }

    async fn search_identities(
        &self,
        tenant: &TenantId,
        keys: &[(IdentityType, String)],
    ) -> Result<Vec<ImportedIdentity>, StoreError> {
        let mut db = self.backend.pool();
        let mut found: Vec<ImportedIdentity> = Vec::new();
        for (t, identifier) in keys {
            if let Some(row) = db.row(&by_key(tenant, *t, identifier)).await? {
                let identity = from_row(&row)?;
                if !found.iter().any(|f| f.id == identity.id) {
                    found.push(identity);
                }
            }
        }
        Ok(found)
    }

    async fn list_identities(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ImportedIdentity>, StoreError> {
        LIST.page(&self.backend, tenant, &page, with_id(from_row, |x| x.id))
            .await
    }

    async fn count_identities(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        LIST.count(&self.backend, tenant, filter).await
    }

    async fn get_identity(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<ImportedIdentity>, StoreError> {
        self.backend
            .pool()
            .row(&Sql::with(
                &format!("{SELECT}{FROM}$1 AND i.id = $2"),
                vec![tenant.as_str().into(), id_text(id).into()],
            ))
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    async fn delete_identity(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let done = tx
            .exec(&Sql::with(
                "DELETE FROM imported_identities WHERE tenant = $1 AND id = $2",
                vec![tenant.as_str().into(), id_text(id).into()],
            ))
            .await?;
        tx.commit().await?;
        Ok(done > 0)
    }
}
