//! The rule text as tokens. Operators are words that start with `-` (`-eq`, `-startsWith`,
//! `-and`, ...; `and`, `or` and `not` are also taken without the dash), strings are in double
//! quotes with a backtick escaping the next character (Entra's rule syntax, after PowerShell),
//! and everything else is a name (`device.deviceModel`, `_`, `true`, `null`).

use crate::RuleError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Open,
    Close,
    OpenList,
    CloseList,
    Comma,
    Str(String),
    /// An operator word, without its dash, as written.
    Op(String),
    Name(String),
}

/// A token and the character position it starts at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub at: usize,
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '$')
}

/// Splits a rule into tokens.
pub(crate) fn tokens(text: &str) -> Result<Vec<Token>, RuleError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i;
        let simple = match c {
            '(' => Some(Tok::Open),
            ')' => Some(Tok::Close),
            '[' => Some(Tok::OpenList),
            ']' => Some(Tok::CloseList),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(tok) = simple {
            out.push(Token { tok, at });
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '"' || c == '\u{201c}' || c == '\u{201d}' {
            let (value, next) = string(&chars, i)?;
            out.push(Token {
                tok: Tok::Str(value),
                at,
            });
            i = next;
            continue;
        }
        if c == '\'' {
            let (value, next) = single_quoted(&chars, i)?;
            out.push(Token {
                tok: Tok::Str(value),
                at,
            });
            i = next;
            continue;
        }
        if c == '-' || c == '\u{2013}' {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && chars[end].is_ascii_alphabetic() {
                end += 1;
            }
            if end == start {
                return Err(RuleError::at(at, "'-' must begin an operator such as -eq"));
            }
            out.push(Token {
                tok: Tok::Op(chars[start..end].iter().collect()),
                at,
            });
            i = end;
            continue;
        }
        if is_name_char(c) {
            let mut end = i;
            while end < chars.len() && is_name_char(chars[end]) {
                end += 1;
            }
            let word: String = chars[i..end].iter().collect();
            let tok = if ["and", "or", "not"]
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&word))
            {
                Tok::Op(word)
            } else {
                Tok::Name(word)
            };
            out.push(Token { tok, at });
            i = end;
            continue;
        }
        return Err(RuleError::at(at, format!("unexpected character {c:?}")));
    }
    Ok(out)
}

/// A single-quoted string from `start` (`''` is a quote inside it), as `-in` lists are
/// sometimes written.
fn single_quoted(chars: &[char], start: usize) -> Result<(String, usize), RuleError> {
    let mut value = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                value.push('\'');
                i += 2;
                continue;
            }
            return Ok((value, i + 1));
        }
        value.push(chars[i]);
        i += 1;
    }
    Err(RuleError::at(start, "the string is not closed with \"'\""))
}

/// A double-quoted string from `start`; returns its value and the position after it.
/// A backtick escapes the character after it (`` `" `` is a quote inside the string), and so
/// does a backslash before a quote.
fn string(chars: &[char], start: usize) -> Result<(String, usize), RuleError> {
    let mut value = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '`' if i + 1 < chars.len() => {
                value.push(chars[i + 1]);
                i += 2;
            }
            // Entra's current page escapes a quote with a backslash; other backslashes stay
            // (they are a regular expression's in `-match`).
            '\\' if chars.get(i + 1) == Some(&'"') => {
                value.push('"');
                i += 2;
            }
            '"' | '\u{201c}' | '\u{201d}' => return Ok((value, i + 1)),
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    Err(RuleError::at(start, "the string is not closed with '\"'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        tokens(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn rules_split_into_tokens() {
        assert_eq!(
            toks(r#"(device.devicePhysicalIds -any (_ -eq "[OrderID]:Lab"))"#),
            vec![
                Tok::Open,
                Tok::Name("device.devicePhysicalIds".into()),
                Tok::Op("any".into()),
                Tok::Open,
                Tok::Name("_".into()),
                Tok::Op("eq".into()),
                Tok::Str("[OrderID]:Lab".into()),
                Tok::Close,
                Tok::Close,
            ]
        );
        assert_eq!(
            toks(r#"device.displayName -in ["a", "b`"c"] and not x"#),
            vec![
                Tok::Name("device.displayName".into()),
                Tok::Op("in".into()),
                Tok::OpenList,
                Tok::Str("a".into()),
                Tok::Comma,
                Tok::Str("b\"c".into()),
                Tok::CloseList,
                Tok::Op("and".into()),
                Tok::Op("not".into()),
                Tok::Name("x".into()),
            ]
        );
    }

    #[test]
    fn bad_text_is_refused_with_its_position() {
        assert_eq!(tokens(r#"a -eq "open"#).unwrap_err().at, Some(6));
        assert_eq!(tokens("a - eq").unwrap_err().at, Some(2));
        assert_eq!(tokens("a -eq 'x").unwrap_err().at, Some(6));
        assert_eq!(tokens("'it''s'").unwrap()[0].tok, Tok::Str("it's".into()));
        assert_eq!(
            tokens(r#""a\"b\d""#).unwrap()[0].tok,
            Tok::Str(r#"a"b\d"#.into())
        );
    }
}
