//! [`LearnerBundle`]: one learner with every row its upload needs, loaded by the database
//! crate in one go so that the upload rules run on plain data.

use serde::{Deserialize, Serialize};

use super::{
    Learner, LearnerQualification, Officer, OneFileSettings, Organisation, Placement,
    Qualification, Review,
};

/// Everything the upload (or refresh) of one learner needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerBundle {
    /// The learner.
    pub learner: Learner,
    /// The officer of `learner.main_officer_id`, if set.
    pub main_officer: Option<Officer>,
    /// Every placement of the learner with its organisation, in any order.
    pub placements: Vec<(Placement, Organisation)>,
    /// The delivery plan: each learner qualification, its catalogue entry and the officer
    /// of its `assessor_officer_id`, if set.
    pub qualifications: Vec<(LearnerQualification, Qualification, Option<Officer>)>,
    /// Every review of the learner with the officer of its own `officer_id`, if set
    /// (the main officer stands in when it is not; see [`crate::upload::review_assessor`]).
    pub reviews: Vec<(Review, Option<Officer>)>,
    /// The integration settings.
    pub settings: OneFileSettings,
}

impl LearnerBundle {
    /// Any officer of this bundle by ID: the main officer, an assessor or a review's officer.
    pub fn officer(&self, officer_id: i64) -> Option<&Officer> {
        let assessors = self.qualifications.iter().filter_map(|(.., o)| o.as_ref());
        let reviewers = self.reviews.iter().filter_map(|(_, o)| o.as_ref());
        self.main_officer
            .iter()
            .chain(assessors)
            .chain(reviewers)
            .find(|officer| officer.officer_id == officer_id)
    }

    /// The review with this ID, with its own officer.
    pub fn review(&self, review_id: i64) -> Option<&(Review, Option<Officer>)> {
        self.reviews
            .iter()
            .find(|(review, _)| review.review_id == review_id)
    }
}
