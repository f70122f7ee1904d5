//! Embeds the browser assets into the binary.
//!
//! jQuery and pusher-js come from `node_modules` (pinned by `package-lock.json`, installed with
//! `npm ci` when missing or out of date); everything under `static/` is ours. Each file is copied
//! into `OUT_DIR` under a name that carries a short hash of its content, and `assets_table.rs` is
//! generated there for `src/assets.rs` to include.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs, io};

/// Files taken from npm packages: (logical path, path inside `node_modules`).
const VENDORED: &[(&str, &str)] = &[
    ("vendor/jquery.js", "jquery/dist/jquery.min.js"),
    ("vendor/pusher.js", "pusher-js/dist/web/pusher.min.js"),
];

struct Source {
    logical: String,
    path: PathBuf,
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set"));
    println!("cargo:rerun-if-changed=package-lock.json");
    println!("cargo:rerun-if-changed=node_modules/.package-lock.json");
    println!("cargo:rerun-if-changed=static");
    // The migrations are embedded by a macro that cannot tell cargo about
    // them; a new migration file must still rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");

    install_node_modules_if_stale(&root);

    let mut sources = vendored_sources(&root);
    sources.extend(static_sources(&root.join("static")));
    sources.sort_by(|a, b| a.logical.cmp(&b.logical));

    let assets_dir = out_dir.join("assets");
    if assets_dir.exists() {
        fs::remove_dir_all(&assets_dir).expect("clear previously copied assets");
    }
    let table = copy_and_describe(&sources, &assets_dir);
    fs::write(out_dir.join("assets_table.rs"), table).expect("write assets_table.rs");
}

/// Runs `npm ci` when `node_modules` is missing or older than `package-lock.json`.
///
/// npm rewrites `node_modules/.package-lock.json` on every install, so its age is the age of
/// the installed tree.
fn install_node_modules_if_stale(root: &Path) {
    let lock = modified(&root.join("package-lock.json"))
        .expect("package-lock.json is missing from the package root");
    let installed = modified(&root.join("node_modules/.package-lock.json"));
    if installed.is_some_and(|installed| installed >= lock) {
        return;
    }

    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root)
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("`npm ci` failed ({status}); the front-end packages are needed"),
        Err(err) if err.kind() == io::ErrorKind::NotFound => panic!(
            "npm was not found: install Node.js and npm (https://nodejs.org), \
             then build again so the front-end packages can be installed"
        ),
        Err(err) => panic!("could not run `npm ci`: {err}"),
    }
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|meta| meta.modified()).ok()
}

fn vendored_sources(root: &Path) -> Vec<Source> {
    VENDORED
        .iter()
        .map(|(logical, package_path)| {
            let path = root.join("node_modules").join(package_path);
            assert!(
                path.is_file(),
                "{} is missing; run `npm ci`",
                path.display()
            );
            Source {
                logical: (*logical).to_owned(),
                path,
            }
        })
        .collect()
}

fn static_sources(dir: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    collect_files(dir, &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(dir).expect("file lies under static/");
            let logical = relative
                .components()
                .map(|part| part.as_os_str().to_str().expect("UTF-8 file name"))
                .collect::<Vec<_>>()
                .join("/");
            Source { logical, path }
        })
        .collect()
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        let hidden = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// Copies every source under its hashed name and returns the Rust table describing them.
fn copy_and_describe(sources: &[Source], assets_dir: &Path) -> String {
    let mut table = String::from("&[\n");
    for source in sources {
        let bytes = fs::read(&source.path).expect("readable asset");
        let hashed = hashed_name(&source.logical, &bytes);

        let target = assets_dir.join(&hashed);
        fs::create_dir_all(target.parent().expect("asset has a parent directory"))
            .expect("create asset directory");
        fs::write(&target, &bytes).expect("copy asset");

        writeln!(
            table,
            "    Asset {{ logical: {:?}, hashed: {:?}, url: {:?}, content_type: {:?}, \
             bytes: include_bytes!({:?}) }},",
            source.logical,
            hashed,
            format!("/static/{hashed}"),
            content_type(&source.logical),
            target.display().to_string(),
        )
        .expect("write to string");
    }
    table.push(']');
    table
}

/// `js/app.js` becomes `js/app.3f9a1c2b.js`.
fn hashed_name(logical: &str, bytes: &[u8]) -> String {
    let hash = format!("{:016x}", fnv1a(bytes));
    let short = &hash[..8];
    let (dir, file) = match logical.rsplit_once('/') {
        Some((dir, file)) => (format!("{dir}/"), file),
        None => (String::new(), logical),
    };
    match file.split_once('.') {
        Some((stem, ext)) => format!("{dir}{stem}.{short}.{ext}"),
        None => format!("{dir}{file}.{short}"),
    }
}

/// 64-bit FNV-1a: enough to tell two versions of a file apart for cache busting; it is not
/// meant to resist deliberate collisions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn content_type(logical: &str) -> &'static str {
    let ext = logical.rsplit_once('.').map_or("", |(_, ext)| ext);
    match ext {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}
