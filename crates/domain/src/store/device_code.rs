//! The store of device codes.

use time::OffsetDateTime;

use uuid::Uuid;

use super::StoreError;
use crate::device_code::{DeviceCode, Poll, SignedInUser};

/// What keeping a new code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutCode {
    Kept,
    /// Another waiting code has this user code: make another.
    UserCodeTaken,
    /// The tenant has as many codes waiting as it may.
    TooMany,
}

/// An admin's decision on a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeDecision {
    Approve(SignedInUser),
    Decline,
}

/// Device codes of every tenant (a user code is typed without its tenant).
#[async_trait::async_trait]
pub trait DeviceCodeStore: Send + Sync {
    /// Keeps a new code, unless another waiting code has its user code or its tenant has
    /// `max_pending` codes waiting.
    async fn put_device_code(
        &self,
        code: &DeviceCode,
        max_pending: u64,
    ) -> Result<PutCode, StoreError>;

    /// The codes nobody has decided yet that have not expired, oldest first.
    async fn pending_device_codes(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<DeviceCode>, StoreError>;

    /// The pending, unexpired code with this user code, if any.
    async fn find_device_code(
        &self,
        user_code: &str,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceCode>, StoreError>;

    /// Decides the pending, unexpired code with this device hash (as
    /// [`DeviceCodeStore::find_device_code`] found it); `None` when it is no longer waiting.
    async fn decide_device_code(
        &self,
        device_hash: &[u8],
        decision: &CodeDecision,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceCode>, StoreError>;

    /// A poll by the client holding the code (its hash): the decision of
    /// [`crate::device_code::poll`], made under a lock so that one code gives one token.
    async fn redeem_device_code(
        &self,
        tenant: &str,
        client: Uuid,
        device_hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<(Poll, Option<DeviceCode>), StoreError>;
}
