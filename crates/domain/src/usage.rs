//! Which permissions an application's calls needed, beside those its tokens carried: the
//! server counts each call by operation (method and path with its keys as `{id}`), the
//! permissions that would have allowed it, and those the token held; [`report`] turns the
//! counts of a period into the least set of permissions that would have allowed every call,
//! so an admin can trim the application's grant.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::Permission;

/// The calls of one kind in one day: who made them, what they needed, what they carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub tenant: String,
    pub app_id: String,
    /// Days since 1970-01-01 (UTC) of the calls.
    pub day: i64,
    /// `GET /beta/deviceManagement/windowsAutopilotDeviceIdentities/{id}`.
    pub operation: String,
    /// The permissions any one of which allows the call (empty: none needed).
    pub needed: Vec<String>,
    /// The permissions the caller's token carried (scopes and roles), sorted.
    pub carried: Vec<String>,
    pub calls: u64,
    /// Calls refused for want of a permission.
    pub denied: u64,
    pub first_at: OffsetDateTime,
    pub last_at: OffsetDateTime,
}

/// An operation's name: the method, the version and the routed resource as the server
/// describes it, its keys (every quoted value) written `{id}`, so that one kind of call has one
/// name whatever the case or the keys of its path
/// (`GET /beta Devices(Item { key: {id} })`).
pub fn operation(method: &str, version: &str, resource: &str) -> String {
    let mut out = format!("{method} /{version} ");
    let mut chars = resource.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        out.push_str("{id}");
        let mut escaped = false;
        for c in chars.by_ref() {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => break,
                _ => escaped = false,
            }
        }
    }
    out
}

/// Days since 1970-01-01 of an instant.
pub fn day_of(t: OffsetDateTime) -> i64 {
    t.unix_timestamp().div_euclid(86_400)
}

/// One operation of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationLine {
    pub operation: String,
    pub needed: Vec<String>,
    pub calls: u64,
    pub denied: u64,
    /// The permission of the least set that allows it (`None`: it needs none).
    pub allowed_by: Option<String>,
}

/// What an application needed over a period, beside what it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The least set of permissions that allows every call of the period.
    pub needed: Vec<String>,
    /// Every permission its tokens carried in the period.
    pub carried: Vec<String>,
    /// Carried but not in the least set: what the grant may lose.
    pub unused: Vec<String>,
    /// Needed by calls that were refused, and never carried: what the grant lacks.
    pub missing: Vec<String>,
    pub operations: Vec<OperationLine>,
}

/// How much a permission grants, for choosing the least of several: reading before writing
/// before privileged operations, a narrow scope before `Directory.*`.
fn weight(name: &str) -> u8 {
    let base = if name.contains("PrivilegedOperations") || name.starts_with("Directory.") {
        4
    } else if name.contains("ReadWrite") || name.ends_with(".Create") {
        2
    } else {
        0
    };
    base + u8::from(!Permission::ALL.iter().any(|p| p.name() == name))
}

