//! `emrtd read --remote URL`: the phone side of remote verification. Ask the server for a
//! challenge (disclosing EF.CardAccess, DG14 and DG15 so that it can choose the proof), read
//! the chip running the proof the server asks for, post the evidence, print the server's
//! verdict. This side decides nothing: the verdict is the server's.

use crate::exit::{Exit, Failure};
use crate::out::outln;
use crate::SCHEMA_VERSION;
use emrtd_apdu::Transport;
use emrtd_reader::{
    read_blocking, AccessKey, EfId, Engine, EngineConfig, Progress, ReadOptions, SystemClock,
};
use emrtd_remote::phone::{
    challenge_request_with, evidence_of, evidence_with, PaceCamPhone, PaceCamStep,
};
use emrtd_remote::RemoteVerdict;
use emrtd_remote::{ChallengeResponse, Expectations, Expected, ProofMethod, ProofStatus};
use std::time::Duration;

/// Largest answer read from the server (a verdict carries the face image, base64).
const MAX_ANSWER: u64 = 8 << 20;
/// Time limit of one exchange with the server.
const SERVER_TIMEOUT: Duration = Duration::from_secs(30);

/// What `--remote` and its companions ask for.
pub struct RemoteArgs {
    /// The server's base URL, without a trailing `/`.
    pub base: String,
    /// The relying party's context.
    pub context: String,
    /// The expected values.
    pub expect: Expectations,
    /// Print JSON.
    pub json: bool,
}

