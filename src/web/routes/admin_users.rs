//! Admins manage accounts: add people, change roles, deactivate, reset
//! passwords. Deactivating or resetting ends every session of that user.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::accounts::{
    create_user, find_user, hash_password, list_users, set_active, set_password_hash, set_role,
    EmailAddress, NewUser, Password, PersonName, Role, User,
};
use crate::error::{AppError, AppResult};
use crate::web::csrf::CsrfForm;
use crate::web::pages::{flash, redirect, render_with_status, Layout};
use crate::web::session_store::end_sessions_of;
use crate::web::{AppState, CurrentUser};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(change_role)
        .service(change_active)
        .service(reset_password);
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<User>,
    roles: [Role; 3],
    form: NewUserForm,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
struct NewUserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

#[get("/admin/users")]
async fn list(
    state: web::Data<AppState>,
    session: Session,
    admin: CurrentUser,
) -> AppResult<HttpResponse> {
    admin.require_admin()?;
    users_page(
        &state,
        &session,
        &admin,
        NewUserForm::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

async fn users_page(
    state: &AppState,
    session: &Session,
    admin: &CurrentUser,
    form: NewUserForm,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let layout = Layout::for_user(state, session, admin, "Users").await?;
    let users = list_users(&state.db.pool).await?;
    let form = NewUserForm {
        password: String::new(),
        ..form
    };
    render_with_status(
        status,
        &UsersPage {
            layout,
            users,
            roles: Role::ALL,
            form,
            errors,
        },
    )
}

#[post("/admin/users")]
async fn create(
    state: web::Data<AppState>,
    session: Session,
    admin: CurrentUser,
    CsrfForm(form): CsrfForm<NewUserForm>,
) -> AppResult<HttpResponse> {
    admin.require_admin()?;
    let parsed = (
        PersonName::parse(&form.name),
        EmailAddress::parse(&form.email),
        Role::parse(&form.role),
        Password::parse(form.password.clone()),
    );
    let (name, email, role, password) = match parsed {
        (Ok(name), Ok(email), Ok(role), Ok(password)) => (name, email, role, password),
        (name, email, role, password) => {
            let errors = [name.err(), email.err(), role.err(), password.err()];
            let errors = errors.into_iter().flatten().collect();
            return users_page(
                &state,
                &session,
                &admin,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };

    let password_hash = hash_password(password).await?;
    let new_user = NewUser {
        email,
        name,
        role,
        password_hash,
    };
    match create_user(&state.db.pool, &new_user).await {
        Ok(_) => {
            flash(&session, format!("Added {}.", new_user.name.as_str()));
            Ok(redirect("/admin/users"))
        }
        Err(AppError::Conflict(message)) => {
            users_page(
                &state,
                &session,
                &admin,
                form,
                vec![message],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

#[post("/admin/users/{id}/role")]
async fn change_role(
    state: web::Data<AppState>,
    session: Session,
    admin: CurrentUser,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> AppResult<HttpResponse> {
    admin.require_admin()?;
    let user = existing_user(&state, path.into_inner()).await?;
    let role = Role::parse(&form.role).map_err(AppError::Invalid)?;
    if user.id == admin.id() && role != Role::Admin {
        return Err(AppError::Invalid(
            "You cannot take away your own admin role.".into(),
        ));
    }

    set_role(&state.db.pool, user.id, role).await?;
    flash(&session, format!("{} is now {}.", user.name, role.label()));
    Ok(redirect("/admin/users"))
}

#[derive(Deserialize)]
struct ActiveForm {
    #[serde(default)]
    active: String,
}

#[post("/admin/users/{id}/active")]
async fn change_active(
    state: web::Data<AppState>,
    session: Session,
    admin: CurrentUser,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> AppResult<HttpResponse> {
    admin.require_admin()?;
    let user = existing_user(&state, path.into_inner()).await?;
    let active = match form.active.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(AppError::Invalid(
                "Choose to activate or to deactivate.".into(),
            ))
        }
    };
    if user.id == admin.id() && !active {
        return Err(AppError::Invalid(
            "You cannot deactivate your own account.".into(),
        ));
    }

    set_active(&state.db.pool, user.id, active).await?;
    if !active {
        end_sessions_of(&state.db.pool, user.id).await?;
        state.on_user_deactivated(user.id).await;
    }
    let verb = if active { "reactivated" } else { "deactivated" };
    flash(&session, format!("{} is {verb}.", user.name));
    Ok(redirect("/admin/users"))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

#[post("/admin/users/{id}/password")]
async fn reset_password(
    state: web::Data<AppState>,
    session: Session,
    admin: CurrentUser,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<HttpResponse> {
    admin.require_admin()?;
    let user = existing_user(&state, path.into_inner()).await?;
    let password = Password::parse(form.password).map_err(AppError::Invalid)?;

    let hash = hash_password(password).await?;
    set_password_hash(&state.db.pool, user.id, &hash).await?;
    end_sessions_of(&state.db.pool, user.id).await?;
    flash(
        &session,
        format!(
            "{}'s password was reset; their sessions have ended.",
            user.name
        ),
    );
    Ok(redirect("/admin/users"))
}

async fn existing_user(state: &AppState, id: i64) -> AppResult<User> {
    find_user(&state.db.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}
