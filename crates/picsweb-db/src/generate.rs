//! Generated PICSWeb data for the demo, the benchmarks and tests: deterministic from a
//! seed, with the variety a real provider has (learners who cannot be uploaded and why,
//! qualifications that match no OneFile standard, reviews without a start time, ...).
//!
//! Every value is synthetic. Rows are inserted with `UNNEST` in large batches, so a
//! hundred thousand learners take seconds.

use chrono::{Duration, NaiveDate, NaiveTime};
use sqlx::PgPool;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateSpec {
    /// How many learners.
    pub learners: usize,
    /// The seed: the same seed gives the same data.
    pub seed: u64,
    /// The first learner's ID (the rest follow).
    pub first_learner_id: i64,
    /// Include learners that cannot be uploaded (no e-mail, no main officer, no employer).
    pub with_refusals: bool,
    /// The date "today" for statuses and end dates.
    pub today: NaiveDate,
}

/// What was generated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated {
    /// Learners inserted.
    pub learners: usize,
    /// Of those, learners missing data OneFile requires.
    pub refusable: usize,
    /// Learner qualifications inserted.
    pub qualifications: usize,
    /// Reviews inserted.
    pub reviews: usize,
}

const FIRST: [&str; 12] = [
    "Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hamza", "Isla", "Jack", "Kai", "Lily",
];
const LAST: [&str; 10] = [
    "Patel", "Smith", "Jones", "Khan", "Brown", "Taylor", "Wilson", "Evans", "Thomas", "Roberts",
];
const TAGS: [&str; 5] = ["Bristol", "Leeds", "Manchester", "Online", "Nowhere"];
const OFFICERS: i64 = 20;
const ORGANISATIONS: i64 = 40;
const QUALIFICATIONS: i64 = 30;

/// Reference data every generated learner uses: settings, officers, organisations and
/// the qualification catalogue. Idempotent.
pub async fn reference_data(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::raw_sql(&format!(
        "INSERT INTO picsweb.onefile_settings (id, onefile_organisation_id, default_classroom_id, use_main_tag_as_classroom, review_visit_type, demographics_mode)
         VALUES (1, 1, 904, true, 2, 'Ignore') ON CONFLICT (id) DO NOTHING;
         INSERT INTO picsweb.officer (officer_id, first_name, surname, email)
         SELECT i, 'Officer', 'Number ' || i, 'officer' || i || '@provider.test' FROM generate_series(1, {OFFICERS}) i
         ON CONFLICT DO NOTHING;
         INSERT INTO picsweb.organisation (organisation_id, name)
         SELECT i, 'Employer ' || i || ' Ltd' FROM generate_series(1, {ORGANISATIONS}) i ON CONFLICT DO NOTHING;
         INSERT INTO picsweb.qualification (qualification_id, title, vq_reference)
         SELECT i, 'Standard ' || i,
                CASE WHEN i > 25 THEN 'ZZ99' || lpad(i::text, 2, '0')
                     ELSE 'ST' || lpad(i::text, 4, '0') || (ARRAY['', 'AS', 'OP', 'GW', 'EP'])[1 + i % 5] END
         FROM generate_series(1, {QUALIFICATIONS}) i ON CONFLICT DO NOTHING;"
    ))
    .execute(pool)
    .await
    .map(drop)
}

/// Columns of the learner table, one vector each, for `UNNEST`.
#[derive(Debug, Default)]
struct LearnerRows {
    id: Vec<i64>,
    first: Vec<String>,
    last: Vec<String>,
    email: Vec<Option<String>>,
    mobile: Vec<Option<String>>,
    dob: Vec<NaiveDate>,
    uln: Vec<String>,
    nino: Vec<String>,
    start: Vec<NaiveDate>,
    end: Vec<NaiveDate>,
    actual_end: Vec<Option<NaiveDate>>,
    officer: Vec<Option<i64>>,
    tag: Vec<Option<String>>,
    sex: Vec<String>,
    system_status: Vec<String>,
    learning_status: Vec<String>,
}

/// Placement columns, for `UNNEST`.
#[derive(Debug, Default)]
struct PlacementRows {
    id: Vec<i64>,
    learner: Vec<i64>,
    organisation: Vec<i64>,
    kind: Vec<String>,
    start: Vec<NaiveDate>,
}

