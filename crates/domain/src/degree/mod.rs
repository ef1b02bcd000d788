//! Degrees for continuing-education students (学位, seed 002): the conditions of a degree
//! application, its form and the 姓名拼音 offered from the name.

pub mod conditions;
pub mod form;
pub mod pinyin;
