//! The name and the password: asked for on a terminal, or read from the first lines of stdin.
//!
//! When stdin is a terminal the client prints a prompt and, for the password, turns the terminal's
//! echo off with `stty -echo` (a program every Unix has: std has no terminal calls, and this client
//! takes no terminal library) and back on after. When stdin is a pipe there is no prompt, so that a
//! script can feed `NAME\nPASSWORD\n` followed by the lines to send.

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::{Command, Stdio};

/// One line from stdin, without its line ending, after `prompt` on a terminal.
pub fn line(prompt: &str) -> Result<String, String> {
    ask(prompt)?;
    read_line()
}

/// [`line`], with the terminal's echo off while it is typed.
pub fn secret(prompt: &str) -> Result<String, String> {
    ask(prompt)?;
    let silenced = io::stdin().is_terminal() && stty("-echo");
    let line = read_line();
    if silenced {
        stty("echo");
        // The user's Enter was not echoed either.
        println!();
    }
    line
}

fn ask(prompt: &str) -> Result<(), String> {
    if io::stdin().is_terminal() {
        let mut stdout = io::stdout().lock();
        write!(stdout, "{prompt}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write to the terminal: {e}"))?;
    }
    Ok(())
}

/// Blocks until a whole line is typed or stdin ends. Reads through std's shared stdin buffer, so
/// lines read ahead are there for the `keyboard` thread afterwards.
fn read_line() -> Result<String, String> {
    let mut line = String::new();
    match io::stdin().lock().read_line(&mut line) {
        Ok(0) => Err("stdin ended before the sign-in".into()),
        Ok(_) => Ok(line.trim_end_matches(['\n', '\r']).to_owned()),
        Err(e) => Err(format!("cannot read stdin: {e}")),
    }
}

/// Runs `stty SETTING` on the terminal that is our stdin; whether it worked.
fn stty(setting: &str) -> bool {
    let status = Command::new("stty")
        .arg(setting)
        .stdin(Stdio::inherit())
        .status();
    status.is_ok_and(|status| status.success())
}
