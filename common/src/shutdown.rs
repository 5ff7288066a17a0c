//! Waiting for the operating system to ask us to stop.

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM (what orchestrators send).
pub async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = term.recv() => {},
                }
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM; only SIGINT stops the process");
                let _interrupted = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _interrupted = ctrl_c.await;
    }
}
