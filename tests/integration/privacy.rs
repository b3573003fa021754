//! No personal data and no API token in the logs, at any level.

use domain::events::Envelope;
use integration_tests::pipeline::{Options, Pipeline};
use integration_tests::{eventually, fixtures};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Collects everything logged, at every level.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const SECOND: Duration = Duration::from_secs(1);
const TOKEN: &str = "sekret-api-token-7f3a9c";

#[tokio::test]
async fn the_whole_pipeline_logs_no_personal_data_and_no_token() {
    let mut options = Options::new(40, 2 * SECOND);
    options.sim.api_token = TOKEN.to_owned();
    options.sim.token_lifetime = Duration::from_millis(500); // re-authentication, logged
    options.writer = true;
    let p = Pipeline::start(options).await.unwrap();
    sqlx::query("UPDATE picsweb.onefile_settings SET demographics_mode = 'Pull'")
        .execute(&p.env.pool)
        .await
        .unwrap();
    fixtures::rules_learner(&p.env.pool, 42).await.unwrap();
    sqlx::query(
        "UPDATE picsweb.learner SET first_name = 'Zebulon', surname = 'Quixotic-Marsh', email = 'zebulon.qm@example.test',
             telephone = '01632960123', mobile = '07700900777', uln = '9876543210', nino = 'QQ987654Z', dob = DATE '1999-12-31'
         WHERE learner_id = 42",
    )
    .execute(&p.env.pool)
    .await
    .unwrap();
    fixtures::rules_learner(&p.env.pool, 43).await.unwrap();
    sqlx::query("UPDATE picsweb.learner SET first_name = 'Yolanda', surname = 'Vantablack', email = NULL WHERE learner_id = 43")
        .execute(&p.env.pool)
        .await
        .unwrap();

    // From here on everything is captured: the fixture's own SQL above is the test's,
    // not the pipeline's.
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let events = [
        Envelope::enrol(42, "t"),
        Envelope::enrol(43, "t"),
        Envelope::review_change(42, 421, "t"),
    ];
    p.publish(&events).await.unwrap();
    p.handled(
        &events.iter().map(|e| e.id).collect::<Vec<_>>(),
        30 * SECOND,
    )
    .await
    .unwrap();
    p.sim.advance(3);
    let refresh = Envelope::refresh_learner(42, "button");
    p.publish(std::slice::from_ref(&refresh)).await.unwrap();
    p.handled(&[refresh.id], 30 * SECOND).await.unwrap();
    eventually("the refresh applied", 10 * SECOND, || async {
        let synced: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
            "SELECT onefile_synced_at FROM picsweb.learner WHERE learner_id = 42",
        )
        .fetch_one(&p.env.pool)
        .await?;
        Ok(synced.map(|_| ()))
    })
    .await
    .unwrap();
    tokio::time::sleep(SECOND).await; // let the last log lines out

    let logs = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert!(
        logs.len() > 10_000,
        "the capture saw the pipeline's logs ({} bytes)",
        logs.len()
    );
    assert!(
        logs.contains("event handled"),
        "the consumer's lines are there"
    );
    for secret in [
        "Zebulon",
        "Quixotic",
        "zebulon.qm@example.test",
        "01632960123",
        "07700900777",
        "9876543210",
        "QQ987654Z",
        "1999-12-31",
        "Yolanda",
        "Vantablack",
        "Rita",
        "rita@example.test",
        "QQ123456C",
        "1234567890",
        TOKEN,
    ] {
        if let Some(at) = logs.find(secret) {
            let line = logs[..at].rsplit('\n').next().unwrap_or("");
            panic!("{secret:?} appears in the logs: ...{line}{secret}...");
        }
    }
}
