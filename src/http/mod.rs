//! The HTTP side: the page (`www/`) and the JSON API, served by tiny_http behind a guard.
//!
//! - `guard`: the `http-accept` thread and the bounded `http-conn` threads that own the public
//!   port, reading each request under caps and deadlines (`head`) before it reaches tiny_http;
//! - `forward`: handing a checked request to tiny_http on its private socket (`private`), and
//!   relaying the answer; `reply`: the guard's own refusals;
//! - `serve`: the `http` thread, which answers what tiny_http receives and rebuilds tiny_http when
//!   its accept thread dies (`revive`); `files`: which file a path may name; `api`: the JSON API,
//!   which refuses bad requests through `checks` and whose account requests `outcome` answers
//!   from an `auth` thread; `headers`: answers.

mod api;
mod checks;
mod files;
mod forward;
pub mod guard;
mod head;
mod headers;
mod outcome;
mod private;
mod reply;
mod revive;
pub mod serve;

pub use api::{AccountsApi, Api};
pub use checks::same_secret;
pub use forward::Upstream;
pub use private::PrivateDir;
pub use serve::Site;
