//! The customs pages: risk rules, lists and settings of supervisors, and
//! the scored parcels officers see.
pub mod lists;
pub mod rules;
