//! `emrtd serve`: the HTTP driver of remote verification (see `docs/remote-verification.md`).
//!
//! A thin axum + tokio layer over the sans-IO crate `emrtd-remote`: it reads bodies (bounded),
//! takes the time and the random source, calls [`emrtd_remote::issue_challenge`] and
//! [`emrtd_remote::verify_evidence`], and answers JSON. It adds the limits (body size, time,
//! concurrency), the metrics and the logs. [`router`] builds the service from [`Settings`], so
//! tests and benchmarks run it in-process; [`serve`] runs it on a listener until shut down.
//!
//! Every refused request gets a 4xx status and a one-line JSON body
//! `{"error": CODE, "reason": LINE}`; a verification gets `200` and the verdict, accepted or not.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod metrics;
pub mod trust;

pub use config::{ConfigError, ConfigFile, Limits, LogConfig, LogFormat, LogLevel, Settings};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use metrics::{proof_label, Metrics, Route};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

/// The time source: Unix seconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

/// What the handlers share.
pub struct AppState {
    settings: Settings,
    clock: Clock,
    metrics: Metrics,
    permits: Semaphore,
}

impl AppState {
    /// The state of a server with these settings and this clock.
    pub fn new(settings: Settings, clock: Clock) -> Arc<AppState> {
        let permits = Semaphore::new(settings.limits.max_concurrency);
        Arc::new(AppState {
            settings,
            clock,
            metrics: Metrics::new(),
            permits,
        })
    }

    /// The metrics (what `GET /metrics` prints).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

/// A refusal: status, code and one line.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    reason: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, reason: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            reason: reason.into(),
        }
    }
}

impl From<emrtd_remote::RequestError> for Refusal {
    fn from(e: emrtd_remote::RequestError) -> Refusal {
        Refusal {
            status: StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            code: e.code(),
            reason: e.to_string(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.code,
            "reason": config::one_line(&self.reason),
        });
        json_response(self.status, body.to_string())
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The service: `POST /v1/challenge`, `POST /v1/verify`, the server-driven PACE-CAM steps
/// `POST /v1/pace/map` and `POST /v1/pace/agree`, `GET /healthz`, `GET /metrics`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/challenge", post(challenge))
        .route("/v1/verify", post(verify))
        .route("/v1/pace/map", post(pace_map))
        .route("/v1/pace/agree", post(pace_agree))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), limits))
        .with_state(state)
}

/// Run `app` on `listener` until `shutdown` completes (then finish the requests under way).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Set up `tracing` output on standard error: text or JSON lines, at the configured level.
/// Does nothing when a subscriber is already installed.
pub fn init_logging(log: LogConfig) {
    use tracing_subscriber::filter::LevelFilter;
    let level = match log.level {
        LogLevel::Error => LevelFilter::ERROR,
        LogLevel::Warn => LevelFilter::WARN,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Debug => LevelFilter::DEBUG,
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    let _ = match log.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Concurrency and time limits, metrics and one log line for every request.
async fn limits(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = Route::of(req.uri().path());
    let method = req.method().clone();
    let timeout = state.settings.limits.request_timeout;
    let work = async {
        // Waiting for a permit counts against the request's time limit.
        let Ok(_permit) = state.permits.acquire().await else {
            return Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the server is shutting down: send the request again",
            )
            .into_response();
        };
        next.run(req).await
    };
    let response = match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the request was not answered within {} ms (server busy): send it again",
                timeout.as_millis()
            ),
        )
        .into_response(),
    };
    let status = response.status().as_u16();
    let elapsed = start.elapsed();
    state.metrics.request(route, status, elapsed.as_secs_f64());
    let code = response
        .extensions()
        .get::<ErrorCode>()
        .map(|c| c.0)
        .unwrap_or("");
    tracing::info!(
        method = %method,
        route = ?route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        error = code,
        "request"
    );
    response
}

/// The error code of a refusal, for the log line.
#[derive(Clone, Copy)]
struct ErrorCode(&'static str);

fn refuse(r: Refusal) -> Response {
    let code = r.code;
    let mut resp = r.into_response();
    resp.extensions_mut().insert(ErrorCode(code));
    resp
}

/// The body of a JSON request, bounded.
async fn json_body(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Bytes, Refusal> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    let max = state.settings.limits.max_body_bytes;
    let too_large = || {
        Refusal::from(emrtd_remote::RequestError::TooLarge {
            size: max.saturating_add(1),
            max,
        })
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let limit = state.settings.limits.body_timeout;
    let Ok(read) = tokio::time::timeout(limit, axum::body::to_bytes(body, max)).await else {
        return Err(Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!(
                "the request body did not arrive within {} ms: send it whole and at once",
                limit.as_millis()
            ),
        ));
    };
    match read {
        Ok(b) => Ok(b),
        Err(e) => {
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.into_inner().is::<http_body_util::LengthLimitError>();
            Err(if over {
                too_large()
            } else {
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "incomplete_body",
                    "the request body could not be read to its end: send it again",
                )
            })
        }
    }
}

