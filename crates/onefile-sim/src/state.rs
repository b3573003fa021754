//! The simulator's whole in-memory state behind one mutex: configuration, limiter,
//! statistics, session tokens and entities. Request handling is split over `gate`
//! (admission), `users` and `learning` (the API's operations) and `advance`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde_json::Value;

use crate::config::SimConfig;
use crate::input::{self, Obj};
use crate::limiter::Limiter;
use crate::model::{
    Classroom, EntityKind, LearningAim, Placement, Review, SimSnapshot, Standard, User, now_ms,
};
use crate::stats::{SimStats, StatsCollector};

/// Seeded classrooms: ID and name.
const CLASSROOMS: [(i64, &str); 4] = [
    (901, "Bristol"),
    (902, "Leeds"),
    (903, "Manchester"),
    (904, "Online"),
];

/// Occupations the seeded standards' titles are drawn from.
const OCCUPATIONS: [&str; 12] = [
    "Business Administrator",
    "Customer Service Practitioner",
    "Team Leader or Supervisor",
    "Software Developer",
    "Data Analyst",
    "Accounts or Finance Assistant",
    "Hospitality Team Member",
    "Early Years Educator",
    "Adult Care Worker",
    "Retail Team Member",
    "Digital Marketer",
    "Engineering Technician",
];

/// Why the API refuses an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// `400` with this message.
    BadRequest(String),
    /// `404` with this message.
    NotFound(String),
}

impl From<String> for Rejection {
    fn from(message: String) -> Self {
        Self::BadRequest(message)
    }
}

/// Result of an API operation.
pub type ApiResult<T> = Result<T, Rejection>;

/// First ID of each entity kind: distinct ranges make mixed-up IDs fail loudly.
const USER_IDS: i64 = 1_000_001;
const PLACEMENT_IDS: i64 = 2_000_001;
const AIM_IDS: i64 = 3_000_001;
const REVIEW_IDS: i64 = 4_000_001;
const STANDARD_IDS: i64 = 5001;

/// All simulator state.
#[derive(Debug)]
pub struct State {
    /// Configuration, including the settings faults change at run time.
    pub config: SimConfig,
    /// Rate-limit decisions.
    pub limiter: Limiter,
    /// Counters for [`SimStats`].
    pub stats: StatsCollector,
    /// Faults and latency, drawn in call order.
    pub fault_rng: fastrand::Rng,
    token_rng: fastrand::Rng,
    tokens: HashMap<String, Instant>,
    /// Users by ID.
    pub users: BTreeMap<i64, User>,
    /// Placements by ID.
    pub placements: BTreeMap<i64, Placement>,
    /// Seeded classrooms by ID.
    pub classrooms: BTreeMap<i64, Classroom>,
    /// Seeded standards by ID.
    pub standards: BTreeMap<i64, Standard>,
    /// Learning aims by ID.
    pub aims: BTreeMap<i64, LearningAim>,
    /// Reviews by ID.
    pub reviews: BTreeMap<i64, Review>,
    next_user: i64,
    next_placement: i64,
    next_aim: i64,
    next_review: i64,
}

impl State {
    /// Fresh state with seeded classrooms and standards; windows start now.
    pub fn new(config: SimConfig) -> Self {
        let origin = Instant::now();
        let mut limiter = Limiter::new(config.limit, config.window, config.shape, origin);
        limiter.set_lockout(config.lockout_after, config.lockout);
        let classrooms = CLASSROOMS
            .iter()
            .map(|&(id, name)| {
                let name = name.to_owned();
                (id, Classroom { id, name })
            })
            .collect();
        Self {
            stats: StatsCollector::new(origin, config.window),
            fault_rng: fastrand::Rng::with_seed(config.seed),
            token_rng: fastrand::Rng::with_seed(config.seed ^ 0x5eed_70ce),
            standards: seed_standards(config.seed, config.standards),
            limiter,
            config,
            tokens: HashMap::new(),
            users: BTreeMap::new(),
            placements: BTreeMap::new(),
            classrooms,
            aims: BTreeMap::new(),
            reviews: BTreeMap::new(),
            next_user: USER_IDS,
            next_placement: PLACEMENT_IDS,
            next_aim: AIM_IDS,
            next_review: REVIEW_IDS,
        }
    }

    /// Issues a session token when `customer_token` is the API token.
    pub fn authenticate(&mut self, customer_token: Option<&str>) -> Option<String> {
        if customer_token != Some(self.config.api_token.as_str()) {
            return None;
        }
        let token: String = (0..32)
            .map(|_| char::from_digit(self.token_rng.u32(0..16), 16).unwrap_or('0'))
            .collect();
        self.tokens.insert(token.clone(), Instant::now());
        Some(token)
    }