impl RemoteArgs {
    /// Check the options before a reader is touched.
    pub fn new(
        url: &str,
        context: Option<&str>,
        expect: Expectations,
        json: bool,
    ) -> Result<RemoteArgs, Failure> {
        let base = url.trim_end_matches('/');
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--remote {url}: give the server's URL, http://HOST:PORT or https://HOST"
                ))
            })?;
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            return Err(Failure::usage(format!(
                "--remote {url}: the URL has no host; give http://HOST:PORT or https://HOST"
            )));
        }
        let context = match context {
            Some(c) => c.to_string(),
            None => {
                let mut nonce = [0u8; 12];
                rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
                format!("emrtd-cli-{}", hex::encode(nonce))
            }
        };
        if context.is_empty() || context.len() > emrtd_remote::evidence::MAX_CONTEXT {
            return Err(Failure::usage(format!(
                "--context: give 1 to {} bytes",
                emrtd_remote::evidence::MAX_CONTEXT
            )));
        }
        expect
            .check()
            .map_err(|e| Failure::usage(format!("--expect-…: {e}")))?;
        Ok(RemoteArgs {
            base: base.to_string(),
            context,
            expect,
            json,
        })
    }

    fn plain_http_elsewhere(&self) -> bool {
        let Some(rest) = self.base.strip_prefix("http://") else {
            return false;
        };
        let host = rest.split(['/', '?']).next().unwrap_or("");
        !(host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]"))
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(SERVER_TIMEOUT))
        .max_redirects(0)
        .user_agent(concat!("emrtd/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// POST JSON; the status and the body (bounded).
fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> Result<(u16, Vec<u8>), Failure> {
    let mut r = agent
        .post(url)
        .content_type("application/json")
        .send(body)
        .map_err(|e| {
            Failure::device(format!(
                "cannot reach the verification server at {url}: {e}; check --remote"
            ))
        })?;
    let status = r.status().as_u16();
    let bytes = r
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_vec()
        .map_err(|e| {
            Failure::device(format!(
                "the answer of the verification server at {url} could not be read: {e}"
            ))
        })?;
    Ok((status, bytes))
}

/// The failure of a refused request: the server's one-line reason.
fn refused(what: &str, status: u16, body: &[u8]) -> Failure {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = v["error"].as_str().unwrap_or("");
    let reason: String = v["reason"]
        .as_str()
        .unwrap_or("no reason given")
        .chars()
        .take(300)
        .collect();
    let message = format!("the server refused the {what} ({status} {code}): {reason}");
    match status {
        // The token or the evidence was judged and refused: not a genuine read for this server.
        403 => Failure {
            exit: Exit::Invalid,
            message,
        },
        400..=499 => Failure::usage(message),
        _ => Failure::device(message),
    }
}

/// Run the phone side over `transport`; print the server's verdict.
pub fn run(
    transport: &mut dyn Transport,
    key: &AccessKey,
    options: &ReadOptions,
    remote: &RemoteArgs,
    progress: &mut dyn FnMut(Progress),
) -> Result<Exit, Failure> {
    if remote.plain_http_elsewhere() && !remote.json {
        eprintln!(
            "warning: {} is plain HTTP to another machine: the exchange is not encrypted; use https://",
            remote.base
        );
    }
    let agent = agent();
    // 1. The files that let the server choose the proof.
    let extended = transport.may_support_extended_length();
    let config = |options: ReadOptions| {
        EngineConfig::new(key.clone(), options).link_extended_length(extended)
    };
    let engine = Engine::proof_files(config(options.clone()), rand_core::OsRng, SystemClock);
    let pre = read_blocking(transport, engine, progress)?;
    // 2. The challenge.
    let body = challenge_request_with(
        &remote.context,
        remote.expect.clone(),
        pre.get(&EfId::CardAccess).map(Vec::as_slice),
        pre.get(&EfId::Dg(14)).map(Vec::as_slice),
        pre.get(&EfId::Dg(15)).map(Vec::as_slice),
        true,
    );
    let url = format!("{}/v1/challenge", remote.base);
    let (status, answer) = post(&agent, &url, &body)?;
    if status != 200 {
        return Err(refused("challenge request", status, &answer));
    }
    let challenge: ChallengeResponse = serde_json::from_slice(&answer).map_err(|e| {
        Failure::device(format!(
            "the server's challenge is not the document expected ({e}): is {} an emrtd server?",
            remote.base
        ))
    })?;
    let remote_proof = challenge
        .proof
        .instructions()
        .and_then(|i| i.remote_proof())
        .map_err(|e| Failure::device(format!("the server's proof instructions: {e}")))?;
    // 3. A new session with the proof (the chip starts afresh).
    transport.reconnect().map_err(|e| {
        Failure::device(format!(
            "cannot reconnect to the chip for the read with the server's proof: {e}"
        ))
    })?;
    let options = ReadOptions {
        remote_proof,
        ..options.clone()
    };
    let engine = Engine::new(config(options), rand_core::OsRng, SystemClock);
    let doc = read_blocking(transport, engine, progress)?;
    // 4. The evidence; for PACE-CAM, first the server-driven PACE run on a new session.
    let evidence = if matches!(challenge.proof, emrtd_remote::ProofRequest::PaceCam { .. }) {
        transport.reconnect().map_err(|e| {
            Failure::device(format!(
                "cannot reconnect to the chip for the server's PACE-CAM run: {e}"
            ))
        })?;
        let (token, proof) = pace_cam(transport, key, &challenge, &agent, &remote.base)?;
        evidence_with(&token, &remote.context, &doc, proof).to_json()
    } else {
        evidence_of(&challenge.token, &remote.context, &doc).to_json()
    };
    let url = format!("{}/v1/verify", remote.base);
    let (status, answer) = post(&agent, &url, &evidence)?;
    if status != 200 {
        return Err(refused("evidence", status, &answer));
    }
    let value: serde_json::Value = serde_json::from_slice(&answer)
        .map_err(|e| Failure::device(format!("the server's verdict is not JSON ({e})")))?;
    let verdict: RemoteVerdict = serde_json::from_value(value.clone()).map_err(|e| {
        Failure::device(format!(
            "the server's verdict is not the document expected ({e})"
        ))
    })?;
    if remote.json {
        outln!(
            "{}",
            crate::output::to_json(&serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "server": remote.base,
                "verdict": value,
            }))
        );
    } else {
        print_verdict(&remote.base, &verdict, value.get("jws").is_some());
    }
    Ok(exit_of(&verdict))
}

/// Run the server-driven PACE-CAM: relay between the chip and the server's steps. The token
/// and the proof for the evidence.
fn pace_cam(
    transport: &mut dyn Transport,
    key: &AccessKey,
    challenge: &ChallengeResponse,
    agent: &ureq::Agent,
    base: &str,
) -> Result<(String, emrtd_remote::Proof), Failure> {
    let bad = |e: String| Failure::device(format!("PACE-CAM with the server: {e}"));
    let mut phone = PaceCamPhone::new(challenge, key).map_err(bad)?;
    let mut transmit = |cmd: &[u8]| {
        transport
            .transmit(cmd)
            .map_err(|e| Failure::device(format!("the chip did not answer during PACE-CAM: {e}")))
    };
    let first = transmit(&phone.start())?;
    let mut step = phone.chip(&first).map_err(bad)?;
    // MSE:Set AT, four GENERAL AUTHENTICATE, two server steps and the relayed commands.
    for _ in 0..(8 + emrtd_remote::evidence::MAX_EXCHANGES) {
        step = match step {
            PaceCamStep::Chip(cmd) => {
                let answer = transmit(&cmd)?;
                phone.chip(&answer).map_err(bad)?
            }
            PaceCamStep::Server { path, body } => {
                let url = format!("{base}{path}");
                let (status, answer) = post(agent, &url, &body)?;
                if status != 200 {
                    return Err(refused("PACE-CAM step", status, &answer));
                }
                phone.server(&answer).map_err(bad)?
            }
            PaceCamStep::Done { token, proof } => return Ok((token, proof)),
            _ => {
                return Err(bad(
                    "the PACE-CAM run asked for a step this emrtd does not know".into(),
                ))
            }
        };
    }
    Err(bad("the run did not end".into()))
}

