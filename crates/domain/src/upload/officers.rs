//! Which officers an upload needs in OneFile as assessors (Role 5): the main officer,
//! each delivery-plan qualification's assessor, and the officer of each review that meets
//! the review rules (its own, else the main officer).
//!
//! The list is deduplicated by officer ID and keeps a stable order: main officer first,
//! then assessors in delivery-plan order, then review officers in review order. The
//! consumer creates them in that order, before the employer and the learner.

use crate::model::{LearnerBundle, Officer};

use super::review::ReviewUpload;

/// Every officer the upload needs, whether or not already in OneFile.
pub fn officers_needed(bundle: &LearnerBundle) -> Vec<&Officer> {
    let main = bundle.main_officer.as_ref();
    let assessors = bundle
        .qualifications
        .iter()
        .filter_map(|(.., assessor)| assessor.as_ref());
    let reviewers = bundle.reviews.iter().filter_map(|(review, own_officer)| {
        ReviewUpload::build(review, &bundle.learner, &bundle.settings)?;
        match review.officer_id {
            Some(_) => own_officer.as_ref(),
            None => main,
        }
    });
    let mut needed: Vec<&Officer> = Vec::new();
    for officer in main.into_iter().chain(assessors).chain(reviewers) {
        if needed
            .iter()
            .all(|seen| seen.officer_id != officer.officer_id)
        {
            needed.push(officer);
        }
    }
    needed
}

/// The officers the upload needs that have no OneFile ID yet, in the same order. (The
/// consumer still checks its ledger before creating one.)
pub fn officers_to_create(bundle: &LearnerBundle) -> Vec<&Officer> {
    let mut needed = officers_needed(bundle);
    needed.retain(|officer| officer.onefile_id.is_none());
    needed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{bundle, learner_qualification, officer, qualification, review};

    fn ids(officers: &[&Officer]) -> Vec<i64> {
        officers.iter().map(|officer| officer.officer_id).collect()
    }

    fn full_bundle() -> LearnerBundle {
        let mut bundle = bundle();
        bundle.qualifications = vec![
            (
                learner_qualification(1, Some(11)),
                qualification(1, "ST1"),
                Some(officer(11)),
            ),
            (
                learner_qualification(2, Some(10)),
                qualification(2, "ST2"),
                Some(officer(10)),
            ),
            (
                learner_qualification(3, None),
                qualification(3, "ST3"),
                None,
            ),
            (
                learner_qualification(4, Some(11)),
                qualification(4, "ST4"),
                Some(officer(11)),
            ),
        ];
        let mut unscheduled = review(3, Some(14));
        unscheduled.scheduled_date = None;
        bundle.reviews = vec![
            (review(1, Some(13)), Some(officer(13))),
            (review(2, None), None),
            (unscheduled, Some(officer(14))),
            (review(4, Some(12)), Some(officer(12))),
            (review(5, Some(13)), Some(officer(13))),
        ];
        bundle
    }

    #[test]
    fn main_officer_first_then_assessors_then_review_officers_without_duplicates() {
        assert_eq!(ids(&officers_needed(&full_bundle())), [10, 11, 13, 12]);
    }

    #[test]
    fn officers_of_reviews_not_uploaded_are_not_needed() {
        let needed = ids(&officers_needed(&full_bundle()));
        assert!(!needed.contains(&14));
    }

    #[test]
    fn officers_already_in_onefile_are_not_created() {
        let mut bundle = full_bundle();
        if let Some(main) = bundle.main_officer.as_mut() {
            main.onefile_id = Some(501);
        }
        bundle.reviews[0].1 = Some(Officer {
            onefile_id: Some(513),
            ..officer(13)
        });
        assert_eq!(ids(&officers_to_create(&bundle)), [11, 12]);
        assert_eq!(ids(&officers_needed(&bundle)), [10, 11, 13, 12]);
    }

    #[test]
    fn without_a_main_officer_only_the_others_are_listed() {
        let mut bundle = full_bundle();
        bundle.main_officer = None;
        bundle.learner.main_officer_id = None;
        assert_eq!(ids(&officers_needed(&bundle)), [11, 10, 13, 12]);
    }

    #[test]
    fn a_bare_bundle_needs_only_its_main_officer() {
        assert_eq!(ids(&officers_needed(&bundle())), [10]);
    }
}
