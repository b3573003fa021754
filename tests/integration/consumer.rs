//! The consumer against the simulator, RabbitMQ and PostgreSQL.

use domain::events::Envelope;
use domain::results::{ResultBody, SyncResult};
use integration_tests::pipeline::{Options, Pipeline};
use integration_tests::{eventually, fixtures};
use onefile_sim::{Faults, SimSnapshot, WindowShape};
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

fn user_by_mis(snap: &SimSnapshot, role: i64, mis: &str) -> i64 {
    let found: Vec<_> = snap
        .users
        .iter()
        .filter(|u| u.role == Some(role) && u.misid.as_deref() == Some(mis))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one user with role {role} and MISID {mis}"
    );
    found[0].id
}

#[tokio::test]
async fn enrol_follows_every_upload_rule_and_never_creates_twice() {
    let p = Pipeline::start(Options::new(300, 6 * SECOND))
        .await
        .unwrap();
    fixtures::rules_learner(&p.env.pool, 500).await.unwrap();
    let (_amqp, mut results) = p.results().await.unwrap();
    let first = Envelope::enrol(500, "test");
    p.publish(std::slice::from_ref(&first)).await.unwrap();
    let handled = p.handled(&[first.id], 20 * SECOND).await.unwrap();
    assert_eq!(handled[0].1, "done", "{handled:?}");

    let snap = p.sim.snapshot();
    // Officers: main 3, assessors 4 and 5, review officer 6: assessors (Role 5), once each.
    for officer in ["3", "4", "5", "6"] {
        user_by_mis(&snap, 5, officer);
    }
    // Employer: the most recent 'P' placement's organisation, 7.
    assert_eq!(snap.placements.len(), 1);
    assert_eq!(snap.placements[0].misid.as_deref(), Some("7"));
    // The learner: assessor = main officer, employer, classroom from the main tag.
    let learner = snap.users.iter().find(|u| u.role == Some(1)).unwrap();
    assert_eq!(learner.misid.as_deref(), Some("500"));
    assert_eq!(
        learner.default_assessor_id,
        Some(user_by_mis(&snap, 5, "3"))
    );
    assert_eq!(learner.placement_id, Some(snap.placements[0].id));
    assert_eq!(learner.classroom_id, Some(902), "Leeds");
    assert_eq!(learner.uln.as_deref(), Some("1234567890"));
    // Qualifications: ST0002OP matches ST0002; ZZ9927 matches nothing.
    assert_eq!(snap.learning_aims.len(), 1);
    let st0002 = snap
        .standards
        .iter()
        .find(|s| s.reference == "ST0002")
        .unwrap()
        .id;
    assert_eq!(snap.learning_aims[0].standard_id, st0002);
    // Reviews: the two with date, time and officer; end = start + 1 h; visit type from settings.
    let mut reviews = snap.reviews.clone();
    reviews.sort_by_key(|r| r.scheduled_for);
    assert_eq!(reviews.len(), 2);
    assert_eq!(
        (
            reviews[0].start_time.as_deref(),
            reviews[0].end_time.as_deref()
        ),
        (Some("10:00"), Some("11:00"))
    );
    assert_eq!(reviews[0].assessor_id, Some(user_by_mis(&snap, 5, "6")));
    assert_eq!(
        (
            reviews[1].start_time.as_deref(),
            reviews[1].end_time.as_deref()
        ),
        (Some("14:30"), Some("15:30"))
    );
    assert_eq!(
        reviews[1].assessor_id,
        Some(user_by_mis(&snap, 5, "3")),
        "falls back to the main officer"
    );
    assert_eq!(reviews[0].visit_type_id, Some(2));

    // The result carries every ID for the writer.
    let message = results.next(5 * SECOND).await.unwrap().expect("a result");
    let result = SyncResult::from_json(&message.body).unwrap();
    let ResultBody::Learner(r) = result.body else {
        panic!("a learner result")
    };
    assert_eq!(r.created.learner, Some(learner.id));
    assert_eq!(r.created.officers.len(), 4);
    assert_eq!(r.created.reviews.len(), 2);
    assert_eq!(
        r.created.learning_aims,
        vec![(5001, snap.learning_aims[0].id)]
    );

    // Enrolling again (the user pressed it once more) creates nothing.
    let again = Envelope::enrol(500, "test");
    p.publish(std::slice::from_ref(&again)).await.unwrap();
    p.handled(&[again.id], 20 * SECOND).await.unwrap();
    let after = p.sim.snapshot();
    assert_eq!(after.users.len(), snap.users.len());
    assert_eq!(after.reviews.len(), 2);
    assert_eq!(after.learning_aims.len(), 1);
    let stats = p.sim.stats();
    assert!(stats.duplicate_users.is_empty() && stats.duplicate_placements.is_empty());
    assert_eq!(
        (stats.duplicate_learning_aims, stats.duplicate_reviews),
        (0, 0)
    );
}

