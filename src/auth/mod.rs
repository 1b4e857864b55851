//! Accounts: who may chat, proven once by a password and after that by a session token.
//!
//! - `password`: the password rules and Argon2id; `token`: session tokens, kept only as hashes;
//!   `limit`: rate limits on sign-ins and registrations.
//! - [`Sessions`]: finds whom a presented token belongs to, from any thread, in a read transaction
//!   that never waits for the store's writer.
//! - The `auth-N` threads, here: each blocks on the job queue until the `http` thread hands it an
//!   account request (register, sign in, change the password, sign out). It hashes or verifies
//!   the password (about 16 ms of a core and 19 MiB), asks the store to commit (waiting for room
//!   while the store's channel is full) and waits for the commit, then answers the request (its
//!   reply is written to tiny_http's connection to the guard, which takes it at once); a
//!   password that was right gives the name's rate-limit token back (see `limit`). There are
//!   `--hashers` of them, so no more hashes than that run at once, neither on the hub nor on the
//!   thread that serves the page; a burst of sign-ins waits its turn in the queue. They end when
//!   the queue's sender, held by the `http` thread, is gone.

pub mod limit;
pub mod password;
pub mod reset;
pub mod setup;
pub mod token;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use crate::identity::name_key;
use crate::log::now_ms;
use crate::store::{Request, Store, StoreError};
use limit::SignInLimits;
use token::{SessionId, Token};

/// Account requests waiting for an `auth` thread: a class of thirty signing in at once fits twice.
/// When it is full the `http` thread answers 429 at once.
pub const AUTH_QUEUE: usize = 64;

/// Finds the owner of a session token.
#[derive(Clone)]
pub struct Sessions {
    pub store: Store,
    /// A session unused for this long has expired.
    pub expiry: Duration,
}

/// A request's proven identity.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session: SessionId,
    pub user_key: String,
    /// The name as its owner spelled it.
    pub name: String,
}

impl Sessions {
    /// Whom `token` (as a client presented it) belongs to: `None` for no token, a malformed,
    /// unknown, ended or expired one. A session in use is noted, so that it expires later.
    pub fn authenticate(&self, token: Option<&str>) -> Result<Option<Signed>, StoreError> {
        let Some(id) = token.and_then(SessionId::of_presented) else {
            return Ok(None);
        };
        let Some((session, user)) = self.store.reader.session(&id)? else {
            return Ok(None);
        };
        let age = u128::from(now_ms().saturating_sub(session.last_used_ms));
        if age >= self.expiry.as_millis() {
            return Ok(None);
        }
        // Noting every use would be a write per request; a hundredth of the expiry is precise
        // enough.
        if age > self.expiry.as_millis() / 100 {
            self.store.touch(id);
        }
        Ok(Some(Signed {
            session: id,
            user_key: session.user_key,
            name: user.name,
        }))
    }
}

/// One account request for an `auth` thread, with the way to answer it.
pub struct Job {
    pub kind: JobKind,
    pub responder: Responder,
}

pub enum JobKind {
    /// `setup`: the owner setup code, taken for this request (given back if it fails).
    Register {
        name: String,
        password: String,
        setup: Option<String>,
    },
    SignIn {
        name: String,
        password: String,
        setup: Option<String>,
    },
    /// A new password with a reset code from a moderator.
    Reset {
        name: String,
        code: String,
        password: String,
    },
    ChangePassword {
        signed: Signed,
        old: String,
        new: String,
    },
    /// Ends the session, or with `everywhere` every session of its owner.
    SignOut {
        session: SessionId,
        everywhere: bool,
    },
}

/// The closure that sends an account request its HTTP reply (`http/outcome.rs`): called once
/// with the outcome, on the `auth` thread.
pub type Responder = Box<dyn FnOnce(Outcome) + Send>;

