//! Provinces as data: everything that differs between one provincial examination office and
//! another — which organisation kinds exist and which is the office, the review pipeline with its
//! fee, the application form's sections and upload limits, the ID-validity cutoff, what condition
//! c means before applying, the score-backfill papers and their cutoffs, the 须知 text and the
//! organisation tree a new province starts from — is one [`Definition`], read from TOML.
//!
//! The definitions that ship with biye are compiled in from `crates/domain/provinces/`; a
//! deployment adds or replaces definitions from a directory at start ([`load_dir`]), and every
//! definition is validated before it is used, so a mistake in one is reported with its file and
//! field rather than discovered by a candidate. Nothing outside this module names a province.

use std::path::Path;
use std::sync::{LazyLock, RwLock};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::backfill::BackfillSource;
use crate::graduation::materials::FormProfile;
use crate::review::{ReviewerRule, Stage, StageKind};
use crate::{OrgKind, ValueError};

/// The definitions compiled into the binary: (file name, text).
const BUILTIN: &[(&str, &str)] = &[
    (
        "chongqing.toml",
        include_str!("../provinces/chongqing.toml"),
    ),
    ("yunnan.toml", include_str!("../provinces/yunnan.toml")),
];

/// How the 身份证有效期 cutoff of a new batch is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdCutoffRule {
    /// The province sets none.
    None,
    /// The last day of the half-year the batch opens in (seed 003: 2024年上半年 → 2024-06-30).
    HalfYearEnd,
    /// The last day of the year the batch opens in.
    YearEnd,
}

impl IdCutoffRule {
    /// The cutoff of a batch opening on `opens` (Beijing date).
    pub fn cutoff(self, opens: NaiveDate) -> Option<NaiveDate> {
        match self {
            Self::None => None,
            Self::HalfYearEnd if opens.month() <= 6 => NaiveDate::from_ymd_opt(opens.year(), 6, 30),
            Self::HalfYearEnd | Self::YearEnd => NaiveDate::from_ymd_opt(opens.year(), 12, 31),
        }
    }
}

/// What condition c (思想品德考核合格) means before the candidate applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoralRule {
    /// The chief university assesses moral character during review: nothing is missing before.
    AssessedInReview,
    /// The candidate uploads a signed commitment letter (承诺书) in the application itself, so
    /// the condition is met by applying, and is shown as such rather than as a failure.
    CommitmentLetter,
}

/// One paper a score backfill may rest on, and the first day on which it no longer qualifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackfillPaper {
    /// Which paper.
    pub source: BackfillSource,
    /// Papers obtained on or after this day do not qualify; absent when there is no limit.
    #[serde(default)]
    pub obtained_before: Option<NaiveDate>,
}

/// One stage of the pipeline as written in a definition: a review by `review`'s organisation, or
/// a payment of `fee_fen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDef {
    /// The stage as candidates see it, e.g. "主考学校初审".
    pub name: String,
    /// Who reviews, for a review stage.
    #[serde(default)]
    pub review: Option<ReviewerRule>,
    /// The fee in fen, for a payment stage.
    #[serde(default)]
    pub fee_fen: Option<i64>,
    /// 办理时限 of a review stage, in working days; absent: no due date at this stage.
    #[serde(default)]
    pub limit_working_days: Option<u32>,
}

/// One organisation of the tree a new province starts from (`biye init-province`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgDef {
    /// Key other entries name as their parent.
    pub key: String,
    /// The parent's key; absent for the root.
    #[serde(default)]
    pub parent: Option<String>,
    /// Kind of organisation; must be one of the definition's `org_kinds`.
    pub kind: OrgKind,
    /// Organisation code (unique on the platform).
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// 公告 shown by chief universities.
    #[serde(default)]
    pub announcement: String,
}

