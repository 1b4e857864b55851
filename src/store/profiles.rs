//! Display names in the store: an account's name as others see it (`wire::display_name`).
//! The hub keeps them in memory, announces a change at once and hands it here with its next
//! flush, to be committed with the group around it; at start-up it is given them all.

use redb::ReadableTable;

use super::schema::DISPLAY_NAMES;
use super::tables::Tables;

/// A display name set (`Some`) or cleared (`None`), from the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChange {
    pub user_key: String,
    pub display_name: Option<String>,
}

pub fn apply(t: &mut Tables, change: &ProfileChange) -> Result<(), redb::Error> {
    let key = change.user_key.as_str();
    match &change.display_name {
        Some(name) => t.display_names.insert(key, name.as_str())?,
        None => t.display_names.remove(key)?,
    };
    Ok(())
}

/// Every (user key, display name), for the hub at start-up.
pub fn snapshot(read: &redb::ReadTransaction) -> Result<Vec<(String, String)>, redb::Error> {
    let table = read.open_table(DISPLAY_NAMES)?;
    let mut names = Vec::new();
    for row in table.iter()? {
        let (user, name) = row?;
        names.push((user.value().to_owned(), name.value().to_owned()));
    }
    Ok(names)
}
