//! The active consumer's heartbeat: what only it can see, written every two seconds to
//! `onefile_sync.heartbeat` for `status`, `/metrics` and the no-active-consumer alert.

use crate::context::Ctx;
use crate::schedule::Scheduler;
use producer::topology::Lane;
use serde_json::json;
use std::sync::atomic::Ordering;

/// Writes the consumer's heartbeat (`active` false when it stops).
pub async fn beat(ctx: &Ctx, sched: &Scheduler, active: bool) {
    let pacer = ctx.pacer.snapshot();
    let limit = ctx.pacer.pacing().limit;
    let data = json!({
        "active": active,
        "limit": limit.calls,
        "window_s": limit.window.as_secs_f64(),
        "calls_total": pacer.calls,
        "calls_in_window": pacer.calls_in_window,
        "throttled_total": pacer.throttled,
        "factor": pacer.factor,
        "paused": pacer.paused,
        "events_total": ctx.events.load(Ordering::Relaxed),
        "held": {
            Lane::Refresh.queue(): sched.held(Lane::Refresh),
            Lane::Changes.queue(): sched.held(Lane::Changes),
            Lane::Bulk.queue(): sched.held(Lane::Bulk),
        },
    });
    let instance = format!("{}:{}", hostname(), std::process::id());
    let written = sqlx::query(
        "INSERT INTO onefile_sync.heartbeat (role, instance, data, updated_at) VALUES ('consumer', $1, $2, now())
         ON CONFLICT (role) DO UPDATE SET instance = EXCLUDED.instance, data = EXCLUDED.data, updated_at = now()",
    )
    .bind(instance)
    .bind(data)
    .execute(&ctx.pool)
    .await;
    if let Err(e) = written {
        tracing::debug!(error = %e, "heartbeat not written");
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
