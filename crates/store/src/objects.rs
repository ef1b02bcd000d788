//! Uploaded files: kept in an object store (a local directory by default, an
//! S3-compatible bucket in production) under generated ASCII keys. A person's
//! file name is never part of a key; it is kept in the database for display.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

/// Where files live; cheap to clone.
#[derive(Clone, Debug)]
pub struct Objects {
    inner: Arc<dyn ObjectStore>,
}

/// A stored object's key and content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The generated key.
    pub key: String,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: usize,
}

/// The object store failed.
#[derive(Debug, thiserror::Error)]
#[error("文件存储失败：{0}")]
pub struct ObjectError(String);

impl From<object_store::Error> for ObjectError {
    fn from(e: object_store::Error) -> Self {
        Self(e.to_string())
    }
}

impl Objects {
    /// Files under a local directory, created if missing.
    pub fn local(dir: &Path) -> Result<Self, ObjectError> {
        std::fs::create_dir_all(dir).map_err(|e| ObjectError(e.to_string()))?;
        let fs = LocalFileSystem::new_with_prefix(dir)?;
        Ok(Self {
            inner: Arc::new(fs),
        })
    }

    /// A store from a URL: `file:///var/lib/biye/objects` or a path for a local directory,
    /// `s3://bucket/prefix` for S3-compatible storage configured by the usual `AWS_*`
    /// environment variables (endpoint, region, keys). Objects are kept under the prefix.
    pub fn from_url(url: &str) -> Result<Self, ObjectError> {
        let env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with("AWS_"))
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        Self::from_url_with_options(url, env)
    }

    /// As [`Objects::from_url`], with the store's options given instead of read from the
    /// environment (keys as `object_store` names them, e.g. `aws_endpoint`, `aws_allow_http`).
    pub fn from_url_with_options(
        url: &str,
        options: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ObjectError> {
        if let Some(path) = url.strip_prefix("file://") {
            return Self::local(Path::new(path));
        }
        if !url.contains("://") {
            return Self::local(Path::new(url));
        }
        // reqwest is built without a bundled crypto provider; an error here only means one
        // is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let parsed = url::Url::parse(url).map_err(|e| ObjectError(e.to_string()))?;
        let (store, prefix) = object_store::parse_url_opts(&parsed, options)?;
        // A province shares one bucket between deployments (or with other systems) by giving
        // each its own prefix: every key is resolved under it.
        let inner: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
            Arc::from(store)
        } else {
            Arc::new(PrefixStore::new(store, prefix))
        };
        Ok(Self { inner })
    }

    /// Whether the store answers within `timeout`: asks for the metadata of a key that need not
    /// exist, so "not found" means reachable. Used by `/readyz`.
    pub async fn check(&self, timeout: Duration) -> Result<(), ObjectError> {
        let probe = ObjectPath::from("readyz-probe");
        // The client retries unreachable endpoints for minutes; a readiness probe must answer
        // well before the balancer gives up on it.
        match tokio::time::timeout(timeout, self.inner.head(&probe)).await {
            Ok(Ok(_) | Err(object_store::Error::NotFound { .. })) => Ok(()),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(ObjectError(format!(
                "{} 秒内没有应答",
                timeout.as_secs_f64()
            ))),
        }
    }

    /// Stores `bytes` under a new key `{prefix}/{uuid}.{ext}` and returns it with the hash.
    pub async fn put(
        &self,
        prefix: &str,
        ext: &str,
        bytes: Vec<u8>,
    ) -> Result<Stored, ObjectError> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let key = format!("{prefix}/{}.{ext}", uuid::Uuid::new_v4().simple());
        let size = bytes.len();
        self.inner
            .put(
                &ObjectPath::from(key.as_str()),
                PutPayload::from(Bytes::from(bytes)),
            )
            .await?;
        Ok(Stored { key, sha256, size })
    }

    /// Reads a whole object (uploads are small: at most a few megabytes).
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, ObjectError> {
        let got = self.inner.get(&ObjectPath::from(key)).await?;
        Ok(got.bytes().await?.to_vec())
    }

    /// Removes an object; removing one that is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), ObjectError> {
        match self.inner.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stored_files_come_back_with_their_hash_under_generated_keys() -> Result<(), ObjectError>
    {
        let dir = tempfile::tempdir().map_err(|e| ObjectError(e.to_string()))?;
        let objects = Objects::local(dir.path())?;
        let a = objects
            .put("applications/7", "jpg", b"hello".to_vec())
            .await?;
        let b = objects
            .put("applications/7", "jpg", b"hello".to_vec())
            .await?;
        assert_ne!(a.key, b.key);
        assert!(a.key.starts_with("applications/7/") && a.key.ends_with(".jpg"));
        assert_eq!(
            a.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(objects.get(&a.key).await?, b"hello");
        assert!(objects.get("applications/7/missing.jpg").await.is_err());
        Ok(())
    }

    #[tokio::test]
    async fn a_local_store_is_ready_and_an_unreachable_endpoint_is_not() -> Result<(), ObjectError>
    {
        let dir = tempfile::tempdir().map_err(|e| ObjectError(e.to_string()))?;
        Objects::local(dir.path())?
            .check(Duration::from_secs(5))
            .await?;

        // A loopback port nobody listens on: refused at once, retried by the client until the
        // probe's time is up.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| ObjectError(e.to_string()))?
            .port();
        let options = [
            ("aws_endpoint", format!("http://127.0.0.1:{port}")),
            ("aws_allow_http", "true".to_owned()),
            ("aws_region", "us-east-1".to_owned()),
            ("aws_access_key_id", "k".to_owned()),
            ("aws_secret_access_key", "s".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v));
        let s3 = Objects::from_url_with_options("s3://bucket/prefix", options)?;
        assert!(s3.check(Duration::from_millis(500)).await.is_err());
        Ok(())
    }
}
