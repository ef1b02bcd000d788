//! The verification mark (验证标识) in the footer of every page of an issued PDF: the code, the
//! address of the public 验证 page and a QR code leading there.

use domain::verification::VerificationCode;
use serde::Serialize;

use crate::PrintError;

/// Where and how an issued PDF can be verified.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The code printed and looked up.
    pub code: VerificationCode,
    /// The verify page of this code, e.g. `https://biye.example.cn/verify/ABCDEFGHJK`; the QR
    /// code encodes it.
    pub url: String,
}

impl Verification {
    /// The QR code of [`Verification::url`] as SVG; typst draws it as vector art, so it prints
    /// sharp at any size.
    pub(crate) fn qr_svg(&self) -> Result<String, PrintError> {
        // Level M survives a fold or a smudge; the URL is short, so the code stays coarse enough
        // for a phone at the printed size.
        let code =
            qrcode::QrCode::with_error_correction_level(self.url.as_bytes(), qrcode::EcLevel::M)
                .map_err(|err| PrintError::Render(format!("QR code of {}: {err}", self.url)))?;
        Ok(code
            .render::<qrcode::render::svg::Color>()
            .quiet_zone(true)
            .build())
    }
}

#[derive(Serialize)]
struct MarkView {
    code: String,
    url: String,
}

/// A template's data with the mark beside it (`verification`, `null` without one), so one
/// footer in `common.typ` serves every printout.
#[derive(Serialize)]
pub(crate) struct Marked<'a, V: Serialize> {
    #[serde(flatten)]
    view: &'a V,
    verification: Option<MarkView>,
}

impl<'a, V: Serialize> Marked<'a, V> {
    pub(crate) fn new(view: &'a V, mark: Option<&Verification>) -> Self {
        Self {
            view,
            verification: mark.map(|m| MarkView {
                code: m.code.grouped(),
                url: m.url.clone(),
            }),
        }
    }
}
