//! Scenario documents as users write them: every kind of rule read, every mistake refused with
//! its line and rule, the first matching rule deciding.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use autopilot_scenario::{
    Applied, DeviceFacts, Effect, ProfileEffect, RequestFacts, Scenario, SyncRefusal, Timing,
};

const EVERYTHING: &str = r#"
[scenario]
name = "everything"
version = 3
description = "one rule of each kind"
seed = 42
timing = "intune"

[[rule]]
name = "stuck"
match = { serial = "STUCK-*" }
effect = { unknown = true }

[[rule]]
name = "elsewhere"
match = { share = 0.1, manufacturer = "Contoso" }
effect = { outcome = 808 }

[[rule]]
name = "late failure"
match = { group_tag = "/^Late/", nth = [2, 3] }
effect = { outcome = "ZtdDeviceDuplicated", after = "2m" }

[[rule]]
name = "custom"
match = { product_key = "XXXXX-*" }
effect = { outcome = { code = 950, name = "ZtdOemRefused" } }

[[rule]]
name = "slow"
match = { model = "Laptop 7" }
effect = { delay = "30s..2m" }

[[rule]]
name = "storm"
match = { route = "*/import", method = "POST" }
effect = { status = 429, retry_after = 5, times = 3 }

[[rule]]
name = "after write"
match = { route = "*/importedWindowsAutopilotDeviceIdentities", method = "post" }
effect = { status = 503, applied = "after" }

[[rule]]
name = "lag"
match = { route = "/beta/*" }
effect = { latency = "250ms" }

[[rule]]
name = "cut"
match = { tenant = "fabrikam", method = "DELETE" }
effect = { drop = true, applied = "after", times = 1 }

[[rule]]
name = "no sync"
effect = { sync = "throttled", retry_after = 610 }

[[rule]]
name = "kiosk profiles"
match = { group_tag = "Kiosk" }
effect = { profile = "failed" }
"#;

fn device<'a>(serial: &'a str) -> DeviceFacts<'a> {
    DeviceFacts {
        tenant: "0c5d-guid",
        tenant_name: "contoso",
        serial,
        group_tag: "",
        product_key: "",
        manufacturer: "Fabrikam",
        model: "Desktop 2",
        nth: 1,
    }
}

fn request<'a>(method: &'a str, path: &'a str) -> RequestFacts<'a> {
    RequestFacts {
        tenant: "0c5d-guid",
        tenant_name: "contoso",
        method,
        path,
        is_sync: path.ends_with("/sync"),
    }
}