/// The exit status of a verdict: 0 accepted; 1 when something was proven wrong (a failed
/// chip proof, data not authentic, an expectation not met); 3 when it was only not proven.
pub fn exit_of(v: &RemoteVerdict) -> Exit {
    let e = &v.expectations;
    let mismatch =
        [e.national_identity_number, e.document_number, e.name].contains(&Expected::Mismatch);
    if v.accepted {
        Exit::Valid
    } else if !v.data_authentic
        || v.chip_proof.status == ProofStatus::Failed
        || mismatch
        || v.within_validity == Some(false)
    {
        Exit::Invalid
    } else {
        Exit::Unverified
    }
}

fn method_name(m: ProofMethod) -> &'static str {
    match m {
        ProofMethod::ChipAuthentication => "Chip Authentication",
        ProofMethod::ActiveAuthentication => "Active Authentication",
        ProofMethod::PaceCam => "PACE-CAM (server-driven)",
        ProofMethod::None => "no chip proof",
        _ => "a chip proof this version does not know",
    }
}

fn expected_word(e: Expected) -> Option<&'static str> {
    match e {
        Expected::Match => Some("matches"),
        Expected::Mismatch => Some("DIFFERS"),
        Expected::Unavailable => Some("not in the authenticated data"),
        Expected::NotRequested => None,
        _ => Some("not compared by this version"),
    }
}

fn print_verdict(server: &str, v: &RemoteVerdict, signed: bool) {
    outln!(
        "Overall: {} by the server ({server})",
        if v.accepted { "ACCEPTED" } else { "REFUSED" }
    );
    match v.chip_proof.status {
        ProofStatus::Proven => outln!(
            "  ✓ Chip genuine: {} proven for this challenge",
            method_name(v.chip_proof.method)
        ),
        ProofStatus::Failed => outln!(
            "  ✗ Chip NOT genuine: {} failed ({})",
            method_name(v.chip_proof.method),
            v.chip_proof.reason
        ),
        ProofStatus::NotPerformed => {
            outln!("  - Chip not proven: {}", v.chip_proof.reason)
        }
        _ => outln!("  - Chip not proven: {}", v.chip_proof.reason),
    }
    if v.data_authentic {
        outln!("  ✓ Data authentic: Passive Authentication valid");
    } else {
        outln!(
            "  ✗ Data NOT authentic: Passive Authentication {}",
            v.passive_authentication.status
        );
    }
    if let Some(n) = &v.document_number {
        outln!("  Document number: {n}");
    }
    match (&v.date_of_expiry, v.within_validity) {
        (Some(d), Some(true)) => outln!("  Date of expiry: {d} (valid)"),
        (Some(d), Some(false)) => outln!("  Date of expiry: {d} (EXPIRED)"),
        _ => outln!("  Date of expiry: unknown from authenticated data"),
    }
    let e = &v.expectations;
    for (field, outcome) in [
        ("national identity number", e.national_identity_number),
        ("document number", e.document_number),
        ("name", e.name),
    ] {
        if let Some(word) = expected_word(outcome) {
            outln!("  Expected {field}: {word}");
        }
    }
    if let Some(face) = &v.face {
        outln!(
            "  Face image: {} (from the authenticated DG2)",
            face.mime_type.as_deref().unwrap_or("unknown format")
        );
    }
    if signed {
        outln!("  Verdict signed by the server (JWS; see --json)");
    }
    for r in &v.reasons {
        outln!("  reason: {r}");
    }
}

/// The expectations from the options.
pub fn expectations(
    national_identity_number: Option<&str>,
    document_number: Option<&str>,
    name: Option<&str>,
) -> Expectations {
    Expectations {
        national_identity_number: national_identity_number.map(str::to_string),
        document_number: document_number.map(str::to_string),
        name: name.map(str::to_string),
    }
}
