//! Remote verification end to end against virtual chips: a phone (the read engine over the
//! simulator) asks for a challenge, reads, runs the proof and posts the evidence; the server
//! half judges it. Genuine chips are accepted; clones, replays, other contexts, expired
//! challenges, forged signatures, wrong MACs, swapped DG14s and tampered evidence are not.

use emrtd_auth::TrustStore;
use emrtd_reader::{read_blocking, AccessKey, EfId, Engine, EngineConfig, FixedClock, ReadOptions};
use emrtd_remote::phone::{
    challenge_request, challenge_request_with, evidence_of, evidence_with, PaceCamPhone,
    PaceCamStep,
};
use emrtd_remote::{
    issue_challenge, pace_agree, pace_map, verify_evidence, ChallengeResponse, Evidence,
    Expectations, Expected, FileName, KeyRing, Policy, Proof, ProofMethod, ProofStatus,
    RemoteVerdict, RequestError, ServerKey,
};
use emrtd_sim::{Attack, Profile, VirtualChip};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::BTreeMap;

/// 2026-01-01 00:00 UTC: the virtual Norwegian ID card (expiry 2026-06-11) is valid.
const NOW: i64 = 1_767_225_600;

struct Server {
    ring: KeyRing,
    trust: TrustStore,
    policy: Policy,
}

fn server() -> Server {
    let mut trust = TrustStore::new();
    trust
        .add_der_certificate(emrtd_sim::pki::TEST_CSCA)
        .unwrap();
    Server {
        ring: KeyRing::new(ServerKey::new("test", [0x42; 32]).unwrap()),
        trust,
        policy: Policy::default(),
    }
}

impl Server {
    fn challenge(&self, body: &[u8], seed: u64) -> ChallengeResponse {
        issue_challenge(
            &self.ring,
            &self.policy,
            body,
            NOW,
            &mut StdRng::seed_from_u64(seed),
        )
        .unwrap()
    }

    fn verify(&self, evidence: &Evidence, now: i64) -> Result<RemoteVerdict, RequestError> {
        verify_evidence(
            &self.ring,
            &self.trust,
            &self.policy,
            &evidence.to_json(),
            now,
        )
    }
}

fn ca_profile() -> Profile {
    Profile::builtin("norway-id").unwrap()
}

fn aa_profile() -> Profile {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.chip_authentication = None;
    p.active_authentication = "ec-p256".into();
    p
}

fn key() -> AccessKey {
    AccessKey::from_can("123456").unwrap()
}

fn proof_files(chip: &mut VirtualChip) -> BTreeMap<EfId, Vec<u8>> {
    chip.reset();
    let engine = Engine::proof_files(
        EngineConfig::new(key(), ReadOptions::default()),
        StdRng::seed_from_u64(7),
        FixedClock(NOW),
    );
    let files = read_blocking(chip, engine, &mut |_| {}).unwrap();
    chip.reset();
    files
}

/// The phone: ask for a challenge (disclosing the files read first), read with the proof.
fn phone(
    server: &Server,
    chip: &mut VirtualChip,
    context: &str,
    expect: Expectations,
) -> (ChallengeResponse, Evidence) {
    let pre = proof_files(chip);
    read_with_proof(server, chip, context, expect, &pre, 11)
}

/// Ask for a challenge disclosing `pre` (the challenge drawn with `seed`), then read the chip
/// in one session with the proof the server asked for.
fn read_with_proof(
    server: &Server,
    chip: &mut VirtualChip,
    context: &str,
    expect: Expectations,
    pre: &BTreeMap<EfId, Vec<u8>>,
    seed: u64,
) -> (ChallengeResponse, Evidence) {
    let body = challenge_request(
        context,
        expect,
        pre.get(&EfId::CardAccess).map(Vec::as_slice),
        pre.get(&EfId::Dg(14)).map(Vec::as_slice),
        pre.get(&EfId::Dg(15)).map(Vec::as_slice),
    );
    let challenge = server.challenge(&body, seed);
    let remote_proof = challenge
        .proof
        .instructions()
        .unwrap()
        .remote_proof()
        .unwrap();
    let options = ReadOptions {
        remote_proof,
        ..ReadOptions::default()
    };
    // A new session for the read with the proof (a phone reconnects the tag).
    chip.reset();
    let engine = Engine::new(
        EngineConfig::new(key(), options),
        StdRng::seed_from_u64(8),
        FixedClock(NOW),
    );
    let doc = read_blocking(chip, engine, &mut |_| {}).unwrap();
    let evidence = evidence_of(&challenge.token, context, &doc);
    (challenge, evidence)
}

