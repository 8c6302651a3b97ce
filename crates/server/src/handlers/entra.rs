//! What Entra ID's collections (`devices`, `groups`, `users`, a group's `members`) share:
//! the advanced-query rules, `$search` as a filter, and `$count` only with
//! `ConsistencyLevel: eventual`.

use std::future::Future;

use autopilot_domain::{Page, PageRequest, StoreError};
use autopilot_odata::{CmpOp, EntityType, Expr, StrFn};
use axum::response::Response;

use crate::error::GraphError;
use crate::state::Ctx;
use crate::{query, respond};

/// An operator Entra serves only as an advanced query.
fn advanced_operator(e: &Expr) -> Option<&'static str> {
    match e {
        Expr::Not(_) => Some("not"),
        Expr::Compare { op: CmpOp::Ne, .. } => Some("ne"),
        Expr::Func {
            func: StrFn::EndsWith,
            ..
        } => Some("endsWith"),
        Expr::And(a, b) | Expr::Or(a, b) => advanced_operator(a).or_else(|| advanced_operator(b)),
        Expr::Lambda { body, .. } => advanced_operator(body),
        Expr::Compare { .. } | Expr::In { .. } | Expr::Func { .. } => None,
    }
}

/// Entra's advanced-query rules: `$search` needs `ConsistencyLevel: eventual`; `ne`, `not` and
/// `endsWith` need it and `$count=true` as well.
fn advanced_rules(ctx: &Ctx) -> Result<(), GraphError> {
    if ctx.options.search.is_some() && !ctx.eventual {
        return Err(GraphError::UnsupportedQuery(
            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'".into(),
        ));
    }
    if let Some(op) = ctx.options.filter.as_ref().and_then(advanced_operator)
        && !(ctx.eventual && ctx.options.count)
    {
        return Err(GraphError::UnsupportedQuery(format!(
            "Operator '{op}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"
        )));
    }
    Ok(())
}

/// One page of a directory collection of `entity` under Entra's rules, and its
/// `@odata.count` when asked for with the header (without it `$count=true` is ignored, as
/// Entra ignores it). `list` and `count` receive the filter (`$search` folded in).
pub(super) async fn page<T, P, C>(
    ctx: &Ctx,
    entity: &EntityType,
    scope: &str,
    list: impl FnOnce(PageRequest) -> P,
    count: impl FnOnce(Option<Expr>) -> C,
) -> Result<(Page<T>, Option<u64>), GraphError>
where
    P: Future<Output = Result<Page<T>, StoreError>>,
    C: Future<Output = Result<u64, StoreError>>,
{
    advanced_rules(ctx)?;
    let filter = query::effective_filter(&ctx.options, entity)?;
    let counted = count(filter.clone());
    let (page, count) = respond::page_and_count(
        ctx,
        scope,
        |mut request| {
            request.filter = filter;
            list(request)
        },
        counted,
    )
    .await?;
    Ok((page, count.filter(|_| ctx.eventual)))
}

/// `/$count` of a directory collection: only with the header, as Entra answers it.
pub(super) async fn count<C>(
    ctx: &Ctx,
    entity: &EntityType,
    count: impl FnOnce(Option<Expr>) -> C,
) -> Result<Response, GraphError>
where
    C: Future<Output = Result<u64, StoreError>>,
{
    if !ctx.eventual {
        return Err(GraphError::DirectoryBadRequest(
            "$count is not currently supported.".into(),
        ));
    }
    advanced_rules(ctx)?;
    let filter = query::effective_filter(&ctx.options, entity)?;
    Ok(respond::text(count(filter).await?.to_string()))
}