#[tokio::test]
async fn a_learner_missing_required_data_is_not_sent_and_the_reason_is_recorded() {
    let p = Pipeline::start(Options::new(300, 6 * SECOND))
        .await
        .unwrap();
    fixtures::rules_learner(&p.env.pool, 501).await.unwrap();
    sqlx::query(
        "UPDATE picsweb.learner SET email = NULL, main_officer_id = NULL WHERE learner_id = 501",
    )
    .execute(&p.env.pool)
    .await
    .unwrap();
    let (_amqp, mut results) = p.results().await.unwrap();
    let event = Envelope::enrol(501, "test");
    p.publish(std::slice::from_ref(&event)).await.unwrap();
    let handled = p.handled(&[event.id], 20 * SECOND).await.unwrap();
    assert_eq!(handled[0].1, "failed");
    let reason = handled[0].2.clone().unwrap();
    assert!(
        reason.contains("email") && reason.contains("main officer"),
        "{reason}"
    );
    assert!(p.sim.snapshot().users.is_empty(), "nothing sent to OneFile");
    let result =
        SyncResult::from_json(&results.next(5 * SECOND).await.unwrap().unwrap().body).unwrap();
    let ResultBody::Learner(r) = result.body else {
        panic!()
    };
    assert_eq!(r.outcome, domain::results::Outcome::Failed(reason));
}

#[tokio::test]
async fn an_intent_without_an_id_is_looked_up_by_misid_not_created_again() {
    // As if the consumer died between OneFile's answer and recording the ID: OneFile has
    // the learner, the ledger only the intent.
    let p = Pipeline::start(Options::new(300, 6 * SECOND))
        .await
        .unwrap();
    fixtures::rules_learner(&p.env.pool, 502).await.unwrap();
    let event = Envelope::enrol(502, "test");
    p.publish(std::slice::from_ref(&event)).await.unwrap();
    p.handled(&[event.id], 20 * SECOND).await.unwrap();
    let before = p.sim.snapshot();
    sqlx::query("UPDATE onefile_sync.ledger SET onefile_id = NULL")
        .execute(&p.env.pool)
        .await
        .unwrap();
    let again = Envelope::enrol(502, "test");
    p.publish(std::slice::from_ref(&again)).await.unwrap();
    assert_eq!(
        p.handled(&[again.id], 20 * SECOND).await.unwrap()[0].1,
        "done"
    );
    let after = p.sim.snapshot();
    assert_eq!(after.users.len(), before.users.len());
    assert_eq!(after.placements.len(), before.placements.len());
    assert_eq!(after.learning_aims.len(), before.learning_aims.len());
    assert_eq!(after.reviews.len(), before.reviews.len());
    let unresolved: i64 =
        sqlx::query_scalar("SELECT count(*) FROM onefile_sync.ledger WHERE onefile_id IS NULL")
            .fetch_one(&p.env.pool)
            .await
            .unwrap();
    assert_eq!(unresolved, 0, "every intent resolved by search");
}