/// The data are the issuer's (Passive Authentication) but the chip proof failed with a reason
/// containing `reason`, so the verdict is not accepted.
fn assert_chip_refused(v: &RemoteVerdict, reason: &str) {
    assert!(v.data_authentic, "{:?}", v.passive_authentication);
    assert!(!v.genuine_chip, "{:?}", v.chip_proof);
    assert_eq!(v.chip_proof.status, ProofStatus::Failed);
    assert!(
        v.chip_proof.reason.contains(reason),
        "expected {reason:?} in {:?}",
        v.chip_proof.reason
    );
    assert!(!v.accepted);
}

fn chip(p: Profile) -> VirtualChip {
    VirtualChip::new(p).unwrap()
}

/// A chip of the profile playing `attack`, its keys drawn from a source seeded with `seed`:
/// with the same seed and no attack, the genuine document the attack starts from.
fn seeded(p: Profile, attack: Option<Attack>, seed: u64) -> VirtualChip {
    let p = Profile { attack, ..p };
    VirtualChip::with_rng(p, Box::new(StdRng::seed_from_u64(seed))).unwrap()
}

/// Both chips serve these files byte for byte.
fn assert_same_files(a: &VirtualChip, b: &VirtualChip, names: &[&str]) {
    for n in names {
        assert!(a.file(n).is_some(), "{n}");
        assert_eq!(a.file(n), b.file(n), "{n}");
    }
}

const COPIED: [&str; 7] = [
    "COM",
    "SOD",
    "DG1",
    "DG2",
    "DG14",
    "CardAccess",
    "CardSecurity",
];

#[test]
fn a_genuine_chip_with_chip_authentication_is_accepted() {
    let s = server();
    let expect = Expectations {
        document_number: Some("GDC000127".into()),
        name: Some("Aasamund Specimen Oestenbyen".into()),
        ..Default::default()
    };
    let (c, e) = phone(&s, &mut chip(ca_profile()), "tx-1", expect);
    assert!(matches!(
        c.proof,
        emrtd_remote::ProofRequest::ChipAuthentication { .. }
    ));
    let v = s.verify(&e, NOW + 10).unwrap();
    assert_eq!(v.chip_proof.method, ProofMethod::ChipAuthentication);
    assert!(v.genuine_chip, "{:?}", v.chip_proof);
    assert!(v.data_authentic, "{:?}", v.passive_authentication);
    assert_eq!(v.expectations.document_number, Expected::Match);
    assert_eq!(v.expectations.name, Expected::Match);
    assert_eq!(v.within_validity, Some(true));
    assert!(v.face.is_some());
    assert!(v.accepted, "{:?}", v.reasons);
    assert_eq!(v.context, "tx-1");
}

#[test]
fn a_genuine_chip_with_active_authentication_is_accepted() {
    let s = server();
    let (c, e) = phone(&s, &mut chip(aa_profile()), "tx-2", Expectations::default());
    assert!(matches!(
        c.proof,
        emrtd_remote::ProofRequest::ActiveAuthentication { .. }
    ));
    let v = s.verify(&e, NOW + 10).unwrap();
    assert_eq!(v.chip_proof.method, ProofMethod::ActiveAuthentication);
    assert!(v.genuine_chip, "{:?}", v.chip_proof);
    assert!(v.accepted, "{:?}", v.reasons);
}

#[test]
fn a_mismatching_expected_identity_is_refused() {
    let s = server();
    let expect = Expectations {
        document_number: Some("XX0000000".into()),
        ..Default::default()
    };
    let (_, e) = phone(&s, &mut chip(ca_profile()), "tx-3", expect);
    let v = s.verify(&e, NOW).unwrap();
    assert!(v.genuine_chip);
    assert_eq!(v.expectations.document_number, Expected::Mismatch);
    assert!(!v.accepted);
    assert!(v.reasons.iter().any(|r| r.contains("document number")));
}

#[test]
fn a_clone_without_the_ca_private_key_is_refused() {
    let s = server();
    let mut genuine = seeded(ca_profile(), None, 40);
    let mut clone = seeded(ca_profile(), Some(Attack::Clone), 40);
    assert_same_files(&genuine, &clone, &COPIED);
    let (_, e) = phone(&s, &mut genuine, "tx-4", Expectations::default());
    let v = s.verify(&e, NOW).unwrap();
    assert!(v.genuine_chip && v.accepted, "{:?}", v.reasons);
    let (_, e) = phone(&s, &mut clone, "tx-4", Expectations::default());
    let v = s.verify(&e, NOW).unwrap();
    assert_chip_refused(&v, "clone");
}

