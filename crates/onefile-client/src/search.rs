//! Paged searches: `POST <Resource>/Search/{page}/{size}`.
//!
//! Each searchable resource is a typed [`Resource`] constant pairing its filter with its
//! row type, so a search cannot send the wrong filter or decode the wrong rows. A
//! [`Pager`] walks pages until one comes back shorter than the page size, or empty (204).

use crate::client::{OneFileClient, Result};
use crate::model::{
    Classroom, LearningAim, LearningAimFilter, OrganisationFilter, Placement, PlacementFilter,
    Review, ReviewFilter, Standard, UserFilter, UserSummary,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// The largest page OneFile serves (assumed in the contract).
pub const MAX_PAGE_SIZE: u32 = 100;

/// A searchable resource: its path, its label for pacing and metrics, its filter and rows.
#[derive(Debug)]
pub struct Resource<F, T> {
    pub(crate) path: &'static str,
    pub(crate) endpoint: &'static str,
    _types: PhantomData<fn(F) -> T>,
}

impl<F, T> Resource<F, T> {
    const fn new(path: &'static str, endpoint: &'static str) -> Self {
        Self {
            path,
            endpoint,
            _types: PhantomData,
        }
    }

    /// The label used for pacing and metrics, e.g. `POST /User/Search`.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }
}

/// `POST /User/Search`.
pub const USERS: Resource<UserFilter, UserSummary> = Resource::new("/User", "POST /User/Search");
/// `POST /Placement/Search`.
pub const PLACEMENTS: Resource<PlacementFilter, Placement> =
    Resource::new("/Placement", "POST /Placement/Search");
/// `POST /Classroom/Search`.
pub const CLASSROOMS: Resource<OrganisationFilter, Classroom> =
    Resource::new("/Classroom", "POST /Classroom/Search");
/// `POST /Standard/Search`.
pub const STANDARDS: Resource<OrganisationFilter, Standard> =
    Resource::new("/Standard", "POST /Standard/Search");
/// `POST /LearningAim/Search`.
pub const LEARNING_AIMS: Resource<LearningAimFilter, LearningAim> =
    Resource::new("/LearningAim", "POST /LearningAim/Search");
/// `POST /Review/Search`.
pub const REVIEWS: Resource<ReviewFilter, Review> = Resource::new("/Review", "POST /Review/Search");

/// Walks a search one page at a time, so large organisation-wide searches can be
/// processed (and checkpointed) as they arrive.
#[derive(Debug)]
pub struct Pager<'a, F, T> {
    client: &'a OneFileClient,
    resource: &'a Resource<F, T>,
    filter: F,
    page_size: u32,
    next: u32,
    done: bool,
}

impl<'a, F: Serialize + Sync, T: DeserializeOwned> Pager<'a, F, T> {
    pub(crate) fn new(
        client: &'a OneFileClient,
        resource: &'a Resource<F, T>,
        filter: F,
        page_size: u32,
    ) -> Self {
        Self {
            client,
            resource,
            filter,
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            next: 1,
            done: false,
        }
    }

    /// The number of the page the next call fetches (from 1).
    pub fn page_number(&self) -> u32 {
        self.next
    }

    /// The next page, or `None` once a short page or `204` has ended the search.
    ///
    /// A failed fetch can be retried by calling again: the pager stays on that page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .client
            .search(self.resource, &self.filter, self.next, self.page_size)
            .await?;
        self.next += 1;
        let len = u32::try_from(page.len()).unwrap_or(u32::MAX);
        if len < self.page_size {
            self.done = true;
        }
        if page.is_empty() {
            return Ok(None);
        }
        Ok(Some(page))
    }
}
