//! `GET /metrics`: requests, outcomes and latency, in the Prometheus / OpenMetrics text format.

use emrtd_remote::{ProofRequest, ProofStatus, RemoteVerdict};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The routes, as a label (unknown paths are one value, so the label set stays bounded).
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
#[non_exhaustive]
pub enum Route {
    /// `POST /v1/challenge`.
    challenge,
    /// `POST /v1/verify`.
    verify,
    /// `POST /v1/pace/map` (server-driven PACE-CAM).
    pace_map,
    /// `POST /v1/pace/agree` (server-driven PACE-CAM).
    pace_agree,
    /// `GET /healthz`.
    healthz,
    /// `GET /metrics`.
    metrics,
    /// Anything else.
    other,
}

impl Route {
    /// The route of a request path.
    pub fn of(path: &str) -> Route {
        match path {
            "/v1/challenge" => Route::challenge,
            "/v1/verify" => Route::verify,
            "/v1/pace/map" => Route::pace_map,
            "/v1/pace/agree" => Route::pace_agree,
            "/healthz" => Route::healthz,
            "/metrics" => Route::metrics,
            _ => Route::other,
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: Route,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: Route,
}

/// What a verification ended in: a verdict (accepted or refused, with the first requirement
/// that did not hold) or a refused request (with its error code).
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
#[non_exhaustive]
pub enum Outcome {
    /// Every requirement held.
    accepted,
    /// A verdict with `accepted: false`.
    refused,
    /// No verdict: the request was refused (4xx).
    rejected,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: Outcome,
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChallengeLabels {
    proof: &'static str,
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    verifications: Family<OutcomeLabels, Counter>,
    challenges: Family<ChallengeLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Fresh counters.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("emrtd");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency =
            Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> _);
        let verifications = Family::<OutcomeLabels, Counter>::default();
        let challenges = Family::<ChallengeLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response, by route",
            latency.clone(),
        );
        registry.register(
            "verifications",
            "POST /v1/verify outcomes: accepted, refused (first unmet requirement) or rejected (error code)",
            verifications.clone(),
        );
        registry.register(
            "challenges",
            "Challenges issued, by the chip proof asked for (or the error code)",
            challenges.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            verifications,
            challenges,
        }
    }

    /// Count a finished request.
    pub fn request(&self, route: Route, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { route })
            .observe(seconds);
    }

    /// Count a verdict.
    pub fn verdict(&self, v: &RemoteVerdict) {
        let (outcome, reason) = if v.accepted {
            (Outcome::accepted, "none")
        } else {
            (Outcome::refused, refusal_reason(v))
        };
        self.verifications
            .get_or_create(&OutcomeLabels { outcome, reason })
            .inc();
    }

    /// Count a refused verification request.
    pub fn rejected(&self, code: &'static str) {
        self.verifications
            .get_or_create(&OutcomeLabels {
                outcome: Outcome::rejected,
                reason: code,
            })
            .inc();
    }

    /// Count a challenge by the proof it asks for, or its error code.
    pub fn challenge(&self, proof: &'static str) {
        self.challenges
            .get_or_create(&ChallengeLabels { proof })
            .inc();
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The first requirement a refused verdict did not meet, from its typed fields.
pub fn refusal_reason(v: &RemoteVerdict) -> &'static str {
    use emrtd_remote::Expected;
    let e = &v.expectations;
    let outcomes = [e.national_identity_number, e.document_number, e.name];
    if !v.data_authentic {
        "data_not_authentic"
    } else if !v.genuine_chip {
        match v.chip_proof.status {
            ProofStatus::Failed => "chip_proof_failed",
            _ => "chip_not_proven",
        }
    } else if outcomes.contains(&Expected::Mismatch) {
        "expectation_mismatch"
    } else if outcomes.contains(&Expected::Unavailable) {
        "expectation_unavailable"
    } else if v.within_validity == Some(false) {
        "document_expired"
    } else if v.within_validity.is_none() {
        "expiry_unknown"
    } else {
        "other"
    }
}

/// The label of a challenge's proof.
pub fn proof_label(proof: &ProofRequest) -> &'static str {
    match proof {
        ProofRequest::ChipAuthentication { .. } => "chip_authentication",
        ProofRequest::ActiveAuthentication { .. } => "active_authentication",
        ProofRequest::PaceCam { .. } => "pace_cam",
        ProofRequest::None => "none",
        _ => "other",
    }
}
