//! 学位 (seed 002): a school's degree rules and the 学位外语成绩认定.

pub mod language;
pub mod rules;