#[test]
fn a_clone_without_the_aa_private_key_is_refused() {
    let s = server();
    let genuine = seeded(aa_profile(), None, 41);
    let mut clone = seeded(aa_profile(), Some(Attack::Clone), 41);
    assert_same_files(
        &genuine,
        &clone,
        &["COM", "SOD", "DG1", "DG2", "DG14", "DG15"],
    );
    let (_, e) = phone(&s, &mut clone, "tx-5", Expectations::default());
    let v = s.verify(&e, NOW).unwrap();
    assert_eq!(v.chip_proof.method, ProofMethod::ActiveAuthentication);
    assert_chip_refused(&v, "does not verify with the DG15 key");
}

#[test]
fn a_chip_signing_with_a_key_that_is_not_dg15s_is_refused() {
    let s = server();
    let mut genuine = seeded(aa_profile(), None, 42);
    let mut wrong = seeded(aa_profile(), Some(Attack::WrongAaKey), 42);
    assert_same_files(
        &genuine,
        &wrong,
        &["COM", "SOD", "DG1", "DG2", "DG14", "DG15"],
    );
    let (_, e) = phone(&s, &mut genuine, "tx-5b", Expectations::default());
    assert!(s.verify(&e, NOW).unwrap().genuine_chip);
    let (_, e) = phone(&s, &mut wrong, "tx-5b", Expectations::default());
    let v = s.verify(&e, NOW).unwrap();
    assert_chip_refused(&v, "does not verify with the DG15 key");
}

#[test]
fn a_chip_replaying_a_recorded_session_is_refused() {
    let s = server();
    for (profile, seed) in [(ca_profile(), 43), (aa_profile(), 44)] {
        let mut replayer = seeded(profile, Some(Attack::Replay), seed);
        // What the attacker's app disclosed once and keeps disclosing.
        let mut pre = BTreeMap::new();
        for (ef, name) in [(EfId::Dg(14), "DG14"), (EfId::Dg(15), "DG15")] {
            if let Some(b) = replayer.file(name) {
                pre.insert(ef, b.to_vec());
            }
        }
        // The recorded session: the genuine chip answering a proof for challenge 1.
        let (_, recorded) =
            read_with_proof(&s, &mut replayer, "tx-7b", Expectations::default(), &pre, 1);
        let v = s.verify(&recorded, NOW).unwrap();
        assert!(v.genuine_chip && v.accepted, "{:?}", v.reasons);
        // Later, challenge 2: the app repeats its commands (same randomness, so access
        // control replays too) and the chip answers from the recording.
        let (_, replayed) =
            read_with_proof(&s, &mut replayer, "tx-7b", Expectations::default(), &pre, 2);
        assert_eq!(replayed.files, recorded.files);
        let v = s.verify(&replayed, NOW).unwrap();
        assert_chip_refused(&v, "does not verify");
    }
}

#[test]
fn a_replay_chip_fails_access_control_with_a_reader_that_draws_fresh_randomness() {
    let mut replayer = seeded(ca_profile(), Some(Attack::Replay), 45);
    // The recorded session, then a read with other randomness: the replayed PACE answers do
    // not fit the reader's nonces, and the read stops before any file.
    let _ = proof_files(&mut replayer);
    let engine = Engine::new(
        EngineConfig::new(key(), ReadOptions::default()),
        StdRng::seed_from_u64(4545),
        FixedClock(NOW),
    );
    assert!(read_blocking(&mut replayer, engine, &mut |_| {}).is_err());
}

#[test]
fn a_dump_posted_without_any_proof_is_data_authentic_but_not_a_genuine_chip() {
    let s = server();
    let genuine = chip(ca_profile());
    // A modified app that never discloses DG14 gets no chip proof to run.
    let body = challenge_request("tx-6", Expectations::default(), None, None, None);
    let c = s.challenge(&body, 3);
    assert_eq!(c.proof, emrtd_remote::ProofRequest::None);
    let files = ["COM", "SOD", "DG1", "DG2", "DG14"].iter().map(|n| {
        (
            FileName::parse(n).unwrap(),
            genuine.file(n).unwrap().to_vec(),
        )
    });
    let e = emrtd_remote::phone::evidence(&c.token, "tx-6", files, None, Vec::new());
    let v = s.verify(&e, NOW).unwrap();
    assert!(v.data_authentic);
    assert!(!v.genuine_chip);
    assert_eq!(v.chip_proof.status, ProofStatus::NotPerformed);
    assert!(!v.accepted);
    assert!(v.reasons[0].contains("chip not proven"), "{:?}", v.reasons);
}

