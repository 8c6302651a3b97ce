//! `request-id` and `client-request-id`: the ids of one request (stamped on every response, error
//! or not, by the dispatcher's middleware).

use axum::extract::Request;
use axum::http::HeaderName;
use uuid::Uuid;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
pub static CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// The ids of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    pub request_id: String,
    /// What the client sent (when it is a sensible header value), else the request id, as Graph
    /// does.
    pub client_request_id: String,
}

/// A random (version 4) UUID for a request id, from a generator per thread seeded once from
/// the system: request ids must not repeat, they need not be secret, and asking the kernel for
/// each was one system call per request.
fn request_uuid() -> Uuid {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let mut seed = [0u8; 8];
            let _ = getrandom::fill(&mut seed);
            // Never the same stream on two threads, even if the system gave nothing.
            u64::from_le_bytes(seed) ^ (std::ptr::from_ref(&seed) as u64)
        });
    }
    // SplitMix64.
    let next = || {
        STATE.with(|state| {
            let mut z = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            state.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
    };
    let bytes = (u128::from(next()) << 64 | u128::from(next())).to_le_bytes();
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

impl RequestIds {
    pub fn for_request(req: &Request) -> Self {
        let request_id = request_uuid().hyphenated().to_string();
        let client_request_id = req
            .headers()
            .get(&CLIENT_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 200)
            .map_or_else(|| request_id.clone(), str::to_owned);
        RequestIds {
            request_id,
            client_request_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_version_4_and_do_not_repeat() {
        let ids: std::collections::HashSet<Uuid> = (0..10_000).map(|_| request_uuid()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| id.get_version_num() == 4));
        let other = std::thread::spawn(request_uuid).join().unwrap();
        assert!(!ids.contains(&other));
    }
}
