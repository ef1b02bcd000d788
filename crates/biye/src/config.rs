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
    /// When a SQLite commit is acknowledged: `full` (on disk, survives a power cut) or `normal`
    /// (in the WAL; a power cut may lose the last commits). Ignored by other databases.
    pub sqlite_synchronous: String,
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
    /// Where uploaded files are kept: empty for `<data_dir>/objects`, a directory,
    /// `file:///…`, or `s3://bucket/prefix` (credentials and endpoint from `AWS_*`).
    pub objects_url: String,
    /// A CJK font file or directory for PDF printouts; empty for the system's fonts-noto-cjk.
    pub pdf_font: String,
    /// The secret shared with the payment gateway for signed notifications
    /// (`BIYE_PAYMENT_SECRET`). Every instance must have the same one.
    pub payment_secret: String,
    /// The secret shared with the credential service (学信网) for signed pushes
    /// (`BIYE_CREDENTIAL_SECRET`). Every instance must have the same one.
    pub credential_secret: String,
    /// How browsers and the payment gateway reach this server, e.g. `https://biye.example.cn`
    /// (`BIYE_PUBLIC_BASE_URL`); empty for `http://` and the listening address.
    pub public_base_url: String,
    /// Whether `database_url` came from the configuration file or the environment rather than
    /// the default; `demo` then seeds that database instead of its own.
    #[serde(skip)]
    pub database_url_given: bool,
    /// Load balancers whose `Forwarded` / `X-Forwarded-For` is believed: CIDR blocks or
    /// addresses, a list in `biye.toml` or comma-separated in `BIYE_TRUSTED_PROXIES`; none: the
    /// TCP peer is the client.
    pub trusted_proxies: AddressList,
    /// Requests handled at once before further ones are answered 503 (`BIYE_MAX_IN_FLIGHT`);
    /// 0 for 64 per core, at least 128.
    pub max_in_flight: usize,
    /// A directory of province definitions (`*.toml`, `BIYE_PROVINCES_DIR`) added to the shipped
    /// ones, or replacing one of the same code; empty for the shipped ones only.
    pub provinces_dir: String,
    /// Serve the local payment gateway and the local 学信网 (`BIYE_LOCAL_SERVICES`): stand-ins
    /// through which anyone can "pay" or "authorise", for development and demonstrations only.
    pub local_services: bool,
    /// The text-message provider (`BIYE_SMS_PROVIDER`): `tencent` for Tencent Cloud SMS, empty
    /// for none (codes go to the log and the development outbox only).
    pub sms_provider: String,
    /// The provider's SecretId (`BIYE_SMS_SECRET_ID`).
    pub sms_secret_id: String,
    /// The provider's SecretKey (`BIYE_SMS_SECRET_KEY`).
    pub sms_secret_key: String,
    /// The SMS application id (SdkAppId, `BIYE_SMS_APP_ID`).
    pub sms_app_id: String,
    /// The approved signature (签名, `BIYE_SMS_SIGN_NAME`).
    pub sms_sign_name: String,
    /// The provider's region (`BIYE_SMS_REGION`); empty for `ap-guangzhou`.
    pub sms_region: String,
    /// The provider's API address (`BIYE_SMS_ENDPOINT`); empty for its public one.
    pub sms_endpoint: String,
    /// The approved template id of the verification-code message
    /// (`BIYE_SMS_TEMPLATE_VERIFICATION_CODE`): "您的验证码为{1}，{2}分钟内有效…".
    pub sms_template_verification_code: String,
    /// The approved template id of the notice of a 收件箱 message (`BIYE_SMS_TEMPLATE_NOTICE`):
    /// "您的收件箱有一条新消息：{1}。请登录毕业申请平台查看详情。"; without it, notices chosen
    /// by text message are recorded as failed with this setting named.
    pub sms_template_notice: String,
    /// The SMTP server e-mail notifications go through (`BIYE_SMTP_URL`): `smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://user:pass@host:465`;
    /// empty for none (e-mail is written to the log only).
    pub smtp_url: String,
    /// The sender of those e-mails (`BIYE_MAIL_FROM`), e.g. `毕业申请平台 <noreply@example.cn>`.
    pub mail_from: String,
}

