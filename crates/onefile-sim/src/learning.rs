//! Classrooms, standards, learning aims and reviews: the API's operations on them.
//!
//! With `org_search` off, LearningAim and Review searches need `UserID`/`LearnerID` and
//! ignore `OrganisationID` and `LastModifiedFrom` (as an API without those filters would
//! ignore unknown keys), so a client that relies on them sees every row, not an error.

use serde_json::{Value, json};

use crate::input::{self, Obj};
use crate::model::{LearningAim, Review, format_date, now_ms};
use crate::search::{Filter, Page, at_or_after, at_or_before, matches};
use crate::state::{ApiResult, Rejection, State};
use crate::users::{LEARNER, is_assessor_role};

impl State {
    /// `POST /Classroom/Search/{page}/{size}`.
    pub fn search_classrooms(&self, filter: &Obj, page: Page) -> ApiResult<Vec<Value>> {
        if !self.is_our_organisation(filter)? {
            return Ok(Vec::new());
        }
        let rows = self
            .classrooms
            .values()
            .map(|c| json!({ "ID": c.id, "Name": c.name }));
        Ok(page.cut(rows))
    }

    /// `POST /Standard/Search/{page}/{size}`.
    pub fn search_standards(&self, filter: &Obj, page: Page) -> ApiResult<Vec<Value>> {
        if !self.is_our_organisation(filter)? {
            return Ok(Vec::new());
        }
        let rows = self
            .standards
            .values()
            .map(|s| json!({ "ID": s.id, "Title": s.title, "Reference": s.reference }));
        Ok(page.cut(rows))
    }

    /// `POST /Standard/{standardId}/Assign/{learnerId}`: answers `{"ID"}` of the new aim.
    pub fn assign_standard(&mut self, standard_id: i64, learner_id: i64) -> ApiResult<Value> {
        let total_elements = self
            .standards
            .get(&standard_id)
            .map(|s| s.total_elements)
            .ok_or_else(|| Rejection::NotFound(format!("No standard with ID {standard_id}")))?;
        let learner = self
            .users
            .get(&learner_id)
            .ok_or_else(|| Rejection::NotFound(format!("No user with ID {learner_id}")))?;
        if learner.role != Some(LEARNER) {
            return Err(Rejection::BadRequest(format!(
                "User {learner_id} is not a learner (Role 1)"
            )));
        }
        let aim = LearningAim {
            id: self.new_aim_id(),
            user_id: learner_id,
            standard_id,
            status: 1,
            progress: 0,
            total_elements,
            elements_done: 0,
            last_modified: now_ms(),
            ..LearningAim::default()
        };
        let answer = json!({ "ID": aim.id });
        self.aims.insert(aim.id, aim);
        Ok(answer)
    }

    /// `POST /LearningAim/Search/{page}/{size}`.
    pub fn search_aims(&self, filter: &Obj, page: Page) -> ApiResult<Vec<Value>> {
        let f = Filter(filter);
        let user = f.int("UserID")?;
        let (org_ok, from) = if self.config.org_search {
            (
                self.is_our_organisation(filter)?,
                f.date("LastModifiedFrom")?,
            )
        } else if user.is_none() {
            return Err(Rejection::BadRequest("UserID is required".to_owned()));
        } else {
            (true, None)
        };
        if !org_ok {
            return Ok(Vec::new());
        }
        let rows = self
            .aims
            .values()
            .filter(|a| matches(user.as_ref(), Some(&a.user_id)))
            .filter(|a| at_or_after(from, Some(a.last_modified)))
            .map(aim_row);
        Ok(page.cut(rows))
    }

    /// `POST /Review`: answers `{"ID"}`.
    pub fn create_review(&mut self, obj: &Obj) -> ApiResult<Value> {
        let mut review = Review::default();
        input::apply_review(&mut review, obj)?;
        self.validate_review(&review)?;
        if review.status != Some(1) {
            return Err(Rejection::BadRequest(
                "Status must be 1 (scheduled) for a new review".to_owned(),
            ));
        }
        review.id = self.new_review_id();
        review.last_modified = now_ms();
        let answer = json!({ "ID": review.id });
        self.reviews.insert(review.id, review);
        Ok(answer)
    }

    /// `POST /Review/{id}`: updates the fields given.
    pub fn update_review(&mut self, id: i64, obj: &Obj) -> ApiResult<()> {
        let mut review = self
            .reviews
            .get(&id)
            .cloned()
            .ok_or_else(|| Rejection::NotFound(format!("No review with ID {id}")))?;
        input::apply_review(&mut review, obj)?;
        self.validate_review(&review)?;
        review.last_modified = now_ms();
        self.reviews.insert(id, review);
        Ok(())
    }

