//! What a typed line means: text for the current room, or a command. Pure, and tested below.

/// `/help`: every command, one a line.
pub const HELP: &str = "\
TEXT             send TEXT to the current room
/room ROOM       talk in ROOM from now on (a room you are in)
/join ROOM       join ROOM and talk there
/create ROOM     create ROOM and talk there
/leave [ROOM]    leave ROOM (the current room if none is named)
/dm NAME TEXT    send TEXT to NAME privately
/rooms           list the rooms
/who             list the members of the current room
/quit            leave the chat (so does the end of stdin, Ctrl-D)
//TEXT           send TEXT starting with a /";

/// One typed line, understood.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Text for the current room.
    Say(String),
    /// Talk in this room from now on (nothing is sent).
    Switch(String),
    Join(String),
    Create(String),
    /// Leave this room, or the current one.
    Leave(Option<String>),
    Dm {
        to: String,
        text: String,
    },
    Rooms,
    Who,
    Help,
    Quit,
    /// An empty line: nothing to do.
    Nothing,
    /// A command used wrongly, or none: what to tell the user.
    Mistake(String),
}

/// Reads one line (without its line ending).
pub fn parse(line: &str) -> Command {
    if line.trim().is_empty() {
        return Command::Nothing;
    }
    let Some(command) = line.strip_prefix('/') else {
        return Command::Say(line.to_owned());
    };
    if command.starts_with('/') {
        return Command::Say(command.to_owned());
    }
    let (word, rest) = command.split_once(' ').unwrap_or((command, ""));
    let rest = rest.trim();
    match (word, rest) {
        ("quit", "") => Command::Quit,
        ("help", "") => Command::Help,
        ("rooms", "") => Command::Rooms,
        ("who", "") => Command::Who,
        ("leave", "") => Command::Leave(None),
        ("leave", room) => one_word(room, "/leave [ROOM]", |r| Command::Leave(Some(r))),
        ("room", room) => one_word(room, "/room ROOM", Command::Switch),
        ("join", room) => one_word(room, "/join ROOM", Command::Join),
        ("create", room) => one_word(room, "/create ROOM", Command::Create),
        ("dm", rest) => match rest.split_once(' ') {
            Some((to, text)) if !text.trim().is_empty() => Command::Dm {
                to: to.to_owned(),
                text: text.trim_start().to_owned(),
            },
            _ => Command::Mistake("usage: /dm NAME TEXT".into()),
        },
        _ => Command::Mistake(format!("/{word}: not a command, or not used so; see /help")),
    }
}

/// `make(word)` if `rest` is one word, else how the command is used.
fn one_word(rest: &str, usage: &str, make: impl FnOnce(String) -> Command) -> Command {
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        Command::Mistake(format!("usage: {usage}"))
    } else {
        make(rest.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_are_text_kept_as_typed() {
        assert_eq!(parse("hello  there "), Command::Say("hello  there ".into()));
        assert_eq!(
            parse("//join is a command"),
            Command::Say("/join is a command".into())
        );
        assert_eq!(parse("   "), Command::Nothing);
    }

    #[test]
    fn commands_and_their_arguments() {
        assert_eq!(parse("/quit"), Command::Quit);
        assert_eq!(parse("/rooms"), Command::Rooms);
        assert_eq!(parse("/who"), Command::Who);
        assert_eq!(parse("/help"), Command::Help);
        assert_eq!(parse("/join math"), Command::Join("math".into()));
        assert_eq!(parse("/create  math "), Command::Create("math".into()));
        assert_eq!(parse("/room math"), Command::Switch("math".into()));
        assert_eq!(parse("/leave"), Command::Leave(None));
        assert_eq!(parse("/leave math"), Command::Leave(Some("math".into())));
        let dm = Command::Dm {
            to: "bob".into(),
            text: "see you at 5".into(),
        };
        assert_eq!(parse("/dm bob see you at 5"), dm);
    }

    #[test]
    fn mistakes_say_how_a_command_is_used() {
        for line in [
            "/join",
            "/join a b",
            "/dm bob",
            "/dm bob   ",
            "/room",
            "/quit now",
        ] {
            assert!(matches!(parse(line), Command::Mistake(_)), "{line}");
        }
        assert!(matches!(parse("/bogus"), Command::Mistake(m) if m.contains("see /help")));
    }
}
