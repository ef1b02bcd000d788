//! Degrees for continuing-education students (学位, seed 002): the conditions of a degree
//! application, its form and the 姓名拼音 offered from the name.

pub mod conditions;
pub mod files;
pub mod form;
pub mod pinyin;

coded_enum! {
    /// 审核状态 of a degree application.
    pub enum DegreeReview("审核状态") {
        /// Submitted, not decided yet.
        Pending => ("pending", "待审核"),
        /// The school approved it.
        Approved => ("approved", "审核通过"),
        /// The school sent it back with its opinion.
        Rejected => ("rejected", "审核不通过"),
    }
}

coded_enum! {
    /// 学位授予结果, recorded for approved applications.
    pub enum DegreeAward("学位授予结果") {
        /// 授予.
        Awarded => ("awarded", "授予"),
        /// 不授予.
        NotAwarded => ("not_awarded", "不授予"),
    }
}
