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
use crate::auth::token::{self, Token};
use crate::auth::{self, Job, JobKind, Outcome, Sessions, Signed};
use crate::http::checks::{
    ApiRefusal, check_name, check_origin, check_password, field, flag, presented_token, read_json,
    same_secret,
};
use crate::http::headers::{Reply, empty, header, json};
use crate::http::outcome::responder_for;
use crate::origin::OriginPolicy;
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
    pub limits: Arc<Mutex<SignInLimits>>,
    /// Registration needs this code (`--join-code`).
    pub join_code: Option<String>,
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
            (Method::Get | Method::Head, "/api/info") => Ok(Next::Reply(json(200, &api.info))),
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
        "/api/register" | "/api/login" | "/api/logout" | "/api/password"
    )
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
            JobKind::SignIn { name, password }
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
    if let Some(code) = &accounts.join_code {
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
    Ok(JobKind::Register { name, password })
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
