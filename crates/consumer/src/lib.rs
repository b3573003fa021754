//! Filled by a later issue; see the crate description.