#[tokio::test]
async fn invalid_messages_are_dead_lettered_with_a_reason_and_work_goes_on() {
    let p = Pipeline::start(Options::new(300, 6 * SECOND))
        .await
        .unwrap();
    fixtures::rules_learner(&p.env.pool, 503).await.unwrap();
    let amqp = integration_tests::amqp::Amqp::connect(&p.amqp_url)
        .await
        .unwrap();
    for (body, key) in [(&b"not json"[..], "enrol"), (br#"{"schema_version":2}"#, "refresh"), (br#"{"schema_version":1,"id":"8c0d2c1e-4a43-4b59-9a8e-2f0d6f1f3b10","kind":"enrol","learner_id":-4,"review_id":null,"scope":null,"occurred_at":"2026-12-03T09:14:07Z","source":"x"}"#, "enrol")] {
        let message = producer::Outgoing {
            exchange: producer::topology::EVENTS_EXCHANGE,
            routing_key: key.to_owned(),
            body: body.to_vec(),
            message_id: "bad".into(),
            headers: lapin::types::FieldTable::default(),
        };
        p.publisher.publish(&message).await.unwrap();
    }
    let valid = Envelope::enrol(503, "test");
    p.publish(std::slice::from_ref(&valid)).await.unwrap();
    assert_eq!(
        p.handled(&[valid.id], 20 * SECOND).await.unwrap()[0].1,
        "done"
    );
    let mut dead = amqp
        .reader(producer::topology::DEAD_LETTER_QUEUE)
        .await
        .unwrap();
    let letters = dead.drain(2 * SECOND).await.unwrap();
    assert_eq!(letters.len(), 3);
    let reasons: Vec<String> = letters
        .iter()
        .map(|m| {
            let headers = m.properties.headers().clone().unwrap();
            match headers.inner().get(producer::topology::REASON_HEADER) {
                Some(lapin::types::AMQPValue::LongString(s)) => s.to_string(),
                other => panic!("no reason header: {other:?}"),
            }
        })
        .collect();
    // The lanes work in parallel, so the dead letters come in any order.
    for expected in [
        "not JSON",
        "schema_version",
        "learner_id must be a positive integer",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(expected)),
            "no reason mentions {expected:?}: {reasons:?}"
        );
    }
}

/// Enrols `n` generated learners, then refreshes each one by one; returns the events.
async fn load(p: &Pipeline, n: usize) -> Vec<Envelope> {
    let spec = picsweb_db::generate::GenerateSpec {
        learners: n,
        seed: 7,
        first_learner_id: 1,
        with_refusals: false,
        today: chrono::Utc::now().date_naive(),
    };
    picsweb_db::generate::generate(&p.env.pool, &spec)
        .await
        .unwrap();
    // Mark them uploaded so that refreshes have something to read.
    let enrols: Vec<Envelope> = (1..=n as i64)
        .map(|id| Envelope::enrol(id, "test"))
        .collect();
    p.publish(&enrols).await.unwrap();
    let ids: Vec<_> = enrols.iter().map(|e| e.id).collect();
    p.handled(&ids, 120 * SECOND).await.unwrap();
    enrols
}

async fn no_429_at_full_load(shape: WindowShape) {
    let mut options = Options::new(60, 2 * SECOND);
    options.sim.shape = shape;
    options.sim.latency = Duration::from_millis(300);
    options.sim.jitter = Duration::from_millis(50);
    options.concurrency = 32;
    let p = Pipeline::start(options).await.unwrap();
    load(&p, 40).await;
    let refreshes: Vec<Envelope> = (1..=40)
        .map(|id| Envelope::refresh_learner(id, "nightly"))
        .collect();
    p.publish(&refreshes).await.unwrap();
    let ids: Vec<_> = refreshes.iter().map(|e| e.id).collect();
    let handled = p.handled(&ids, 120 * SECOND).await.unwrap();
    assert!(
        handled.iter().all(|(_, outcome, _)| outcome == "done"),
        "{handled:?}"
    );
    let stats = p.sim.stats();
    assert_eq!(stats.refused, 0, "no 429 at full load ({shape:?})");
    assert!(
        stats.max_in_window <= 60,
        "{} calls in one window",
        stats.max_in_window
    );
    assert!(
        stats.accepted > 200,
        "the load was real: {} calls",
        stats.accepted
    );
    // Steady state uses the limit: the busiest window is near it.
    assert!(
        stats.max_in_window >= 55,
        "only {} calls in the busiest window",
        stats.max_in_window
    );
}

