//! Answering an account request on an `auth` thread, once its outcome is known.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;
use tiny_http::Request;

use crate::auth::{self, Entry, Outcome, token};
use crate::http::api::signed_out;
use crate::http::headers::{empty, error, header, json};
use crate::log_limited;

/// The closure an `auth` thread calls with the outcome of `request` (to `path`, from `client`).
pub fn responder_for(
    request: Request,
    path: &str,
    client: SocketAddr,
    expiry: Duration,
) -> auth::Responder {
    let signing_out = path == "/api/logout";
    Box::new(move |outcome| {
        let reply = match outcome {
            Outcome::SignedIn { name, token, how } => {
                let (status, did) = match how {
                    Entry::Registered => (201, "registered"),
                    Entry::SignedIn => (200, "signed in"),
                    Entry::Reset => (201, "set a new password with a reset code"),
                };
                log_limited!("sign-ins", client.ip(), "{name} {did} from {client}");
                let cookie = token::set_cookie(&token, auth::max_age_secs(expiry));
                json(status, &json!({ "name": name, "token": token.as_str() }))
                    .with_header(header("Set-Cookie", &cookie))
            }
            Outcome::Done if signing_out => signed_out(),
            Outcome::Done => empty(204),
            Outcome::BadCredentials => {
                // Never the name tried: people type their password into the wrong box.
                log_limited!(
                    "failed sign-ins",
                    client.ip(),
                    "failed sign-in from {client}"
                );
                error(401, "bad_credentials", "wrong name or password")
            }
            Outcome::NameTaken => error(409, "name_taken", "that name is taken"),
            Outcome::Suspended => error(403, "suspended", "this account is suspended"),
            Outcome::BadResetCode => {
                log_limited!(
                    "wrong reset codes",
                    client.ip(),
                    "auth: wrong or expired reset code from {client}"
                );
                error(
                    400,
                    "bad_reset_code",
                    "the reset code is wrong, used or expired",
                )
            }
            Outcome::Unavailable => {
                error(503, "unavailable", "the server cannot do that right now")
            }
        };
        // The client went away meanwhile: nothing to do.
        let _ = request.respond(reply);
    })
}
