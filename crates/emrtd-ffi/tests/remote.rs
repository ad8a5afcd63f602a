//! The phone side of remote verification through the bindings' API, as an app drives it: the
//! proof files, the challenge request, the server's answer, the read with the proof through the
//! async foreign transport, the evidence. The server half runs in-process (`emrtd-remote`).

mod common;

use common::{block_on, AsyncForward};
use emrtd_ffi::*;
use emrtd_remote::{KeyRing, Policy, RemoteVerdict, RequestError, ServerKey};
use std::sync::atomic::Ordering;
use std::sync::Arc;

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

fn phone_with(
    s: &Server,
    card: Arc<VirtualCard>,
    lose_at: Option<usize>,
) -> (Arc<RemoteChallenge>, Arc<RemoteRead>) {
    // The app's NFC link; the tag comes back whenever the app reconnects it.
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
    let body = remote_challenge_request(
        "tx-ffi".into(),
        Some(RemoteExpectations {
            document_number: Some("GDC000127".into()),
            ..Default::default()
        }),
        Some(files),
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
    let body = remote_challenge_request("tx".into(), None, None).unwrap();
    let c = RemoteChallenge::from_json(s.challenge(&body)).unwrap();
    assert_eq!(c.proof_method(), RemoteProofMethod::None);
    for bad in ["", "x".repeat(257).as_str()] {
        assert!(matches!(
            remote_challenge_request(bad.into(), None, None),
            Err(EmrtdError::InvalidArgument(_))
        ));
    }
    let expect = RemoteExpectations {
        national_identity_number: Some("0101\n0012345".into()),
        ..Default::default()
    };
    assert!(matches!(
        remote_challenge_request("tx".into(), Some(expect), None),
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

#[test]
fn a_pace_cam_challenge_is_refused_with_a_reason_because_the_bindings_do_not_run_it() {
    // The bindings' challenge request never offers PACE-CAM; a server asking anyway is told
    // apart from a malformed answer.
    let pace_cam = serde_json::json!({
        "token": "v1.k.AAAA",
        "expires_at": NOW + 300,
        "proof": {
            "type": "pace_cam",
            "protocol": "0.4.0.127.0.7.2.2.4.6.2",
            "parameter_id": 13,
            "mapping_public_key": "04"
        }
    });
    let err = RemoteChallenge::from_json(pace_cam.to_string()).unwrap_err();
    let EmrtdError::InvalidArgument(reason) = err else {
        panic!("{err}")
    };
    assert!(reason.contains("PACE-CAM"), "{reason}");
}
