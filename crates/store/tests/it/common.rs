//! What the store's integration tests share.

use chrono::{DateTime, SubsecRound, Utc};

/// A password hash in the stored format, for accounts the tests create: no test signs in with it.
pub const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZGVtby1zYWx0$ZGVtby1oYXNoLW5vdC1yZWFs";

/// The current time at whole seconds, as every database stores it.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}
