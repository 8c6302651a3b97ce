//! autopilot-odata: OData query options as Graph takes them, parsed into a typed AST and checked
//! against per-entity field tables. No I/O, no SQL: the store lowers the checked query to
//! parameterised SQL.
//!
//! ```
//! use autopilot_odata::{Query, entity};
//! let q = Query::parse(Some("$filter=contains(serialNumber,'5CG')&$top=10&$orderby=serialNumber desc")).unwrap();
//! q.check(&entity::AUTOPILOT_DEVICE).unwrap();
//! assert_eq!(q.top, Some(10));
//! ```
//!
//! The grammar is in [`parse`]'s documentation.

pub mod ast;
pub mod entity;
mod error;
pub mod parse;
mod search;

use percent::decode;

pub use ast::{Case, CmpOp, Expr, Literal, Operand, OrderBy, Property, StrFn};
pub use entity::{EntityType, Field, FieldType};
pub use error::{ErrorKind, QueryError};
pub use parse::{MAX_DEPTH, parse_filter, parse_list, parse_orderby};
pub use search::search_filter;

/// The query options of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub filter: Option<Expr>,
    pub orderby: Vec<OrderBy>,
    pub select: Vec<Property>,
    pub expand: Vec<Property>,
    pub top: Option<u32>,
    pub skip: Option<u64>,
    pub count: bool,
    /// The continuation token, opaque here.
    pub skiptoken: Option<String>,
    /// `$search`: directory objects take it ([`search_filter`]); Autopilot entities do not.
    pub search: Option<String>,
}

/// The longest value a query option may have.
pub const MAX_OPTION_LEN: usize = 8192;

/// The OData system query options by name (without `$`).
const OPTIONS: [&str; 10] = [
    "filter",
    "orderby",
    "select",
    "expand",
    "top",
    "skip",
    "count",
    "skiptoken",
    "search",
    "format",
];

mod percent {
    /// Percent-decodes a query component, with `+` as a space.
    pub fn decode(part: &str) -> String {
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = bytes
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(v) => {
                            out.push(v);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                _ => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl Query {
    /// Parses a raw query string. Option names may carry `$`, `%24` or (as beta allows) no
    /// prefix, in any case; values are percent-decoded with `+` as a space. Parameters that are
    /// not OData options are ignored, as Graph ignores them; a repeated option is an error.
    pub fn parse(raw: Option<&str>) -> Result<Query, QueryError> {
        let mut q = Query::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name);
            let bare = name.trim().strip_prefix('$').unwrap_or(name.trim());
            let Some(option) = OPTIONS
                .iter()
                .copied()
                .find(|o| o.eq_ignore_ascii_case(bare))
            else {
                continue;
            };
            if seen.contains(&option) {
                return Err(QueryError::new(
                    ErrorKind::InvalidOption,
                    format!(
                        "Query option '${option}' was specified more than once, but it must be specified at most once."
                    ),
                ));
            }
            seen.push(option);
            let value = decode(value);
            let invalid = |what: &str| {
                QueryError::new(
                    ErrorKind::InvalidOption,
                    format!("Invalid value '{value}' for ${option} query option found. {what}"),
                )
            };
            if value.len() > MAX_OPTION_LEN {
                return Err(QueryError::new(
                    ErrorKind::InvalidOption,
                    format!(
                        "The ${option} query option is longer than {MAX_OPTION_LEN} characters."
                    ),
                ));
            }
            match option {
                "filter" => q.filter = Some(parse_filter(&value)?),
                "orderby" => q.orderby = parse_orderby(&value)?,
                "select" => q.select = parse_list("$select", &value)?,
                "expand" => q.expand = parse_list("$expand", &value)?,
                "top" => {
                    q.top = Some(value.trim().parse().map_err(|_| {
                        invalid("The $top query option requires a non-negative integer value.")
                    })?)
                }
                "skip" => {
                    q.skip = Some(value.trim().parse().map_err(|_| {
                        invalid("The $skip query option requires a non-negative integer value.")
                    })?)
                }
                "count" => {
                    q.count = match value.trim().to_ascii_lowercase().as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(invalid("Valid values are 'true' and 'false'.")),
                    }
                }
                "skiptoken" => q.skiptoken = Some(value.trim().to_owned()),
                "search" => q.search = Some(value),
                _ => {
                    return Err(QueryError::new(
                        ErrorKind::InvalidOption,
                        format!("The query option '${option}' is not supported."),
                    ));
                }
            }
        }
        Ok(q)
    }

