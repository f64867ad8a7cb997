//! Command line and environment configuration: one typed struct per command, validated once
//! at start. `oneroster <command> --help` is the reference for every setting.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::csv::{ImportOptions, Limits};
use crate::model::datetime::parse_datetime;
use crate::store::StoreOptions;

/// A OneRoster 1.2 provider: the rostering, gradebook and resources REST services, with
/// OAuth 2.0 client credentials, over PostgreSQL or an embedded SQLite file.
#[derive(Debug, Parser)]
#[command(name = "oneroster", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrations are applied at start).
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate(DbArgs),
    /// Load the demo district (idempotent) and create the demo client.
    Demo(DemoArgs),
    /// Manage OAuth 2.0 clients.
    Clients {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: ClientsCommand,
    },
    /// Import a OneRoster 1.2 CSV package (a .zip or a folder of CSV files), all or nothing.
    Import(ImportArgs),
    /// Export the store as a OneRoster 1.2 CSV package: bulk, or delta with --since.
    Export(ExportArgs),
    /// Write a synthetic district as a OneRoster 1.2 bulk CSV package (for benchmarks).
    #[command(long_about = generate_help())]
    Generate(GenerateArgs),
    /// Write the OpenAPI documents and the operations table to a folder.
    Openapi {
        /// Folder to write `rostering.json`, `gradebook.json`, `resources.json`,
        /// `platform.json` and `operations.md` to.
        #[arg(long, default_value = "openapi")]
        out: PathBuf,
        /// Public base URL to put in `servers` and `tokenUrl`.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
}

fn generate_help() -> String {
    format!(
        "Write a synthetic district as a OneRoster 1.2 bulk CSV package: manifest.csv and the \
         21 data files, in a zip (OUT ending in .zip) or a folder. The same --students and \
         --seed always give the same bytes.\n\n{}",
        crate::generate::DISTRICT
    )
}

/// Settings of `oneroster generate`.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Number of students (at least 20); there is about one school per 1,000 students.
    #[arg(long, value_parser = clap::value_parser!(u32).range(i64::from(crate::generate::MIN_STUDENTS)..))]
    pub students: u32,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write: a `.zip` package, or else a folder (created if needed).
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Register a client and print its id and secret (the secret is shown only once).
    Create {
        /// A name to recognise the client by.
        #[arg(long)]
        name: String,
        /// Allowed scopes, space- or comma-separated, full URIs or short forms such as
        /// `roster.readonly`; `all` for the 13 OneRoster scopes; `admin` for the server
        /// administration scope (CSV import/export over HTTP), which `all` does not include.
        #[arg(long)]
        scopes: String,
        /// Use this client id instead of a generated one.
        #[arg(long)]
        client_id: Option<String>,
        /// Use this secret instead of a generated one (prefer generated secrets).
        #[arg(long, env = "ONEROSTER_CLIENT_SECRET", hide_env_values = true)]
        secret: Option<String>,
    },
    /// List the registered clients (never their secrets).
    List,
    /// Revoke a client: it can no longer obtain tokens, and its tokens stop working within 5 s.
    Revoke {
        /// The client id.
        client_id: String,
    },
}

/// Database settings, shared by every command.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: `postgres://user@host/db` or `sqlite:path`. The default keeps all data
    /// in the file `oneroster.db` of the working directory.
    #[arg(
        long,
        env = "ONEROSTER_DATABASE_URL",
        default_value = "sqlite:oneroster.db"
    )]
    pub database_url: String,
    /// Largest number of database connections (two more are kept for the totals of pages
    /// whose rows are still streaming).
    #[arg(long, env = "ONEROSTER_POOL_SIZE", default_value_t = 16)]
    pub pool_size: u32,
    /// Seconds to wait for a free database connection before answering 503.
    #[arg(long, env = "ONEROSTER_POOL_TIMEOUT_SECS", default_value_t = 5)]
    pub pool_timeout_secs: u64,
    /// Seconds after which PostgreSQL cancels a statement.
    #[arg(long, env = "ONEROSTER_STATEMENT_TIMEOUT_SECS", default_value_t = 60)]
    pub statement_timeout_secs: u64,
}

impl DbArgs {
    pub fn store_options(&self) -> anyhow::Result<StoreOptions> {
        anyhow::ensure!(self.pool_size >= 1, "--pool-size must be at least 1");
        anyhow::ensure!(
            self.pool_timeout_secs >= 1,
            "--pool-timeout-secs must be at least 1"
        );
        anyhow::ensure!(
            self.statement_timeout_secs >= 1,
            "--statement-timeout-secs must be at least 1"
        );
        Ok(StoreOptions {
            url: self.database_url.clone(),
            pool_size: self.pool_size,
            acquire_timeout: Duration::from_secs(self.pool_timeout_secs),
            statement_timeout: Duration::from_secs(self.statement_timeout_secs),
        })
    }
}