#[test]
fn a_replayed_transcript_under_a_new_challenge_is_refused() {
    let s = server();
    let mut genuine = chip(ca_profile());
    let (_, recorded) = phone(&s, &mut genuine, "tx-7", Expectations::default());
    // A later session: the attacker gets a fresh challenge and replays the recorded answers.
    let pre = proof_files(&mut genuine);
    let body = challenge_request(
        "tx-7",
        Expectations::default(),
        None,
        pre.get(&EfId::Dg(14)).map(Vec::as_slice),
        None,
    );
    let fresh = s.challenge(&body, 99);
    let mut replay = recorded.clone();
    replay.token = fresh.token;
    let v = s.verify(&replay, NOW).unwrap();
    assert_chip_refused(&v, "not the command the server wrapped");
    // Even with the fresh wrapped commands put in, the recorded answers do not verify.
    if let (
        Proof::ChipAuthentication { exchanges },
        emrtd_remote::ProofRequest::ChipAuthentication { relay, .. },
    ) = (&mut replay.proof, &s.challenge(&body, 99).proof)
    {
        for (x, cmd) in exchanges.iter_mut().zip(relay) {
            x.command = hex::decode(cmd).unwrap();
        }
    }
    let v = s.verify(&replay, NOW).unwrap();
    assert_chip_refused(&v, "does not verify");
}

#[test]
fn a_replayed_aa_signature_under_a_new_challenge_is_refused() {
    let s = server();
    let mut genuine = chip(aa_profile());
    let (_, recorded) = phone(&s, &mut genuine, "tx-8", Expectations::default());
    let body = challenge_request(
        "tx-8",
        Expectations::default(),
        None,
        None,
        genuine.file("DG15"),
    );
    let mut replay = recorded;
    replay.token = s.challenge(&body, 1234).token;
    let v = s.verify(&replay, NOW).unwrap();
    assert_chip_refused(&v, "does not verify");
}

#[test]
fn evidence_for_another_relying_party_context_is_refused() {
    let s = server();
    let (_, mut e) = phone(&s, &mut chip(ca_profile()), "tx-9", Expectations::default());
    e.context = "tx-other".into();
    let err = s.verify(&e, NOW).unwrap_err();
    assert_eq!(err, RequestError::ContextMismatch);
    assert_eq!(err.http_status(), 403);
}

#[test]
fn an_expired_challenge_is_refused() {
    let s = server();
    let (c, e) = phone(
        &s,
        &mut chip(ca_profile()),
        "tx-10",
        Expectations::default(),
    );
    let err = s.verify(&e, c.expires_at + 1).unwrap_err();
    assert!(matches!(err, RequestError::Expired { .. }), "{err}");
    assert!(err.to_string().contains("ask for a new challenge"));
}

#[test]
fn a_forged_aa_signature_is_refused() {
    let s = server();
    let (_, mut e) = phone(
        &s,
        &mut chip(aa_profile()),
        "tx-11",
        Expectations::default(),
    );
    let Proof::ActiveAuthentication { signature } = &mut e.proof else {
        panic!("AA expected")
    };
    signature[10] ^= 0x01;
    let v = s.verify(&e, NOW).unwrap();
    assert_chip_refused(&v, "does not verify");
}

#[test]
fn a_wrong_response_mac_is_refused() {
    let s = server();
    let (_, mut e) = phone(
        &s,
        &mut chip(ca_profile()),
        "tx-12",
        Expectations::default(),
    );
    let Proof::ChipAuthentication { exchanges } = &mut e.proof else {
        panic!("CA expected")
    };
    let r = &mut exchanges[0].response;
    let n = r.len();
    r[n - 3] ^= 0x01; // last byte of the MAC (before the status word)
    let v = s.verify(&e, NOW).unwrap();
    assert_chip_refused(&v, "does not verify");
}

#[test]
fn a_dg14_swapped_for_another_documents_is_refused() {
    let s = server();
    // The attacker holds chip B (genuine, with its own CA key) and the victim's dump A.
    let victim = chip(ca_profile());
    let mut own = chip(ca_profile());
    // Disclosing B's DG14 at challenge time but posting A's files: the DG14 differs.
    let (_, mut e) = phone(&s, &mut own, "tx-13", Expectations::default());
    for n in ["COM", "SOD", "DG1", "DG2", "DG14"] {
        e.files.insert(
            FileName::parse(n).unwrap(),
            victim.file(n).unwrap().to_vec(),
        );
    }
    let v = s.verify(&e, NOW).unwrap();
    assert_chip_refused(&v, "swapped");
    // A chip holding B's DG14 and CA key with A's other files (the dg14-swap profile): the
    // proof runs with B's key, but DG14 fails Passive Authentication against A's EF.SOD.
    let genuine = seeded(ca_profile(), None, 46);
    let mut swapped = seeded(ca_profile(), Some(Attack::Dg14Swap), 46);
    assert_same_files(&genuine, &swapped, &["COM", "SOD", "DG1", "DG2"]);
    assert_ne!(genuine.file("DG14"), swapped.file("DG14"));
    let (_, e) = phone(&s, &mut swapped, "tx-13", Expectations::default());
    let v = s.verify(&e, NOW).unwrap();
    assert!(!v.genuine_chip);
    assert!(!v.data_authentic);
    assert!(
        v.chip_proof
            .reason
            .contains("DG14 is not authenticated by EF.SOD"),
        "{}",
        v.chip_proof.reason
    );
    assert!(!v.accepted);
}