#[tokio::test]
async fn no_429_at_full_load_under_a_sliding_window() {
    no_429_at_full_load(WindowShape::Sliding).await;
}

#[tokio::test]
async fn no_429_at_full_load_under_a_fixed_window() {
    no_429_at_full_load(WindowShape::Fixed).await;
}

async fn survives(faults: Faults, options: Options) -> Pipeline {
    let p = Pipeline::start(options).await.unwrap();
    p.sim.set_faults(faults);
    let enrols = load(&p, 30).await;
    let ids: Vec<_> = enrols.iter().map(|e| e.id).collect();
    let handled = p.handled(&ids, 5 * SECOND).await.unwrap();
    assert!(
        handled.iter().all(|(_, outcome, _)| outcome == "done"),
        "{handled:?}"
    );
    let stats = p.sim.stats();
    assert!(
        stats.duplicate_users.is_empty(),
        "duplicates: {:?}",
        stats.duplicate_users
    );
    assert!(stats.duplicate_placements.is_empty());
    assert_eq!(
        (stats.duplicate_learning_aims, stats.duplicate_reviews),
        (0, 0)
    );
    let learners = p
        .sim
        .snapshot()
        .users
        .iter()
        .filter(|u| u.role == Some(1))
        .count();
    assert_eq!(learners, 30);
    p
}

#[tokio::test]
async fn recovers_from_a_429_storm() {
    // The consumer believes the limit is 60/s; OneFile allows 30 per 2 s.
    let mut options = Options::new(30, 2 * SECOND);
    options.pace = Some("120/2s".parse().unwrap());
    let p = survives(Faults::default(), options).await;
    assert!(p.sim.stats().refused > 0, "the storm happened");
    assert!(p.ctx.pacer.snapshot().throttled > 0);
}

#[tokio::test]
async fn recovers_from_a_lockout() {
    let mut options = Options::new(30, 2 * SECOND);
    options.pace = Some("120/2s".parse().unwrap());
    options.sim.lockout_after = Some(3);
    options.sim.lockout = SECOND;
    options.sim.retry_after = true;
    let p = survives(Faults::default(), options).await;
    assert!(p.sim.stats().refused > 0);
}

#[tokio::test]
async fn survives_expiring_sessions_5xx_and_dropped_connections() {
    let faults = Faults {
        error_rate: Some(0.05),
        drop_rate: Some(0.05),
        token_lifetime: Some(Duration::from_millis(700)),
        latency: Some(Duration::from_millis(20)),
        ..Faults::default()
    };
    let p = survives(faults, Options::new(300, 3 * SECOND)).await;
    let stats = p.sim.stats();
    assert!(
        stats.injected_5xx > 0 && stats.dropped > 0,
        "{} 5xx, {} dropped",
        stats.injected_5xx,
        stats.dropped
    );
    assert!(stats.unauthorized > 0, "sessions expired mid-run");
}

