//! Applications registered for the token endpoint ([`ApplicationStore`]).

use async_trait::async_trait;
use autopilot_domain::{Application, ApplicationStore, StoreError, TenantId};
use uuid::Uuid;

use crate::sql::{Exec, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _, id_text};
use crate::time_codec::{from_micros, to_micros};

#[async_trait]
impl<B: Backend> ApplicationStore for SqlStore<B> {
    async fn add_application(
        &self,
        tenant: &TenantId,
        app: &Application,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.write().await?;
        tx.exec(&Sql::with(
            "INSERT INTO applications (tenant, client_id, name, secret_salt, secret_hash, roles, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                tenant.as_str().into(),
                id_text(app.client_id).into(),
                app.name.as_str().into(),
                app.secret_salt.clone().into(),
                app.secret_hash.clone().into(),
                app.roles.join(" ").into(),
                to_micros(app.created_at).into(),
            ],
        ))
        .await?;
        tx.commit().await
    }

    async fn get_application(
        &self,
        tenant: &TenantId,
        client_id: Uuid,
    ) -> Result<Option<Application>, StoreError> {
        let row = self
            .backend
            .pool()
            .row(&Sql::with(
                "SELECT name, secret_salt, secret_hash, roles, created_at FROM applications \
                 WHERE tenant = $1 AND client_id = $2",
                vec![tenant.as_str().into(), id_text(client_id).into()],
            ))
            .await?;
        row.map(|row| {
            Ok(Application {
                client_id,
                name: row.text(0)?,
                secret_salt: row.bytes(1)?,
                secret_hash: row.bytes(2)?,
                roles: row.text(3)?.split_whitespace().map(str::to_owned).collect(),
                created_at: from_micros(row.int(4)?),
            })
        })
        .transpose()
    }
}