    /// Whether `token` is a live session token (expired ones are forgotten).
    pub fn token_is_live(&mut self, token: Option<&str>) -> bool {
        let Some(token) = token else {
            return false;
        };
        let lifetime = self.config.token_lifetime;
        match self.tokens.get(token) {
            Some(issued) if issued.elapsed() < lifetime => true,
            Some(_) => {
                self.tokens.remove(token);
                false
            }
            None => false,
        }
    }

    /// Every session token answers `401` from now on.
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }

    /// The statistics report.
    pub fn stats(&self) -> SimStats {
        self.stats.report(self.config.limit, &self.snapshot())
    }

    /// A copy of every entity.
    pub fn snapshot(&self) -> SimSnapshot {
        SimSnapshot {
            users: self.users.values().cloned().collect(),
            placements: self.placements.values().cloned().collect(),
            classrooms: self.classrooms.values().cloned().collect(),
            standards: self.standards.values().cloned().collect(),
            learning_aims: self.aims.values().cloned().collect(),
            reviews: self.reviews.values().cloned().collect(),
        }
    }

    /// Sets fields directly, as an assessor would, without cross-entity validation;
    /// bumps `LastModified`. Fails on an unknown ID or a field of the wrong type.
    pub fn patch(&mut self, kind: EntityKind, id: i64, fields: Value) -> ApiResult<()> {
        let Value::Object(obj) = fields else {
            return Err(Rejection::BadRequest(
                "fields must be a JSON object".to_owned(),
            ));
        };
        let missing = || Rejection::NotFound(format!("no {kind:?} with ID {id}"));
        match kind {
            EntityKind::User => {
                let user = self.users.get_mut(&id).ok_or_else(missing)?;
                patch_entity(user, &obj, input::apply_user, |u| &mut u.last_modified)
            }
            EntityKind::Placement => {
                let placement = self.placements.get_mut(&id).ok_or_else(missing)?;
                patch_entity(placement, &obj, input::apply_placement, |p| {
                    &mut p.last_modified
                })
            }
            EntityKind::LearningAim => {
                let aim = self.aims.get_mut(&id).ok_or_else(missing)?;
                patch_entity(aim, &obj, input::apply_learning_aim, |a| {
                    &mut a.last_modified
                })
            }
            EntityKind::Review => {
                let review = self.reviews.get_mut(&id).ok_or_else(missing)?;
                patch_entity(review, &obj, input::apply_review, |r| &mut r.last_modified)
            }
        }
    }

    /// The next user ID.
    pub fn new_user_id(&mut self) -> i64 {
        bump(&mut self.next_user)
    }

    /// The next placement ID.
    pub fn new_placement_id(&mut self) -> i64 {
        bump(&mut self.next_placement)
    }

    /// The next learning aim ID.
    pub fn new_aim_id(&mut self) -> i64 {
        bump(&mut self.next_aim)
    }

    /// The next review ID.
    pub fn new_review_id(&mut self) -> i64 {
        bump(&mut self.next_review)
    }
}

fn bump(counter: &mut i64) -> i64 {
    let id = *counter;
    *counter += 1;
    id
}

/// Applies `obj` to a copy of `entity`, and keeps it only if every field parsed.
fn patch_entity<T: Clone>(
    entity: &mut T,
    obj: &Obj,
    apply: fn(&mut T, &Obj) -> Result<(), String>,
    last_modified: fn(&mut T) -> &mut chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let mut changed = entity.clone();
    apply(&mut changed, obj)?;
    *last_modified(&mut changed) = now_ms();
    *entity = changed;
    Ok(())
}

/// `count` standards `ST0001..`, titles and element counts drawn from `seed`.
fn seed_standards(seed: u64, count: u32) -> BTreeMap<i64, Standard> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x057a_dda2);
    (1..=i64::from(count))
        .map(|n| {
            let occupation = OCCUPATIONS[rng.usize(0..OCCUPATIONS.len())];
            let level = rng.u32(2..=5);
            let standard = Standard {
                id: STANDARD_IDS + n - 1,
                title: format!("{occupation} (Level {level})"),
                reference: format!("ST{n:04}"),
                total_elements: rng.i64(20..=60),
            };
            (standard.id, standard)
        })
        .collect()
}

/// The state shared by the server's tasks and every [`crate::SimHandle`].
#[derive(Debug)]
pub struct Shared {
    state: Mutex<State>,
}

impl Shared {
    /// Wraps fresh state.
    pub fn new(config: SimConfig) -> Self {
        Self {
            state: Mutex::new(State::new(config)),
        }
    }

    /// Locks the state (a panic elsewhere does not make it unusable). Never hold the
    /// guard across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
