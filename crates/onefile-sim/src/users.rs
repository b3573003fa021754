//! Users and placements: create, update, read and search, with OneFile's per-role
//! validation. Every change sets `LastModified`.

use serde_json::{Value, json};

use crate::input::{self, Obj};
use crate::model::{Placement, User, format_date, now_ms};
use crate::search::{Filter, Page, at_or_after, matches, matches_text};
use crate::state::{ApiResult, Rejection, State};

/// OneFile role codes.
pub const ROLES: [i64; 6] = [1, 4, 5, 10, 40, 45];
/// Learner role.
pub const LEARNER: i64 = 1;

/// Whether `role` may be a learner's assessor.
pub fn is_assessor_role(role: Option<i64>) -> bool {
    matches!(role, Some(4 | 5))
}

impl State {
    /// `POST /User`: answers `{"ID", "Username"}`.
    pub fn create_user(&mut self, obj: &Obj) -> ApiResult<Value> {
        let mut user = User::default();
        input::apply_user(&mut user, obj)?;
        self.validate_user(&user)?;
        user.id = self.new_user_id();
        user.username = format!("user{}", user.id);
        user.last_modified = now_ms();
        let answer = json!({ "ID": user.id, "Username": user.username });
        self.users.insert(user.id, user);
        Ok(answer)
    }

    /// `POST /User/{id}`: updates the fields given.
    pub fn update_user(&mut self, id: i64, obj: &Obj) -> ApiResult<()> {
        let mut user = self
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| Rejection::NotFound(format!("No user with ID {id}")))?;
        input::apply_user(&mut user, obj)?;
        self.validate_user(&user)?;
        user.last_modified = now_ms();
        self.users.insert(id, user);
        Ok(())
    }

    /// `GET /User/{id}`.
    pub fn get_user(&self, id: i64) -> ApiResult<Value> {
        let user = self
            .users
            .get(&id)
            .ok_or_else(|| Rejection::NotFound(format!("No user with ID {id}")))?;
        serde_json::to_value(user).map_err(|e| Rejection::BadRequest(e.to_string()))
    }

    /// `POST /User/Search/{page}/{size}`.
    pub fn search_users(&self, filter: &Obj, page: Page) -> ApiResult<Vec<Value>> {
        let f = Filter(filter);
        let org = f.int("OrganisationID")?;
        let role = f.int("Role")?;
        let misid = f.text("MISID")?;
        let first = f.text("FirstName")?;
        let last = f.text("LastName")?;
        let from = f.date("LastModifiedFrom")?;
        let rows = self
            .users
            .values()
            .filter(|u| matches(org.as_ref(), u.organisation_id.as_ref()))
            .filter(|u| matches(role.as_ref(), u.role.as_ref()))
            .filter(|u| matches(misid.as_ref(), u.misid.as_ref()))
            .filter(|u| matches_text(first.as_ref(), u.first_name.as_ref()))
            .filter(|u| matches_text(last.as_ref(), u.last_name.as_ref()))
            .filter(|u| at_or_after(from, Some(u.last_modified)))
            .map(|u| {
                json!({
                    "ID": u.id,
                    "FirstName": u.first_name,
                    "LastName": u.last_name,
                    "MISID": u.misid,
                    "Role": u.role,
                    "LastModified": format_date(&u.last_modified),
                })
            });
        Ok(page.cut(rows))
    }

    /// `POST /Placement`: answers `{"ID"}`.
    pub fn create_placement(&mut self, obj: &Obj) -> ApiResult<Value> {
        let mut placement = Placement::default();
        input::apply_placement(&mut placement, obj)?;
        self.check_organisation(placement.organisation_id)?;
        require_text(placement.name.as_ref(), "Name")?;
        placement.id = self.new_placement_id();
        placement.last_modified = now_ms();
        let answer = json!({ "ID": placement.id });
        self.placements.insert(placement.id, placement);
        Ok(answer)
    }

    /// `POST /Placement/Search/{page}/{size}`.
    pub fn search_placements(&self, filter: &Obj, page: Page) -> ApiResult<Vec<Value>> {
        let f = Filter(filter);
        let org = f.int("OrganisationID")?;
        let misid = f.text("MISID")?;
        let name = f.text("Name")?;
        let rows = self
            .placements
            .values()
            .filter(|p| matches(org.as_ref(), p.organisation_id.as_ref()))
            .filter(|p| matches(misid.as_ref(), p.misid.as_ref()))
            .filter(|p| matches_text(name.as_ref(), p.name.as_ref()))
            .map(|p| json!({ "ID": p.id, "Name": p.name, "MISID": p.misid }));
        Ok(page.cut(rows))
    }

    /// `400` unless `org` is this simulator's organisation.
    pub fn check_organisation(&self, org: Option<i64>) -> ApiResult<()> {
        let expected = self.config.organisation_id;
        match org {
            None => Err(bad("OrganisationID is required")),
            Some(id) if id == expected => Ok(()),
            Some(id) => Err(Rejection::BadRequest(format!(
                "OrganisationID {id} is not an organisation this token may use (expected {expected})"
            ))),
        }
    }

    /// OneFile's rules for a user as it would be stored.
    fn validate_user(&self, user: &User) -> ApiResult<()> {
        self.check_organisation(user.organisation_id)?;
        let role = user.role.ok_or_else(|| bad("Role is required"))?;
        if !ROLES.contains(&role) {
            return Err(Rejection::BadRequest(format!(
                "Role {role} is not a OneFile role (1, 4, 5, 10, 40 or 45)"
            )));
        }
        require_text(user.first_name.as_ref(), "FirstName")?;
        require_text(user.last_name.as_ref(), "LastName")?;
        if role != 5 {
            let email = require_text(user.email.as_ref(), "Email")?;
            if !email.contains('@') {
                return Err(bad("Email is not an e-mail address"));
            }
        }
        if role == LEARNER {
            let assessor = user
                .default_assessor_id
                .ok_or_else(|| bad("DefaultAssessorID is required for a learner"))?;
            let assessor_role = self.users.get(&assessor).and_then(|u| u.role);
            if !is_assessor_role(assessor_role) {
                return Err(Rejection::BadRequest(format!(
                    "DefaultAssessorID {assessor} is not a user with Role 4 or 5"
                )));
            }
            let classroom = user
                .classroom_id
                .ok_or_else(|| bad("ClassroomID is required for a learner"))?;
            if !self.classrooms.contains_key(&classroom) {
                return Err(Rejection::BadRequest(format!(
                    "ClassroomID {classroom} is not a classroom"
                )));
            }
            let placement = user
                .placement_id
                .ok_or_else(|| bad("PlacementID is required for a learner"))?;
            if !self.placements.contains_key(&placement) {
                return Err(Rejection::BadRequest(format!(
                    "PlacementID {placement} is not a placement"
                )));
            }
        }
        Ok(())
    }
}

fn bad(message: &str) -> Rejection {
    Rejection::BadRequest(message.to_owned())
}

/// The value of a required, non-blank text field.
fn require_text<'a>(value: Option<&'a String>, key: &str) -> ApiResult<&'a String> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| Rejection::BadRequest(format!("{key} is required")))
}
