//! The parsers, on winnow. Grammar (RWS is one or more spaces, BWS zero or more; keywords and
//! function names match in any case):
//!
//! ```text
//! filter     = BWS or-expr BWS EOF
//! or-expr    = and-expr *( RWS "or" RWS and-expr )
//! and-expr   = unary *( RWS "and" RWS unary )
//! unary      = "not" BWS unary / primary
//! primary    = "(" BWS or-expr BWS ")" / str-func / lambda / comparison
//! lambda     = property "/" ( "any" / "all" ) "(" BWS identifier BWS ":" BWS or-expr BWS ")"
//! str-func   = ( "contains" / "startswith" / "endswith" )
//!              "(" BWS operand BWS "," BWS string BWS ")"
//! comparison = operand RWS ( cmp-op RWS literal
//!                          / "in" BWS "(" BWS literal *( BWS "," BWS literal ) BWS ")" )
//! operand    = ( "tolower" / "toupper" ) "(" BWS property BWS ")" / property
//! property   = identifier *( "/" identifier )
//! identifier = ( ALPHA / "_" ) *( ALPHA / DIGIT / "_" )
//! cmp-op     = "eq" / "ne" / "gt" / "ge" / "lt" / "le"
//! literal    = "null" / "true" / "false" / string / guid / datetime / number
//! string     = "'" *( "''" / any character but "'" ) "'"
//! guid       = 8HEX "-" 4HEX "-" 4HEX "-" 4HEX "-" 12HEX
//! datetime   = date "T" time [ "." 1*DIGIT ] ( "Z" / ( "+" / "-" ) 2DIGIT ":" 2DIGIT )
//! number     = [ "-" ] 1*DIGIT [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
//!
//! orderby    = order-key *( BWS "," BWS order-key )
//! order-key  = property [ RWS ( "asc" / "desc" ) ]
//! list       = identifier *( BWS "," BWS identifier )      ; $select, $expand
//! ```
//!
//! Nesting (parentheses and `not`) deeper than [`MAX_DEPTH`] is refused.

use winnow::ascii::Caseless;
use winnow::combinator::{alt, cut_err, opt, peek};
use winnow::error::{ContextError, ErrMode, ModalResult, StrContext, StrContextValue};
use winnow::prelude::*;
use winnow::token::{literal, one_of, take_while};

use crate::ast::{Case, CmpOp, Expr, Literal, Operand, OrderBy, Property, StrFn};
use crate::error::QueryError;

/// The deepest nesting of parentheses and `not` a filter may have.
pub const MAX_DEPTH: usize = 32;

type In<'a> = &'a str;

fn expected(what: &'static str) -> StrContext {
    StrContext::Expected(StrContextValue::Description(what))
}

fn label(what: &'static str) -> StrContext {
    StrContext::Label(what)
}

fn bws(i: &mut In<'_>) -> ModalResult<()> {
    take_while(0.., ' ').void().parse_next(i)
}

fn rws(i: &mut In<'_>) -> ModalResult<()> {
    take_while(1.., ' ').void().parse_next(i)
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A keyword, in any case, not followed by an identifier character.
fn keyword<'a>(word: &'static str) -> impl Parser<In<'a>, &'a str, ErrMode<ContextError>> {
    (
        literal(Caseless(word)),
        peek(winnow::combinator::not(one_of(is_ident_char))),
    )
        .map(|(w, _)| w)
}

fn identifier<'a>(i: &mut In<'a>) -> ModalResult<&'a str> {
    (
        one_of(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(0.., is_ident_char),
    )
        .take()
        .context(expected("a property name"))
        .parse_next(i)
}

struct Ctx {
    total: usize,
}

impl Ctx {
    fn at(&self, i: &In<'_>) -> usize {
        self.total - i.len()
    }
}

fn property(ctx: &Ctx, i: &mut In<'_>) -> ModalResult<Property> {
    let at = ctx.at(i);
    let first = identifier(i)?;
    let mut path = vec![first.to_owned()];
    while i.starts_with('/') {
        *i = &i[1..];
        path.push(cut_err(identifier).parse_next(i)?.to_owned());
    }
    Ok(Property { path, at })
}

