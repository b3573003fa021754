//! Reading request bodies: JSON objects into entity fields, with a message naming the
//! field when a value has the wrong type. Unknown keys are ignored, as OneFile does.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::model::{LearningAim, Placement, Review, User, parse_date};

/// A JSON object body.
pub type Obj = Map<String, Value>;

/// Parses a request body as a JSON object; an empty body is an empty object.
pub fn object(body: &[u8]) -> Result<Obj, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Obj::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err("Request body must be a JSON object".to_owned()),
        Err(e) => Err(format!("Malformed JSON: {e}")),
    }
}

/// A text field: strings as they are, numbers as their decimal form, `null` as absent.
pub fn text(value: &Value, key: &str) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => Err(format!("{key} must be a string")),
    }
}

/// An integer field: JSON integers or strings holding one; `null` as absent.
pub fn int(value: &Value, key: &str) -> Result<Option<i64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{key} must be an integer")),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{key} must be an integer")),
        _ => Err(format!("{key} must be an integer")),
    }
}

/// A date field: RFC 3339 or `YYYY-MM-DD`; `null` as absent.
pub fn date(value: &Value, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => parse_date(s)
            .map(Some)
            .ok_or_else(|| format!("{key} must be a date (RFC 3339 or YYYY-MM-DD), got {s:?}")),
        _ => Err(format!("{key} must be a date string")),
    }
}

/// A time of day `HH:MM` (24-hour); `null` as absent.
pub fn time_of_day(value: &Value, key: &str) -> Result<Option<String>, String> {
    let Some(s) = text(value, key)? else {
        return Ok(None);
    };
    let valid = s.len() == 5
        && s.as_bytes()[2] == b':'
        && matches!(s[..2].parse::<u32>(), Ok(h) if h < 24)
        && matches!(s[3..].parse::<u32>(), Ok(m) if m < 60)
        && s.chars().filter(char::is_ascii_digit).count() == 4;
    if valid {
        Ok(Some(s))
    } else {
        Err(format!("{key} must be a time of day HH:MM, got {s:?}"))
    }
}

/// A code kept as sent (string or number); `null` as absent.
pub fn code(value: &Value, key: &str) -> Result<Option<Value>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(_) | Value::Number(_) => Ok(Some(value.clone())),
        _ => Err(format!("{key} must be a string or a number")),
    }
}

/// An integer field that may not be `null`.
fn required_int(value: &Value, key: &str) -> Result<i64, String> {
    int(value, key)?.ok_or_else(|| format!("{key} may not be null"))
}

/// Sets the user fields present in `obj`.
pub fn apply_user(user: &mut User, obj: &Obj) -> Result<(), String> {
    for (key, v) in obj {
        let k = key.as_str();
        match k {
            "OrganisationID" => user.organisation_id = int(v, k)?,
            "Role" => user.role = int(v, k)?,
            "FirstName" => user.first_name = text(v, k)?,
            "LastName" => user.last_name = text(v, k)?,
            "Email" => user.email = text(v, k)?,
            "DOB" => user.dob = date(v, k)?,
            "NINO" => user.nino = text(v, k)?,
            "ULN" => user.uln = text(v, k)?,
            "L12" => user.l12 = code(v, k)?,
            "L13" => user.l13 = code(v, k)?,
            "L14" => user.l14 = code(v, k)?,
            "Telephone" => user.telephone = text(v, k)?,
            "MobileNumber" => user.mobile_number = text(v, k)?,
            "PlacementID" => user.placement_id = int(v, k)?,
            "DefaultAssessorID" => user.default_assessor_id = int(v, k)?,
            "ClassroomID" => user.classroom_id = int(v, k)?,
            "StartOn" => user.start_on = date(v, k)?,
            "PlannedEndDate" => user.planned_end_date = date(v, k)?,
            "MISID" => user.misid = text(v, k)?,
            _ => {}
        }
    }
    Ok(())
}

/// Sets the placement fields present in `obj`.
pub fn apply_placement(placement: &mut Placement, obj: &Obj) -> Result<(), String> {
    for (key, v) in obj {
        let k = key.as_str();
        match k {
            "OrganisationID" => placement.organisation_id = int(v, k)?,
            "Name" => placement.name = text(v, k)?,
            "MISID" => placement.misid = text(v, k)?,
            _ => {}
        }
    }
    Ok(())
}

/// Sets the review fields present in `obj`.
pub fn apply_review(review: &mut Review, obj: &Obj) -> Result<(), String> {
    for (key, v) in obj {
        let k = key.as_str();
        match k {
            "LearnerID" => review.learner_id = int(v, k)?,
            "AssessorID" => review.assessor_id = int(v, k)?,
            "ScheduledFor" => review.scheduled_for = date(v, k)?,
            "StartTime" => review.start_time = time_of_day(v, k)?,
            "EndTime" => review.end_time = time_of_day(v, k)?,
            "VisitTypeID" => review.visit_type_id = int(v, k)?,
            "Status" => review.status = int(v, k)?,
            "StartedOn" => review.started_on = date(v, k)?,
            "AssessorSignedOn" => review.assessor_signed_on = date(v, k)?,
            "LearnerSignedOn" => review.learner_signed_on = date(v, k)?,
            _ => {}
        }
    }
    Ok(())
}

/// Sets the learning aim fields present in `obj` (used by the simulator's patch control).
pub fn apply_learning_aim(aim: &mut LearningAim, obj: &Obj) -> Result<(), String> {
    for (key, v) in obj {
        let k = key.as_str();
        match k {
            "Status" => aim.status = required_int(v, k)?,
            "Progress" => aim.progress = required_int(v, k)?,
            "TotalElements" => aim.total_elements = required_int(v, k)?,
            "ElementsDone" => aim.elements_done = required_int(v, k)?,
            "StartDate" => aim.start_date = date(v, k)?,
            "PlannedEnd" => aim.planned_end = date(v, k)?,
            "RegistrationNumber" => aim.registration_number = text(v, k)?,
            "RegistrationDate" => aim.registration_date = date(v, k)?,
            "CertificateAppliedDate" => aim.certificate_applied_date = date(v, k)?,
            "CertificateReceivedDate" => aim.certificate_received_date = date(v, k)?,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn times_of_day_are_strict() {
        assert_eq!(
            time_of_day(&json!("09:30"), "T").unwrap(),
            Some("09:30".to_owned())
        );
        for bad in ["9:30", "24:00", "12:60", "12-30", "ab:cd", "+1:30"] {
            assert!(time_of_day(&json!(bad), "T").is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_body_is_an_empty_object_and_bad_json_is_named() {
        assert!(object(b"  ").unwrap().is_empty());
        assert!(object(b"{").unwrap_err().starts_with("Malformed JSON"));
        assert!(object(b"[1]").is_err());
    }
}