/// How an account request ended.
pub enum Outcome {
    /// Registered, signed in or reset (`how`): here is the new session's token.
    SignedIn {
        name: String,
        token: Token,
        how: Entry,
    },
    Done,
    /// Wrong name or password: the same answer for both.
    BadCredentials,
    NameTaken,
    /// The account is suspended: no sign-in.
    Suspended,
    /// The reset code is wrong, spent or expired.
    BadResetCode,
    /// The store failed; the request may be tried again.
    Unavailable,
}

/// How a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Registered,
    SignedIn,
    /// A new password set with a reset code.
    Reset,
}

/// An `auth-N` thread (see the module doc).
pub fn run(
    jobs: Receiver<Job>,
    store: Store,
    limits: Arc<Mutex<SignInLimits>>,
    setup: setup::SetupCode,
) {
    // Blocks until a job arrives; ends when the `http` thread has dropped the queue's sender.
    for Job { kind, responder } in jobs {
        let guessed = kind.guessed_name();
        let setup_code = kind.setup_code();
        let outcome = handle(kind, &store).unwrap_or_else(|e| {
            crate::log!("auth: {e}");
            Outcome::Unavailable
        });
        // The name's token was taken before the password was checked (see `limit`): only a
        // wrong guess keeps it.
        if !matches!(outcome, Outcome::BadCredentials | Outcome::BadResetCode) {
            give_back(&limits, guessed);
        }
        // A setup code taken for a request that did not make an owner is not spent.
        if let Some(code) = setup_code
            && !matches!(outcome, Outcome::SignedIn { .. })
        {
            setup.put_back(code);
        }
        responder(outcome);
    }
}

/// A guess that was never tried (the queue was full) costs its name nothing either.
pub fn not_tried(limits: &Mutex<SignInLimits>, kind: &JobKind) {
    give_back(limits, kind.guessed_name());
}

fn give_back(limits: &Mutex<SignInLimits>, guessed: Option<String>) {
    if let Some(key) = guessed {
        lock(limits).right(&key, Instant::now());
    }
}

impl JobKind {
    /// The name_key whose password this job checks, if it checks one.
    fn guessed_name(&self) -> Option<String> {
        match self {
            JobKind::SignIn { name, .. } | JobKind::Reset { name, .. } => Some(name_key(name)),
            JobKind::ChangePassword { signed, .. } => Some(signed.user_key.clone()),
            JobKind::Register { .. } | JobKind::SignOut { .. } => None,
        }
    }

    /// The owner setup code this job took, if it took it.
    pub fn setup_code(&self) -> Option<String> {
        match self {
            JobKind::Register { setup, .. } | JobKind::SignIn { setup, .. } => setup.clone(),
            _ => None,
        }
    }
}

fn handle(kind: JobKind, store: &Store) -> Result<Outcome, StoreError> {
    match kind {
        JobKind::Register {
            name,
            password,
            setup,
        } => register(store, name, &password, setup.is_some()),
        JobKind::SignIn {
            name,
            password,
            setup,
        } => sign_in(store, &name, &password, setup.is_some()),
        JobKind::Reset {
            name,
            code,
            password,
        } => reset(store, &name, &code, &password),
        JobKind::ChangePassword { signed, old, new } => change_password(store, signed, &old, &new),
        JobKind::SignOut {
            session,
            everywhere,
        } => {
            store.call(|to_caller| Request::EndSession {
                session,
                everywhere,
                to_caller,
            })?;
            Ok(Outcome::Done)
        }
    }
}

fn register(
    store: &Store,
    name: String,
    password: &str,
    owner: bool,
) -> Result<Outcome, StoreError> {
    // Taken names, and names that look like one, are refused before 16 ms are spent on a hash;
    // the store checks again as it commits, for two registrations of one name at once.
    if store.reader.name_taken(&name)? {
        return Ok(Outcome::NameTaken);
    }
    let phc = password::hash(password).map_err(|e| StoreError::new("registering", e))?;
    let token = Token::generate().map_err(|e| StoreError::new("making a token", e))?;
    let session = token.id();
    let created = store.call(|to_caller| Request::Register {
        name: name.clone(),
        phc,
        session,
        owner,
        to_caller,
    })?;
    Ok(match created {
        true => Outcome::SignedIn {
            name,
            token,
            how: Entry::Registered,
        },
        false => Outcome::NameTaken,
    })
}

