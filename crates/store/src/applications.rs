//! Applications registered for the token endpoint ([`ApplicationStore`]).

use async_trait::async_trait;
use autopilot_domain::{AppCertificate, Application, ApplicationStore, StoreError, TenantId};
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
        for c in &app.certificates {
            tx.exec(&insert_certificate(tenant, app.client_id, c))
                .await?;
        }
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
        let Some(row) = row else {
            return Ok(None);
        };
        let certificates = self
            .backend
            .pool()
            .rows(&Sql::with(
                "SELECT sha1, sha256, der, not_before, not_after, added_at \
                 FROM application_certificates WHERE tenant = $1 AND client_id = $2 \
                 ORDER BY added_at, sha256",
                vec![tenant.as_str().into(), id_text(client_id).into()],
            ))
            .await?
            .iter()
            .map(|c| {
                Ok(AppCertificate {
                    sha1: c.bytes(0)?,
                    sha256: c.bytes(1)?,
                    der: c.bytes(2)?,
                    not_before: from_micros(c.int(3)?),
                    not_after: from_micros(c.int(4)?),
                    added_at: from_micros(c.int(5)?),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(Application {
            client_id,
            name: row.text(0)?,
            secret_salt: row.bytes(1)?,
            secret_hash: row.bytes(2)?,
            roles: row.text(3)?.split_whitespace().map(str::to_owned).collect(),
            created_at: from_micros(row.int(4)?),
            certificates,
        }))
    }

    async fn add_certificate(
        &self,
        tenant: &TenantId,
        client_id: Uuid,
        certificate: &AppCertificate,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let exists = tx
            .row(&Sql::with(
                "SELECT 1 FROM applications WHERE tenant = $1 AND client_id = $2",
                vec![tenant.as_str().into(), id_text(client_id).into()],
            ))
            .await?
            .is_some();
        if exists {
            tx.exec(&insert_certificate(tenant, client_id, certificate))
                .await?;
        }
        tx.commit().await?;
        Ok(exists)
    }
}

fn insert_certificate(tenant: &TenantId, client_id: Uuid, c: &AppCertificate) -> Sql {
    Sql::with(
        "INSERT INTO application_certificates (tenant, client_id, sha1, sha256, der, \
         not_before, not_after, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (tenant, client_id, sha256) DO NOTHING",
        vec![
            tenant.as_str().into(),
            id_text(client_id).into(),
            c.sha1.clone().into(),
            c.sha256.clone().into(),
            c.der.clone().into(),
            to_micros(c.not_before).into(),
            to_micros(c.not_after).into(),
            to_micros(c.added_at).into(),
        ],
    )
}
