//! `GET /v1.0/$metadata` and `/beta/$metadata`: the CSDL of what this server serves
//! ([`crate::describe`]), with Microsoft's names in the `microsoft.graph` namespace; so the
//! document follows the code. Answered without a token, as Graph's is.

use std::fmt::Write as _;
use std::sync::OnceLock;

use autopilot_odata::entity::FieldType;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::describe::{ACTIONS, CONTAINER, Model, served, wanted};
use crate::route::Version;

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
