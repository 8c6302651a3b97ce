//! The admin console: pages rendered on the server (askama templates in
//! `crates/server/templates/console/`), a little script of our own for what must change in
//! place (`static/console.js`), at `/` and under `/console/`. Nothing is fetched from elsewhere.
//!
//! Every page answers with a Content-Security-Policy that allows no inline script and nothing
//! from other origins. Sessions are in [`session`]. What a page shows it reads through the Graph
//! dispatcher itself ([`crate::dispatch::internal`]), as the session's tenant: the same routing,
//! permissions, OData engine and error messages as a Graph client, and every change it makes
//! gets the same audit line.

pub mod session;

mod csv_import;
mod devices;
mod hash;
mod imports;
mod profiles;
mod scenarios;
mod settings;
mod tenants;

use askama::Template;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::body::Form;
use crate::state::AppState;
use session::Session;

/// The console's path prefix.
pub const PREFIX: &str = "/console";

/// The policy every console response carries: our own files only, no inline script or style.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CSS: &str = include_str!("static/console.css");
const JS: &str = include_str!("static/console.js");

/// Whether a request is the console's: under `/console/`, or `/` from a browser (one that
/// asks for HTML); an API client asking for `/` gets Graph's answer.
pub fn owns(path: &str, headers: &axum::http::HeaderMap) -> bool {
    if path == "/" {
        return headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    }
    path == PREFIX || path.starts_with("/console/")
}

