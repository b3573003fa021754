//! Which learners a full refresh covers: enrolled (a OneFile ID), `system_status` 'Live',
//! and either still 'In Learning' or ended within the last month.
//!
//! "Within the last month" is the closed window from today minus one calendar month to
//! today: on 15 March, end dates 15 February to 15 March count. Month ends clamp (on
//! 31 March the window opens on 28 or 29 February), as PostgreSQL's
//! `current_date - interval '1 month'` does, so the nightly query can say
//! `actual_end_date BETWEEN (current_date - interval '1 month')::date AND current_date`.
//! An end date after today does not count: a learner not 'In Learning' with a future
//! end date is a data-entry slip, and refreshing them would only spend API calls on a
//! learner PICSWeb says is not learning. While the status is 'In Learning' the end date
//! does not matter.

use chrono::{Months, NaiveDate};

use crate::model::{LEARNING_STATUS_IN_LEARNING, Learner, SYSTEM_STATUS_LIVE};

/// Whether a full refresh covers this learner on `today`.
pub fn refresh_eligible(learner: &Learner, today: NaiveDate) -> bool {
    learner.onefile_id.is_some()
        && learner.system_status == SYSTEM_STATUS_LIVE
        && (learner.learning_status == LEARNING_STATUS_IN_LEARNING
            || ended_within_last_month(learner.actual_end_date, today))
}

/// Whether `actual_end_date` lies in the closed window [today − 1 month, today].
pub fn ended_within_last_month(actual_end_date: Option<NaiveDate>, today: NaiveDate) -> bool {
    let Some(ended) = actual_end_date else {
        return false;
    };
    let since = today
        .checked_sub_months(Months::new(1))
        .unwrap_or(NaiveDate::MIN);
    since <= ended && ended <= today
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{date, learner};

    fn enrolled(learning_status: &str, ended: Option<NaiveDate>) -> Learner {
        Learner {
            onefile_id: Some(7001),
            learning_status: learning_status.to_owned(),
            actual_end_date: ended,
            ..learner()
        }
    }

    const TODAY: (i32, u32, u32) = (2026, 3, 15);

    fn today() -> NaiveDate {
        date(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn an_enrolled_live_learner_in_learning_is_eligible() {
        assert!(refresh_eligible(&enrolled("In Learning", None), today()));
        let past = Some(date(2020, 1, 1));
        assert!(refresh_eligible(&enrolled("In Learning", past), today()));
    }

    #[test]
    fn a_learner_not_in_onefile_is_not_eligible() {
        let learner = Learner {
            onefile_id: None,
            ..enrolled("In Learning", None)
        };
        assert!(!refresh_eligible(&learner, today()));
    }

    #[test]
    fn an_archived_learner_is_not_eligible() {
        let learner = Learner {
            system_status: "Archived".to_owned(),
            ..enrolled("In Learning", None)
        };
        assert!(!refresh_eligible(&learner, today()));
    }

    #[test]
    fn a_finished_learner_is_eligible_for_one_month_inclusive() {
        for status in ["Completed", "Withdrawn", "Break"] {
            let on = |y, m, d| refresh_eligible(&enrolled(status, Some(date(y, m, d))), today());
            assert!(on(2026, 3, 15), "{status} ended today");
            assert!(on(2026, 2, 15), "{status} ended exactly a month ago");
            assert!(!on(2026, 2, 14), "{status} ended a month and a day ago");
            assert!(!on(2026, 3, 16), "{status} ends tomorrow");
            assert!(
                !refresh_eligible(&enrolled(status, None), today()),
                "{status} no end"
            );
        }
    }

    #[test]
    fn month_ends_clamp() {
        let end_of_march = date(2024, 3, 31);
        assert!(ended_within_last_month(
            Some(date(2024, 2, 29)),
            end_of_march
        ));
        assert!(!ended_within_last_month(
            Some(date(2024, 2, 28)),
            end_of_march
        ));
        assert!(ended_within_last_month(
            Some(date(2025, 2, 28)),
            date(2025, 3, 31)
        ));
        assert!(ended_within_last_month(
            Some(date(2025, 12, 10)),
            date(2026, 1, 10)
        ));
        assert!(!ended_within_last_month(
            Some(date(2025, 12, 9)),
            date(2026, 1, 10)
        ));
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        assert!(ended_within_last_month(
            Some(NaiveDate::MIN),
            NaiveDate::MIN
        ));
        assert!(!ended_within_last_month(
            Some(NaiveDate::MAX),
            NaiveDate::MIN
        ));
    }
}
