//! What the server serves, per version, as its self-descriptions (`$metadata` and the OpenAPI
//! document) need it: the entity types, the complex and enum types they use (from the entity
//! descriptions in `autopilot_odata::entity`), the bound actions with their parameters, and the
//! container. A version holds an action only where the router serves its path on that version.

use std::collections::BTreeMap;

use autopilot_odata::entity::{self, ComplexType, EntityType, EnumType, Field, FieldType};

use crate::route::{self, Version, catalog};

/// A bound action: its name, what it is bound to, its parameters and its return type, and a
/// path that reaches it (the router decides the versions).
pub(crate) struct Action {
    pub(crate) name: &'static str,
    pub(crate) binding: &'static str,
    pub(crate) parameters: &'static [(&'static str, &'static str)],
    /// Parameters only beta takes.
    pub(crate) beta_parameters: &'static [(&'static str, &'static str)],
    pub(crate) returns: Option<&'static str>,
    pub(crate) path: &'static str,
}

const DEVICE: &str = "graph.windowsAutopilotDeviceIdentity";
const STRING: &str = "Edm.String";

pub(crate) const ACTIONS: &[Action] = &[
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
pub(crate) const CONTAINER: &[(&str, &str, bool)] = &[
    ("devices", "device", true),
    ("groups", "group", true),
    ("users", "user", true),
    ("organization", "organization", true),
    ("deviceManagement", "deviceManagement", false),
];

/// Whether the router serves `path` (a template under the version) on `version`.
pub(crate) fn served(version: Version, path: &str) -> bool {
    let template = format!("/{}{path}", version.as_str());
    route::route(&catalog::sample_path(&template)).is_ok()
}

pub(crate) fn wanted(version: Version, beta_only: bool) -> bool {
    version == Version::Beta || !beta_only
}

/// What one version's document holds, collected from the entities it serves.
pub(crate) struct Model {
    pub(crate) entities: Vec<&'static EntityType>,
    pub(crate) complex: BTreeMap<&'static str, Vec<&'static Field>>,
    pub(crate) complex_apart: BTreeMap<&'static str, &'static ComplexType>,
    pub(crate) enums: BTreeMap<&'static str, &'static EnumType>,
}

impl Model {
    pub(crate) fn of(version: Version) -> Model {
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
