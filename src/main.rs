use clap::Parser;

use caretaker::cli::Cli;
use caretaker::config::Settings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = dotenvy::dotenv();
    caretaker::telemetry::init();
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    cli.run(settings).await
}
