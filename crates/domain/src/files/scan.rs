//! Proving that a baseline JPEG's compressed data holds every block its frame
//! header promises.
//!
//! The decoder pads a scan that stops early with zero bits and carries on, so
//! a file cut short and closed with an end-of-image marker (or a tiny file
//! declaring a large size) decodes "successfully" into a grey picture. Walking
//! the Huffman codes, without computing any pixel, shows whether the data
//! runs out first. Progressive files are left to the decoder: a missing
//! refinement scan is legal there, and their structure is far more involved.

use super::FileRefusal;
use super::segments::{DHT, DRI, SOS, damaged, is_rst, is_sof, segments};

/// One colour component as declared in the frame header.
#[derive(Debug, Clone, Copy)]
struct Component {
    id: u8,
    h: u32,
    v: u32,
}

#[derive(Debug, Clone)]
struct Frame {
    width: u32,
    height: u32,
    components: Vec<Component>,
    h_max: u32,
    v_max: u32,
}

/// A Huffman table in the canonical form of T.81 Annex C: for each code
/// length, the largest code of that length and where its symbols start.
#[derive(Debug, Clone)]
struct Huffman {
    max_code: [i32; 17],
    min_code: [i32; 17],
    first_symbol: [usize; 17],
    symbols: Vec<u8>,
}

impl Huffman {
    fn parse(counts: &[u8], symbols: &[u8]) -> Option<Self> {
        let mut max_code = [-1; 17];
        let mut min_code = [0; 17];
        let mut first_symbol = [0; 17];
        let mut code: i32 = 0;
        let mut k = 0;
        for length in 1..=16 {
            let count = usize::from(counts[length - 1]);
            if count > 0 {
                first_symbol[length] = k;
                min_code[length] = code;
                code += i32::try_from(count).ok()?;
                k += count;
                max_code[length] = code - 1;
                // More codes than the length can hold: the table is corrupt.
                if code > 1 << length {
                    return None;
                }
            }
            code <<= 1;
        }
        Some(Self {
            max_code,
            min_code,
            first_symbol,
            symbols: symbols.to_vec(),
        })
    }

    fn decode(&self, bits: &mut Bits<'_>) -> Option<u8> {
        let mut code: i32 = 0;
        for length in 1..=16 {
            code = (code << 1) | i32::from(bits.bit()?);
            if code <= self.max_code[length] {
                let index = self.first_symbol[length]
                    + usize::try_from(code - self.min_code[length]).ok()?;
                return self.symbols.get(index).copied();
            }
        }
        None
    }
}

/// Reads entropy-coded bits, undoing byte stuffing; yields nothing at a
/// marker, which is where the data of a scan or restart interval ends.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    byte: u8,
    left: u8,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            byte: 0,
            left: 0,
        }
    }

    fn bit(&mut self) -> Option<u8> {
        if self.left == 0 {
            let byte = *self.data.get(self.pos)?;
            if byte == 0xFF {
                if self.data.get(self.pos + 1) != Some(&0x00) {
                    return None;
                }
                self.pos += 1;
            }
            self.pos += 1;
            self.byte = byte;
            self.left = 8;
        }
        self.left -= 1;
        Some((self.byte >> self.left) & 1)
    }

    fn skip(&mut self, count: u8) -> Option<()> {
        for _ in 0..count {
            self.bit()?;
        }
        Some(())
    }

    /// Moves past the restart marker that must close a restart interval;
    /// the rest of the current byte is padding.
    fn restart(&mut self) -> Option<()> {
        self.left = 0;
        while self.data.get(self.pos) == Some(&0xFF) && self.data.get(self.pos + 1) == Some(&0xFF) {
            self.pos += 1;
        }
        match self.data.get(self.pos..self.pos + 2) {
            Some([0xFF, m]) if is_rst(*m) => {
                self.pos += 2;
                Some(())
            }
            _ => None,
        }
    }
}

