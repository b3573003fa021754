//! Small PICSWeb fixtures written with plain SQL, for tests that need a few rows.

use sqlx::PgPool;

/// Inserts the settings row and one officer (id 1) and organisation (id 1).
pub async fn base(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::raw_sql(
        "INSERT INTO picsweb.onefile_settings (onefile_organisation_id, default_classroom_id) VALUES (1, 1);
         INSERT INTO picsweb.officer (officer_id, first_name, surname) VALUES (1, 'Olive', 'Officer');
         INSERT INTO picsweb.organisation (organisation_id, name) VALUES (1, 'Acme Ltd');",
    )
    .execute(pool)
    .await
    .map(drop)
}

/// Inserts learner `id` with an e-mail, the main officer 1 and a placement at
/// organisation 1; `enrolled` sets onefile_enrolled.
pub async fn learner(pool: &PgPool, id: i64, enrolled: bool) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO picsweb.learner (learner_id, first_name, surname, email, main_officer_id, onefile_enrolled)
         VALUES ($1, 'Lena', 'Learner', 'lena@example.test', 1, $2)",
    )
    .bind(id)
    .bind(enrolled)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO picsweb.placement (placement_id, learner_id, organisation_id, placement_type, start_date)
         VALUES ($1, $1, 1, 'P', DATE '2026-09-01')",
    )
    .bind(id)
    .execute(pool)
    .await
    .map(drop)
}

/// Inserts review `id` of `learner_id`, scheduled with a start time and officer 1.
pub async fn review(pool: &PgPool, id: i64, learner_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO picsweb.review (review_id, learner_id, officer_id, scheduled_date, start_time)
         VALUES ($1, $2, 1, DATE '2026-12-10', TIME '10:00')",
    )
    .bind(id)
    .bind(learner_id)
    .execute(pool)
    .await
    .map(drop)
}

/// Rows waiting in the outbox.
pub async fn outbox_len(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM onefile_sync.outbox")
        .fetch_one(pool)
        .await
}

/// A learner who exercises every upload rule (on top of `generate::reference_data`):
/// three placements (the most recent 'P' is organisation 7), a qualification matching
/// ST0002 (vq 'ST0002OP', assessor 4) and one matching nothing (assessor 5), a review
/// with its own officer 6, one falling back to the main officer 3, one without a start
/// time, and main tag 'Leeds'.
pub async fn rules_learner(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO picsweb.learner (learner_id, first_name, surname, email, main_officer_id, main_tag, dob, uln, nino, ethnicity, sex, disability)
         VALUES ($1, 'Rita', 'Rules', 'rita@example.test', 3, 'Leeds', DATE '2003-04-05', '1234567890', 'QQ123456C', 31, 'F', 98)",
    )
    .bind(id)
    .execute(pool)
    .await?;
    for (k, org, kind, start) in [
        (1, 7, "P", "2025-01-01"),
        (2, 8, "W", "2026-06-01"),
        (3, 9, "P", "2024-01-01"),
    ] {
        sqlx::query(
            "INSERT INTO picsweb.placement (placement_id, learner_id, organisation_id, placement_type, start_date)
             VALUES ($1, $2, $3, $4, $5::date)",
        )
        .bind(id * 10 + k)
        .bind(id)
        .bind(org)
        .bind(kind)
        .bind(start)
        .execute(pool)
        .await?;
    }
    for (k, qual, assessor) in [(1, 2, 4), (2, 27, 5)] {
        sqlx::query(
            "INSERT INTO picsweb.learner_qualification (learner_qualification_id, learner_id, qualification_id, assessor_officer_id)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id * 10 + k)
        .bind(id)
        .bind(qual)
        .bind(assessor)
        .execute(pool)
        .await?;
    }
    for (k, officer, date, time) in [
        (1, Some(6), "2026-12-10", Some("10:00")),
        (2, None, "2026-12-11", Some("14:30")),
        (3, Some(6), "2026-12-12", None),
    ] {
        sqlx::query(
            "INSERT INTO picsweb.review (review_id, learner_id, officer_id, scheduled_date, start_time)
             VALUES ($1, $2, $3, $4::date, $5::time)",
        )
        .bind(id * 10 + k)
        .bind(id)
        .bind(officer)
        .bind(date)
        .bind(time)
        .execute(pool)
        .await?;
    }
    Ok(())
}
