//! Scenarios: what makes Intune's failures and timing happen on demand, per tenant and
//! reproducibly. A scenario is a named, versioned TOML document of ordered rules; each rule
//! matches something of the domain (a device of an import by tenant, serial, group tag,
//! product key, manufacturer or model, its place in the import, or a deterministic share of
//! devices; or a request by route and method) and has one effect (a registration outcome, a
//! processing delay, a record that stays `unknown`, a transport fault, a sync refusal, a
//! profile assignment that stays `pending` or fails). The first rule that matches decides.
//!
//! ```toml
//! [scenario]
//! name = "oem-batch"
//! version = 1
//! seed = 7
//!
//! [[rule]]
//! name = "a tenth elsewhere"
//! match = { share = 0.1 }
//! effect = { outcome = 808 }
//! ```
//!
//! [`Scenario::parse`] checks a document whole and names the line, the rule and what is wrong;
//! [`Scenario::device_rule`] and [`Scenario::request_rule`] find the rule for a device or a
//! request. No I/O: the server keeps scenarios per tenant and applies their effects.

mod matching;
mod parse;
mod timing;

pub use matching::{DeviceFacts, Pattern, RequestFacts, share_of};
pub use parse::ScenarioError;
pub use timing::{Timing, TimingValues};

use std::time::Duration;

/// A scenario: its name, version, seed and ordered rules.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// The document's own version (a number its author raises when changing it).
    pub version: u32,
    pub description: String,
    /// The seed of every `share` match: the same seed and serial give the same outcome.
    pub seed: u64,
    /// A timing profile the scenario brings, if any.
    pub timing: Option<Timing>,
    pub rules: Vec<Rule>,
}

/// One rule: what it matches and what it does.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    /// The line of the document where the rule starts (1-based).
    pub line: usize,
    pub matcher: Match,
    pub effect: Effect,
}

/// What a rule matches. Every condition given must hold; none given matches everything of
/// the rule's kind.
#[derive(Debug, Clone, Default)]
pub struct Match {
    /// Tenant name or GUID, compared as given (the server resolves names to GUIDs).
    pub tenant: Option<String>,
    pub serial: Option<Pattern>,
    pub group_tag: Option<Pattern>,
    pub product_key: Option<Pattern>,
    /// Decoded from the hardware hash.
    pub manufacturer: Option<Pattern>,
    pub model: Option<Pattern>,
    /// Places in an import (1-based: the first device of the request is 1).
    pub nth: Vec<u32>,
    /// A share of devices, 0 to 1, chosen by the seed and the serial.
    pub share: Option<f64>,
    /// Transport rules: the request path (a glob, case-insensitive, versions included).
    pub route: Option<Pattern>,
    /// Transport rules: the method (`GET`, `POST`, ...).
    pub method: Option<String>,
}

/// A range of durations; a fixed one has `min == max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayRange {
    pub min: Duration,
    pub max: Duration,
}

impl DelayRange {
    /// The duration at `fraction` (0 to 1) of the range: a record's share gives it the same
    /// place in the range every time it is looked at.
    pub fn at(&self, fraction: f64) -> Duration {
        if self.max <= self.min {
            return self.min;
        }
        self.min + (self.max - self.min).mul_f64(fraction.clamp(0.0, 1.0))
    }
}

/// A registration outcome: a code and name as `state.deviceErrorCode`/`deviceErrorName`
/// show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub code: i32,
    pub name: String,
}

/// Whether a transport fault comes before the request is carried out or after (the write is
/// applied and the client still sees the error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Before,
    After,
}

/// How a sync is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncRefusal {
    /// 409: a sync is running.
    Conflict,
    /// 429 with `Retry-After` (seconds).
    Throttled { retry_after: u32 },
}

/// What a profile assignment does for the matched devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileEffect {
    /// Stays `pending`.
    Pending,
    /// Turns `failed`.
    Failed,
}

/// What a rule does.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// The record ends with this error (after `after`, else the usual delay).
    Outcome {
        outcome: Outcome,
        after: Option<DelayRange>,
    },
    /// The record is decided after this delay (by the usual rules).
    Delay(DelayRange),
    /// The record stays `unknown` as long as the rule is there.
    Unknown,
    /// The request is answered with this status (429 and 503 with `Retry-After`), before or
    /// after it is carried out; `times` limits it to that many requests.
    Status {
        status: u16,
        retry_after: Option<u32>,
        applied: Applied,
        times: Option<u32>,
    },
    /// The request is answered late by this much.
    Latency(DelayRange),
    /// The connection is closed without an answer; `applied` as for `Status`.
    Drop {
        applied: Applied,
        times: Option<u32>,
    },
    /// `windowsAutopilotSettings/sync` is refused.
    Sync(SyncRefusal),
    /// Profile assignments of the matched devices.
    Profile(ProfileEffect),
}

/// What a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Imported records as the registration service decides them.
    Device,
    /// Requests as they come in.
    Transport,
    /// Sync requests.
    Sync,
    /// Registered devices' profile assignments.
    Profile,
}

impl Effect {
    pub fn kind(&self) -> Kind {
        match self {
            Effect::Outcome { .. } | Effect::Delay(_) | Effect::Unknown => Kind::Device,
            Effect::Status { .. } | Effect::Latency(_) | Effect::Drop { .. } => Kind::Transport,
            Effect::Sync(_) => Kind::Sync,
            Effect::Profile(_) => Kind::Profile,
        }
    }
}

/// The registration errors the spec records, by code and name (808 as the API spells it).
pub const KNOWN_OUTCOMES: &[(i32, &str)] = &[
    (801, "InvalidZtdRequestBody"),
    (802, "InvalidZtdHardwareHash"),
    (803, "MissingZtdSerialNumberAndProductKey"),
    (806, "ZtdDeviceAlreadyAssigned"),
    (807, "ZtdDeviceDuplicated"),
    (808, "ZtdDeviceAssignedToOtherTenant"),
    (809, "ZtdProfileIsNotRegistered"),
    (810, "ZtdProfileAssignedToOtherTenant"),
    (811, "ZtdDeviceRegisteredByOtherTenant"),
    (812, "ZtdDeviceNotFound"),
    (813, "ZtdDeviceIsNotUnique"),
    (814, "ZtdDeviceAlreadyAadRegistered"),
    (640, "StorageError"),
];

impl Scenario {
    /// The first device rule (outcome, delay, unknown) that matches `device`.
    pub fn device_rule(&self, device: &DeviceFacts<'_>) -> Option<&Rule> {
        let lowered = matching::Lowered::of(device);
        self.rules.iter().find(|r| {
            r.effect.kind() == Kind::Device && r.matcher.device_lowered(device, &lowered, self.seed)
        })
    }

    /// The first profile rule that matches `device`.
    pub fn profile_rule(&self, device: &DeviceFacts<'_>) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.effect.kind() == Kind::Profile && r.matcher.device(device, self.seed))
    }

    /// The first transport or sync rule that matches `request` (sync rules match the sync
    /// action only).
    pub fn request_rule(&self, request: &RequestFacts<'_>) -> Option<&Rule> {
        self.rules.iter().find(|r| match r.effect.kind() {
            Kind::Transport => r.matcher.request(request),
            Kind::Sync => request.is_sync && r.matcher.request(request),
            Kind::Device | Kind::Profile => false,
        })
    }
}
