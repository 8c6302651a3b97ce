//! `$search` on directory collections, as Graph reads it: clauses `"property:text"` in double
//! quotes (`\"` and `\\` escaped inside), joined by `AND` and `OR` (upper case, `AND` binding
//! tighter) with parentheses. `displayName` and `description` are tokenized: a clause matches a
//! word that starts with the text. Any other filterable string property matches as
//! `startswith`. The search becomes an ordinary filter expression, so the store needs nothing
//! of its own for it.

use crate::ast::{Expr, Operand, Property, StrFn};
use crate::entity::{EntityType, FieldType};
use crate::error::{ErrorKind, QueryError};

/// Characters after which a word starts in a tokenized property.
const WORD_BREAKS: [char; 4] = [' ', '-', '_', '.'];

#[derive(Debug, PartialEq)]
enum Tok {
    Clause(String, usize),
    And,
    Or,
    Open,
    Close,
}

fn error(message: String) -> QueryError {
    QueryError::new(ErrorKind::Syntax, message)
}

fn tokens(text: &str) -> Result<Vec<Tok>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            ' ' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            '"' => {
                let start = i;
                let mut clause = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(error(format!(
                                "Syntax error in $search at position {start}: the clause is not closed with '\"'."
                            )));
                        }
                        Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                            clause.push(chars[i + 1]);
                            i += 2;
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            clause.push(*c);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Clause(clause, start));
            }
            _ => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_alphabetic() {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.as_str() {
                    "AND" => out.push(Tok::And),
                    "OR" => out.push(Tok::Or),
                    _ => {
                        return Err(error(format!(
                            "Syntax error in $search at position {start}: expected a clause in double quotes, as in \"displayName:text\", or AND, OR."
                        )));
                    }
                }
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    entity: &'a EntityType,
    depth: usize,
}

impl Parser<'_> {
    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.toks.get(self.pos) == Some(&Tok::Or) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.primary()?;
        while self.toks.get(self.pos) == Some(&Tok::And) {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        match self.toks.get(self.pos) {
            Some(Tok::Open) => {
                self.pos += 1;
                self.depth += 1;
                if self.depth > crate::parse::MAX_DEPTH {
                    return Err(error("The $search is nested too deeply.".into()));
                }
                let inner = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::Close) {
                    return Err(error("Syntax error in $search: expected ')'.".into()));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some(Tok::Clause(clause, at)) => {
                self.pos += 1;
                clause_expr(self.entity, clause, *at)
            }
            _ => Err(error(
                "Syntax error in $search: expected a clause in double quotes, as in \"displayName:text\"."
                    .into(),
            )),
        }
    }
}

/// One clause as a filter.
fn clause_expr(entity: &EntityType, clause: &str, at: usize) -> Result<Expr, QueryError> {
    let Some((name, text)) = clause.split_once(':') else {
        return Err(error(format!(
            "Syntax error in $search at position {at}: a clause names its property, as in \"displayName:{clause}\"."
        )));
    };
    let field = entity
        .field(name.trim())
        .filter(|f| f.filterable && f.ty == FieldType::String)
        .ok_or_else(|| {
            QueryError::new(
                ErrorKind::UnknownProperty,
                format!(
                    "The property '{}' cannot be searched on type 'microsoft.graph.{}'.",
                    name.trim(),
                    entity.name
                ),
            )
        })?;
    let func = |func, value: String| Expr::Func {
        func,
        left: Operand {
            property: Property::new(field.name),
            case: None,
        },
        value,
    };
    let text = text.trim();
    let mut expr = func(StrFn::StartsWith, text.to_owned());
    if matches!(field.name, "displayName" | "description") {
        for c in WORD_BREAKS {
            let inner = func(StrFn::Contains, format!("{c}{text}"));
            expr = Expr::Or(Box::new(expr), Box::new(inner));
        }
    }
    Ok(expr)
}

/// The filter a `$search` value stands for on `entity`.
pub fn search_filter(text: &str, entity: &EntityType) -> Result<Expr, QueryError> {
    let toks = tokens(text)?;
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        entity,
        depth: 0,
    };
    let expr = p.or()?;
    if p.pos != toks.len() {
        return Err(error(
            "Syntax error in $search: expected AND, OR or the end of the search.".into(),
        ));
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::DIRECTORY_DEVICE;

    #[test]
    fn clauses_become_filters() {
        let e = search_filter("\"deviceId:8d9f\"", &DIRECTORY_DEVICE).unwrap();
        assert_eq!(e.to_string(), "startswith(deviceId, '8d9f')");
        let e = search_filter(
            "\"displayName:lab\" AND (\"deviceId:1\" OR \"deviceId:2\")",
            &DIRECTORY_DEVICE,
        )
        .unwrap();
        let text = e.to_string();
        assert!(
            text.starts_with("(startswith(displayName, 'lab') or contains(displayName, ' lab')"),
            "{text}"
        );
        assert!(
            text.ends_with("and (startswith(deviceId, '1') or startswith(deviceId, '2'))"),
            "{text}"
        );
        let e = search_filter(r#""displayName:a \"b\"""#, &DIRECTORY_DEVICE).unwrap();
        assert!(e.to_string().contains("'a \"b\"'"), "{e}");
    }

    #[test]
    fn bad_searches_are_refused() {
        for bad in [
            "deviceId:1",
            "\"deviceId:1",
            "\"deviceId\"",
            "\"serialNumber:1\"",
            "\"physicalIds:1\"",
            "\"deviceId:1\" and \"deviceId:2\"",
            "(\"deviceId:1\"",
            "\"deviceId:1\" \"deviceId:2\"",
            "",
        ] {
            assert!(search_filter(bad, &DIRECTORY_DEVICE).is_err(), "{bad}");
        }
    }
}
