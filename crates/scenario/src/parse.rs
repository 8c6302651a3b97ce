//! Reading a scenario document: TOML into the model, every mistake refused with its line, its
//! rule and what is wrong. The document's schema is the set of tables below (unknown keys are
//! refused), and the checks after it say which conditions and effect modifiers go together.

use std::time::Duration;

use serde::Deserialize;

use crate::{
    Applied, DelayRange, Effect, KNOWN_OUTCOMES, Kind, Match, Outcome, Pattern, ProfileEffect,
    Rule, Scenario, SyncRefusal, Timing,
};

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{message}", .line.map(|l| format!("line {l}: ")).unwrap_or_default(), .rule.as_ref().map(|r| format!("rule '{r}': ")).unwrap_or_default())]
pub struct ScenarioError {
    pub line: Option<usize>,
    pub rule: Option<String>,
    pub message: String,
}

/// The most rules a scenario may have.
const MAX_RULES: usize = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc {
    scenario: RawHeader,
    #[serde(default)]
    rule: Vec<toml::Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    version: u32,
    #[serde(default)]
    description: String,
    #[serde(default)]
    seed: u64,
    timing: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    #[serde(rename = "match", default)]
    matcher: RawMatch,
    effect: RawEffect,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMatch {
    tenant: Option<String>,
    serial: Option<String>,
    group_tag: Option<String>,
    product_key: Option<String>,
    manufacturer: Option<String>,
    model: Option<String>,
    nth: Option<Nth>,
    share: Option<f64>,
    route: Option<String>,
    method: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Nth {
    One(i64),
    Many(Vec<i64>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEffect {
    outcome: Option<toml::Value>,
    after: Option<String>,
    delay: Option<String>,
    unknown: Option<bool>,
    status: Option<i64>,
    retry_after: Option<i64>,
    applied: Option<String>,
    times: Option<i64>,
    latency: Option<String>,
    drop: Option<bool>,
    sync: Option<String>,
    profile: Option<String>,
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |t| t.matches('\n').count() + 1)
}

/// A duration: a number and a unit (`ms`, `s`, `m`, `h`), e.g. `90s`, `2m`.
fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (a number and ms, s, m or h)"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "s" | "" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("'{other}' is not a unit of time (ms, s, m, h)")),
    };
    if !(0.0..=7.0 * 86_400.0).contains(&seconds) {
        return Err(format!("'{text}' is not between 0 and 7 days"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A delay: one duration, or a range `min..max`.
fn delay(text: &str) -> Result<DelayRange, String> {
    match text.split_once("..") {
        Some((a, b)) => {
            let (min, max) = (duration(a)?, duration(b)?);
            if min > max {
                return Err(format!("'{text}' ends before it starts"));
            }
            Ok(DelayRange { min, max })
        }
        None => duration(text).map(|d| DelayRange { min: d, max: d }),
    }
}

fn outcome(value: &toml::Value) -> Result<Outcome, String> {
    let known = |code: i32| KNOWN_OUTCOMES.iter().find(|(c, _)| *c == code);
    match value {
        toml::Value::Integer(code) => {
            let code = i32::try_from(*code).map_err(|_| format!("{code} is not an error code"))?;
            known(code)
                .map(|(c, n)| Outcome {
                    code: *c,
                    name: (*n).to_owned(),
                })
                .ok_or_else(|| {
                    format!(
                        "{code} is not an error code the registration service records; give {{ code = {code}, name = \"...\" }} for one of your own"
                    )
                })
        }
        toml::Value::String(name) => KNOWN_OUTCOMES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(c, n)| Outcome {
                code: *c,
                name: (*n).to_owned(),
            })
            .ok_or_else(|| {
                format!("'{name}' is not an error name the registration service records")
            }),
        toml::Value::Table(t) => {
            let code = t
                .get("code")
                .and_then(toml::Value::as_integer)
                .and_then(|c| i32::try_from(c).ok())
                .filter(|c| (1..=99_999).contains(c))
                .ok_or("a custom outcome needs a code from 1 to 99999")?;
            let name = t
                .get("name")
                .and_then(toml::Value::as_str)
                .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()))
                .ok_or("a custom outcome needs a name of letters and digits")?;
            if let Some(other) = t.keys().find(|k| *k != "code" && *k != "name") {
                return Err(format!(
                    "a custom outcome has a code and a name, not '{other}'"
                ));
            }
            Ok(Outcome {
                code,
                name: name.to_owned(),
            })
        }
        _ => Err(
            "an outcome is a code (806), a name (\"ZtdDeviceDuplicated\") or { code, name }".into(),
        ),
    }
}

fn applied(text: Option<&str>) -> Result<Applied, String> {
    match text.map(str::to_ascii_lowercase).as_deref() {
        None | Some("before") => Ok(Applied::Before),
        Some("after") => Ok(Applied::After),
        Some(other) => Err(format!("applied is 'before' or 'after', not '{other}'")),
    }
}

fn count(value: Option<i64>, what: &str) -> Result<Option<u32>, String> {
    value
        .map(|v| {
            u32::try_from(v)
                .ok()
                .filter(|v| *v > 0)
                .ok_or(format!("{what} must be a whole number above 0"))
        })
        .transpose()
}

/// The effect a rule's `effect` table describes: exactly one kind, and only the modifiers
/// that kind takes.
fn effect(e: &RawEffect) -> Result<Effect, String> {
    let kinds: Vec<&str> = [
        ("outcome", e.outcome.is_some()),
        ("delay", e.delay.is_some() && e.outcome.is_none()),
        ("unknown", e.unknown == Some(true)),
        ("status", e.status.is_some()),
        ("latency", e.latency.is_some()),
        ("drop", e.drop == Some(true)),
        ("sync", e.sync.is_some()),
        ("profile", e.profile.is_some()),
    ]
    .into_iter()
    .filter(|(_, given)| *given)
    .map(|(k, _)| k)
    .collect();
    let kind = match kinds.as_slice() {
        [one] => *one,
        [] => return Err("the effect names none of outcome, delay, unknown, status, latency, drop, sync, profile".into()),
        many => return Err(format!("the effect names {} at once; a rule has one effect", many.join(" and "))),
    };
    let modifiers = [
        ("after", e.after.is_some(), &["outcome"][..]),
        (
            "retry_after",
            e.retry_after.is_some(),
            &["status", "sync"][..],
        ),
        ("applied", e.applied.is_some(), &["status", "drop"][..]),
        ("times", e.times.is_some(), &["status", "drop"][..]),
    ];
    for (name, given, allowed) in modifiers {
        if given && !allowed.contains(&kind) {
            return Err(format!(
                "'{name}' goes with {}, not with {kind}",
                allowed.join(" or ")
            ));
        }
    }
    let retry = e
        .retry_after
        .map(|r| {
            u32::try_from(r)
                .ok()
                .filter(|r| (1..=86_400).contains(r))
                .ok_or("retry_after is seconds, 1 to 86400")
        })
        .transpose()?;
    Ok(match kind {
        "outcome" => Effect::Outcome {
            outcome: outcome(e.outcome.as_ref().ok_or("no outcome")?)?,
            after: e
                .after
                .as_deref()
                .or(e.delay.as_deref())
                .map(delay)
                .transpose()?,
        },
        "delay" => Effect::Delay(delay(e.delay.as_deref().unwrap_or_default())?),
        "unknown" => Effect::Unknown,
        "status" => {
            let status = e
                .status
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (400..=599).contains(s))
                .ok_or("status is an error status, 400 to 599")?;
            if retry.is_some() && !matches!(status, 429 | 503) {
                return Err("retry_after goes with status 429 or 503".into());
            }
            Effect::Status {
                status,
                retry_after: retry.or((status == 429).then_some(10)),
                applied: applied(e.applied.as_deref())?,
                times: count(e.times, "times")?,
            }
        }
        "latency" => Effect::Latency(delay(e.latency.as_deref().unwrap_or_default())?),
        "drop" => Effect::Drop {
            applied: applied(e.applied.as_deref())?,
            times: count(e.times, "times")?,
        },
        "sync" => match e.sync.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("conflict") => {
                if retry.is_some() {
                    return Err("retry_after goes with sync = \"throttled\"".into());
                }
                Effect::Sync(SyncRefusal::Conflict)
            }
            Some("throttled") => Effect::Sync(SyncRefusal::Throttled {
                retry_after: retry.unwrap_or(600),
            }),
            _ => return Err("sync is \"conflict\" (409) or \"throttled\" (429)".into()),
        },
        _ => match e.profile.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("pending") => Effect::Profile(ProfileEffect::Pending),
            Some("failed") => Effect::Profile(ProfileEffect::Failed),
            _ => return Err("profile is \"pending\" or \"failed\"".into()),
        },
    })
}

