//! Removing metadata from a JPEG without re-encoding it: EXIF (with GPS
//! position and camera serial numbers), XMP, ICC, IPTC, thumbnails, comments
//! and anything appended after the picture.

use super::FileRefusal;
use super::segments::{
    APP0, APP1, APP14, DAC, DHT, DNL, DQT, DRI, EOI, SOI, SOS, is_rst, is_sof, segments,
};

/// Copies only the segments needed to show the picture, in their original
/// order, with their compressed data untouched.
///
/// Kept: the JFIF header (without its thumbnail), Adobe APP14 (it says how
/// the colour channels are encoded, so dropping it changes the colours),
/// frame, table, restart and scan segments. Dropped: APP1–APP13 and APP15
/// (EXIF, XMP, ICC, IPTC, maker notes), other APP0 and APP14 segments,
/// comments, unknown markers and whatever follows the end-of-image marker.
pub(super) fn strip_metadata(bytes: &[u8]) -> Result<Vec<u8>, FileRefusal> {
    let mut pending_orientation = exif_orientation(bytes).map(orientation_segment);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut jfif_kept = false;
    for segment in segments(bytes) {
        let segment = segment?;
        let payload = &bytes[segment.payload.clone()];
        let keep = match segment.marker {
            APP0 => {
                if !jfif_kept && let Some(jfif) = jfif_without_thumbnail(payload) {
                    jfif_kept = true;
                    out.extend_from_slice(&jfif);
                }
                continue;
            }
            APP14 => payload.starts_with(b"Adobe"),
            m => is_sof(m) || is_rst(m) || matches!(m, DHT | DAC | DQT | DRI | DNL | SOS | EOI),
        };
        if keep {
            if let Some(orientation) = pending_orientation.take() {
                out.extend_from_slice(&orientation);
            }
            out.push(0xFF);
            out.extend_from_slice(&bytes[segment.at..segment.end]);
        }
    }
    Ok(out)
}

fn segment_bytes(marker: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A JFIF thumbnail is a second, unchecked picture that viewers may show
/// instead of the real one, so only the fixed 14-byte header is kept.
fn jfif_without_thumbnail(payload: &[u8]) -> Option<Vec<u8>> {
    let header = payload.get(..14)?;
    if !header.starts_with(b"JFIF\0") {
        return None;
    }
    let mut kept = header.to_vec();
    kept[12] = 0;
    kept[13] = 0;
    Some(segment_bytes(APP0, &kept))
}

/// The EXIF orientation (2–8) of the first EXIF segment, when it asks viewers
/// to rotate or mirror the picture; 1 and unreadable values mean "as stored".
pub(super) fn exif_orientation(bytes: &[u8]) -> Option<u16> {
    for segment in segments(bytes) {
        let segment = segment.ok()?;
        match segment.marker {
            APP1 => {
                let payload = &bytes[segment.payload.clone()];
                if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                    let exif = exif::Reader::new().read_raw(tiff.to_vec()).ok()?;
                    let value = exif
                        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)?
                        .value
                        .get_uint(0)?;
                    return u16::try_from(value).ok().filter(|v| (2..=8).contains(v));
                }
            }
            SOS | EOI => return None,
            _ => {}
        }
    }
    None
}

