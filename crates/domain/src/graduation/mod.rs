//! Graduation (毕业申请): the eligibility audit.

pub mod audit;
