//! Refresh of one uploaded review: OneFile's `StartedOn` being set means the learner
//! attended, on that date. A blank `StartedOn` changes nothing (an attended review is
//! never marked unattended), and a set one wins over a different PICSWeb date.

use chrono::NaiveDate;

use super::{FieldChange, FieldValue, change};
use crate::model::Review;

/// The `review` columns to change, given OneFile's `StartedOn` as a date (the client
/// decides which calendar day a OneFile timestamp falls on).
pub fn review_changes(review: &Review, started_on: Option<NaiveDate>) -> Vec<FieldChange> {
    let Some(started_on) = started_on else {
        return Vec::new();
    };
    let attended = (!review.attended).then_some(FieldChange {
        column: "attended",
        old: FieldValue::Bool(false),
        new: FieldValue::Bool(true),
    });
    let attended_date = change("attended_date", review.attended_date, Some(started_on));
    attended.into_iter().chain(attended_date).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{date, review};

    fn attended(on: Option<NaiveDate>) -> Review {
        Review {
            attended: true,
            attended_date: on,
            ..review(1, None)
        }
    }

    #[test]
    fn not_started_changes_nothing() {
        assert_eq!(review_changes(&review(1, None), None), []);
        assert_eq!(review_changes(&attended(Some(date(2026, 3, 2))), None), []);
    }

    #[test]
    fn started_marks_attended_on_that_date() {
        let changes = review_changes(&review(1, None), Some(date(2026, 3, 2)));
        let expected = [
            FieldChange {
                column: "attended",
                old: false.into(),
                new: true.into(),
            },
            FieldChange {
                column: "attended_date",
                old: FieldValue::Null,
                new: date(2026, 3, 2).into(),
            },
        ];
        assert_eq!(changes, expected);
    }

    #[test]
    fn already_attended_on_the_same_date_changes_nothing() {
        let on = date(2026, 3, 2);
        assert_eq!(review_changes(&attended(Some(on)), Some(on)), []);
    }

    #[test]
    fn a_different_date_takes_onefile() {
        let changes = review_changes(&attended(Some(date(2026, 3, 2))), Some(date(2026, 3, 3)));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].column, "attended_date");
        assert_eq!(changes[0].old, date(2026, 3, 2).into());
        assert_eq!(changes[0].new, date(2026, 3, 3).into());
    }

    #[test]
    fn attended_without_a_date_gets_the_date() {
        let changes = review_changes(&attended(None), Some(date(2026, 3, 2)));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].column, "attended_date");
    }

    #[test]
    fn a_date_without_the_flag_gets_the_flag() {
        let on = date(2026, 3, 2);
        let review = Review {
            attended_date: Some(on),
            ..review(1, None)
        };
        let changes = review_changes(&review, Some(on));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].column, "attended");
    }
}
