//! Rules for what candidates upload: ID-card pictures, certificates and
//! signatures as JPEG of at most 50K each, plus the 自我鉴定 (self-appraisal)
//! text that goes into the same application.
//!
//! Uploads are judged by their bytes, never by their file name: a PNG or a
//! saved web page renamed to `.jpg` is refused with a message saying what it
//! really is. A JPEG that passes has its metadata (EXIF with GPS position,
//! camera serial numbers, thumbnails, XMP, comments) removed without being
//! re-encoded, so the picture reviewers see is exactly the one uploaded.

mod appraisal;
mod crop;
mod jpeg;
mod metadata;
mod photo;
mod proof;
mod scan;
mod segments;
mod sniff;

#[cfg(test)]
mod fixtures;

pub use appraisal::{SELF_APPRAISAL_MAX, SELF_APPRAISAL_MIN, self_appraisal_length};
pub use crop::{CropBox, SIGNATURE_MIN_HEIGHT, SIGNATURE_MIN_WIDTH, crop_signature};
pub use jpeg::{CleanJpeg, JpegHeader, check_jpeg, jpeg_header};
pub use photo::{
    PHOTO_DPI, PHOTO_HEIGHT, PHOTO_MAX_BYTES, PHOTO_MIN_BYTES, PHOTO_MIN_QUALITY, PHOTO_WIDTH,
    PhotoReport, check_certificate_photo, fix_certificate_photo,
};
pub use proof::{
    CleanProof, PROOF_MAX_BYTES, PROOF_MAX_FILES, ProofFormat, check_proof, check_proof_count,
};
pub use sniff::{Sniffed, sniff};

/// Largest accepted JPEG upload in bytes: the 50K of the application notice.
pub const JPEG_MAX_BYTES: usize = 51_200;

/// Largest pixel count accepted before decoding: a 20000×20000 image declared
/// in a 50 KB file must be refused from its header, before any full decode
/// allocates over a gigabyte for it.
pub const MAX_PIXELS: u64 = 25_000_000;

/// An upload or text was refused; the payload is a specific Simplified Chinese
/// message naming the rule, the limit and the actual value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileRefusal(pub String);

impl FileRefusal {
    /// Builds a refusal from any message.
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

/// Formats a count with thousands separators ("51,201"), as people read
/// byte and pixel counts far more easily that way.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(51_201), "51,201");
        assert_eq!(grouped(400_000_000), "400,000,000");
    }
}