fn operand(ctx: &Ctx, i: &mut In<'_>) -> ModalResult<Operand> {
    let case = opt(alt((
        (keyword("tolower"), bws, '(').value(Case::Lower),
        (keyword("toupper"), bws, '(').value(Case::Upper),
    )))
    .parse_next(i)?;
    match case {
        Some(case) => {
            bws(i)?;
            let property = cut_err(|i: &mut In<'_>| property(ctx, i)).parse_next(i)?;
            bws(i)?;
            cut_err(')'.context(expected("')'"))).parse_next(i)?;
            Ok(Operand {
                property,
                case: Some(case),
            })
        }
        None => Ok(Operand {
            property: property(ctx, i)?,
            case: None,
        }),
    }
}

fn string_literal(i: &mut In<'_>) -> ModalResult<String> {
    '\''.parse_next(i)?;
    let mut out = String::new();
    loop {
        let Some(pos) = i.find('\'') else {
            return cut_err(winnow::combinator::fail.context(label("unterminated string literal")))
                .parse_next(i);
        };
        out.push_str(&i[..pos]);
        *i = &i[pos + 1..];
        if i.starts_with('\'') {
            out.push('\'');
            *i = &i[1..];
        } else {
            return Ok(out);
        }
    }
}

fn hex(n: usize) -> impl FnMut(&mut In<'_>) -> ModalResult<()> {
    move |i: &mut In<'_>| {
        take_while(n..=n, |c: char| c.is_ascii_hexdigit())
            .void()
            .parse_next(i)
    }
}

fn guid(i: &mut In<'_>) -> ModalResult<Literal> {
    (hex(8), '-', hex(4), '-', hex(4), '-', hex(4), '-', hex(12))
        .take()
        .map(|g: &str| Literal::Guid(g.to_ascii_lowercase()))
        .parse_next(i)
}

fn digits(n: usize) -> impl FnMut(&mut In<'_>) -> ModalResult<()> {
    move |i: &mut In<'_>| {
        take_while(n..=n, |c: char| c.is_ascii_digit())
            .void()
            .parse_next(i)
    }
}

fn datetime(i: &mut In<'_>) -> ModalResult<Literal> {
    (
        digits(4),
        '-',
        digits(2),
        '-',
        digits(2),
        one_of(['T', 't']),
        digits(2),
        ':',
        digits(2),
        opt((
            ':',
            digits(2),
            opt(('.', take_while(1.., |c: char| c.is_ascii_digit()))),
        )),
        alt((
            one_of(['Z', 'z']).void(),
            (one_of(['+', '-']), digits(2), ':', digits(2)).void(),
        )),
    )
        .take()
        .map(|d: &str| Literal::DateTime(d.to_owned()))
        .parse_next(i)
}

fn number(i: &mut In<'_>) -> ModalResult<Literal> {
    let text = (
        opt('-'),
        take_while(1.., |c: char| c.is_ascii_digit()),
        opt(('.', take_while(1.., |c: char| c.is_ascii_digit()))),
        opt((
            one_of(['e', 'E']),
            opt(one_of(['+', '-'])),
            take_while(1.., |c: char| c.is_ascii_digit()),
        )),
    )
        .take()
        .parse_next(i)?;
    if let Ok(n) = text.parse::<i64>() {
        return Ok(Literal::Int(n));
    }
    if text.parse::<f64>().is_ok_and(f64::is_finite) {
        return Ok(Literal::Decimal(text.to_owned()));
    }
    cut_err(winnow::combinator::fail.context(label("number out of range"))).parse_next(i)
}

fn literal_value(i: &mut In<'_>) -> ModalResult<Literal> {
    alt((
        keyword("null").value(Literal::Null),
        keyword("true").value(Literal::Bool(true)),
        keyword("false").value(Literal::Bool(false)),
        string_literal.map(Literal::String),
        guid,
        datetime,
        number,
    ))
    .context(expected(
        "a literal (a 'string', number, true, false, null, GUID or date)",
    ))
    .parse_next(i)
}

fn cmp_op(i: &mut In<'_>) -> ModalResult<CmpOp> {
    alt((
        keyword("eq").value(CmpOp::Eq),
        keyword("ne").value(CmpOp::Ne),
        keyword("gt").value(CmpOp::Gt),
        keyword("ge").value(CmpOp::Ge),
        keyword("lt").value(CmpOp::Lt),
        keyword("le").value(CmpOp::Le),
    ))
    .parse_next(i)
}

