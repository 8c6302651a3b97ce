//! Timing profiles: `instant` (nothing waits, for CI), `default` (this server's defaults) and
//! `intune` (the delays seen on the real service: single-device imports decided after 62 s and
//! 95 s in public logs, the sync's ten-minute interval, profile assignments that take minutes).

use std::time::Duration;

use crate::DelayRange;

/// A timing profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    Instant,
    Default,
    Intune,
}

/// The delays a profile sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimingValues {
    /// From import to the registration decision.
    pub processing: DelayRange,
    /// The least time between two syncs (a sync sooner is 429).
    pub sync_interval: Duration,
    /// How long a sync runs (another sync meanwhile is 409).
    pub sync_duration: Duration,
    /// From registration (or joining the group) to an assigned profile.
    pub profile_assignment: Duration,
    /// From a change to a dynamic group's members following it.
    pub membership: Duration,
}

const fn fixed(d: Duration) -> DelayRange {
    DelayRange { min: d, max: d }
}

impl Timing {
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "instant" => Some(Timing::Instant),
            "default" => Some(Timing::Default),
            "intune" => Some(Timing::Intune),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Timing::Instant => "instant",
            Timing::Default => "default",
            Timing::Intune => "intune",
        }
    }

    pub fn values(self) -> TimingValues {
        let s = Duration::from_secs;
        match self {
            Timing::Instant => TimingValues {
                processing: fixed(Duration::ZERO),
                sync_interval: Duration::ZERO,
                sync_duration: Duration::ZERO,
                profile_assignment: Duration::ZERO,
                membership: Duration::ZERO,
            },
            Timing::Default => TimingValues {
                processing: fixed(s(5)),
                sync_interval: s(600),
                sync_duration: s(20),
                profile_assignment: s(60),
                membership: s(30),
            },
            Timing::Intune => TimingValues {
                processing: DelayRange {
                    min: s(60),
                    max: s(100),
                },
                sync_interval: s(600),
                sync_duration: s(120),
                profile_assignment: s(600),
                membership: s(300),
            },
        }
    }
}
