//! What the merchant should do next, derived from the onboarding state: wait for the
//! catalog sync, connect the web pixel, wait for the first lists, then add the app blocks.

use chrono::{DateTime, Utc};
use entity::job_run;
use serde::Serialize;

use super::SyncPhase;

/// The job whose runs connect the web pixel.
const PIXEL_JOB: &str = "connect_web_pixel";

/// Whether the web pixel sends the shop's storefront events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelState {
    /// The demo shop has no Shopify storefront: its events come from the demo store.
    NotNeeded,
    /// No connection was tried yet.
    NotConnected,
    /// The connection job is queued or running.
    Connecting,
    /// Connected.
    Connected,
    /// The last try failed.
    Failed,
}

/// The web pixel's state with the last try's outcome.
#[derive(Debug, Serialize)]
pub struct WebPixel {
    /// Its state.
    pub status: PixelState,
    /// Why the last try failed.
    pub error: Option<String>,
    /// When the last try ended.
    pub finished_at: Option<DateTime<Utc>>,
}

impl WebPixel {
    /// The pixel of a shop from its latest runs (`demo`: the demo shop, which needs none).
    #[must_use]
    pub fn from_runs(demo: bool, runs: &[job_run::Model]) -> Self {
        let run = runs.iter().find(|run| run.job == PIXEL_JOB);
        let status = match (demo, run.map(|r| r.status.as_str())) {
            (true, _) => PixelState::NotNeeded,
            (false, None) => PixelState::NotConnected,
            (false, Some("succeeded")) => PixelState::Connected,
            (false, Some("failed")) => PixelState::Failed,
            (false, Some(_)) => PixelState::Connecting,
        };
        Self {
            status,
            error: run.and_then(|r| r.error.clone()),
            finished_at: run.and_then(|r| r.finished_at),
        }
    }
}

/// The merchant's next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// No catalog sync has finished yet.
    WaitForSync,
    /// The web pixel is not connected.
    ConnectWebPixel,
    /// Models and the first lists are being computed.
    WaitForLists,
    /// Everything runs: add the app blocks to the theme.
    AddAppBlocks,
}

/// The next step and what the merchant reads about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextStep {
    /// Machine-readable step.
    pub step: Step,
    /// What to do.
    pub message: &'static str,
}

/// The first step not done: a sync finished, the pixel connected, lists published.
#[must_use]
pub fn next_step(sync: &[SyncPhase], pixel: PixelState, lists_ready: bool) -> NextStep {
    let synced = sync.iter().any(|phase| phase.status == "succeeded");
    let (step, message) = if !synced {
        (
            Step::WaitForSync,
            "Wait for the catalog sync below to finish; it starts at install and needs nothing from you.",
        )
    } else if !matches!(pixel, PixelState::Connected | PixelState::NotNeeded) {
        (
            Step::ConnectWebPixel,
            "Connect the web pixel: it is connected at install; if it failed, allow the app's \
             customer events in Settings → Customer events and open this page again.",
        )
    } else if !lists_ready {
        (
            Step::WaitForLists,
            "The first recommendation lists are being computed (training, then precompute); \
             they are ready within minutes.",
        )
    } else {
        (
            Step::AddAppBlocks,
            "Add the app blocks to your theme with the links below; each opens the theme editor \
             on the right template.",
        )
    };
    NextStep { step, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(status: &str) -> SyncPhase {
        SyncPhase {
            kind: "full:products".into(),
            status: status.into(),
            done: 0,
            total: None,
            rate_per_sec: None,
            eta_secs: None,
            error: None,
            started_at: Utc::now(),
            finished_at: None,
        }
    }

    #[test]
    fn the_next_step_is_the_first_one_not_done() {
        let done = [phase("succeeded")];
        let running = [phase("running")];
        let step = |sync: &[SyncPhase], pixel, lists| next_step(sync, pixel, lists).step;

        assert_eq!(step(&[], PixelState::NotNeeded, false), Step::WaitForSync);
        assert_eq!(
            step(&running, PixelState::Connected, true),
            Step::WaitForSync
        );
        assert_eq!(step(&done, PixelState::Failed, true), Step::ConnectWebPixel);
        assert_eq!(
            step(&done, PixelState::NotConnected, false),
            Step::ConnectWebPixel
        );
        assert_eq!(
            step(&done, PixelState::Connected, false),
            Step::WaitForLists
        );
        assert_eq!(step(&done, PixelState::NotNeeded, true), Step::AddAppBlocks);
    }

    #[test]
    fn the_demo_shop_needs_no_pixel_and_a_shop_without_a_try_is_not_connected() {
        assert_eq!(WebPixel::from_runs(true, &[]).status, PixelState::NotNeeded);
        assert_eq!(
            WebPixel::from_runs(false, &[]).status,
            PixelState::NotConnected
        );
    }
}
