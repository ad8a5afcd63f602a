//! The phone side of remote verification through the bindings' API, as an app drives it: the
//! proof files, the challenge request, the server's answer, the read with the proof through the
//! async foreign transport, the evidence. The server half runs in-process (`emrtd-remote`).

mod common;

use common::{block_on, AsyncForward};
use emrtd_ffi::*;
use emrtd_remote::{KeyRing, Policy, RemoteVerdict, RequestError, ServerKey};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// 2026-01-01 00:00 UTC: the virtual Norwegian ID card (expiry 2026-06-11) is valid.
const NOW: i64 = 1_767_225_600;

struct Server {
    ring: KeyRing,
    trust: emrtd_auth::TrustStore,
}

fn server() -> Server {
    let mut trust = emrtd_auth::TrustStore::new();
    trust
        .add_der_certificate(&virtual_card_test_csca())
        .unwrap();
    Server {
        ring: KeyRing::new(ServerKey::new("k1", [7; 32]).unwrap()),
        trust,
    }
}

impl Server {
    fn challenge(&self, body: &str) -> String {
        let c = emrtd_remote::issue_challenge(
            &self.ring,
            &Policy::default(),
            body.as_bytes(),
            NOW,
            &mut rand_core::OsRng,
        )
        .unwrap();
        serde_json::to_string(&c).unwrap()
    }

    fn verify(&self, evidence: &str) -> Result<RemoteVerdict, RequestError> {
        emrtd_remote::verify_evidence(
            &self.ring,
            &self.trust,
            &Policy::default(),
            evidence.as_bytes(),
            NOW + 5,
        )
    }
}

/// The whole phone side against `profile`; the tag is lost once at APDU `lose_at` of the
/// read with the proof.
fn phone(
    s: &Server,
    profile: &str,
    lose_at: Option<usize>,
) -> (Arc<RemoteChallenge>, Arc<RemoteRead>) {
    phone_with(s, VirtualCard::new(profile.into()).unwrap(), lose_at)
}

/// The app's NFC link to `card` (the tag comes back whenever the app reconnects it), its CAN
/// and the proof files read over it.
fn read_proof_files_of(card: &Arc<VirtualCard>) -> (Arc<AsyncForward>, Arc<AccessKey>, ProofFiles) {
    let link = Arc::new(AsyncForward {
        can_reconnect: true,
        ..AsyncForward::new(card.clone())
    });
    let key = AccessKey::from_can("123456".into()).unwrap();
    let files = block_on(read_proof_files(
        link.clone(),
        key.clone(),
        None,
        None,
        None,
    ))
    .unwrap();
    (link, key, files)
}

fn phone_with(
    s: &Server,
    card: Arc<VirtualCard>,
    lose_at: Option<usize>,
) -> (Arc<RemoteChallenge>, Arc<RemoteRead>) {
    let (link, key, files) = read_proof_files_of(&card);
    let body = remote_challenge_request(
        "tx-ffi".into(),
        Some(RemoteExpectations {
            document_number: Some("GDC000127".into()),
            ..Default::default()
        }),
        Some(files),
        false,
    )
    .unwrap();
    let challenge = RemoteChallenge::from_json(s.challenge(&body)).unwrap();
    // The app reconnects the tag for the second read.
    card.reset();
    if let Some(at) = lose_at {
        *link.lose_at.lock().unwrap() = Some(link.apdus.load(Ordering::SeqCst) + at);
    }
    let read = block_on(read_for_remote_verification(
        link,
        key,
        challenge.clone(),
        "tx-ffi".into(),
        None,
        None,
        None,
        None,
    ))
    .unwrap();
    (challenge, read)
}

#[test]
fn a_genuine_chip_read_through_the_bindings_is_proven_to_the_server() {
    let s = server();
    let (challenge, read) = phone(&s, "norway-id", None);
    assert_eq!(
        challenge.proof_method(),
        RemoteProofMethod::ChipAuthentication
    );
    assert_eq!(challenge.expires_at(), NOW + 300);
    let evidence = read.evidence_json();
    assert!(evidence.contains(&challenge.token()));
    let v = s.verify(&evidence).unwrap();
    assert!(v.genuine_chip, "{:?}", v.chip_proof);
    assert!(v.data_authentic);
    assert_eq!(
        v.expectations.document_number,
        emrtd_remote::Expected::Match
    );
    assert!(v.accepted, "{:?}", v.reasons);
    let mrz = read.document().mrz().unwrap().unwrap();
    assert_eq!(mrz.document_number, "GDC000127");
}