    /// `POST /Review/Search/{page}/{size}`.
    pub fn search_reviews(&self, filter: &Obj, page: Page) -> ApiResult<Vec<Value>> {
        let f = Filter(filter);
        let learner = f.int("LearnerID")?;
        let (org_ok, modified_from) = if self.config.org_search {
            (
                self.is_our_organisation(filter)?,
                f.date("LastModifiedFrom")?,
            )
        } else if learner.is_none() {
            return Err(Rejection::BadRequest("LearnerID is required".to_owned()));
        } else {
            (true, None)
        };
        if !org_ok {
            return Ok(Vec::new());
        }
        let date_from = f.date("DateFrom")?;
        let date_to = f.date("DateTo")?;
        let rows = self
            .reviews
            .values()
            .filter(|r| matches(learner.as_ref(), r.learner_id.as_ref()))
            .filter(|r| at_or_after(modified_from, Some(r.last_modified)))
            .filter(|r| at_or_after(date_from, r.scheduled_for))
            .filter(|r| at_or_before(date_to, r.scheduled_for))
            .map(review_row);
        Ok(page.cut(rows))
    }

    /// Whether a filter's optional `OrganisationID` names this organisation.
    fn is_our_organisation(&self, filter: &Obj) -> ApiResult<bool> {
        let org = Filter(filter).int("OrganisationID")?;
        Ok(org.is_none_or(|id| id == self.config.organisation_id))
    }

    /// OneFile's rules for a review as it would be stored.
    fn validate_review(&self, review: &Review) -> ApiResult<()> {
        let learner = required(review.learner_id, "LearnerID")?;
        if self.users.get(&learner).and_then(|u| u.role) != Some(LEARNER) {
            return Err(bad(format!(
                "LearnerID {learner} is not a user with Role 1"
            )));
        }
        let assessor = required(review.assessor_id, "AssessorID")?;
        if !is_assessor_role(self.users.get(&assessor).and_then(|u| u.role)) {
            return Err(bad(format!(
                "AssessorID {assessor} is not a user with Role 4 or 5"
            )));
        }
        required(review.scheduled_for, "ScheduledFor")?;
        required(review.start_time.as_ref(), "StartTime")?;
        required(review.end_time.as_ref(), "EndTime")?;
        let visit = required(review.visit_type_id, "VisitTypeID")?;
        if !(0..=2).contains(&visit) {
            return Err(bad(format!(
                "VisitTypeID {visit} is not 0 (not specified), 1 (remote) or 2 (face to face)"
            )));
        }
        required(review.status, "Status")?;
        Ok(())
    }
}

fn bad(message: String) -> Rejection {
    Rejection::BadRequest(message)
}

fn required<T>(value: Option<T>, key: &str) -> ApiResult<T> {
    value.ok_or_else(|| bad(format!("{key} is required")))
}

/// A learning aim as a search returns it.
fn aim_row(a: &LearningAim) -> Value {
    json!({
        "ID": a.id,
        "UserID": a.user_id,
        "StandardID": a.standard_id,
        "Status": a.status,
        "Progress": a.progress,
        "TotalElements": a.total_elements,
        "ElementsDone": a.elements_done,
        "StartDate": a.start_date.as_ref().map(format_date),
        "PlannedEnd": a.planned_end.as_ref().map(format_date),
        "RegistrationNumber": a.registration_number,
        "RegistrationDate": a.registration_date.as_ref().map(format_date),
        "CertificateAppliedDate": a.certificate_applied_date.as_ref().map(format_date),
        "CertificateReceivedDate": a.certificate_received_date.as_ref().map(format_date),
        "LastModified": format_date(&a.last_modified),
    })
}

/// A review as a search returns it.
fn review_row(r: &Review) -> Value {
    json!({
        "ID": r.id,
        "LearnerID": r.learner_id,
        "AssessorID": r.assessor_id,
        "ScheduledFor": r.scheduled_for.as_ref().map(format_date),
        "StartedOn": r.started_on.as_ref().map(format_date),
        "AssessorSignedOn": r.assessor_signed_on.as_ref().map(format_date),
        "LearnerSignedOn": r.learner_signed_on.as_ref().map(format_date),
        "LastModified": format_date(&r.last_modified),
    })
}