/// A province as its file says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Stable code stored with candidates, organisations and batches, e.g. "yunnan".
    pub code: String,
    /// Chinese name, e.g. "云南省".
    pub label: String,
    /// Organisation kinds of the review hierarchy, top down.
    pub org_kinds: Vec<OrgKind>,
    /// The kind that is the province's office (市自考办, 省招生考试院…).
    pub office: OrgKind,
    /// The graduation pipeline, copied onto each batch when it is created.
    pub stages: Vec<StageDef>,
    /// What the application form asks for.
    pub form: FormProfile,
    /// The ID-validity cutoff of a new batch.
    #[serde(default = "no_cutoff")]
    pub id_cutoff: IdCutoffRule,
    /// Condition c before applying.
    pub moral: MoralRule,
    /// Papers a score backfill may rest on; empty where the province has no backfill.
    #[serde(default)]
    pub backfill: Vec<BackfillPaper>,
    /// 毕业申请须知, one item per entry. `{stages}` is replaced by the stage names, `{scan_limit}`
    /// by the scan limit ("50K（51,200 字节）"), `{fee}` by the fee in yuan, `{office}` by the
    /// office's kind; `[text](/path)` becomes a link within the site.
    pub notice: Vec<String>,
    /// The organisation tree `biye init-province` creates.
    #[serde(default)]
    pub tree: Vec<OrgDef>,
    /// The texts of the documents the platform prints for the province.
    #[serde(default)]
    pub documents: Documents,
    /// Which organisation decides an appeal (陈述申辩) of a final graduation rejection: the one
    /// that rejected (`"decider"`, the default) or the one above it (`"above"`).
    #[serde(default)]
    pub appeal_to: AppealTo,
}

/// Which organisation decides an appeal of a final graduation rejection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealTo {
    /// The organisation whose stage rejected reviews its own decision (复核).
    #[default]
    Decider,
    /// The organisation above it decides (its admins, and its reviewers not limited to other
    /// stages); where the one that rejected has none above, it decides itself.
    Above,
}

/// The texts of a province's printed documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Documents {
    /// The commitment letter candidates print, sign and upload (required where the form asks
    /// for one).
    pub commitment: Option<CommitmentTemplate>,
    /// Title of the 免考课程审核单 in the 毕业生电子档案; by default
    /// "{label}高等教育自学考试免考课程审核单".
    pub exemption_sheet_title: Option<String>,
}

/// The commitment letter: its title, the pledge (`{level}` becomes 专科 or 本科) and the
/// numbered promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentTemplate {
    /// e.g. 云南省高等教育自学考试毕业办证申请暨思想品德合格承诺书.
    pub title: String,
    /// The sentence before the promises.
    pub pledge: String,
    /// The promises, one per item.
    pub items: Vec<String>,
}

impl CommitmentTemplate {
    /// The pledge for a candidate of `level` (专科 or 本科).
    pub fn pledge_for(&self, level: &str) -> String {
        self.pledge.replace("{level}", level)
    }
}

impl Definition {
    /// Title of the 免考课程审核单: the definition's, or the province's name before the usual
    /// words.
    pub fn exemption_sheet_title(&self) -> String {
        self.documents
            .exemption_sheet_title
            .clone()
            .unwrap_or_else(|| format!("{}高等教育自学考试免考课程审核单", self.label))
    }
}

fn no_cutoff() -> IdCutoffRule {
    IdCutoffRule::None
}

impl Definition {
    /// Parses and validates one definition; `origin` names the file in messages.
    pub fn parse(origin: &str, text: &str) -> Result<Self, ValueError> {
        let def: Definition = toml_from_str(text)
            .map_err(|e| ValueError(format!("省份定义 {origin} 无法读取：{e}")))?;
        def.validate()
            .map_err(|e| ValueError(format!("省份定义 {origin}：{}", e.0)))?;
        Ok(def)
    }

