//! Starting and stopping the simulator: [`Simulator::start`] binds, spawns the axum
//! server and returns a [`SimHandle`] through which tests and tools control it.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::serve::ListenerExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api;
use crate::config::{Faults, SimConfig};
use crate::control::{self, CONTROL_PREFIX};
use crate::gate::{API_PREFIX, gate};
use crate::model::{EntityKind, SimSnapshot};
use crate::state::Shared;
use crate::stats::SimStats;

/// How long [`SimHandle::shutdown`] waits for open connections before aborting.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Entry point: starts simulators.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Binds `listen` (port 0 picks a free port) and serves the API under `/api/v2.1`
    /// and the controls under `/_sim/` until the last handle is dropped or
    /// [`SimHandle::shutdown`] is called.
    pub async fn start(config: SimConfig, listen: SocketAddr) -> io::Result<SimHandle> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let listener = listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "onefile-sim could not set TCP_NODELAY");
            }
        });
        let shared = Arc::new(Shared::new(config));
        let app = router(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%addr, "onefile-sim listening on {addr}");
        Ok(SimHandle {
            inner: Arc::new(Inner {
                addr,
                shared,
                stop: Mutex::new(Some(stop)),
                task: Mutex::new(Some(task)),
            }),
        })
    }
}

/// The whole application: API and controls, with the gate in front of both (it lets
/// anything outside `/api/v2.1` through untouched).
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest(API_PREFIX, api::routes())
        .nest(CONTROL_PREFIX, control::routes())
        .fallback(api::not_found)
        .layer(from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

/// Controls a running simulator; clones share it. Dropping the last clone stops it.
#[derive(Debug, Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    task: Mutex<Option<JoinHandle<io::Result<()>>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let stop = self.stop.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(stop) = stop.take() {
            let _ = stop.send(());
        }
    }
}

impl SimHandle {
    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// The API's base URL, e.g. `http://127.0.0.1:PORT/api/v2.1` (loopback when bound to
    /// an unspecified address).
    pub fn base_url(&self) -> String {
        format!("http://{}{API_PREFIX}", self.connect_addr())
    }

    /// The controls' base URL, e.g. `http://127.0.0.1:PORT/_sim`.
    pub fn control_url(&self) -> String {
        format!("http://{}{CONTROL_PREFIX}", self.connect_addr())
    }

    fn connect_addr(&self) -> SocketAddr {
        let mut addr = self.inner.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        addr
    }

    /// What the simulator saw since start or the last [`Self::reset_stats`].
    pub fn stats(&self) -> SimStats {
        self.inner.shared.lock().stats()
    }

    /// Forgets the counted calls (entities and the limiter's state stay).
    pub fn reset_stats(&self) {
        self.inner.shared.lock().stats.reset();
    }

    /// Changes run-time settings; `None` fields stay as they are.
    pub fn set_faults(&self, faults: Faults) {
        self.inner.shared.lock().set_faults(&faults);
    }

    /// Every session token issued so far answers `401` from now on.
    pub fn expire_tokens(&self) {
        self.inner.shared.lock().expire_tokens();
    }

    /// Moves learners forward as assessors would, deterministically from `seed` and each
    /// entity's ID: aims gain elements (capped), some get registrations, complete ones get
    /// certificate dates; not-yet-started reviews are started (3 in 4 of those due today
    /// or earlier, 1 in 4 of future ones). Bumps `LastModified` of what changed and
    /// returns how many entities changed.
    pub fn advance(&self, seed: u64) -> usize {
        self.inner.shared.lock().advance(seed)
    }

    /// A copy of every entity.
    pub fn snapshot(&self) -> SimSnapshot {
        self.inner.shared.lock().snapshot()
    }

    /// Sets fields directly (OneFile's JSON keys), as an assessor would, and bumps
    /// `LastModified`. False for an unknown ID or a field of the wrong type.
    pub fn patch(&self, kind: EntityKind, id: i64, fields: serde_json::Value) -> bool {
        self.inner.shared.lock().patch(kind, id, fields).is_ok()
    }

    /// Stops accepting connections, lets open ones finish (up to 5 s), then returns.
    pub async fn shutdown(self) {
        let stop = self
            .inner
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        let task = self
            .inner
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut task) = task
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}