    /// Checks the query against an entity: every property exists and may be used as it is,
    /// every literal has its property's type.
    pub fn check(&self, entity: &EntityType) -> Result<(), QueryError> {
        if let Some(search) = &self.search
            && entity.searchable
        {
            search_filter(search, entity)?;
        } else if self.search.is_some() {
            return Err(QueryError::new(
                ErrorKind::InvalidOption,
                format!(
                    "The query option '$search' is not supported on {}.",
                    entity.name
                ),
            ));
        }
        if let Some(filter) = &self.filter {
            check_expr(filter, entity)?;
        }
        for key in &self.orderby {
            let field = lookup(&key.property, entity, "$orderby")?;
            if !field.sortable {
                return Err(QueryError::new(
                    ErrorKind::NotSupportedOnProperty,
                    format!("The property '{}' cannot be used in $orderby.", field.name),
                ));
            }
        }
        for name in &self.select {
            if name.path.len() != 1 {
                return Err(QueryError::new(
                    ErrorKind::UnknownProperty,
                    format!("$select takes top-level properties; '{name}' is a nested one."),
                ));
            }
            lookup(name, entity, "$select")?;
        }
        for name in &self.expand {
            if !entity
                .expand
                .iter()
                .any(|e| name.path.len() == 1 && e.eq_ignore_ascii_case(&name.path[0]))
            {
                return Err(QueryError::new(
                    ErrorKind::UnknownProperty,
                    format!(
                        "Could not find a navigation property named '{name}' on type 'microsoft.graph.{}'.",
                        entity.name
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn lookup(p: &Property, entity: &EntityType, option: &str) -> Result<&'static Field, QueryError> {
    entity.field(&p.name()).ok_or_else(|| {
        QueryError::new(
            ErrorKind::UnknownProperty,
            format!(
                "Could not find a property named '{p}' on type 'microsoft.graph.{}' (in {option} at position {}).",
                entity.name, p.at
            ),
        )
    })
}

fn filterable(operand: &Operand, entity: &EntityType) -> Result<&'static Field, QueryError> {
    let field = lookup(&operand.property, entity, "$filter")?;
    if !field.filterable {
        return Err(QueryError::new(
            ErrorKind::NotSupportedOnProperty,
            format!("The property '{}' cannot be used in $filter.", field.name),
        ));
    }
    if operand.case.is_some() && field.ty != FieldType::String {
        return Err(QueryError::new(
            ErrorKind::TypeMismatch,
            format!(
                "tolower and toupper take a string; '{}' is not one.",
                field.name
            ),
        ));
    }
    Ok(field)
}

/// Checks a lambda's body: its operands may name only the variable.
fn check_lambda_body(e: &Expr, var: &str, item: &Field) -> Result<(), QueryError> {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            check_lambda_body(a, var, item)?;
            check_lambda_body(b, var, item)
        }
        Expr::Not(inner) => check_lambda_body(inner, var, item),
        Expr::Lambda { .. } => Err(QueryError::new(
            ErrorKind::NotSupportedOnProperty,
            "any() and all() cannot be nested.".to_owned(),
        )),
        Expr::Compare { left, .. } | Expr::In { left, .. } | Expr::Func { left, .. } => {
            if left.property.path.len() != 1 || left.property.path[0] != var {
                return Err(QueryError::new(
                    ErrorKind::UnknownProperty,
                    format!(
                        "Inside any() and all(), the only property is the lambda variable '{var}', not '{}'.",
                        left.property
                    ),
                ));
            }
            check_leaf(e, item)
        }
    }
}

fn check_literal(field: &Field, value: &Literal) -> Result<(), QueryError> {
    let ok = match (field.ty, value) {
        (_, Literal::Null) => true,
        (FieldType::String, Literal::String(_) | Literal::Guid(_)) => true,
        (FieldType::Enum(e), Literal::String(s)) => {
            let members = e.members;
            if members.iter().any(|m| m.eq_ignore_ascii_case(s)) {
                true
            } else {
                return Err(QueryError::new(
                    ErrorKind::TypeMismatch,
                    format!(
                        "'{s}' is not a value of '{}'; it takes {}.",
                        field.name,
                        members.join(", ")
                    ),
                ));
            }
        }
        (FieldType::Int32, Literal::Int(n)) => i32::try_from(*n).is_ok(),
        (FieldType::Bool, Literal::Bool(_)) => true,
        (FieldType::DateTime, Literal::DateTime(_)) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(QueryError::new(
            ErrorKind::TypeMismatch,
            format!(
                "A binary operator with incompatible types was detected: '{}' cannot be compared with {value}.",
                field.name
            ),
        ))
    }
}

fn check_expr(e: &Expr, entity: &EntityType) -> Result<(), QueryError> {
    match e {
        Expr::Lambda {
            collection,
            var,
            body,
            ..
        } => {
            let field = lookup(collection, entity, "$filter")?;
            if field.ty != FieldType::StringCollection || !field.filterable {
                return Err(QueryError::new(
                    ErrorKind::NotSupportedOnProperty,
                    format!(
                        "any and all take a filterable collection; '{}' is not one.",
                        field.name
                    ),
                ));
            }
            // The body sees one property, the item, a string named as its collection.
            let item = Field {
                ty: FieldType::String,
                ..*field
            };
            check_lambda_body(body, var, &item)
        }
        Expr::And(a, b) | Expr::Or(a, b) => {
            check_expr(a, entity)?;
            check_expr(b, entity)
        }
        Expr::Not(inner) => check_expr(inner, entity),
        Expr::Compare { left, .. } | Expr::In { left, .. } | Expr::Func { left, .. } => {
            check_leaf(e, filterable(left, entity)?)
        }
    }
}

/// Checks a comparison or function against the property its operand names.
fn check_leaf(e: &Expr, field: &Field) -> Result<(), QueryError> {
    match e {
        Expr::Compare { op, right, .. } => {
            let ordered = matches!(op, CmpOp::Gt | CmpOp::Ge | CmpOp::Lt | CmpOp::Le);
            if ordered
                && (matches!(field.ty, FieldType::Enum(_) | FieldType::Bool)
                    || *right == Literal::Null)
            {
                return Err(QueryError::new(
                    ErrorKind::TypeMismatch,
                    format!("'{}' cannot be compared with {}.", field.name, op.as_str()),
                ));
            }
            check_literal(field, right)
        }
        Expr::In { values, .. } => values.iter().try_for_each(|v| check_literal(field, v)),
        Expr::Func { func, .. } => {
            if field.ty == FieldType::String {
                Ok(())
            } else {
                Err(QueryError::new(
                    ErrorKind::TypeMismatch,
                    format!(
                        "{} takes a string property; '{}' is not one.",
                        func.as_str(),
                        field.name
                    ),
                ))
            }
        }
        Expr::And(..) | Expr::Or(..) | Expr::Not(_) | Expr::Lambda { .. } => Ok(()),
    }
}
