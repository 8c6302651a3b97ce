//! Entra ID users ([`UserStore`]): created, read by id or user principal name, listed with
//! OData, changed and deleted (with their group memberships).

use async_trait::async_trait;
use autopilot_domain::{
    Page, PageRequest, StoreError, TenantId, User, UserKey, UserPatch, UserStore,
};
use autopilot_odata::entity;
use uuid::Uuid;

use crate::lower::Table;
use crate::sql::{Dialect, Exec, Record, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _, id_text, parse_id, with_id};
use crate::time_codec::{from_micros, to_micros};

/// Users as queries see them: `directory_users u`.
pub(crate) const USERS: Table = Table {
    entity: &entity::USER,
    alias: "u",
    id: "u.id",
    tenant: "u.tenant",
    expressions: &[],
    substring_indexes: &[],
    collections: &[],
};

const SELECT: &str = "SELECT u.id, u.user_principal_name, u.display_name, u.mail_nickname, \
     u.given_name, u.surname, u.job_title, u.mail, u.account_enabled, u.created_at";
const SELECT_COLUMNS: usize = 10;
const FROM: &str = " FROM directory_users u WHERE u.tenant = ";

fn from_row(row: &Record) -> Result<User, StoreError> {
    debug_assert_eq!(SELECT.matches(", ").count() + 1, SELECT_COLUMNS);
    Ok(User {
        id: parse_id(&row.text(0)?)?,
        user_principal_name: row.text(1)?,
        display_name: row.text(2)?,
        mail_nickname: row.text(3)?,
        given_name: row.opt_text(4)?,
        surname: row.opt_text(5)?,
        job_title: row.opt_text(6)?,
        mail: row.opt_text(7)?,
        account_enabled: row.int(8)? != 0,
        created_at: from_micros(row.int(9)?),
    })
}

/// The condition on `u` that finds a user by its key (`$2`).
fn key_condition(key: &UserKey, dialect: Dialect) -> (&'static str, String) {
    match (key, dialect) {
        (UserKey::Id(id), _) => ("u.id = $2", id_text(*id)),
        (UserKey::Upn(upn), Dialect::Sqlite) => {
            ("u.user_principal_name = $2 COLLATE NOCASE", upn.clone())
        }
        (UserKey::Upn(upn), Dialect::Postgres) => {
            ("lower(u.user_principal_name) = lower($2)", upn.clone())
        }
    }
}

async fn find(
    db: &mut impl Exec,
    dialect: Dialect,
    tenant: &TenantId,
    key: &UserKey,
) -> Result<Option<User>, StoreError> {
    let (condition, value) = key_condition(key, dialect);
    db.row(&Sql::with(
        &format!("{SELECT}{FROM}$1 AND {condition}"),
        vec![tenant.as_str().into(), value.into()],
    ))
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

#[async_trait]
impl<B: Backend> UserStore for SqlStore<B> {
    async fn create_user(&self, tenant: &TenantId, user: &User) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let upn = UserKey::Upn(user.user_principal_name.clone());
        if find(&mut tx, B::DIALECT, tenant, &upn).await?.is_some() {
            return Ok(false);
        }
        let inserted = tx
            .exec(&Sql::with(
                "INSERT INTO directory_users (tenant, id, user_principal_name, display_name, \
                 mail_nickname, given_name, surname, job_title, mail, account_enabled, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                vec![
                    tenant.as_str().into(),
                    id_text(user.id).into(),
                    user.user_principal_name.as_str().into(),
                    user.display_name.as_str().into(),
                    user.mail_nickname.as_str().into(),
                    user.given_name.clone().into(),
                    user.surname.clone().into(),
                    user.job_title.clone().into(),
                    user.mail.clone().into(),
                    i64::from(user.account_enabled).into(),
                    to_micros(user.created_at).into(),
                ],
            ))
            .await;
        match inserted {
            Ok(_) => tx.commit().await.map(|()| true),
            // Another instance took the name between the look and the write (PostgreSQL).
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn get_user(&self, tenant: &TenantId, key: &UserKey) -> Result<Option<User>, StoreError> {
        let mut db = self.backend.pool();
        find(&mut db, B::DIALECT, tenant, key).await
    }

    async fn list_users(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<User>, StoreError> {
        let mut db = self.backend.pool();
        crate::listing::page(
            &mut db,
            B::DIALECT,
            SELECT,
            SELECT_COLUMNS,
            &USERS,
            &crate::sql_store::tenant_scope(FROM, tenant),
            &page,
            with_id(from_row, |u| u.id),
        )
        .await
    }

    async fn count_users(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        let mut db = self.backend.pool();
        let scope = crate::sql_store::tenant_scope(FROM, tenant);
        crate::listing::count(&mut db, B::DIALECT, &USERS, &scope, filter).await
    }

    async fn update_user(
        &self,
        tenant: &TenantId,
        id: Uuid,
        patch: &UserPatch,
    ) -> Result<bool, StoreError> {
        let mut qb = Sql::new("UPDATE directory_users SET tenant = tenant");
        if let Some(v) = &patch.display_name {
            qb.push(", display_name = ").bind(v.as_str());
        }
        for (column, value) in [
            ("given_name", &patch.given_name),
            ("surname", &patch.surname),
            ("job_title", &patch.job_title),
        ] {
            if let Some(v) = value {
                qb.push(&format!(", {column} = ")).bind(v.clone());
            }
        }
        if let Some(v) = patch.account_enabled {
            qb.push(", account_enabled = ").bind(i64::from(v));
        }
        crate::sql_store::update_one(&self.backend, qb, tenant, id).await
    }

    async fn delete_user(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let args = || vec![tenant.as_str().into(), id_text(id).into()];
        tx.exec(&Sql::with(
            "DELETE FROM group_members WHERE tenant = $1 AND member_id = $2",
            args(),
        ))
        .await?;
        let deleted = tx
            .exec(&Sql::with(
                "DELETE FROM directory_users WHERE tenant = $1 AND id = $2",
                args(),
            ))
            .await?;
        tx.commit().await?;
        Ok(deleted > 0)
    }
}