/// Learner qualification columns, for `UNNEST`.
#[derive(Debug, Default)]
struct PlanRows {
    id: Vec<i64>,
    learner: Vec<i64>,
    qualification: Vec<i64>,
    assessor: Vec<Option<i64>>,
    has_units: Vec<bool>,
}

/// Review columns, for `UNNEST`.
#[derive(Debug, Default)]
struct ReviewRows {
    id: Vec<i64>,
    learner: Vec<i64>,
    officer: Vec<Option<i64>>,
    date: Vec<Option<NaiveDate>>,
    time: Vec<Option<NaiveTime>>,
}

/// Placements, learner qualifications and reviews of a batch of learners.
#[derive(Debug, Default)]
struct ChildRows {
    placement: PlacementRows,
    lq: PlanRows,
    review: ReviewRows,
}

/// Inserts `spec.learners` learners (not enrolled) with their placements, delivery plans
/// and reviews, plus the reference data.
pub async fn generate(pool: &PgPool, spec: &GenerateSpec) -> sqlx::Result<Generated> {
    reference_data(pool).await?;
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    let mut total = Generated::default();
    for chunk_start in (0..spec.learners).step_by(5_000) {
        let count = (spec.learners - chunk_start).min(5_000);
        let (mut l, mut c) = (LearnerRows::default(), ChildRows::default());
        for i in chunk_start..chunk_start + count {
            let id = spec.first_learner_id + i as i64;
            let refusal = learner(&mut rng, spec, id, &mut l);
            total.refusable += usize::from(refusal.is_some());
            children(
                &mut rng,
                spec,
                id,
                refusal == Some(Refusal::Placement),
                &mut c,
                &mut total,
            );
        }
        insert(pool, &l, &c).await?;
        total.learners += count;
    }
    Ok(total)
}

/// What a learner that cannot be uploaded lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Email,
    MainOfficer,
    Placement,
}

/// Adds one learner; returns what it lacks when it cannot be uploaded.
fn learner(
    rng: &mut fastrand::Rng,
    spec: &GenerateSpec,
    id: i64,
    l: &mut LearnerRows,
) -> Option<Refusal> {
    let refusal = (spec.with_refusals && rng.u8(..100) < 8)
        .then(|| [Refusal::Email, Refusal::MainOfficer, Refusal::Placement][rng.usize(..3)]);
    l.id.push(id);
    l.first.push(FIRST[rng.usize(..FIRST.len())].to_owned());
    l.last.push(LAST[rng.usize(..LAST.len())].to_owned());
    l.email
        .push((refusal != Some(Refusal::Email)).then(|| format!("learner{id}@example.test")));
    l.mobile.push(
        rng.bool()
            .then(|| format!("07700{:06}", rng.u32(..1_000_000))),
    );
    l.dob
        .push(spec.today - Duration::days(i64::from(rng.u32(16 * 365..30 * 365))));
    l.uln
        .push(format!("{:010}", rng.u64(1_000_000_000..10_000_000_000)));
    l.nino.push(format!("QQ{:06}C", rng.u32(..1_000_000)));
    let start = spec.today - Duration::days(i64::from(rng.u32(30..500)));
    l.start.push(start);
    l.end
        .push(start + Duration::days(i64::from(rng.u32(365..730))));
    l.officer
        .push((refusal != Some(Refusal::MainOfficer)).then(|| rng.i64(1..=OFFICERS)));
    l.tag
        .push(rng.bool().then(|| TAGS[rng.usize(..TAGS.len())].to_owned()));
    l.sex.push(if rng.bool() { "F" } else { "M" }.to_owned());
    l.system_status.push(
        if rng.u8(..100) < 97 {
            "Live"
        } else {
            "Archived"
        }
        .to_owned(),
    );
    let (status, actual_end) = match rng.u8(..100) {
        0..85 => ("In Learning", None),
        85..93 => (
            "Completed",
            Some(spec.today - Duration::days(i64::from(rng.u32(1..60)))),
        ),
        93..97 => (
            "Withdrawn",
            Some(spec.today - Duration::days(i64::from(rng.u32(1..90)))),
        ),
        _ => ("Break", None),
    };
    l.learning_status.push(status.to_owned());
    l.actual_end.push(actual_end);
    refusal
}

