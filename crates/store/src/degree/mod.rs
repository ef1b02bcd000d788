//! Degrees for continuing-education students (学位, seed 002).

pub mod application;