fn pattern(text: &Option<String>) -> Result<Option<Pattern>, String> {
    text.as_deref().map(Pattern::parse).transpose()
}

/// The conditions of a rule, checked against what its kind of effect can see.
fn matcher(m: &RawMatch, kind: Kind) -> Result<Match, String> {
    let device_keys = [
        ("serial", m.serial.is_some()),
        ("group_tag", m.group_tag.is_some()),
        ("product_key", m.product_key.is_some()),
        ("manufacturer", m.manufacturer.is_some()),
        ("model", m.model.is_some()),
        ("nth", m.nth.is_some()),
        ("share", m.share.is_some()),
    ];
    let request_keys = [("route", m.route.is_some()), ("method", m.method.is_some())];
    let (wrong, why): (Vec<&str>, &str) = match kind {
        Kind::Device | Kind::Profile => (
            request_keys.iter().filter(|k| k.1).map(|k| k.0).collect(),
            "a device rule matches devices, not requests",
        ),
        Kind::Transport => (
            device_keys.iter().filter(|k| k.1).map(|k| k.0).collect(),
            "a transport rule matches requests (tenant, route, method), not devices",
        ),
        Kind::Sync => (
            device_keys
                .iter()
                .chain(&request_keys)
                .filter(|k| k.1)
                .map(|k| k.0)
                .collect(),
            "a sync rule matches the tenant's sync only",
        ),
    };
    if let Some(first) = wrong.first() {
        return Err(format!("'{first}' cannot be matched here: {why}"));
    }
    let nth = match &m.nth {
        None => Vec::new(),
        Some(Nth::One(n)) => vec![*n],
        Some(Nth::Many(ns)) => ns.clone(),
    }
    .into_iter()
    .map(|n| {
        u32::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .ok_or("nth counts devices from 1")
    })
    .collect::<Result<Vec<u32>, _>>()?;
    if let Some(s) = m.share
        && !(0.0..=1.0).contains(&s)
    {
        return Err(format!("share is a fraction from 0 to 1, not {s}"));
    }
    if let Some(method) = &m.method
        && !["GET", "POST", "PATCH", "PUT", "DELETE"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(method))
    {
        return Err(format!("'{method}' is not a method Graph takes"));
    }
    Ok(Match {
        tenant: m.tenant.clone(),
        serial: pattern(&m.serial)?,
        group_tag: pattern(&m.group_tag)?,
        product_key: pattern(&m.product_key)?,
        manufacturer: pattern(&m.manufacturer)?,
        model: pattern(&m.model)?,
        nth,
        share: m.share,
        route: pattern(&m.route)?,
        method: m.method.as_ref().map(|m| m.to_ascii_uppercase()),
    })
}