impl Config {
    /// The e-mail sender the configuration names, `None` when it names no SMTP server; refused
    /// when the server's URL or the sender's address cannot be read.
    pub fn mail_sender(
        &self,
    ) -> anyhow::Result<Option<std::sync::Arc<dyn store::mail::EmailSender>>> {
        let url = self.smtp_url.trim();
        if url.is_empty() {
            return Ok(None);
        }
        let from = self.mail_from.trim();
        anyhow::ensure!(
            !from.is_empty(),
            "smtp_url is set but mail_from (BIYE_MAIL_FROM) is not: name the sender, e.g. \"毕业申请平台 <noreply@example.cn>\""
        );
        let sender =
            store::mail::smtp::SmtpSender::new(url, from).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Some(std::sync::Arc::new(sender)))
    }

    /// The text-message sender the configuration names, `None` when it names none; refused when
    /// a provider is named without what it needs.
    pub fn sms_sender(&self) -> anyhow::Result<Option<std::sync::Arc<dyn store::sms::SmsSender>>> {
        match self.sms_provider.trim() {
            "" => Ok(None),
            "tencent" => {
                let mut missing = Vec::new();
                for (name, value) in [
                    ("sms_secret_id", &self.sms_secret_id),
                    ("sms_secret_key", &self.sms_secret_key),
                    ("sms_app_id", &self.sms_app_id),
                    ("sms_sign_name", &self.sms_sign_name),
                    (
                        "sms_template_verification_code",
                        &self.sms_template_verification_code,
                    ),
                ] {
                    if value.trim().is_empty() {
                        missing.push(name);
                    }
                }
                if !missing.is_empty() {
                    anyhow::bail!(
                        "sms_provider = \"tencent\" needs {} (or the BIYE_SMS_* variables)",
                        missing.join(", ")
                    );
                }
                let mut templates = std::collections::HashMap::new();
                templates.insert(
                    store::sms::SmsTemplate::VerificationCode.code().to_owned(),
                    self.sms_template_verification_code.trim().to_owned(),
                );
                if !self.sms_template_notice.trim().is_empty() {
                    templates.insert(
                        store::sms::SmsTemplate::Notice.code().to_owned(),
                        self.sms_template_notice.trim().to_owned(),
                    );
                }
                let mut config = store::sms::tencent::TencentConfig {
                    secret_id: self.sms_secret_id.trim().to_owned(),
                    secret_key: self.sms_secret_key.trim().to_owned(),
                    sdk_app_id: self.sms_app_id.trim().to_owned(),
                    sign_name: self.sms_sign_name.trim().to_owned(),
                    templates,
                    ..Default::default()
                };
                if !self.sms_region.trim().is_empty() {
                    config.region = self.sms_region.trim().to_owned();
                }
                if !self.sms_endpoint.trim().is_empty() {
                    config.endpoint = self.sms_endpoint.trim().to_owned();
                }
                let sender = store::sms::tencent::TencentSms::new(config)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                Ok(Some(std::sync::Arc::new(sender)))
            }
            other => anyhow::bail!(
                "sms_provider \"{other}\" is not known: use \"tencent\" or leave it empty"
            ),
        }
    }
}

/// Addresses given as a TOML list or as one comma-separated string (as environment variables
/// give them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum AddressList {
    /// `["10.0.0.5/32", "10.0.1.0/24"]`.
    List(Vec<String>),
    /// `10.0.0.5/32,10.0.1.0/24`.
    Text(String),
}

impl Default for AddressList {
    fn default() -> Self {
        AddressList::List(Vec::new())
    }
}

impl AddressList {
    /// The addresses, comma-separated.
    pub fn joined(&self) -> String {
        match self {
            AddressList::List(v) => v.join(","),
            AddressList::Text(s) => s.clone(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://biye-data/biye.sqlite?mode=rwc".to_owned(),
            sqlite_synchronous: "full".to_owned(),
            listen: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("biye-data"),
            secure_cookies: false,
            import_max_mb: 100,
            log_format: "pretty".to_owned(),
            objects_url: String::new(),
            pdf_font: String::new(),
            payment_secret: String::new(),
            credential_secret: String::new(),
            public_base_url: String::new(),
            trusted_proxies: AddressList::default(),
            max_in_flight: 0,
            provinces_dir: String::new(),
            local_services: false,
            sms_provider: String::new(),
            sms_secret_id: String::new(),
            sms_secret_key: String::new(),
            sms_app_id: String::new(),
            sms_sign_name: String::new(),
            sms_region: String::new(),
            sms_endpoint: String::new(),
            sms_template_verification_code: String::new(),
            sms_template_notice: String::new(),
            smtp_url: String::new(),
            mail_from: String::new(),
            database_url_given: false,
        }
    }
}

/// `http://` and the listening address, with a wildcard address replaced by loopback so the
/// URL can be opened.
pub fn default_public_base_url(addr: std::net::SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    format!("http://{addr}")
}

impl Config {
    /// Loads the configuration from `file` (if it exists) and the environment.
    pub fn load(file: &std::path::Path) -> anyhow::Result<Config> {
        let given = Figment::new()
            .merge(Toml::file(file))
            .merge(Env::prefixed("BIYE_"));
        let mut cfg: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(given.clone())
            .extract()?;
        cfg.database_url_given = given.find_value("database_url").is_ok();
        web::client_addr::parse_trusted(&cfg.trusted_proxies.joined())
            .map_err(|e| anyhow::anyhow!(e))?;
        cfg.load_provinces()?;
        Ok(cfg)
    }

