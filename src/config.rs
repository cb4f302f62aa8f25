//! Configuration: command-line flags, each with an IMSERVER_* environment variable.
use std::time::Duration;

use clap::Args;

use crate::crypto::PasswordParams;

#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER@HOST/DB
    #[arg(
        long,
        global = true,
        env = "IMSERVER_DATABASE_URL",
        default_value = "sqlite://data/imserver.db?mode=rwc"
    )]
    pub database_url: String,

    /// Largest number of pooled database connections (SQLite uses one).
    #[arg(
        long,
        global = true,
        env = "IMSERVER_DB_MAX_CONNECTIONS",
        default_value_t = 10
    )]
    pub db_max_connections: u32,

    /// Address the HTTP server listens on.
    #[arg(
        long,
        global = true,
        env = "IMSERVER_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,

    /// Lifetime of a user access-token, in seconds (admin tokens never expire).
    #[arg(long, global = true, env = "IMSERVER_TOKEN_TTL_SECS", default_value_t = 7 * 24 * 3600)]
    pub token_ttl_secs: i64,

    /// argon2id memory cost in KiB.
    #[arg(long, global = true, env = "IMSERVER_ARGON2_MEMORY_KIB", default_value_t = 19 * 1024)]
    pub argon2_memory_kib: u32,

    /// argon2id time cost (iterations).
    #[arg(
        long,
        global = true,
        env = "IMSERVER_ARGON2_ITERATIONS",
        default_value_t = 2
    )]
    pub argon2_iterations: u32,

    /// argon2id parallelism (lanes).
    #[arg(
        long,
        global = true,
        env = "IMSERVER_ARGON2_PARALLELISM",
        default_value_t = 1
    )]
    pub argon2_parallelism: u32,

    /// Seconds within which a request's head (request line and headers) must arrive, counted
    /// from its first byte (and a new connection's first byte from its opening).
    #[arg(long, global = true, env = "IMSERVER_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub header_timeout_secs: u64,

    /// Seconds within which a request's body must arrive once its head has (HTTP 200, code
    /// 10002, and the connection closes beyond).
    #[arg(long, global = true, env = "IMSERVER_BODY_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub body_timeout_secs: u64,

    /// Seconds a keep-alive connection may stay idle between an answer and the next request.
    #[arg(long, global = true, env = "IMSERVER_IDLE_TIMEOUT_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub idle_timeout_secs: u64,

    /// Largest number of open client connections; further connections wait to be accepted.
    #[arg(
        long,
        global = true,
        env = "IMSERVER_MAX_CONNECTIONS",
        default_value_t = 10_000
    )]
    pub max_connections: usize,

    /// Seconds after sending within which a sender may recall its own message (group owners
    /// and admins, and the app admin, recall at any time).
    #[arg(long, global = true, env = "IMSERVER_RECALL_WINDOW_SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(0..=31_536_000))]
    pub recall_window_secs: u64,

    /// A token that GET /metrics requires (`Authorization: Bearer TOKEN`); without it /metrics
    /// is open to whoever reaches the listen address.
    #[arg(
        long,
        global = true,
        env = "IMSERVER_METRICS_TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,

    /// Log filter, as RUST_LOG (e.g. info, imserver=debug).
    #[arg(long, global = true, env = "IMSERVER_LOG", default_value = "info")]
    pub log: String,

    /// Log format: text or json.
    #[arg(
        long,
        global = true,
        env = "IMSERVER_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: String,
}

/// The part of the configuration that the domain reads at run time.
#[derive(Clone, Debug)]
pub struct Settings {
    pub token_ttl_ms: i64,
    pub password: PasswordParams,
    /// How long a request's body may take to arrive (the connection limits are in `net`).
    pub body_timeout: Duration,
    /// How long after sending a sender may recall its message, in ms.
    pub recall_window_ms: i64,
    /// SHA-256 (hex) of the token GET /metrics requires, if any.
    pub metrics_token_digest: Option<String>,
}

impl Settings {
    pub fn from_config(c: &Config) -> Self {
        Settings {
            token_ttl_ms: c.token_ttl_secs.saturating_mul(1000),
            password: PasswordParams {
                memory_kib: c.argon2_memory_kib,
                iterations: c.argon2_iterations,
                parallelism: c.argon2_parallelism,
            },
            body_timeout: Duration::from_secs(c.body_timeout_secs),
            recall_window_ms: (c.recall_window_secs as i64).saturating_mul(1000),
            metrics_token_digest: c
                .metrics_token
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(crate::crypto::sha256_hex),
        }
    }

    /// Settings for tests: cheap password hashing, default lifetimes.
    pub fn for_tests() -> Self {
        Settings {
            token_ttl_ms: 7 * 24 * 3600 * 1000,
            password: PasswordParams {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            body_timeout: Duration::from_secs(30),
            recall_window_ms: 120_000,
            metrics_token_digest: None,
        }
    }
}
