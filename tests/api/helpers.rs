//! `spawn_app`: the real app on port 0 with a fresh, migrated database, and
//! a cookie-keeping HTTP client per user.

// Each test module uses a different part of these helpers.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, OnceLock};

use caretaker::accounts::{
    create_user, hash_password, EmailAddress, NewUser, Password, PersonName, Role,
};
use caretaker::config::{PushServerSettings, PusherSettings, Settings};
use caretaker::db::{random_token, Db};
use caretaker::startup::Application;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::StatusCode;

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// The push server's own socket port, when the settings asked for one.
    pub push_port: Option<u16>,
    pub db: Db,
    _database: TestDatabase,
}

/// A person known to the test, with the password they log in with.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `adjust` has changed its settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::create().await;
    let mut settings = Settings {
        database_url: database.url.clone(),
        addr: "127.0.0.1:0".into(),
        secret: None,
        secure_cookies: false,
        pusher: PusherSettings::default(),
        push_server: PushServerSettings::default(),
        redis_url: None,
    };

    adjust(&mut settings);

    let app = Application::build(settings).await.expect("the app starts");
    let port = app.port();
    let push_port = app.push_port();
    tokio::spawn(app.run_until_stopped());
    let db = Db::connect(&database.url)
        .await
        .expect("the test database opens");

    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        push_port,
        db,
        _database: database,
    }
}

impl TestApp {
    /// A browser-like client with its own cookie jar.
    pub fn client(&self) -> TestClient {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("the HTTP client builds");
        TestClient {
            http,
            jar,
            base: self.address.clone(),
            csrf: Mutex::new(None),
        }
    }

    pub async fn add_user(&self, role: Role) -> TestUser {
        let name = format!("{} {}", role.label(), random_token(6));
        self.add_named_user(role, &name).await
    }

    pub async fn add_named_user(&self, role: Role, name: &str) -> TestUser {
        let email = format!(
            "{}.{}@example.com",
            name.replace(' ', ".").to_lowercase(),
            random_token(4).to_lowercase()
        );
        let password = format!("pw-{}", random_token(16));
        let new_user = NewUser {
            email: EmailAddress::parse(&email).unwrap(),
            name: PersonName::parse(name).unwrap(),
            role,
            password_hash: hash_password(Password::parse(password.clone()).unwrap())
                .await
                .unwrap(),
        };
        let id = create_user(&self.db.pool, &new_user).await.unwrap();
        TestUser {
            id,
            email,
            name: name.to_owned(),
            password,
        }
    }

    /// A client already logged in as a new user with `role`.
    pub async fn logged_in(&self, role: Role) -> (TestUser, TestClient) {
        let user = self.add_user(role).await;
        let client = self.client();
        client.login(&user).await;
        (user, client)
    }
}

pub struct TestClient {
    pub http: reqwest::Client,
    jar: Arc<Jar>,
    pub base: String,
    csrf: Mutex<Option<String>>,
}

/// A response read to the end, so tests can look at it freely.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: String,
    pub body: String,
}

impl Page {
    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

impl TestClient {
    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf_token().await;
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        form.extend_from_slice(fields);
        self.post_raw(path, &form).await
    }

    /// Posts exactly `fields`, with no token added.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    pub async fn login(&self, user: &TestUser) -> Page {
        let page = self
            .post_form(
                "/login",
                &[("email", &user.email), ("password", &user.password)],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "login failed: {}",
            page.body
        );
        self.forget_csrf();
        page
    }

    pub async fn csrf_token(&self) -> String {
        if let Some(token) = self.csrf.lock().unwrap().clone() {
            return token;
        }
        for path in ["/", "/login", "/setup"] {
            self.get(path).await;
            if let Some(token) = self.csrf.lock().unwrap().clone() {
                return token;
            }
        }
        panic!("no page offered a CSRF token");
    }

    /// The value of the cookie `name` this client would send.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header.to_str().unwrap().split("; ").find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    pub fn forget_csrf(&self) {
        *self.csrf.lock().unwrap() = None;
    }

    async fn read(&self, response: reqwest::Response) -> Page {
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|value: &reqwest::header::HeaderValue| value.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(reqwest::header::LOCATION);
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let body = response.text().await.unwrap();
        if let Some(token) = meta_csrf(&body) {
            *self.csrf.lock().unwrap() = Some(token);
        }
        Page {
            status,
            location,
            content_type,
            body,
        }
    }
}

fn meta_csrf(body: &str) -> Option<String> {
    let start = body.find(r#"<meta name="csrf-token" content=""#)? + 33;
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

/// A database of the test's own: a SQLite file in a temporary folder, or,
/// when `TEST_DATABASE_URL` names a PostgreSQL server, a new database there,
/// dropped when the test ends.
struct TestDatabase {
    url: String,
    postgres: Option<(String, String)>,
    _dir: Option<TempDir>,
}

impl TestDatabase {
    async fn create() -> TestDatabase {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
        {
            Some(server) => Self::create_postgres(server).await,
            None => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}/caretaker.db", dir.path);
                TestDatabase {
                    url,
                    postgres: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    async fn create_postgres(server: String) -> TestDatabase {
        let name = format!("caretaker_test_{}", random_token(12).to_lowercase());
        let admin = Db::connect(&server)
            .await
            .expect("TEST_DATABASE_URL is reachable");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin.pool)
            .await
            .unwrap();
        admin.pool.close().await;
        let url = replace_database(&server, &name);
        TestDatabase {
            url,
            postgres: Some((server, name)),
            _dir: None,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let admin = Db::connect(&server).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin.pool)
                    .await?;
                anyhow::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a test database");
        }
    }
}

fn replace_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{host_part}/{database}{query}")
}

pub struct TempDir {
    pub path: String,
}

impl TempDir {
    pub fn new() -> TempDir {
        static COUNTER: OnceLock<std::sync::atomic::AtomicU64> = OnceLock::new();
        let n = COUNTER
            .get_or_init(Default::default)
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "caretaker-test-{}-{n}-{}",
            std::process::id(),
            random_token(6)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir {
            path: path.display().to_string(),
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
