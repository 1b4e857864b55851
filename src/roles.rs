//! Who may moderate whom: the three roles of an account, and the one rule between two of them.
//!
//! Owners do everything; moderators do everything but change roles and registration; members
//! chat. Guests (`--guests`) have no role at all: every moderation frame is refused them. The rule
//! for acting on a person is [`may_act_on`]; the rule for deleting someone else's message is one
//! line in `store/changes.rs` (`may_change`), which asks [`Role::moderates`].

use serde::Serialize;

/// An account's role. Stored as a number ([`Role::code`]), sent as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Member,
    Moderator,
    Owner,
}

impl Role {
    /// Whether this role may delete any message, mute, suspend and reset passwords.
    pub fn moderates(self) -> bool {
        self >= Role::Moderator
    }

    /// The name on the wire: `member`, `moderator`, `owner`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Owner => "owner",
        }
    }

    /// The role a name on the wire stands for.
    pub fn parse(name: &str) -> Option<Role> {
        [Role::Member, Role::Moderator, Role::Owner]
            .into_iter()
            .find(|role| role.name() == name)
    }

    /// The role's number in the store.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The role a number in the store stands for (an unknown one reads as a member's: the
    /// safe side).
    pub fn from_code(code: u8) -> Role {
        match code {
            2 => Role::Owner,
            1 => Role::Moderator,
            _ => Role::Member,
        }
    }
}

/// Whether someone of role `by` may mute, suspend or reset the password of someone of role
/// `target`: a moderator acts on members only; an owner on anyone but other owners.
pub fn may_act_on(by: Role, target: Role) -> bool {
    match by {
        Role::Owner => target != Role::Owner,
        Role::Moderator => target == Role::Member,
        Role::Member => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names_and_codes() {
        for role in [Role::Member, Role::Moderator, Role::Owner] {
            assert_eq!(Role::parse(role.name()), Some(role));
            assert_eq!(Role::from_code(role.code()), role);
        }
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Role::from_code(9), Role::Member);
    }

    #[test]
    fn moderators_act_on_members_only_and_owners_on_all_but_owners() {
        assert!(may_act_on(Role::Moderator, Role::Member));
        assert!(!may_act_on(Role::Moderator, Role::Moderator));
        assert!(!may_act_on(Role::Moderator, Role::Owner));
        assert!(may_act_on(Role::Owner, Role::Moderator));
        assert!(!may_act_on(Role::Owner, Role::Owner));
        assert!(!may_act_on(Role::Member, Role::Member));
        assert!(Role::Owner.moderates() && Role::Moderator.moderates());
        assert!(!Role::Member.moderates());
    }
}