#[test]
fn active_authentication_runs_over_the_servers_challenge() {
    let s = server();
    // The Norwegian ID card with Active Authentication instead of Chip Authentication.
    let toml = r#"
name = "norway-id-aa"
mrz = [
  "CANORGDC0001273230456<12345<<<",
  "5604230M2606118NOR<<<<<<<<<<<9",
  "OESTENBYEN<<AASAMUND<SPECIMEN<",
]
can = "123456"
active_authentication = "ec-p256"

[access]
bac = false

[[access.pace]]
mapping = "GM"
cipher = "AES-128"
parameter_id = 13
"#;
    let card = VirtualCard::from_profile_toml(toml.into()).unwrap();
    let (challenge, read) = phone_with(&s, card, None);
    assert_eq!(
        challenge.proof_method(),
        RemoteProofMethod::ActiveAuthentication
    );
    let v = s.verify(&read.evidence_json()).unwrap();
    assert!(v.genuine_chip, "{:?}", v.chip_proof);
    assert!(v.accepted, "{:?}", v.reasons);
}

#[test]
fn a_read_with_the_proof_resumes_after_a_tag_loss_and_is_still_proven() {
    let s = server();
    let (_, read) = phone(&s, "norway-id", Some(12));
    let v = s.verify(&read.evidence_json()).unwrap();
    assert!(v.genuine_chip, "{:?}", v.chip_proof);
}

#[test]
fn a_clone_read_through_the_bindings_is_refused_by_the_server() {
    let s = server();
    let (_, read) = phone(&s, "norway-id:clone", None);
    let v = s.verify(&read.evidence_json()).unwrap();
    assert!(v.data_authentic, "the clone's files are the genuine ones");
    assert!(!v.genuine_chip);
    assert!(!v.accepted);
    assert!(
        v.chip_proof.reason.contains("a clone"),
        "{}",
        v.chip_proof.reason
    );
}

#[test]
fn a_challenge_request_without_files_asks_for_no_proof_and_bad_input_is_refused() {
    let s = server();
    let body = remote_challenge_request("tx".into(), None, None, false).unwrap();
    let c = RemoteChallenge::from_json(s.challenge(&body)).unwrap();
    assert_eq!(c.proof_method(), RemoteProofMethod::None);
    for bad in ["", "x".repeat(257).as_str()] {
        assert!(matches!(
            remote_challenge_request(bad.into(), None, None, true),
            Err(EmrtdError::InvalidArgument(_))
        ));
    }
    let expect = RemoteExpectations {
        national_identity_number: Some("0101\n0012345".into()),
        ..Default::default()
    };
    assert!(matches!(
        remote_challenge_request("tx".into(), Some(expect), None, false),
        Err(EmrtdError::InvalidArgument(_))
    ));
    for bad in [
        "",
        "{}",
        "[1]",
        "{\"token\":1}",
        "{".repeat(100_000).as_str(),
    ] {
        let err = RemoteChallenge::from_json(bad.into()).unwrap_err();
        assert!(matches!(err, EmrtdError::InvalidArgument(_)), "{err}");
    }
}

/// A document whose only chip proof is PACE-CAM: no Chip Authentication in DG14, no Active
/// Authentication (the Norwegian ID card's data).
const CAM_TOML: &str = r#"
name = "norway-id-cam"
mrz = [
  "CANORGDC0001273230456<12345<<<",
  "5604230M2606118NOR<<<<<<<<<<<9",
  "OESTENBYEN<<AASAMUND<SPECIMEN<",
]
can = "123456"

[access]
bac = false

[[access.pace]]
mapping = "CAM"
cipher = "AES-128"
parameter_id = 13
"#;

fn cam_card(attack: Option<&str>) -> Arc<VirtualCard> {
    let toml = match attack {
        Some(a) => CAM_TOML.replacen("can = ", &format!("attack = \"{a}\"\ncan = "), 1),
        None => CAM_TOML.to_string(),
    };
    VirtualCard::from_profile_toml(toml).unwrap()
}

