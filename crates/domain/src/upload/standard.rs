//! Standard matching: a delivery-plan qualification is a OneFile standard when its
//! `vq_reference`, without one trailing AS, OP, GW or EP, equals the standard's
//! `Reference`.
//!
//! Both sides are trimmed and compared ignoring ASCII case (references are ASCII codes
//! such as `ST0123`). Only one suffix is removed, and whitespace before it goes with it
//! (`"ST0123 AS"` is `ST0123`). A reference that is empty once stripped matches nothing,
//! so `"AS"` never matches a standard with a blank Reference. When several standards
//! share a Reference, the lowest ID wins, whatever order OneFile listed them in.

use crate::model::LearnerBundle;

/// The suffixes a PICSWeb `vq_reference` may carry after the standard's reference.
pub const STANDARD_SUFFIXES: [&str; 4] = ["AS", "OP", "GW", "EP"];

/// A standard available to the organisation in OneFile (`/Standard/Search`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standard {
    /// OneFile standard ID.
    pub id: i64,
    /// The standard's title.
    pub title: String,
    /// The standard's reference, such as `ST0123`.
    pub reference: String,
}

/// The part of a `vq_reference` that names the standard: trimmed, with one trailing
/// suffix of [`STANDARD_SUFFIXES`] (any case) removed.
pub fn standard_reference(vq_reference: &str) -> &str {
    let trimmed = vq_reference.trim();
    let Some(split) = trimmed.len().checked_sub(2) else {
        return trimmed;
    };
    match (trimmed.get(..split), trimmed.get(split..)) {
        (Some(base), Some(suffix))
            if STANDARD_SUFFIXES
                .iter()
                .any(|s| s.eq_ignore_ascii_case(suffix)) =>
        {
            base.trim_end()
        }
        _ => trimmed,
    }
}

/// The ID of the OneFile standard a `vq_reference` names, if one is available.
pub fn match_standard(vq_reference: &str, standards: &[Standard]) -> Option<i64> {
    let wanted = standard_reference(vq_reference);
    if wanted.is_empty() {
        return None;
    }
    standards
        .iter()
        .filter(|standard| standard.reference.trim().eq_ignore_ascii_case(wanted))
        .map(|standard| standard.id)
        .min()
}

/// A delivery-plan qualification to assign in OneFile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandardAssignment {
    /// PICSWeb `learner_qualification.learner_qualification_id`.
    pub learner_qualification_id: i64,
    /// The OneFile standard to assign.
    pub standard_id: i64,
}

/// The bundle's qualifications that match a standard and have no learning aim yet, in
/// bundle order. The others are skipped, as the upload rules say.
pub fn standards_to_assign(
    bundle: &LearnerBundle,
    standards: &[Standard],
) -> Vec<StandardAssignment> {
    bundle
        .qualifications
        .iter()
        .filter(|(planned, ..)| planned.onefile_learning_aim_id.is_none())
        .filter_map(|(planned, qualification, _)| {
            Some(StandardAssignment {
                learner_qualification_id: planned.learner_qualification_id,
                standard_id: match_standard(&qualification.vq_reference, standards)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{bundle, learner_qualification, qualification};

    fn standard(id: i64, reference: &str) -> Standard {
        Standard {
            id,
            title: format!("Standard {id}"),
            reference: reference.to_owned(),
        }
    }

    fn catalogue() -> Vec<Standard> {
        vec![
            standard(1, "ST0123"),
            standard(2, " st0456 "),
            standard(3, ""),
        ]
    }

    #[test]
    fn each_suffix_is_stripped() {
        for vq in [
            "ST0123AS", "ST0123OP", "ST0123GW", "ST0123EP", "ST0123as", "ST0123Ep",
        ] {
            assert_eq!(standard_reference(vq), "ST0123", "{vq}");
            assert_eq!(match_standard(vq, &catalogue()), Some(1), "{vq}");
        }
    }

    #[test]
    fn a_reference_without_suffix_matches_as_is() {
        assert_eq!(match_standard("ST0123", &catalogue()), Some(1));
        assert_eq!(match_standard("  st0123  ", &catalogue()), Some(1));
        assert_eq!(match_standard("ST0456AS", &catalogue()), Some(2));
    }

    #[test]
    fn other_suffixes_do_not_match() {
        assert_eq!(standard_reference("ST0123XX"), "ST0123XX");
        assert_eq!(match_standard("ST0123XX", &catalogue()), None);
        assert_eq!(match_standard("ST0123A", &catalogue()), None);
    }

    #[test]
    fn only_one_suffix_is_stripped() {
        assert_eq!(standard_reference("ST0123ASAS"), "ST0123AS");
        assert_eq!(match_standard("ST0123EPAS", &catalogue()), None);
    }

    #[test]
    fn whitespace_before_the_suffix_goes_with_it() {
        assert_eq!(standard_reference(" ST0123 AS "), "ST0123");
    }

    #[test]
    fn blank_references_match_nothing() {
        for vq in ["AS", "", "  ", "ep", " GW "] {
            assert_eq!(match_standard(vq, &catalogue()), None, "{vq:?}");
        }
        assert_eq!(standard_reference("A"), "A");
    }

    #[test]
    fn non_ascii_references_do_not_panic() {
        assert_eq!(standard_reference("STé"), "STé");
        assert_eq!(standard_reference("é"), "é");
        assert_eq!(standard_reference("éa"), "éa");
        assert_eq!(match_standard("ÉPAS", &catalogue()), None);
    }

    #[test]
    fn duplicates_resolve_to_the_lowest_id() {
        let standards = [standard(9, "ST0123"), standard(4, "st0123")];
        assert_eq!(match_standard("ST0123AS", &standards), Some(4));
    }

    #[test]
    fn assignments_skip_unmatched_and_already_assigned() {
        let mut bundle = bundle();
        let mut assigned = learner_qualification(2, None);
        assigned.onefile_learning_aim_id = Some(77);
        bundle.qualifications = vec![
            (
                learner_qualification(1, None),
                qualification(1, "ST0123AS"),
                None,
            ),
            (assigned, qualification(2, "ST0123"), None),
            (
                learner_qualification(3, None),
                qualification(3, "ZZ9999"),
                None,
            ),
            (
                learner_qualification(4, None),
                qualification(4, "ST0456GW"),
                None,
            ),
        ];
        let assignments = standards_to_assign(&bundle, &catalogue());
        let pairs: Vec<_> = assignments
            .iter()
            .map(|a| (a.learner_qualification_id, a.standard_id))
            .collect();
        assert_eq!(pairs, [(1, 1), (4, 2)]);
    }
}
