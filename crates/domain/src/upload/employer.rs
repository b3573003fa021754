//! Employer choice: the organisation of the most recent placement of type 'P'; if there
//! is none, of the most recent placement of any type.
//!
//! "Most recent" is the latest `start_date`; two placements starting the same day are
//! told apart by the higher `placement_id` (the one entered later), so the choice never
//! depends on the order the rows were loaded in. End dates are not looked at: a learner
//! whose only employer placement has ended still needs an employer in OneFile, and a
//! placement starting in the future still counts as the most recent.

use crate::model::{EMPLOYER_PLACEMENT_TYPE, Organisation, Placement};

/// Whether a placement is an employer placement: type 'P', ignoring surrounding
/// whitespace and case.
pub fn is_employer_placement(placement: &Placement) -> bool {
    placement
        .placement_type
        .trim()
        .eq_ignore_ascii_case(EMPLOYER_PLACEMENT_TYPE)
}

/// The placement whose organisation is the learner's employer, if the learner has any
/// placement at all.
pub fn employer_placement(
    placements: &[(Placement, Organisation)],
) -> Option<&(Placement, Organisation)> {
    let most_recent = |employers_only: bool| {
        placements
            .iter()
            .filter(|(placement, _)| !employers_only || is_employer_placement(placement))
            .max_by_key(|(placement, _)| (placement.start_date, placement.placement_id))
    };
    most_recent(true).or_else(|| most_recent(false))
}

/// The learner's employer (see [`employer_placement`]).
pub fn employer(placements: &[(Placement, Organisation)]) -> Option<&Organisation> {
    employer_placement(placements).map(|(_, organisation)| organisation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{date, placed};

    fn chosen(placements: &[(Placement, Organisation)]) -> Option<i64> {
        employer_placement(placements).map(|(placement, _)| placement.placement_id)
    }

    #[test]
    fn no_placement_no_employer() {
        assert_eq!(chosen(&[]), None);
        assert_eq!(employer(&[]), None);
    }

    #[test]
    fn the_most_recent_employer_placement_wins() {
        let placements = [
            placed(1, "P", date(2024, 1, 1)),
            placed(2, "P", date(2025, 1, 1)),
            placed(3, "W", date(2026, 1, 1)),
        ];
        assert_eq!(chosen(&placements), Some(2));
        assert_eq!(employer(&placements).map(|o| o.organisation_id), Some(200));
    }

    #[test]
    fn without_an_employer_placement_the_most_recent_of_any_type_wins() {
        let placements = [
            placed(1, "S", date(2025, 1, 1)),
            placed(2, "W", date(2025, 6, 1)),
        ];
        assert_eq!(chosen(&placements), Some(2));
    }

    #[test]
    fn a_tie_on_start_date_goes_to_the_higher_placement_id() {
        let day = date(2025, 1, 1);
        let placements = [
            placed(7, "P", day),
            placed(9, "P", day),
            placed(8, "P", day),
        ];
        assert_eq!(chosen(&placements), Some(9));
        let others = [placed(5, "W", day), placed(4, "S", day)];
        assert_eq!(chosen(&others), Some(5));
    }

    #[test]
    fn ended_and_future_placements_count() {
        let mut ended = placed(1, "P", date(2020, 1, 1));
        ended.0.end_date = Some(date(2021, 1, 1));
        let future = placed(2, "P", date(2099, 1, 1));
        assert_eq!(chosen(&[ended.clone()]), Some(1));
        assert_eq!(chosen(&[ended, future]), Some(2));
    }

    #[test]
    fn employer_type_ignores_case_and_whitespace() {
        let placements = [
            placed(1, " p ", date(2020, 1, 1)),
            placed(2, "W", date(2025, 1, 1)),
        ];
        assert_eq!(chosen(&placements), Some(1));
        assert!(!is_employer_placement(&placed(3, "PX", date(2020, 1, 1)).0));
        assert!(!is_employer_placement(&placed(3, "", date(2020, 1, 1)).0));
    }
}
