//! The handlers, one file per resource family. Each family's `call` receives a request the
//! dispatcher has already authenticated, authorised, throttled and checked against its row of
//! [`Resource::spec`], and matches only on its own sub-enum.

mod actions;
mod batch;
mod devices;
mod directory;
mod enrollment;
mod entra;
mod groups;
mod identities;
mod imported;
mod managed;
pub mod management;
pub mod metadata;
mod organization;
mod profiles;
mod settings;
pub mod token;
mod uploads;
mod users;

use axum::body::Bytes;
use axum::http::Method;
use axum::response::Response;

use crate::error::GraphError;
use crate::route::Resource;
use crate::state::{AppState, Ctx, Dispatch};

/// The entity sets, as `@odata.context` and `Location` name them.
const IMPORTED: &str = "deviceManagement/importedWindowsAutopilotDeviceIdentities";
const UPLOADS: &str = "deviceManagement/importedWindowsAutopilotDeviceIdentityUploads";
const DEVICES: &str = "deviceManagement/windowsAutopilotDeviceIdentities";
const PROFILES: &str = "deviceManagement/windowsAutopilotDeploymentProfiles";
const MANAGED: &str = "deviceManagement/managedDevices";
const ENROLLMENT: &str = "deviceManagement/deviceEnrollmentConfigurations";
const IDENTITIES: &str = "deviceManagement/importedDeviceIdentities";

/// Hands a checked request to its family; `inner` is the dispatcher, for `$batch`.
pub(crate) async fn call(
    state: &AppState,
    ctx: &Ctx,
    method: &Method,
    body: &Bytes,
    inner: Dispatch,
) -> Result<Response, GraphError> {
    match &ctx.target.resource {
        Resource::Batch => batch::call(state, ctx, body, inner).await,
        Resource::Metadata => Ok(metadata::respond(ctx.target.version)),
        Resource::Imported(r) => imported::call(state, ctx, r, method, body).await,
        Resource::Uploads(r) => uploads::call(state, ctx, r, method, body).await,
        Resource::Devices(r) => devices::call(state, ctx, r, method, body).await,
        Resource::Profiles(r) => profiles::call(state, ctx, r, method, body).await,
        Resource::Settings(r) => settings::call(state, ctx, r, method, body).await,
        Resource::Directory(r) => directory::call(state, ctx, r, method).await,
        Resource::Groups(r) => groups::call(state, ctx, r, method, body).await,
        Resource::Users(r) => users::call(state, ctx, r, method, body).await,
        Resource::Organization(r) => organization::call(state, ctx, r, method).await,
        Resource::Managed(r) => managed::call(state, ctx, r, method, body).await,
        Resource::Enrollment(r) => enrollment::call(state, ctx, r, method, body).await,
        Resource::Identities(r) => identities::call(state, ctx, r, method, body).await,
    }
}

/// The 405 of a method the resource's row does not list (the dispatcher checks first; a family
/// answers it too rather than panic should its match and the table ever disagree).
fn not_allowed(ctx: &Ctx, method: &Method) -> GraphError {
    let spec = ctx.target.resource.spec();
    GraphError::method_not_allowed(method.as_str(), spec.template, spec.allow)
}