    /// Checks that the definition can run: a code of lower-case ASCII, an office among the
    /// kinds, at least one review stage, every stage exactly one of review or fee, a positive
    /// fee, review stages whose organisations exist in the province, a sane scan limit and a
    /// tree whose parents are defined first.
    pub fn validate(&self) -> Result<(), ValueError> {
        let err = |m: String| Err(ValueError(m));
        if self.code.is_empty()
            || !self
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return err(format!(
                "code 应为小写英文字母、数字或下划线，实际为“{}”",
                self.code
            ));
        }
        if self.label.trim().is_empty() {
            return err("label（省份名称）不能为空".to_owned());
        }
        if !self.org_kinds.contains(&self.office) {
            return err(format!("office（{}）不在 org_kinds 中", self.office.code()));
        }
        if !self.org_kinds.contains(&OrgKind::ChiefUniversity) {
            return err("org_kinds 须包含 chief_university（主考学校）".to_owned());
        }
        if self.stages.is_empty() {
            return err("stages 不能为空：至少需要一个审核环节".to_owned());
        }
        let mut reviews = 0;
        for (i, s) in self.stages.iter().enumerate() {
            let n = i + 1;
            if s.name.trim().is_empty() {
                return err(format!("第 {n} 个环节没有名称（name）"));
            }
            match (s.review, s.fee_fen) {
                (Some(ReviewerRule::School), None) => {
                    return err(format!(
                        "第 {n} 个环节“{}”的 review = \"school\"（本校）只用于学校的学位外语和学位申请批次，毕业审核环节请选择考试机构或主考学校",
                        s.name
                    ));
                }
                (Some(rule), None) => {
                    reviews += 1;
                    let max = crate::review::deadline::MAX_LIMIT_WORKING_DAYS;
                    if let Some(days) = s.limit_working_days
                        && !(1..=max).contains(&days)
                    {
                        return err(format!(
                            "第 {n} 个环节“{}”的办理时限 limit_working_days 应在 1 到 {max} 个工作日之间，实际为 {days}",
                            s.name
                        ));
                    }
                    for kind in self.rule_kinds(rule) {
                        if !self.org_kinds.contains(&kind) {
                            return err(format!(
                                "第 {n} 个环节“{}”由{}审核，但 org_kinds 中没有{}",
                                s.name,
                                kind.label(),
                                kind.code()
                            ));
                        }
                    }
                }
                (None, Some(_)) if s.limit_working_days.is_some() => {
                    return err(format!(
                        "第 {n} 个环节“{}”是缴费环节，不能设办理时限 limit_working_days",
                        s.name
                    ));
                }
                (None, Some(fee)) if fee > 0 => {}
                (None, Some(fee)) => {
                    return err(format!(
                        "第 {n} 个环节“{}”的费用 fee_fen 应大于 0，实际为 {fee}",
                        s.name
                    ));
                }
                _ => {
                    return err(format!(
                        "第 {n} 个环节“{}”应写 review（审核机构）或 fee_fen（费用，分）之一",
                        s.name
                    ));
                }
            }
        }
        if reviews == 0 {
            return err("stages 中至少需要一个审核环节（review）".to_owned());
        }
        if self.stages.iter().filter(|s| s.fee_fen.is_some()).count() > 1 {
            return err("stages 中最多只能有一个缴费环节".to_owned());
        }
        if self.stages.first().is_some_and(|s| s.fee_fen.is_some()) {
            return err("第 1 个环节不能是缴费：缴费须在初审通过之后".to_owned());
        }
        const MIN_SCAN: usize = 10 * 1024;
        const MAX_SCAN: usize = 10 * 1024 * 1024;
        if !(MIN_SCAN..=MAX_SCAN).contains(&self.form.scan_max_bytes) {
            return err(format!(
                "form.scan_max_bytes 应在 {MIN_SCAN} 到 {MAX_SCAN} 字节之间，实际为 {}",
                self.form.scan_max_bytes
            ));
        }
        if self.moral == MoralRule::CommitmentLetter && !self.form.commitment_letter {
            return err(
                "moral = \"commitment_letter\" 要求 form.commitment_letter = true".to_owned(),
            );
        }
        if self.notice.is_empty() {
            return err("notice（毕业申请须知）不能为空".to_owned());
        }
        match &self.documents.commitment {
            None if self.form.commitment_letter => {
                return err(
                    "form.commitment_letter = true 要求 [documents.commitment]（承诺书的标题、承诺语与承诺事项）"
                        .to_owned(),
                );
            }
            Some(c) if c.title.trim().is_empty() || c.items.is_empty() => {
                return err(
                    "documents.commitment 的 title（标题）与 items（承诺事项）不能为空".to_owned(),
                );
            }
            _ => {}
        }
        let mut seen_sources = Vec::new();
        for p in &self.backfill {
            if seen_sources.contains(&p.source) {
                return err(format!("backfill 中“{}”出现了两次", p.source.label()));
            }
            seen_sources.push(p.source);
        }
        let mut keys: Vec<&str> = Vec::new();
        for o in &self.tree {
            if !self.org_kinds.contains(&o.kind) {
                return err(format!(
                    "tree 中的“{}”类型为 {}，不在 org_kinds 中",
                    o.name,
                    o.kind.code()
                ));
            }
            if let Some(p) = &o.parent
                && !keys.contains(&p.as_str())
            {
                return err(format!("tree 中“{}”的上级 {p} 未在它之前定义", o.name));
            }
            if keys.contains(&o.key.as_str()) {
                return err(format!("tree 中 key “{}”重复", o.key));
            }
            keys.push(&o.key);
        }
        Ok(())
    }

    fn rule_kinds(&self, rule: ReviewerRule) -> Vec<OrgKind> {
        use crate::CandidateType;
        [CandidateType::SelfStudy, CandidateType::CreditRecognition]
            .into_iter()
            .map(|t| match rule.target(self.office, t) {
                crate::review::ReviewerTarget::ChiefUniversity => OrgKind::ChiefUniversity,
                crate::review::ReviewerTarget::Ancestor(k) => k,
                // Refused by `validate` before it asks; a school is a chief university.
                crate::review::ReviewerTarget::BatchSchool => OrgKind::ChiefUniversity,
            })
            .collect()
    }
}

