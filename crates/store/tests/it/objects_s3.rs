//! Uploaded files in a real S3-compatible server (moto_server on loopback): the prefix of
//! `s3://bucket/prefix` is where the objects are, and the readiness check tells a server that
//! answers from one that is gone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use store::objects::Objects;
use store::testkit::s3::S3Server;

const WHAT: &str = "the S3 object store tests";

#[tokio::test]
async fn objects_are_kept_under_the_prefix_of_the_url() {
    let Some(s3) = S3Server::start(WHAT).unwrap() else {
        return;
    };
    s3.create_bucket("biye-files").unwrap();

    let prefixed =
        Objects::from_url_with_options("s3://biye-files/some/prefix", s3.options()).unwrap();
    let stored = prefixed
        .put("applications/7", "jpg", b"picture".to_vec())
        .await
        .unwrap();
    assert!(stored.key.starts_with("applications/7/"), "{}", stored.key);

    // In the bucket itself the object sits under the prefix, and nowhere else.
    let full = format!("some/prefix/{}", stored.key);
    assert_eq!(s3.keys("biye-files").unwrap(), vec![full.clone()]);
    assert_eq!(
        s3.get("biye-files", &full).unwrap().as_deref(),
        Some(&b"picture"[..])
    );
    assert_eq!(s3.get("biye-files", &stored.key).unwrap(), None);

    // Read back and removed through the key the database keeps.
    assert_eq!(prefixed.get(&stored.key).await.unwrap(), b"picture");
    prefixed.delete(&stored.key).await.unwrap();
    assert_eq!(s3.get("biye-files", &full).unwrap(), None);

    // Without a prefix the key is the object's name in the bucket.
    let root = Objects::from_url_with_options("s3://biye-files", s3.options()).unwrap();
    let at_root = root
        .put("applications/8", "jpg", b"x".to_vec())
        .await
        .unwrap();
    assert_eq!(s3.keys("biye-files").unwrap(), vec![at_root.key]);
}

#[tokio::test]
async fn the_readiness_check_fails_once_the_server_is_gone() {
    let Some(mut s3) = S3Server::start(WHAT).unwrap() else {
        return;
    };
    s3.create_bucket("biye-files").unwrap();
    let objects = Objects::from_url_with_options("s3://biye-files/province", s3.options()).unwrap();
    // The probe's key does not exist: "not found" is an answer.
    objects.check(Duration::from_secs(5)).await.unwrap();

    s3.stop();
    let err = objects.check(Duration::from_secs(2)).await.unwrap_err();
    assert!(err.to_string().contains("文件存储失败"), "{err}");
}