/// What every page's frame shows.
#[derive(Debug, Default)]
pub struct Chrome {
    pub title: String,
    pub session: Option<Session>,
    /// The tenant the page is about, for the navigation.
    pub tenant: Option<String>,
    pub notice: Option<String>,
    pub problem: Option<String>,
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage {
    chrome: Chrome,
    heading: String,
    text: String,
}

/// The request, as the pages need it.
pub(crate) struct Asked {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub origin: String,
    pub headers: axum::http::HeaderMap,
    pub session: Option<Session>,
    /// A file the page's script sent as it is (`text/csv`), for the CSV import.
    pub upload: Option<axum::body::Bytes>,
}

impl Asked {
    fn secure(&self) -> bool {
        self.origin.starts_with("https://")
    }
}

/// Answers a console request.
pub async fn call(state: &AppState, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let mut asked = Asked {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        origin: crate::dispatch::origin(
            &Request::from_parts(parts.clone(), Body::empty()),
            state.config.scheme,
        ),
        session: Session::from_headers(&state.key, &parts.headers),
        headers: parts.headers,
        upload: None,
    };
    let file = asked
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/csv"));
    let form = if asked.method == Method::POST && file {
        match axum::body::to_bytes(body, csv_import::MOST_BYTES).await {
            Ok(bytes) => {
                asked.upload = Some(bytes);
                None
            }
            Err(_) => {
                return message(
                    &asked,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Too large",
                    &format!(
                        "The file is larger than the console takes ({} MiB). Split it, or use \
                         autopilot-graph import.",
                        csv_import::MOST_BYTES / (1024 * 1024)
                    ),
                );
            }
        }
    } else if asked.method == Method::POST {
        match axum::body::to_bytes(body, 256 * 1024).await {
            Ok(bytes) => Some(Form::parse(&bytes)),
            Err(_) => {
                return message(
                    &asked,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Too much sent",
                    "The form was larger than the console takes (256 KiB).",
                );
            }
        }
    } else {
        None
    };
    route(state, &asked, form.as_ref()).await
}

async fn route(state: &AppState, asked: &Asked, form: Option<&Form>) -> Response {
    let path = asked.path.as_str();
    match (&asked.method, path) {
        (&Method::GET, "/" | "/console") => return redirect("/console/"),
        (&Method::GET, "/console/static/console.css") => return asset(CSS, "text/css"),
        (&Method::GET, "/console/static/console.js") => return asset(JS, "text/javascript"),
        (&Method::GET, "/console/sign-in") => return sign_in_page(StatusCode::OK, None),
        (&Method::POST, "/console/sign-in") => return sign_in(state, asked, form).await,
        _ => {}
    }
    if asked.method != Method::GET && asked.method != Method::POST {
        return message(
            asked,
            StatusCode::METHOD_NOT_ALLOWED,
            "Not here",
            "The console takes GET and POST only.",
        );
    }
    let Some(session) = asked.session.as_ref() else {
        return if asked.method == Method::GET {
            redirect("/console/sign-in")
        } else {
            message(
                asked,
                StatusCode::UNAUTHORIZED,
                "Signed out",
                "Your session has ended. Sign in again.",
            )
        };
    };
    // Every write: from the console's own pages, with the session's token.
    if asked.method == Method::POST {
        // Forms send the token as a field, the page's script in a header.
        let csrf = form.and_then(|f| f.get("csrf")).or_else(|| {
            asked
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
        });
        if !session::same_origin(&asked.headers, &asked.origin) || !session.csrf_matches(csrf) {
            return message(
                asked,
                StatusCode::FORBIDDEN,
                "Refused",
                "This form did not come from this console session. Reload the page and try again.",
            );
        }
    }
    let decoded: Vec<String> = path
        .trim_start_matches("/console/")
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    match (&asked.method, segments.as_slice()) {
        (&Method::POST, ["sign-out"]) => {
            let mut response = redirect("/console/sign-in");
            if let Ok(v) = HeaderValue::from_str(&Session::cleared(asked.secure())) {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            response
        }
        (&Method::GET, [""]) => match &session.tenant {
            Some(t) => redirect(&format!("/console/t/{t}/devices")),
            None => tenants::page(state, asked, session).await,
        },
        (_, ["t", tenant, ..]) if !session.sees(tenant) => message(
            asked,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such page in your tenant.",
        ),
        // Every change needs a session that may write (checking a file changes nothing).
        (&Method::POST, ["t", _, rest @ ..])
            if !session.write && !matches!(rest, ["import", "check" | "failures"]) =>
        {
            message(
                asked,
                StatusCode::FORBIDDEN,
                "Read only",
                "This session may look, not change: sign in with a token that may write.",
            )
        }
        (&Method::GET, ["hash"]) => hash::page(session, None),
        (&Method::POST, ["hash"]) => hash::page(session, form),
        (&Method::POST, ["hash", "csv"]) => hash::csv(asked, session),
        (&Method::GET, ["t", tenant, "imports"]) => {
            imports::page(state, asked, session, tenant).await
        }
        (&Method::GET, ["t", tenant, "imports", "status"]) => {
            imports::status(state, asked, session, tenant).await
        }
        (&Method::GET, ["t", tenant, "import"]) => csv_import::page(session, tenant),
        (&Method::POST, ["t", _, "import", "check"]) => csv_import::check(asked, session),
        (&Method::POST, ["t", tenant, "import", "send"]) => {
            csv_import::send(state, asked, session, tenant).await
        }
        (&Method::POST, ["t", _, "import", "failures"]) => csv_import::failures(asked),
        (&Method::GET, ["t", tenant, "profiles"]) => {
            profiles::page(state, asked, session, tenant, None).await
        }
        (&Method::POST, ["t", tenant, "profiles"]) => {
            profiles::act(state, asked, session, tenant, form).await
        }
        (&Method::GET, ["t", tenant, "scenarios"]) => {
            scenarios::page(state, asked, session, tenant, None).await
        }
        (&Method::POST, ["t", tenant, "scenarios"]) => {
            scenarios::act(state, asked, session, tenant, form).await
        }
        (&Method::GET, ["t", tenant, "settings"]) => {
            settings::page(state, asked, session, tenant, None).await
        }
        (&Method::POST, ["t", tenant, "settings"]) => {
            settings::sync(state, asked, session, tenant).await
        }
        (&Method::GET, ["t", tenant, "devices"]) => {
            devices::list(state, asked, session, tenant).await
        }
        (&Method::GET, ["t", tenant, "devices", id]) => {
            devices::page(state, asked, session, tenant, id, None).await
        }
        (&Method::POST, ["t", tenant, "devices", id]) => {
            devices::act(state, asked, session, tenant, id, form).await
        }
        _ => message(
            asked,
            StatusCode::NOT_FOUND,
            "Not found",
            "The console has no page at this address.",
        ),
    }
}

async fn sign_in(state: &AppState, asked: &Asked, form: Option<&Form>) -> Response {
    if !session::same_origin(&asked.headers, &asked.origin) {
        return sign_in_page(
            StatusCode::FORBIDDEN,
            Some("Sign in from this console's own page."),
        );
    }
    let now = state.clock.now();
    let password = form.and_then(|f| f.get("password")).unwrap_or_default();
    let token = form.and_then(|f| f.get("token")).unwrap_or_default().trim();
    let session = if !password.is_empty() {
        state
            .console
            .password_matches(password)
            .then(|| Session::admin(now))
    } else if !token.is_empty() {
        let bearer = format!("Bearer {token}");
        let principal = match &state.jwks {
            Some(verifier) => verifier.authenticate(Some(&bearer)).await.ok(),
            None => crate::auth::authenticate(&state.key, Some(&bearer)).ok(),
        };
        principal.map(|p| {
            let write = p.has_any(&[autopilot_domain::Permission::ServiceConfigReadWrite]);
            Session::for_principal(&p, write, now)
        })
    } else {
        None
    };
    let Some(session) = session else {
        tracing::info!(target: "audit", outcome = "failed", via = "console", "sign-in");
        return sign_in_page(
            StatusCode::UNAUTHORIZED,
            Some("That password or token does not open the console."),
        );
    };
    tracing::info!(
        target: "audit",
        outcome = "succeeded",
        via = "console",
        tenant = session.tenant.as_deref().unwrap_or("every tenant"),
        "sign-in"
    );
    let mut response = redirect("/console/");
    if let Some(cookie) = session.cookie(&state.key, asked.secure())
        && let Ok(v) = HeaderValue::from_str(&cookie)
    {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

fn sign_in_page(status: StatusCode, problem: Option<&str>) -> Response {
    let page = SignInPage {
        chrome: Chrome {
            title: "Sign in".into(),
            problem: problem.map(str::to_owned),
            ..Chrome::default()
        },
    };
    html(status, page.render())
}

/// A page that only says something.
pub(crate) fn message(asked: &Asked, status: StatusCode, heading: &str, text: &str) -> Response {
    let page = MessagePage {
        chrome: Chrome {
            title: heading.to_owned(),
            session: asked.session.clone(),
            ..Chrome::default()
        },
        heading: heading.to_owned(),
        text: text.to_owned(),
    };
    html(status, page.render())
}

/// A rendered page with the console's headers.
pub(crate) fn html(status: StatusCode, rendered: Result<String, askama::Error>) -> Response {
    let (status, body) = match rendered {
        Ok(body) => (status, body),
        Err(e) => {
            tracing::error!(error = %e, "a console page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown.".to_owned(),
            )
        }
    };
    let mut response = (status, body).into_response();
    secure_headers(&mut response, "text/html; charset=utf-8");
    response
}

pub(crate) fn secure_headers(response: &mut Response, content_type: &'static str) {
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn asset(text: &'static str, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, text).into_response();
    secure_headers(&mut response, content_type);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// A 303 to `to` (a POST then shows a page fetched with GET).
pub(crate) fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    secure_headers(&mut response, "text/plain; charset=utf-8");
    response
}

/// A Graph request made as the session in `tenant`: the status and the JSON answer.
pub(crate) async fn graph(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    method: Method,
    path_and_query: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let (status, _, answer) =
        graph_answer(state, asked, session, tenant, method, path_and_query, body).await;
    (status, answer)
}

/// [`graph`], with the answer's headers.
pub(crate) async fn graph_answer(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    method: Method,
    path_and_query: &str,
    body: Option<&Value>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
    graph_raw(state, asked, session, tenant, method, path_and_query, body).await
}

/// A request made as the session in `tenant` with a body of any type (`(content type,
/// bytes)`): the status, the headers and the JSON answer.
pub(crate) async fn graph_raw(
    state: &AppState,
    asked: &Asked,
    session: &Session,
    tenant: &str,
    method: Method,
    path_and_query: &str,
    body: Option<(&str, Vec<u8>)>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut builder = Request::builder().method(method).uri(path_and_query);
    if let Some(host) = asked.headers.get(header::HOST) {
        builder = builder.header(header::HOST, host);
    }
    let request = match body {
        Some((kind, bytes)) => builder
            .header(header::CONTENT_TYPE, kind)
            .body(Body::from(bytes)),
        None => builder.body(Body::empty()),
    };
    let Ok(request) = request else {
        return (StatusCode::BAD_REQUEST, Default::default(), Value::Null);
    };
    let response = crate::dispatch::internal(state, request, session.principal(tenant)).await;
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    (
        parts.status,
        parts.headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// What a path segment or a query value escapes: all but letters, digits and `-._~`.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A path segment or query value, escaped for a Graph URL.
pub(crate) fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// The message of a Graph error answer.
pub(crate) fn graph_message(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or("The request failed.")
        .to_owned()
}
