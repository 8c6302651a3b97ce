//! Matching rules against devices and requests: text patterns (exact, glob, regular
//! expression; case-insensitive as Intune compares serials), places in an import, and shares of
//! devices chosen by a seed and the serial, so that a rerun decides every device the same way.

use sha2::{Digest, Sha256};

use crate::Match;

/// A text pattern.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// The whole text, in any case.
    Exact(String),
    /// `*` any run of characters, `?` one character; in any case.
    Glob(String),
    /// A regular expression (`/.../` in the document), searched in the text.
    Regex(regex_lite::Regex),
}

impl Pattern {
    /// A pattern as the document writes it: `/re/` a regular expression, text with `*` or `?`
    /// a glob, anything else exact.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(inner) = text
            .strip_prefix('/')
            .and_then(|t| t.strip_suffix('/'))
            .filter(|_| text.len() >= 2)
        {
            return regex_lite::Regex::new(inner)
                .map(Pattern::Regex)
                .map_err(|e| format!("'{text}' is not a regular expression: {e}"));
        }
        if text.contains(['*', '?']) {
            Ok(Pattern::Glob(text.to_lowercase()))
        } else {
            Ok(Pattern::Exact(text.to_lowercase()))
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        self.matches_lowered(text, &text.to_lowercase())
    }

    /// [`Pattern::matches`] with the text's lower case made once by the caller.
    fn matches_lowered(&self, text: &str, lower: &str) -> bool {
        match self {
            Pattern::Exact(want) => lower == want,
            Pattern::Glob(glob) => glob_match(glob, lower),
            Pattern::Regex(re) => re.is_match(text),
        }
    }
}

