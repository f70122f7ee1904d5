//! The command line, run as the built binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::helpers::TempDir;

fn caretaker(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_caretaker"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn migrate_status_lists_pending_then_applied_migrations() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}/cli.db", dir.path);

    let before = caretaker(&url, &["migrate", "--status"], "");
    let migrate = caretaker(&url, &["migrate"], "");
    let after = caretaker(&url, &["migrate", "--status"], "");

    assert!(before.status.success(), "{}", text(&before.stderr));
    assert!(text(&before.stdout).contains("pending"));
    assert!(migrate.status.success());
    assert!(text(&after.stdout).contains("applied"));
    assert!(!text(&after.stdout).contains("pending"));
}

#[test]
fn user_add_reads_the_password_from_standard_input() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}/cli.db", dir.path);

    let added = caretaker(
        &url,
        &[
            "user",
            "add",
            "--email",
            "Mia@Example.com",
            "--name",
            "Mia Manager",
            "--role",
            "manager",
        ],
        "mia's long password\n",
    );
    let again = caretaker(
        &url,
        &[
            "user",
            "add",
            "--email",
            "mia@example.com",
            "--name",
            "Mia Again",
            "--role",
            "staff",
        ],
        "another long password\n",
    );

    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).contains("Added Mia Manager (mia@example.com) as manager"));
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"));
}

#[test]
fn user_add_refuses_bad_input_with_a_clear_message() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}/cli.db", dir.path);

    let no_password = caretaker(
        &url,
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "staff",
        ],
        "",
    );
    let short = caretaker(
        &url,
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "staff",
        ],
        "short\n",
    );
    let bad_email = caretaker(
        &url,
        &[
            "user", "add", "--email", "nope", "--name", "A", "--role", "staff",
        ],
        "long enough pw\n",
    );
    let bad_role = caretaker(
        &url,
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "boss",
        ],
        "long enough pw\n",
    );

    assert!(text(&no_password.stderr).contains("no password on standard input"));
    assert!(text(&short.stderr).contains("at least 10 characters"));
    assert!(text(&bad_email.stderr).contains("is not a valid email address"));
    assert!(!bad_role.status.success());
    assert!(text(&bad_role.stderr).contains("boss"));
}