/// An EXIF segment holding nothing but the orientation tag.
fn orientation_segment(orientation: u16) -> Vec<u8> {
    let mut payload = b"Exif\0\0MM\0\x2a".to_vec();
    payload.extend_from_slice(&8u32.to_be_bytes()); // first directory right after the header
    payload.extend_from_slice(&1u16.to_be_bytes()); // one entry
    payload.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    payload.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    payload.extend_from_slice(&1u32.to_be_bytes()); // one value
    payload.extend_from_slice(&orientation.to_be_bytes());
    payload.extend_from_slice(&[0, 0]);
    payload.extend_from_slice(&0u32.to_be_bytes()); // no further directory
    segment_bytes(APP1, &payload)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{JPEG_MAX_BYTES, check_jpeg, jpeg_header};
    use super::*;

    #[test]
    fn exif_with_gps_is_removed_and_the_picture_is_unchanged() {
        let original = jpeg(80, 60);
        let tagged = insert_after_app0(&original, APP1, &exif_with_gps(None));
        assert!(
            exif::Reader::new()
                .read_raw(exif_with_gps(None)[6..].to_vec())
                .unwrap()
                .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                .is_some()
        );
        let tagged = insert_after_app0(&tagged, 0xE2, b"ICC_PROFILE\0\x01\x01fake");
        let tagged = insert_after_app0(&tagged, 0xED, b"Photoshop 3.0\0iptc");
        let tagged = insert_after_app0(&tagged, 0xFE, b"shot on a phone");

        let clean = check_jpeg(&tagged, JPEG_MAX_BYTES).unwrap();

        assert!(!contains(&clean.bytes, b"Exif"));
        assert!(!contains(&clean.bytes, b"ICC_PROFILE"));
        assert!(!contains(&clean.bytes, b"Photoshop"));
        assert!(!contains(&clean.bytes, b"shot on a phone"));
        assert!(contains(&clean.bytes[..20], b"JFIF"));
        assert_eq!(clean.bytes, original);
        assert_eq!(decode_rgb(&clean.bytes), decode_rgb(&original));
    }

    #[test]
    fn rotated_phone_photo_keeps_only_its_orientation() {
        let tagged = insert_after_app0(&jpeg(80, 60), APP1, &exif_with_gps(Some(6)));
        let clean = check_jpeg(&tagged, JPEG_MAX_BYTES).unwrap();

        assert_eq!(exif_orientation(&clean.bytes), Some(6));
        let app1 = clean
            .bytes
            .windows(4)
            .position(|w| w == b"Exif")
            .expect("orientation segment");
        let tiff = clean.bytes[app1 + 6..].to_vec();
        let exif = exif::Reader::new().read_raw(tiff).unwrap();
        assert_eq!(exif.fields().len(), 1);
        assert!(
            exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                .is_none()
        );
        assert!(!contains(&clean.bytes, b"Canon"));
        decode_rgb(&clean.bytes);
    }

    #[test]
    fn adobe_colour_segment_is_kept() {
        let adobe = b"Adobe\x00\x64\x00\x00\x00\x00\x01";
        let tagged = insert_after_app0(&jpeg(32, 32), APP14, adobe);
        let clean = check_jpeg(&tagged, JPEG_MAX_BYTES).unwrap();
        assert!(contains(&clean.bytes, b"Adobe"));
        assert_eq!(decode_rgb(&clean.bytes), decode_rgb(&tagged));
    }

    #[test]
    fn jfif_thumbnail_is_removed_but_density_kept() {
        let mut app0 = b"JFIF\0\x01\x02\x01\x01\x2c\x01\x2c\x01\x01".to_vec();
        app0.extend_from_slice(&[255, 0, 0]);
        let with_thumbnail = replace_app0(&jpeg(32, 32), &app0);
        assert_eq!(
            jpeg_header(&with_thumbnail).unwrap().density,
            Some((300, 300, 1))
        );

        let clean = check_jpeg(&with_thumbnail, JPEG_MAX_BYTES).unwrap();
        assert_eq!(&clean.bytes[2..6], &[0xFF, APP0, 0, 16]);
        assert_eq!(
            &clean.bytes[6..20],
            b"JFIF\0\x01\x02\x01\x01\x2c\x01\x2c\0\0"
        );
        assert_eq!(
            jpeg_header(&clean.bytes).unwrap().density,
            Some((300, 300, 1))
        );
    }

    #[test]
    fn zip_appended_after_the_picture_is_dropped() {
        let original = jpeg(32, 32);
        let mut polyglot = original.clone();
        polyglot.extend_from_slice(b"PK\x03\x04\x14\0\0\0secret.txt");
        let clean = check_jpeg(&polyglot, JPEG_MAX_BYTES).unwrap();
        assert_eq!(clean.bytes, original);
    }

    #[test]
    fn progressive_subsampled_phone_photo_is_accepted_unchanged() {
        let shape = Shape {
            progressive: true,
            ..Shape::default()
        };
        let photo = shaped_jpeg(90, 70, shape);
        let tagged = insert_after_app0(&photo, APP1, &exif_with_gps(None));
        let clean = check_jpeg(&tagged, JPEG_MAX_BYTES).unwrap();
        assert!(jpeg_header(&clean.bytes).unwrap().progressive);
        assert_eq!(clean.bytes, photo);
    }

    #[test]
    fn cmyk_scan_keeps_its_adobe_segment_and_colours() {
        let shape = Shape {
            cmyk: true,
            ..Shape::default()
        };
        let scan = shaped_jpeg(40, 30, shape);
        assert!(contains(&scan, b"Adobe"));
        let clean = check_jpeg(&scan, JPEG_MAX_BYTES).unwrap();
        assert_eq!(jpeg_header(&clean.bytes).unwrap().components, 4);
        assert!(contains(&clean.bytes, b"Adobe"));
        assert_eq!(decode_rgb(&clean.bytes), decode_rgb(&scan));
    }
}