/// `*` and `?` over characters, iteratively (no backtracking blow-up).
fn glob_match(glob: &str, text: &str) -> bool {
    let (g, t): (Vec<char>, Vec<char>) = (glob.chars().collect(), text.chars().collect());
    let (mut gi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if gi < g.len() && (g[gi] == '?' || g[gi] == t[ti]) {
            gi += 1;
            ti += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some((gi, ti));
            gi += 1;
        } else if let Some((sg, st)) = star {
            gi = sg + 1;
            ti = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|c| *c == '*')
}

/// Where a serial falls in [0, 1) for a seed: the same seed and serial (in any case) always
/// give the same place, so `share = 0.1` picks the same tenth of devices in every run.
pub fn share_of(seed: u64, serial: &str) -> f64 {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(serial.trim().to_uppercase().as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    // 53 bits: every value is exact as an f64 below 1.
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// A device of an import as the registration service sees it.
#[derive(Debug, Clone, Copy)]
pub struct DeviceFacts<'a> {
    /// The tenant's name and GUID (either may match a rule's `tenant`).
    pub tenant: &'a str,
    pub tenant_name: &'a str,
    pub serial: &'a str,
    pub group_tag: &'a str,
    pub product_key: &'a str,
    pub manufacturer: &'a str,
    pub model: &'a str,
    /// Its place in the request that imported it (1-based).
    pub nth: u32,
}

/// A request as it comes in.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    pub tenant: &'a str,
    pub tenant_name: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    /// It is `windowsAutopilotSettings/sync`.
    pub is_sync: bool,
}

fn tenant_ok(want: &Option<String>, guid: &str, name: &str) -> bool {
    want.as_ref()
        .is_none_or(|t| t.eq_ignore_ascii_case(guid) || t.eq_ignore_ascii_case(name))
}

fn text_ok(pattern: &Option<Pattern>, text: &str) -> bool {
    pattern.as_ref().is_none_or(|p| p.matches(text))
}

fn lowered_ok(pattern: &Option<Pattern>, text: &str, lower: &str) -> bool {
    pattern
        .as_ref()
        .is_none_or(|p| p.matches_lowered(text, lower))
}

/// A device's texts in lower case, made once for all the rules it is matched against.
#[derive(Debug, Clone)]
pub(crate) struct Lowered {
    serial: String,
    group_tag: String,
    product_key: String,
    manufacturer: String,
    model: String,
}

impl Lowered {
    pub(crate) fn of(d: &DeviceFacts<'_>) -> Self {
        Lowered {
            serial: d.serial.to_lowercase(),
            group_tag: d.group_tag.to_lowercase(),
            product_key: d.product_key.to_lowercase(),
            manufacturer: d.manufacturer.to_lowercase(),
            model: d.model.to_lowercase(),
        }
    }
}

impl Match {
    /// Whether a device rule's conditions hold for `d`.
    pub fn device(&self, d: &DeviceFacts<'_>, seed: u64) -> bool {
        self.device_lowered(d, &Lowered::of(d), seed)
    }

    pub(crate) fn device_lowered(&self, d: &DeviceFacts<'_>, l: &Lowered, seed: u64) -> bool {
        tenant_ok(&self.tenant, d.tenant, d.tenant_name)
            && lowered_ok(&self.serial, d.serial, &l.serial)
            && lowered_ok(&self.group_tag, d.group_tag, &l.group_tag)
            && lowered_ok(&self.product_key, d.product_key, &l.product_key)
            && lowered_ok(&self.manufacturer, d.manufacturer, &l.manufacturer)
            && lowered_ok(&self.model, d.model, &l.model)
            && (self.nth.is_empty() || self.nth.contains(&d.nth))
            && self.share.is_none_or(|s| share_of(seed, d.serial) < s)
    }

    /// Whether a transport rule's conditions hold for `r`.
    pub fn request(&self, r: &RequestFacts<'_>) -> bool {
        tenant_ok(&self.tenant, r.tenant, r.tenant_name)
            && text_ok(&self.route, r.path)
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(r.method))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn patterns_read_as_written() {
        let p = |t: &str| Pattern::parse(t).unwrap();
        assert!(p("SN-001").matches("sn-001"));
        assert!(!p("SN-001").matches("SN-0011"));
        assert!(p("SN-*").matches("sn-42"));
        assert!(p("*-0?").matches("LAB-07"));
        assert!(!p("*-0?").matches("LAB-007"));
        assert!(p("/^OEM-[0-9]{3}$/").matches("OEM-123"));
        assert!(!p("/^OEM-[0-9]{3}$/").matches("OEM-12"));
        assert!(Pattern::parse("/(/").is_err());
        assert!(p("/").matches("/"), "a lone slash is text");
        assert!(p("**a*b*").matches("xxaxxb"));
    }

    #[test]
    fn devices_and_requests_match_every_condition() {
        let m = Match {
            tenant: Some("contoso".into()),
            serial: Some(Pattern::parse("LAB-*").unwrap()),
            manufacturer: Some(Pattern::parse("Contoso").unwrap()),
            nth: vec![2, 3],
            ..Match::default()
        };
        let d = DeviceFacts {
            tenant: "0000",
            tenant_name: "Contoso",
            serial: "LAB-1",
            group_tag: "",
            product_key: "",
            manufacturer: "CONTOSO",
            model: "Laptop 7",
            nth: 2,
        };
        assert!(m.device(&d, 0));
        assert!(!m.device(&DeviceFacts { nth: 1, ..d }, 0));
        assert!(!m.device(
            &DeviceFacts {
                tenant_name: "fabrikam",
                ..d
            },
            0
        ));
        let r = Match {
            route: Some(
                Pattern::parse("*/importedWindowsAutopilotDeviceIdentities/import").unwrap(),
            ),
            method: Some("post".into()),
            ..Match::default()
        };
        let req = RequestFacts {
            tenant: "t",
            tenant_name: "t",
            method: "POST",
            path: "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import",
            is_sync: false,
        };
        assert!(r.request(&req));
        assert!(!r.request(&RequestFacts {
            method: "GET",
            ..req
        }));
    }

    proptest! {
        /// A share takes about its fraction of serials, and the same ones every time.
        #[test]
        fn shares_are_deterministic_and_fair(seed in any::<u64>()) {
            let serials: Vec<String> = (0..2000).map(|i| format!("SN-{i:05}")).collect();
            let picked = |s: u64| serials.iter().filter(|x| share_of(s, x) < 0.1).cloned().collect::<Vec<_>>();
            let once = picked(seed);
            prop_assert_eq!(&once, &picked(seed));
            prop_assert!((120..=280).contains(&once.len()), "{}", once.len());
            prop_assert_eq!(share_of(seed, "sn-00001"), share_of(seed, " SN-00001 "));
        }

        #[test]
        fn globs_without_wildcards_are_equality(a in "[a-z0-9-]{0,12}", b in "[a-z0-9-]{0,12}") {
            prop_assert_eq!(glob_match(&a, &b), a == b);
        }
    }
}