fn sign_in(store: &Store, name: &str, password: &str, owner: bool) -> Result<Outcome, StoreError> {
    let key = name_key(name);
    let user = store.reader.user(&key)?;
    if !password::verify(password, user.as_ref().map(|u| u.phc.as_str())) {
        return Ok(Outcome::BadCredentials);
    }
    let user = user.expect("verify matches only a stored hash");
    if store.reader.standing(&key)?.suspended {
        return Ok(Outcome::Suspended);
    }
    if owner {
        let user_key = key.clone();
        let via = "setup_link";
        store.call(|to_caller| Request::MakeOwner {
            user_key,
            via,
            to_caller,
        })?;
    }
    let token = Token::generate().map_err(|e| StoreError::new("making a token", e))?;
    let session = token.id();
    store.call(|to_caller| Request::OpenSession {
        user_key: key,
        session,
        to_caller,
    })?;
    Ok(Outcome::SignedIn {
        name: user.name,
        token,
        how: Entry::SignedIn,
    })
}

/// A new password with a reset code: checked here first (so that a wrong code costs no hash),
/// then again as the store spends it.
fn reset(store: &Store, name: &str, code: &str, password: &str) -> Result<Outcome, StoreError> {
    let key = name_key(name);
    let Some(user) = store.reader.user(&key)? else {
        return Ok(Outcome::BadResetCode);
    };
    let code_hash = reset::hash_of(code);
    if !store.reader.reset_code_is(&key, &code_hash, now_ms())? {
        return Ok(Outcome::BadResetCode);
    }
    if store.reader.standing(&key)?.suspended {
        return Ok(Outcome::Suspended);
    }
    let phc = password::hash(password).map_err(|e| StoreError::new("resetting a password", e))?;
    let token = Token::generate().map_err(|e| StoreError::new("making a token", e))?;
    let session = token.id();
    let reset = store.call(|to_caller| Request::ResetPassword {
        user_key: key,
        code_hash,
        phc,
        session,
        to_caller,
    })?;
    Ok(match reset {
        true => Outcome::SignedIn {
            name: user.name,
            token,
            how: Entry::Reset,
        },
        false => Outcome::BadResetCode,
    })
}

fn change_password(
    store: &Store,
    signed: Signed,
    old: &str,
    new: &str,
) -> Result<Outcome, StoreError> {
    let user = store.reader.user(&signed.user_key)?;
    if !password::verify(old, user.as_ref().map(|u| u.phc.as_str())) {
        return Ok(Outcome::BadCredentials);
    }
    let phc = password::hash(new).map_err(|e| StoreError::new("changing a password", e))?;
    store.call(|to_caller| Request::SetPassword {
        user_key: signed.user_key,
        phc,
        keep: signed.session,
        to_caller,
    })?;
    Ok(Outcome::Done)
}

/// The rate limits, whose lock is only ever held for a few map operations (never across I/O).
pub fn lock(limits: &Mutex<SignInLimits>) -> std::sync::MutexGuard<'_, SignInLimits> {
    limits
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Counts a registration from `address` against the rate limits.
pub fn attempt(limits: &Mutex<SignInLimits>, address: IpAddr) -> Result<(), Duration> {
    lock(limits).attempt(address, Instant::now())
}

/// Counts a password guess on `name` from `address` against the rate limits; the `auth` thread
/// gives the name's token back if the password was right.
pub fn guess(limits: &Mutex<SignInLimits>, address: IpAddr, name: &str) -> Result<(), Duration> {
    lock(limits).guess(address, &name_key(name), Instant::now())
}

/// The session expiry as a cookie's `Max-Age`, in seconds.
pub fn max_age_secs(expiry: Duration) -> u64 {
    expiry.as_secs().max(1)
}
