//! Renders real PDFs and reads them back. Tests that need a Chinese font skip
//! with a note when none is installed, unless `BIYE_REQUIRE_FONT=1` (CI),
//! where a missing font is a failure.

use std::io::Cursor;
use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use domain::person::{Gender, Level};
use domain::score::{Score, ScoreSource, ScoreValue};

use super::*;

const APPRAISAL_SENTENCE: &str = "本人在自学考试期间坚持工作与学习两不误，按计划完成了全部课程。";

/// The shared printer, or `None` (with a note) when there is no CJK font.
fn printer(test: &str) -> Option<&'static Printer> {
    static PRINTER: OnceLock<Printer> = OnceLock::new();
    let printer = PRINTER.get_or_init(|| Printer::new(None));
    if printer.font_available() {
        return Some(printer);
    }
    if std::env::var("BIYE_REQUIRE_FONT").is_ok_and(|v| v == "1") {
        panic!("{test}: BIYE_REQUIRE_FONT=1 but no Chinese font was found; install fonts-noto-cjk");
    }
    eprintln!("NOTE: {test} skipped: no Chinese font installed (apt-get install fonts-noto-cjk)");
    None
}

fn jpeg(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        // A diagonal stripe so the encoder has something other than flat colour.
        if (x + y) % 16 < 3 {
            image::Rgb([20, 20, 20])
        } else {
            image::Rgb(rgb)
        }
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn appraisal() -> String {
    format!(
        "{APPRAISAL_SENTENCE}学习中遇到困难时主动查阅资料、请教老师，逐步提高了分析问题和解决问题的能力。\n\n\
         在思想上，本人热爱祖国，遵纪守法，积极参加单位组织的各项活动。今后将继续学习，把所学知识运用到工作中去。"
    )
}

fn register_data() -> RegisterData {
    RegisterData {
        name: "张晓梅".into(),
        gender: Gender::Female,
        birth_date: date(1996, 3, 12),
        ethnicity: "土家族".into(),
        political_status: "共青团员".into(),
        id_card_no: "500101199603120027".into(),
        admission_no: "010119100123".into(),
        major: "汉语言文学".into(),
        level: Level::Bachelor,
        school: "西南大学".into(),
        batch: "2026年上半年".into(),
        photo: Some(jpeg(250, 350, [70, 120, 200])),
        resume: vec![
            ResumeEntry {
                from: "2011-09".into(),
                to: Some("2014-07".into()),
                unit: "重庆市第一中学".into(),
                role: "学生".into(),
            },
            ResumeEntry {
                from: "2014-09".into(),
                to: None,
                unit: "重庆某某科技有限公司".into(),
                role: "文员".into(),
            },
        ],
        self_appraisal: appraisal(),
        signature: Some(jpeg(300, 100, [250, 250, 250])),
        signed_on: Some(date(2026, 4, 20)),
    }
}

fn transcript_data() -> TranscriptData {
    let points = |tenths| ScoreValue::Points(Score::from_tenths(tenths).unwrap());
    TranscriptData {
        name: "张晓梅".into(),
        admission_no: "010119100123".into(),
        major: "汉语言文学".into(),
        level: Level::Bachelor,
        school: "西南大学".into(),
        courses: vec![
            TranscriptCourse {
                code: "03708".into(),
                name: "中国近现代史纲要".into(),
                credits: 2,
                score: points(755),
                source: ScoreSource::Exam,
            },
            TranscriptCourse {
                code: "00015".into(),
                name: "英语（二）".into(),
                credits: 14,
                score: ScoreValue::Pass,
                source: ScoreSource::Exemption,
            },
            TranscriptCourse {
                code: "00538".into(),
                name: "中国古代文学史（一）".into(),
                credits: 6,
                score: points(620),
                source: ScoreSource::Backfill,
            },
        ],
        self_appraisal: appraisal(),
        signature: Some(jpeg(300, 100, [250, 250, 250])),
        signed_on: Some(date(2026, 4, 20)),
    }
}

/// The PDF's text with all whitespace removed: extraction inserts spaces and
/// line breaks where the layout wrapped, which says nothing about content.
fn text_of(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn page_count(pdf: &[u8]) -> usize {
    pdf_extract::Document::load_mem(pdf)
        .unwrap()
        .get_pages()
        .len()
}

fn font_names(pdf: &[u8]) -> Vec<String> {
    let doc = pdf_extract::Document::load_mem(pdf).unwrap();
    doc.objects
        .values()
        .filter_map(|obj| obj.as_dict().ok())
        .filter(|dict| dict.has_type(b"Font"))
        .filter_map(|dict| dict.get(b"BaseFont").ok()?.as_name().ok())
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect()
}

fn assert_pdf(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    assert!(page_count(pdf) >= 1, "a PDF without pages");
    let fonts = font_names(pdf);
    assert!(
        fonts.iter().any(|f| f.contains("CJK")),
        "no CJK font embedded: {fonts:?}"
    );
}

#[test]
fn printer_can_be_shared_between_request_threads() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Printer>();
}

#[test]
fn registration_form_prints_particulars_photo_resume_appraisal_and_signature() {
    let Some(printer) = printer("registration_form_prints_…") else {
        return;
    };
    let data = register_data();
    let pdf = printer.graduate_register(&data, None).unwrap();
    assert_pdf(&pdf);
    assert_eq!(page_count(&pdf), 1, "the form fits on one A4 page");
    let text = text_of(&pdf);
    for expected in [
        "高等教育自学考试毕业生登记表",
        "张晓梅",
        "女",
        "1996年3月12日",
        "土家族",
        "共青团员",
        "500101199603120027",
        "010119100123",
        "汉语言文学",
        "本科",
        "西南大学",
        "2026年上半年",
        "2011-09—2014-07",
        "重庆市第一中学",
        "2014-09—至今",
        "文员",
        APPRAISAL_SENTENCE,
        "2026年4月20日",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    assert!(
        !text.contains("照片"),
        "a photo was given, yet the placeholder is printed"
    );
    let doc = pdf_extract::Document::load_mem(&pdf).unwrap();
    let images = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| s.dict.get(b"Subtype").ok().and_then(|v| v.as_name().ok()) == Some(b"Image"))
        .count();
    assert!(
        images >= 2,
        "photo and signature should be embedded, found {images} images"
    );
}

#[test]
fn registration_form_without_photo_leaves_a_box_marked_for_one() {
    let Some(printer) = printer("registration_form_without_photo_…") else {
        return;
    };
    let data = RegisterData {
        photo: None,
        signature: None,
        signed_on: None,
        resume: Vec::new(),
        ..register_data()
    };
    let pdf = printer.graduate_register(&data, None).unwrap();
    assert_pdf(&pdf);
    let text = text_of(&pdf);
    assert!(text.contains("照片"), "{text}");
    assert!(
        text.contains("年月日"),
        "a blank date line to fill in by hand: {text}"
    );
}

#[test]
fn longest_appraisal_and_a_long_resume_still_fit_the_form_on_one_page() {
    let Some(printer) = printer("longest_appraisal_…") else {
        return;
    };
    // 500 characters is the most the application form accepts.
    let appraisal: String = appraisal().chars().cycle().take(500).collect();
    let entry = register_data().resume[0].clone();
    let data = RegisterData {
        self_appraisal: appraisal,
        resume: vec![entry; 8],
        ..register_data()
    };
    let pdf = printer.graduate_register(&data, None).unwrap();
    assert_eq!(page_count(&pdf), 1);
}

#[test]
fn transcript_lists_courses_then_appraisal_and_signature() {
    let Some(printer) = printer("transcript_lists_courses_…") else {
        return;
    };
    let pdf = printer.transcript(&transcript_data(), None).unwrap();
    assert_pdf(&pdf);
    let text = text_of(&pdf);
    for expected in [
        "张晓梅",
        "010119100123",
        "汉语言文学",
        "本科",
        "西南大学",
        "课程代码",
        "取得方式",
        "03708",
        "中国近现代史纲要",
        "75.5",
        "考试",
        "00015",
        "合格",
        "免考",
        "62",
        "补录",
        "22",
        "毕业生自我鉴定",
        APPRAISAL_SENTENCE,
        "2026年4月20日",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
}

fn archive_data(sheets: usize) -> ArchiveData {
    let at = |h| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2024, 4, 12, h, 30, 0).unwrap();
    ArchiveData {
        name: "李春燕".into(),
        gender: Gender::Female,
        birth_date: date(1995, 6, 8),
        id_card_no: "530302199506081229".into(),
        admission_no: "532400000001".into(),
        major_code: "630302".into(),
        major: "大数据与会计".into(),
        level: Level::Associate,
        school: "云南财经大学".into(),
        batch: "2024年上半年".into(),
        approved_on: date(2024, 5, 20),
        prior_education: String::new(),
        photo: Some(jpeg(480, 640, [200, 225, 245])),
        courses: transcript_data().courses,
        materials: vec![("承诺书".into(), "承诺书.jpg".into(), at(1))],
        history: vec![
            (
                "确认点初审".into(),
                "麒麟区招生考试委员会办公室".into(),
                "通过".into(),
                at(2),
            ),
            (
                "省招生考试院终审".into(),
                "云南省招生考试院".into(),
                "通过".into(),
                at(3),
            ),
        ],
        exemption_sheet_title: "云南省高等教育自学考试免考课程审核单".to_owned(),
        exemption_sheets: (0..sheets)
            .map(|i| ExemptionSheet {
                code: format!("0001{i}"),
                name: format!("免考课程{i}"),
                credits: 4,
                approved_on: date(2022, 3, 1),
            })
            .collect(),
    }
}

fn mark() -> Verification {
    let code = domain::verification::VerificationCode::from_random([9, 8, 7, 6, 5, 4, 3]);
    Verification {
        url: format!("https://biye.example.cn/verify/{}", code.as_str()),
        code,
    }
}

#[test]
fn issued_printouts_carry_the_code_address_and_qr_code_and_keep_their_pages() {
    let Some(printer) = printer("issued_printouts_carry_…") else {
        return;
    };
    let mark = mark();
    let register = printer
        .graduate_register(&register_data(), Some(&mark))
        .unwrap();
    let transcript = printer.transcript(&transcript_data(), Some(&mark)).unwrap();
    let archive = printer.archive(&archive_data(2), Some(&mark)).unwrap();
    assert_eq!(
        page_count(&register),
        1,
        "the marked form still fits on one page"
    );
    assert_eq!(
        page_count(&archive),
        page_count(&printer.archive(&archive_data(2), None).unwrap()),
        "the mark moves nothing onto another page"
    );
    for (what, pdf) in [
        ("register", &register),
        ("transcript", &transcript),
        ("archive", &archive),
    ] {
        assert_pdf(pdf);
        let text = text_of(pdf);
        assert!(
            text.contains(&mark.code.grouped()),
            "{what}: the code is printed: {text}"
        );
        assert!(
            text.contains(&mark.url),
            "{what}: the address is printed: {text}"
        );
        assert!(text.contains("验证码"), "{what}");
        let unmarked_text = match what {
            "register" => text_of(&printer.graduate_register(&register_data(), None).unwrap()),
            "transcript" => text_of(&printer.transcript(&transcript_data(), None).unwrap()),
            _ => text_of(&printer.archive(&archive_data(2), None).unwrap()),
        };
        assert!(
            !unmarked_text.contains("验证码"),
            "{what}: no mark unless issued with one"
        );
    }
    let pages_with_code = pdf_extract::extract_text_from_mem_by_pages(&archive)
        .unwrap()
        .iter()
        .filter(|page| {
            let text: String = page.chars().filter(|c| !c.is_whitespace()).collect();
            text.contains(&mark.url)
        })
        .count();
    assert_eq!(
        pages_with_code,
        page_count(&archive),
        "every page carries the mark"
    );
}

#[test]
fn archive_files_record_and_one_exemption_sheet_per_online_exemption() {
    let Some(printer) = printer("archive_files_record_…") else {
        return;
    };
    let plain = printer.archive(&archive_data(0), None).unwrap();
    assert_pdf(&plain);
    let with_two = printer.archive(&archive_data(2), None).unwrap();
    assert_eq!(page_count(&with_two), page_count(&plain) + 2);
    let text = text_of(&with_two);
    for expected in [
        "高等教育自学考试毕业生电子档案",
        "李春燕",
        "530302199506081229",
        "630302大数据与会计",
        "专科毕业无需前置学历",
        "2024年5月20日",
        "中国近现代史纲要",
        "承诺书.jpg",
        "2024-04-1209:30",
        "确认点初审",
        "省招生考试院终审",
        "云南省高等教育自学考试免考课程审核单",
        "00010",
        "免考课程1",
        "2022年3月1日",
        "审核通过，准予免考",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    assert!(!text_of(&plain).contains("免考课程审核单"));
}

#[test]
fn transcript_of_a_long_plan_runs_onto_further_pages() {
    let Some(printer) = printer("transcript_of_a_long_plan_…") else {
        return;
    };
    let course = transcript_data().courses[0].clone();
    let data = TranscriptData {
        courses: (0..60).map(|_| course.clone()).collect(),
        ..transcript_data()
    };
    let pdf = printer.transcript(&data, None).unwrap();
    assert!(page_count(&pdf) >= 2);
    assert!(text_of(&pdf).contains(APPRAISAL_SENTENCE));
}

#[test]
fn markup_in_user_text_prints_literally() {
    let Some(printer) = printer("markup_in_user_text_prints_literally") else {
        return;
    };
    let hostile = [
        "#panic()",
        "]",
        "*粗体*",
        "_斜体_",
        "$x^2$",
        "#set page(width: 1cm)",
        "<label>",
        "@ref",
        "\\",
        "\"引号\"",
        "//注释",
        "#import \"/data.json\"",
    ];
    let data = RegisterData {
        name: "#panic()".into(),
        ethnicity: "]".into(),
        political_status: "*粗体*".into(),
        resume: vec![ResumeEntry {
            from: "2014-09".into(),
            to: None,
            unit: "_斜体_ $x^2$ #set page(width: 1cm)".into(),
            role: "<label> @ref \\".into(),
        }],
        self_appraisal: format!("{APPRAISAL_SENTENCE}\n\"引号\" //注释 #import \"/data.json\""),
        ..register_data()
    };
    let pdf = printer.graduate_register(&data, None).unwrap();
    assert_eq!(
        page_count(&pdf),
        1,
        "a #set page must not have taken effect"
    );
    let text = text_of(&pdf);
    for literal in hostile {
        let literal: String = literal.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            text.contains(&literal),
            "{literal} not printed literally in {text}"
        );
    }
}

#[test]
fn image_that_is_not_a_jpeg_is_a_render_error_not_a_panic() {
    let Some(printer) = printer("image_that_is_not_a_jpeg_…") else {
        return;
    };
    let data = RegisterData {
        photo: Some(b"not an image at all".to_vec()),
        ..register_data()
    };
    match printer.graduate_register(&data, None) {
        Err(PrintError::Render(message)) => {
            assert!(message.contains("/register.typ"), "{message}")
        }
        other => panic!("expected a render error, got {other:?}"),
    }
}

#[test]
fn missing_font_refuses_with_a_message_for_staff() {
    let printer = Printer::with_fonts_only(Path::new("/nonexistent/biye/NotoSansCJK-Regular.ttc"));
    assert!(!printer.font_available());
    let err = printer
        .graduate_register(&register_data(), None)
        .unwrap_err();
    assert!(matches!(err, PrintError::NoFont));
    assert_eq!(
        err.to_string(),
        "未找到中文字体，无法生成PDF。请安装 fonts-noto-cjk 或在配置 BIYE_PDF_FONT 中指定字体文件路径。"
    );
    let err = printer.transcript(&transcript_data(), None).unwrap_err();
    assert!(matches!(err, PrintError::NoFont));
}

#[test]
fn configured_font_path_without_chinese_falls_back_to_system_fonts() {
    let Some(system) = printer("configured_font_path_without_chinese_…") else {
        return;
    };
    let printer = Printer::new(Some(Path::new("/nonexistent/biye/font.ttf")));
    assert_eq!(printer.font_available(), system.font_available());
}

#[test]
fn configured_font_file_is_used_alone() {
    let path = Path::new("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc");
    if printer("configured_font_file_is_used_alone").is_none() || !path.is_file() {
        return;
    }
    let printer = Printer::with_fonts_only(path);
    let pdf = printer.graduate_register(&register_data(), None).unwrap();
    let fonts = font_names(&pdf);
    assert!(
        fonts.iter().all(|f| f.contains("NotoSerifCJK")),
        "only the configured serif collection may be used: {fonts:?}"
    );
    assert!(text_of(&pdf).contains(APPRAISAL_SENTENCE));
}

/// Not a check: prints how long start-up and each document take, and with
/// `BIYE_PDF_OUT=dir` writes the PDFs there to look at.
#[test]
#[ignore = "timing; run with --ignored --nocapture"]
fn render_timing() {
    use std::time::Instant;
    let started = Instant::now();
    let printer = Printer::new(None);
    println!("Printer::new: {:?}", started.elapsed());
    assert!(printer.font_available());
    let register = register_data();
    let transcript = transcript_data();
    let started = Instant::now();
    let first = printer.graduate_register(&register, None).unwrap();
    println!(
        "first graduate_register (loads font files): {:?}",
        started.elapsed()
    );
    // Each run a different candidate, as in real use, so typst's memoised
    // layout of the previous document cannot be reused whole.
    const RUNS: u32 = 20;
    let started = Instant::now();
    for i in 0..RUNS {
        let data = RegisterData {
            name: format!("张晓梅{i}"),
            ..register.clone()
        };
        printer.graduate_register(&data, None).unwrap();
    }
    println!(
        "graduate_register: {:?} per document",
        started.elapsed() / RUNS
    );
    let started = Instant::now();
    for i in 0..RUNS {
        let data = TranscriptData {
            name: format!("张晓梅{i}"),
            ..transcript.clone()
        };
        printer.transcript(&data, None).unwrap();
    }
    println!("transcript: {:?} per document", started.elapsed() / RUNS);
    if let Some(dir) = std::env::var_os("BIYE_PDF_OUT") {
        let dir = Path::new(&dir);
        std::fs::write(dir.join("register.pdf"), &first).unwrap();
        std::fs::write(
            dir.join("transcript.pdf"),
            printer.transcript(&transcript, None).unwrap(),
        )
        .unwrap();
        let bare = RegisterData {
            photo: None,
            signature: None,
            signed_on: None,
            resume: Vec::new(),
            ..register_data()
        };
        std::fs::write(
            dir.join("register-bare.pdf"),
            printer.graduate_register(&bare, None).unwrap(),
        )
        .unwrap();
    }
}
