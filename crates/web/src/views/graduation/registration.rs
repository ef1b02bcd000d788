//! 学信网电子注册数据包: after final approval the admin of the province office that owns a
//! graduation batch downloads one zip for it (`POST /staff/batches/{id}/xuexin-package`) to
//! upload for the electronic registration of 高等教育自学考试 graduates.
//!
//! The zip holds `毕业生信息.csv` (UTF-8 with BOM, one row per finally approved application) and
//! `photos/{身份证号}.jpg`. The fields are the items of a graduate's 学历证书电子注册 record as
//! the registration needs them — 姓名, 性别, 出生日期, 身份证号, 民族, 政治面貌, 专业代码,
//! 专业名称, 层次, 学习形式, 入学日期, 毕业日期, 毕业证书编号, 主考学校 and the photo's file
//! name — with the photo named by the ID number and held to 《高等教育学历证书电子注册图像采集
//! 规范及信息标准》 (480×640 JPEG, as public notices of the provinces quote it, e.g.
//! <https://m.examw.com/zikao/tianjin/xuewei/116934>). 学信网 does not publish its upload
//! layout openly; an office whose registration tool wants other column names renames the
//! headers, the values are the ones it needs. The certificate numbers follow
//! [`domain::graduation::certificate_no`].
//!
//! A POST rather than a GET, though it answers with a file: its first call makes the batch's
//! certificate numbers, a change that needs the form's CSRF token. Personal data is written in
//! full, unmasked, because the office must send exactly these values on to 学信网; only the
//! office's admins can make the package, and it is never cached.

use std::io::{Seek, Write};

use axum::extract::{Path, State};
use axum::response::Response;
use domain::Province;
use store::graduation::batches::By;
use store::graduation::registration::{self, Graduate};
use store::repo::audit::Actor;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStaff;

/// The data file's columns, in order.
pub const COLUMNS: [&str; 17] = [
    "序号",
    "准考证号",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "民族",
    "政治面貌",
    "专业代码",
    "专业名称",
    "层次",
    "学习形式",
    "入学日期",
    "毕业日期",
    "毕业证书编号",
    "主考学校",
    "照片文件名",
];

/// The data file's name inside the zip.
pub const DATA_FILE: &str = "毕业生信息.csv";

/// Photos fetched from the object store at a time: a few megabytes held, whatever the batch.
const PHOTO_CHUNK: usize = 50;

/// Refuses anyone but an admin of the province office that owns the batch.
fn require_owner_admin(me: &CurrentStaff, batch_province: Province) -> Result<(), AppError> {
    let org = &me.org;
    let mine = org
        .province
        .as_deref()
        .and_then(Province::from_code)
        .filter(|p| org.kind == p.office().code());
    if mine != Some(batch_province) {
        tracing::warn!(
            staff = me.staff.id,
            "request denied: 学信网 package of a batch outside the account's province office"
        );
        return Err(AppError::Forbidden(format!(
            "学信网电子注册数据包仅限{}的管理员下载；您的账号属于{}",
            batch_province.office().label(),
            org.name
        )));
    }
    me.require(domain::StaffRole::Admin)
}

/// A CSV field, quoted where it holds a separator, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn ymd(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y%m%d").to_string())
        .unwrap_or_default()
}

fn internal<E: Into<anyhow::Error>>(e: E) -> AppError {
    AppError::Internal(e.into())
}

/// The data file's line of graduate `g`, the `n`th of the package.
fn line(n: u64, g: &Graduate, photo: bool) -> String {
    let photo_name = if photo {
        format!("{}.jpg", g.id_card_no)
    } else {
        String::new()
    };
    let fields = [
        n.to_string(),
        g.admission_no.clone(),
        g.name.clone(),
        g.gender.clone(),
        ymd(Some(g.birth_date)),
        g.id_card_no.clone(),
        g.ethnicity.clone(),
        g.political_status.clone(),
        g.major_code.clone(),
        g.major_name.clone(),
        g.level.to_owned(),
        "高等教育自学考试".to_owned(),
        ymd(g.first_exam),
        ymd(g.graduated_on),
        g.certificate_no.clone().unwrap_or_default(),
        g.chief_university.clone(),
        photo_name,
    ];
    let mut s = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    s.push_str("\r\n");
    s
}

