//! The Prometheus registry: one per process, installed on first use.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's Prometheus handle, installing the recorder the first time.
pub fn prometheus() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let buckets = [
            0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
        ];
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("onefile_limiter_wait_seconds".to_owned()),
                &buckets,
            )
            .map(PrometheusBuilder::build_recorder);
        match recorder {
            Ok(recorder) => {
                let handle = recorder.handle();
                if metrics::set_global_recorder(recorder).is_err() {
                    tracing::warn!(
                        "a metrics recorder was already installed; /metrics may be empty"
                    );
                }
                handle
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics buckets refused; using defaults");
                let recorder = PrometheusBuilder::new().build_recorder();
                let handle = recorder.handle();
                let _ = metrics::set_global_recorder(recorder);
                handle
            }
        }
    })
}

/// Publishes a status sample as gauges.
pub fn record_status(status: &crate::status::Status) {
    for q in &status.queues {
        metrics::gauge!("onefile_sync_queue_messages", "queue" => q.name.clone())
            .set((q.ready + q.unacked) as f64);
    }
    metrics::gauge!("onefile_sync_dead_letters").set(status.dead_letters as f64);
    metrics::gauge!("onefile_sync_consumer_active").set(if status.consumer.active {
        1.0
    } else {
        0.0
    });
    metrics::gauge!("onefile_sync_backlog_eta_seconds").set(status.eta_s);
}
