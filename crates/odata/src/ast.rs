//! The typed query: what the parsers produce and the printers write back.

use std::fmt;

/// A property path: `serialNumber`, or `state/deviceImportStatus` into a complex property.
#[derive(Debug, Clone, Eq)]
pub struct Property {
    pub path: Vec<String>,
    /// Byte offset in the option's text (for messages); not part of equality.
    pub at: usize,
}

impl PartialEq for Property {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl Property {
    pub fn new(path: &str) -> Self {
        Property {
            path: path.split('/').map(str::to_owned).collect(),
            at: 0,
        }
    }

    /// The path as written, `/`-separated.
    pub fn name(&self) -> String {
        self.path.join("/")
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// `tolower` / `toupper` around the left side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Lower,
    Upper,
}

/// The left side of a comparison or function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operand {
    pub property: Property,
    pub case: Option<Case>,
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.case {
            None => write!(f, "{}", self.property),
            Some(Case::Lower) => write!(f, "tolower({})", self.property),
            Some(Case::Upper) => write!(f, "toupper({})", self.property),
        }
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    /// A decimal number, kept as written (normalised: no leading `+`).
    Decimal(String),
    String(String),
    /// A GUID, lower case.
    Guid(String),
    /// A DateTimeOffset, as written (RFC 3339).
    DateTime(String),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Decimal(d) => f.write_str(d),
            Literal::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Literal::Guid(g) => f.write_str(g),
            Literal::DateTime(d) => f.write_str(d),
        }
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CmpOp {
    pub const ALL: [CmpOp; 6] = [
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Gt,
        CmpOp::Ge,
        CmpOp::Lt,
        CmpOp::Le,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
        }
    }
}

/// String functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrFn {
    Contains,
    StartsWith,
    EndsWith,
}

impl StrFn {
    pub fn as_str(self) -> &'static str {
        match self {
            StrFn::Contains => "contains",
            StrFn::StartsWith => "startswith",
            StrFn::EndsWith => "endswith",
        }
    }
}

/// A `$filter` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Compare {
        left: Operand,
        op: CmpOp,
        right: Literal,
    },
    In {
        left: Operand,
        values: Vec<Literal>,
    },
    Func {
        func: StrFn,
        left: Operand,
        value: String,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `collection/any(v:body)` (or `all` when `all`): `body` names the item as the property
    /// `v`.
    Lambda {
        collection: Property,
        all: bool,
        var: String,
        body: Box<Expr>,
    },
}

impl Expr {
    /// Operator precedence when printing: or < and < not/primary.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(..) => 1,
            Expr::And(..) => 2,
            _ => 3,
        }
    }

    fn write_operand(&self, child: &Expr, min: u8, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if child.precedence() < min {
            write!(f, "({child})")
        } else {
            write!(f, "{child}")
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Compare { left, op, right } => write!(f, "{left} {} {right}", op.as_str()),
            Expr::In { left, values } => {
                write!(f, "{left} in (")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str(")")
            }
            Expr::Func { func, left, value } => write!(
                f,
                "{}({left}, {})",
                func.as_str(),
                Literal::String(value.clone())
            ),
            // Left-associative: the right side needs parentheses at equal precedence.
            Expr::And(a, b) => {
                self.write_operand(a, 2, f)?;
                f.write_str(" and ")?;
                self.write_operand(b, 3, f)
            }
            Expr::Or(a, b) => {
                self.write_operand(a, 1, f)?;
                f.write_str(" or ")?;
                self.write_operand(b, 2, f)
            }
            Expr::Not(e) => {
                f.write_str("not ")?;
                self.write_operand(e, 3, f)
            }
            Expr::Lambda {
                collection,
                all,
                var,
                body,
            } => write!(
                f,
                "{collection}/{}({var}:{body})",
                if *all { "all" } else { "any" }
            ),
        }
    }
}

/// One `$orderby` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    pub property: Property,
    pub descending: bool,
}

impl fmt::Display for OrderBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.property,
            if self.descending { "desc" } else { "asc" }
        )
    }
}
