//! `autopilot-graph app permissions CLIENT_ID`: the permission report. The server counts every
//! call by application, day, operation and the permissions that would allow it; this reads a
//! period's counts from the database and prints the least set of permissions that allows every
//! call, the permissions the tokens carried that none needed, and each operation with the
//! permission that allows it.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use autopilot_domain::usage::{self, Report};
use autopilot_server::auth;
use serde_json::json;

use crate::admin::AppPermissionsArgs;
use crate::database::current_thread;

pub fn run(args: AppPermissionsArgs) -> Result<ExitCode> {
    current_thread()?.block_on(async {
        let url = args.database.url()?;
        let store = autopilot_store::open(&url)
            .await
            .with_context(|| format!("cannot open {}", autopilot_store::redact(&url)))?;
        let today = usage::day_of(time::OffsetDateTime::now_utc());
        let since = today - i64::from(args.days) + 1;
        let client = args.client_id.trim().to_lowercase();
        let tenants: Vec<String> = match &args.tenant {
            Some(t) => vec![auth::tenant_guid(t).to_string()],
            None => store
                .usage_apps(since)
                .await?
                .into_iter()
                .filter(|(_, app)| app.eq_ignore_ascii_case(&client))
                .map(|(t, _)| t)
                .collect(),
        };
        let mut reports = Vec::new();
        for tenant in tenants {
            let rows = store.usage_of(&tenant, &client, since).await?;
            if !rows.is_empty() {
                reports.push((tenant, usage::report(&rows)));
            }
        }
        if reports.is_empty() {
            bail!(
                "no calls of application {client} in the last {} days{}",
                args.days,
                args.tenant
                    .as_ref()
                    .map(|t| format!(" in tenant {t}"))
                    .unwrap_or_default()
            );
        }
        if args.json {
            let all: Vec<_> = reports
                .iter()
                .map(|(t, r)| as_json(&client, t, r))
                .collect();
            println!("{}", serde_json::to_string_pretty(&all)?);
        } else {
            for (tenant, report) in &reports {
                print(&client, tenant, args.days, report);
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn as_json(client: &str, tenant: &str, r: &Report) -> serde_json::Value {
    json!({
        "clientId": client,
        "tenantId": tenant,
        "needed": r.needed,
        "carried": r.carried,
        "unused": r.unused,
        "missing": r.missing,
        "operations": r.operations.iter().map(|o| json!({
            "operation": o.operation,
            "calls": o.calls,
            "denied": o.denied,
            "allowedBy": o.allowed_by,
            "anyOf": o.needed,
        })).collect::<Vec<_>>(),
    })
}

fn print(client: &str, tenant: &str, days: u32, r: &Report) {
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(", ")
        }
    };
    println!("application {client} in tenant {tenant}, last {days} days");
    println!("needed   {}", list(&r.needed));
    println!("carried  {}", list(&r.carried));
    println!("unused   {}", list(&r.unused));
    println!("missing  {}", list(&r.missing));
    for o in &r.operations {
        println!(
            "  {}\t{} calls{}\t{}",
            o.operation,
            o.calls,
            if o.denied > 0 {
                format!(" ({} refused)", o.denied)
            } else {
                String::new()
            },
            o.allowed_by.as_deref().unwrap_or("no permission needed")
        );
    }
}
