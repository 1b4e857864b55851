//! The owner setup code: how the first owner is made. While the store has no owner, each start
//! makes a fresh code, which only the server's console shows (the link on stdout). Registering or
//! signing in with it makes that account the owner and spends it; a restart makes a new one and
//! the old one is dead, as it was only ever held here, in memory.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::http::same_secret;

/// The code while it is unspent, shared by the `http` thread (which takes it for a request) and
/// the `auth` threads (which give it back if that request failed).
#[derive(Clone, Default)]
pub struct SetupCode(Arc<Mutex<Option<String>>>);

impl SetupCode {
    /// A fresh code (128 random bits, as hex), or `None` if the system gives no randomness.
    pub fn fresh() -> Option<SetupCode> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).ok()?;
        let code = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Some(SetupCode(Arc::new(Mutex::new(Some(code)))))
    }

    /// The code, for the console.
    pub fn current(&self) -> Option<String> {
        self.lock().clone()
    }

    /// Takes the code if `given` is it: no other request can use it meanwhile.
    pub fn take(&self, given: &str) -> Option<String> {
        let mut code = self.lock();
        match code.as_deref() {
            Some(expected) if same_secret(given, expected) => code.take(),
            _ => None,
        }
    }

    /// Gives a taken code back: the request that took it failed (a wrong password, a name taken).
    pub fn put_back(&self, taken: String) {
        self.lock().get_or_insert(taken);
    }

    fn lock(&self) -> MutexGuard<'_, Option<String>> {
        // Held for an assignment at most: a panic there leaves nothing half-done.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_taken_once_and_given_back_on_failure() {
        let setup = SetupCode::fresh().expect("randomness");
        let code = setup.current().expect("a code");
        assert_eq!(code.len(), 32);
        assert!(setup.take("not-it").is_none());
        let taken = setup.take(&code).expect("the right code");
        assert!(setup.take(&code).is_none(), "spent while taken");
        setup.put_back(taken);
        assert!(setup.take(&code).is_some());
        assert!(SetupCode::default().current().is_none());
    }
}
