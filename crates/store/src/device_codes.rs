//! Device codes ([`DeviceCodeStore`]): created by `/devicecode`, decided by an admin,
//! redeemed once by the client's poll under a row lock.

use async_trait::async_trait;
use autopilot_domain::device_code::{self, CodeState, DeviceCode, Poll, SignedInUser};
use autopilot_domain::{CodeDecision, DeviceCodeStore, PutCode, StoreError};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::sql::{Dialect, Exec, Record, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _, id_text, parse_id};
use crate::time_codec::{from_micros, to_micros};

const SELECT: &str = "SELECT device_hash, user_code, tenant, client_id, scopes, openid, \
     created_at, expires_at, state, user_tenant, user_id, user_upn, user_name FROM device_codes";

fn from_row(row: &Record) -> Result<DeviceCode, StoreError> {
    let state = match row.text(8)?.as_str() {
        "pending" => CodeState::Pending,
        "declined" => CodeState::Declined,
        "redeemed" => CodeState::Redeemed,
        "approved" => CodeState::Approved(SignedInUser {
            tenant: row.opt_text(9)?.unwrap_or_default(),
            id: parse_id(&row.opt_text(10)?.unwrap_or_default())?,
            user_principal_name: row.opt_text(11)?.unwrap_or_default(),
            display_name: row.opt_text(12)?.unwrap_or_default(),
        }),
        other => {
            return Err(StoreError::Backend(format!(
                "bad device code state {other}"
            )));
        }
    };
    Ok(DeviceCode {
        device_hash: row.bytes(0)?,
        user_code: row.text(1)?,
        tenant: row.text(2)?,
        client_id: parse_id(&row.text(3)?)?,
        scopes: row.text(4)?.split_whitespace().map(str::to_owned).collect(),
        openid: row.int(5)? != 0,
        created_at: from_micros(row.int(6)?),
        expires_at: from_micros(row.int(7)?),
        state,
    })
}

/// The statement that writes a code's state (and its user when approved).
fn set_state(device_hash: &[u8], state: &CodeState) -> Sql {
    let user = match state {
        CodeState::Approved(u) => Some(u),
        _ => None,
    };
    Sql::with(
        "UPDATE device_codes SET state = $2, user_id = $3, user_upn = $4, user_name = $5, \
         user_tenant = $6 WHERE device_hash = $1",
        vec![
            device_hash.to_vec().into(),
            state.name().into(),
            user.map(|u| id_text(u.id)).into(),
            user.map(|u| u.user_principal_name.clone()).into(),
            user.map(|u| u.display_name.clone()).into(),
            user.map(|u| u.tenant.clone()).into(),
        ],
    )
}

fn pending_by_user_code(user_code: &str, now: OffsetDateTime) -> Sql {
    Sql::with(
        &format!(
            "{SELECT} WHERE user_code = $1 AND expires_at > $2 AND state = 'pending' \
             ORDER BY created_at DESC LIMIT 1"
        ),
        vec![user_code.into(), to_micros(now).into()],
    )
}

#[async_trait]
impl<B: Backend> DeviceCodeStore for SqlStore<B> {
    async fn put_device_code(
        &self,
        c: &DeviceCode,
        max_pending: u64,
    ) -> Result<PutCode, StoreError> {
        let now = to_micros(c.created_at);
        let mut tx = self.backend.write().await?;
        // Codes a day past their end are of no use to anyone: they go as new ones come.
        tx.exec(&Sql::with(
            "DELETE FROM device_codes WHERE expires_at < $1",
            vec![to_micros(c.created_at - time::Duration::days(1)).into()],
        ))
        .await?;
        let taken = tx
            .row(&Sql::with(
                "SELECT 1 FROM device_codes WHERE user_code = $1 AND expires_at > $2 \
                 AND state = 'pending'",
                vec![c.user_code.as_str().into(), now.into()],
            ))
            .await?
            .is_some();
        if taken {
            return Ok(PutCode::UserCodeTaken);
        }
        let waiting = tx
            .row(&Sql::with(
                "SELECT count(*) FROM device_codes WHERE tenant = $1 AND expires_at > $2 \
                 AND state = 'pending'",
                vec![c.tenant.as_str().into(), now.into()],
            ))
            .await?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or_default();
        if u64::try_from(waiting).unwrap_or_default() >= max_pending {
            return Ok(PutCode::TooMany);
        }
        tx.exec(&Sql::with(
            "INSERT INTO device_codes (device_hash, user_code, tenant, client_id, scopes, \
             openid, created_at, expires_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            vec![
                c.device_hash.clone().into(),
                c.user_code.as_str().into(),
                c.tenant.as_str().into(),
                id_text(c.client_id).into(),
                c.scopes.join(" ").into(),
                i64::from(c.openid).into(),
                to_micros(c.created_at).into(),
                to_micros(c.expires_at).into(),
                c.state.name().into(),
            ],
        ))
        .await?;
        tx.commit().await?;
        Ok(PutCode::Kept)
    }

    async fn pending_device_codes(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<DeviceCode>, StoreError> {
        self.backend
            .pool()
            .rows(&Sql::with(
                &format!(
                    "{SELECT} WHERE expires_at > $1 AND state = 'pending' ORDER BY created_at"
                ),
                vec![to_micros(now).into()],
            ))
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    async fn find_device_code(
        &self,
        user_code: &str,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceCode>, StoreError> {
        let code = device_code::normalize_user_code(user_code);
        self.backend
            .pool()
            .row(&pending_by_user_code(&code, now))
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    async fn decide_device_code(
        &self,
        device_hash: &[u8],
        decision: &CodeDecision,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceCode>, StoreError> {
        let lock = match B::DIALECT {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        };
        let mut tx = self.backend.write().await?;
        let Some(row) = tx
            .row(&Sql::with(
                &format!(
                    "{SELECT} WHERE device_hash = $1 AND expires_at > $2 AND state = 'pending'{lock}"
                ),
                vec![device_hash.to_vec().into(), to_micros(now).into()],
            ))
            .await?
        else {
            return Ok(None);
        };
        let mut found = from_row(&row)?;
        found.state = match decision {
            CodeDecision::Approve(user) => CodeState::Approved(user.clone()),
            CodeDecision::Decline => CodeState::Declined,
        };
        tx.exec(&set_state(&found.device_hash, &found.state))
            .await?;
        tx.commit().await?;
        Ok(Some(found))
    }

    async fn redeem_device_code(
        &self,
        tenant: &str,
        client: Uuid,
        device_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<(Poll, Option<DeviceCode>), StoreError> {
        let lock = match B::DIALECT {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        };
        let mut tx = self.backend.write().await?;
        let found = tx
            .row(&Sql::with(
                &format!("{SELECT} WHERE device_hash = $1 AND tenant = $2{lock}"),
                vec![device_hash.to_vec().into(), tenant.into()],
            ))
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?;
        let decision = device_code::poll(found.as_ref(), client, now);
        if matches!(decision, Poll::Granted(_)) {
            tx.exec(&set_state(device_hash, &CodeState::Redeemed))
                .await?;
        }
        tx.commit().await?;
        Ok((decision, found))
    }
}
