//! Working days: public holidays and adjusted working days (调休).
