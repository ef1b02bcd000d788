//! Finding and loading the CJK fonts the printouts are set in.
//!
//! Only the fonts' metadata is kept from start-up. The Noto CJK collections
//! weigh 20–27 MB each and a printout uses two or three of their ~40 faces, so
//! a file's bytes are read the first time typst asks for one of its faces and
//! then kept for the life of the [`crate::Printer`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;

/// Where Debian's `fonts-noto-cjk` puts its collections, tried before scanning
/// so the usual machine needs no directory walk.
const DEBIAN_NOTO_CJK: [&str; 4] = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
];

/// Scanned when none of [`DEBIAN_NOTO_CJK`] exists (other packagings of Noto
/// CJK or Source Han put them elsewhere under here).
const SYSTEM_FONT_DIR: &str = "/usr/share/fonts";

/// Song (serif) faces, the customary face of filled-in forms, best first.
const SERIF_FAMILIES: [&str; 5] = [
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "Noto Serif SC",
    "SimSun",
    "Songti SC",
];

/// Hei (sans) faces for titles and column heads, best first.
const SANS_FAMILIES: [&str; 5] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "SimHei",
    "Heiti SC",
];

/// The loaded font metadata plus lazily read font data.
pub(crate) struct FontSet {
    pub(crate) book: LazyHash<FontBook>,
    faces: Vec<Face>,
    /// Families the body text is set in, in fallback order.
    pub(crate) serif: Vec<String>,
    /// Families the headings are set in, in fallback order.
    pub(crate) sans: Vec<String>,
}

struct Face {
    file: Arc<FontFile>,
    index: u32,
    font: OnceLock<Option<Font>>,
}

struct FontFile {
    path: PathBuf,
    data: OnceLock<Option<Bytes>>,
}

impl FontFile {
    fn data(&self) -> Option<Bytes> {
        self.data
            .get_or_init(|| match std::fs::read(&self.path) {
                Ok(bytes) => Some(Bytes::new(bytes)),
                Err(err) => {
                    tracing::error!(path = %self.path.display(), %err, "font file vanished after start-up");
                    None
                }
            })
            .clone()
    }
}

impl FontSet {
    /// Fonts from `path` (a font file or a directory searched recursively).
    pub(crate) fn from_path(path: &Path) -> Self {
        let mut files = Vec::new();
        collect_font_files(path, &mut files, &|_| true);
        Self::load(files)
    }

    /// The Debian `fonts-noto-cjk` collections, else any file under
    /// `/usr/share/fonts` whose name says it is CJK.
    pub(crate) fn system() -> Self {
        let debian: Vec<PathBuf> = DEBIAN_NOTO_CJK
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.is_file())
            .collect();
        if !debian.is_empty() {
            return Self::load(debian);
        }
        let mut files = Vec::new();
        collect_font_files(Path::new(SYSTEM_FONT_DIR), &mut files, &|name| {
            name.to_ascii_uppercase().contains("CJK")
        });
        Self::load(files)
    }

    fn load(mut paths: Vec<PathBuf>) -> Self {
        // Sorted so the same fonts give the same book and hence the same PDFs.
        paths.sort();
        paths.dedup();
        let mut faces = Vec::new();
        let mut infos = Vec::new();
        for path in paths {
            let data = match std::fs::read(&path) {
                Ok(data) => Bytes::new(data),
                Err(err) => {
                    tracing::warn!(path = %path.display(), %err, "cannot read font file");
                    continue;
                }
            };
            let file = Arc::new(FontFile {
                path,
                data: OnceLock::new(),
            });
            for font in Font::iter(data) {
                infos.push(font.info().clone());
                faces.push(Face {
                    file: Arc::clone(&file),
                    index: font.index(),
                    font: OnceLock::new(),
                });
            }
        }
        let serif = family_order(&infos, &SERIF_FAMILIES, &SANS_FAMILIES);
        let sans = family_order(&infos, &SANS_FAMILIES, &SERIF_FAMILIES);
        Self {
            book: LazyHash::new(FontBook::from_infos(infos)),
            faces,
            serif,
            sans,
        }
    }

    /// Whether any face can set Chinese: a Latin-only font would print the
    /// forms as empty boxes, which is worse than refusing.
    pub(crate) fn has_cjk(&self) -> bool {
        !self.serif.is_empty()
    }

    pub(crate) fn font(&self, index: usize) -> Option<Font> {
        let face = self.faces.get(index)?;
        face.font
            .get_or_init(|| Font::new(face.file.data()?, face.index))
            .clone()
    }
}

/// The families that cover Chinese, `preferred` ones first in their order,
/// then `second` ones, then the rest by name, so a configured font of any
/// family is still used.
fn family_order(infos: &[FontInfo], preferred: &[&str], second: &[&str]) -> Vec<String> {
    let mut cjk: Vec<&str> = infos
        .iter()
        .filter(|info| info.coverage.contains(u32::from('中')))
        .map(|info| info.family.as_str())
        .collect();
    cjk.sort_unstable();
    cjk.dedup();
    let mut order: Vec<String> = Vec::with_capacity(cjk.len());
    for wanted in preferred.iter().chain(second) {
        if let Some(found) = cjk.iter().find(|f| f.eq_ignore_ascii_case(wanted)) {
            order.push((*found).to_owned());
        }
    }
    for family in cjk {
        if !order.iter().any(|f| f == family) {
            order.push(family.to_owned());
        }
    }
    order
}

/// Deep enough for any font tree; bounded because a symlink loop would
/// otherwise recurse until the stack overflows.
const MAX_DEPTH: usize = 8;

fn collect_font_files(path: &Path, out: &mut Vec<PathBuf>, wanted: &dyn Fn(&str) -> bool) {
    walk(path, out, wanted, 0);
}

fn walk(path: &Path, out: &mut Vec<PathBuf>, wanted: &dyn Fn(&str) -> bool, depth: usize) {
    if path.is_dir() {
        if depth >= MAX_DEPTH {
            return;
        }
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            walk(&entry.path(), out, wanted, depth + 1);
        }
        return;
    }
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let is_font = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["ttf", "otf", "ttc", "otc"].contains(&e.to_ascii_lowercase().as_str()));
    if is_font && wanted(name) {
        out.push(path.to_owned());
    }
}
