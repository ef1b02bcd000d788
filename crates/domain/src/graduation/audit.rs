//! The eligibility audit.
