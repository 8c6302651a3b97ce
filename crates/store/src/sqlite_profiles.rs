//! Deployment profiles and their assignments on SQLite.

use autopilot_domain::{Application, DeploymentProfile, ProfileAssignment, StoreError, TenantId};
use uuid::Uuid;

use crate::sqlite::{SqliteStore, backend, id_text, parse_id};
use crate::time_codec::{from_micros, to_micros};

pub(crate) async fn list_profiles(
    store: &SqliteStore,
    tenant: &TenantId,
) -> Result<Vec<DeploymentProfile>, StoreError> {
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, odata_type, properties, created_at, modified_at FROM deployment_profiles \
         WHERE tenant = ?1 ORDER BY created_at, id",
    )
    .bind(tenant.as_str())
    .fetch_all(&store.pool)
    .await
    .map_err(backend)?;
    rows.into_iter()
        .map(|(id, odata_type, properties, created, modified)| {
            Ok(DeploymentProfile {
                id: parse_id(&id)?,
                odata_type,
                properties,
                created_at: from_micros(created),
                modified_at: from_micros(modified),
            })
        })
        .collect()
}

pub(crate) async fn put_profile(
    store: &SqliteStore,
    tenant: &TenantId,
    p: &DeploymentProfile,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    sqlx::query(
        "INSERT INTO deployment_profiles (tenant, id, odata_type, properties, created_at, modified_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (tenant, id) DO UPDATE SET odata_type = excluded.odata_type, \
         properties = excluded.properties, modified_at = excluded.modified_at",
    )
    .bind(tenant.as_str())
    .bind(id_text(p.id))
    .bind(&p.odata_type)
    .bind(&p.properties)
    .bind(to_micros(p.created_at))
    .bind(to_micros(p.modified_at))
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(())
}

pub(crate) async fn delete_profile(
    store: &SqliteStore,
    tenant: &TenantId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let mut tx = store.write().await?;
    let done = sqlx::query("DELETE FROM deployment_profiles WHERE tenant = ?1 AND id = ?2")
        .bind(tenant.as_str())
        .bind(id_text(id))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    sqlx::query("DELETE FROM deployment_profile_assignments WHERE tenant = ?1 AND profile_id = ?2")
        .bind(tenant.as_str())
        .bind(id_text(id))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn list_assignments(
    store: &SqliteStore,
    tenant: &TenantId,
) -> Result<Vec<ProfileAssignment>, StoreError> {
    let rows: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, profile_id, group_id, created_at FROM deployment_profile_assignments \
         WHERE tenant = ?1 ORDER BY created_at, id",
    )
    .bind(tenant.as_str())
    .fetch_all(&store.pool)
    .await
    .map_err(backend)?;
    rows.into_iter()
        .map(|(id, profile, group, created)| {
            Ok(ProfileAssignment {
                id: parse_id(&id)?,
                profile_id: parse_id(&profile)?,
                group_id: group,
                created_at: from_micros(created),
            })
        })
        .collect()
}

pub(crate) async fn add_assignment(
    store: &SqliteStore,
    tenant: &TenantId,
    a: &ProfileAssignment,
) -> Result<bool, StoreError> {
    let mut tx = store.write().await?;
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM deployment_profiles WHERE tenant = ?1 AND id = ?2")
            .bind(tenant.as_str())
            .bind(id_text(a.profile_id))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
    if exists.is_none() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO deployment_profile_assignments (tenant, id, profile_id, group_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(tenant.as_str())
    .bind(id_text(a.id))
    .bind(id_text(a.profile_id))
    .bind(a.group_id.as_deref())
    .bind(to_micros(a.created_at))
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(true)
}

pub(crate) async fn delete_assignment(
    store: &SqliteStore,
    tenant: &TenantId,
    profile_id: Uuid,
    id: Uuid,
) -> Result<bool, StoreError> {
    let mut tx = store.write().await?;
    let done = sqlx::query(
        "DELETE FROM deployment_profile_assignments WHERE tenant = ?1 AND profile_id = ?2 AND id = ?3",
    )
    .bind(tenant.as_str())
    .bind(id_text(profile_id))
    .bind(id_text(id))
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn add_application(
    store: &SqliteStore,
    tenant: &TenantId,
    app: &Application,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    sqlx::query(
        "INSERT INTO applications (tenant, client_id, name, secret_salt, secret_hash, roles, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(tenant.as_str())
    .bind(id_text(app.client_id))
    .bind(&app.name)
    .bind(&app.secret_salt)
    .bind(&app.secret_hash)
    .bind(app.roles.join(" "))
    .bind(to_micros(app.created_at))
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(())
}

/// name, salt, hash, roles, created.
type ApplicationRow = (String, Vec<u8>, Vec<u8>, String, i64);

pub(crate) async fn get_application(
    store: &SqliteStore,
    tenant: &TenantId,
    client_id: Uuid,
) -> Result<Option<Application>, StoreError> {
    let row: Option<ApplicationRow> = sqlx::query_as(
        "SELECT name, secret_salt, secret_hash, roles, created_at FROM applications \
         WHERE tenant = ?1 AND client_id = ?2",
    )
    .bind(tenant.as_str())
    .bind(id_text(client_id))
    .fetch_optional(&store.pool)
    .await
    .map_err(backend)?;
    Ok(row.map(
        |(name, secret_salt, secret_hash, roles, created)| Application {
            client_id,
            name,
            secret_salt,
            secret_hash,
            roles: roles.split_whitespace().map(str::to_owned).collect(),
            created_at: from_micros(created),
        },
    ))
}
