//! Full decodes of a 480×640 certificate photo per second on one core, as
//! [`check_certificate_photo`] does for every upload; the target is at least
//! 300 photos/s per core.

use std::time::{Duration, Instant};

use domain::files::{check_certificate_photo, fix_certificate_photo};
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

const MIN_TIME: Duration = Duration::from_secs(3);

fn main() {
    let Some(photo) = sample_photo() else {
        eprintln!("could not build the sample photo");
        std::process::exit(1);
    };
    let report = check_certificate_photo("photo.jpg", &photo);
    assert!(report.is_compliant(), "{report:?}");

    let started = Instant::now();
    let mut photos = 0u64;
    while started.elapsed() < MIN_TIME {
        let report = check_certificate_photo("photo.jpg", std::hint::black_box(&photo));
        std::hint::black_box(&report);
        photos += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "certificate photo check (full decode) of {} bytes, 480×640: {photos} in {secs:.2} s = {:.0} photos/s (1 core)",
        photo.len(),
        photos as f64 / secs
    );
}

/// A 1200×1600 portrait with grain, turned into a compliant photo.
fn sample_photo() -> Option<Vec<u8>> {
    let mut state = 0x2545_f491_u32;
    let image = RgbImage::from_fn(1200, 1600, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state % 13) as u8;
        let (dx, dy) = (x as f32 / 360.0 - 1.667, y as f32 / 560.0 - 1.57);
        let base = if dx * dx + dy * dy <= 1.0 {
            [180u8, 140, 120]
        } else {
            [120, 180, 235]
        };
        Rgb(base.map(|c| c.saturating_add(grain).saturating_sub(6)))
    });
    let mut input = Vec::new();
    JpegEncoder::new_with_quality(&mut input, 92)
        .encode_image(&image)
        .ok()?;
    fix_certificate_photo(&input).ok()
}