/// Adds a learner's placements, delivery plan and reviews.
fn children(
    rng: &mut fastrand::Rng,
    spec: &GenerateSpec,
    id: i64,
    no_placement: bool,
    c: &mut ChildRows,
    total: &mut Generated,
) {
    if !no_placement {
        for k in 0..rng.i64(1..=2) {
            let kind = if k == 0 {
                "P"
            } else {
                ["W", "S"][rng.usize(..2)]
            };
            c.placement.id.push(id * 10 + k);
            c.placement.learner.push(id);
            c.placement.organisation.push(rng.i64(1..=ORGANISATIONS));
            c.placement.kind.push(kind.to_owned());
            c.placement
                .start
                .push(spec.today - Duration::days(i64::from(rng.u32(30..400))));
        }
    }
    // Distinct qualifications per learner: a delivery plan does not hold one twice.
    let first_qualification = rng.i64(0..QUALIFICATIONS);
    for k in 0..rng.i64(1..=2) {
        c.lq.id.push(id * 10 + k);
        c.lq.learner.push(id);
        c.lq.qualification
            .push((first_qualification + k * 7) % QUALIFICATIONS + 1);
        c.lq.assessor
            .push((rng.u8(..100) < 80).then(|| rng.i64(1..=OFFICERS)));
        c.lq.has_units.push(rng.u8(..100) < 20);
        total.qualifications += 1;
    }
    for k in 0..rng.i64(0..=3) {
        c.review.id.push(id * 10 + k);
        c.review.learner.push(id);
        c.review
            .officer
            .push((rng.u8(..100) < 70).then(|| rng.i64(1..=OFFICERS)));
        c.review.date.push(
            (rng.u8(..100) < 90).then(|| spec.today + Duration::days(k * 30 - 60 + rng.i64(0..30))),
        );
        c.review.time.push((rng.u8(..100) < 85).then(|| {
            NaiveTime::from_hms_opt(rng.u32(8..18), [0, 30][rng.usize(..2)], 0).unwrap_or_default()
        }));
        total.reviews += 1;
    }
}

async fn insert(pool: &PgPool, l: &LearnerRows, c: &ChildRows) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO picsweb.learner (learner_id, first_name, surname, email, mobile, dob, uln, nino, start_date,
             planned_end_date, actual_end_date, main_officer_id, main_tag, sex, system_status, learning_status, ethnicity, disability)
         SELECT *, 31::smallint, 98::smallint FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[],
             $7::text[], $8::text[], $9::date[], $10::date[], $11::date[], $12::bigint[], $13::text[], $14::text[], $15::text[], $16::text[])",
    )
    .bind(&l.id).bind(&l.first).bind(&l.last).bind(&l.email).bind(&l.mobile).bind(&l.dob)
    .bind(&l.uln).bind(&l.nino).bind(&l.start).bind(&l.end).bind(&l.actual_end).bind(&l.officer)
    .bind(&l.tag).bind(&l.sex).bind(&l.system_status).bind(&l.learning_status)
    .execute(&mut *tx)
    .await?;
    let p = &c.placement;
    sqlx::query("INSERT INTO picsweb.placement (placement_id, learner_id, organisation_id, placement_type, start_date)
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::date[])")
        .bind(&p.id).bind(&p.learner).bind(&p.organisation).bind(&p.kind).bind(&p.start)
        .execute(&mut *tx)
        .await?;
    let q = &c.lq;
    sqlx::query("INSERT INTO picsweb.learner_qualification (learner_qualification_id, learner_id, qualification_id, assessor_officer_id, has_units)
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::boolean[])")
        .bind(&q.id).bind(&q.learner).bind(&q.qualification).bind(&q.assessor).bind(&q.has_units)
        .execute(&mut *tx)
        .await?;
    let r = &c.review;
    sqlx::query("INSERT INTO picsweb.review (review_id, learner_id, officer_id, scheduled_date, start_time)
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::date[], $5::time[])")
        .bind(&r.id).bind(&r.learner).bind(&r.officer).bind(&r.date).bind(&r.time)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