    /// Checks the shipped province definitions and installs the deployment's own, so that a
    /// mistake in either stops the binary with the file and field named before anything runs.
    fn load_provinces(&self) -> anyhow::Result<()> {
        let broken = domain::province::builtin_errors();
        anyhow::ensure!(broken.is_empty(), "{}", broken.join("\n"));
        if !self.provinces_dir.is_empty() {
            domain::province::load_dir(std::path::Path::new(&self.provinces_dir))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(())
    }

    /// The SQLite durability setting, checked.
    pub fn sqlite_sync(&self) -> anyhow::Result<store::db::SqliteSync> {
        self.sqlite_synchronous
            .parse()
            .map_err(|e: String| anyhow::anyhow!(e))
    }

    /// The HTTP layer's part of it, for a server listening on `listening`.
    pub fn web(&self, listening: std::net::SocketAddr) -> web::WebConfig {
        let payment_secret = if self.payment_secret.is_empty() {
            // Enough for one instance, whose gateway and callback share the process; with
            // several, a notification reaching another instance fails until reconciliation.
            tracing::warn!(
                "BIYE_PAYMENT_SECRET 未设置：本次运行使用随机生成的支付通知密钥，多实例部署时必须配置相同的密钥"
            );
            web::WebConfig::random_payment_secret()
        } else {
            self.payment_secret.clone()
        };
        let credential_secret = if self.credential_secret.is_empty() {
            tracing::warn!(
                "BIYE_CREDENTIAL_SECRET 未设置：本次运行使用随机生成的学历信息推送密钥，多实例部署时必须配置相同的密钥"
            );
            web::WebConfig::random_payment_secret()
        } else {
            self.credential_secret.clone()
        };
        web::WebConfig {
            secure_cookies: self.secure_cookies,
            import_max_bytes: self.import_max_mb * 1024 * 1024,
            spool_dir: self.data_dir.join("spool"),
            objects_url: if self.objects_url.is_empty() {
                self.data_dir.join("objects").to_string_lossy().into_owned()
            } else {
                self.objects_url.clone()
            },
            pdf_font: (!self.pdf_font.is_empty()).then(|| PathBuf::from(&self.pdf_font)),
            payment_secret,
            credential_secret,
            public_base_url: if self.public_base_url.is_empty() {
                default_public_base_url(listening)
            } else {
                self.public_base_url.trim_end_matches('/').to_owned()
            },
            // Checked when the configuration was loaded.
            trusted_proxies: web::client_addr::parse_trusted(&self.trusted_proxies.joined())
                .unwrap_or_default(),
            max_in_flight: if self.max_in_flight == 0 {
                web::default_max_in_flight()
            } else {
                self.max_in_flight
            },
            local_services: self.local_services,
            ..web::WebConfig::default()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_come_as_a_list_in_the_file_or_a_string_in_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("biye.toml");
        std::fs::write(
            &file,
            "trusted_proxies = [\"10.0.0.5/32\", \"127.0.0.1\"]\n",
        )
        .unwrap();
        let cfg = Config::load(&file).unwrap();
        assert_eq!(cfg.trusted_proxies.joined(), "10.0.0.5/32,127.0.0.1");
        let web = cfg.web("127.0.0.1:8080".parse().unwrap());
        assert_eq!(web.trusted_proxies.len(), 2);
        std::fs::write(&file, "trusted_proxies = \"10.0.0.0/8, ::1\"\n").unwrap();
        let cfg = Config::load(&file).unwrap();
        assert_eq!(
            cfg.web("127.0.0.1:8080".parse().unwrap())
                .trusted_proxies
                .len(),
            2
        );
        std::fs::write(&file, "trusted_proxies = [\"balancer\"]\n").unwrap();
        let err = Config::load(&file).unwrap_err().to_string();
        assert!(err.contains("“balancer”"), "{err}");
    }
}
