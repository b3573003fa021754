//! The legacy strategy, measured side by side with ours: one call at a time; on a `429`,
//! sleep a whole window, then carry on. It makes the same OneFile calls as the consumer
//! (the same upload rules, per-learner refresh), so the difference is the strategy alone.

use domain::model::LearnerBundle;
use domain::upload::{
    Classroom, LearnerUpload, Standard, check_required, choose_classroom, employer,
    officers_needed, standards_to_assign, uploadable_reviews,
};
use onefile_client::model::{
    LearningAimFilter, NewPlacement, NewUser, OrganisationFilter, ReviewFilter, UserDetails, role,
};
use onefile_client::search::{CLASSROOMS, LEARNING_AIMS, REVIEWS, STANDARDS};
use onefile_client::{ClientConfig, OneFileClient, OneFileError, Ungated};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The legacy sync against one OneFile.
#[derive(Debug)]
pub struct Legacy {
    client: OneFileClient,
    window: Duration,
    org: i64,
    officers: HashMap<i64, i64>,
    organisations: HashMap<i64, i64>,
    /// PICSWeb learner_id → OneFile user ID, for learners it uploaded.
    pub learners: HashMap<i64, i64>,
    standards: Vec<Standard>,
    classrooms: Vec<Classroom>,
}

impl Legacy {
    /// A legacy sync for organisation `org`, sleeping `window` after each `429`.
    pub fn new(client: ClientConfig, window: Duration, org: i64) -> Result<Self, OneFileError> {
        Ok(Self {
            client: OneFileClient::new(client, Arc::new(Ungated))?,
            window,
            org,
            officers: HashMap::new(),
            organisations: HashMap::new(),
            learners: HashMap::new(),
            standards: Vec::new(),
            classrooms: Vec::new(),
        })
    }

    /// One call: on a 429 sleep a full window and try again; retry a few transient faults.
    async fn call<T, F, Fut>(&self, mut op: F) -> Result<T, OneFileError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, OneFileError>>,
    {
        let mut faults = 0;
        loop {
            match op().await {
                Err(OneFileError::RateLimited { .. }) => tokio::time::sleep(self.window).await,
                Err(OneFileError::Transient { .. }) if faults < 5 => {
                    faults += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                other => return other,
            }
        }
    }

    async fn catalog(&mut self) -> Result<(), OneFileError> {
        if self.standards.is_empty() {
            let filter = OrganisationFilter {
                organisation_id: self.org,
            };
            let rows = self
                .call(|| self.client.search_all(&STANDARDS, filter))
                .await?;
            self.standards = rows
                .into_iter()
                .map(|s| Standard {
                    id: s.id,
                    title: s.title,
                    reference: s.reference,
                })
                .collect();
            let rows = self
                .call(|| self.client.search_all(&CLASSROOMS, filter))
                .await?;
            self.classrooms = rows
                .into_iter()
                .map(|c| Classroom {
                    id: c.id,
                    name: c.name,
                })
                .collect();
        }
        Ok(())
    }

    /// Uploads one learner the way the consumer would, one call at a time. Learners
    /// missing required data are skipped, as the consumer skips them.
    pub async fn enrol(&mut self, b: &LearnerBundle) -> Result<(), OneFileError> {
        if check_required(b).is_err() {
            return Ok(());
        }
        self.catalog().await?;
        for officer in officers_needed(b) {
            if self.officers.contains_key(&officer.officer_id) {
                continue;
            }
            let user = NewUser {
                organisation_id: self.org,
                first_name: officer.first_name.clone(),
                last_name: officer.surname.clone(),
                role: role::ASSESSOR,
                mis_id: Some(officer.officer_id.to_string()),
                ..NewUser::default()
            };
            let id = self.call(|| self.client.create_user(&user)).await?.id;
            self.officers.insert(officer.officer_id, id);
        }
        let Some(employer) = employer(&b.placements) else {
            return Ok(());
        };
        if !self.organisations.contains_key(&employer.organisation_id) {
            let placement = NewPlacement {
                organisation_id: self.org,
                name: employer.name.clone(),
                mis_id: employer.organisation_id.to_string(),
            };
            let id = self
                .call(|| self.client.create_placement(&placement))
                .await?
                .id;
            self.organisations.insert(employer.organisation_id, id);
        }
        let up = LearnerUpload::from_learner(&b.learner);
        let user = NewUser {
            organisation_id: self.org,
            first_name: up.first_name,
            last_name: up.last_name,
            role: role::LEARNER,
            mis_id: Some(up.mis_id),
            email: up.email,
            default_assessor_id: b
                .learner
                .main_officer_id
                .and_then(|id| self.officers.get(&id).copied()),
            classroom_id: Some(choose_classroom(&b.learner, &b.settings, &self.classrooms)),
            placement_id: self.organisations.get(&employer.organisation_id).copied(),
            details: UserDetails {
                dob: up.dob,
                uln: up.uln,
                nino: up.nino,
                mobile_number: up.mobile,
                ..UserDetails::default()
            },
        };
        let learner = self.call(|| self.client.create_user(&user)).await?.id;
        self.learners.insert(b.learner.learner_id, learner);
        for assignment in standards_to_assign(b, &self.standards) {
            self.call(|| self.client.assign_standard(assignment.standard_id, learner))
                .await?;
        }
        for (_, upload) in uploadable_reviews(b) {
            let Some(&assessor) = self.officers.get(&upload.assessor_officer_id) else {
                continue;
            };
            let review = consumer::enrol::new_review(learner, assessor, &upload);
            self.call(|| self.client.create_review(&review)).await?;
        }
        Ok(())
    }

    /// Refreshes one learner it uploaded: its learning aims and its reviews.
    pub async fn refresh(&self, learner_id: i64) -> Result<(), OneFileError> {
        let Some(&user) = self.learners.get(&learner_id) else {
            return Ok(());
        };
        let aims = LearningAimFilter {
            user_id: Some(user),
            ..LearningAimFilter::default()
        };
        self.call(|| self.client.search_all(&LEARNING_AIMS, aims.clone()))
            .await?;
        let reviews = ReviewFilter {
            learner_id: Some(user),
            ..ReviewFilter::default()
        };
        self.call(|| self.client.search_all(&REVIEWS, reviews.clone()))
            .await?;
        Ok(())
    }
}
