//! Blank handling shared by the upload and merge rules: PICSWeb stores "no value" both as
//! NULL and as empty or whitespace-only text, and the rules treat them alike.

/// The trimmed text, or `None` when absent, empty or whitespace only.
pub(crate) fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|text| !text.is_empty())
}

/// [`non_blank`], owned.
pub(crate) fn non_blank_owned(value: Option<&str>) -> Option<String> {
    non_blank(value).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_are_none_and_values_are_trimmed() {
        assert_eq!(non_blank(None), None);
        assert_eq!(non_blank(Some("")), None);
        assert_eq!(non_blank(Some(" \t\n")), None);
        assert_eq!(non_blank(Some(" a b ")), Some("a b"));
        assert_eq!(non_blank_owned(Some(" x")), Some("x".to_owned()));
    }
}
