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
                (Some(rule), None) => {
                    reviews += 1;
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
            })
            .collect()
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
    p.0.notice
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
