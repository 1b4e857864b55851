//! A class to moderate: a teacher made owner through the setup link, a moderator the teacher
//! named, and a student, each signed in with one connection.

use serde_json::{Value, json};

use super::{Client, PASSWORD, Reply, TestServer, answer, api, register};

/// Someone in the class: their session token and one connection, past its welcome.
pub struct Person {
    pub token: String,
    pub client: Client,
}

pub struct Class {
    pub teacher: Person,
    pub moderator: Person,
    pub student: Person,
}

/// `POST path` with `body` on `server`.
pub fn post(server: &TestServer, path: &str, body: Value) -> Reply {
    api(server.http_addr(), "POST", path, Some(&body), &[])
}

/// Registers `name` through the owner setup link, as its first owner; the session token.
pub fn register_owner(server: &TestServer, name: &str) -> String {
    let code = server
        .setup_code()
        .expect("a setup code while nobody owns the chat");
    let body = json!({"name": name, "password": PASSWORD, "setup_code": code});
    let reply = post(server, "/api/register", body);
    assert_eq!(reply.status, 201, "registering the owner: {reply:?}");
    reply.body["token"].as_str().expect("a token").to_owned()
}

/// `name`'s new account and a connection to it.
pub fn person(server: &TestServer, name: &str) -> Person {
    let token = register(server, name, PASSWORD);
    connect(server, &token)
}

/// A connection with `token`, past its welcome.
pub fn connect(server: &TestServer, token: &str) -> Person {
    let (client, _) = Client::join_as(server, token);
    Person {
        token: token.to_owned(),
        client,
    }
}

/// A teacher (owner), a moderator and a student on `server`, which has no owner yet.
pub fn class(server: &TestServer) -> Class {
    let token = register_owner(server, "teacher");
    let mut teacher = connect(server, &token);
    let moderator = person(server, "marta");
    let student = person(server, "bob");
    let made = answer(
        &mut teacher.client,
        json!({"type": "role", "user": "marta", "role": "moderator", "id": "r0"}),
    );
    assert_eq!(made["type"], "role", "{made}");
    // Marta's connection came before she was a moderator: a fresh one knows it from its welcome.
    let moderator = connect(server, &moderator.token);
    Class {
        teacher,
        moderator,
        student,
    }
}

/// Sends an action with `id` and returns the answer naming that id.
pub fn act(person: &mut Person, mut frame: Value, id: &str) -> Value {
    frame["id"] = json!(id);
    answer(&mut person.client, frame)
}

/// The code of the `error` that answers an action (fails the test on any other answer).
pub fn refused(person: &mut Person, frame: Value, id: &str) -> String {
    let reply = act(person, frame, id);
    assert_eq!(reply["type"], "error", "{reply}");
    reply["code"].as_str().expect("a code").to_owned()
}

/// `person`'s `send` to general, answered.
pub fn say(person: &mut Person, text: &str, id: &str) -> Value {
    act(
        person,
        json!({"type": "send", "room": "general", "text": text}),
        id,
    )
}

/// Skips frames until one of `kind` about `user` arrives.
pub fn recv_about(client: &mut Client, kind: &str, user: &str) -> Value {
    loop {
        let frame = client.recv_type(kind);
        if frame["user"] == user {
            return frame;
        }
    }
}
