//! `GET /v1.0/$metadata` and `/beta/$metadata`: the CSDL of what this server serves, with
//! Microsoft's names in the `microsoft.graph` namespace. Entity types, complex types and enums
//! come from the entity descriptions (`autopilot_odata::entity`), the actions from the table
//! below, and a version holds an action only where the router serves its path on that version;
//! so the document follows the code. Answered without a token, as Graph's is.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use autopilot_odata::entity::{self, ComplexType, EntityType, EnumType, Field, FieldType};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::route::{self, Version, catalog};

/// A bound action: its name, what it is bound to, its parameters and its return type, and a
/// path that reaches it (the router decides the versions).
struct Action {
    name: &'static str,
    binding: &'static str,
    parameters: &'static [(&'static str, &'static str)],
    /// Parameters only beta takes.
    beta_parameters: &'static [(&'static str, &'static str)],
    returns: Option<&'static str>,
    path: &'static str,
}

const DEVICE: &str = "graph.windowsAutopilotDeviceIdentity";
const STRING: &str = "Edm.String";

const ACTIONS: &[Action] = &[
    Action {
        name: "import",
        binding: "Collection(graph.importedWindowsAutopilotDeviceIdentity)",
        parameters: &[(
            "importedWindowsAutopilotDeviceIdentities",
            "Collection(graph.importedWindowsAutopilotDeviceIdentity)",
        )],
        beta_parameters: &[],
        returns: Some("Collection(graph.importedWindowsAutopilotDeviceIdentity)"),
        path: "/deviceManagement/importedWindowsAutopilotDeviceIdentities/import",
    },
    Action {
        name: "assignUserToDevice",
        binding: DEVICE,
        parameters: &[
            ("userPrincipalName", STRING),
            ("addressableUserName", STRING),
        ],
        beta_parameters: &[],
        returns: None,
        path: "/deviceManagement/windowsAutopilotDeviceIdentities/{id}/assignUserToDevice",
    },
    Action {
        name: "unassignUserFromDevice",
        binding: DEVICE,
        parameters: &[],
        beta_parameters: &[],
        returns: None,
        path: "/deviceManagement/windowsAutopilotDeviceIdentities/{id}/unassignUserFromDevice",
    },
    Action {
        name: "updateDeviceProperties",
        binding: DEVICE,
        parameters: &[
            ("userPrincipalName", STRING),
            ("addressableUserName", STRING),
            ("groupTag", STRING),
            ("displayName", STRING),
        ],
        beta_parameters: &[
            ("deviceAccountUpn", STRING),
            ("deviceAccountPassword", STRING),
            ("deviceFriendlyName", STRING),
        ],
        returns: None,
        path: "/deviceManagement/windowsAutopilotDeviceIdentities/{id}/updateDeviceProperties",
    },
    Action {
        name: "allowNextEnrollment",
        binding: DEVICE,
        parameters: &[],
        beta_parameters: &[],
        returns: None,
        path: "/deviceManagement/windowsAutopilotDeviceIdentities/{id}/allowNextEnrollment",
    },
    Action {
        name: "assignResourceAccountToDevice",
        binding: DEVICE,
        parameters: &[
            ("userPrincipalName", STRING),
            ("addressableUserName", STRING),
            ("resourceAccountName", STRING),
        ],
        beta_parameters: &[],
        returns: None,
        path: "/deviceManagement/windowsAutopilotDeviceIdentities/{id}/assignResourceAccountToDevice",
    },
    Action {
        name: "unassignResourceAccountFromDevice",
        binding: DEVICE,
        parameters: &[],
        beta_parameters: &[],
        returns: None,
        path: "/deviceManagement/windowsAutopilotDeviceIdentities/{id}/unassignResourceAccountFromDevice",
    },
    Action {
        name: "deleteDevices",
        binding: "Collection(graph.windowsAutopilotDeviceIdentity)",
        parameters: &[("serialNumbers", "Collection(Edm.String)")],
        beta_parameters: &[],
        returns: Some("Collection(graph.deletedWindowsAutopilotDeviceState)"),
        path: "/deviceManagement/windowsAutopilotDeviceIdentities/deleteDevices",
    },
    Action {
        name: "sync",
        binding: "graph.windowsAutopilotSettings",
        parameters: &[],
        beta_parameters: &[],
        returns: None,
        path: "/deviceManagement/windowsAutopilotSettings/sync",
    },
    Action {
        name: "wipe",
        binding: "graph.managedDevice",
        parameters: &[
            ("keepEnrollmentData", "Edm.Boolean"),
            ("keepUserData", "Edm.Boolean"),
            ("macOsUnlockCode", STRING),
            ("persistEsimDataPlan", "Edm.Boolean"),
        ],
        beta_parameters: &[],
        returns: None,
        path: "/deviceManagement/managedDevices/{id}/wipe",
    },
    Action {
        name: "assign",
        binding: "graph.deviceEnrollmentConfiguration",
        parameters: &[(
            "enrollmentConfigurationAssignments",
            "Collection(graph.enrollmentConfigurationAssignment)",
        )],
        beta_parameters: &[],
        returns: None,
        path: "/deviceManagement/deviceEnrollmentConfigurations/{id}/assign",
    },
    Action {
        name: "setPriority",
        binding: "graph.deviceEnrollmentConfiguration",
        parameters: &[("priority", "Edm.Int32")],
        beta_parameters: &[],
        returns: None,
        path: "/deviceManagement/deviceEnrollmentConfigurations/{id}/setPriority",
    },
    Action {
        name: "importDeviceIdentityList",
        binding: "Collection(graph.importedDeviceIdentity)",
        parameters: &[
            (
                "importedDeviceIdentities",
                "Collection(graph.importedDeviceIdentity)",
            ),
            ("overwriteImportedDeviceIdentities", "Edm.Boolean"),
        ],
        beta_parameters: &[],
        returns: Some("Collection(graph.importedDeviceIdentityResult)"),
        path: "/deviceManagement/importedDeviceIdentities/importDeviceIdentityList",
    },
    Action {
        name: "searchExistingIdentities",
        binding: "Collection(graph.importedDeviceIdentity)",
        parameters: &[(
            "importedDeviceIdentities",
            "Collection(graph.importedDeviceIdentity)",
        )],
        beta_parameters: &[],
        returns: Some("Collection(graph.importedDeviceIdentity)"),
        path: "/deviceManagement/importedDeviceIdentities/searchExistingIdentities",
    },
];

