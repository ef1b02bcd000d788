//! Texts the platform writes to people, gathered per area.
//!
//! Assembled inline at each call site, texts drifted: a time left out of a sentence, a reviewer's
//! opinion that already ended in "。" followed by the sentence's own "。". Kept in one module per
//! area, each text is written once, reviewed once and tested against those slips together.

pub mod channels;
pub mod inbox;
pub mod review;
