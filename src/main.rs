//! The imserver command line: serve (default), openapi, migrate, app.
use std::sync::Arc;

use clap::{Parser, Subcommand};
use imserver::clock::SystemClock;
use imserver::config::{Config, Settings};
use imserver::domain::identity::apps;
use imserver::net;
use imserver::state::{AppState, State};
use migration::{Migrator, MigratorTrait};
use poem::Server;

#[derive(Parser)]
#[command(
    name = "imserver",
    version,
    about = "Self-hosted instant-messaging back-office REST server"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the HTTP server (the default).
    Serve,
    /// Write openapi/openapi.json and openapi/openapi.yaml (or to --dir).
    Openapi {
        #[arg(long, default_value = "openapi")]
        dir: String,
    },
    /// Database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Apps and their admin tokens.
    App {
        #[command(subcommand)]
        action: AppAction,
    },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last N migrations.
    Down {
        #[arg(default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand)]
enum AppAction {
    /// Create an app; prints its app_id and an admin token.
    Create {
        #[arg(long)]
        name: String,
        /// Secret that /user/register/push checks `sign` against (HMAC-SHA256 of the username).
        #[arg(long)]
        register_secret: Option<String>,
    },
    /// Issue another admin token for an app.
    Token { app_id: String },
    /// Revoke an admin token.
    Revoke { token: String },
}

#[tokio::main]
async fn main() {
    imserver::memory::return_large_blocks_to_os();
    let cli = Cli::parse();
    let log_guard = imserver::logging::init(&cli.config.log, &cli.config.log_format);
    if let Err(e) = run(cli).await {
        drop(log_guard); // the queued log lines first
        eprintln!("imserver: {e}");
        std::process::exit(1);
    }
}

async fn open(config: &Config) -> Result<State, String> {
    let db = imserver::boot::connect(&config.database_url, config.db_max_connections, None)
        .await
        .map_err(|e| format!("database {}: {e}", redact(&config.database_url)))?;
    Ok(Arc::new(AppState::new(
        db,
        Settings::from_config(config),
        Arc::new(SystemClock),
    )))
}

/// The database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&config).await,
        Command::Openapi { dir } => {
            let st = AppState::offline();
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            std::fs::write(format!("{dir}/openapi.json"), imserver::api::spec_json(&st))
                .map_err(|e| e.to_string())?;
            std::fs::write(format!("{dir}/openapi.yaml"), imserver::api::spec_yaml(&st))
                .map_err(|e| e.to_string())?;
            println!("wrote {dir}/openapi.json and {dir}/openapi.yaml");
            Ok(())
        }
        Command::Migrate { action } => {
            let db = imserver::db::open_pool(&config.database_url, 1, None)
                .await
                .map_err(|e| e.to_string())?;
            match action {
                MigrateAction::Up => imserver::db::migrate(&db)
                    .await
                    .map_err(|e| e.to_string())?,
                MigrateAction::Down { steps } => Migrator::down(&db, Some(steps))
                    .await
                    .map_err(|e| e.to_string())?,
                MigrateAction::Status => {
                    Migrator::install(&db).await.map_err(|e| e.to_string())?;
                    for m in Migrator::get_migration_with_status(&db)
                        .await
                        .map_err(|e| e.to_string())?
                    {
                        println!("{}\t{}", m.name(), m.status());
                    }
                }
            }
            Ok(())
        }
        Command::App { action } => {
            let st = open(&config).await?;
            // a revocation is announced to the running servers (PostgreSQL)
            imserver::cache::identity::announce_changes(&st.identity, &st.db)
                .await
                .map_err(|e| e.to_string())?;
            match action {
                AppAction::Create {
                    name,
                    register_secret,
                } => {
                    let new = apps::create_app(&st, &name, register_secret)
                        .await
                        .map_err(|e| e.to_string())?;
                    println!("app_id: {}\nadmin token: {}", new.app_id, new.admin_token);
                }
                AppAction::Token { app_id } => {
                    let token = apps::issue_admin_token(&st, &app_id)
                        .await
                        .map_err(|e| e.to_string())?;
                    println!("admin token: {token}");
                }
                AppAction::Revoke { token } => {
                    let revoked = apps::revoke_admin_token(&st, &token)
                        .await
                        .map_err(|e| e.to_string())?;
                    if !revoked {
                        return Err("no such live admin token".into());
                    }
                    println!("revoked");
                }
            }
            Ok(())
        }
    }
}

async fn serve(config: &Config) -> Result<(), String> {
    let st = open(config).await?;
    if let Some(new) = apps::bootstrap(&st).await.map_err(|e| e.to_string())? {
        let base = format!("http://{}", config.listen);
        println!(
            "\nFirst start: created app '{app}'. Its admin token is shown only now:\n\n  app_id:      {app}\n  admin token: {token}\n\n\
             Open {base}/swagger, click Authorize and enter the app_id and the admin token as\n  access-token, once: every Try it out then sends them. Or with curl:\n\n  \
             curl -s -X POST {base}/user/register/v2 -H 'app_id: {app}' -H 'content-type: application/json' -d '{{\"username\":\"alice\",\"password\":\"secret123\"}}'\n",
            app = new.app_id,
            token = new.admin_token,
        );
    }
    let acceptor = net::bind(&config.listen, net::Limits::from_config(config))
        .await
        .map_err(|e| format!("listen on {}: {e}", config.listen))?;
    imserver::boot::start_background(&st, &config.database_url)
        .await
        .map_err(|e| format!("database {}: {e}", redact(&config.database_url)))?;
    tracing::info!(listen = %config.listen, "imserver listening; Swagger UI at /swagger");
    let served = Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            imserver::api::app(st.clone()),
            shutdown_signal(),
            Some(std::time::Duration::from_secs(10)),
        )
        .await
        .map_err(|e| format!("server on {}: {e}", config.listen));
    // the sightings of the last seconds
    if let Err(e) = st.presence.flush(&st.db).await {
        tracing::warn!(error = %e, "presence not written at shutdown");
    }
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
