//! The browser code's own tests (`tests/js`, run by Node's test runner against jsdom).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A test whose tool or service is missing is skipped with a loud line, except in CI where
/// a missing tool is a failure.
pub fn skip_or_fail(reason: &str) {
    if std::env::var("CI").is_ok_and(|value| value == "true") {
        panic!("{reason} (required when CI=true)");
    }
    eprintln!("SKIPPED: {reason}");
}

fn javascript_tests(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/js"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_badge_plugin_and_page_script_pass_their_node_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = javascript_tests(root);
    assert!(!files.is_empty(), "no tests/js/*.test.mjs found");

    let run = Command::new("node")
        .arg("--test")
        .args(&files)
        .current_dir(root)
        .output();

    let output = match run {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return skip_or_fail("node is not installed; the JavaScript tests did not run");
        }
        Err(err) => panic!("could not run node: {err}"),
    };
    assert!(
        output.status.success(),
        "node --test failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}
