//! Rules for uploaded files.