/// The report of `usage` (one application's rows for a period).
pub fn report(usage: &[Usage]) -> Report {
    // One line per operation and alternative set, the counts summed.
    let mut lines: Vec<OperationLine> = Vec::new();
    let mut carried = BTreeSet::new();
    for u in usage {
        carried.extend(u.carried.iter().cloned());
        match lines
            .iter_mut()
            .find(|l| l.operation == u.operation && l.needed == u.needed)
        {
            Some(line) => {
                line.calls += u.calls;
                line.denied += u.denied;
            }
            None => lines.push(OperationLine {
                operation: u.operation.clone(),
                needed: u.needed.clone(),
                calls: u.calls,
                denied: u.denied,
                allowed_by: None,
            }),
        }
    }
    // The most constrained operations choose first; an operation an earlier choice allows
    // takes it, else its least alternative.
    let mut order: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].needed.is_empty())
        .collect();
    order.sort_by_key(|&i| (lines[i].needed.len(), lines[i].operation.clone()));
    let mut chosen: Vec<String> = Vec::new();
    for i in order {
        let line = &mut lines[i];
        let pick = match line.needed.iter().find(|n| chosen.contains(n)) {
            Some(n) => n.clone(),
            None => {
                let least = line
                    .needed
                    .iter()
                    .min_by_key(|n| (weight(n), !carried.contains(*n)))
                    .cloned()
                    .unwrap_or_default();
                chosen.push(least.clone());
                least
            }
        };
        line.allowed_by = Some(pick);
    }
    chosen.sort();
    lines.sort_by(|a, b| a.operation.cmp(&b.operation));
    let carried: Vec<String> = carried.into_iter().collect();
    Report {
        unused: carried
            .iter()
            .filter(|c| !chosen.contains(c))
            .cloned()
            .collect(),
        missing: {
            let mut m: Vec<String> = lines
                .iter()
                .filter(|l| l.denied > 0)
                .filter_map(|l| l.allowed_by.clone())
                .filter(|p| !carried.contains(p))
                .collect();
            m.sort();
            m.dedup();
            m
        },
        needed: chosen,
        carried,
        operations: lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "DeviceManagementServiceConfig.Read.All";
    const RW: &str = "DeviceManagementServiceConfig.ReadWrite.All";

    fn usage(operation: &str, needed: &[&str], carried: &[&str], calls: u64) -> Usage {
        let t = time::macros::datetime!(2026-12-07 12:00 UTC);
        Usage {
            tenant: "t".into(),
            app_id: "a".into(),
            day: day_of(t),
            operation: operation.into(),
            needed: needed.iter().map(|s| (*s).to_owned()).collect(),
            carried: carried.iter().map(|s| (*s).to_owned()).collect(),
            calls,
            denied: 0,
            first_at: t,
            last_at: t,
        }
    }

    #[test]
    fn operations_name_their_resources_without_keys() {
        assert_eq!(
            operation("GET", "beta", r#"Devices(Item { key: "3f2a-\"x" })"#),
            "GET /beta Devices(Item { key: {id} })"
        );
        assert_eq!(
            operation(
                "DELETE",
                "v1.0",
                r#"Groups(MemberRef { key: "g", member: "d" })"#
            ),
            "DELETE /v1.0 Groups(MemberRef { key: {id}, member: {id} })"
        );
        assert_eq!(
            operation("GET", "v1.0", "Groups(List)"),
            "GET /v1.0 Groups(List)"
        );
    }

    #[test]
    fn the_least_set_allows_every_call() {
        let carried = [R, RW, "Group.ReadWrite.All", "User.ReadWrite.All"];
        let rows = vec![
            usage("GET /beta/devices", &[R, RW], &carried, 10),
            usage("POST /beta/import", &[RW], &carried, 2),
            usage(
                "GET /v1.0/groups",
                &[
                    "Group.Read.All",
                    "Group.ReadWrite.All",
                    "Directory.Read.All",
                ],
                &carried,
                1,
            ),
            usage("GET /beta/devices", &[R, RW], &carried, 5),
        ];
        let r = report(&rows);
        assert_eq!(r.needed, vec![RW.to_owned(), "Group.Read.All".to_owned()]);
        assert_eq!(
            r.unused,
            vec![
                R.to_owned(),
                "Group.ReadWrite.All".to_owned(),
                "User.ReadWrite.All".to_owned()
            ]
        );
        assert!(r.missing.is_empty(), "nothing was refused");
        let devices = r
            .operations
            .iter()
            .find(|l| l.operation == "GET /beta/devices")
            .unwrap();
        assert_eq!(
            (devices.calls, devices.allowed_by.as_deref()),
            (15, Some(RW))
        );
    }

    #[test]
    fn reads_alone_need_read() {
        let r = report(&[usage("GET /beta/devices", &[R, RW], &[RW], 3)]);
        assert_eq!(r.needed, vec![R.to_owned()]);
        assert_eq!(r.unused, vec![RW.to_owned()]);
        assert_eq!(
            report(&[usage("POST /beta/$batch", &[], &[RW], 1)]).needed,
            Vec::<String>::new()
        );
        let mut refused = usage("POST /beta/import", &[RW], &[R], 1);
        refused.denied = 1;
        assert_eq!(report(&[refused]).missing, vec![RW.to_owned()]);
    }
}
