//! Organisations that take part in reviewing applications, and staff roles.

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
    /// What a staff account may do within its organisation.
    pub enum StaffRole("人员角色") {
        /// Reviews applications.
        Reviewer => ("reviewer", "审核员"),
        /// Manages the organisation's accounts and settings, and may review.
        Admin => ("admin", "管理员"),
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
        assert_eq!((OrgKind::ALL.len(), StaffRole::ALL.len()), (8, 2));
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