/// The entity sets and singletons of the container: name, type, path.
const CONTAINER: &[(&str, &str, bool)] = &[
    ("devices", "device", true),
    ("groups", "group", true),
    ("users", "user", true),
    ("organization", "organization", true),
    ("deviceManagement", "deviceManagement", false),
];

/// Whether the router serves `path` (a template under the version) on `version`.
fn served(version: Version, path: &str) -> bool {
    let template = format!("/{}{path}", version.as_str());
    route::route(&catalog::sample_path(&template)).is_ok()
}

fn wanted(version: Version, beta_only: bool) -> bool {
    version == Version::Beta || !beta_only
}

/// What one version's document holds, collected from the entities it serves.
struct Model {
    entities: Vec<&'static EntityType>,
    complex: BTreeMap<&'static str, Vec<&'static Field>>,
    complex_apart: BTreeMap<&'static str, &'static ComplexType>,
    enums: BTreeMap<&'static str, &'static EnumType>,
}

impl Model {
    fn of(version: Version) -> Model {
        let mut model = Model {
            entities: Vec::new(),
            complex: BTreeMap::new(),
            complex_apart: BTreeMap::new(),
            enums: BTreeMap::new(),
        };
        for e in entity::ALL.iter().copied() {
            if !wanted(version, e.beta_only) {
                continue;
            }
            model.entities.push(e);
            for f in e.fields.iter().filter(|f| wanted(version, f.beta_only)) {
                model.note(f);
                if let FieldType::Complex(name) = f.ty {
                    let members = e
                        .members_of(f.name)
                        .filter(|m| wanted(version, m.beta_only))
                        .collect();
                    model.complex.insert(name, members);
                }
            }
        }
        if model
            .complex
            .contains_key("deviceAndAppManagementAssignmentTarget")
        {
            for t in &entity::ASSIGNMENT_TARGETS {
                model.add_apart(t);
            }
        }
        if served(
            version,
            "/deviceManagement/windowsAutopilotDeviceIdentities/deleteDevices",
        ) {
            model.add_apart(&entity::DELETED_DEVICE_STATE);
        }
        model
    }

    /// Notes the enum or complex type a field uses.
    fn note(&mut self, f: &'static Field) {
        match f.ty {
            FieldType::Enum(e) => {
                self.enums.insert(e.name, e);
            }
            FieldType::ComplexCollection(c) => self.add_apart(c),
            _ => {}
        }
    }

    fn add_apart(&mut self, c: &'static ComplexType) {
        self.complex_apart.insert(c.name, c);
        for f in c.fields {
            self.note(f);
        }
    }
}

fn property(out: &mut String, name: &str, ty: &FieldType) {
    let _ = writeln!(out, "<Property Name=\"{name}\" Type=\"{}\"/>", ty.csdl());
}

