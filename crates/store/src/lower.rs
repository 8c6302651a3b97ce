//! Lowering a checked OData query to parameterised SQL, for SQLite or PostgreSQL. Every value
//! is a bound parameter; only column expressions from the tables below are ever written into
//! the text.
//!
//! Text compares case-insensitively on both, folding ASCII letters only (as Intune does and as
//! SQLite's NOCASE does): SQLite with `COLLATE NOCASE`, PostgreSQL by `lower()` on both sides
//! over columns in the "C" collation, where `lower()` folds ASCII only and orders bytewise.

use autopilot_domain::{Cursor, SortValue, StoreError};
use autopilot_odata::{Case, CmpOp, EntityType, Expr, FieldType, Literal, Operand, OrderBy, StrFn};

use crate::sql::{Dialect, Sql};

use crate::time_codec::to_micros;

/// How a column compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text, compared and sorted case-insensitively (as Intune does).
    Text,
    Int,
    /// An enum stored as its member's index.
    Enum(&'static [&'static str]),
    /// A time stored as UTC microseconds.
    Time,
    /// True or false, stored as 1 or 0.
    Bool,
}

/// A queryable property as SQL: its OData name, its expression, how it compares.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub name: &'static str,
    pub sql: String,
    pub kind: Kind,
    /// SQLite's trigram index for `contains`: `(fts table, fts column)`, keyed by `tenant` and
    /// `id`. (PostgreSQL's `pg_trgm` index sits on the column itself and needs no naming.)
    pub substring_index: Option<(&'static str, &'static str)>,
}

/// One list's query surface: the entity's own description (names, types, columns) over the
/// alias the list's `FROM` gives its table, with what SQL alone knows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table {
    pub entity: &'static EntityType,
    /// The alias that qualifies the entity's columns.
    pub alias: &'static str,
    /// The id column (hyphenated text), the final tie-breaker.
    pub id: &'static str,
    /// The tenant column, for substring-index lookups.
    pub tenant: &'static str,
    /// Properties whose SQL is an expression rather than their bare column.
    pub expressions: &'static [(&'static str, &'static str)],
    /// SQLite trigram indexes by property: `(property, (fts table, fts column))`.
    pub substring_indexes: &'static [(&'static str, (&'static str, &'static str))],
    /// String collections, each in a table of its own.
    pub collections: &'static [Collection],
}

/// A string collection property kept as rows `(tenant, owner, ..., value)` of its own table,
/// which `any(...)` and `all(...)` read through `EXISTS`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Collection {
    pub property: &'static str,
    pub table: &'static str,
    /// The column holding the owner's id.
    pub owner: &'static str,
}

/// The items of a collection inside a lambda: `c.value`.
const ITEMS: Table = Table {
    entity: &autopilot_odata::entity::STRING_ITEM,
    alias: "c",
    id: "c.value",
    tenant: "c.tenant",
    expressions: &[],
    substring_indexes: &[],
    collections: &[],
};

impl Table {
    fn column(&self, name: &str) -> Result<Column, StoreError> {
        let unqueryable =
            || StoreError::InvalidQuery(format!("The property '{name}' cannot be queried here."));
        let field = self.entity.field(name).ok_or_else(unqueryable)?;
        let column = field.column.ok_or_else(unqueryable)?;
        let kind = match field.ty {
            FieldType::String => Kind::Text,
            FieldType::Int32 => Kind::Int,
            FieldType::Enum(e) => Kind::Enum(e.members),
            FieldType::DateTime => Kind::Time,
            FieldType::Bool => Kind::Bool,
            FieldType::Complex(_)
            | FieldType::Int64
            | FieldType::Binary
            | FieldType::StringCollection
            | FieldType::ComplexCollection(_) => {
                return Err(unqueryable());
            }
        };
        let sql = match lookup(self.expressions, field.name) {
            Some(expr) => String::from(expr),
            None => format!("{}.{column}", self.alias),
        };
        Ok(Column {
            name: field.name,
            sql,
            kind,
            substring_index: lookup(self.substring_indexes, field.name),
        })
    }
}