impl Scenario {
    /// Reads a scenario document, or says the line, the rule and what is wrong.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let raw: RawDoc = toml::from_str(text).map_err(|e| ScenarioError {
            line: e.span().map(|s| line_of(text, s.start)),
            rule: None,
            message: e.message().trim().to_owned(),
        })?;
        let header = |message: String| ScenarioError {
            line: None,
            rule: None,
            message,
        };
        let h = raw.scenario;
        if h.name.trim().is_empty() {
            return Err(header("the scenario needs a name".into()));
        }
        if h.version == 0 {
            return Err(header("the scenario's version starts at 1".into()));
        }
        let timing = h
            .timing
            .as_deref()
            .map(|t| {
                Timing::parse(t).ok_or_else(|| {
                    header(format!("timing is instant, default or intune, not '{t}'"))
                })
            })
            .transpose()?;
        if raw.rule.len() > MAX_RULES {
            return Err(header(format!("a scenario has at most {MAX_RULES} rules")));
        }
        let mut rules: Vec<Rule> = Vec::with_capacity(raw.rule.len());
        for spanned in &raw.rule {
            let line = line_of(text, spanned.span().start);
            let r = spanned.get_ref();
            let at = |message: String| ScenarioError {
                line: Some(line),
                rule: Some(r.name.clone()),
                message,
            };
            if r.name.trim().is_empty() {
                return Err(at("a rule needs a name".into()));
            }
            if rules.iter().any(|x| x.name.eq_ignore_ascii_case(&r.name)) {
                return Err(at("another rule has this name".into()));
            }
            let effect = effect(&r.effect).map_err(at)?;
            let matcher = matcher(&r.matcher, effect.kind()).map_err(at)?;
            rules.push(Rule {
                name: r.name.clone(),
                line,
                matcher,
                effect,
            });
        }
        Ok(Scenario {
            name: h.name,
            version: h.version,
            description: h.description,
            seed: h.seed,
            timing,
            rules,
        })
    }
}
