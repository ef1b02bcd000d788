//! Organisations that take part in reviewing applications, and staff roles.

use crate::ValueError;

coded_enum! {
    /// Kind of organisation; which kinds exist depends on the province.
    pub enum OrgKind("机构类型") {
        /// Municipal self-study exam office.
        MunicipalOffice => ("municipal_office", "市自考办"),
        /// Provincial admissions and examinations authority.
        ProvincialOffice => ("provincial_office", "省招生考试院"),
        /// Prefecture/city-level exam agency.
        PrefectureAgency => ("prefecture_agency", "州市招生考试机构"),
        /// District/county exam agency.
        DistrictAgency => ("district_agency", "区县考试机构"),
        /// Point where candidates have documents confirmed in person.
        ConfirmationPoint => ("confirmation_point", "确认点"),
        /// University responsible for a programme's final review.
        ChiefUniversity => ("chief_university", "主考学校"),
        /// A university's continuing-education school.
        ContinuingEdSchool => ("continuing_ed_school", "继续教育学院"),
        /// Assisted-learning unit running tuition for candidates.
        AssistedLearningUnit => ("assisted_learning_unit", "助学单位"),
    }
}

coded_enum! {
    /// What a staff account may do within its organisation; an account holds one or more.
    pub enum StaffRole("人员角色") {
        /// Reviews applications (at every stage its organisation reviews, or one named stage).
        Reviewer => ("reviewer", "审核员"),
        /// Manages the organisation's accounts and settings, and may do all the others do.
        Admin => ("admin", "管理员"),
        /// Imports candidates, students, scores and plans.
        Importer => ("import", "数据导入"),
        /// Sees payments and refunds.
        Finance => ("finance", "财务"),
        /// Sees queues, lists and reports, and changes nothing.
        ReadOnly => ("readonly", "只读"),
    }
}

/// One role an account holds. Only a reviewer's names a stage: `None` is every stage at which its
/// organisation reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The role.
    pub role: StaffRole,
    /// The review stage's name, for a reviewer limited to one.
    pub stage: Option<String>,
}

impl Grant {
    /// The role for every stage (or for roles that know no stage).
    pub fn of(role: StaffRole) -> Self {
        Grant { role, stage: None }
    }

    /// A reviewer limited to the stage named.
    pub fn reviewer_at(stage: &str) -> Self {
        Grant {
            role: StaffRole::Reviewer,
            stage: Some(stage.to_owned()),
        }
    }

    /// "审核员", or "审核员（区县审核）" for one stage.
    pub fn label(&self) -> String {
        match &self.stage {
            Some(s) => format!("{}（{s}）", self.role.label()),
            None => self.role.label().to_owned(),
        }
    }
}

/// Every role an account holds. 管理员 implies all the others: an office's administrator may
/// review, import and see payments, as its reviewers may.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(Vec<Grant>);

/// Longest review stage name a role may name (as the stage lists allow).
pub const STAGE_NAME_MAX: usize = 40;