/// The value a `(property, value)` list gives a property.
fn lookup<T: Copy>(pairs: &[(&'static str, T)], property: &str) -> Option<T> {
    pairs.iter().find(|(p, _)| *p == property).map(|(_, v)| *v)
}

/// The SQL of an operand: the column, lowered or uppered, as it compares.
fn operand_sql(d: Dialect, col: &Column, case: Option<Case>) -> String {
    match (d, col.kind, case) {
        (Dialect::Sqlite, Kind::Text, None) => format!("{} COLLATE NOCASE", col.sql),
        (Dialect::Sqlite, Kind::Text, Some(Case::Lower)) => {
            format!("lower({}) COLLATE NOCASE", col.sql)
        }
        (Dialect::Sqlite, Kind::Text, Some(Case::Upper)) => {
            format!("upper({}) COLLATE NOCASE", col.sql)
        }
        // Case-insensitive whatever the case function: lower() of either is the same.
        (Dialect::Postgres, Kind::Text, _) => format!("lower({})", col.sql),
        _ => col.sql.clone(),
    }
}

/// A text value compared with an operand of [`operand_sql`].
fn push_text(qb: &mut Sql, d: Dialect, value: String) {
    match d {
        Dialect::Sqlite => {
            qb.bind(value);
        }
        Dialect::Postgres => {
            qb.push("lower(").bind(value).push(")");
        }
    }
}

fn push_value(qb: &mut Sql, d: Dialect, col: &Column, value: &Literal) -> Result<(), StoreError> {
    let invalid = || {
        StoreError::InvalidQuery(format!(
            "The value {value} cannot be compared with '{}'.",
            col.name
        ))
    };
    match (col.kind, value) {
        (Kind::Text, Literal::String(s) | Literal::Guid(s)) => push_text(qb, d, s.clone()),
        (Kind::Int, Literal::Int(n)) => {
            qb.bind(*n);
        }
        (Kind::Bool, Literal::Bool(b)) => {
            qb.bind(i64::from(*b));
        }
        (Kind::Enum(members), Literal::String(s)) => {
            let index = members
                .iter()
                .position(|m| m.eq_ignore_ascii_case(s))
                .ok_or_else(invalid)?;
            qb.bind(i64::try_from(index).unwrap_or(i64::MAX));
        }
        (Kind::Time, Literal::DateTime(text)) => {
            let t =
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .or_else(|_| {
                        // RFC 3339 needs seconds; OData allows `hh:mm`.
                        let with_seconds = text.replacen('Z', ":00Z", 1);
                        time::OffsetDateTime::parse(
                            &with_seconds,
                            &time::format_description::well_known::Rfc3339,
                        )
                    })
                    .map_err(|_| {
                        StoreError::InvalidQuery(format!("'{text}' is not a valid DateTimeOffset."))
                    })?;
            qb.bind(to_micros(t));
        }
        _ => return Err(invalid()),
    }
    Ok(())
}

/// `%`, `_` and `\\` escaped for `LIKE ... ESCAPE '\\'`.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Appends the SQL of a filter expression.
pub(crate) fn push_filter(
    qb: &mut Sql,
    d: Dialect,
    table: &Table,
    expr: &Expr,
) -> Result<(), StoreError> {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => {
            qb.push("(");
            push_filter(qb, d, table, a)?;
            qb.push(if matches!(expr, Expr::And(..)) {
                " AND "
            } else {
                " OR "
            });
            push_filter(qb, d, table, b)?;
            qb.push(")");
        }
        Expr::Not(inner) => {
            // NOT over a NULL comparison would be NULL; coalesce so `not` means "not matching".
            qb.push("NOT coalesce((");
            push_filter(qb, d, table, inner)?;
            qb.push(match d {
                Dialect::Sqlite => "), 0)",
                Dialect::Postgres => "), false)",
            });
        }
        Expr::Compare { left, op, right } => {
            let col = table.column(&left.property.name())?;
            let sql = operand_sql(d, &col, left.case);
            if *right == Literal::Null {
                match op {
                    CmpOp::Eq => qb.push(&format!("({sql} IS NULL)")),
                    CmpOp::Ne => qb.push(&format!("({sql} IS NOT NULL)")),
                    _ => {
                        return Err(StoreError::InvalidQuery(format!(
                            "null cannot be compared with {}.",
                            op.as_str()
                        )));
                    }
                };
                return Ok(());
            }
            let sym = match op {
                CmpOp::Eq => "=",
                CmpOp::Ne => "<>",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
            };
            qb.push(&format!("({sql} {sym} "));
            push_value(qb, d, &col, right)?;
            qb.push(")");
        }
        Expr::In { left, values } => {
            let col = table.column(&left.property.name())?;
            let sql = operand_sql(d, &col, left.case);
            let (nulls, others): (Vec<&Literal>, Vec<&Literal>) =
                values.iter().partition(|v| **v == Literal::Null);
            qb.push("(");
            if !others.is_empty() {
                qb.push(&format!("{sql} IN ("));
                for (i, v) in others.iter().enumerate() {
                    if i > 0 {
                        qb.push(", ");
                    }
                    push_value(qb, d, &col, v)?;
                }
                qb.push(")");
            }
            if !nulls.is_empty() {
                qb.push(if others.is_empty() { "" } else { " OR " });
                qb.push(&format!("{sql} IS NULL"));
            }
            qb.push(")");
        }
        Expr::Func { func, left, value } => push_function(qb, d, table, *func, left, value)?,
        Expr::Lambda {
            collection,
            all,
            var,
            body,
        } => push_lambda(qb, d, table, collection, *all, var, body)?,
    }
    Ok(())
}

/// `EXISTS` over the collection's rows for `any`; `NOT EXISTS` of a row that fails the body for
/// `all` (true for an empty collection, as OData's `all` is).
fn push_lambda(
    qb: &mut Sql,
    d: Dialect,
    table: &Table,
    collection: &autopilot_odata::Property,
    all: bool,
    var: &str,
    body: &Expr,
) -> Result<(), StoreError> {
    let name = collection.name();
    let coll = table
        .collections
        .iter()
        .find(|c| c.property.eq_ignore_ascii_case(&name))
        .ok_or_else(|| {
            StoreError::InvalidQuery(format!("The property '{name}' cannot be queried here."))
        })?;
    let body = item_body(body, var);
    qb.push(&format!(
        "({}EXISTS (SELECT 1 FROM {} c WHERE c.tenant = {} AND c.{} = {} AND ",
        if all { "NOT " } else { "" },
        coll.table,
        table.tenant,
        coll.owner,
        table.id
    ));
    if all {
        qb.push("NOT coalesce((");
        push_filter(qb, d, &ITEMS, &body)?;
        qb.push(match d {
            Dialect::Sqlite => "), 0)",
            Dialect::Postgres => "), false)",
        });
    } else {
        push_filter(qb, d, &ITEMS, &body)?;
    }
    qb.push("))");
    Ok(())
}

/// A lambda's body with its variable renamed to the item property of [`ITEMS`].
fn item_body(e: &Expr, var: &str) -> Expr {
    let rename = |o: &Operand| {
        let mut o = o.clone();
        if o.property.path.len() == 1 && o.property.path[0] == var {
            o.property = autopilot_odata::Property::new("$it");
        }
        o
    };
    match e {
        Expr::And(a, b) => Expr::And(Box::new(item_body(a, var)), Box::new(item_body(b, var))),
        Expr::Or(a, b) => Expr::Or(Box::new(item_body(a, var)), Box::new(item_body(b, var))),
        Expr::Not(a) => Expr::Not(Box::new(item_body(a, var))),
        Expr::Compare { left, op, right } => Expr::Compare {
            left: rename(left),
            op: *op,
            right: right.clone(),
        },
        Expr::In { left, values } => Expr::In {
            left: rename(left),
            values: values.clone(),
        },
        Expr::Func { func, left, value } => Expr::Func {
            func: *func,
            left: rename(left),
            value: value.clone(),
        },
        Expr::Lambda { .. } => e.clone(),
    }
}

fn push_function(
    qb: &mut Sql,
    d: Dialect,
    table: &Table,
    func: StrFn,
    left: &Operand,
    value: &str,
) -> Result<(), StoreError> {
    let col = table.column(&left.property.name())?;
    if col.kind != Kind::Text {
        return Err(StoreError::InvalidQuery(format!(
            "{} takes a string property; '{}' is not one.",
            func.as_str(),
            col.name
        )));
    }
    let escaped = like_escape(value);
    let pattern = match func {
        StrFn::Contains => format!("%{escaped}%"),
        StrFn::StartsWith => format!("{escaped}%"),
        StrFn::EndsWith => format!("%{escaped}"),
    };
    if d == Dialect::Postgres {
        // `lower(col) LIKE lower(pattern)`: the pg_trgm index on lower(col) serves contains
        // and endswith, the btree one (C collation) startswith.
        qb.push(&format!("(lower({}) LIKE ", col.sql));
        push_text(qb, d, pattern);
        qb.push(" ESCAPE '\\')");
        return Ok(());
    }
    let expr = match left.case {
        None => col.sql.clone(),
        Some(Case::Lower) => format!("lower({})", col.sql),
        Some(Case::Upper) => format!("upper({})", col.sql),
    };
    // A trigram index answers substring searches of three characters or more: the matching
    // (tenant, id) pairs drive the lookup instead of a scan of the tenant's rows.
    if let (StrFn::Contains | StrFn::EndsWith, Some((fts, fts_col)), None) =
        (func, col.substring_index, left.case)
        && value.chars().count() >= 3
    {
        qb.push(&format!(
            "(({}, {}) IN (SELECT tenant, id FROM {fts} WHERE {fts_col} LIKE ",
            table.tenant, table.id
        ));
        qb.bind(pattern);
        // The trigram index serves LIKE only without an ESCAPE clause; use one only when needed.
        qb.push(if escaped.len() == value.len() {
            "))"
        } else {
            " ESCAPE '\\'))"
        });
        return Ok(());
    }
    qb.push(&format!("({expr} LIKE "));
    qb.bind(pattern);
    qb.push(" ESCAPE '\\')");
    Ok(())
}

/// The sort expressions of an order: each key's column (text with NOCASE) and direction.
pub(crate) fn sort_keys(
    d: Dialect,
    table: &Table,
    orderby: &[OrderBy],
) -> Result<Vec<(String, bool, Kind)>, StoreError> {
    orderby
        .iter()
        .map(|key| {
            let col = table.column(&key.property.name())?;
            Ok((operand_sql(d, &col, None), key.descending, col.kind))
        })
        .collect()
}

/// ` ORDER BY k1 [DESC], ..., id`.
pub(crate) fn push_order(qb: &mut Sql, table: &Table, keys: &[(String, bool, Kind)]) {
    qb.push(" ORDER BY ");
    for (sql, desc, _) in keys {
        qb.push(&format!("{sql}{}, ", if *desc { " DESC" } else { "" }));
    }
    qb.push(table.id);
}

/// The extra selected columns that carry the sort-key values (for the next cursor).
pub(crate) fn push_key_columns(qb: &mut Sql, keys: &[(String, bool, Kind)]) {
    for (i, (sql, _, _)) in keys.iter().enumerate() {
        let bare = sql.trim_end_matches(" COLLATE NOCASE");
        qb.push(&format!(", {bare} AS sort_key_{i}"));
    }
}

/// ` AND (rows strictly after the cursor)`: (k1 > v1) OR (k1 = v1 AND k2 > v2) ... OR
/// (all keys equal AND id > last id), with `<` for descending keys.
pub(crate) fn push_after(
    qb: &mut Sql,
    d: Dialect,
    table: &Table,
    keys: &[(String, bool, Kind)],
    cursor: &Cursor,
) -> Result<(), StoreError> {
    if cursor.keys.len() != keys.len() {
        return Err(StoreError::InvalidQuery(
            "The $skiptoken does not belong to this query.".into(),
        ));
    }
    let bind = |qb: &mut Sql, v: &SortValue| match v {
        SortValue::Text(s) => push_text(qb, d, s.clone()),
        SortValue::Int(n) => {
            qb.bind(*n);
        }
    };
    qb.push(" AND (");
    for level in 0..=keys.len() {
        if level > 0 {
            qb.push(" OR ");
        }
        qb.push("(");
        for (i, (sql, _, _)) in keys.iter().take(level).enumerate() {
            qb.push(&format!("{sql} = "));
            bind(qb, &cursor.keys[i]);
            qb.push(" AND ");
        }
        match keys.get(level) {
            Some((sql, desc, _)) => {
                qb.push(&format!("{sql} {} ", if *desc { "<" } else { ">" }));
                bind(qb, &cursor.keys[level]);
            }
            None => {
                qb.push(&format!("{} > ", table.id));
                qb.bind(cursor.id.hyphenated().to_string());
            }
        }
        qb.push(")");
    }
    qb.push(")");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn every_queryable_property_of_each_list_lowers_to_its_column() {
        let tables = [
            crate::devices::DEVICES,
            crate::imports::IMPORTED,
            crate::imports::UPLOADS,
            crate::users::USERS,
            crate::managed::MANAGED,
            crate::enrollment::CONFIGURATIONS,
            crate::identities::IDENTITIES,
        ];
        for t in tables {
            for f in t.entity.fields {
                let col = t.column(f.name);
                assert_eq!(col.is_ok(), f.column.is_some(), "{}", f.name);
                if let (Ok(col), Some(name)) = (col, f.column)
                    && !t.expressions.iter().any(|(p, _)| *p == f.name)
                {
                    assert_eq!(col.sql, format!("{}.{name}", t.alias));
                }
            }
            // What only SQL knows names properties the entity has.
            let extras = t.expressions.iter().map(|(p, _)| *p);
            for p in extras.chain(t.substring_indexes.iter().map(|(p, _)| *p)) {
                assert!(t.column(p).is_ok(), "{p} is not a queryable property");
            }
        }
        let serial = crate::devices::DEVICES.column("SERIALNUMBER").unwrap();
        assert_eq!(serial.sql, "a.serial_number");
        assert!(serial.substring_index.is_some());
        let contacted = crate::devices::DEVICES
            .column("lastContactedDateTime")
            .unwrap();
        assert!(contacted.sql.starts_with("coalesce("));
        assert!(
            crate::imports::IMPORTED
                .column("hardwareIdentifier")
                .is_err()
        );
    }
}