async fn challenge(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match json_body(&state, &parts.headers, body).await {
        Ok(b) => b,
        Err(r) => {
            state.metrics.challenge(r.code);
            return refuse(r);
        }
    };
    let now = (state.clock)();
    let s = &state.settings;
    match emrtd_remote::issue_challenge(&s.ring, &s.policy, &body, now, &mut rand_core::OsRng) {
        Ok(c) => {
            state.metrics.challenge(proof_label(&c.proof));
            match serde_json::to_string(&c) {
                Ok(text) => json_response(StatusCode::OK, text),
                Err(e) => internal(&e),
            }
        }
        Err(e) => {
            state.metrics.challenge(e.code());
            refuse(e.into())
        }
    }
}

async fn verify(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match json_body(&state, &parts.headers, body).await {
        Ok(b) => b,
        Err(r) => {
            state.metrics.rejected(r.code);
            return refuse(r);
        }
    };
    let now = (state.clock)();
    let st = state.clone();
    // Passive Authentication and the proofs are CPU work: off the IO threads.
    let result = tokio::task::spawn_blocking(move || {
        let s = &st.settings;
        s.trust.check_if_due(Instant::now());
        let trust = s.trust.current();
        emrtd_remote::verify_evidence(&s.ring, &trust, &s.policy, &body, now)
    })
    .await;
    match result {
        Ok(Ok(verdict)) => {
            state.metrics.verdict(&verdict);
            match verdict_body(&state.settings, &verdict) {
                Ok(text) => json_response(StatusCode::OK, text),
                Err(e) => internal(&e),
            }
        }
        Ok(Err(e)) => {
            state.metrics.rejected(e.code());
            refuse(e.into())
        }
        Err(e) => internal(&e),
    }
}

/// Which server-driven PACE-CAM step.
#[derive(Clone, Copy)]
enum PaceStep {
    Map,
    Agree,
}

async fn pace_map(state: State<Arc<AppState>>, req: Request) -> Response {
    pace_step(state, req, PaceStep::Map).await
}

async fn pace_agree(state: State<Arc<AppState>>, req: Request) -> Response {
    pace_step(state, req, PaceStep::Agree).await
}

/// A PACE-CAM step: a few elliptic-curve multiplications, off the IO threads.
async fn pace_step(State(state): State<Arc<AppState>>, req: Request, step: PaceStep) -> Response {
    let (parts, body) = req.into_parts();
    let body = match json_body(&state, &parts.headers, body).await {
        Ok(b) => b,
        Err(r) => return refuse(r),
    };
    let now = (state.clock)();
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || {
        let s = &st.settings;
        let rng = &mut rand_core::OsRng;
        match step {
            PaceStep::Map => emrtd_remote::pace_map(&s.ring, &s.policy, &body, now, rng)
                .map(|a| serde_json::to_string(&a)),
            PaceStep::Agree => emrtd_remote::pace_agree(&s.ring, &s.policy, &body, now, rng)
                .map(|a| serde_json::to_string(&a)),
        }
    })
    .await;
    match result {
        Ok(Ok(Ok(text))) => json_response(StatusCode::OK, text),
        Ok(Ok(Err(e))) => internal(&e),
        Ok(Err(e)) => refuse(e.into()),
        Err(e) => internal(&e),
    }
}

/// The verdict JSON; with a signing key, the same object with `jws`: a compact ES256 JWS whose
/// payload is the verdict JSON without `jws`.
fn verdict_body(
    settings: &Settings,
    verdict: &emrtd_remote::RemoteVerdict,
) -> Result<String, serde_json::Error> {
    let payload = serde_json::to_vec(verdict)?;
    let Some((kid, key)) = &settings.signer else {
        return String::from_utf8(payload).map_err(|e| serde::ser::Error::custom(e.to_string()));
    };
    let jws = emrtd_remote::jws::sign_es256(key, kid, &payload);
    let mut value = serde_json::to_value(verdict)?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("jws".into(), serde_json::Value::String(jws));
    }
    serde_json::to_string(&value)
}