/// What is being written: the zip (photos as they come) and the data file beside it, both in
/// anonymous temporary files.
struct Package {
    zip: ZipWriter<std::fs::File>,
    data: std::fs::File,
    rows: u64,
}

/// POST /staff/batches/{id}/xuexin-package: makes the batch's missing certificate numbers, then
/// answers with the package.
pub async fn download(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (b, province) = registration::batch_of(&state.db, id).await?;
    require_owner_admin(&me, province)?;
    registration::assign_numbers(
        &state.db,
        b.id,
        By {
            actor: Actor::staff(me.staff.id),
            now: state.now(),
            ip: Some(me.ctx.ip.as_str()),
        },
    )
    .await?;

    let mut pkg = tokio::task::spawn_blocking(|| -> Result<Package, AppError> {
        let mut data = tempfile::tempfile().map_err(internal)?;
        // The BOM lets spreadsheet programs read the UTF-8 as such.
        data.write_all("\u{feff}".as_bytes()).map_err(internal)?;
        data.write_all(format!("{}\r\n", COLUMNS.join(",")).as_bytes())
            .map_err(internal)?;
        Ok(Package {
            zip: ZipWriter::new(tempfile::tempfile().map_err(internal)?),
            data,
            rows: 0,
        })
    })
    .await
    .map_err(internal)??;

    // One snapshot for every chunk, so a decision made meanwhile neither skips nor repeats a row.
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut after = 0;
    loop {
        let chunk = registration::graduates(&snapshot, b.id, after, crate::export::CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = last.application_id;
        let full = chunk.len() as u64 == crate::export::CHUNK;
        for part in chunk.chunks(PHOTO_CHUNK) {
            let mut photos = Vec::with_capacity(part.len());
            for g in part {
                let bytes = match &g.photo_key {
                    Some(key) => Some(state.objects.get(key).await.map_err(internal)?),
                    None => None,
                };
                photos.push(bytes);
            }
            let part = part.to_vec();
            pkg = tokio::task::spawn_blocking(move || -> Result<Package, AppError> {
                let stored =
                    SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
                for (g, photo) in part.iter().zip(photos) {
                    pkg.rows += 1;
                    pkg.data
                        .write_all(line(pkg.rows, g, photo.is_some()).as_bytes())
                        .map_err(internal)?;
                    if let Some(bytes) = photo {
                        // JPEG is compressed already: stored as it is.
                        pkg.zip
                            .start_file(format!("photos/{}.jpg", g.id_card_no), stored)
                            .map_err(internal)?;
                        pkg.zip.write_all(&bytes).map_err(internal)?;
                    }
                }
                Ok(pkg)
            })
            .await
            .map_err(internal)??;
        }
        if !full {
            break;
        }
    }
    snapshot.rollback().await.map_err(internal)?;
    if pkg.rows == 0 {
        return Err(AppError::Invalid(vec![(
            String::new(),
            format!(
                "批次“{}”还没有终审通过的申请，暂无可上报学信网的毕业生",
                b.name
            ),
        )]));
    }

    let file = tokio::task::spawn_blocking(move || -> Result<std::fs::File, AppError> {
        let Package {
            mut zip, mut data, ..
        } = pkg;
        data.rewind().map_err(internal)?;
        zip.start_file(
            DATA_FILE,
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
        )
        .map_err(internal)?;
        std::io::copy(&mut data, &mut zip).map_err(internal)?;
        let mut file = zip.finish().map_err(internal)?;
        file.rewind().map_err(internal)?;
        Ok(file)
    })
    .await
    .map_err(internal)??;
    let name = format!(
        "学信网电子注册-{}-{}.zip",
        b.name,
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::send_file(file, "application/zip", &name, "xuexin-package.zip")
}