fn toml_from_str(text: &str) -> Result<Definition, String> {
    toml::from_str(text).map_err(|e| e.message().to_owned())
}

/// Every definition known to this process.
static REGISTRY: LazyLock<RwLock<Vec<&'static Definition>>> = LazyLock::new(|| {
    // A built-in that fails to parse is left out here and reported by `builtin_errors`, which
    // the binary checks before it serves; the definitions' own unit test keeps them parsing.
    RwLock::new(
        BUILTIN
            .iter()
            .filter_map(|(name, text)| Definition::parse(name, text).ok())
            .map(|d| &*Box::leak(Box::new(d)))
            .collect(),
    )
});

/// Problems with the compiled-in definitions (none unless a file was edited badly).
pub fn builtin_errors() -> Vec<String> {
    BUILTIN
        .iter()
        .filter_map(|(name, text)| Definition::parse(name, text).err().map(|e| e.0))
        .collect()
}

/// Adds a definition, replacing one of the same code. Definitions live as long as the process:
/// a replaced one stays valid for whoever still holds it.
pub fn install(def: Definition) -> Result<Province, ValueError> {
    def.validate()?;
    let leaked: &'static Definition = Box::leak(Box::new(def));
    let mut all = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    all.retain(|d| d.code != leaked.code);
    all.push(leaked);
    Ok(Province(leaked))
}

/// Loads every `*.toml` in `dir` (a deployment's own provinces, or replacements of the shipped
/// ones), all or none: the first invalid file is reported and nothing is installed.
pub fn load_dir(dir: &Path) -> Result<Vec<Province>, ValueError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ValueError(format!("无法读取省份定义目录 {}：{e}", dir.display())))?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut defs = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| ValueError(format!("无法读取省份定义 {}：{e}", f.display())))?;
        defs.push(Definition::parse(&f.display().to_string(), &text)?);
    }
    defs.into_iter().map(install).collect()
}

/// A province: a handle on its definition, cheap to copy and compared by code.
#[derive(Clone, Copy)]
pub struct Province(&'static Definition);

impl PartialEq for Province {
    fn eq(&self, other: &Self) -> bool {
        self.0.code == other.0.code
    }
}

impl Eq for Province {}

impl std::hash::Hash for Province {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.code.hash(state);
    }
}

impl std::fmt::Debug for Province {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Province({})", self.0.code)
    }
}

impl std::fmt::Display for Province {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.label)
    }
}

impl Serialize for Province {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.code)
    }
}

impl<'de> Deserialize<'de> for Province {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Province::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("省份“{code}”没有定义")))
    }
}

impl Province {
    /// Every province, in the order they were defined.
    pub fn all() -> Vec<Province> {
        let all = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        all.iter().map(|d| Province(d)).collect()
    }

    /// The province stored under `code`.
    pub fn from_code(code: &str) -> Option<Province> {
        let all = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        all.iter().find(|d| d.code == code).map(|d| Province(d))
    }

    /// The province of a stored code, or a message naming the unknown code.
    pub fn of(code: &str) -> Result<Province, ValueError> {
        Self::from_code(code).ok_or_else(|| {
            ValueError(format!(
                "省份“{code}”没有定义：请检查省份定义文件（provinces_dir）"
            ))
        })
    }

