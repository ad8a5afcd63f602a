//! `emrtd serve`: run the remote verification server (the driver is `emrtd-server`).

use crate::exit::{Exit, Failure};
use emrtd_server::{ConfigFile, LogFormat};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Configuration file (TOML; see docs/remote-verification.md). Without it: listen on
    /// 127.0.0.1:8080, token key from EMRTD_TOKEN_KEY, built-in trust anchors, default policy.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on, instead of the file's `listen` (port 0: a free port; the address
    /// is printed as `listening on http://ADDR`).
    #[arg(long, value_name = "IP:PORT")]
    pub listen: Option<String>,
    /// More trust anchors: CSCA certificates (PEM/DER), folders, master lists (.ml/.mls), LDIF.
    #[arg(long, value_name = "PATH")]
    pub trust: Vec<PathBuf>,
    /// Do not trust the built-in Norwegian CSCAs.
    #[arg(long)]
    pub no_builtin_trust: bool,
    /// Log one JSON object per line (standard error) instead of text.
    #[arg(long)]
    pub log_json: bool,
}

pub fn cmd_serve(args: &ServeArgs) -> Result<Exit, Failure> {
    let mut file = match &args.config {
        Some(path) => ConfigFile::load(path).map_err(|e| Failure::usage(e.to_string()))?,
        None => ConfigFile::default(),
    };
    if let Some(listen) = &args.listen {
        file.listen = Some(listen.clone());
    }
    file.trust.paths.extend(args.trust.iter().cloned());
    if args.no_builtin_trust {
        file.trust.builtin = false;
    }
    if args.log_json {
        file.log.format = LogFormat::Json;
    }
    let settings = file
        .resolve(&|name| std::env::var(name).ok())
        .map_err(|e| Failure::usage(e.to_string()))?;
    emrtd_server::init_logging(settings.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::internal(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .map_err(|e| {
                Failure::usage(format!(
                    "cannot listen on {}: {e}; choose another address with --listen",
                    settings.listen
                ))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::internal(format!("the listening address: {e}")))?;
        {
            // One line a test or a supervisor can wait for, flushed at once.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on http://{addr}");
            let _ = out.flush();
        }
        tracing::info!(%addr, token_key = settings.ring.current_kid(), "emrtd serve started");
        // SIGHUP: check the trust anchors' files now (they are also checked every
        // [trust] refresh_secs).
        tokio::spawn(emrtd_server::trust::reload_on_sighup(
            settings.trust.clone(),
        ));
        let app = emrtd_server::router(emrtd_server::AppState::new(
            settings,
            emrtd_server::system_clock(),
        ));
        emrtd_server::serve(listener, app, shutdown_signal())
            .await
            .map_err(|e| Failure::internal(format!("the server stopped: {e}")))?;
        tracing::info!("emrtd serve stopped");
        Ok(Exit::Valid)
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