impl Roles {
    /// The set of `grants`, sorted, without repeats; a reviewer for every stage absorbs the
    /// same account's one-stage reviewer grants, and stage names on other roles are dropped.
    pub fn new(grants: impl IntoIterator<Item = Grant>) -> Self {
        let mut v: Vec<Grant> = grants
            .into_iter()
            .map(|g| match g.role {
                StaffRole::Reviewer => Grant {
                    role: g.role,
                    stage: g
                        .stage
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty()),
                },
                r => Grant::of(r),
            })
            .collect();
        let all_stages = v
            .iter()
            .any(|g| g.role == StaffRole::Reviewer && g.stage.is_none());
        if all_stages {
            v.retain(|g| g.role != StaffRole::Reviewer || g.stage.is_none());
        }
        // In the order roles are offered, then by stage name.
        v.sort_by_cached_key(|g| {
            let at = StaffRole::ALL.iter().position(|r| *r == g.role);
            (at, g.stage.clone())
        });
        v.dedup();
        Roles(v)
    }

    /// An account's roles as an administrator picked them, refused when none is picked or a
    /// stage name is too long.
    pub fn parse(grants: impl IntoIterator<Item = Grant>) -> Result<Self, ValueError> {
        let r = Roles::new(grants);
        if r.0.is_empty() {
            return Err(ValueError(
                "请至少选择一个角色（审核员、管理员、数据导入、财务或只读）".to_owned(),
            ));
        }
        for g in &r.0 {
            if let Some(s) = &g.stage {
                let n = s.chars().count();
                if n > STAGE_NAME_MAX {
                    return Err(ValueError(format!(
                        "审核环节名称最多{STAGE_NAME_MAX}个字，“{s}”有{n}个字，多了{}个",
                        n - STAGE_NAME_MAX
                    )));
                }
            }
        }
        Ok(r)
    }

    /// The grants, sorted.
    pub fn grants(&self) -> &[Grant] {
        &self.0
    }

    /// Whether the account holds 管理员.
    pub fn is_admin(&self) -> bool {
        self.0.iter().any(|g| g.role == StaffRole::Admin)
    }

    /// Whether the account holds `role` (for a reviewer, at some stage), or 管理员.
    pub fn has(&self, role: StaffRole) -> bool {
        self.is_admin() || self.0.iter().any(|g| g.role == role)
    }

    /// Whether the account may decide at the stage named.
    pub fn may_review_stage(&self, stage: &str) -> bool {
        self.is_admin()
            || self.0.iter().any(|g| {
                g.role == StaffRole::Reviewer && g.stage.as_deref().is_none_or(|s| s == stage)
            })
    }

    /// Whether the account may see queues, lists and reports: a reviewer, 只读 or 管理员.
    pub fn may_read(&self) -> bool {
        self.has(StaffRole::Reviewer) || self.has(StaffRole::ReadOnly)
    }

    /// The roles in words, "审核员（区县审核）、数据导入".
    pub fn label(&self) -> String {
        self.0
            .iter()
            .map(Grant::label)
            .collect::<Vec<_>>()
            .join("、")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Province;

    #[test]
    fn org_kind_province_and_role_round_trip_code_and_label() {
        for v in OrgKind::ALL {
            assert_eq!(OrgKind::from_code(v.code()), Some(*v));
            assert_eq!(OrgKind::parse_label_or_code(v.label()).unwrap(), *v);
            assert_eq!(OrgKind::parse_label_or_code(v.code()).unwrap(), *v);
        }
        for v in Province::all() {
            assert_eq!(Province::from_code(v.code()), Some(v));
            assert_eq!(Province::parse_label_or_code(v.label()).unwrap(), v);
        }
        for v in StaffRole::ALL {
            assert_eq!(StaffRole::from_code(v.code()), Some(*v));
            assert_eq!(StaffRole::parse_label_or_code(v.label()).unwrap(), *v);
        }
        assert_eq!((OrgKind::ALL.len(), StaffRole::ALL.len()), (8, 5));
    }

    #[test]
    fn a_reviewer_for_one_stage_decides_only_there_and_an_admin_everywhere() {
        let one = Roles::parse([
            Grant::reviewer_at("区县审核"),
            Grant::of(StaffRole::Importer),
        ])
        .unwrap();
        assert!(one.may_review_stage("区县审核"));
        assert!(!one.may_review_stage("市自考办审核"));
        assert!(one.has(StaffRole::Importer) && !one.has(StaffRole::Finance));
        assert!(one.may_read() && !one.is_admin());
        assert_eq!(one.label(), "审核员（区县审核）、数据导入");

        let every = Roles::new([
            Grant::reviewer_at("区县审核"),
            Grant::of(StaffRole::Reviewer),
        ]);
        assert_eq!(every.grants(), &[Grant::of(StaffRole::Reviewer)]);
        assert!(every.may_review_stage("市自考办审核"));

        let admin = Roles::new([Grant::of(StaffRole::Admin)]);
        assert!(admin.may_review_stage("任何环节") && admin.has(StaffRole::Finance));

        let reader = Roles::new([Grant::of(StaffRole::ReadOnly)]);
        assert!(reader.may_read() && !reader.may_review_stage("区县审核"));
        let finance = Roles::new([Grant::of(StaffRole::Finance)]);
        assert!(!finance.may_read());
    }

    #[test]
    fn roles_are_refused_when_none_is_picked_or_a_stage_name_is_too_long() {
        let e = Roles::parse([]).unwrap_err().0;
        assert!(e.contains("请至少选择一个角色"), "{e}");
        let at_limit = "审".repeat(STAGE_NAME_MAX);
        assert!(Roles::parse([Grant::reviewer_at(&at_limit)]).is_ok());
        let over = "审".repeat(STAGE_NAME_MAX + 1);
        let e = Roles::parse([Grant::reviewer_at(&over)]).unwrap_err().0;
        assert!(e.contains("最多40个字") && e.ends_with("多了1个"), "{e}");
        // A stage on a role that has none is dropped, not refused.
        let r = Roles::parse([Grant {
            role: StaffRole::Finance,
            stage: Some("x".to_owned()),
        }])
        .unwrap();
        assert_eq!(r.grants(), &[Grant::of(StaffRole::Finance)]);
    }

    #[test]
    fn chongqing_has_district_agencies_but_no_confirmation_points() {
        let kinds = Province::from_code("chongqing").unwrap().org_kinds();
        assert!(kinds.contains(&OrgKind::DistrictAgency));
        assert!(!kinds.contains(&OrgKind::ConfirmationPoint));
        assert_eq!(kinds.len(), 4);
    }

    #[test]
    fn yunnan_has_prefectures_and_confirmation_points() {
        let kinds = Province::from_code("yunnan").unwrap().org_kinds();
        assert_eq!(kinds.first(), Some(&OrgKind::ProvincialOffice));
        assert!(kinds.contains(&OrgKind::ConfirmationPoint));
        assert!(!kinds.contains(&OrgKind::MunicipalOffice));
        assert_eq!(kinds.len(), 5);
    }

    #[test]
    fn unknown_province_lists_supported_ones() {
        let e = Province::parse_label_or_code("四川省").unwrap_err().0;
        assert!(
            e.starts_with("省份应为以下之一：重庆市、云南省") && e.ends_with("实际为“四川省”"),
            "{e}"
        );
    }
}
