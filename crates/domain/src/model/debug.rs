//! Hand-written `Debug` for the tables that hold personal data, so that logging a learner
//! or an officer with `{:?}` shows IDs and statuses but never names, contact details,
//! DOB, ULN, NINO or the ethnicity, sex and disability codes.

use std::fmt;

use super::{Learner, Officer};
use crate::redact::{Redacted, opt};

impl fmt::Debug for Officer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Officer")
            .field("officer_id", &self.officer_id)
            .field("first_name", &Redacted)
            .field("surname", &Redacted)
            .field("email", &opt(self.email.as_ref()))
            .field("onefile_id", &self.onefile_id)
            .finish()
    }
}

impl fmt::Debug for Learner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Learner")
            .field("learner_id", &self.learner_id)
            .field("first_name", &Redacted)
            .field("surname", &Redacted)
            .field("email", &opt(self.email.as_ref()))
            .field("telephone", &opt(self.telephone.as_ref()))
            .field("mobile", &opt(self.mobile.as_ref()))
            .field("dob", &opt(self.dob.as_ref()))
            .field("uln", &opt(self.uln.as_ref()))
            .field("nino", &opt(self.nino.as_ref()))
            .field("start_date", &self.start_date)
            .field("planned_end_date", &self.planned_end_date)
            .field("actual_end_date", &self.actual_end_date)
            .field("main_officer_id", &self.main_officer_id)
            .field("main_tag", &self.main_tag)
            .field("ethnicity", &opt(self.ethnicity.as_ref()))
            .field("sex", &opt(self.sex.as_ref()))
            .field("disability", &opt(self.disability.as_ref()))
            .field("system_status", &self.system_status)
            .field("learning_status", &self.learning_status)
            .field("onefile_enrolled", &self.onefile_enrolled)
            .field("onefile_id", &self.onefile_id)
            .field("onefile_synced_at", &self.onefile_synced_at)
            .field("onefile_sync_error", &self.onefile_sync_error)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}
