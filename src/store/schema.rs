//! The tables of the store, and how it is opened.
//!
//! One redb file, `threadchat.redb`, in the data directory. Names are keyed by `name_key`
//! (lowercase), so uniqueness ignores case; the name as its owner spelled it is kept in the value.
//! Names must not look alike either: each account's `name_skeleton` is kept too.

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use redb::backends::FileBackend;
use redb::{Database, MultimapTableDefinition, ReadableDatabase, ReadableTable, TableDefinition};

use super::tables::Tables;
use super::{StoreError, private};
use crate::log;
use crate::wire::GENERAL;

/// The file in the data directory.
pub const FILE: &str = "threadchat.redb";

/// The layout this code reads and writes; a store written by another refuses to open.
const SCHEMA_VERSION: u64 = 1;

/// redb's page cache. Its default, 1 GiB, suits a database server; here the hot data (sessions,
/// recent messages) is small, and a small machine has better uses for its memory.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// redb's page cache while the file is checked at start-up (see [`open`]).
const CHECK_CACHE_BYTES: usize = 1024 * 1024;

/// name_key → (name as spelled, PHC string of the password, created ms).
pub const USERS: TableDefinition<&str, (&str, &str, u64)> = TableDefinition::new("users");
/// name_skeleton → the name_key of the account whose name has it: no two names look alike.
pub const NAME_SKELETONS: TableDefinition<&str, &str> = TableDefinition::new("name_skeletons");
/// session id (hash of the token) → (owner's name_key, created ms, last used ms).
pub const SESSIONS: TableDefinition<&[u8; 32], (&str, u64, u64)> = TableDefinition::new("sessions");
/// owner's name_key → their session ids, to end them all at once.
pub const USER_SESSIONS: MultimapTableDefinition<&str, &[u8; 32]> =
    MultimapTableDefinition::new("user_sessions");
/// room_key → (name as spelled, created ms).
pub const ROOMS: TableDefinition<&str, (&str, u64)> = TableDefinition::new("rooms");
/// An account's name_key → the keys of its rooms. (Guests' memberships are not kept.)
pub const MEMBERS: MultimapTableDefinition<&str, &str> = MultimapTableDefinition::new("members");
/// name_key → the keys of the users it has a private conversation with.
pub const DM_PARTNERS: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("dm_partners");
/// seq → (ts, from, from_key, room or "", to or "", to_key or "", text, client id or "").
pub const MESSAGES: TableDefinition<u64, MessageRow<'static>> = TableDefinition::new("messages");
/// A row of [`MESSAGES`].
pub type MessageRow<'a> = (
    u64,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
);
/// (conversation, seq) → (): each conversation's messages in order, for history pages.
pub const CONVERSATIONS: TableDefinition<(&str, u64), ()> = TableDefinition::new("conversations");
/// (sender's name_key, client id) → seq: retried messages are recognised.
pub const CLIENT_IDS: TableDefinition<(&str, &str), u64> = TableDefinition::new("client_ids");
/// seq of a change event → (the changed message's seq, ts, by, by's name_key, [`EDIT`] or
/// [`DELETE`], client id or ""). An edit keeps no text: the message's row holds its current text,
/// so a deletion that empties the row leaves no version behind (`changes.rs`).
pub const CHANGES: TableDefinition<u64, ChangeRow<'static>> = TableDefinition::new("changes");
/// A row of [`CHANGES`].
pub type ChangeRow<'a> = (u64, u64, &'a str, &'a str, u8, &'a str);
/// The kinds of change in a [`ChangeRow`].
pub const EDIT: u8 = 1;
pub const DELETE: u8 = 2;
/// (conversation, seq of a change event) → (): each conversation's changes, for catch-up.
pub const CONVERSATION_CHANGES: TableDefinition<(&str, u64), ()> =
    TableDefinition::new("conversation_changes");
/// (message's seq, seq of a change event to it) → (): its changes, removed with it.
pub const CHANGES_OF: TableDefinition<(u64, u64), ()> = TableDefinition::new("changes_of");
/// message's seq → (its last edit's ts or 0, its deletion's ts or 0).
pub const REVISED: TableDefinition<u64, (u64, u64)> = TableDefinition::new("revised");
/// conversation → the newest `seq` retention removed from it: a page that reaches the oldest kept
/// message of that conversation says older ones existed (`truncated`).
pub const TRIMMED: TableDefinition<&str, u64> = TableDefinition::new("trimmed");
/// name_key → the display name the account set (`profiles.rs`).
pub const DISPLAY_NAMES: TableDefinition<&str, &str> = TableDefinition::new("display_names");
/// (conversation, reader's name_key) → the `seq` they have read up to (`reads.rs`).
pub const READ_POSITIONS: TableDefinition<(&str, &str), u64> =
    TableDefinition::new("read_positions");
/// name_key → (role code, muted until ms or 0 or [`FOR_NOW`], suspended): an account's standing
/// (`moderation.rs`). A member in good standing has no row.
pub const STANDING: TableDefinition<&str, (u8, u64, bool)> = TableDefinition::new("standing");
/// A `muted until` that means "until lifted".
pub const FOR_NOW: u64 = u64::MAX;
/// name_key → (hash of the one password reset code, expires ms): at most one per account.
pub const RESET_CODES: TableDefinition<&str, (&[u8; 32], u64)> =
    TableDefinition::new("reset_codes");
