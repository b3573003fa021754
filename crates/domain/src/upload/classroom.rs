//! Classroom choice: the OneFile classroom whose name equals the learner's main tag, when
//! `use_main_tag_as_classroom` is on and one matches; else `default_classroom_id`.
//!
//! "Equals" is taken literally, case included, after trimming both sides: classroom
//! names are chosen by the provider and `Leeds` and `LEEDS` may well be two classrooms.
//! A blank tag matches nothing. When several classrooms share the name, the lowest ID
//! wins, whatever order OneFile listed them in.

use crate::model::{Learner, OneFileSettings};
use crate::text::non_blank;

/// A OneFile classroom (`/Classroom/Search`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classroom {
    /// OneFile classroom ID.
    pub id: i64,
    /// The classroom's name.
    pub name: String,
}

/// The OneFile `ClassroomID` for a learner.
pub fn choose_classroom(
    learner: &Learner,
    settings: &OneFileSettings,
    classrooms: &[Classroom],
) -> i64 {
    if !settings.use_main_tag_as_classroom {
        return settings.default_classroom_id;
    }
    non_blank(learner.main_tag.as_deref())
        .and_then(|tag| {
            classrooms
                .iter()
                .filter(|classroom| classroom.name.trim() == tag)
                .map(|classroom| classroom.id)
                .min()
        })
        .unwrap_or(settings.default_classroom_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{learner, settings};

    fn classroom(id: i64, name: &str) -> Classroom {
        Classroom {
            id,
            name: name.to_owned(),
        }
    }

    fn with_tags_on() -> OneFileSettings {
        OneFileSettings {
            use_main_tag_as_classroom: true,
            ..settings()
        }
    }

    fn tagged(tag: Option<&str>) -> Learner {
        Learner {
            main_tag: tag.map(str::to_owned),
            ..learner()
        }
    }

    fn rooms() -> Vec<Classroom> {
        vec![
            classroom(1, "Bradford"),
            classroom(2, " Leeds Cohort "),
            classroom(3, ""),
        ]
    }

    #[test]
    fn a_matching_tag_picks_its_classroom_when_the_setting_is_on() {
        assert_eq!(
            choose_classroom(&tagged(Some("Leeds Cohort")), &with_tags_on(), &rooms()),
            2
        );
        assert_eq!(
            choose_classroom(&tagged(Some(" Bradford")), &with_tags_on(), &rooms()),
            1
        );
    }

    #[test]
    fn the_setting_off_always_gives_the_default() {
        assert_eq!(
            choose_classroom(&tagged(Some("Bradford")), &settings(), &rooms()),
            500
        );
    }

    #[test]
    fn no_match_gives_the_default() {
        let settings = with_tags_on();
        assert_eq!(
            choose_classroom(&tagged(Some("York")), &settings, &rooms()),
            500
        );
        assert_eq!(
            choose_classroom(&tagged(Some("bradford")), &settings, &rooms()),
            500
        );
        assert_eq!(
            choose_classroom(&tagged(Some("Bradford")), &settings, &[]),
            500
        );
    }

    #[test]
    fn a_blank_tag_gives_the_default_even_with_a_blank_classroom() {
        for tag in [None, Some(""), Some("  ")] {
            assert_eq!(
                choose_classroom(&tagged(tag), &with_tags_on(), &rooms()),
                500,
                "{tag:?}"
            );
        }
    }

    #[test]
    fn duplicate_names_resolve_to_the_lowest_id() {
        let rooms = [classroom(8, "Leeds Cohort"), classroom(6, "Leeds Cohort")];
        assert_eq!(choose_classroom(&learner(), &with_tags_on(), &rooms), 6);
    }
}
