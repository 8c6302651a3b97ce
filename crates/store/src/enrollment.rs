//! Enrollment Status Page configurations ([`EnrollmentConfigurationStore`]): read with OData;
//! every change runs the domain's rules on all of the tenant's configurations in one
//! transaction, which first locks the tenant's default row (PostgreSQL) or holds the write
//! lock (SQLite), so that two changes at once cannot hand out one priority twice.

use async_trait::async_trait;
use autopilot_domain::enrollment::{
    self, AssignmentTarget, CompletionPage, DEFAULT_ESP_SUFFIX, ESP_SUFFIX, EnrollmentChange,
    EnrollmentConfiguration, EnrollmentRefusal,
};
use autopilot_domain::{EnrollmentConfigurationStore, Page, PageRequest, StoreError, TenantId};
use autopilot_odata::entity;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::listing::TenantList;
use crate::lower::Table;
use crate::sql::{Dialect, Exec, Record, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _, id_text, parse_id, with_id};
use crate::time_codec::{from_micros, to_micros};

/// Configurations as queries see them: `enrollment_configurations e`; the wire id is the
/// GUID and the kind's suffix.
pub(crate) const CONFIGURATIONS: Table = Table {
    entity: &entity::ENROLLMENT_CONFIGURATION,
    alias: "e",
    id: "e.id",
    tenant: "e.tenant",
    expressions: &[("id", "(e.id || '_' || e.kind)")],
    substring_indexes: &[],
    collections: &[],
};

/// The `deviceEnrollmentConfigurationType` Intune reports for every Enrollment Status Page,
/// the default's included, as its member's position (how enums are stored).
fn configuration_type() -> i64 {
    entity::ENROLLMENT_CONFIGURATION_TYPE
        .members
        .iter()
        .position(|m| *m == "windows10EnrollmentCompletionPageConfiguration")
        .and_then(|i| i64::try_from(i).ok())
        .unwrap_or_default()
}

const SELECT: &str = "SELECT e.id, e.kind, e.display_name, e.description, e.priority, \
     e.version, e.created_at, e.modified_at, e.role_scope_tag_ids, e.settings, e.assignments";
const SELECT_COLUMNS: usize = 11;
const FROM: &str = " FROM enrollment_configurations e WHERE e.tenant = ";
const LIST: TenantList = TenantList {
    select: SELECT,
    columns: SELECT_COLUMNS,
    table: &CONFIGURATIONS,
    from: FROM,
};

fn json_error(e: serde_json::Error) -> StoreError {
    StoreError::Backend(format!("bad stored enrollment configuration: {e}"))
}

fn from_row(row: &Record) -> Result<EnrollmentConfiguration, StoreError> {
    debug_assert_eq!(SELECT.matches(", ").count() + 1, SELECT_COLUMNS);
    let int32 = |i: usize| -> Result<i32, StoreError> {
        i32::try_from(row.int(i)?).map_err(|e| StoreError::Backend(e.to_string()))
    };
    Ok(EnrollmentConfiguration {
        guid: parse_id(&row.text(0)?)?,
        is_default: row.text(1)? == DEFAULT_ESP_SUFFIX,
        display_name: row.text(2)?,
        description: row.text(3)?,
        priority: int32(4)?,
        version: int32(5)?,
        created_at: row.opt_int(6)?.map(from_micros),
        modified_at: from_micros(row.int(7)?),
        role_scope_tag_ids: serde_json::from_str(&row.text(8)?).map_err(json_error)?,
        page: serde_json::from_str::<CompletionPage>(&row.text(9)?).map_err(json_error)?,
        assignments: serde_json::from_str::<Vec<AssignmentTarget>>(&row.text(10)?)
            .map_err(json_error)?,
    })
}

/// Replaces a row that exists.
const REPLACE: &str = "DO UPDATE SET display_name = excluded.display_name, \
     description = excluded.description, priority = excluded.priority, \
     version = excluded.version, modified_at = excluded.modified_at, \
     role_scope_tag_ids = excluded.role_scope_tag_ids, settings = excluded.settings, \
     assignments = excluded.assignments";