/// How the app's server answers the PACE-CAM steps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Steps {
    /// As `emrtd serve` does, at `NOW`.
    Serve,
    /// As `emrtd serve` does, after the challenge expired.
    Late,
    /// `200` with a body that is not a step's answer.
    Garbage,
    /// `200` with a body larger than any step's answer.
    Huge,
    /// No answer (the app's HTTP client failed).
    Unreachable,
}

/// The app's `RemoteServer`: the server half of the steps in-process (`emrtd_remote::pace_map`
/// and `pace_agree`, answered as `emrtd serve` answers them over HTTP). It records the paths
/// posted; it can lose the tag of `link` once after the first `/v1/pace/map` and cancel a
/// token there.
struct AppServer {
    server: Arc<Server>,
    steps: Steps,
    posts: Mutex<Vec<String>>,
    link: Mutex<Option<Arc<AsyncForward>>>,
    lose_tag_after_map: AtomicBool,
    cancel_at_map: Option<Arc<CancellationToken>>,
}

impl AppServer {
    fn new(server: Arc<Server>, steps: Steps) -> Self {
        AppServer {
            server,
            steps,
            posts: Mutex::new(Vec::new()),
            link: Mutex::new(None),
            lose_tag_after_map: AtomicBool::new(false),
            cancel_at_map: None,
        }
    }
}

#[async_trait::async_trait]
impl RemoteServer for AppServer {
    async fn post(&self, path: String, body: String) -> Result<ServerAnswer, RemoteServerError> {
        self.posts.lock().unwrap().push(path.clone());
        if path == "/v1/pace/map" {
            if self.lose_tag_after_map.swap(false, Ordering::SeqCst) {
                // The next chip command (the key agreement) finds the tag gone.
                let link = self.link.lock().unwrap().clone().unwrap();
                let next = link.apdus.load(Ordering::SeqCst) + 1;
                *link.lose_at.lock().unwrap() = Some(next);
            }
            if let Some(token) = &self.cancel_at_map {
                token.cancel();
            }
        }
        let now = match self.steps {
            Steps::Late => NOW + 301,
            _ => NOW,
        };
        let mut rng = rand_core::OsRng;
        let (ring, policy, body) = (&self.server.ring, &Policy::default(), body.as_bytes());
        let answer = match path.as_str() {
            "/v1/pace/map" => emrtd_remote::pace_map(ring, policy, body, now, &mut rng)
                .map(|a| serde_json::to_string(&a).unwrap()),
            "/v1/pace/agree" => emrtd_remote::pace_agree(ring, policy, body, now, &mut rng)
                .map(|a| serde_json::to_string(&a).unwrap()),
            other => panic!("the library posted to {other}"),
        };
        match self.steps {
            Steps::Unreachable => Err(RemoteServerError::Unreachable {
                reason: "connection refused".into(),
            }),
            Steps::Garbage => Ok(ServerAnswer {
                status: 200,
                body: "{\"token\": 7}".into(),
            }),
            Steps::Huge => Ok(ServerAnswer {
                status: 200,
                body: " ".repeat(70_000),
            }),
            Steps::Serve | Steps::Late => Ok(match answer {
                Ok(body) => ServerAnswer { status: 200, body },
                Err(e) => ServerAnswer {
                    status: e.http_status(),
                    body: serde_json::json!({"error": e.code(), "reason": e.to_string()})
                        .to_string(),
                },
            }),
        }
    }
}

/// What an app's PACE-CAM read left: the challenge, the app's server, the NFC link, the read.
struct CamRun {
    challenge: Arc<RemoteChallenge>,
    app: Arc<AppServer>,
    link: Arc<AsyncForward>,
    events: common::Events,
    read: Result<Arc<RemoteRead>, EmrtdError>,
}

