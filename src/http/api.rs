//! The JSON API under `/api/` (docs/PROTOCOL.md §2): server facts, and accounts.
//!
//! Answered on the `http` thread, which only checks and routes: everything here is quick (a read
//! transaction at most). Account requests that hash a password or change the store are handed to
//! the `auth` threads with a closure that answers them there (see `auth/mod.rs`).
//!
//! Every request that changes something must come from the page itself (its `Origin`, checked as
//! the WebSocket handshake checks it, against cross-site request forgery) and carry JSON
//! (`Content-Type: application/json`, which no HTML form can send); `checks` holds those checks.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::Sender;
use serde_json::{Map, Value, json};
use tiny_http::{Method, Request};

use crate::auth::limit::SignInLimits;
use crate::auth::setup::SetupCode;
use crate::auth::token::{self, Token};
use crate::auth::{self, Job, JobKind, Outcome, Sessions, Signed};
use crate::http::checks::{
    ApiRefusal, check_name, check_origin, check_password, field, flag, presented_token, read_json,
    same_secret,
};
use crate::http::headers::{Reply, empty, header, json};
use crate::http::outcome::responder_for;
use crate::origin::OriginPolicy;
use crate::store::Store;
use crate::wire::Registration;
use crate::{log, log_limited};

/// What the API needs, owned by the `http` thread.
pub struct Api {
    /// The body of `GET /api/info`, made once at start-up.
    pub info: Value,
    pub sessions: Sessions,
    pub origins: OriginPolicy,
    /// `None` under `--guests`: no accounts.
    pub accounts: Option<AccountsApi>,
}

/// Where account requests go.
pub struct AccountsApi {
    pub jobs: Sender<Job>,
    /// Where the registration setting is read.
    pub store: Store,
    pub limits: Arc<Mutex<SignInLimits>>,
    /// While nobody owns the chat: the one-time code that makes the first owner.
    pub setup: SetupCode,
}

/// What to do with a request once it has been checked.
enum Next {
    Reply(Reply),
    /// Hand it to an `auth` thread, which answers it.
    HandOver(JobKind),
}

/// Answers one request under `/api/` from `client`.
pub fn respond(mut request: Request, client: SocketAddr, api: &Api) {
    let path = request.url().split('?').next().unwrap_or("").to_owned();
    let next =
        match (request.method(), path.as_str()) {
            (Method::Get | Method::Head, "/api/info") => Ok(Next::Reply(info(api))),
            (Method::Get | Method::Head, "/api/me") => me(&request, api).map(Next::Reply),
            (Method::Post, p) if is_account_path(p) => post(&mut request, p, client, api),
            (_, p) if p == "/api/info" || p == "/api/me" || is_account_path(p) => Err(
                ApiRefusal::new(405, "method_not_allowed", "not with this method"),
            ),
            _ => Err(ApiRefusal::new(
                404,
                "not_found",
                format!("no API at {path}"),
            )),
        };
    let reply = match next {
        Ok(Next::HandOver(kind)) => return hand_over(request, kind, &path, client, api),
        Ok(Next::Reply(reply)) => reply,
        Err(refusal) => refusal.into_reply(),
    };
    // The client went away mid-reply: nothing to do.
    let _ = request.respond(reply);
}

fn is_account_path(path: &str) -> bool {
    matches!(
        path,
        "/api/register" | "/api/login" | "/api/logout" | "/api/password" | "/api/reset"
    )
}

/// `GET /api/info`: the facts fixed at start-up, and who may register now.
fn info(api: &Api) -> Reply {
    let mut info = api.info.clone();
    if api.accounts.is_some() {
        let registration = api.sessions.store.reader.registration();
        let mode = registration.as_ref().map_or("closed", |r| r.mode());
        info["registration"] = mode.into();
        info["join_code"] = (mode == "code").into();
    }
    json(200, &info)
}

/// `GET /api/me`: whom the session belongs to. The cookie is set again, so that it lasts as long
/// as the session does while it is being used.
fn me(request: &Request, api: &Api) -> Result<Reply, ApiRefusal> {
    let presented = presented_token(request);
    let signed = authenticate(api, presented)?;
    let mut reply = json(200, &json!({ "name": signed.name }));
    if let Some(token) = presented.and_then(Token::from_presented) {
        let max_age = auth::max_age_secs(api.sessions.expiry);
        reply = reply.with_header(header("Set-Cookie", &token::set_cookie(&token, max_age)));
    }
    Ok(reply)
}

/// A POST to an account path, checked.
fn post(
    request: &mut Request,
    path: &str,
    client: SocketAddr,
    api: &Api,
) -> Result<Next, ApiRefusal> {
    check_origin(request, &api.origins)?;
    let body = read_json(request)?;
    let Some(accounts) = &api.accounts else {
        if path == "/api/logout" {
            return Ok(Next::Reply(signed_out()));
        }
        let why = "accounts are off: this server runs with --guests";
        return Err(ApiRefusal::new(404, "not_found", why));
    };
    let kind = match path {
        "/api/register" => register(&body, client, accounts)?,
        "/api/login" => {
            let (name, password) = (field(&body, "name")?, field(&body, "password")?);
            // Before any limit: a name no account can have is never a limiter's key.
            check_name(&name)?;
            limit(auth::guess(&accounts.limits, client.ip(), &name), client)?;
            let setup = setup_code(&body, accounts, client)?;
            JobKind::SignIn {
                name,
                password,
                setup,
            }
        }
        "/api/reset" => {
            let (name, code) = (field(&body, "name")?, field(&body, "code")?);
            let password = field(&body, "password")?;
            check_name(&name)?;
            check_password(&password)?;
            // A code is guessed like a password: the same limits, per name and per address.
            limit(auth::guess(&accounts.limits, client.ip(), &name), client)?;
            JobKind::Reset {
                name,
                code,
                password,
            }
        }
        "/api/password" => {
            let signed = authenticate(api, presented_token(request))?;
            let (old, new) = (field(&body, "old")?, field(&body, "new")?);
            check_password(&new)?;
            limit(
                auth::guess(&accounts.limits, client.ip(), &signed.name),
                client,
            )?;
            JobKind::ChangePassword { signed, old, new }
        }
        _ => {
            let everywhere = flag(&body, "everywhere")?;
            match authenticate(api, presented_token(request)) {
                Ok(signed) => JobKind::SignOut {
                    session: signed.session,
                    everywhere,
                },
                // Signing out twice is not an error: the client is signed out either way.
                Err(_) => return Ok(Next::Reply(signed_out())),
            }
        }
    };
    Ok(Next::HandOver(kind))
}

