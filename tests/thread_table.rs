//! The thread table of docs/ARCHITECTURE.md ("Every thread and every place it waits") against the
//! threads themselves: the names the code gives its threads, read from `src/`, and the threads a
//! running server has, read from /proc. A thread added without a row, a row left behind by a
//! thread that went, or a library's thread that nobody listed, fails here. The terminal client
//! (`threadchat chat`, src/client/) is a process of its own with a table of its own, checked the
//! same way.
//!
//! The table's first column names each thread in backticks as /proc shows it (`N` for a number);
//! its second says how many there are, when that is a plain number.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Binary, DEADLINE, TempDir};

/// The server's table is the first one after this heading...
const HEADING: &str = "### Every thread and every place it waits";
/// ...and the terminal client's (`threadchat chat`, src/client/, a process of its own) the first
/// after this one.
const CLIENT_HEADING: &str = "## The terminal client: two threads and one writer";

/// How much of a thread's name the kernel keeps (TASK_COMM_LEN, 16 bytes with its NUL).
const COMM_LEN: usize = 15;

/// How long a started server may take to settle: a thread that ends on its own (a handshake, a
/// request's `http-conn`) may still be on its way out. tiny_http's pool grows and shrinks by
/// itself, so its row gives no plain number and the `http` threads are not counted.
const SETTLE: Duration = Duration::from_secs(15);

/// One row of the table.
#[derive(Debug)]
struct Row {
    /// As /proc shows it, with `N` standing for a number: `hub`, `auth-N`.
    name: String,
    /// How many threads the row stands for, if it says a plain number.
    count: Option<usize>,
}

// Every thread the code names has a row, and every row names a thread the code starts (tiny_http's
// unnamed threads show under the name of the thread that starts them, `http`).
#[test]
fn the_table_names_every_thread_the_code_names() {
    let listed: BTreeSet<String> = table(HEADING).into_iter().map(|row| row.name).collect();
    let named = named_in_code(Side::Server);
    let no_row: Vec<_> = named.difference(&listed).collect();
    let no_thread: Vec<_> = listed.difference(&named).collect();
    assert!(
        no_row.is_empty() && no_thread.is_empty(),
        "docs/ARCHITECTURE.md's thread table and src/ disagree: named in src/ without a row: \
         {no_row:?}; rows no code names: {no_thread:?}"
    );
}

// A running server with a client connected, an HTTP request and a handshake in flight has exactly
// the threads the table lists: each name there, nothing else, and as many as each row that says
// a number.
#[test]
fn a_running_server_has_the_threads_the_table_lists() {
    let rows = table(HEADING);
    let server = Binary::accounts(TempDir::new(), &["--hashers", "2"], Stdio::null());
    let token = server.register("tabled");
    let _client = server.join(&token);
    let pid = server.child.id();
    // First the fixed threads, counted; then the ones of a connection in flight.
    check_until(SETTLE, || counts_agree(&rows, &threads(pid)));
    let mut half_sent = TcpStream::connect(&server.http).expect("connect to the page");
    half_sent
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .expect("half a request");
    let _silent = TcpStream::connect(&server.ws).expect("connect to the WebSocket port");
    // Well within the 10 s those two may wait before the server closes them.
    check_until(DEADLINE, || {
        let running = threads(pid);
        counts_agree(&rows, &running).and(names_agree(&rows, &running))
    });
}

// The terminal client's table names exactly the threads src/client/ starts, and a running client
// (signed in as a guest, waiting on its keyboard) has exactly those threads.
#[test]
fn the_terminal_client_has_the_threads_its_table_lists() {
    let rows = table(CLIENT_HEADING);
    let listed: BTreeSet<String> = rows.iter().map(|row| row.name.clone()).collect();
    assert_eq!(
        listed,
        named_in_code(Side::Client),
        "the client's table and src/client/"
    );
    let server = Binary::guests(&[], Stdio::null());
    let mut client = Command::new(env!("CARGO_BIN_EXE_threadchat"))
        .args(["chat", &format!("http://{}/", server.http)])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the terminal client starts");
    let mut keyboard = client.stdin.take().expect("stdin is piped");
    keyboard.write_all(b"tabled\n").expect("a guest name");
    let pid = client.id();
    check_until(DEADLINE, || names_agree(&rows, &threads(pid)));
    drop(keyboard);
    let _ = client.kill();
    let _ = client.wait();
}

