//! The refresh merge rule, for every field OneFile may update in PICSWeb:
//!
//! | PICSWeb | OneFile | result |
//! |---|---|---|
//! | blank | blank | no change |
//! | blank | value | OneFile's value |
//! | value | blank | no change (a blank in OneFile never erases PICSWeb data) |
//! | value | same value | no change |
//! | value | other value | OneFile's value (OneFile wins) |
//!
//! For text, empty and whitespace-only strings are blank, and values are compared and
//! written trimmed.

use crate::text::non_blank;

/// The new PICSWeb value under the merge rule, or `None` when PICSWeb must not change.
pub fn merge<T: Clone + PartialEq>(picsweb: Option<&T>, onefile: Option<&T>) -> Option<T> {
    let onefile = onefile?;
    (picsweb != Some(onefile)).then(|| onefile.clone())
}

/// [`merge`] for text: blanks are `None`, values are compared and returned trimmed.
pub fn merge_text(picsweb: Option<&str>, onefile: Option<&str>) -> Option<String> {
    merge(non_blank(picsweb).as_ref(), non_blank(onefile).as_ref()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_blank_changes_nothing() {
        assert_eq!(merge::<i32>(None, None), None);
        assert_eq!(merge_text(None, None), None);
        assert_eq!(merge_text(Some(""), Some("  ")), None);
    }

    #[test]
    fn blank_picsweb_is_filled_from_onefile() {
        assert_eq!(merge(None, Some(&5)), Some(5));
        assert_eq!(merge_text(None, Some("R1")), Some("R1".to_owned()));
        assert_eq!(merge_text(Some(" "), Some(" R1 ")), Some("R1".to_owned()));
    }

    #[test]
    fn blank_onefile_changes_nothing() {
        assert_eq!(merge(Some(&5), None), None);
        assert_eq!(merge_text(Some("R1"), None), None);
        assert_eq!(merge_text(Some("R1"), Some("")), None);
    }

    #[test]
    fn equal_values_change_nothing() {
        assert_eq!(merge(Some(&5), Some(&5)), None);
        assert_eq!(merge_text(Some("R1"), Some("R1")), None);
        assert_eq!(merge_text(Some("R1 "), Some(" R1")), None);
    }

    #[test]
    fn different_values_take_onefile() {
        assert_eq!(merge(Some(&5), Some(&6)), Some(6));
        assert_eq!(merge(Some(&true), Some(&false)), Some(false));
        assert_eq!(merge_text(Some("R1"), Some("R2")), Some("R2".to_owned()));
        assert_eq!(merge_text(Some("r1"), Some("R1")), Some("R1".to_owned()));
    }
}
