//! Walking a JPEG marker by marker (ITU-T T.81 Annex B).
//!
//! One walk serves every rule: reading the frame header before anything is
//! decoded, proving the file is complete (it must reach its end-of-image
//! marker with every length field in bounds), and copying only the segments
//! the picture needs.

use std::ops::Range;

use super::FileRefusal;

pub(super) const SOI: u8 = 0xD8;
pub(super) const EOI: u8 = 0xD9;
pub(super) const SOS: u8 = 0xDA;
pub(super) const DQT: u8 = 0xDB;
pub(super) const DNL: u8 = 0xDC;
pub(super) const DRI: u8 = 0xDD;
pub(super) const DHT: u8 = 0xC4;
pub(super) const DAC: u8 = 0xCC;
pub(super) const APP0: u8 = 0xE0;
pub(super) const APP1: u8 = 0xE1;
pub(super) const APP14: u8 = 0xEE;

/// Start-of-frame markers; C4, C8 and CC share the range but mean something else.
pub(super) fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, DHT | 0xC8 | DAC)
}

pub(super) fn is_rst(marker: u8) -> bool {
    matches!(marker, 0xD0..=0xD7)
}

pub(super) fn damaged() -> FileRefusal {
    FileRefusal::new("图片数据不完整或已损坏，无法打开，请重新导出后上传")
}
/// One marker segment located in the file.
#[derive(Debug, Clone)]
pub(super) struct Segment {
    pub(super) marker: u8,
    /// Index of the marker code; the 0xFF announcing it is just before.
    pub(super) at: usize,
    pub(super) payload: Range<usize>,
    /// One past the segment's last byte, including the entropy-coded picture
    /// data that follows a start-of-scan header.
    pub(super) end: usize,
}

/// Walks the segments after SOI up to and including EOI; the first damaged
/// spot ends the walk with an error, so reaching EOI proves completeness.
pub(super) struct Segments<'a> {
    bytes: &'a [u8],
    pos: usize,
    finished: bool,
}

pub(super) fn segments(bytes: &[u8]) -> Segments<'_> {
    Segments {
        bytes,
        pos: 2,
        finished: false,
    }
}

impl Iterator for Segments<'_> {
    type Item = Result<Segment, FileRefusal>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let segment = segment_at(self.bytes, self.pos);
        match &segment {
            Ok(s) => {
                self.pos = s.end;
                self.finished = s.marker == EOI;
            }
            Err(_) => self.finished = true,
        }
        Some(segment)
    }
}

fn segment_at(bytes: &[u8], pos: usize) -> Result<Segment, FileRefusal> {
    if bytes.get(pos) != Some(&0xFF) {
        return Err(damaged());
    }
    // Any number of 0xFF fill bytes may precede a marker code.
    let mut at = pos + 1;
    while bytes.get(at) == Some(&0xFF) {
        at += 1;
    }
    let marker = *bytes.get(at).ok_or_else(damaged)?;
    let after = at + 1;
    match marker {
        0x00 | SOI => Err(damaged()),
        EOI | 0x01 => Ok(Segment {
            marker,
            at,
            payload: after..after,
            end: after,
        }),
        m if is_rst(m) => Ok(Segment {
            marker,
            at,
            payload: after..after,
            end: after,
        }),
        _ => {
            let len = bytes
                .get(after..after + 2)
                .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                .ok_or_else(damaged)?;
            if len < 2 || after + len > bytes.len() {
                return Err(damaged());
            }
            let payload = after + 2..after + len;
            let end = if marker == SOS {
                entropy_end(bytes, payload.end)?
            } else {
                payload.end
            };
            Ok(Segment {
                marker,
                at,
                payload,
                end,
            })
        }
    }
}

/// Finds where a scan's entropy-coded data stops: at the first 0xFF that is
/// neither a stuffed zero nor a restart marker. Running off the end means the
/// file was cut short.
fn entropy_end(bytes: &[u8], from: usize) -> Result<usize, FileRefusal> {
    let mut i = from;
    loop {
        let offset = bytes
            .get(i..)
            .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
            .ok_or_else(damaged)?;
        i += offset;
        match bytes.get(i + 1) {
            None => return Err(damaged()),
            Some(0x00) => i += 2,
            Some(&m) if is_rst(m) => i += 2,
            Some(0xFF) => i += 1,
            Some(_) => return Ok(i),
        }
    }
}