#[test]
fn tampered_evidence_is_refused() {
    let s = server();
    let (_, e) = phone(
        &s,
        &mut chip(ca_profile()),
        "tx-14",
        Expectations::default(),
    );
    // A changed DG1 fails its hash (and the relayed DG1 comparison).
    let mut t = e.clone();
    let dg1 = t.files.get_mut(&FileName::Dg(1)).unwrap();
    let n = dg1.len();
    dg1[n - 2] ^= 0x01;
    let v = s.verify(&t, NOW).unwrap();
    assert!(!v.data_authentic);
    assert!(!v.genuine_chip);
    assert!(!v.accepted);
    // A changed token.
    let mut t = e.clone();
    t.token.push('A');
    assert!(matches!(s.verify(&t, NOW), Err(RequestError::Token(_))));
    // Another server key.
    let other = Server {
        ring: KeyRing::new(ServerKey::new("test", [0x43; 32]).unwrap()),
        ..server()
    };
    assert!(matches!(other.verify(&e, NOW), Err(RequestError::Token(_))));
}

#[test]
fn ten_thousand_mutated_evidence_documents_get_a_client_error_or_a_refusal_and_no_panic() {
    let s = server();
    let (_, e) = phone(
        &s,
        &mut chip(ca_profile()),
        "tx-15",
        Expectations::default(),
    );
    let good = e.to_json();
    let mut rng = StdRng::seed_from_u64(15);
    use rand::Rng;
    let mut accepted = 0;
    for i in 0..10_000 {
        let mut m = good.clone();
        match i % 4 {
            0 => {
                // flip bytes
                for _ in 0..rng.gen_range(1..4) {
                    let at = rng.gen_range(0..m.len());
                    m[at] ^= 1 << rng.gen_range(0..8);
                }
            }
            1 => {
                let at = rng.gen_range(0..m.len());
                m.truncate(at);
            }
            2 => {
                let at = rng.gen_range(0..m.len());
                let len = rng.gen_range(1..64).min(m.len() - at);
                m.drain(at..at + len);
            }
            _ => {
                let at = rng.gen_range(0..m.len());
                let junk: Vec<u8> = (0..rng.gen_range(1..16)).map(|_| rng.gen()).collect();
                m.splice(at..at, junk);
            }
        }
        match verify_evidence(&s.ring, &s.trust, &s.policy, &m, NOW) {
            Ok(v) => accepted += usize::from(v.accepted),
            Err(err) => {
                let status = err.http_status();
                assert!((400..500).contains(&status), "{status}");
                assert!(!err.to_string().contains('\n'));
            }
        }
    }
    // Every byte of the compact document matters (base64 must be canonical): no mutation is
    // accepted.
    assert_eq!(accepted, 0, "mutated documents accepted");
}

