//! Logging in and out, and creating the first admin account.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use crate::accounts::{
    count_users, create_first_admin, find_login, hash_password, verify_password, EmailAddress,
    LoginThrottle, Password, PersonName,
};
use crate::error::{AppError, AppResult};
use crate::web::auth::log_in;
use crate::web::csrf::CsrfForm;
use crate::web::pages::{redirect, render, render_with_status, Layout};
use crate::web::session_store::USER_ID_KEY;
use crate::web::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login_form)
        .service(login)
        .service(logout)
        .service(setup_form)
        .service(setup);
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[get("/login")]
async fn login_form(state: web::Data<AppState>, session: Session) -> AppResult<HttpResponse> {
    if count_users(&state.db.pool).await? == 0 {
        return Ok(redirect("/setup"));
    }
    if session.get::<i64>(USER_ID_KEY).ok().flatten().is_some() {
        return Ok(redirect("/"));
    }
    let layout = Layout::anonymous(&state, &session, "Log in");
    render(&LoginPage {
        layout,
        email: String::new(),
        error: None,
    })
}

#[post("/login")]
async fn login(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<HttpResponse> {
    let email = form.email.trim().to_lowercase();
    let address = format!("addr:{}", peer_address(&req));
    let account = format!("email:{email}");
    let throttle = LoginThrottle::new(&state.db.pool);

    let wait = throttle
        .wait_secs(&account)
        .await?
        .max(throttle.wait_secs(&address).await?);
    if let Some(secs) = wait {
        let error = format!("Too many failed attempts. Try again in {secs} seconds.");
        return login_failed(
            &state,
            &session,
            email,
            error,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }

    let found = find_login(&state.db.pool, &email).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let password_ok = verify_password(SecretString::from(form.password), hash).await;

    match user {
        Some(user) if password_ok && user.active => {
            throttle.forget(&account).await?;
            log_in(&session, user.id)?;
            tracing::info!(user.id = user.id, "logged in");
            Ok(redirect("/"))
        }
        _ => {
            throttle.record_failure(&account).await?;
            throttle.record_failure(&address).await?;
            let error = "The email or password is not right, or the account is deactivated.";
            login_failed(
                &state,
                &session,
                email,
                error.into(),
                StatusCode::UNAUTHORIZED,
            )
        }
    }
}

fn login_failed(
    state: &AppState,
    session: &Session,
    email: String,
    error: String,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let layout = Layout::anonymous(state, session, "Log in");
    render_with_status(
        status,
        &LoginPage {
            layout,
            email,
            error: Some(error),
        },
    )
}

fn peer_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[derive(Deserialize)]
struct Empty {}

#[post("/logout")]
async fn logout(session: Session, CsrfForm(_): CsrfForm<Empty>) -> HttpResponse {
    session.purge();
    redirect("/login")
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    form: SetupForm,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
struct SetupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[get("/setup")]
async fn setup_form(state: web::Data<AppState>, session: Session) -> AppResult<HttpResponse> {
    if count_users(&state.db.pool).await? > 0 {
        return Err(AppError::NotFound);
    }
    let layout = Layout::anonymous(&state, &session, "Set up Caretaker");
    render(&SetupPage {
        layout,
        form: SetupForm::default(),
        errors: vec![],
    })
}

#[post("/setup")]
async fn setup(
    state: web::Data<AppState>,
    session: Session,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> AppResult<HttpResponse> {
    if count_users(&state.db.pool).await? > 0 {
        return Err(AppError::NotFound);
    }
    let parsed = (
        PersonName::parse(&form.name),
        EmailAddress::parse(&form.email),
        Password::parse(form.password.clone()),
    );
    let (name, email, password) = match parsed {
        (Ok(name), Ok(email), Ok(password)) => (name, email, password),
        (name, email, password) => {
            let errors = [name.err(), email.err(), password.err()]
                .into_iter()
                .flatten()
                .collect();
            let layout = Layout::anonymous(&state, &session, "Set up Caretaker");
            let form = SetupForm {
                password: String::new(),
                ..form
            };
            let page = SetupPage {
                layout,
                form,
                errors,
            };
            return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };

    let hash = hash_password(password).await?;
    let admin_id = create_first_admin(&state.db.pool, &email, &name, &hash)
        .await?
        .ok_or(AppError::NotFound)?;
    log_in(&session, admin_id)?;
    Ok(redirect("/"))
}
