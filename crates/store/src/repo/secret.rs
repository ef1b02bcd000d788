//! Secrets shared by every instance through the database. The first instance that needs one
//! creates it; a racing instance's insert loses and both then read the same value, so forms
//! signed on one instance verify on every other without any configuration.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::entity::app_secret;

/// The name of the key that signs the CSRF tokens of anonymous forms (sign-in pages).
pub const FORM_KEY: &str = "anonymous_form_key";

/// The secret `name`, created (256 random bits, hex) if it does not exist yet.
pub async fn get_or_create<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    if let Some(s) = app_secret::Entity::find_by_id(name.to_owned())
        .one(conn)
        .await?
    {
        return Ok(s.value);
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    app_secret::Entity::insert(app_secret::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(hex::encode(bytes)),
        created_at: Set(now),
    })
    // A racing instance's row wins and stays: updating the key to itself is the "do nothing"
    // all three backends accept.
    .on_conflict(
        OnConflict::column(app_secret::Column::Name)
            .update_column(app_secret::Column::Name)
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    app_secret::Entity::find_by_id(name.to_owned())
        .one(conn)
        .await?
        .map(|s| s.value)
        .ok_or_else(|| DbErr::RecordNotFound(format!("secret {name}")))
}