    /// Parses typed or imported input: the Chinese name or the code.
    pub fn parse_label_or_code(s: &str) -> Result<Province, ValueError> {
        let t = s.trim();
        let all = Self::all();
        all.iter()
            .copied()
            .find(|p| p.label() == t || p.code().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|p| p.label()).collect();
                ValueError(format!(
                    "省份应为以下之一：{}，实际为“{t}”",
                    names.join("、")
                ))
            })
    }

    /// The whole definition.
    pub fn definition(&self) -> &'static Definition {
        self.0
    }

    /// Stable code.
    pub fn code(&self) -> &'static str {
        &self.0.code
    }

    /// Chinese name.
    pub fn label(&self) -> &'static str {
        &self.0.label
    }

    /// Organisation kinds of the hierarchy, top down.
    pub fn org_kinds(&self) -> &'static [OrgKind] {
        &self.0.org_kinds
    }

    /// The office's kind.
    pub fn office(&self) -> OrgKind {
        self.0.office
    }

    /// The form profile.
    pub fn form(&self) -> FormProfile {
        self.0.form
    }

    /// Which organisation decides appeals of final graduation rejections.
    pub fn appeal_to(&self) -> AppealTo {
        self.0.appeal_to
    }

    /// The pipeline a new graduation batch copies.
    pub fn stages(&self) -> Vec<Stage> {
        self.0
            .stages
            .iter()
            .map(|s| Stage {
                name: s.name.clone(),
                kind: match (s.review, s.fee_fen) {
                    (Some(rule), _) => StageKind::Review(rule),
                    (None, fee) => StageKind::Payment {
                        amount_fen: fee.unwrap_or_default(),
                    },
                },
                limit_working_days: s.limit_working_days,
            })
            .collect()
    }

    /// The pipeline with the office's fee in place of the definition's, where it set one.
    pub fn stages_with_fee(&self, fee_fen: Option<i64>) -> Vec<Stage> {
        let mut stages = self.stages();
        if let Some(fee) = fee_fen {
            for s in &mut stages {
                if let StageKind::Payment { amount_fen } = &mut s.kind {
                    *amount_fen = fee;
                }
            }
        }
        stages
    }

    /// Whether the pipeline has a payment stage (a fee to set).
    pub fn has_fee(&self) -> bool {
        self.0.stages.iter().any(|s| s.fee_fen.is_some())
    }

    /// The definition's fee, in fen, where the pipeline has one.
    pub fn fee_fen(&self) -> Option<i64> {
        self.0.stages.iter().find_map(|s| s.fee_fen)
    }

    /// Condition c before applying.
    pub fn moral(&self) -> MoralRule {
        self.0.moral
    }

    /// The ID-validity cutoff of a batch opening on `opens`.
    pub fn id_cutoff(&self, opens: NaiveDate) -> Option<NaiveDate> {
        self.0.id_cutoff.cutoff(opens)
    }

    /// Whether candidates of this province may file score backfills.
    pub fn has_backfill(&self) -> bool {
        !self.0.backfill.is_empty()
    }

    /// The papers a backfill may rest on.
    pub fn backfill_papers(&self) -> &'static [BackfillPaper] {
        &self.0.backfill
    }

    /// Kinds of organisation that review at some stage of the pipeline.
    pub fn reviewing_kinds(&self) -> Vec<OrgKind> {
        let mut kinds = Vec::new();
        for s in &self.0.stages {
            if let Some(rule) = s.review {
                for k in self.0.rule_kinds(rule) {
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                }
            }
        }
        kinds
    }
}

/// An office's settings over its province's definition; `None` keeps the definition's value.
/// A batch copies the fee and the limit when it is created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The fee of the payment stage, in fen.
    pub fee_fen: Option<i64>,
    /// The largest picture accepted, in bytes.
    pub scan_max_bytes: Option<usize>,
    /// 毕业申请须知 items.
    pub notice: Option<Vec<String>>,
}

/// The settings as typed on the office's page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsInput {
    /// The fee in yuan ("40", "40.50"); empty for the definition's.
    #[serde(default)]
    pub fee_yuan: String,
    /// The upload limit in K (1K = 1,024 bytes); empty for the definition's.
    #[serde(default)]
    pub scan_limit_k: String,
    /// 须知, one item per line; empty for the definition's.
    #[serde(default)]
    pub notice: String,
}

/// Highest fee an office may set, in fen (10,000 yuan).
pub const FEE_MAX_FEN: i64 = 1_000_000;
/// Smallest and largest upload limit an office may set, in K.
pub const SCAN_LIMIT_K: (usize, usize) = (10, 10 * 1024);
/// Most 须知 items, and the longest item in characters.
pub const NOTICE_MAX: (usize, usize) = (30, 500);

