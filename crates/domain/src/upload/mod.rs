//! The upload rules of DESIGN.md ("Upload rules (enrol)") as pure functions over the
//! PICSWeb model: which employer, which reviews and with what times, which OneFile
//! standard a qualification is, which classroom, which officers to create, whether a
//! learner can be sent at all, and the learner's payload.
//!
//! The consumer resolves PICSWeb IDs to OneFile IDs and makes the calls; everything it
//! has to decide about the data is decided here, where it can be tested without OneFile.

mod classroom;
mod employer;
mod learner;
mod officers;
mod review;
mod standard;

pub use classroom::{Classroom, choose_classroom};
pub use employer::{employer, employer_placement, is_employer_placement};
pub use learner::{LearnerUpload, MissingItem, UploadRefusal, check_required};
pub use officers::{officers_needed, officers_to_create};
pub use review::{ReviewUpload, end_time, hh_mm, review_assessor, uploadable_reviews};
pub use standard::{
    STANDARD_SUFFIXES, Standard, StandardAssignment, match_standard, standard_reference,
    standards_to_assign,
};
