//! Setting up, logging in and out, sessions and CSRF.

use caretaker::accounts::Role;
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_fresh_install_sends_the_first_visitor_to_setup() {
    let app = spawn_app().await;
    let visitor = app.client();

    let login = visitor.get("/login").await;
    let setup = visitor.get("/setup").await;

    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.location.as_deref(), Some("/setup"));
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.contains("Create the admin account"));
}

#[tokio::test]
async fn setup_creates_a_logged_in_admin_and_then_disappears() {
    let app = spawn_app().await;
    let visitor = app.client();

    let created = visitor
        .post_form(
            "/setup",
            &[
                ("name", "Ada Admin"),
                ("email", "ada@example.com"),
                ("password", "a long enough secret"),
            ],
        )
        .await;
    visitor.forget_csrf();
    let dashboard = visitor.get("/").await;
    let setup_again = app.client().get("/setup").await;

    assert_eq!(created.status, StatusCode::SEE_OTHER);
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.contains("Ada Admin · Admin"));
    assert_eq!(setup_again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn setup_with_bad_input_explains_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let visitor = app.client();

    let page = visitor
        .post_form(
            "/setup",
            &[
                ("name", "Ada Admin"),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("is not a valid email address"));
    assert!(page.contains("at least 10 characters"));
    assert!(page.contains(r#"value="Ada Admin""#));
    assert_eq!(
        visitor.get("/setup").await.status,
        StatusCode::OK,
        "nothing was created"
    );
}

#[tokio::test]
async fn a_visitor_without_a_session_is_sent_to_login() {
    let app = spawn_app().await;
    app.add_user(Role::Admin).await;

    let page = app.client().get("/").await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_email_kept() {
    let app = spawn_app().await;
    let user = app.add_user(Role::Staff).await;
    let client = app.client();

    let page = client
        .post_form(
            "/login",
            &[("email", &user.email), ("password", "wrong password")],
        )
        .await;

    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("The email or password is not right"));
    assert!(page.contains(&format!(r#"value="{}""#, user.email)));
    assert_eq!(client.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn repeated_failures_slow_down_further_attempts_even_with_the_right_password() {
    let app = spawn_app().await;
    let user = app.add_user(Role::Staff).await;
    let client = app.client();

    for _ in 0..5 {
        client
            .post_form(
                "/login",
                &[("email", &user.email), ("password", "guess guess")],
            )
            .await;
    }
    let page = client
        .post_form(
            "/login",
            &[("email", &user.email), ("password", &user.password)],
        )
        .await;

    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("Too many failed attempts"));
}

#[tokio::test]
async fn login_renews_the_session_cookie() {
    let app = spawn_app().await;
    let user = app.add_user(Role::Staff).await;
    let client = app.client();
    client.get("/login").await;
    let before = client.cookie("caretaker_session");

    client.login(&user).await;
    let after = client.cookie("caretaker_session");

    assert!(before.is_some() && after.is_some());
    assert_ne!(before, after);
}

#[tokio::test]
async fn a_form_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let user = app.add_user(Role::Staff).await;
    let client = app.client();
    client.get("/login").await;

    let page = client
        .post_raw(
            "/login",
            &[("email", &user.email), ("password", &user.password)],
        )
        .await;
    let forged = client
        .post_raw(
            "/login",
            &[
                ("csrf_token", "forged"),
                ("email", &user.email),
                ("password", &user.password),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(page.contains("did not come from this site"));
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let (_, client) = app.logged_in(Role::Staff).await;

    let logout = client.post_form("/logout", &[]).await;
    let after = client.get("/").await;

    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn pages_allow_only_the_apps_own_scripts() {
    let app = spawn_app().await;
    app.add_user(Role::Admin).await;

    let response = reqwest::get(format!("{}/login", app.address))
        .await
        .unwrap();

    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"));
    assert!(response.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn health_and_readiness_probes_answer() {
    let app = spawn_app().await;
    let client = app.client();

    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(client.get("/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_address_shows_the_not_found_page() {
    let app = spawn_app().await;

    let page = app.client().get("/no/such/page").await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.contains("That page does not exist."));
}
