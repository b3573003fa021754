//! OneFile's standards and classrooms, cached: they change rarely, and every learner
//! upload needs them. Refreshed at most hourly.

use crate::context::Ctx;
use crate::error::StepError;
use domain::upload::{Classroom, Standard};
use onefile_client::model::OrganisationFilter;
use onefile_client::search::{CLASSROOMS, STANDARDS};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long cached lists are used before they are fetched again.
pub const CATALOG_TTL: Duration = Duration::from_secs(3600);

#[derive(Debug, Default)]
struct Cached {
    standards: Option<(Instant, Arc<Vec<Standard>>)>,
    classrooms: Option<(Instant, Arc<Vec<Classroom>>)>,
}

/// The cache.
#[derive(Debug, Default)]
pub struct Catalog {
    cached: tokio::sync::Mutex<Cached>,
}

impl Catalog {
    /// The standards available to `organisation_id`.
    pub async fn standards(
        &self,
        ctx: &Ctx,
        organisation_id: i64,
    ) -> Result<Arc<Vec<Standard>>, StepError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, list)) = &cached.standards
            && at.elapsed() < CATALOG_TTL
        {
            return Ok(list.clone());
        }
        let filter = OrganisationFilter { organisation_id };
        let rows = ctx
            .call(|| ctx.client.search_all(&STANDARDS, filter))
            .await?;
        let list: Arc<Vec<Standard>> = Arc::new(
            rows.into_iter()
                .map(|s| Standard {
                    id: s.id,
                    title: s.title,
                    reference: s.reference,
                })
                .collect(),
        );
        cached.standards = Some((Instant::now(), list.clone()));
        Ok(list)
    }

    /// The classrooms of `organisation_id`.
    pub async fn classrooms(
        &self,
        ctx: &Ctx,
        organisation_id: i64,
    ) -> Result<Arc<Vec<Classroom>>, StepError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, list)) = &cached.classrooms
            && at.elapsed() < CATALOG_TTL
        {
            return Ok(list.clone());
        }
        let filter = OrganisationFilter { organisation_id };
        let rows = ctx
            .call(|| ctx.client.search_all(&CLASSROOMS, filter))
            .await?;
        let list: Arc<Vec<Classroom>> = Arc::new(
            rows.into_iter()
                .map(|c| Classroom {
                    id: c.id,
                    name: c.name,
                })
                .collect(),
        );
        cached.classrooms = Some((Instant::now(), list.clone()));
        Ok(list)
    }
}