/// Safety settings of CSV imports, for the `import` command and `POST /admin/csv`.
#[derive(Debug, Clone, Args)]
pub struct CsvArgs {
    /// Largest total size of a package's files once inflated, in bytes (zip bomb guard).
    #[arg(
        long,
        env = "ONEROSTER_MAX_IMPORT_UNCOMPRESSED_BYTES",
        default_value_t = 4 << 30
    )]
    pub max_import_uncompressed_bytes: u64,
    /// Largest inflated/compressed size ratio of one file of a zip (zip bomb guard).
    #[arg(long, env = "ONEROSTER_MAX_IMPORT_RATIO", default_value_t = 200)]
    pub max_import_ratio: u64,
    /// Largest share (0 to 1) of a kind's active records that a bulk file may delete; a
    /// package deleting more is refused unless the import allows mass deletes.
    #[arg(long, env = "ONEROSTER_MASS_DELETE_THRESHOLD", default_value_t = 0.5)]
    pub mass_delete_threshold: f64,
}

impl CsvArgs {
    /// Validated import options (mass deletes not allowed).
    pub fn options(&self) -> anyhow::Result<ImportOptions> {
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.mass_delete_threshold),
            "--mass-delete-threshold must be between 0 and 1 (got {})",
            self.mass_delete_threshold
        );
        anyhow::ensure!(
            self.max_import_ratio >= 10,
            "--max-import-ratio must be at least 10"
        );
        anyhow::ensure!(
            self.max_import_uncompressed_bytes >= 1024,
            "--max-import-uncompressed-bytes must be at least 1024"
        );
        Ok(ImportOptions {
            limits: Limits {
                max_uncompressed_bytes: self.max_import_uncompressed_bytes,
                max_ratio: self.max_import_ratio,
                ..Limits::default()
            },
            mass_delete_threshold: self.mass_delete_threshold,
            ..ImportOptions::default()
        })
    }
}

/// `oneroster import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub csv: CsvArgs,
    /// Let bulk files delete more than --mass-delete-threshold of a kind's records.
    #[arg(long, default_value_t = false)]
    pub allow_mass_delete: bool,
    /// The package: a .zip file or a folder holding manifest.csv and the data files.
    pub package: PathBuf,
}

/// `oneroster export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Write a delta package of what changed after this date-time (ISO 8601, e.g.
    /// 2025-01-31T00:00:00.000Z, or a date), tombstones included. Without it, a bulk package
    /// of every active record.
    #[arg(long)]
    pub since: Option<String>,
    /// The .zip file to write (replaced if it exists).
    pub out: PathBuf,
}

impl ExportArgs {
    /// `--since` in epoch milliseconds.
    pub fn since_ms(&self) -> anyhow::Result<Option<i64>> {
        self.since
            .as_deref()
            .map(|s| {
                parse_datetime(s).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--since must be an ISO 8601 date-time such as 2025-01-31T00:00:00.000Z (got '{s}')"
                    )
                })
            })
            .transpose()
    }
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

/// Settings of the server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address and port to listen on.
    #[arg(long, env = "ONEROSTER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Public base URL of this server (scheme, host, port, optional path prefix), used for
    /// `href`s, `Link` headers, the token issuer and the discovery documents. Defaults to
    /// `http://<listen>`.
    #[arg(long, env = "ONEROSTER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// File holding the Ed25519 token signing key in PKCS#8 PEM
    /// (`openssl genpkey -algorithm ed25519`). Without one, a key is generated once and kept
    /// in the database.
    #[arg(long, env = "ONEROSTER_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,
    /// Lifetime of access tokens, in seconds (60 to 86400).
    #[arg(long, env = "ONEROSTER_TOKEN_LIFETIME_SECS", default_value_t = 3600)]
    pub token_lifetime_secs: u64,
    /// Largest page size served; larger `limit` values are clamped to it.
    #[arg(long, env = "ONEROSTER_MAX_PAGE_SIZE", default_value_t = 10_000)]
    pub max_page_size: u64,
    /// Seconds a request may take to start its response before it is answered 503.
    #[arg(long, env = "ONEROSTER_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "ONEROSTER_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest CSV package (zip) accepted by `POST /admin/csv`, in bytes.
    #[arg(long, env = "ONEROSTER_MAX_IMPORT_BYTES", default_value_t = 512 * 1024 * 1024)]
    pub max_import_bytes: usize,
    #[command(flatten)]
    pub csv: CsvArgs,
    /// Requests handled at once; further requests are answered 429 with `Retry-After`.
    #[arg(
        long,
        env = "ONEROSTER_MAX_CONCURRENT_REQUESTS",
        default_value_t = 1024
    )]
    pub max_concurrent_requests: usize,
    /// Days a tombstone (`status: tobedeleted`) is kept, visible to delta queries, before it
    /// is purged; 0 keeps tombstones forever.
    #[arg(long, env = "ONEROSTER_TOMBSTONE_RETENTION_DAYS", default_value_t = 90)]
    pub tombstone_retention_days: u64,
    /// Return stored passwords (`password`, credential passwords). Off by default.
    #[arg(long, env = "ONEROSTER_EXPOSE_PASSWORDS", default_value_t = false)]
    pub expose_passwords: bool,
    /// Load the demo district and create the demo client at start, printing its credentials.
    #[arg(long, env = "ONEROSTER_DEMO", default_value_t = false)]
    pub demo: bool,
}

