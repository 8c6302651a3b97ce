//! Request bodies as Graph reads them: JSON, plus what real Autopilot scripts send and Graph
//! accepts (unquoted member names such as `{ displayName: "X" }`, trailing commas, single-quoted
//! strings, comments). Strict JSON takes the fast path through `serde_json`; only a body that
//! fails it is read again by this parser, so error positions come from here.

use serde_json::{Map, Number, Value};

/// Nesting deeper than this is refused (no request here needs more than four levels).
const MAX_DEPTH: usize = 64;

/// Where and why a body is not (lenient) JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} at line {line}, column {column}")]
pub struct JsonError {
    pub problem: String,
    pub line: usize,
    pub column: usize,
}

/// Parses a request body.
pub fn parse(body: &[u8]) -> Result<Value, JsonError> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut p = Parser { s: body, i: 0 };
    // A UTF-8 byte-order mark is tolerated, as Windows tools write one.
    if p.s.starts_with(b"\xEF\xBB\xBF") {
        p.i = 3;
    }
    let value = p.value(0)?;
    p.skip_space()?;
    if p.i < p.s.len() {
        return Err(p.error("unexpected data after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn error(&self, problem: &str) -> JsonError {
        let upto = self.s.get(..self.i).unwrap_or(self.s);
        let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(upto.get(line_start..).unwrap_or_default())
            .chars()
            .count()
            + 1;
        JsonError {
            problem: problem.to_owned(),
            line,
            column,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_space(&mut self) -> Result<(), JsonError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.i += 1,
                Some(b'/') => match self.s.get(self.i + 1) {
                    Some(b'/') => {
                        while !matches!(self.peek(), None | Some(b'\n')) {
                            self.i += 1;
                        }
                    }
                    Some(b'*') => {
                        let start = self.i;
                        self.i += 2;
                        loop {
                            match self.peek() {
                                None => {
                                    self.i = start;
                                    return Err(self.error("unterminated comment"));
                                }
                                Some(b'*') if self.s.get(self.i + 1) == Some(&b'/') => {
                                    self.i += 2;
                                    break;
                                }
                                Some(_) => self.i += 1,
                            }
                        }
                    }
                    _ => return Ok(()),
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.skip_space()?;
        match self.peek() {
            None => Err(self.error("unexpected end of input, expected a value")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(q @ (b'"' | b'\'')) => Ok(Value::String(self.string(q)?)),
            Some(b'-' | b'+' | b'0'..=b'9' | b'.') => self.number(),
            Some(c) if is_ident_start(c) => {
                let start = self.i;
                let word = self.ident();
                match word {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "null" => Ok(Value::Null),
                    _ => {
                        self.i = start;
                        Err(self.error(
                            "expected a value (string, number, object, array, true, false or null)",
                        ))
                    }
                }
            }
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.i += 1;
        let mut map = Map::new();
        loop {
            self.skip_space()?;
            match self.peek() {
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(map));
                }
                None => return Err(self.error("unexpected end of input inside an object")),
                _ => {}
            }
            let key = match self.peek() {
                Some(q @ (b'"' | b'\'')) => self.string(q)?,
                Some(c) if is_ident_start(c) => self.ident().to_owned(),
                _ => return Err(self.error("expected a member name")),
            };
            self.skip_space()?;
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':' after a member name"));
            }
            self.i += 1;
            let value = self.value(depth + 1)?;
            map.insert(key, value);
            self.skip_space()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                None => return Err(self.error("unexpected end of input inside an object")),
                Some(_) => return Err(self.error("expected ',' or '}' in an object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space()?;
            match self.peek() {
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                None => return Err(self.error("unexpected end of input inside an array")),
                _ => {}
            }
            items.push(self.value(depth + 1)?);
            self.skip_space()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                None => return Err(self.error("unexpected end of input inside an array")),
                Some(_) => return Err(self.error("expected ',' or ']' in an array")),
            }
        }
    }

    fn ident(&mut self) -> &str {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| is_ident_start(c) || c.is_ascii_digit())
        {
            self.i += 1;
        }
        // Identifier bytes are ASCII.
        std::str::from_utf8(self.s.get(start..self.i).unwrap_or_default()).unwrap_or_default()
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'+') {
            self.i += 1;
        }
        while self
            .peek()
            .is_some_and(|c| matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
        {
            self.i += 1;
        }
        let text = std::str::from_utf8(self.s.get(start..self.i).unwrap_or_default())
            .unwrap_or_default()
            .trim_start_matches('+');
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Value::Number(n.into()));
        }
        if let Ok(n) = text.parse::<u64>() {
            return Ok(Value::Number(n.into()));
        }
        match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Ok(Value::Number(n)),
            None => {
                self.i = start;
                Err(self.error("invalid number"))
            }
        }
    }

    fn string(&mut self, quote: u8) -> Result<String, JsonError> {
        let start = self.i;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                self.i = start;
                return Err(self.error("unterminated string"));
            };
            self.i += 1;
            match c {
                _ if c == quote => break,
                b'\\' => {
                    let Some(e) = self.peek() else {
                        self.i = start;
                        return Err(self.error("unterminated string"));
                    };
                    self.i += 1;
                    match e {
                        b'"' | b'\'' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let ch = self.unicode_escape()?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            self.i -= 2;
                            return Err(self.error("invalid escape in a string"));
                        }
                    }
                }
                b'\n' => {
                    self.i -= 1;
                    return Err(self.error("line break inside a string"));
                }
                _ => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| {
            self.i = start;
            self.error("string is not valid UTF-8")
        })
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.s.get(self.i..self.i + 4).unwrap_or_default();
        let text = std::str::from_utf8(digits).unwrap_or_default();
        match (text.len(), u32::from_str_radix(text, 16)) {
            (4, Ok(v)) => {
                self.i += 4;
                Ok(v)
            }
            _ => Err(self.error("invalid \\u escape")),
        }
    }

    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                return Err(self.error("unpaired surrogate in a \\u escape"));
            }
            self.i += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("unpaired surrogate in a \\u escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c == b'@'
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_json_passes_through() {
        assert_eq!(
            parse(br#"{"a":[1,2.5,"x",null,true]}"#).unwrap(),
            json!({"a":[1,2.5,"x",null,true]})
        );
    }

    #[test]
    fn what_powershell_scripts_send_is_accepted() {
        let body = b"{ displayName: \"LAB-01\", groupTag: 'Kiosk', }";
        assert_eq!(
            parse(body).unwrap(),
            json!({"displayName": "LAB-01", "groupTag": "Kiosk"})
        );
        let body = b"\xEF\xBB\xBF{\r\n  \"@odata.type\": \"#x\",\r\n  \"list\": [1, 2, ],\r\n}";
        assert_eq!(
            parse(body).unwrap(),
            json!({"@odata.type": "#x", "list": [1, 2]})
        );
        let body = b"/* c */ {\"a\": \"\\u00e9\\ud83d\\ude00\" // end\n}";
        assert_eq!(parse(body).unwrap(), json!({"a": "\u{e9}\u{1F600}"}));
    }

    #[test]
    fn errors_say_where() {
        let err = parse(b"{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!((err.line, err.column), (3, 7), "{err}");
        assert!(err.problem.contains("':'"));
        for bad in [
            &b""[..],
            b"{",
            b"[1,",
            b"{\"a\":tru}",
            b"\"abc",
            b"{} x",
            b"{\"a\":\"\\x\"}",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(deep.as_bytes()).unwrap_err().problem.contains("deep"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn agrees_with_serde_on_what_serde_prints(s in "\\PC{0,40}", n in proptest::prelude::any::<i64>()) {
            let v = json!({"s": s, "n": n, "l": [s, n]});
            let text = serde_json::to_string_pretty(&v).unwrap();
            // Force the lenient path by adding a trailing comma.
            let lenient = format!("{},}}", text.trim_end_matches('}').trim_end());
            proptest::prop_assert_eq!(parse(lenient.as_bytes()).unwrap(), v);
        }
    }
}