fn str_fn(i: &mut In<'_>) -> ModalResult<StrFn> {
    (
        alt((
            keyword("contains").value(StrFn::Contains),
            keyword("startswith").value(StrFn::StartsWith),
            keyword("endswith").value(StrFn::EndsWith),
        )),
        bws,
        '(',
    )
        .map(|(f, _, _)| f)
        .parse_next(i)
}

fn too_deep(i: &mut In<'_>) -> ModalResult<Expr> {
    cut_err(winnow::combinator::fail.context(label("the filter is nested too deeply")))
        .parse_next(i)
}

fn primary(ctx: &Ctx, depth: usize, i: &mut In<'_>) -> ModalResult<Expr> {
    if i.starts_with('(') {
        if depth >= MAX_DEPTH {
            return too_deep(i);
        }
        *i = &i[1..];
        bws(i)?;
        let e = cut_err(|i: &mut In<'_>| or_expr(ctx, depth + 1, i)).parse_next(i)?;
        bws(i)?;
        cut_err(')'.context(expected("')'"))).parse_next(i)?;
        return Ok(e);
    }
    if let Some(func) = opt(str_fn).parse_next(i)? {
        bws(i)?;
        let left = cut_err(|i: &mut In<'_>| operand(ctx, i)).parse_next(i)?;
        bws(i)?;
        cut_err(','.context(expected("','"))).parse_next(i)?;
        bws(i)?;
        let value = cut_err(string_literal.context(expected("a 'string'"))).parse_next(i)?;
        bws(i)?;
        cut_err(')'.context(expected("')'"))).parse_next(i)?;
        return Ok(Expr::Func { func, left, value });
    }
    let left = operand(ctx, i)?;
    if let Some(lambda) = lambda_kind(&left, i) {
        return lambda_expr(ctx, depth, left.property, lambda, i);
    }
    cut_err(rws.context(expected("an operator (eq, ne, gt, ge, lt, le, in)"))).parse_next(i)?;
    if opt(keyword("in")).parse_next(i)?.is_some() {
        bws(i)?;
        cut_err('('.context(expected("'('"))).parse_next(i)?;
        let mut values = Vec::new();
        loop {
            bws(i)?;
            values.push(cut_err(literal_value).parse_next(i)?);
            bws(i)?;
            if i.starts_with(',') {
                *i = &i[1..];
                continue;
            }
            cut_err(')'.context(expected("',' or ')'"))).parse_next(i)?;
            break;
        }
        return Ok(Expr::In { left, values });
    }
    let op = cut_err(cmp_op.context(expected("an operator (eq, ne, gt, ge, lt, le, in)")))
        .parse_next(i)?;
    cut_err(rws.context(expected("a space"))).parse_next(i)?;
    let right = cut_err(literal_value).parse_next(i)?;
    Ok(Expr::Compare { left, op, right })
}

/// Whether an operand is `collection/any` or `collection/all` before its `(`: `Some(all)`.
fn lambda_kind(left: &Operand, i: &In<'_>) -> Option<bool> {
    let last = left.property.path.last()?;
    if left.case.is_some() || left.property.path.len() < 2 || !i.starts_with('(') {
        return None;
    }
    if last.eq_ignore_ascii_case("any") {
        Some(false)
    } else if last.eq_ignore_ascii_case("all") {
        Some(true)
    } else {
        None
    }
}

/// `(v:body)` after `collection/any` or `collection/all`.
fn lambda_expr(
    ctx: &Ctx,
    depth: usize,
    mut collection: Property,
    all: bool,
    i: &mut In<'_>,
) -> ModalResult<Expr> {
    if depth >= MAX_DEPTH {
        return too_deep(i);
    }
    collection.path.pop();
    *i = &i[1..];
    bws(i)?;
    let var = cut_err(identifier.context(expected("a lambda variable, as in any(p:p eq 'x')")))
        .parse_next(i)?
        .to_owned();
    bws(i)?;
    cut_err(':'.context(expected("':'"))).parse_next(i)?;
    bws(i)?;
    let body = cut_err(|i: &mut In<'_>| or_expr(ctx, depth + 1, i)).parse_next(i)?;
    bws(i)?;
    cut_err(')'.context(expected("')'"))).parse_next(i)?;
    Ok(Expr::Lambda {
        collection,
        all,
        var,
        body: Box::new(body),
    })
}

fn unary(ctx: &Ctx, depth: usize, i: &mut In<'_>) -> ModalResult<Expr> {
    if opt(keyword("not")).parse_next(i)?.is_some() {
        if depth >= MAX_DEPTH {
            return too_deep(i);
        }
        bws(i)?;
        let e = cut_err(|i: &mut In<'_>| unary(ctx, depth + 1, i)).parse_next(i)?;
        return Ok(Expr::Not(Box::new(e)));
    }
    primary(ctx, depth, i)
}

/// `RWS word RWS`, consumed only when all of it is there.
fn infix<'a>(word: &'static str) -> impl Parser<In<'a>, (), ErrMode<ContextError>> {
    (rws, keyword(word), rws).void()
}

fn and_expr(ctx: &Ctx, depth: usize, i: &mut In<'_>) -> ModalResult<Expr> {
    let mut left = unary(ctx, depth, i)?;
    while opt(infix("and")).parse_next(i)?.is_some() {
        let right = cut_err(|i: &mut In<'_>| unary(ctx, depth, i)).parse_next(i)?;
        left = Expr::And(Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn or_expr(ctx: &Ctx, depth: usize, i: &mut In<'_>) -> ModalResult<Expr> {
    let mut left = and_expr(ctx, depth, i)?;
    while opt(infix("or")).parse_next(i)?.is_some() {
        let right = cut_err(|i: &mut In<'_>| and_expr(ctx, depth, i)).parse_next(i)?;
        left = Expr::Or(Box::new(left), Box::new(right));
    }
    Ok(left)
}

/// Runs a parser over a whole option value, turning failures into a [`QueryError`] with the
/// position and the offending token.
fn whole<T>(
    option: &'static str,
    text: &str,
    mut parser: impl FnMut(&Ctx, &mut In<'_>) -> ModalResult<T>,
) -> Result<T, QueryError> {
    let ctx = Ctx { total: text.len() };
    let mut input = text;
    let result = (|i: &mut In<'_>| {
        bws(i)?;
        let value = parser(&ctx, i)?;
        bws(i)?;
        winnow::combinator::eof
            .context(expected("the end of the expression"))
            .parse_next(i)?;
        Ok(value)
    })(&mut input);
    result.map_err(|e: ErrMode<ContextError>| {
        let position = text.len() - input.len();
        let message = match e {
            ErrMode::Backtrack(e) | ErrMode::Cut(e) => e.to_string(),
            ErrMode::Incomplete(_) => "incomplete input".to_owned(),
        };
        QueryError::syntax(option, text, position, &message)
    })
}

/// Parses a `$filter` value.
pub fn parse_filter(text: &str) -> Result<Expr, QueryError> {
    whole("$filter", text, |ctx, i| or_expr(ctx, 0, i))
}

/// Parses an `$orderby` value.
pub fn parse_orderby(text: &str) -> Result<Vec<OrderBy>, QueryError> {
    whole("$orderby", text, |ctx, i| {
        let mut keys = Vec::new();
        loop {
            let property = property(ctx, i)?;
            let direction = opt((
                rws,
                alt((keyword("asc").value(false), keyword("desc").value(true))),
            ))
            .parse_next(i)?;
            keys.push(OrderBy {
                property,
                descending: direction.is_some_and(|(_, d)| d),
            });
            bws(i)?;
            if i.starts_with(',') {
                *i = &i[1..];
                bws(i)?;
                continue;
            }
            return Ok(keys);
        }
    })
}

/// Parses a `$select` or `$expand` list of names.
pub fn parse_list(option: &'static str, text: &str) -> Result<Vec<Property>, QueryError> {
    whole(option, text, |ctx, i| {
        let mut names = Vec::new();
        loop {
            names.push(property(ctx, i)?);
            bws(i)?;
            if i.starts_with(',') {
                *i = &i[1..];
                bws(i)?;
                continue;
            }
            return Ok(names);
        }
    })
}