fn register(
    body: &Map<String, Value>,
    client: SocketAddr,
    accounts: &AccountsApi,
) -> Result<JobKind, ApiRefusal> {
    let (name, password) = (field(body, "name")?, field(body, "password")?);
    check_name(&name)?;
    check_password(&password)?;
    // The token is taken before the code is checked, so that guessing it costs as much.
    limit(auth::attempt(&accounts.limits, client.ip()), client)?;
    // The setup link works whatever the registration.
    let setup = setup_code(body, accounts, client)?;
    if setup.is_some() {
        return Ok(JobKind::Register {
            name,
            password,
            setup,
        });
    }
    let registration = accounts.store.reader.registration().map_err(|e| {
        log!("http: {e}");
        ApiRefusal::new(503, "unavailable", "cannot read the registration setting")
    })?;
    if registration == Registration::Closed {
        let why = "registration is closed: ask the teacher";
        return Err(ApiRefusal::new(403, "registration_closed", why));
    }
    if let Some(code) = registration.join_code() {
        let given = body.get("join_code").and_then(Value::as_str).unwrap_or("");
        if !same_secret(given, code) {
            // Never the code tried: it may be a near miss of the real one.
            log_limited!(
                "wrong join codes",
                client.ip(),
                "auth: wrong join code from {client}"
            );
            let why = "the join code is missing or wrong";
            return Err(ApiRefusal::new(403, "bad_join_code", why));
        }
    }
    Ok(JobKind::Register {
        name,
        password,
        setup: None,
    })
}

/// The owner setup code a request gives (`setup_code`), taken for it: `None` if it gives none;
/// 403 `bad_setup_code` if it is wrong or spent.
fn setup_code(
    body: &Map<String, Value>,
    accounts: &AccountsApi,
    client: SocketAddr,
) -> Result<Option<String>, ApiRefusal> {
    let Some(given) = body.get("setup_code").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let taken = given.as_str().and_then(|given| accounts.setup.take(given));
    match taken {
        Some(code) => Ok(Some(code)),
        None => {
            log_limited!(
                "wrong setup codes",
                client.ip(),
                "auth: wrong or spent owner setup code from {client}"
            );
            let why = "the owner setup code is wrong or already used";
            Err(ApiRefusal::new(403, "bad_setup_code", why))
        }
    }
}

/// Queues the job for an `auth` thread, with the closure that will answer the request; answers
/// 429 at once if the queue is full.
fn hand_over(request: Request, kind: JobKind, path: &str, client: SocketAddr, api: &Api) {
    let Some(accounts) = &api.accounts else {
        return;
    };
    // This thread is the queue's only sender, so a queue with room now still has room below.
    if accounts.jobs.is_full() {
        log_limited!(
            "busy sign-ins",
            client.ip(),
            "auth: queue full; refused {path} from {client}"
        );
        auth::not_tried(&accounts.limits, &kind);
        let refusal = ApiRefusal::rate_limited(Duration::from_secs(1), "too many sign-ins at once");
        let _ = request.respond(refusal.into_reply());
        return;
    }
    let responder = responder_for(request, path, client, api.sessions.expiry);
    if let Err(stopped) = accounts.jobs.send(Job { kind, responder }) {
        // Every `auth` thread has ended: the server is stopping.
        (stopped.into_inner().responder)(Outcome::Unavailable);
    }
}

/// The session the request's token opens, or 401.
fn authenticate(api: &Api, presented: Option<&str>) -> Result<Signed, ApiRefusal> {
    match api.sessions.authenticate(presented) {
        Ok(Some(signed)) => Ok(signed),
        Ok(None) => Err(ApiRefusal::new(
            401,
            "unauthenticated",
            "sign in first: no session, or it has ended",
        )),
        Err(e) => {
            log!("http: {e}");
            Err(ApiRefusal::new(
                503,
                "unavailable",
                "cannot check sessions right now",
            ))
        }
    }
}

/// 429 with the wait when an attempt is over the rate limits.
fn limit(counted: Result<(), Duration>, client: SocketAddr) -> Result<(), ApiRefusal> {
    counted.map_err(|wait| {
        log_limited!(
            "rate-limited sign-ins",
            client.ip(),
            "auth: rate-limited {client}"
        );
        ApiRefusal::rate_limited(wait, "too many attempts; wait a little")
    })
}

/// 204 and a cookie that makes the browser forget its token.
pub fn signed_out() -> Reply {
    empty(204).with_header(header("Set-Cookie", &token::clear_cookie()))
}
