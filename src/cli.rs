//! The command line: `caretaker [serve]`, `migrate`, `user add`, `demo`,
//! `channels`.

use std::io::{IsTerminal, Read, Write};
use std::net::TcpListener;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use crate::accounts::{
    create_user, hash_password, EmailAddress, NewUser, Password, PersonName, Role,
};
use crate::config::Settings;
use crate::db::{random_token, Db};
use crate::push::PusherCredentials;
use crate::startup::Application;

#[derive(Parser)]
#[command(
    name = "caretaker",
    version,
    about = "Facilities work orders with live notification badges"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and the embedded push server (the default).
    Serve,
    /// Apply pending database migrations.
    Migrate {
        /// List applied and pending migrations instead of applying them.
        #[arg(long)]
        status: bool,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Serve only the Pusher-compatible push server, for use as a standalone
    /// push service. Needs PUSHER_APP_ID, PUSHER_APP_KEY and PUSHER_APP_SECRET.
    Channels,
    /// Seed an empty database with a demo site, people and work orders.
    Demo,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add(AddUser),
}

#[derive(Args)]
struct AddUser {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    #[arg(long, value_parser = ["staff", "manager", "admin"])]
    role: String,
}

impl Cli {
    pub async fn run(self, settings: Settings) -> anyhow::Result<()> {
        match self.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate { status } => migrate(&settings, status).await,
            Command::User(UserCommand::Add(user)) => add_user(&settings, user).await,
            Command::Channels => serve_channels(&settings).await,
            Command::Demo => demo(&settings).await,
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings.clone()).await?;
    tracing::info!(addr = %settings.addr, port = app.port(), "caretaker is serving");
    app.run_until_stopped()
        .await
        .context("the server stopped with an error")
}

async fn serve_channels(settings: &Settings) -> anyhow::Result<()> {
    let pusher = &settings.pusher;
    let (Some(app_id), Some(key), Some(secret)) = (&pusher.app_id, &pusher.key, &pusher.secret)
    else {
        bail!("caretaker channels needs PUSHER_APP_ID, PUSHER_APP_KEY and PUSHER_APP_SECRET");
    };
    let credentials = PusherCredentials {
        app_id: app_id.clone(),
        key: key.clone(),
        secret: secret.clone(),
    };
    let hub = crate::startup::embedded_hub(settings, &credentials)?;

    let listener = TcpListener::bind(&settings.addr)
        .with_context(|| format!("cannot listen on {}", settings.addr))?;
    tracing::info!(addr = %listener.local_addr()?, "push server is serving");
    crate::startup::listen_for_sockets(settings, &hub)?;
    let server = crate::channels::serve_standalone(listener, hub.clone())?;
    crate::startup::stop_on_signal(server.handle(), Some(hub));
    server
        .await
        .context("the push server stopped with an error")
}

async fn migrate(settings: &Settings, status_only: bool) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url).await?;
    if !status_only {
        db.migrate().await?;
    }
    for migration in db.migration_status().await? {
        let state = if migration.applied {
            "applied"
        } else {
            "pending"
        };
        println!(
            "{:<8} {} {}",
            state, migration.version, migration.description
        );
    }
    Ok(())
}

async fn add_user(settings: &Settings, user: AddUser) -> anyhow::Result<()> {
    let email = EmailAddress::parse(&user.email).map_err(anyhow::Error::msg)?;
    let name = PersonName::parse(&user.name).map_err(anyhow::Error::msg)?;
    let role = Role::parse(&user.role).map_err(anyhow::Error::msg)?;
    let (password, generated) = read_password()?;
    let password = Password::parse(password).map_err(anyhow::Error::msg)?;

    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    let password_hash = hash_password(password).await?;
    let new_user = NewUser {
        email,
        name,
        role,
        password_hash,
    };
    let id = create_user(&db.pool, &new_user)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;

    println!(
        "Added {} ({}) as {}, user id {id}.",
        new_user.name.as_str(),
        new_user.email.as_str(),
        role.as_str()
    );
    if let Some(password) = generated {
        println!("Generated password, shown only this once: {password}");
    }
    Ok(())
}

async fn demo(settings: &Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url).await?;
    let logins = crate::demo::seed(&db).await?;

    println!("Demo data added. These passwords are shown only this once:");
    for login in logins {
        println!(
            "{:<8} {:<40} {}",
            login.role.as_str(),
            login.email,
            login.password
        );
    }
    Ok(())
}

/// The password from standard input. On a terminal an empty answer means
/// "generate one"; the generated password is returned a second time so the
/// caller can show it.
fn read_password() -> anyhow::Result<(String, Option<String>)> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        print!("Password (leave empty to generate one): ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        stdin.read_line(&mut line)?;
        let typed = line.trim_end_matches(['\r', '\n']).to_owned();
        if typed.is_empty() {
            let generated = random_token(20);
            return Ok((generated.clone(), Some(generated)));
        }
        return Ok((typed, None));
    }

    let mut input = String::new();
    stdin.lock().read_to_string(&mut input)?;
    let password = input.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input: pipe one in, or run from a terminal to generate one");
    }
    Ok((password, None))
}