#[test]
fn every_kind_of_rule_is_read() {
    let s = Scenario::parse(EVERYTHING).unwrap();
    assert_eq!((s.name.as_str(), s.version, s.seed), ("everything", 3, 42));
    assert_eq!(s.timing, Some(Timing::Intune));
    assert_eq!(s.rules.len(), 11);
    assert_eq!(s.rules[0].line, 9, "where the rule starts");
    let effect = |name: &str| {
        s.rules
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .effect
            .clone()
    };
    assert_eq!(effect("stuck"), Effect::Unknown);
    match effect("late failure") {
        Effect::Outcome { outcome, after } => {
            assert_eq!(
                (outcome.code, outcome.name.as_str()),
                (807, "ZtdDeviceDuplicated")
            );
            assert_eq!(after.unwrap().min, Duration::from_secs(120));
        }
        other => panic!("{other:?}"),
    }
    match effect("custom") {
        Effect::Outcome { outcome, .. } => assert_eq!(outcome.name, "ZtdOemRefused"),
        other => panic!("{other:?}"),
    }
    match effect("slow") {
        Effect::Delay(d) => assert_eq!((d.min.as_secs(), d.max.as_secs()), (30, 120)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        effect("storm"),
        Effect::Status {
            status: 429,
            retry_after: Some(5),
            applied: Applied::Before,
            times: Some(3)
        }
    );
    assert_eq!(
        effect("after write"),
        Effect::Status {
            status: 503,
            retry_after: None,
            applied: Applied::After,
            times: None
        }
    );
    assert_eq!(
        effect("cut"),
        Effect::Drop {
            applied: Applied::After,
            times: Some(1)
        }
    );
    assert_eq!(
        effect("no sync"),
        Effect::Sync(SyncRefusal::Throttled { retry_after: 610 })
    );
    assert_eq!(
        effect("kiosk profiles"),
        Effect::Profile(ProfileEffect::Failed)
    );
}

#[test]
fn the_first_matching_rule_decides() {
    let s = Scenario::parse(EVERYTHING).unwrap();
    let name = |d: &DeviceFacts<'_>| s.device_rule(d).map(|r| r.name.as_str());
    assert_eq!(name(&device("STUCK-1")), Some("stuck"));
    assert_eq!(name(&device("OTHER-1")), None);
    assert_eq!(
        name(&DeviceFacts {
            model: "laptop 7",
            ..device("OTHER-1")
        }),
        Some("slow")
    );
    let late = DeviceFacts {
        group_tag: "Late batch",
        nth: 3,
        ..device("X")
    };
    assert_eq!(name(&late), Some("late failure"));
    assert_eq!(name(&DeviceFacts { nth: 1, ..late }), None);
    // A tenth of Contoso's devices, the same tenth every time.
    let contoso: Vec<String> = (0..1000).map(|i| format!("OEM-{i:04}")).collect();
    let elsewhere = |s: &Scenario| {
        contoso
            .iter()
            .filter(|serial| {
                let d = DeviceFacts {
                    manufacturer: "contoso",
                    ..device(serial)
                };
                s.device_rule(&d).is_some_and(|r| r.name == "elsewhere")
            })
            .count()
    };
    let n = elsewhere(&s);
    assert!((60..=140).contains(&n), "{n}");
    assert_eq!(n, elsewhere(&Scenario::parse(EVERYTHING).unwrap()));
    // Profiles and requests have rules of their own.
    let kiosk = DeviceFacts {
        group_tag: "kiosk",
        ..device("K-1")
    };
    assert_eq!(
        s.profile_rule(&kiosk).map(|r| r.name.as_str()),
        Some("kiosk profiles")
    );
    let rule = |m: &str, p: &str| s.request_rule(&request(m, p)).map(|r| r.name.clone());
    assert_eq!(
        rule(
            "POST",
            "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import"
        ),
        Some("storm".into())
    );
    assert_eq!(
        rule(
            "POST",
            "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities"
        ),
        Some("after write".into())
    );
    assert_eq!(
        rule(
            "GET",
            "/beta/deviceManagement/windowsAutopilotDeviceIdentities"
        ),
        Some("lag".into())
    );
    assert_eq!(
        rule(
            "POST",
            "/v1.0/deviceManagement/windowsAutopilotSettings/sync"
        ),
        Some("no sync".into())
    );
    assert_eq!(rule("GET", "/v1.0/groups"), None);
}

/// Each mistake: the document, the line and rule it names, what its message says.
#[test]
fn mistakes_are_refused_with_their_line_and_rule() {
    let head = "[scenario]\nname = \"s\"\nversion = 1\n";
    let cases: Vec<(String, Option<usize>, Option<&str>, &str)> = vec![
        (
            format!("{head}[[rule]]\nname = \"a\"\neffect = {{ unknown = true, outcome = 806 }}\n"),
            Some(4),
            Some("a"),
            "one effect",
        ),
        (
            format!("{head}[[rule]]\nname = \"a\"\neffect = {{ colour = \"red\" }}\n"),
            Some(6),
            None,
            "colour",
        ),
        (
            format!(
                "{head}[[rule]]\nname = \"a\"\nmatch = {{ serial = \"/(/\" }}\neffect = {{ unknown = true }}\n"
            ),
            Some(4),
            Some("a"),
            "regular expression",
        ),
        (
            format!(
                "{head}[[rule]]\nname = \"a\"\nmatch = {{ serial = \"X\" }}\neffect = {{ status = 429 }}\n"
            ),
            Some(4),
            Some("a"),
            "transport rule",
        ),
        (
            format!(
                "{head}[[rule]]\nname = \"a\"\nmatch = {{ route = \"/x\" }}\neffect = {{ outcome = 806 }}\n"
            ),
            Some(4),
            Some("a"),
            "device rule",
        ),
        (
            format!("{head}[[rule]]\nname = \"a\"\neffect = {{ outcome = 899 }}\n"),
            Some(4),
            Some("a"),
            "code = 899",
        ),
        (
            format!("{head}[[rule]]\nname = \"a\"\neffect = {{ outcome = \"ZtdNoSuchThing\" }}\n"),
            Some(4),
            Some("a"),
            "not an error name",
        ),
        (
            format!("{head}[[rule]]\nname = \"a\"\neffect = {{ delay = \"soon\" }}\n"),
            Some(4),
            Some("a"),
            "not a duration",
        ),
        (
            format!("{head}[[rule]]\nname = \"a\"\neffect = {{ delay = \"2m..1m\" }}\n"),
            Some(4),
            Some("a"),
            "ends before",
        ),
        (
            format!(
                "{head}[[rule]]\nname = \"a\"\nmatch = {{ share = 1.5 }}\neffect = {{ unknown = true }}\n"
            ),
            Some(4),
            Some("a"),
            "fraction",
        ),
        (
            format!("{head}[[rule]]\nname = \"a\"\neffect = {{ status = 404, retry_after = 3 }}\n"),
            Some(4),
            Some("a"),
            "429 or 503",
        ),
        (
            format!("{head}[[rule]]\nname = \"a\"\neffect = {{ unknown = true, times = 2 }}\n"),
            Some(4),
            Some("a"),
            "'times'",
        ),
        (
            format!(
                "{head}[[rule]]\nname = \"a\"\nmatch = {{ nth = 0 }}\neffect = {{ unknown = true }}\n"
            ),
            Some(4),
            Some("a"),
            "from 1",
        ),
        (
            format!(
                "{head}[[rule]]\nname = \"a\"\neffect = {{ unknown = true }}\n[[rule]]\nname = \"A\"\neffect = {{ unknown = true }}\n"
            ),
            Some(7),
            Some("A"),
            "another rule",
        ),
        (
            format!(
                "{head}[[rule]]\nname = \"a\"\nmatch = {{ serial = \"X\" }}\neffect = {{ sync = \"conflict\" }}\n"
            ),
            Some(4),
            Some("a"),
            "sync only",
        ),
        (
            format!("{head}[[rule]]\nname = \"a\"\neffect = {{ sync = \"maybe\" }}\n"),
            Some(4),
            Some("a"),
            "conflict",
        ),
        (
            "[scenario]\nname = \"s\"\nversion = 0\n".into(),
            None,
            None,
            "starts at 1",
        ),
        (
            "[scenario]\nname = \"s\"\nversion = 1\ntiming = \"fast\"\n".into(),
            None,
            None,
            "instant, default or intune",
        ),
        (
            "[[rule]]\nname = \"a\"\neffect = { unknown = true }\n".into(),
            Some(1),
            None,
            "scenario",
        ),
        ("[scenario\nname = 1".into(), Some(1), None, ""),
    ];
    for (text, line, rule, says) in cases {
        let e = Scenario::parse(&text).unwrap_err();
        assert_eq!(e.line, line, "{text}\n{e}");
        assert_eq!(e.rule.as_deref(), rule, "{text}\n{e}");
        assert!(e.to_string().contains(says), "{text}\n{e}");
        if let (Some(l), Some(r)) = (line, rule) {
            assert!(
                e.to_string()
                    .starts_with(&format!("line {l}: rule '{r}': ")),
                "{e}"
            );
        }
    }
}

#[test]
fn timing_profiles_set_every_delay() {
    assert_eq!(Timing::Instant.values().processing.max, Duration::ZERO);
    let intune = Timing::Intune.values();
    assert_eq!(intune.sync_interval, Duration::from_secs(600));
    assert!(
        intune.processing.min >= Duration::from_secs(60)
            && intune.processing.max <= Duration::from_secs(100)
    );
    assert_eq!(Timing::parse("INTUNE"), Some(Timing::Intune));
    assert_eq!(Timing::Default.name(), "default");
}
