//! The rule's syntax tree, its parser (recursive descent over [`crate::lex`] tokens) and its
//! printer, which writes a form the parser reads back to the same tree.

use std::fmt;

use crate::lex::{Tok, Token, tokens};
use crate::{Kind, MAX_DEPTH, MAX_LENGTH, Prop, RuleError};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    StartsWith,
    NotStartsWith,
    Contains,
    NotContains,
    EndsWith,
    NotEndsWith,
    Match,
    NotMatch,
    In,
    NotIn,
}

const OPS: &[(&str, Op)] = &[
    ("eq", Op::Eq),
    ("ne", Op::Ne),
    ("startsWith", Op::StartsWith),
    ("notStartsWith", Op::NotStartsWith),
    ("contains", Op::Contains),
    ("notContains", Op::NotContains),
    ("endsWith", Op::EndsWith),
    ("notEndsWith", Op::NotEndsWith),
    ("match", Op::Match),
    ("notMatch", Op::NotMatch),
    ("in", Op::In),
    ("notIn", Op::NotIn),
];

impl Op {
    pub fn as_str(self) -> &'static str {
        OPS.iter().find(|(_, o)| *o == self).map_or("", |(n, _)| n)
    }

    fn from_word(word: &str) -> Option<Op> {
        OPS.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(word))
            .map(|(_, o)| *o)
    }

    /// The operator it negates, for the `-not...` forms.
    pub fn positive(self) -> (Op, bool) {
        match self {
            Op::Ne => (Op::Eq, true),
            Op::NotStartsWith => (Op::StartsWith, true),
            Op::NotContains => (Op::Contains, true),
            Op::NotEndsWith => (Op::EndsWith, true),
            Op::NotMatch => (Op::Match, true),
            Op::NotIn => (Op::In, true),
            other => (other, false),
        }
    }
}

/// A regular expression of `-match`, compiled once (case-insensitive, as Entra matches).
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    pub regex: regex_lite::Regex,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Bool(bool),
    Null,
    List(Vec<String>),
    Pattern(Pattern),
}

/// A rule's tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Cmp {
        prop: Prop,
        op: Op,
        value: Value,
    },
    /// `prop -any (_ op value)`, or `-all` when `all`.
    Each {
        prop: Prop,
        all: bool,
        op: Op,
        value: Value,
    },
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Calls `f` with every property the expression reads.
    pub(crate) fn visit(&self, f: &mut impl FnMut(Prop)) {
        match self {
            Expr::Cmp { prop, .. } | Expr::Each { prop, .. } => f(*prop),
            Expr::Not(e) => e.visit(f),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.visit(f);
                b.visit(f);
            }
        }
    }
}

fn quote(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        if matches!(c, '"' | '`' | '\\' | '\u{201c}' | '\u{201d}') {
            f.write_str("`")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => quote(f, s),
            Value::Pattern(p) => quote(f, &p.text),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Null => f.write_str("null"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, s) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    quote(f, s)?;
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Cmp { prop, op, value } => {
                write!(f, "(device.{} -{} {value})", prop.name(), op.as_str())
            }
            Expr::Each {
                prop,
                all,
                op,
                value,
            } => write!(
                f,
                "(device.{} -{} (_ -{} {value}))",
                prop.name(),
                if *all { "all" } else { "any" },
                op.as_str()
            ),
            Expr::Not(e) => write!(f, "-not {e}"),
            Expr::And(a, b) => write!(f, "({a} -and {b})"),
            Expr::Or(a, b) => write!(f, "({a} -or {b})"),
        }
    }
}

/// Parses and checks a whole rule.
pub(crate) fn rule(text: &str) -> Result<Expr, RuleError> {
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return Err(RuleError {
            at: None,
            message: format!(
                "the rule is {length} characters long; a membership rule may have at most {MAX_LENGTH}"
            ),
        });
    }
    let toks = tokens(text)?;
    if toks.is_empty() {
        return Err(RuleError {
            at: None,
            message: "the rule is empty".into(),
        });
    }
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        end: length,
        depth: 0,
    };
    let expr = p.or()?;
    match p.peek() {
        None => Ok(expr),
        Some(t) => Err(RuleError::at(
            t.at,
            "expected -and, -or or the end of the rule",
        )),
    }
}

struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    /// The position just past the text, for errors at its end.
    end: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.at)
    }

    fn next(&mut self) -> Option<&Token> {
        let t = self.toks.get(self.pos);
        self.pos += 1;
        t
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Op(w), .. }) if w.eq_ignore_ascii_case(word))
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), RuleError> {
        let at = self.here();
        match self.next() {
            Some(t) if t.tok == *tok => Ok(()),
            _ => Err(RuleError::at(at, format!("expected {what}"))),
        }
    }

    fn nest(&mut self) -> Result<(), RuleError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(RuleError::at(
                self.here(),
                format!("the rule nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.and()?;
        while self.is_word("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.unary()?;
        while self.is_word("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        if self.is_word("not") {
            self.pos += 1;
            self.nest()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if matches!(self.peek(), Some(Token { tok: Tok::Open, .. })) {
            self.pos += 1;
            self.nest()?;
            let inner = self.or()?;
            self.expect(&Tok::Close, "')'")?;
            self.depth -= 1;
            return Ok(inner);
        }
        self.comparison()
    }

    fn property(&mut self) -> Result<Prop, RuleError> {
        let at = self.here();
        let Some(Token {
            tok: Tok::Name(name),
            ..
        }) = self.next()
        else {
            return Err(RuleError::at(
                at,
                "expected a property such as device.displayName",
            ));
        };
        let Some((object, field)) = name.split_once('.') else {
            return Err(RuleError::at(
                at,
                format!("'{name}' is not a property: write device.{name}"),
            ));
        };
        if !object.eq_ignore_ascii_case("device") {
            return Err(RuleError::at(
                at,
                format!(
                    "'{name}': a device group's rule can use device properties only (device.<property>)"
                ),
            ));
        }
        Prop::from_name(field).ok_or_else(|| {
            RuleError::at(
                at,
                format!("'{field}' is not a device property that membership rules support"),
            )
        })
    }

    fn operator(&mut self) -> Result<Op, RuleError> {
        let at = self.here();
        match self.next() {
            Some(Token {
                tok: Tok::Op(word), ..
            }) => Op::from_word(word)
                .ok_or_else(|| RuleError::at(at, format!("'-{word}' is not a supported operator"))),
            _ => Err(RuleError::at(at, "expected an operator such as -eq")),
        }
    }

    fn value(&mut self, kind: Kind, op: Op) -> Result<Value, RuleError> {
        let at = self.here();
        let value = match self.next().map(|t| &t.tok) {
            Some(Tok::Str(s)) => Value::Str(s.clone()),
            Some(Tok::Name(n)) if n.eq_ignore_ascii_case("true") => Value::Bool(true),
            Some(Tok::Name(n)) if n.eq_ignore_ascii_case("false") => Value::Bool(false),
            Some(Tok::Name(n)) if n.eq_ignore_ascii_case("null") => Value::Null,
            Some(Tok::OpenList) => self.list()?,
            _ => {
                return Err(RuleError::at(
                    at,
                    "expected a value: a string in double quotes, true, false, null or a [list]",
                ));
            }
        };
        check_value(value, kind, op, at)
    }

    fn list(&mut self) -> Result<Value, RuleError> {
        let mut items = Vec::new();
        loop {
            let at = self.here();
            match self.next().map(|t| &t.tok) {
                Some(Tok::Str(s)) => items.push(s.clone()),
                _ => return Err(RuleError::at(at, "expected a string in the list")),
            }
            let at = self.here();
            match self.next().map(|t| &t.tok) {
                Some(Tok::Comma) => {}
                Some(Tok::CloseList) => return Ok(Value::List(items)),
                _ => return Err(RuleError::at(at, "expected ',' or ']'")),
            }
        }
    }

    fn comparison(&mut self) -> Result<Expr, RuleError> {
        let at = self.here();
        let prop = self.property()?;
        if self.is_word("any") || self.is_word("all") {
            let all = self.is_word("all");
            self.pos += 1;
            if prop.kind() != Kind::Collection {
                return Err(RuleError::at(
                    at,
                    format!(
                        "-any and -all take a multi-valued property; device.{} is not one",
                        prop.name()
                    ),
                ));
            }
            // Both `-any (_ -eq "x")` and `-any _ -eq "x"` are written (Entra's own pages use
            // each).
            let parenthesised = matches!(self.peek(), Some(Token { tok: Tok::Open, .. }));
            if parenthesised {
                self.pos += 1;
            }
            let under = self.here();
            match self.next().map(|t| &t.tok) {
                Some(Tok::Name(n)) if n == "_" => {}
                _ => {
                    return Err(RuleError::at(
                        under,
                        "expected '_', the item of the collection",
                    ));
                }
            }
            let op = self.operator()?;
            let value = self.value(Kind::Text, op)?;
            if parenthesised {
                self.expect(&Tok::Close, "')'")?;
            }
            return Ok(Expr::Each {
                prop,
                all,
                op,
                value,
            });
        }
        if prop.kind() == Kind::Collection {
            return Err(RuleError::at(
                at,
                format!(
                    "device.{} has several values: compare them with -any or -all, as in (device.{} -any (_ -eq \"...\"))",
                    prop.name(),
                    prop.name()
                ),
            ));
        }
        let op = self.operator()?;
        let value = self.value(prop.kind(), op)?;
        Ok(Expr::Cmp { prop, op, value })
    }
}

/// Checks a value against its property's kind and its operator, compiling patterns.
fn check_value(value: Value, kind: Kind, op: Op, at: usize) -> Result<Value, RuleError> {
    let (positive, _) = op.positive();
    match (positive, value) {
        (Op::In, Value::List(items)) => Ok(Value::List(items)),
        (Op::In, _) => Err(RuleError::at(
            at,
            "-in and -notIn take a list of strings, as in [\"a\", \"b\"]",
        )),
        (_, Value::List(_)) => Err(RuleError::at(at, "a [list] is only for -in and -notIn")),
        (Op::Match, Value::Str(text)) => {
            let regex = regex_lite::RegexBuilder::new(&text)
                .case_insensitive(true)
                .build()
                .map_err(|e| {
                    RuleError::at(at, format!("the regular expression is not valid: {e}"))
                })?;
            Ok(Value::Pattern(Pattern { text, regex }))
        }
        (Op::Eq, Value::Null) => Ok(Value::Null),
        (_, Value::Null) => Err(RuleError::at(at, "null compares only with -eq and -ne")),
        (Op::Eq, Value::Bool(b)) if kind == Kind::Bool => Ok(Value::Bool(b)),
        (_, Value::Bool(_)) => Err(RuleError::at(
            at,
            "true and false compare only with -eq and -ne, on a true/false property",
        )),
        (_, Value::Str(_)) if kind == Kind::Bool => Err(RuleError::at(
            at,
            "this property is true or false: compare it with true or false",
        )),
        (_, Value::Str(s)) => Ok(Value::Str(s)),
        (_, Value::Pattern(p)) => Ok(Value::Pattern(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> RuleError {
        rule(text).unwrap_err()
    }

    #[test]
    fn autopilot_rules_parse() {
        for text in [
            r#"(device.devicePhysicalIDs -any (_ -eq "[OrderID]:Lab"))"#,
            r#"(device.devicePhysicalIds -any (_ -startsWith "[ZTDId]"))"#,
            r#"(device.devicePhysicalIds -any (_ -contains "[ZTDId]"))"#,
            r#"(device.devicePhysicalIds -any _ -eq "[PurchaseOrderId]:76222342342")"#,
            r#"device.enrollmentProfileName -eq "Kiosk" -and device.accountEnabled -eq true"#,
            r#"(device.deviceModel -in ["Laptop 7", "Laptop 8"]) or not (device.displayName -match "^LAB-[0-9]+$")"#,
        ] {
            assert!(rule(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let e = rule(r#"device.deviceModel -eq "a" -or device.deviceModel -eq "b" -and device.displayName -eq "c""#)
            .unwrap();
        assert!(
            matches!(e, Expr::Or(_, ref b) if matches!(**b, Expr::And(..))),
            "{e}"
        );
    }

    #[test]
    fn mistakes_are_named_with_their_position() {
        assert_eq!(err(r#"device.model -eq "x""#).at, Some(0));
        assert!(
            err(r#"user.department -eq "x""#)
                .message
                .contains("device properties only")
        );
        assert!(
            err(r#"device.devicePhysicalIds -eq "x""#)
                .message
                .contains("-any or -all")
        );
        assert!(
            err(r#"device.displayName -any (_ -eq "x")"#)
                .message
                .contains("multi-valued")
        );
        assert_eq!(err(r#"device.displayName -equals "x""#).at, Some(19));
        assert!(
            err(r#"device.displayName -eq"#)
                .message
                .contains("expected a value")
        );
        assert!(
            err(r#"device.displayName -match "(""#)
                .message
                .contains("regular expression")
        );
        assert!(
            err(r#"device.displayName -in "x""#)
                .message
                .contains("list")
        );
        assert!(
            err(r#"device.accountEnabled -eq "yes""#)
                .message
                .contains("true or false")
        );
        assert!(
            err(r#"(device.displayName -eq "x""#)
                .message
                .contains("')'")
        );
        assert!(
            err(r#"device.displayName -eq "x" device.deviceModel"#)
                .message
                .contains("-and")
        );
        assert!(err("").message.contains("empty"));
        let long = format!(r#"device.displayName -eq "{}""#, "x".repeat(MAX_LENGTH));
        assert!(err(&long).message.contains("at most 3072"));
        let deep = format!(
            "{}device.displayName -eq \"x\"{}",
            "(".repeat(40),
            ")".repeat(40)
        );
        assert!(err(&deep).message.contains("deeper"));
    }

    #[test]
    fn printing_reads_back_to_the_same_tree() {
        let text = r#"-not (device.deviceModel -in ["a", "b`"c"]) -and (device.devicePhysicalIds -all (_ -notStartsWith "[x]")) -or device.extensionAttribute15 -eq null"#;
        let e = rule(text).unwrap();
        assert_eq!(rule(&e.to_string()).unwrap(), e, "{e}");
    }
}