/// The statement that writes one configuration; `on_conflict` says what to do with a row
/// that exists ([`REPLACE`] it, or `DO NOTHING`).
fn insert(
    tenant: &TenantId,
    c: &EnrollmentConfiguration,
    on_conflict: &str,
) -> Result<Sql, StoreError> {
    let json = |v: Result<String, serde_json::Error>| v.map_err(json_error);
    Ok(Sql::with(
        &format!(
            "INSERT INTO enrollment_configurations (tenant, id, kind, display_name, \
             description, priority, version, created_at, modified_at, configuration_type, \
             role_scope_tag_ids, settings, assignments) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13) ON CONFLICT (tenant, id) {on_conflict}"
        ),
        vec![
            tenant.as_str().into(),
            id_text(c.guid).into(),
            if c.is_default {
                DEFAULT_ESP_SUFFIX
            } else {
                ESP_SUFFIX
            }
            .into(),
            c.display_name.as_str().into(),
            c.description.as_str().into(),
            i64::from(c.priority).into(),
            i64::from(c.version).into(),
            c.created_at.map(to_micros).into(),
            to_micros(c.modified_at).into(),
            configuration_type().into(),
            json(serde_json::to_string(&c.role_scope_tag_ids))?.into(),
            json(serde_json::to_string(&c.page))?.into(),
            json(serde_json::to_string(&c.assignments))?.into(),
        ],
    ))
}

/// Writes the default unless the tenant has one.
async fn insert_default(
    db: &mut impl Exec,
    tenant: &TenantId,
    default: &EnrollmentConfiguration,
) -> Result<(), StoreError> {
    db.exec(&insert(tenant, default, "DO NOTHING")?)
        .await
        .map(|_| ())
}

#[async_trait]
impl<B: Backend> EnrollmentConfigurationStore for SqlStore<B> {
    async fn ensure_default_enrollment(
        &self,
        tenant: &TenantId,
        default: &EnrollmentConfiguration,
    ) -> Result<(), StoreError> {
        let present = self
            .backend
            .pool()
            .row(&Sql::with(
                "SELECT 1 FROM enrollment_configurations WHERE tenant = $1 AND id = $2",
                vec![tenant.as_str().into(), id_text(default.guid).into()],
            ))
            .await?;
        if present.is_some() {
            return Ok(());
        }
        let mut tx = self.backend.write().await?;
        insert_default(&mut tx, tenant, default).await?;
        tx.commit().await
    }

    async fn list_enrollment_configurations(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<EnrollmentConfiguration>, StoreError> {
        LIST.page(&self.backend, tenant, &page, with_id(from_row, |x| x.guid))
            .await
    }

    async fn count_enrollment_configurations(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        LIST.count(&self.backend, tenant, filter).await
    }

    async fn get_enrollment_configuration(
        &self,
        tenant: &TenantId,
        guid: Uuid,
    ) -> Result<Option<EnrollmentConfiguration>, StoreError> {
        self.backend
            .pool()
            .row(&Sql::with(
                &format!("{SELECT}{FROM}$1 AND e.id = $2"),
                vec![tenant.as_str().into(), id_text(guid).into()],
            ))
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    async fn change_enrollment_configurations(
        &self,
        tenant: &TenantId,
        default: &EnrollmentConfiguration,
        change: EnrollmentChange,
        now: OffsetDateTime,
    ) -> Result<Result<Option<EnrollmentConfiguration>, EnrollmentRefusal>, StoreError> {
        let mut tx = self.backend.write().await?;
        insert_default(&mut tx, tenant, default).await?;
        if B::DIALECT == Dialect::Postgres {
            // The default row is the tenant's lock for these changes.
            tx.exec(&Sql::with(
                "SELECT 1 FROM enrollment_configurations WHERE tenant = $1 AND id = $2 FOR UPDATE",
                vec![tenant.as_str().into(), id_text(default.guid).into()],
            ))
            .await?;
        }
        let rows = tx
            .rows(&Sql::with(
                &format!("{SELECT}{FROM}$1 ORDER BY e.priority, e.id"),
                vec![tenant.as_str().into()],
            ))
            .await?;
        let before = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        let mut after = before.clone();
        let done = match enrollment::apply(&mut after, change, now) {
            Ok(done) => done,
            Err(refusal) => return Ok(Err(refusal)),
        };
        for gone in before
            .iter()
            .filter(|b| !after.iter().any(|a| a.guid == b.guid))
        {
            tx.exec(&Sql::with(
                "DELETE FROM enrollment_configurations WHERE tenant = $1 AND id = $2",
                vec![tenant.as_str().into(), id_text(gone.guid).into()],
            ))
            .await?;
        }
        for changed in after.iter().filter(|a| !before.contains(a)) {
            tx.exec(&insert(tenant, changed, REPLACE)?).await?;
        }
        tx.commit().await?;
        Ok(Ok(done))
    }
}
