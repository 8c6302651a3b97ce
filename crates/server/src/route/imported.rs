//! Imported identities (`importedWindowsAutopilotDeviceIdentities`, of the tenant or of one
//! upload) and the legacy upload containers: their paths and their rows of the table.

use std::borrow::Cow;

use autopilot_odata::entity;

use super::{
    ACTION, COLLECTION, COUNT, ITEM, Options, Resource, SERVICE_READ as SR, SERVICE_WRITE as SW,
    Segment, Spec, UploadRef, is, is_action, is_count, plain_key, spec,
};
use crate::error::GraphError;

pub(super) const IMPORTED: &str = "importedWindowsAutopilotDeviceIdentities";
pub(super) const UPLOADS: &str = "importedWindowsAutopilotDeviceIdentityUploads";
pub(super) const DEVICE_IDENTITIES: &str = "deviceIdentities";

/// `importedWindowsAutopilotDeviceIdentities`, of the tenant or of one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    List {
        upload: UploadRef,
    },
    Item {
        upload: UploadRef,
        key: String,
    },
    Count {
        upload: UploadRef,
    },
    /// The bound `import` action.
    Import {
        upload: UploadRef,
    },
}

/// The legacy `importedWindowsAutopilotDeviceIdentityUploads` containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uploads {
    List,
    Item { key: String },
    Count,
}

impl Imported {
    pub(super) fn spec(&self) -> Spec {
        let e = &entity::IMPORTED_DEVICE;
        match self {
            Imported::List { .. } => spec("GET, POST", COLLECTION, Options::Collection(e), SR, SW),
            Imported::Item { .. } => spec("GET, DELETE", ITEM, Options::Single(e), SR, SW),
            Imported::Count { .. } => spec("GET", COUNT, Options::Collection(e), SR, SW),
            Imported::Import { .. } => spec("POST", ACTION, Options::Ignored, SR, SW),
        }
    }
}

impl Uploads {
    pub(super) fn spec(&self) -> Spec {
        let e = &entity::UPLOAD;
        match self {
            Uploads::List => spec("GET, POST", COLLECTION, Options::Collection(e), SR, SW),
            Uploads::Item { .. } => spec("GET, DELETE", ITEM, Options::Single(e), SR, SW),
            Uploads::Count => spec("GET", COUNT, Options::Collection(e), SR, SW),
        }
    }
}

/// After an imported-device collection segment (whose `('key')`, if any, is `key`).
pub(super) fn imported(
    upload: UploadRef,
    key: Option<String>,
    rest: &[Segment],
) -> Result<Resource, GraphError> {
    if let Some(key) = key {
        return match rest {
            [] => Ok(Resource::Imported(Imported::Item { upload, key })),
            [next, ..] => Err(GraphError::segment_not_found(&next.raw)),
        };
    }
    match rest {
        [] => Ok(Resource::Imported(Imported::List { upload })),
        [c] if is_count(c) => Ok(Resource::Imported(Imported::Count { upload })),
        [a] if is_action(a, "import") => Ok(Resource::Imported(Imported::Import { upload })),
        [k] if plain_key(k) => Ok(Resource::Imported(Imported::Item {
            upload,
            key: k.name.clone(),
        })),
        [other] => Err(GraphError::segment_not_found(&other.raw)),
        [_, next, ..] => Err(GraphError::segment_not_found(&next.raw)),
    }
}

/// After the uploads segment.
pub(super) fn uploads(key: Option<String>, rest: &[Segment]) -> Result<Resource, GraphError> {
    let (key, rest) = match (key, rest) {
        (Some(key), rest) => (key, rest),
        (None, []) => return Ok(Resource::Uploads(Uploads::List)),
        (None, [c]) if is_count(c) => return Ok(Resource::Uploads(Uploads::Count)),
        (None, [k, rest @ ..]) if k.key.is_none() && !k.name.starts_with('$') => {
            (k.name.clone(), rest)
        }
        (None, [other, ..]) => return Err(GraphError::segment_not_found(&other.raw)),
    };
    match rest {
        [] => Ok(Resource::Uploads(Uploads::Item { key })),
        [ids, tail @ ..] if is(ids, DEVICE_IDENTITIES) => {
            imported(UploadRef::Key(key), ids.key.clone(), tail)
        }
        [other, ..] => Err(GraphError::segment_not_found(&other.raw)),
    }
}

impl Imported {
    /// The path template under the version (keys as `{id}`): the route's name in metrics and
    /// logs.
    pub(super) fn path(&self) -> Cow<'static, str> {
        let (upload, tail) = match self {
            Imported::List { upload } => (upload, ""),
            Imported::Item { upload, .. } => (upload, "/{id}"),
            Imported::Count { upload } => (upload, "/$count"),
            Imported::Import { upload } => (upload, "/import"),
        };
        let collection = match upload {
            UploadRef::None => "/deviceManagement/importedWindowsAutopilotDeviceIdentities",
            UploadRef::Key(_) => {
                "/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/{uploadId}/deviceIdentities"
            }
            UploadRef::New => "/importedWindowsAutopilotDeviceIdentityUpload/deviceIdentities",
        };
        format!("{collection}{tail}").into()
    }
}

impl Uploads {
    /// The path template under the version.
    pub(super) fn path(&self) -> Cow<'static, str> {
        match self {
            Uploads::List => {
                "/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads".into()
            }
            Uploads::Item { .. } => {
                "/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/{id}".into()
            }
            Uploads::Count => {
                "/deviceManagement/importedWindowsAutopilotDeviceIdentityUploads/$count".into()
            }
        }
    }
}