/// Validated server settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// Without a trailing slash.
    pub public_url: String,
    pub signing_key: Option<[u8; 32]>,
    pub token_lifetime_secs: u64,
    pub max_page_size: u64,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    pub max_import_bytes: usize,
    /// Settings of CSV imports over HTTP.
    pub import: ImportOptions,
    pub max_concurrent_requests: usize,
    pub tombstone_retention_days: u64,
    pub expose_passwords: bool,
    /// Rows a page may have to skip before its start is looked for from the end of the list
    /// (not a flag: a tuning constant, lowered by the tests).
    pub deep_page_min_skip: u64,
    /// How long a token's client is trusted to be unrevoked before the store is read again
    /// ([`crate::auth::revocation::RECHECK`]; not a flag, lowered by a test).
    pub client_recheck: Duration,
}

/// Checks a public base URL: absolute http(s), no query or fragment.
pub fn check_public_url(url: &str) -> anyhow::Result<String> {
    let trimmed = url.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| {
            anyhow::anyhow!("--public-url must start with http:// or https:// (got '{url}')")
        })?;
    let host = rest.split('/').next().unwrap_or("");
    anyhow::ensure!(!host.is_empty(), "--public-url has no host (got '{url}')");
    anyhow::ensure!(
        !trimmed.contains(['?', '#', ' ']),
        "--public-url must not contain a query, a fragment or spaces (got '{url}')"
    );
    Ok(trimmed.to_string())
}

impl ServeArgs {
    /// Validates the settings; the error says which setting is wrong and why.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let public_url = match &self.public_url {
            Some(u) => check_public_url(u)?,
            None => format!("http://{}", self.listen),
        };
        anyhow::ensure!(
            (60..=86_400).contains(&self.token_lifetime_secs),
            "--token-lifetime-secs must be between 60 and 86400 (got {})",
            self.token_lifetime_secs
        );
        anyhow::ensure!(
            (1..=1_000_000).contains(&self.max_page_size),
            "--max-page-size must be between 1 and 1000000 (got {})",
            self.max_page_size
        );
        anyhow::ensure!(
            self.request_timeout_secs >= 1,
            "--request-timeout-secs must be at least 1"
        );
        anyhow::ensure!(
            self.max_body_bytes >= 1024,
            "--max-body-bytes must be at least 1024"
        );
        anyhow::ensure!(
            self.max_import_bytes >= 1024,
            "--max-import-bytes must be at least 1024"
        );
        anyhow::ensure!(
            self.max_concurrent_requests >= 1,
            "--max-concurrent-requests must be at least 1"
        );
        let signing_key = match &self.signing_key_file {
            Some(path) => {
                let pem = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("cannot read --signing-key-file {}: {e}", path.display())
                })?;
                Some(crate::auth::keys::seed_from_pem(&pem)?)
            }
            None => None,
        };
        Ok(Settings {
            listen: self.listen,
            public_url,
            signing_key,
            token_lifetime_secs: self.token_lifetime_secs,
            max_page_size: self.max_page_size,
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            max_body_bytes: self.max_body_bytes,
            max_import_bytes: self.max_import_bytes,
            import: self.csv.options()?,
            max_concurrent_requests: self.max_concurrent_requests,
            tombstone_retention_days: self.tombstone_retention_days,
            expose_passwords: self.expose_passwords,
            deep_page_min_skip: crate::store::engine::DEEP_PAGE_MIN_SKIP,
            client_recheck: crate::auth::revocation::RECHECK,
        })
    }
}

impl Settings {
    /// Settings for tests and embedding: defaults, a given public URL.
    pub fn for_tests(public_url: &str) -> Settings {
        Settings {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            public_url: public_url.trim_end_matches('/').to_string(),
            signing_key: None,
            token_lifetime_secs: 3600,
            max_page_size: 10_000,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024 * 1024,
            max_import_bytes: 512 * 1024 * 1024,
            import: ImportOptions::default(),
            max_concurrent_requests: 1024,
            tombstone_retention_days: 90,
            expose_passwords: false,
            deep_page_min_skip: crate::store::engine::DEEP_PAGE_MIN_SKIP,
            client_recheck: crate::auth::revocation::RECHECK,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls() {
        assert_eq!(
            check_public_url("https://or.example.org/").unwrap(),
            "https://or.example.org"
        );
        assert_eq!(
            check_public_url("http://h:8080/prefix").unwrap(),
            "http://h:8080/prefix"
        );
        for bad in ["or.example.org", "ftp://x", "https://", "https://h/?a=1"] {
            assert!(check_public_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
