//! beta `windowsAutopilotSettings`, a singleton per tenant, and its `sync` action: paths and rows
//! of the table.

use std::borrow::Cow;

use super::{
    ACTION, COLLECTION, CRW, Options, SERVICE_READ as SR, SERVICE_WRITE as SW, SRW, Segment, Spec,
    is_action, spec,
};
use crate::error::GraphError;

pub(super) const SETTINGS: &str = "windowsAutopilotSettings";

/// beta `windowsAutopilotSettings` (a singleton per tenant) and its `sync` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settings {
    Singleton,
    Sync,
}

impl Settings {
    pub(super) fn spec(&self) -> Spec {
        match self {
            Settings::Singleton => spec(
                "GET, PATCH",
                COLLECTION,
                Options::SelectOnly("windowsAutopilotSettings takes $select only."),
                SR,
                SW,
            ),
            Settings::Sync => spec("POST", ACTION, Options::Ignored, SR, &[SRW, CRW]),
        }
    }
}

/// After the settings segment.
pub(super) fn settings(rest: &[Segment]) -> Result<Settings, GraphError> {
    match rest {
        [] => Ok(Settings::Singleton),
        [a] if is_action(a, "sync") => Ok(Settings::Sync),
        [next, ..] => Err(GraphError::segment_not_found(&next.raw)),
    }
}

impl Settings {
    /// The path template under the version (keys as `{id}`): the route's name in metrics
    /// and logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Settings::Singleton => "/deviceManagement/windowsAutopilotSettings".into(),
            Settings::Sync => "/deviceManagement/windowsAutopilotSettings/sync".into(),
        }
    }
}