/// The CSDL document of `version`.
pub fn document(version: Version) -> String {
    let model = Model::of(version);
    let mut out = String::with_capacity(32 * 1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(
        "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n",
    );
    out.push_str("<edmx:DataServices>\n");
    out.push_str("<Schema Namespace=\"microsoft.graph\" Alias=\"graph\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">\n");
    for e in model.enums.values() {
        let _ = writeln!(out, "<EnumType Name=\"{}\">", e.name);
        let count = if version == Version::V1 {
            e.v1_members
        } else {
            e.members.len()
        };
        for (i, member) in e.members.iter().take(count).enumerate() {
            let _ = writeln!(out, "<Member Name=\"{member}\" Value=\"{}\"/>", e.value(i));
        }
        out.push_str("</EnumType>\n");
    }
    for e in &model.entities {
        let _ = write!(out, "<EntityType Name=\"{}\"", e.name);
        if let Some(base) = e.base {
            let _ = write!(out, " BaseType=\"graph.{}\"", base.name);
        }
        if e.abstract_ {
            out.push_str(" Abstract=\"true\"");
        }
        out.push_str(">\n");
        if e.base.is_none() {
            out.push_str("<Key><PropertyRef Name=\"id\"/></Key>\n");
        }
        for f in e
            .own_fields()
            .filter(|f| f.is_top_level() && wanted(version, f.beta_only))
        {
            if e.base.is_none() && f.name == "id" {
                out.push_str("<Property Name=\"id\" Type=\"Edm.String\" Nullable=\"false\"/>\n");
            } else {
                property(&mut out, f.name, &f.ty);
            }
        }
        for n in e
            .navigations
            .iter()
            .filter(|n| wanted(version, n.beta_only))
        {
            let ty = if n.collection {
                format!("Collection(graph.{})", n.target)
            } else {
                format!("graph.{}", n.target)
            };
            let _ = write!(out, "<NavigationProperty Name=\"{}\" Type=\"{ty}\"", n.name);
            if n.contains {
                out.push_str(" ContainsTarget=\"true\"");
            }
            out.push_str("/>\n");
        }
        out.push_str("</EntityType>\n");
    }
    for (name, members) in &model.complex {
        let _ = writeln!(out, "<ComplexType Name=\"{name}\">");
        for m in members {
            let short = m.name.rsplit('/').next().unwrap_or(m.name);
            property(&mut out, short, &m.ty);
        }
        out.push_str("</ComplexType>\n");
    }
    for c in model.complex_apart.values() {
        if model.complex.contains_key(c.name) {
            continue;
        }
        let _ = write!(out, "<ComplexType Name=\"{}\"", c.name);
        if let Some(base) = c.base {
            let _ = write!(out, " BaseType=\"graph.{base}\"");
        }
        if c.abstract_ {
            out.push_str(" Abstract=\"true\"");
        }
        out.push_str(">\n");
        for f in c.fields {
            property(&mut out, f.name, &f.ty);
        }
        out.push_str("</ComplexType>\n");
    }
    for a in ACTIONS.iter().filter(|a| served(version, a.path)) {
        let _ = writeln!(out, "<Action Name=\"{}\" IsBound=\"true\">", a.name);
        let _ = writeln!(
            out,
            "<Parameter Name=\"bindingParameter\" Type=\"{}\"/>",
            a.binding
        );
        let extra: &[(&str, &str)] = if version == Version::Beta {
            a.beta_parameters
        } else {
            &[]
        };
        for (name, ty) in a.parameters.iter().chain(extra) {
            let _ = writeln!(out, "<Parameter Name=\"{name}\" Type=\"{ty}\"/>");
        }
        if let Some(ty) = a.returns {
            let _ = writeln!(out, "<ReturnType Type=\"{ty}\"/>");
        }
        out.push_str("</Action>\n");
    }
    out.push_str("<EntityContainer Name=\"GraphService\">\n");
    for (name, ty, set) in CONTAINER {
        if *set {
            let _ = writeln!(
                out,
                "<EntitySet Name=\"{name}\" EntityType=\"microsoft.graph.{ty}\"/>"
            );
        } else {
            let _ = writeln!(
                out,
                "<Singleton Name=\"{name}\" Type=\"microsoft.graph.{ty}\"/>"
            );
        }
    }
    out.push_str("</EntityContainer>\n</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n");
    out
}

/// The answer to `GET /{version}/$metadata` (built once per version).
pub fn respond(version: Version) -> Response {
    static V1: OnceLock<String> = OnceLock::new();
    static BETA: OnceLock<String> = OnceLock::new();
    let cell = match version {
        Version::V1 => &V1,
        Version::Beta => &BETA,
    };
    let text = cell.get_or_init(|| document(version)).clone();
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml;charset=utf-8"),
    );
    response
}
