//! Configuration: defaults, then `biye.toml`, then `BIYE_*` environment variables.

use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything `biye serve` can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite://…`, `postgres://…` or `mysql://…`.
    pub database_url: String,
    /// Address to listen on.
    pub listen: String,
    /// Local data directory (SQLite file, spooled uploads).
    pub data_dir: PathBuf,
    /// Mark cookies Secure (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Largest import upload, in MiB.
    pub import_max_mb: u64,
    /// `pretty` or `json` logs.
    pub log_format: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://biye-data/biye.sqlite?mode=rwc".to_owned(),
            listen: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("biye-data"),
            secure_cookies: false,
            import_max_mb: 100,
            log_format: "pretty".to_owned(),
        }
    }
}

impl Config {
    /// Loads the configuration from `file` (if it exists) and the environment.
    pub fn load(file: &std::path::Path) -> anyhow::Result<Config> {
        Ok(Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("BIYE_"))
            .extract()?)
    }

    /// The HTTP layer's part of it.
    pub fn web(&self) -> web::WebConfig {
        web::WebConfig {
            secure_cookies: self.secure_cookies,
            import_max_bytes: self.import_max_mb * 1024 * 1024,
            spool_dir: self.data_dir.join("spool"),
        }
    }
}