/// Checks the settings typed for province `p`, one message per failing field.
pub fn parse_settings(
    p: Province,
    input: &SettingsInput,
) -> Result<Settings, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let fee = input.fee_yuan.trim();
    let fee_fen = if fee.is_empty() {
        None
    } else if !p.has_fee() {
        errors.push((
            "fee_yuan",
            format!("{}的毕业办理没有缴费环节，不能设置费用", p.label()),
        ));
        None
    } else {
        match parse_yuan(fee) {
            Some(f) if f > 0 && f <= FEE_MAX_FEN => Some(f),
            Some(f) => {
                errors.push((
                    "fee_yuan",
                    format!(
                        "费用应在 0.01 至 {} 元之间，填写的是 {} 元",
                        crate::review::yuan(FEE_MAX_FEN),
                        crate::review::yuan(f)
                    ),
                ));
                None
            }
            None => {
                errors.push((
                    "fee_yuan",
                    format!("费用应为金额（元，最多两位小数），如 40 或 40.50，填写的是“{fee}”"),
                ));
                None
            }
        }
    };
    let limit = input.scan_limit_k.trim();
    let scan_max_bytes = if limit.is_empty() {
        None
    } else {
        let (lo, hi) = SCAN_LIMIT_K;
        match limit.trim_end_matches(['K', 'k']).parse::<usize>() {
            Ok(k) if (lo..=hi).contains(&k) => Some(k * 1024),
            Ok(k) => {
                errors.push((
                    "scan_limit_k",
                    format!("图片大小上限应在 {lo}K 至 {hi}K 之间，填写的是 {k}K"),
                ));
                None
            }
            Err(_) => {
                errors.push((
                    "scan_limit_k",
                    format!("图片大小上限应为整数（单位 K），如 200，填写的是“{limit}”"),
                ));
                None
            }
        }
    };
    let items: Vec<String> = input
        .notice
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let (most, longest) = NOTICE_MAX;
    if items.len() > most {
        errors.push((
            "notice",
            format!("须知最多 {most} 条，填写了 {} 条", items.len()),
        ));
    }
    for (i, item) in items.iter().enumerate() {
        let n = item.chars().count();
        if n > longest {
            errors.push((
                "notice",
                format!("须知第 {} 条有 {n} 字，每条最多 {longest} 字", i + 1),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Settings {
        fee_fen,
        scan_max_bytes,
        notice: (!items.is_empty()).then_some(items),
    })
}

/// Yuan as typed ("40", "40.5", "40.50") in fen; `None` for anything else.
fn parse_yuan(s: &str) -> Option<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// One 须知 item ready to show: text runs and in-site links, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeItem(pub Vec<NoticePart>);

/// A run of a notice item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum NoticePart {
    /// Plain text.
    Text(String),
    /// A link within the site: (text, path).
    Link(String, String),
}

/// The 须知 of `stages` (the batch's own pipeline where there is one) with the placeholders
/// filled in and links split out, so a page shows the province's own text and numbers.
pub fn notice(p: Province, stages: &[Stage], scan_max_bytes: usize) -> Vec<NoticeItem> {
    notice_of(p, &p.0.notice, stages, scan_max_bytes)
}

/// [`notice`] of `items` (the office's own text where it set one).
pub fn notice_of(
    p: Province,
    items: &[String],
    stages: &[Stage],
    scan_max_bytes: usize,
) -> Vec<NoticeItem> {
    let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
    let fee = stages
        .iter()
        .find_map(|s| match s.kind {
            StageKind::Payment { amount_fen } => Some(crate::review::yuan(amount_fen)),
            StageKind::Review(_) => None,
        })
        .unwrap_or_default();
    let scan = format!(
        "{}K（{} 字节）",
        scan_max_bytes / 1024,
        crate::files::grouped(scan_max_bytes as u64)
    );
    items
        .iter()
        .map(|item| {
            let text = item
                .replace("{stages}", &names.join("、"))
                .replace("{scan_limit}", &scan)
                .replace("{fee}", &fee)
                .replace("{office}", p.office().label());
            NoticeItem(split_links(&text))
        })
        .collect()
}

/// Splits `[text](/path)` links out of a notice item; only paths within the site are links.
fn split_links(s: &str) -> Vec<NoticePart> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find("](") else { break };
        let target = &after[close + 2..];
        let Some(end) = target.find(')') else { break };
        let path = &target[..end];
        if !path.starts_with('/') || path.starts_with("//") {
            break;
        }
        if open > 0 {
            parts.push(NoticePart::Text(rest[..open].to_owned()));
        }
        parts.push(NoticePart::Link(after[..close].to_owned(), path.to_owned()));
        rest = &target[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(NoticePart::Text(rest.to_owned()));
    }
    parts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shipped_definitions_parse_and_validate() {
        assert_eq!(builtin_errors(), Vec::<String>::new());
        assert!(Province::all().len() >= 2);
    }

    #[test]
    fn a_stage_with_both_review_and_fee_is_named() {
        let text =
            BUILTIN[0]
                .1
                .replacen("fee_fen = 4000", "fee_fen = 4000\nreview = \"office\"", 1);
        let e = Definition::parse("x.toml", &text).unwrap_err().0;
        assert!(
            e.contains("应写 review（审核机构）或 fee_fen（费用，分）之一"),
            "{e}"
        );
    }

    #[test]
    fn a_review_by_a_kind_the_province_lacks_is_refused() {
        let mut def = Definition::parse("a", BUILTIN[0].1).unwrap();
        def.stages[0].review = Some(ReviewerRule::ConfirmationPointOrUniversity);
        let e = def.validate().unwrap_err().0;
        assert!(e.contains("org_kinds 中没有confirmation_point"), "{e}");
    }

    #[test]
    fn review_limits_are_copied_and_refused_out_of_range_or_on_a_payment() {
        let def = Definition::parse("a", BUILTIN[0].1).unwrap();
        let limits: Vec<Option<u32>> = Province(Box::leak(Box::new(def.clone())))
            .stages()
            .iter()
            .map(|s| s.limit_working_days)
            .collect();
        assert_eq!(limits, [Some(5), None, Some(10)]);
        let mut bad = def.clone();
        bad.stages[0].limit_working_days = Some(0);
        let e = bad.validate().unwrap_err().0;
        assert!(e.contains("应在 1 到 60 个工作日之间，实际为 0"), "{e}");
        bad.stages[0].limit_working_days = Some(61);
        assert!(bad.validate().is_err());
        bad.stages[0].limit_working_days = Some(60);
        assert!(bad.validate().is_ok());
        bad.stages[1].limit_working_days = Some(3);
        let e = bad.validate().unwrap_err().0;
        assert!(e.contains("是缴费环节，不能设办理时限"), "{e}");
    }

    #[test]
    fn scan_limits_at_the_bounds_are_accepted_and_one_past_refused() {
        let mut def = Definition::parse("a", BUILTIN[0].1).unwrap();
        def.form.scan_max_bytes = 10 * 1024;
        assert!(def.validate().is_ok());
        def.form.scan_max_bytes = 10 * 1024 - 1;
        assert!(def.validate().is_err());
        def.form.scan_max_bytes = 10 * 1024 * 1024 + 1;
        assert!(def.validate().is_err());
    }

    #[test]
    fn a_commitment_letter_needs_its_text_and_the_sheet_title_defaults_to_the_province() {
        let yunnan = BUILTIN
            .iter()
            .find(|(f, _)| f.contains("yunnan"))
            .unwrap()
            .1;
        let mut def = Definition::parse("y", yunnan).unwrap();
        let letter = def.documents.commitment.clone().unwrap();
        assert!(letter.pledge_for("本科").contains("自学考试本科毕业证书"));
        assert_eq!(
            def.exemption_sheet_title(),
            "云南省高等教育自学考试免考课程审核单"
        );
        def.documents.exemption_sheet_title = None;
        assert_eq!(
            def.exemption_sheet_title(),
            "云南省高等教育自学考试免考课程审核单"
        );
        def.documents.commitment = None;
        let e = def.validate().unwrap_err().0;
        assert!(e.contains("[documents.commitment]"), "{e}");
        def.documents.commitment = Some(CommitmentTemplate {
            items: Vec::new(),
            ..letter
        });
        let e = def.validate().unwrap_err().0;
        assert!(e.contains("items（承诺事项）不能为空"), "{e}");
    }

    #[test]
    fn unknown_fields_are_refused_with_the_file_named() {
        let text = format!("{}\nfoo = 1\n", BUILTIN[0].1);
        let e = Definition::parse("extra.toml", &text).unwrap_err().0;
        assert!(e.starts_with("省份定义 extra.toml 无法读取"), "{e}");
        assert!(e.contains("foo"), "{e}");
    }

    #[test]
    fn links_within_the_site_are_split_and_others_left_as_text() {
        assert_eq!(
            split_links("先申请[考籍更正](/candidate/corrections)。"),
            vec![
                NoticePart::Text("先申请".into()),
                NoticePart::Link("考籍更正".into(), "/candidate/corrections".into()),
                NoticePart::Text("。".into()),
            ]
        );
        assert_eq!(
            split_links("[x](https://evil.example)"),
            vec![NoticePart::Text("[x](https://evil.example)".into())]
        );
    }

    #[test]
    fn settings_at_their_limits_are_accepted_and_one_past_refused() {
        let p = Province::from_code("chongqing").unwrap();
        let ok = |fee: &str, k: &str| {
            parse_settings(
                p,
                &SettingsInput {
                    fee_yuan: fee.into(),
                    scan_limit_k: k.into(),
                    notice: String::new(),
                },
            )
        };
        let s = ok("0.01", "10").unwrap();
        assert_eq!((s.fee_fen, s.scan_max_bytes), (Some(1), Some(10 * 1024)));
        let s = ok("10000", "10240K").unwrap();
        assert_eq!(
            (s.fee_fen, s.scan_max_bytes),
            (Some(1_000_000), Some(10_485_760))
        );
        let e = ok("0", "9").unwrap_err();
        assert_eq!(e[0].1, "费用应在 0.01 至 10000.00 元之间，填写的是 0.00 元");
        assert_eq!(e[1].1, "图片大小上限应在 10K 至 10240K 之间，填写的是 9K");
        let e = ok("10000.01", "10241").unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(ok("40.555", "").unwrap_err()[0].1.contains("40.555"));
        assert_eq!(ok("", "").unwrap(), Settings::default());
        let yn = Province::from_code("yunnan").unwrap();
        let e = parse_settings(
            yn,
            &SettingsInput {
                fee_yuan: "40".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e[0].1, "云南省的毕业办理没有缴费环节，不能设置费用");
    }

    #[test]
    fn notice_items_are_lines_and_their_limits_are_named() {
        let p = Province::from_code("chongqing").unwrap();
        let input = |notice: String| SettingsInput {
            notice,
            ..Default::default()
        };
        let s = parse_settings(p, &input(" 第一条 \n\n第二条\n".into())).unwrap();
        assert_eq!(
            s.notice,
            Some(vec!["第一条".to_owned(), "第二条".to_owned()])
        );
        let thirty = vec!["条"; 30].join("\n");
        assert!(parse_settings(p, &input(thirty.clone())).is_ok());
        let e = parse_settings(p, &input(format!("{thirty}\n多一条"))).unwrap_err();
        assert_eq!(e[0].1, "须知最多 30 条，填写了 31 条");
        assert!(parse_settings(p, &input("字".repeat(500))).is_ok());
        let e = parse_settings(p, &input("字".repeat(501))).unwrap_err();
        assert_eq!(e[0].1, "须知第 1 条有 501 字，每条最多 500 字");
    }

    #[test]
    fn appeals_go_to_the_decider_unless_the_file_says_above() {
        let p = Province::from_code("chongqing").unwrap();
        assert_eq!(p.appeal_to(), AppealTo::Decider);
        let text = include_str!("../provinces/chongqing.toml");
        let above = Definition::parse("t", &format!("appeal_to = \"above\"\n{text}")).unwrap();
        assert_eq!(above.appeal_to, AppealTo::Above);
        let e = Definition::parse("t", &format!("appeal_to = \"upward\"\n{text}")).unwrap_err();
        assert!(
            e.0.contains("appeal_to") || e.0.contains("upward"),
            "{}",
            e.0
        );
    }

    #[test]
    fn the_office_fee_replaces_the_payment_stage_only() {
        let p = Province::from_code("chongqing").unwrap();
        let stages = p.stages_with_fee(Some(4500));
        assert_eq!(stages[1].kind, StageKind::Payment { amount_fen: 4500 });
        assert_eq!(stages[0], p.stages()[0]);
        assert_eq!(p.stages_with_fee(None), p.stages());
    }

    #[test]
    fn cutoffs_follow_the_rule() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            IdCutoffRule::HalfYearEnd.cutoff(d(2024, 6, 30)),
            Some(d(2024, 6, 30))
        );
        assert_eq!(
            IdCutoffRule::HalfYearEnd.cutoff(d(2024, 7, 1)),
            Some(d(2024, 12, 31))
        );
        assert_eq!(
            IdCutoffRule::YearEnd.cutoff(d(2024, 1, 1)),
            Some(d(2024, 12, 31))
        );
        assert_eq!(IdCutoffRule::None.cutoff(d(2024, 1, 1)), None);
    }
}
