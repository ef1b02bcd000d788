//! Uploaded objects and the rows that refer to them: an object is kept only when the row that
//! refers to it was written, so a refused or failed attach leaves nothing behind in storage.

use crate::AppState;

/// Removes an object that no row refers to because its attach was refused or failed. A failure
/// to remove is logged, not raised: the caller is already answering with the attach's refusal.
pub async fn discard(state: &AppState, key: &str) {
    if let Err(e) = state.objects.delete(key).await {
        tracing::warn!(error = %e, key, "removing an unattached upload failed");
    }
}
