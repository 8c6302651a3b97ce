//! Query options: names with `$` or `%24` (or, as beta allows, none), values percent-decoded
//! with `+` as space. This server pages lists (`$top`, `$skiptoken`) and counts
//! (`$count`); the other OData options answer a clear 400 until the OData layer serves them.

use base64::Engine as _;
use percent_encoding::percent_decode;
use uuid::Uuid;

use crate::error::GraphError;

/// The largest page a list returns (Intune's).
pub const MAX_PAGE: u32 = 1000;

/// The options of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    pub top: Option<u32>,
    pub skip_token: Option<Uuid>,
    pub count: bool,
}

fn decode(part: &str) -> String {
    let spaced = part.replace('+', " ");
    percent_decode(spaced.as_bytes())
        .decode_utf8_lossy()
        .into_owned()
}

/// OData system query options this server knows by name (without `$`).
const ODATA_OPTIONS: [&str; 11] = [
    "top",
    "skip",
    "skiptoken",
    "count",
    "filter",
    "orderby",
    "select",
    "expand",
    "search",
    "format",
    "apply",
];

/// Parses a raw query string.
pub fn parse(raw: Option<&str>) -> Result<QueryOptions, GraphError> {
    let mut out = QueryOptions::default();
    let mut seen: Vec<&'static str> = Vec::new();
    for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name);
        let value = decode(value);
        let bare = name.trim().strip_prefix('$').unwrap_or(name.trim());
        let Some(option) = ODATA_OPTIONS
            .iter()
            .copied()
            .find(|o| o.eq_ignore_ascii_case(bare))
        else {
            // Not an OData option (e.g. a client's cache-buster): Graph ignores those.
            continue;
        };
        if seen.contains(&option) {
            return Err(GraphError::bad_request(format!(
                "Query option '${option}' was specified more than once, but it must be specified at most once."
            )));
        }
        seen.push(option);
        let value = value.trim();
        match option {
            "top" => {
                let top = value.parse::<u32>().map_err(|_| {
                    GraphError::bad_request(format!(
                        "Invalid value '{value}' for $top query option found. The $top query \
                         option requires a non-negative integer value."
                    ))
                })?;
                out.top = Some(top);
            }
            "skiptoken" => out.skip_token = Some(decode_skip_token(value)?),
            "count" => {
                out.count = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(GraphError::bad_request(format!(
                            "Invalid value '{value}' for $count query option found. Valid \
                             values are 'true' and 'false'."
                        )));
                    }
                }
            }
            other => {
                return Err(GraphError::bad_request(format!(
                    "The query option '${other}' is not supported by this server yet."
                )));
            }
        }
    }
    Ok(out)
}

/// The page size a request asks for.
pub fn page_size(options: &QueryOptions) -> u32 {
    options.top.unwrap_or(MAX_PAGE).min(MAX_PAGE)
}

/// An opaque continuation token: the last key of the page, base64url.
pub fn encode_skip_token(after: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(after.as_bytes())
}

fn decode_skip_token(token: &str) -> Result<Uuid, GraphError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .ok_or_else(|| {
            GraphError::bad_request(
                "The $skiptoken is not valid: use the @odata.nextLink of the previous page as it is.",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_dollar_percent_or_nothing() {
        let token = encode_skip_token(Uuid::nil());
        for q in [
            format!("$top=5&$skiptoken={token}"),
            format!("%24top=5&%24skiptoken={token}"),
            format!("top=5&skipToken={token}&cachebuster=1"),
        ] {
            let o = parse(Some(&q)).unwrap();
            assert_eq!(o.top, Some(5), "{q}");
            assert_eq!(o.skip_token, Some(Uuid::nil()), "{q}");
        }
        assert!(parse(Some("$count=true")).unwrap().count);
        assert_eq!(page_size(&parse(Some("$top=5000")).unwrap()), MAX_PAGE);
        assert_eq!(page_size(&parse(None).unwrap()), MAX_PAGE);
    }

    #[test]
    fn bad_options_are_400() {
        for q in [
            "$top=-1",
            "$top=x",
            "$top=1&top=2",
            "$skiptoken=@@",
            "$count=maybe",
            "$filter=a+eq+1",
        ] {
            let e = parse(Some(q)).unwrap_err();
            assert_eq!(e.status, 400, "{q}");
        }
    }
}
