//! Real Chromium, driven over WebDriver by fantoccini, for tests that need a browser.
//!
//! `Driver::start()` launches chromedriver on a free port (or skips when Chromium is not
//! installed); every `Browser` it opens is a separate Chromium with a fresh profile, so two
//! browsers are two users with separate cookies. Dropping the `Driver` kills chromedriver and
//! every Chromium it launched and removes their profiles.

mod badge;
mod page_script;
mod scenario;

use std::future::Future;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpServer};
use caretaker::assets;
use fantoccini::wd::{Capabilities, WindowHandle};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value as Json};

use crate::frontend::skip_or_fail;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Upper bound for anything the browser is waited for; generous for a loaded machine.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The policy the app's pages are served with: no inline or foreign scripts.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                       connect-src 'self' ws: wss:";

const POLL: Duration = Duration::from_millis(100);

/// A running chromedriver, and the profiles of the browsers it opened.
pub struct Driver {
    process: Child,
    url: String,
    profiles: Mutex<Vec<PathBuf>>,
}

/// One Chromium instance with its own profile.
pub struct Browser {
    client: Client,
}

impl Driver {
    /// Starts chromedriver, or returns `None` after a `SKIPPED:` line when Chromium or
    /// chromedriver is not installed (a failure when `CI=true`).
    pub async fn start() -> Option<Driver> {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(tool).exists() {
                skip_or_fail(&format!(
                    "{tool} is not installed; the browser test did not run"
                ));
                return None;
            }
        }

        let port = free_port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            process,
            url: format!("http://127.0.0.1:{port}"),
            profiles: Mutex::new(Vec::new()),
        };
        wait_until("chromedriver accepts connections", || async move {
            TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
        })
        .await;
        Some(driver)
    }

    /// Opens a new headless Chromium with a fresh, empty profile.
    pub async fn open_browser(&self) -> Browser {
        let profile = fresh_profile_dir();
        self.profiles.lock().unwrap().push(profile.clone());
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(chromium_capabilities(&profile))
            .connect(&self.url)
            .await
            .expect("open a Chromium session");
        Browser { client }
    }
}

impl Drop for Driver {
    /// Kills chromedriver's whole process group, which holds the Chromiums it launched, then
    /// removes their profiles.
    fn drop(&mut self) {
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.process.kill();
        let _ = self.process.wait();

        let profiles = self
            .profiles
            .get_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        for profile in profiles {
            let _ = std::fs::remove_dir_all(profile);
        }
    }
}

impl Browser {
    /// The fantoccini client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Opens `url` in a new tab and switches to it; returns the tab's handle.
    pub async fn new_tab(&self, url: &str) -> WindowHandle {
        let tab = self
            .client
            .new_window(true)
            .await
            .expect("open a tab")
            .handle;
        self.switch_to(&tab).await;
        self.goto(url).await;
        tab
    }

    pub async fn current_tab(&self) -> WindowHandle {
        self.client.window().await.expect("current tab")
    }

    pub async fn switch_to(&self, tab: &WindowHandle) {
        self.client
            .switch_to_window(tab.clone())
            .await
            .expect("switch tab");
    }

    /// The visible text of the first element matching `css`, or `None` when there is none.
    pub async fn text(&self, css: &str) -> Option<String> {
        let element = self.client.find(Locator::Css(css)).await.ok()?;
        element.text().await.ok()
    }

    /// An attribute of the first element matching `css`, `None` when either is missing.
    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let element = self.client.find(Locator::Css(css)).await.ok()?;
        element.attr(name).await.ok().flatten()
    }

    /// Waits until the element matching `css` shows `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        let what = format!("{css} to read {expected:?}");
        wait_until(&what, || async move {
            self.text(css).await.as_deref() == Some(expected)
        })
        .await;
    }

    /// Runs a script in the page (`arguments[0]`... are `args`) and returns its result.
    pub async fn run(&self, script: &str, args: Vec<Json>) -> Json {
        self.client.execute(script, args).await.expect("run script")
    }

    /// Saves a PNG of the current tab to `tests/output/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("take screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/output");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Ends the session, which closes Chromium.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// Polls `check` until it holds; panics after `PATIENCE`, naming what was awaited.
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what} after {PATIENCE:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Serves the embedded assets plus `routes` on a free port; returns the base URL.
pub fn spawn_site<F>(routes: F) -> String
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let server = HttpServer::new(move || {
        App::new()
            .configure(assets::configure)
            .configure(routes.clone())
    })
    .workers(1)
    .bind((Ipv4Addr::LOCALHOST, 0))
    .unwrap();
    let address = server.addrs()[0];
    tokio::spawn(server.run());
    format!("http://{address}")
}

fn chromium_capabilities(profile: &Path) -> Capabilities {
    let options = json!({
        "binary": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-quic",
            "--disable-sync",
            "--window-size=1280,800",
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    let mut capabilities = Capabilities::new();
    capabilities.insert("browserName".to_owned(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".to_owned(), options);
    capabilities
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

fn fresh_profile_dir() -> PathBuf {
    static OPENED: AtomicUsize = AtomicUsize::new(0);
    let n = OPENED.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "caretaker-chromium-{}-{n}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