/// A server bug: logged, answered 500 without details.
fn internal(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "internal error");
    refuse(Refusal::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal server error",
    ))
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let body = serde_json::json!({
        "status": "ok",
        "token_key": state.settings.ring.current_kid(),
    });
    json_response(StatusCode::OK, body.to_string())
}

async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    let mut r = Response::new(Body::from(state.metrics.encode()));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

async fn not_found(req: Request) -> Response {
    refuse(Refusal::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "no such endpoint {}: use POST /v1/challenge, POST /v1/pace/map, POST /v1/pace/agree, POST /v1/verify, GET /healthz or GET /metrics",
            printable(req.uri().path())
        ),
    ))
}

async fn method_not_allowed(method: Method, req: Request) -> Response {
    let allowed = match Route::of(req.uri().path()) {
        Route::challenge | Route::verify | Route::pace_map | Route::pace_agree => "POST",
        _ => "GET",
    };
    let mut r = refuse(Refusal::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}: use {allowed}",
            printable(method.as_str()),
            printable(req.uri().path())
        ),
    ));
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    r
}

/// At most 64 printable ASCII characters of a client-given string, for messages.
fn printable(s: &str) -> String {
    s.chars()
        .take(64)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

/// A server running on its own thread and runtime (for tests, benchmarks and examples).
#[derive(Clone)]
pub struct Background {
    /// The bound address.
    pub addr: std::net::SocketAddr,
    /// The shared state (its metrics).
    pub state: Arc<AppState>,
}

impl Background {
    /// `http://IP:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Start a server with `state` on `addr` (port 0: a free port) on a new thread with a
/// `workers`-thread runtime; it runs until the process ends.
pub fn start_in_background(
    state: Arc<AppState>,
    addr: std::net::SocketAddr,
    workers: usize,
) -> std::io::Result<Background> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind(addr))?;
    let addr = listener.local_addr()?;
    let app = router(state.clone());
    std::thread::Builder::new()
        .name(format!("emrtd-serve-{addr}"))
        .spawn(move || {
            let result = runtime.block_on(serve(listener, app, std::future::pending()));
            if let Err(e) = result {
                tracing::error!(error = %e, "the background server stopped");
            }
        })?;
    Ok(Background { addr, state })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The `limits` layer over one route whose handler takes `work`; the status and the body
    /// of a GET answered within a request limit of `limit_ms`.
    fn answer_of_slow_route(work: Duration, limit_ms: u64) -> (u16, String) {
        let file = ConfigFile::parse(&format!(
            "[[token_keys]]\nid = \"k\"\nenv = \"TK\"\n[trust]\nbuiltin = false\n\
             [limits]\nrequest_timeout_ms = {limit_ms}\nbody_timeout_ms = 1\n"
        ))
        .unwrap();
        let key = "42".repeat(32);
        let settings = file
            .resolve(&|name| (name == "TK").then(|| key.clone()))
            .unwrap();
        let state = AppState::new(settings, Arc::new(|| 0));
        let app = Router::new()
            .route(
                "/slow",
                get(move || async move {
                    tokio::time::sleep(work).await;
                    "done"
                }),
            )
            .layer(middleware::from_fn_with_state(state.clone(), limits))
            .with_state(state);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await });
            let answer = tokio::task::spawn_blocking(move || {
                use std::io::{Read, Write};
                let mut conn = std::net::TcpStream::connect(addr).unwrap();
                conn.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .unwrap();
                let mut answer = Vec::new();
                conn.read_to_end(&mut answer).unwrap();
                String::from_utf8_lossy(&answer).to_string()
            })
            .await
            .unwrap();
            let status = answer
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let body = answer
                .split_once("\r\n\r\n")
                .map(|(_, b)| b.to_string())
                .unwrap_or_default();
            (status, body)
        })
    }

    #[test]
    fn work_past_the_request_time_limit_is_answered_503_timeout_in_one_line() {
        let (status, body) = answer_of_slow_route(Duration::from_secs(5), 100);
        assert_eq!(status, 503, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], "timeout", "{body}");
        assert!(
            v["reason"].as_str().unwrap().contains("within 100 ms"),
            "{body}"
        );
        assert!(!body.contains('\n'));
    }

    #[test]
    fn work_within_the_request_time_limit_is_answered() {
        let (status, body) = answer_of_slow_route(Duration::from_millis(1), 5_000);
        assert_eq!((status, body.as_str()), (200, "done"));
    }
}