#[tokio::test]
async fn a_button_press_goes_before_queued_bulk_work() {
    let mut options = Options::new(40, 2 * SECOND);
    options.sim.latency = Duration::from_millis(100);
    options.concurrency = 4;
    let p = Pipeline::start(options).await.unwrap();
    load(&p, 30).await;
    p.stop();
    // Queue a backlog while the consumer is down, then the button press behind it.
    tokio::time::sleep(Duration::from_millis(300)).await; // let it release the queues
    let bulk: Vec<Envelope> = (1..=30)
        .map(|id| Envelope::review_change(id, id * 10, "picsweb"))
        .collect();
    p.publish(&bulk).await.unwrap();
    let nightly: Vec<producer::Outgoing> = (1..=30)
        .map(|id| producer::enqueue::bulk_message(id, uuid::Uuid::new_v4(), "nightly"))
        .collect();
    p.publisher.publish_all(&nightly).await.unwrap();
    let button = Envelope::refresh_learner(15, "button");
    p.publish(std::slice::from_ref(&button)).await.unwrap();
    let restarted = CancelOnDrop(tokio_util::sync::CancellationToken::new());
    tokio::spawn(consumer::worker::run(p.ctx.clone(), restarted.0.clone()));

    let done = p.handled(&[button.id], 30 * SECOND).await.unwrap();
    assert_eq!(done[0].1, "done");
    let earlier: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM onefile_sync.processed_event
         WHERE processed_at < (SELECT processed_at FROM onefile_sync.processed_event WHERE event_id = $1)
           AND kind <> 'enrol'",
    )
    .bind(button.id)
    .fetch_one(&p.env.pool)
    .await
    .unwrap();
    assert!(
        earlier < 8,
        "{earlier} queued events went before the button press"
    );
}