/// Checks every scan of a baseline (sequential Huffman) JPEG decodes to the
/// full number of blocks; other coding processes pass untouched.
pub(super) fn check_complete(bytes: &[u8]) -> Result<(), FileRefusal> {
    let mut frame: Option<Frame> = None;
    let mut dc_tables: [Option<Huffman>; 4] = Default::default();
    let mut ac_tables: [Option<Huffman>; 4] = Default::default();
    let mut restart_interval: u32 = 0;
    let mut scanned: Vec<u8> = Vec::new();

    for segment in segments(bytes) {
        let segment = segment?;
        let payload = &bytes[segment.payload.clone()];
        match segment.marker {
            0xC0 | 0xC1 => frame = Some(parse_frame(payload)?),
            m if is_sof(m) => return Ok(()),
            DHT => parse_tables(payload, &mut dc_tables, &mut ac_tables)?,
            DRI => {
                let [a, b] = *payload else {
                    return Err(damaged());
                };
                restart_interval = u32::from(u16::from_be_bytes([a, b]));
            }
            SOS => {
                let frame = frame.as_ref().ok_or_else(damaged)?;
                let data = &bytes[segment.payload.end..segment.end];
                let ids = check_scan(
                    frame,
                    payload,
                    data,
                    &dc_tables,
                    &ac_tables,
                    restart_interval,
                )?;
                scanned.extend(ids);
            }
            _ => {}
        }
    }
    match frame {
        Some(frame) if frame.components.iter().all(|c| scanned.contains(&c.id)) => Ok(()),
        _ => Err(damaged()),
    }
}

fn parse_frame(payload: &[u8]) -> Result<Frame, FileRefusal> {
    let [_, h1, h0, w1, w0, count, ref rest @ ..] = *payload else {
        return Err(damaged());
    };
    let mut components = Vec::with_capacity(usize::from(count));
    for spec in rest.chunks_exact(3).take(usize::from(count)) {
        let (h, v) = (u32::from(spec[1] >> 4), u32::from(spec[1] & 0x0F));
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
            return Err(damaged());
        }
        components.push(Component { id: spec[0], h, v });
    }
    if components.len() != usize::from(count) || components.is_empty() {
        return Err(damaged());
    }
    Ok(Frame {
        width: u32::from(u16::from_be_bytes([w1, w0])),
        height: u32::from(u16::from_be_bytes([h1, h0])),
        h_max: components.iter().map(|c| c.h).max().unwrap_or(1),
        v_max: components.iter().map(|c| c.v).max().unwrap_or(1),
        components,
    })
}

fn parse_tables(
    mut payload: &[u8],
    dc_tables: &mut [Option<Huffman>; 4],
    ac_tables: &mut [Option<Huffman>; 4],
) -> Result<(), FileRefusal> {
    while let [class_id, rest @ ..] = payload {
        let counts = rest.get(..16).ok_or_else(damaged)?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let symbols = rest.get(16..16 + total).ok_or_else(damaged)?;
        let table = Huffman::parse(counts, symbols).ok_or_else(damaged)?;
        let slot = usize::from(class_id & 0x0F);
        let tables = match class_id >> 4 {
            0 => &mut *dc_tables,
            1 => &mut *ac_tables,
            _ => return Err(damaged()),
        };
        *tables.get_mut(slot).ok_or_else(damaged)? = Some(table);
        payload = &rest[16 + total..];
    }
    Ok(())
}

fn table(tables: &[Option<Huffman>; 4], id: u8) -> Option<&Huffman> {
    tables.get(usize::from(id))?.as_ref()
}

fn div_ceil(a: u32, b: u32) -> u32 {
    a.div_ceil(b.max(1))
}

/// Walks one scan and returns the ids of the components it carried.
fn check_scan(
    frame: &Frame,
    header: &[u8],
    data: &[u8],
    dc_tables: &[Option<Huffman>; 4],
    ac_tables: &[Option<Huffman>; 4],
    restart_interval: u32,
) -> Result<Vec<u8>, FileRefusal> {
    let [count, ref rest @ ..] = *header else {
        return Err(damaged());
    };
    let count = usize::from(count);
    if !(1..=4).contains(&count) || rest.len() < 2 * count + 3 {
        return Err(damaged());
    }
    // Each entry: the component, its tables and how many blocks of it one MCU holds.
    let mut parts: Vec<(Component, &Huffman, &Huffman, u32)> = Vec::with_capacity(count);
    for spec in rest[..2 * count].chunks_exact(2) {
        let component = *frame
            .components
            .iter()
            .find(|c| c.id == spec[0])
            .ok_or_else(damaged)?;
        let dc = table(dc_tables, spec[1] >> 4).ok_or_else(damaged)?;
        let ac = table(ac_tables, spec[1] & 0x0F).ok_or_else(damaged)?;
        parts.push((component, dc, ac, component.h * component.v));
    }

    let mcus = if let [(component, dc, ac, _)] = parts[..] {
        // A single-component scan covers that component's own blocks, one per MCU.
        let width = div_ceil(frame.width * component.h, frame.h_max);
        let height = div_ceil(frame.height * component.v, frame.v_max);
        parts = vec![(component, dc, ac, 1)];
        u64::from(div_ceil(width, 8)) * u64::from(div_ceil(height, 8))
    } else {
        u64::from(div_ceil(frame.width, 8 * frame.h_max))
            * u64::from(div_ceil(frame.height, 8 * frame.v_max))
    };

    let mut bits = Bits::new(data);
    for mcu in 0..mcus {
        if restart_interval > 0 && mcu > 0 && mcu % u64::from(restart_interval) == 0 {
            bits.restart().ok_or_else(damaged)?;
        }
        for &(_, dc, ac, blocks) in &parts {
            for _ in 0..blocks {
                block(&mut bits, dc, ac).ok_or_else(damaged)?;
            }
        }
    }
    Ok(parts.iter().map(|(c, ..)| c.id).collect())
}