/// room_key → (read-only, slow mode seconds); a room with neither has no row.
pub const ROOM_RULES: TableDefinition<&str, (bool, u32)> = TableDefinition::new("room_rules");
/// n → (ts, the entry as JSON): the moderation log, oldest first, kept [`AUDIT_DAYS`].
pub const AUDIT: TableDefinition<u64, (u64, &str)> = TableDefinition::new("audit");
/// How long the moderation log keeps an entry.
pub const AUDIT_DAYS: u64 = 90;
/// Settings the owners change from the page: `registration` (open, code, closed), `join_code`.
pub const SETTINGS: TableDefinition<&str, &str> = TableDefinition::new("settings");
/// Small facts about the store itself: `schema` (the layout's version), `last_seq`,
/// `first_seq`, `ids_from`, `audit_n` (the moderation log's last entry).
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// A store in memory only: nothing on disk, nothing survives (`--in-memory`).
pub fn in_memory() -> Result<Database, StoreError> {
    let context = "cannot make a store in memory";
    let db = Database::builder()
        .create_with_backend(redb::backends::InMemoryBackend::new())
        .map_err(|e| StoreError::new(context, e))?;
    prepare(&db).map_err(|e| StoreError::new(context, e))?;
    Ok(db)
}

/// Opens (or creates) the store in `dir`. A directory or file that cannot be opened, a damaged
/// file or one of another layout is an error that says which and where: never replaced by an
/// empty store.
pub fn open(dir: &Path) -> Result<Database, StoreError> {
    let context = |what: &str| format!("{what} {}", dir.display());
    // Private to the server's user: the store holds password hashes.
    private::folder(dir)?;
    let path = dir.join(FILE);
    // redb would make an empty file a new, empty store: here it can only be one cut short.
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == 0) {
        let why = "the file is empty (cut short?); move it away to start with an empty store";
        return Err(StoreError::new(context("the store is damaged in"), why));
    }
    // The check reads every page once: through a small cache, so that it leaves the server's
    // memory as small as it found it (memory freed is rarely given back to the system).
    let mut db = open_file(dir, CHECK_CACHE_BYTES)?;
    check(&mut db).map_err(|e| StoreError::new(context("the store is damaged in"), e))?;
    drop(db);
    let db = open_file(dir, CACHE_BYTES)?;
    prepare(&db).map_err(|e| StoreError::new(context("cannot use the store in"), e))?;
    Ok(db)
}

/// Opens the store file in `dir` again after a disk error closed it (see `disk.rs`): as at
/// start, but without the checks, which the store passed then. redb repairs a file whose last
/// commit was cut short.
pub fn reopen(dir: &Path) -> Result<Database, StoreError> {
    open_file(dir, CACHE_BYTES)
}

/// Opens (or creates) the redb file in `dir`, with a page cache of `cache` bytes.
fn open_file(dir: &Path, cache: usize) -> Result<Database, StoreError> {
    let context = |what: &str| format!("{what} {}", dir.display());
    let file = private::file(&dir.join(FILE))
        .map_err(|e| StoreError::new(context("cannot open the store in"), e))?;
    let mut builder = Database::builder();
    builder.set_cache_size(cache);
    // redb may panic on a file damaged in some ways; that is an error here, not a crash.
    let create = || builder.create_with_backend(FileBackend::new(file)?);
    let opened = panic::catch_unwind(AssertUnwindSafe(create))
        .map_err(|_| StoreError::new(context("the store is damaged in"), "redb panicked"))?;
    opened.map_err(|e| match damaged(&e) {
        true => StoreError::new(context("the store is damaged in"), e),
        false => StoreError::new(context("cannot open the store in"), e),
    })
}

/// Whether redb refused the file for what is in it (rather than, say, a permission).
fn damaged(error: &redb::DatabaseError) -> bool {
    match error {
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(_)) => true,
        redb::DatabaseError::Storage(redb::StorageError::Io(e)) => {
            e.kind() == std::io::ErrorKind::UnexpectedEof
        }
        _ => false,
    }
}

/// Verifies every page's checksum, so that a file damaged behind redb's back (a failing disk, a
/// bad copy) is found at start-up, not by a reader in the middle of the chat. Costs one read of
/// the file: about 70 ms for a million messages (76 MiB) on our test machine.
fn check(db: &mut Database) -> Result<(), String> {
    match panic::catch_unwind(AssertUnwindSafe(|| db.check_integrity())) {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => {
            log!(
                "store: the file was damaged; redb went back to its last intact commit, \
                 so the newest messages may be missing"
            );
            Ok(())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("redb panicked while checking it".into()),
    }
}

/// Checks the schema version of an old store; makes sure every table, and the room `general`,
/// exist (so that readers never meet a missing table).
fn prepare(db: &Database) -> Result<(), redb::Error> {
    let read = db.begin_read()?;
    let version = match read.open_table(META) {
        Ok(meta) => meta.get("schema")?.map(|v| v.value()),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(e.into()),
    };
    drop(read);
    if let Some(other) = version.filter(|&v| v != SCHEMA_VERSION) {
        return Err(redb::Error::Corrupted(format!(
            "schema version {other}; this threadchat reads version {SCHEMA_VERSION}"
        )));
    }
    let write = db.begin_write()?;
    // Opening every table creates those missing.
    let mut tables = Tables::open(&write)?;
    // A store older than the skeletons gets them from its users.
    super::accounts::index_skeletons(&mut tables)?;
    if tables.rooms.get(GENERAL)?.is_none() {
        tables
            .rooms
            .insert(GENERAL, (GENERAL, crate::log::now_ms()))?;
    }
    tables.meta.insert("schema", SCHEMA_VERSION)?;
    drop(tables);
    write.commit()?;
    Ok(())
}