struct CancelOnDrop(tokio_util::sync::CancellationToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[tokio::test]
async fn events_of_one_learner_run_in_order() {
    let p = Pipeline::start(Options::new(300, 3 * SECOND))
        .await
        .unwrap();
    load(&p, 5).await;
    let mut events = Vec::new();
    for round in 0..4 {
        for id in 1..=5 {
            events.push(if round % 2 == 0 {
                Envelope::review_change(id, id * 10, "x")
            } else {
                Envelope::refresh_learner(id, "x")
            });
        }
    }
    // All on one lane (changes) to compare with their publish order.
    let changes: Vec<Envelope> = events
        .into_iter()
        .filter(|e| e.kind == domain::events::EventKind::ReviewChange)
        .collect();
    p.publish(&changes).await.unwrap();
    let ids: Vec<_> = changes.iter().map(|e| e.id).collect();
    let handled = p.handled(&ids, 30 * SECOND).await.unwrap();
    for learner in 1..=5 {
        let published: Vec<_> = changes
            .iter()
            .filter(|e| e.learner_id == Some(learner))
            .map(|e| e.id)
            .collect();
        let processed: Vec<_> = handled
            .iter()
            .map(|h| h.0)
            .filter(|id| published.contains(id))
            .collect();
        assert_eq!(processed, published, "learner {learner}");
    }
}

#[tokio::test]
async fn a_standby_consumer_takes_over() {
    let p = Pipeline::start(Options::new(300, 3 * SECOND))
        .await
        .unwrap();
    fixtures::rules_learner(&p.env.pool, 600).await.unwrap();
    fixtures::rules_learner(&p.env.pool, 601).await.unwrap();
    let standby_stop = CancelOnDrop(tokio_util::sync::CancellationToken::new());
    let standby = consumer::build(
        p.env.pool.clone(),
        onefile_client::ClientConfig::new(
            p.sim.base_url(),
            secrecy::SecretString::from(onefile_sim::SimConfig::default().api_token),
        ),
        consumer::Pacing::for_limit("300/3s".parse().unwrap()),
        consumer::ConsumerConfig::new(&p.amqp_url),
    )
    .unwrap();
    tokio::spawn(consumer::worker::run(
        standby.clone(),
        standby_stop.0.clone(),
    ));
    let first = Envelope::enrol(600, "test");
    p.publish(std::slice::from_ref(&first)).await.unwrap();
    p.handled(&[first.id], 20 * SECOND).await.unwrap();
    assert_eq!(
        standby.pacer.snapshot().calls,
        0,
        "the standby stays idle while the first is active"
    );

    p.stop();
    let second = Envelope::enrol(601, "test");
    p.publish(std::slice::from_ref(&second)).await.unwrap();
    p.handled(&[second.id], 20 * SECOND).await.unwrap();
    assert!(
        standby.pacer.snapshot().calls > 0,
        "the standby did the work"
    );
    eventually("both learners in OneFile", 5 * SECOND, || async {
        Ok((p
            .sim
            .snapshot()
            .users
            .iter()
            .filter(|u| u.role == Some(1))
            .count()
            == 2)
            .then_some(()))
    })
    .await
    .unwrap();
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    kib / 1024.0
}

#[tokio::test]
async fn a_flood_of_invalid_messages_is_dead_lettered_while_valid_work_goes_on() {
    let mut options = Options::new(2000, SECOND);
    options.concurrency = 32;
    let p = Pipeline::start(options).await.unwrap();
    for id in 1..=10 {
        fixtures::rules_learner(&p.env.pool, 800 + id)
            .await
            .unwrap();
    }
    let garbage = [
        &b"{"[..],
        br#"{"schema_version":1}"#,
        br#"[1,2,3]"#,
        br#"{"schema_version":1,"id":"nope","kind":"enrol","learner_id":1,"review_id":null,"scope":null,"occurred_at":"2026-12-03T09:14:07Z","source":"x"}"#,
        b"\xff\xfe\x00binary",
    ];
    let mut valid = Vec::new();
    let mut batch = Vec::new();
    let mut sent = 0;
    let mut rss_early = None;
    for i in 0..10_000usize {
        let body = garbage[i % garbage.len()].to_vec();
        batch.push(producer::Outgoing {
            exchange: producer::topology::EVENTS_EXCHANGE,
            routing_key: if i % 2 == 0 { "enrol" } else { "refresh" }.to_owned(),
            body,
            message_id: format!("bad-{i}"),
            headers: lapin::types::FieldTable::default(),
        });
        if i % 1000 == 999 {
            let learner = 801 + (i / 1000) as i64;
            let event = Envelope::enrol(learner, "flood");
            batch.push(producer::Outgoing::event(&event));
            valid.push(event);
            p.publisher.publish_all(&batch).await.unwrap();
            sent += batch.len();
            batch.clear();
            if i == 1999 {
                p.handled(&valid.iter().map(|e| e.id).collect::<Vec<_>>(), 60 * SECOND)
                    .await
                    .unwrap();
                rss_early = Some(rss_mib());
            }
        }
    }
    assert_eq!(sent, 10_010);
    let handled = p
        .handled(
            &valid.iter().map(|e| e.id).collect::<Vec<_>>(),
            120 * SECOND,
        )
        .await
        .unwrap();
    assert!(handled.iter().all(|h| h.1 == "done"), "{handled:?}");
    let amqp = integration_tests::amqp::Amqp::connect(&p.amqp_url)
        .await
        .unwrap();
    let dead = eventually("10,000 dead letters", 120 * SECOND, || async {
        let n = amqp.depth(producer::topology::DEAD_LETTER_QUEUE).await?;
        Ok((n >= 10_000).then_some(n))
    })
    .await
    .unwrap();
    assert_eq!(
        dead, 10_000,
        "every invalid message dead-lettered, nothing else"
    );
    let letters = ops::dead::list(&amqp.channel).await.unwrap();
    assert!(
        letters
            .iter()
            .all(|l| l.reason != "unknown" && l.origin != "unknown"),
        "each with its reason and origin"
    );
    let (early, late) = (rss_early.unwrap(), rss_mib());
    assert!(
        late - early < 64.0,
        "memory grew from {early:.0} MiB to {late:.0} MiB"
    );
    assert_eq!(
        p.sim
            .snapshot()
            .users
            .iter()
            .filter(|u| u.role == Some(1))
            .count(),
        10
    );
}
