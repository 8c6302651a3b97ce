//! The paths beside Graph's in the OpenAPI document: the token endpoints, the management API
//! and the operators' paths.

use serde_json::{Map, Value, json};

use super::json_content;

/// The token endpoints, the management API and the operators' paths.
pub(super) fn paths(paths: &mut Map<String, Value>) {
    let error = json!({
        "type": "object",
        "properties": {
            "error": { "type": "string" }, "error_description": { "type": "string" },
            "error_codes": { "type": "array", "items": { "type": "integer" } },
        },
    });
    let form = |properties: Value, required: Value| {
        json!({ "required": true, "content": { "application/x-www-form-urlencoded": { "schema": {
            "type": "object", "properties": properties, "required": required,
        } } } })
    };
    let tenant = json!([{ "name": "tenant", "in": "path", "required": true, "schema": { "type": "string" } }]);
    paths.insert("/{tenant}/oauth2/v2.0/token".into(), json!({ "post": {
        "operationId": "post_token", "tags": ["token"], "parameters": tenant,
        "requestBody": form(json!({
            "grant_type": { "type": "string", "enum": ["client_credentials", "urn:ietf:params:oauth:grant-type:device_code"] },
            "client_id": { "type": "string" }, "client_secret": { "type": "string" },
            "client_assertion_type": { "type": "string" }, "client_assertion": { "type": "string" },
            "scope": { "type": "string" }, "device_code": { "type": "string" },
        }), json!(["grant_type", "client_id"])),
        "responses": {
            "200": { "description": "A token", "content": json_content(json!({
                "type": "object", "required": ["access_token", "token_type", "expires_in"],
                "properties": { "access_token": { "type": "string" }, "token_type": { "type": "string" },
                    "expires_in": { "type": "integer" } },
            })) },
            "default": { "description": "Entra ID's error", "content": json_content(error.clone()) },
        },
    } }));
    paths.insert("/{tenant}/oauth2/v2.0/devicecode".into(), json!({ "post": {
        "operationId": "post_devicecode", "tags": ["token"], "parameters": tenant,
        "requestBody": form(json!({ "client_id": { "type": "string" }, "scope": { "type": "string" } }), json!(["client_id"])),
        // Entra answers this endpoint's refusals with 200 too (MSAL reads them so).
        "responses": {
            "200": { "description": "A device code, or Entra ID's error", "content": json_content(json!({ "anyOf": [{
                "type": "object", "required": ["device_code", "user_code", "verification_uri"],
                "properties": { "device_code": { "type": "string" }, "user_code": { "type": "string" },
                    "verification_uri": { "type": "string" }, "expires_in": { "type": "integer" },
                    "interval": { "type": "integer" }, "message": { "type": "string" } },
            }, error.clone()] })) },
            "default": { "description": "Entra ID's error", "content": json_content(error) },
        },
    } }));
    let admin = json!([{ "bearer": [] }]);
    let graph_error = json!({ "description": "A Graph error", "content": json_content(json!({ "$ref": "#/components/schemas/ODataError" })) });
    let scenarios = json!({ "type": "object", "properties": { "value": { "type": "array", "items": { "type": "object" } } } });
    paths.insert("/_autopilot-graph/tenants/{tenant}/scenarios".into(), json!({
        "get": { "operationId": "get_scenarios", "tags": ["management"], "security": admin,
            "description": "Needs AutopilotGraph.Admin.", "parameters": tenant,
            "responses": { "200": { "description": "The tenant's scenarios", "content": json_content(scenarios) }, "default": graph_error } },
        "delete": { "operationId": "delete_scenarios", "tags": ["management"], "security": admin,
            "description": "Needs AutopilotGraph.Admin.", "parameters": tenant,
            "responses": { "200": { "description": "Removed" }, "204": { "description": "Removed" }, "default": graph_error } },
    }));
    let named = json!([
        { "name": "tenant", "in": "path", "required": true, "schema": { "type": "string" } },
        { "name": "name", "in": "path", "required": true, "schema": { "type": "string" } },
    ]);
    paths.insert("/_autopilot-graph/tenants/{tenant}/scenarios/{name}".into(), json!({
        "get": { "operationId": "get_scenario", "tags": ["management"], "security": admin,
            "description": "Needs AutopilotGraph.Admin.", "parameters": named,
            "responses": { "200": { "description": "The scenario", "content": json_content(json!({ "type": "object" })) }, "default": graph_error } },
        "put": { "operationId": "put_scenario", "tags": ["management"], "security": admin,
            "description": "Needs AutopilotGraph.Admin. The body is the scenario document (TOML).",
            "parameters": named,
            "requestBody": { "required": true, "content": {
                "text/plain": { "schema": { "type": "string" } },
                "application/toml": { "schema": { "type": "string" } },
            } },
            "responses": { "200": { "description": "Replaced" }, "201": { "description": "Created" }, "default": graph_error } },
        "delete": { "operationId": "delete_scenario", "tags": ["management"], "security": admin,
            "description": "Needs AutopilotGraph.Admin.", "parameters": named,
            "responses": { "204": { "description": "Removed" }, "default": graph_error } },
    }));
    let plain = |id: &str, description: &str, media: &str, schema: Value| {
        json!({ "get": { "operationId": id, "tags": ["operators"], "responses": {
            "200": { "description": description, "content": { media: { "schema": schema } } },
            "default": graph_error,
        } } })
    };
    let text = || json!({ "type": "string" });
    let probe = json!({ "type": "object", "required": ["status"], "properties": {
        "status": { "type": "string" }, "checks": { "type": "object" },
        "reasons": { "type": "array", "items": { "type": "string" } },
    } });
    paths.insert(
        "/healthz".into(),
        plain(
            "get_healthz",
            "The process answers",
            "application/json",
            probe.clone(),
        ),
    );
    let mut ready = plain("get_readyz", "Ready", "application/json", probe.clone());
    ready["get"]["responses"]["503"] = json!({ "description": "Not ready, with the reasons",
        "content": json_content(probe) });
    paths.insert("/readyz".into(), ready);
    paths.insert(
        "/metrics".into(),
        plain(
            "get_metrics",
            "Prometheus text format",
            "text/plain",
            text(),
        ),
    );
    paths.insert(
        "/openapi.json".into(),
        plain(
            "get_openapi",
            "This document",
            "application/json",
            json!({ "type": "object" }),
        ),
    );
    paths.insert(
        "/devicelogin".into(),
        plain(
            "get_devicelogin",
            "The device-code sign-in page",
            "text/html",
            text(),
        ),
    );
}