/// The phone side as an app with PACE-CAM runs it: proof files, a challenge request that
/// offers PACE-CAM, the read with the server steps through `app`.
fn cam_phone(
    s: &Arc<Server>,
    card: Arc<VirtualCard>,
    app: AppServer,
    cancel: Option<Arc<CancellationToken>>,
) -> CamRun {
    let (link, key, files) = read_proof_files_of(&card);
    assert!(files.dg14.is_none() && files.dg15.is_none());
    let body = remote_challenge_request("tx-cam".into(), None, Some(files), true).unwrap();
    let challenge = RemoteChallenge::from_json(s.challenge(&body)).unwrap();
    card.reset();
    *app.link.lock().unwrap() = Some(link.clone());
    let app = Arc::new(app);
    let events = common::Events::default();
    let read = block_on(read_for_remote_verification(
        link.clone(),
        key,
        challenge.clone(),
        "tx-cam".into(),
        None,
        Some(Box::new(events.clone())),
        cancel,
        Some(app.clone()),
    ));
    CamRun {
        challenge,
        app,
        link,
        events,
        read,
    }
}

fn verify_as(s: &Server, read: &RemoteRead) -> RemoteVerdict {
    let e = read.evidence_json();
    emrtd_remote::verify_evidence(&s.ring, &s.trust, &Policy::default(), e.as_bytes(), NOW + 5)
        .unwrap()
}

#[test]
fn a_chip_with_only_pace_cam_is_proven_through_the_bindings_with_the_apps_server_steps() {
    let s = Arc::new(server());
    let CamRun {
        challenge,
        app,
        read,
        ..
    } = cam_phone(
        &s,
        cam_card(None),
        AppServer::new(s.clone(), Steps::Serve),
        None,
    );
    assert_eq!(challenge.proof_method(), RemoteProofMethod::PaceCam);
    assert_eq!(
        *app.posts.lock().unwrap(),
        ["/v1/pace/map", "/v1/pace/agree"]
    );
    let read = read.unwrap();
    let v = verify_as(&s, &read);
    assert_eq!(v.chip_proof.method, emrtd_remote::ProofMethod::PaceCam);
    assert!(v.genuine_chip, "{:?}", v.chip_proof);
    assert!(v.data_authentic);
    assert!(v.accepted, "{:?}", v.reasons);
    assert_eq!(
        read.document().mrz().unwrap().unwrap().document_number,
        "GDC000127"
    );
}

#[test]
fn a_pace_cam_clone_read_through_the_bindings_is_refused_by_the_server() {
    let s = Arc::new(server());
    let CamRun { read, .. } = cam_phone(
        &s,
        cam_card(Some("clone")),
        AppServer::new(s.clone(), Steps::Serve),
        None,
    );
    let v = verify_as(&s, &read.unwrap());
    assert_eq!(v.chip_proof.method, emrtd_remote::ProofMethod::PaceCam);
    assert_eq!(v.chip_proof.status, emrtd_remote::ProofStatus::Failed);
    assert!(v.data_authentic, "the clone's files are the genuine ones");
    assert!(!v.genuine_chip);
    assert!(!v.accepted);
    assert!(
        v.chip_proof.reason.contains("CA_IC·PK_IC"),
        "{}",
        v.chip_proof.reason
    );
}

#[test]
fn a_tag_loss_during_the_pace_cam_run_restarts_it_and_the_chip_is_still_proven() {
    let s = Arc::new(server());
    let app = AppServer::new(s.clone(), Steps::Serve);
    app.lose_tag_after_map.store(true, Ordering::SeqCst);
    let CamRun {
        app,
        link,
        events,
        read,
        ..
    } = cam_phone(&s, cam_card(None), app, None);
    let read = read.unwrap();
    assert_eq!(link.reconnects.load(Ordering::SeqCst), 1);
    // Reported as a read's tag loss is: lost (1 of 3), then back.
    let events = events.0.lock().unwrap().clone();
    let lost = events
        .iter()
        .position(|e| *e == ReadProgress::CardLost { attempt: 1, max: 3 })
        .expect("CardLost reported");
    assert!(
        matches!(
            events.get(lost + 1),
            Some(ReadProgress::Resumed {
                file: None,
                offset: 0
            })
        ),
        "{events:?}"
    );
    // The run started again from MSE:Set AT: the mapping step was posted twice.
    assert_eq!(
        *app.posts.lock().unwrap(),
        ["/v1/pace/map", "/v1/pace/map", "/v1/pace/agree"]
    );
    let v = verify_as(&s, &read);
    assert!(v.genuine_chip, "{:?}", v.chip_proof);
    assert!(v.accepted, "{:?}", v.reasons);
}