#[test]
fn the_evidence_of_every_proof_follows_its_json_schema() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("remote-evidence.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let s = server();
    let mut documents: Vec<Evidence> = [ca_profile(), aa_profile()]
        .into_iter()
        .map(|p| phone(&s, &mut chip(p), "tx-schema", Expectations::default()).1)
        .collect();
    documents.push(pace_cam_phone(&s, &mut chip(cam_profile()), "tx-schema", 70).0);
    for e in documents {
        let doc: serde_json::Value = serde_json::from_slice(&e.to_json()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // The schema refuses what the parser refuses.
    let bad = serde_json::json!({"version": 2, "token": "x", "context": "", "files": {"DG0": "A"}, "proof": {"type": "none"}});
    assert!(!validator.is_valid(&bad));
}

/// A document whose only chip proof is PACE-CAM: no DG14 Chip Authentication, no AA.
fn cam_profile() -> Profile {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.chip_authentication = None;
    p.access.pace[0].mapping = "CAM".into();
    p
}

/// The phone's chip for a PACE-CAM run: the virtual chip, or a recording played back.
type ChipFn<'a> = &'a mut dyn FnMut(&[u8]) -> Vec<u8>;

/// The server-driven PACE-CAM run: the phone relays between `chip` and the server half
/// (`pace_map`, `pace_agree` with randomness from `seed`). The token and the proof for the
/// evidence, and every chip answer in order.
fn run_pace_cam(
    s: &Server,
    challenge: &ChallengeResponse,
    chip: ChipFn<'_>,
    seed: u64,
) -> (String, Proof, Vec<Vec<u8>>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut phone = PaceCamPhone::new(challenge, &key()).unwrap();
    let mut answers = Vec::new();
    let mut answer = |cmd: &[u8], answers: &mut Vec<Vec<u8>>| {
        let r = chip(cmd);
        answers.push(r.clone());
        r
    };
    let first = answer(&phone.start(), &mut answers);
    let mut step = phone.chip(&first).unwrap();
    loop {
        step = match step {
            PaceCamStep::Chip(cmd) => {
                let r = answer(&cmd, &mut answers);
                phone.chip(&r).unwrap()
            }
            PaceCamStep::Server { path, body } => {
                let reply = match path {
                    "/v1/pace/map" => serde_json::to_vec(
                        &pace_map(&s.ring, &s.policy, &body, NOW, &mut rng).unwrap(),
                    ),
                    "/v1/pace/agree" => serde_json::to_vec(
                        &pace_agree(&s.ring, &s.policy, &body, NOW, &mut rng).unwrap(),
                    ),
                    other => panic!("unknown step {other}"),
                }
                .unwrap();
                phone.server(&reply).unwrap()
            }
            PaceCamStep::Done { token, proof } => return (token, proof, answers),
            other => panic!("unexpected PACE-CAM step {other:?}"),
        };
    }
}

/// The PACE-CAM phone: proof files, challenge (seeded `seed`), the read under the phone's own
/// PACE, then the server-driven PACE-CAM run on a new session.
fn pace_cam_phone(
    s: &Server,
    chip: &mut VirtualChip,
    context: &str,
    seed: u64,
) -> (Evidence, Vec<Vec<u8>>) {
    let pre = proof_files(chip);
    let body = challenge_request_with(
        context,
        Expectations::default(),
        pre.get(&EfId::CardAccess).map(Vec::as_slice),
        pre.get(&EfId::Dg(14)).map(Vec::as_slice),
        pre.get(&EfId::Dg(15)).map(Vec::as_slice),
        true,
    );
    let challenge = s.challenge(&body, seed);
    assert!(
        matches!(challenge.proof, emrtd_remote::ProofRequest::PaceCam { .. }),
        "{:?}",
        challenge.proof
    );
    let engine = Engine::new(
        EngineConfig::new(key(), ReadOptions::default()),
        StdRng::seed_from_u64(8),
        FixedClock(NOW),
    );
    let doc = read_blocking(chip, engine, &mut |_| {}).unwrap();
    chip.reset();
    let (token, proof, answers) =
        run_pace_cam(s, &challenge, &mut |c: &[u8]| chip.process(c), seed + 1000);
    (evidence_with(&token, context, &doc, proof), answers)
}

#[test]
fn a_chip_with_only_pace_cam_is_proven_by_the_server_driven_run() {
    let s = server();
    let (e, _) = pace_cam_phone(&s, &mut chip(cam_profile()), "tx-cam-1", 60);
    assert!(matches!(e.proof, Proof::PaceCam { .. }));
    assert!(e.files.contains_key(&FileName::CardSecurity));
    let v = s.verify(&e, NOW + 5).unwrap();
    assert_eq!(v.chip_proof.method, ProofMethod::PaceCam);
    assert!(v.genuine_chip, "{:?}", v.chip_proof);
    assert!(v.data_authentic, "{:?}", v.passive_authentication);
    assert!(v.accepted, "{:?}", v.reasons);
}

#[test]
fn a_phone_that_does_not_run_pace_cam_is_not_asked_for_it() {
    let s = server();
    let pre = proof_files(&mut chip(cam_profile()));
    let card_access = pre.get(&EfId::CardAccess).map(Vec::as_slice);
    let c = s.challenge(
        &challenge_request("tx-cam-0", Expectations::default(), card_access, None, None),
        59,
    );
    assert_eq!(c.proof, emrtd_remote::ProofRequest::None);
    // With DG14's Chip Authentication as well, CA comes first.
    let ca = proof_files(&mut chip(ca_profile()));
    let c = s.challenge(
        &challenge_request_with(
            "tx-cam-0",
            Expectations::default(),
            card_access,
            ca.get(&EfId::Dg(14)).map(Vec::as_slice),
            None,
            true,
        ),
        59,
    );
    assert!(matches!(
        c.proof,
        emrtd_remote::ProofRequest::ChipAuthentication { .. }
    ));
}

#[test]
fn a_pace_cam_clone_without_the_chip_key_is_refused() {
    let s = server();
    let genuine = seeded(cam_profile(), None, 61);
    let mut clone = seeded(cam_profile(), Some(Attack::Clone), 61);
    assert_same_files(&genuine, &clone, &["COM", "SOD", "DG1", "CardSecurity"]);
    let (e, _) = pace_cam_phone(&s, &mut clone, "tx-cam-2", 62);
    let v = s.verify(&e, NOW).unwrap();
    assert_eq!(v.chip_proof.method, ProofMethod::PaceCam);
    assert_chip_refused(&v, "CA_IC·PK_IC");
}

#[test]
fn a_recorded_pace_cam_run_replayed_against_a_new_challenge_is_refused() {
    let s = server();
    let mut genuine = seeded(cam_profile(), None, 63);
    let (recorded, answers) = pace_cam_phone(&s, &mut genuine, "tx-cam-3", 64);
    assert!(s.verify(&recorded, NOW).unwrap().accepted);
    // A new challenge; the app plays the recorded chip answers back in order.
    let pre = proof_files(&mut genuine);
    let body = challenge_request_with(
        "tx-cam-3",
        Expectations::default(),
        pre.get(&EfId::CardAccess).map(Vec::as_slice),
        None,
        None,
        true,
    );
    let challenge = s.challenge(&body, 65);
    let mut played = answers.into_iter();
    let (token, proof, _) = run_pace_cam(
        &s,
        &challenge,
        &mut |_: &[u8]| played.next().unwrap_or_else(|| vec![0x6F, 0x00]),
        66,
    );
    let mut replayed = recorded.clone();
    replayed.token = token;
    replayed.proof = proof;
    let v = s.verify(&replayed, NOW).unwrap();
    assert_chip_refused(&v, "T_IC does not verify");
}

fn cam_proof(e: &mut Evidence) -> (&mut Vec<u8>, &mut Vec<u8>) {
    let Proof::PaceCam {
        chip_token,
        chip_authentication_data,
        ..
    } = &mut e.proof
    else {
        panic!("not a PACE-CAM proof");
    };
    (chip_token, chip_authentication_data)
}

#[test]
fn forged_pace_cam_data_or_a_wrong_chip_token_is_refused() {
    let s = server();
    let (genuine, _) = pace_cam_phone(&s, &mut chip(cam_profile()), "tx-cam-4", 67);
    assert!(s.verify(&genuine, NOW).unwrap().accepted);

    let mut forged = genuine.clone();
    cam_proof(&mut forged).1[0] ^= 0x01;
    assert_chip_refused(&s.verify(&forged, NOW).unwrap(), "CA_IC·PK_IC");

    let mut wrong = genuine.clone();
    cam_proof(&mut wrong).0[7] ^= 0x80;
    assert_chip_refused(&s.verify(&wrong, NOW).unwrap(), "T_IC does not verify");

    // A relayed answer with a wrong MAC.
    let mut bad_mac = genuine.clone();
    let Proof::PaceCam { exchanges, .. } = &mut bad_mac.proof else {
        unreachable!()
    };
    let last = exchanges[1].response.len() - 3;
    exchanges[1].response[last] ^= 0x01;
    assert_chip_refused(
        &s.verify(&bad_mac, NOW).unwrap(),
        "does not verify under the keys",
    );

    // An EF.CardSecurity that is not the issuer's: its key proves nothing.
    let mut other = genuine.clone();
    let cs = other.files.get_mut(&FileName::CardSecurity).unwrap();
    let n = cs.len() - 1;
    cs[n] ^= 0x01;
    let v = s.verify(&other, NOW).unwrap();
    assert!(!v.data_authentic && !v.genuine_chip && !v.accepted);
    assert!(
        v.chip_proof
            .reason
            .contains("EF.CardSecurity is not authenticated"),
        "{}",
        v.chip_proof.reason
    );
}

#[test]
fn pace_cam_steps_refuse_bad_requests_with_a_reason() {
    let s = server();
    let mut c = chip(cam_profile());
    let pre = proof_files(&mut c);
    let body = challenge_request_with(
        "tx-cam-5",
        Expectations::default(),
        pre.get(&EfId::CardAccess).map(Vec::as_slice),
        None,
        None,
        true,
    );
    let challenge = s.challenge(&body, 68);
    let mut rng = StdRng::seed_from_u64(1);
    let map = |body: serde_json::Value, rng: &mut StdRng| {
        pace_map(
            &s.ring,
            &s.policy,
            &serde_json::to_vec(&body).unwrap(),
            NOW,
            rng,
        )
    };
    // Not a point, wrong nonce length, another step's token, an expired token.
    let point = "04".to_string() + &"11".repeat(64);
    for (body, want) in [
        (
            serde_json::json!({"token": challenge.token, "nonce": "00".repeat(16), "chip_mapping_public_key": point}),
            "not a point",
        ),
        (
            serde_json::json!({"token": challenge.token, "nonce": "00".repeat(5), "chip_mapping_public_key": point}),
            "nonce is 5 bytes",
        ),
        (
            serde_json::json!({"token": challenge.token, "nonce": "zz", "chip_mapping_public_key": point}),
            "not hexadecimal",
        ),
        (
            serde_json::json!({"token": challenge.token, "nonce": "00", "extra": 1}),
            "unknown field",
        ),
    ] {
        let e = map(body, &mut rng).unwrap_err();
        assert_eq!(e.http_status(), 400, "{e}");
        assert!(e.to_string().contains(want), "{e}");
    }
    let late = pace_map(
        &s.ring,
        &s.policy,
        &serde_json::to_vec(&serde_json::json!({"token": challenge.token, "nonce": "00".repeat(16), "chip_mapping_public_key": point})).unwrap(),
        NOW + 10_000,
        &mut rng,
    )
    .unwrap_err();
    assert_eq!(late.code(), "expired");
    let wrong_step = pace_agree(
        &s.ring,
        &s.policy,
        &serde_json::to_vec(
            &serde_json::json!({"token": challenge.token, "chip_public_key": point}),
        )
        .unwrap(),
        NOW,
        &mut rng,
    )
    .unwrap_err();
    assert!(
        wrong_step.to_string().contains("key agreement step"),
        "{wrong_step}"
    );
    // The challenge's token posted as evidence: the run was not completed.
    let mut e = pace_cam_phone(&s, &mut c, "tx-cam-5", 69).0;
    e.token = challenge.token.clone();
    let v = s.verify(&e, NOW).unwrap();
    assert_chip_refused(&v, "not completed");
}

#[test]
fn an_expected_national_identity_number_is_matched_against_the_authenticated_mrz() {
    let s = server();
    let mut p = ca_profile();
    // An ID card whose MRZ optional data carry a valid Norwegian national identity number.
    let mrz = emrtd_mrz::MrzBuilder::from_mrz(&p.parsed_mrz().unwrap())
        .optional_data("150550<12374")
        .build()
        .unwrap();
    p.mrz = mrz.to_string_lines().lines().map(String::from).collect();
    for (nin, want) in [
        ("15055012374", Expected::Match),
        ("15055010010", Expected::Mismatch),
    ] {
        let expect = Expectations {
            national_identity_number: Some(nin.into()),
            ..Default::default()
        };
        let (_, e) = phone(&s, &mut chip(p.clone()), "tx-nin", expect);
        let v = s.verify(&e, NOW).unwrap();
        assert!(v.genuine_chip && v.data_authentic, "{:?}", v.reasons);
        assert_eq!(v.expectations.national_identity_number, want, "{nin}");
        assert_eq!(v.accepted, want == Expected::Match, "{:?}", v.reasons);
        if want == Expected::Mismatch {
            assert!(
                v.reasons
                    .iter()
                    .any(|r| r.contains("national identity number differs")),
                "{:?}",
                v.reasons
            );
        }
    }
}

#[test]
fn a_document_past_its_date_of_expiry_is_refused_though_its_chip_is_genuine() {
    // 2026-07-01 00:00 UTC: the virtual ID card expired on 2026-06-11.
    const LATER: i64 = 1_782_864_000;
    let s = server();
    let mut c = chip(ca_profile());
    let pre = proof_files(&mut c);
    let body = challenge_request(
        "tx-expired-doc",
        Expectations::default(),
        None,
        pre.get(&EfId::Dg(14)).map(Vec::as_slice),
        None,
    );
    let challenge = issue_challenge(
        &s.ring,
        &s.policy,
        &body,
        LATER,
        &mut StdRng::seed_from_u64(5),
    )
    .unwrap();
    let options = ReadOptions {
        remote_proof: challenge
            .proof
            .instructions()
            .unwrap()
            .remote_proof()
            .unwrap(),
        ..ReadOptions::default()
    };
    c.reset();
    let engine = Engine::new(
        EngineConfig::new(key(), options),
        StdRng::seed_from_u64(8),
        FixedClock(LATER),
    );
    let doc = read_blocking(&mut c, engine, &mut |_| {}).unwrap();
    let e = evidence_of(&challenge.token, "tx-expired-doc", &doc);
    let v = s.verify(&e, LATER + 10).unwrap();
    assert!(v.genuine_chip, "{:?}", v.chip_proof);
    assert_eq!(v.date_of_expiry.as_deref(), Some("2026-06-11"));
    assert_eq!(v.within_validity, Some(false));
    assert!(!v.accepted);
    assert!(
        v.reasons.iter().any(|r| r == "the document has expired"),
        "{:?}",
        v.reasons
    );
}