/// Checks `check` again every few milliseconds until it passes; fails with its last complaint at
/// the deadline.
fn check_until(limit: Duration, mut check: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + limit;
    loop {
        match check() {
            Ok(()) => return,
            Err(complaint) if Instant::now() >= deadline => {
                panic!("after {limit:?}: {complaint}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Every running thread has a row, and every row a running thread.
fn names_agree(rows: &[Row], running: &[String]) -> Result<(), String> {
    if let Some(stranger) = running
        .iter()
        .find(|comm| !rows.iter().any(|row| shows_as(&row.name, comm)))
    {
        return Err(format!(
            "a thread no row lists: {stranger:?} (running: {running:?})"
        ));
    }
    match rows
        .iter()
        .find(|row| !running.iter().any(|comm| shows_as(&row.name, comm)))
    {
        Some(row) => Err(format!(
            "no thread is `{}` (running: {running:?})",
            row.name
        )),
        None => Ok(()),
    }
}

/// For each name whose rows all say a number, that many threads of that name run.
fn counts_agree(rows: &[Row], running: &[String]) -> Result<(), String> {
    let names: BTreeSet<&str> = rows.iter().map(|row| row.name.as_str()).collect();
    for name in names {
        let counts: Option<Vec<usize>> = rows
            .iter()
            .filter(|row| row.name == name)
            .map(|row| row.count)
            .collect();
        let Some(counts) = counts else { continue };
        let listed: usize = counts.iter().sum();
        let seen = running.iter().filter(|comm| shows_as(name, comm)).count();
        if seen != listed {
            return Err(format!(
                "the table lists {listed} `{name}` threads, the server runs {seen} \
                 (running: {running:?})"
            ));
        }
    }
    Ok(())
}

/// Whether a thread /proc calls `comm` is one the table calls `name` (`N`: a number).
fn shows_as(name: &str, comm: &str) -> bool {
    let cut = |full: &str| full.chars().take(COMM_LEN).collect::<String>();
    let Some((prefix, suffix)) = name.split_once('N') else {
        return cut(name) == comm;
    };
    let Some(rest) = comm.strip_prefix(prefix) else {
        return false;
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    !digits.is_empty() && cut(&format!("{prefix}{digits}{suffix}")) == comm
}

/// The names of the process's threads, as /proc has them; the main thread (whose name is the
/// program's) as `main`, the name Rust gives it.
fn threads(pid: u32) -> Vec<String> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("the server runs");
    let mut names = Vec::new();
    for task in tasks.flatten() {
        // A thread that ends meanwhile has no comm to read: it is not running.
        let Ok(comm) = std::fs::read_to_string(task.path().join("comm")) else {
            continue;
        };
        names.push(match task.file_name().to_str() == Some(&pid.to_string()) {
            true => "main".to_owned(),
            false => comm.trim_end().to_owned(),
        });
    }
    names.sort();
    names
}

/// The rows of the first table after `heading` in docs/ARCHITECTURE.md.
fn table(heading: &str) -> Vec<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ARCHITECTURE.md");
    let doc = std::fs::read_to_string(path).expect("docs/ARCHITECTURE.md");
    let (_, after) = doc
        .split_once(heading)
        .unwrap_or_else(|| panic!("docs/ARCHITECTURE.md has no {heading:?}"));
    let rows: Vec<Row> = after
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        // The header and the line under it.
        .skip(2)
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = first_code(cells.get(1).copied().unwrap_or(""))
                .unwrap_or_else(|| panic!("a row without a `name`: {line}"));
            let count = cells.get(2).and_then(|cell| cell.parse().ok());
            Row { name, count }
        })
        .collect();
    assert!(!rows.is_empty(), "the thread table has no rows");
    rows
}

/// The first `code span` of a table cell.
fn first_code(cell: &str) -> Option<String> {
    let (_, rest) = cell.split_once('`')?;
    let (code, _) = rest.split_once('`')?;
    Some(code.to_owned())
}

/// Which process's threads: the server's, or the terminal client's (src/client/).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Server,
    Client,
}

/// Every thread name in `src/` (the server's) or `src/client/` (the terminal client's): the first argument of each `critical::spawn` and the `.name(…)`
/// of each `thread::Builder`, `{…}` read as `N`; plus `main`, which Rust names itself. A thread
/// started without a name, or with one this cannot read, fails the test: name it plainly.
fn named_in_code(side: Side) -> BTreeSet<String> {
    let mut names = BTreeSet::from(["main".to_owned()]);
    let client = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/client"));
    let files = rust_files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")));
    let files = files
        .into_iter()
        .filter(|file| file.starts_with(client) == (side == Side::Client));
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source file");
        // Unit tests, at the bottom of a file, start threads of their own.
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or("")
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let shown = file.display();
        assert!(
            !code.contains("thread::spawn("),
            "{shown} starts a thread without a name: use thread::Builder and name it"
        );
        const CRITICAL: &str = "critical::spawn(";
        for (at, _) in code.match_indices(CRITICAL) {
            let arg = &code[at + CRITICAL.len()..];
            let name = literal(arg);
            names.insert(name.unwrap_or_else(|| panic!("{shown}: a name to read: {arg:.60}")));
        }
        for (at, _) in code.match_indices("thread::Builder::new()") {
            let builder = &code[at..];
            let builder = &builder[..builder.find(".spawn(").unwrap_or(builder.len())];
            let arg = builder.split_once(".name(").map(|(_, arg)| arg);
            match arg.and_then(literal) {
                Some(name) => names.insert(name),
                // The helper behind `critical::spawn`, whose callers name their threads.
                None if file.ends_with("src/critical.rs") => continue,
                None => panic!("{shown}: a thread whose name this test cannot read: {builder:.80}"),
            };
        }
    }
    names
}

/// The string at the start of `arg` (`"hub"`, `&format!("auth-{n}")`), with `{…}` as `N`.
fn literal(arg: &str) -> Option<String> {
    let arg = arg.trim_start().trim_start_matches('&');
    let arg = arg.strip_prefix("format!(").unwrap_or(arg);
    let (text, _) = arg.strip_prefix('"')?.split_once('"')?;
    let mut name = String::new();
    let mut in_braces = false;
    for c in text.chars() {
        match (c, in_braces) {
            ('{', _) => in_braces = true,
            ('}', true) => {
                in_braces = false;
                name.push('N');
            }
            (_, true) => {}
            (c, false) => name.push(c),
        }
    }
    Some(name)
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("src/").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}