#[test]
fn a_refused_malformed_or_missing_server_step_fails_with_a_typed_one_line_reason() {
    let s = Arc::new(server());
    for (steps, expect) in [
        (Steps::Late, "(403 expired)"),
        (Steps::Garbage, "/v1/pace/map answer"),
        (Steps::Huge, "more than 65536"),
        (Steps::Unreachable, "connection refused"),
    ] {
        let CamRun { read, .. } =
            cam_phone(&s, cam_card(None), AppServer::new(s.clone(), steps), None);
        let err = read.err().expect("the read must fail");
        let reason = err.to_string();
        match (steps, &err) {
            (Steps::Unreachable, EmrtdError::ServerUnreachable(_)) => {}
            (Steps::Late | Steps::Garbage | Steps::Huge, EmrtdError::ServerRefused(_)) => {}
            _ => panic!("wrong error kind: {err:?}"),
        }
        assert!(reason.contains(expect), "{reason}");
        assert!(!reason.contains('\n'), "{reason}");
    }
}

#[test]
fn cancelling_during_a_pace_cam_step_stops_the_read_with_cancelled() {
    let s = Arc::new(server());
    let token = CancellationToken::new();
    let app = AppServer {
        cancel_at_map: Some(token.clone()),
        ..AppServer::new(s.clone(), Steps::Serve)
    };
    let CamRun { app, read, .. } = cam_phone(&s, cam_card(None), app, Some(token));
    assert!(
        matches!(read, Err(EmrtdError::Cancelled)),
        "{:?}",
        read.err()
    );
    assert_eq!(*app.posts.lock().unwrap(), ["/v1/pace/map"]);
}

#[test]
fn pace_cam_is_asked_only_when_the_app_offers_it_and_needs_the_apps_server() {
    let s = Arc::new(server());
    let card = cam_card(None);
    let link = Arc::new(AsyncForward::new(card.clone()));
    let key = AccessKey::from_can("123456".into()).unwrap();
    let files = block_on(read_proof_files(
        link.clone(),
        key.clone(),
        None,
        None,
        None,
    ))
    .unwrap();
    // Without the offer, a PACE-CAM-only chip gets no proof (phones of earlier versions).
    let body = remote_challenge_request("tx".into(), None, Some(files.clone()), false).unwrap();
    let c = RemoteChallenge::from_json(s.challenge(&body)).unwrap();
    assert_eq!(c.proof_method(), RemoteProofMethod::None);
    // With it, PACE-CAM; the read refuses to start without the app's server.
    let body = remote_challenge_request("tx".into(), None, Some(files), true).unwrap();
    let c = RemoteChallenge::from_json(s.challenge(&body)).unwrap();
    assert_eq!(c.proof_method(), RemoteProofMethod::PaceCam);
    card.reset();
    let apdus = link.apdus.load(Ordering::SeqCst);
    let err = block_on(read_for_remote_verification(
        link.clone(),
        key,
        c,
        "tx".into(),
        None,
        None,
        None,
        None,
    ))
    .err()
    .unwrap();
    let EmrtdError::InvalidArgument(reason) = err else {
        panic!("{err}")
    };
    assert!(reason.contains("RemoteServer"), "{reason}");
    assert_eq!(
        link.apdus.load(Ordering::SeqCst),
        apdus,
        "nothing was sent to the chip"
    );
    // A PACE-CAM challenge whose parameters are not PACE-CAM is refused when it is parsed.
    let not_cam = serde_json::json!({
        "token": "v1.k.AAAA",
        "expires_at": NOW + 300,
        "proof": {
            "type": "pace_cam",
            "protocol": "0.4.0.127.0.7.2.2.4.2.2",
            "parameter_id": 13,
            "mapping_public_key": "04"
        }
    });
    let err = RemoteChallenge::from_json(not_cam.to_string()).unwrap_err();
    let EmrtdError::InvalidArgument(reason) = err else {
        panic!("{err}")
    };
    assert!(reason.contains("not PACE-CAM"), "{reason}");
}
