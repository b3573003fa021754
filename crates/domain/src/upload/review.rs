//! Review eligibility and payload: a review is sent to OneFile when it has a scheduled
//! date, a start time and an officer (its own, else the learner's main officer).
//!
//! OneFile takes times of day as `HH:MM`, 24-hour, local time. The end time is the start
//! plus one hour; a review starting at 23:00 or later ends at 23:59 instead of wrapping
//! past midnight, because a review ending before it starts would be refused or, worse,
//! shown as a day long. Seconds are dropped, never rounded.

use chrono::{NaiveDate, NaiveTime, TimeDelta};

use crate::model::{Learner, LearnerBundle, OneFileSettings, Review};

/// The officer to use as the review's OneFile assessor: the review's own officer, else
/// the learner's main officer.
pub fn review_assessor(review: &Review, learner: &Learner) -> Option<i64> {
    review.officer_id.or(learner.main_officer_id)
}

/// The end of a review starting at `start`: one hour later, or 23:59 when that would
/// pass midnight (any start from 23:00 on).
pub fn end_time(start: NaiveTime) -> NaiveTime {
    let (end, wrapped_seconds) = start.overflowing_add_signed(TimeDelta::hours(1));
    if wrapped_seconds == 0 {
        end
    } else {
        NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(end)
    }
}

/// A time of day as OneFile wants it: `HH:MM`, 24-hour, seconds dropped.
pub fn hh_mm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// What OneFile's `POST /Review` needs, in PICSWeb terms (the consumer maps the learner
/// and the assessor officer to their OneFile IDs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewUpload {
    /// `ScheduledFor`: the scheduled date.
    pub scheduled_for: NaiveDate,
    /// `StartTime`, `HH:MM`.
    pub start_time: String,
    /// `EndTime`, `HH:MM`: see [`end_time`].
    pub end_time: String,
    /// The PICSWeb officer who becomes the `AssessorID`.
    pub assessor_officer_id: i64,
    /// `VisitTypeID`, from `onefile_settings.review_visit_type`.
    pub visit_type_id: i16,
}

impl ReviewUpload {
    /// The payload of `review`, or `None` when it does not meet the review rules (no
    /// scheduled date, no start time, or no officer at all).
    pub fn build(review: &Review, learner: &Learner, settings: &OneFileSettings) -> Option<Self> {
        let start = review.start_time?;
        Some(Self {
            scheduled_for: review.scheduled_date?,
            start_time: hh_mm(start),
            end_time: hh_mm(end_time(start)),
            assessor_officer_id: review_assessor(review, learner)?,
            visit_type_id: settings.review_visit_type,
        })
    }
}

/// The bundle's reviews that meet the review rules, in bundle order, with their payloads.
pub fn uploadable_reviews(bundle: &LearnerBundle) -> impl Iterator<Item = (&Review, ReviewUpload)> {
    bundle.reviews.iter().filter_map(|(review, _)| {
        ReviewUpload::build(review, &bundle.learner, &bundle.settings).map(|up| (review, up))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{bundle, date, learner, review, settings, time};

    #[test]
    fn a_complete_review_is_uploaded_with_its_own_officer() {
        let upload = ReviewUpload::build(&review(1, Some(12)), &learner(), &settings());
        let expected = ReviewUpload {
            scheduled_for: date(2026, 3, 2),
            start_time: "10:30".to_owned(),
            end_time: "11:30".to_owned(),
            assessor_officer_id: 12,
            visit_type_id: 2,
        };
        assert_eq!(upload, Some(expected));
    }

    #[test]
    fn without_its_own_officer_the_main_officer_assesses() {
        let upload = ReviewUpload::build(&review(1, None), &learner(), &settings());
        assert_eq!(upload.map(|u| u.assessor_officer_id), Some(10));
    }

    #[test]
    fn without_any_officer_it_is_not_uploaded() {
        let mut learner = learner();
        learner.main_officer_id = None;
        assert_eq!(review_assessor(&review(1, None), &learner), None);
        assert_eq!(
            ReviewUpload::build(&review(1, None), &learner, &settings()),
            None
        );
        assert!(ReviewUpload::build(&review(1, Some(3)), &learner, &settings()).is_some());
    }

    #[test]
    fn without_a_date_or_a_start_time_it_is_not_uploaded() {
        let mut undated = review(1, Some(12));
        undated.scheduled_date = None;
        assert_eq!(ReviewUpload::build(&undated, &learner(), &settings()), None);
        let mut untimed = review(1, Some(12));
        untimed.start_time = None;
        assert_eq!(ReviewUpload::build(&untimed, &learner(), &settings()), None);
    }

    #[test]
    fn end_time_is_one_hour_later_within_the_day() {
        assert_eq!(end_time(time(0, 0)), time(1, 0));
        assert_eq!(end_time(time(9, 5)), time(10, 5));
        assert_eq!(end_time(time(22, 59)), time(23, 59));
    }

    #[test]
    fn end_time_stops_at_23_59_from_23_00() {
        assert_eq!(end_time(time(23, 0)), time(23, 59));
        assert_eq!(end_time(time(23, 30)), time(23, 59));
        assert_eq!(end_time(time(23, 59)), time(23, 59));
    }

    #[test]
    fn times_are_24_hour_without_seconds() {
        let start = NaiveTime::from_hms_opt(14, 7, 59).expect("time");
        assert_eq!(hh_mm(start), "14:07");
        assert_eq!(hh_mm(end_time(start)), "15:07");
        assert_eq!(hh_mm(time(0, 0)), "00:00");
    }

    #[test]
    fn only_reviews_meeting_the_rules_are_listed() {
        let mut bundle = bundle();
        let mut untimed = review(2, None);
        untimed.start_time = None;
        bundle.reviews = vec![
            (review(1, None), None),
            (untimed, None),
            (review(3, None), None),
        ];
        let ids: Vec<_> = uploadable_reviews(&bundle)
            .map(|(r, _)| r.review_id)
            .collect();
        assert_eq!(ids, [1, 3]);
    }
}