/// Skips over one 8×8 block: a DC difference, then AC coefficients up to
/// end-of-block. `None` when the data runs out or a code is invalid.
fn block(bits: &mut Bits<'_>, dc: &Huffman, ac: &Huffman) -> Option<()> {
    let size = dc.decode(bits)?;
    if size > 16 {
        return None;
    }
    bits.skip(size)?;
    let mut k = 1;
    while k < 64 {
        let symbol = ac.decode(bits)?;
        let (run, size) = (symbol >> 4, symbol & 0x0F);
        if size == 0 {
            if run != 15 {
                break;
            }
            k += 16;
        } else {
            k += usize::from(run);
            bits.skip(size)?;
            k += 1;
        }
    }
    (k <= 64).then_some(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn complete_pictures_pass() {
        for (width, height) in [(1, 1), (7, 9), (16, 16), (17, 33), (200, 100), (640, 480)] {
            assert!(
                check_complete(&jpeg(width, height)).is_ok(),
                "{width}×{height}"
            );
            assert!(
                check_complete(&gray_jpeg(width, height)).is_ok(),
                "grey {width}×{height}"
            );
        }
        assert!(check_complete(&encode_jpeg(&noise(300, 200), 100)).is_ok());
    }

    #[test]
    fn phone_shaped_pictures_pass() {
        use jpeg_encoder::SamplingFactor::*;
        for sampling in [R_4_4_4, R_4_2_2, R_4_2_0, R_4_4_0, R_4_1_1] {
            for restart_interval in [0, 1, 3, 7] {
                for (width, height) in [(1, 1), (15, 17), (33, 8), (120, 90)] {
                    let shape = Shape {
                        sampling,
                        restart_interval,
                        ..Shape::default()
                    };
                    let bytes = shaped_jpeg(width, height, shape);
                    assert!(check_complete(&bytes).is_ok(), "{shape:?} {width}×{height}");
                }
            }
        }
        let cmyk = Shape {
            cmyk: true,
            restart_interval: 2,
            ..Shape::default()
        };
        assert!(check_complete(&shaped_jpeg(50, 30, cmyk)).is_ok());
    }

    #[test]
    fn subsampled_picture_with_restarts_cut_short_is_caught() {
        let shape = Shape {
            restart_interval: 4,
            ..Shape::default()
        };
        let whole = shaped_jpeg(160, 120, shape);
        for tenth in 1..10 {
            let mut cut = whole[..whole.len() * tenth / 10].to_vec();
            while cut.last() == Some(&0xFF) {
                cut.pop();
            }
            cut.extend_from_slice(&[0xFF, 0xD9]);
            assert!(check_complete(&cut).is_err(), "cut at {tenth}/10");
        }
    }

    #[test]
    fn picture_cut_short_and_closed_with_end_marker_is_caught() {
        let whole = jpeg(200, 100);
        let mut cut = whole[..whole.len() * 2 / 3].to_vec();
        // Cutting may land inside a stuffed 0xFF 0x00 pair.
        if cut.last() == Some(&0xFF) {
            cut.pop();
        }
        cut.extend_from_slice(&[0xFF, 0xD9]);
        assert!(check_complete(&cut).is_err());
    }

    #[test]
    fn declared_size_larger_than_the_data_is_caught() {
        let inflated = with_dimensions(&jpeg(16, 16), 1_000, 1_000);
        assert!(check_complete(&inflated).is_err());
    }

    #[test]
    fn progressive_pictures_are_left_to_the_decoder() {
        let mut progressive = jpeg(16, 16);
        let sof = sof_index(&progressive);
        progressive[sof + 1] = 0xC2;
        assert!(check_complete(&progressive).is_ok());
    }

    #[test]
    fn huffman_table_with_too_many_codes_is_refused() {
        let mut counts = [0u8; 16];
        counts[0] = 3; // only two one-bit codes exist
        assert!(Huffman::parse(&counts, &[1, 2, 3]).is_none());
    }
}
