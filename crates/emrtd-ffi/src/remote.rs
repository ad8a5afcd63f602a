//! The phone side of remote verification (`docs/remote-verification.md`): the app talks HTTP
//! to the relying party's server with its own stack; the library reads the chip, builds the
//! bodies to post and runs the chip proof the server asks for.
//!
//! 1. [`read_proof_files`]: EF.CardAccess, DG14 and DG15, from which the server chooses its
//!    proof;
//! 2. [`remote_challenge_request`]: the body of `POST /v1/challenge`;
//! 3. [`RemoteChallenge::from_json`]: the server's answer;
//! 4. [`read_for_remote_verification`]: the read with the server's proof; its
//!    [`RemoteRead::evidence_json`] is the body of `POST /v1/verify`. When the server asked for
//!    PACE-CAM ([`remote_challenge_request`] with `pace_cam`), the read also runs the
//!    server-driven PACE-CAM steps through the app's [`RemoteServer`].

use crate::async_read::{drive, AsyncNfcTransport, CancellationToken, ForeignTransport};
use crate::session::AccessKey;
use crate::{Document, EmrtdError, ProgressListener, ReadOptions, ReadProgress};
use emrtd_apdu::AsyncTransport;
use emrtd_reader::EfId;
use emrtd_remote::phone::{Instructions, PaceCamPhone, PaceCamStep};
use std::sync::Arc;

/// Longest answer to `POST /v1/challenge` accepted (a Chip Authentication challenge with
/// DH keys is a few KiB).
const MAX_CHALLENGE_JSON: usize = 64 * 1024;

/// Longest relying-party context, bytes (as the server checks).
const MAX_CONTEXT: usize = 256;

/// Longest answer of a PACE-CAM step accepted (a few hundred bytes of keys and three wrapped
/// commands).
const MAX_STEP_ANSWER: usize = 64 * 1024;

/// Longest server reason repeated in an error, characters.
const MAX_REASON: usize = 300;

/// Chip commands and server steps of one PACE-CAM run at most: SELECT MF (twice), MSE:Set AT,
/// four GENERAL AUTHENTICATE, two server steps and the relayed commands.
const MAX_PACE_CAM_STEPS: usize = 9 + emrtd_remote::evidence::MAX_EXCHANGES;

/// What the relying party already knows and wants the document to carry; the server's verdict
/// says `match` or `mismatch` for each value given.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RemoteExpectations {
    /// National identity number (the 11-digit Norwegian number), digits only.
    #[uniffi(default = None)]
    pub national_identity_number: Option<String>,
    /// Document number as in the MRZ.
    #[uniffi(default = None)]
    pub document_number: Option<String>,
    /// Full name, surname and given names in any order, as transliterated in the MRZ.
    #[uniffi(default = None)]
    pub name: Option<String>,
}

/// The files a server chooses its chip proof from, as the chip sent them (`None`: the chip has
/// no such file).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ProofFiles {
    /// EF.CardAccess (PACE parameters).
    #[uniffi(default = None)]
    pub card_access: Option<Vec<u8>>,
    /// DG14 (Chip Authentication public key).
    #[uniffi(default = None)]
    pub dg14: Option<Vec<u8>>,
    /// DG15 (Active Authentication public key).
    #[uniffi(default = None)]
    pub dg15: Option<Vec<u8>>,
}

/// The chip proof the server asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RemoteProofMethod {
    /// None: the server can then only say that the data are authentic, not that the chip is
    /// genuine (the request disclosed neither DG14 nor DG15).
    None,
    /// Active Authentication: the chip signs the server's challenge with its DG15 key.
    ActiveAuthentication,
    /// Chip Authentication with the server's key, then reads the server wrapped.
    ChipAuthentication,
    /// PACE with the Chip Authentication Mapping, the server playing the terminal through the
    /// app's [`RemoteServer`] (`POST /v1/pace/map`, `/v1/pace/agree`), then reads the server
    /// wrapped: pass a `RemoteServer` to [`read_for_remote_verification`].
    PaceCam,
}

/// The app's HTTP client towards the relying party's verification server, for the two
/// PACE-CAM steps that come in the middle of [`read_for_remote_verification`]
/// (`docs/remote-verification.md`, "PACE-CAM, driven by the server").
///
/// A callback rather than a step-wise object the app would drive: the steps must come between
/// chip commands of one PACE run (the chip waits in the middle of PACE), so interleaving them
/// with the NFC exchanges, the tag-loss restarts and the cancellation checks is protocol work
/// that belongs in the library, as in the other reads. The app writes one suspending method
/// over the HTTP client it already uses for `/v1/challenge` and `/v1/verify` (Kotlin OkHttp or
/// Ktor, Swift `URLSession`, Python `urllib`), keeping its base URL, TLS settings and headers;
/// the library does no HTTP.
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait RemoteServer: Send + Sync {
    /// POST `body` (JSON text) with `Content-Type: application/json` to `path` (`/v1/pace/map`
    /// or `/v1/pace/agree`) under the server's base URL, and return the HTTP status and the
    /// body of the answer whatever the status (a 4xx body carries the server's one-line
    /// reason: return it, do not throw). Throw `RemoteServerError.Unreachable` when no answer
    /// came (no network, timeout, TLS failure).
    async fn post(&self, path: String, body: String) -> Result<ServerAnswer, RemoteServerError>;
}

/// An HTTP answer of the verification server.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServerAnswer {
    /// The HTTP status code (200 when the step was accepted).
    pub status: u16,
    /// The body as text (JSON).
    pub body: String,
}

/// What the app's [`RemoteServer`] reports when the server gave no answer.
///
/// Kotlin: `RemoteServerException.Unreachable(reason)`; Swift:
/// `RemoteServerError.Unreachable(reason:)`; Python: `RemoteServerError.Unreachable(reason)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum RemoteServerError {
    /// No answer: network, timeout or TLS failure.
    #[error("the verification server could not be reached: {reason}")]
    Unreachable {
        /// What failed, in words (the HTTP client's message).
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for RemoteServerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        RemoteServerError::Unreachable {
            reason: format!(
                "the RemoteServer callback failed with an unexpected error ({}); it must \
                 return the answer or throw RemoteServerError.Unreachable",
                e.reason
            ),
        }
    }
}

/// Open the chip and read the files the server chooses its proof from (EF.CardAccess, DG14,
/// DG15, where the chip has them), suspending while the app's transport exchanges APDUs. No
/// Chip or Active Authentication runs: the server's proof comes in the next read. Progress,
/// cancellation and resumption as in `read_document`; `options.files` is not used.
#[uniffi::export(default(options = None, listener = None, cancel = None))]
pub async fn read_proof_files(
    transport: Arc<dyn AsyncNfcTransport>,
    key: Arc<AccessKey>,
    options: Option<ReadOptions>,
    listener: Option<Box<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<ProofFiles, EmrtdError> {
    let options = options.unwrap_or_default();
    let reader_options = options.to_reader()?;
    let mut files = drive(
        transport,
        &key,
        &options,
        reader_options,
        listener.as_deref(),
        cancel,
        |c| emrtd_reader::Engine::proof_files(c, rand_core::OsRng, emrtd_reader::SystemClock),
    )
    .await?;
    Ok(ProofFiles {
        card_access: files.remove(&EfId::CardAccess),
        dg14: files.remove(&EfId::Dg(14)),
        dg15: files.remove(&EfId::Dg(15)),
    })
}

/// The JSON body of `POST /v1/challenge`: the relying party's `context` (its transaction id,
/// 1–256 bytes, the same one the evidence will carry), the values it expects, and the files
/// read by [`read_proof_files`] so that the server can choose a chip proof (without DG14,
/// DG15 or, with `pace_cam`, an EF.CardAccess offering PACE-CAM, it asks for none, and the chip
/// cannot be proven genuine).
///
/// `pace_cam`: the app can run the server-driven PACE-CAM (it will pass a [`RemoteServer`] to
/// [`read_for_remote_verification`]), so the server may ask for it when the chip has no Chip
/// Authentication in DG14 and its EF.CardAccess offers PACE-CAM (a chip that proves itself only
/// by PACE-CAM). Default `false`: the server never asks for it.
#[uniffi::export(default(expectations = None, files = None, pace_cam = false))]
pub fn remote_challenge_request(
    context: String,
    expectations: Option<RemoteExpectations>,
    files: Option<ProofFiles>,
    pace_cam: bool,
) -> Result<String, EmrtdError> {
    check_context(&context)?;
    let e = expectations.unwrap_or_default();
    let expect = emrtd_remote::Expectations {
        national_identity_number: e.national_identity_number,
        document_number: e.document_number,
        name: e.name,
    };
    expect
        .check()
        .map_err(|why| EmrtdError::InvalidArgument(format!("expectations: {why}")))?;
    let files = files.unwrap_or_default();
    let body = emrtd_remote::phone::challenge_request_with(
        &context,
        expect,
        files.card_access.as_deref(),
        files.dg14.as_deref(),
        files.dg15.as_deref(),
        pace_cam,
    );
    String::from_utf8(body)
        .map_err(|_| EmrtdError::InvalidArgument("the challenge request is not UTF-8 JSON".into()))
}

fn check_context(context: &str) -> Result<(), EmrtdError> {
    if context.is_empty() || context.len() > MAX_CONTEXT {
        return Err(EmrtdError::InvalidArgument(format!(
            "the context (the relying party's transaction id) must be 1 to {MAX_CONTEXT} bytes, not {}",
            context.len()
        )));
    }
    Ok(())
}

/// The server's answer to `POST /v1/challenge`: the sealed token and the chip proof to run.
#[derive(Debug, uniffi::Object)]
pub struct RemoteChallenge {
    token: String,
    expires_at: i64,
    method: RemoteProofMethod,
    proof: Option<emrtd_reader::RemoteProof>,
    /// The server's answer, for the PACE-CAM run ([`PaceCamPhone`] starts from it).
    response: emrtd_remote::ChallengeResponse,
}

#[uniffi::export]
impl RemoteChallenge {
    /// Parse the body of the server's answer (JSON, at most 64 KiB); fails with
    /// `InvalidArgument` when it is not a challenge of this protocol version.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>, EmrtdError> {
        if json.len() > MAX_CHALLENGE_JSON {
            return Err(EmrtdError::InvalidArgument(format!(
                "the challenge answer is {} bytes, more than {MAX_CHALLENGE_JSON}: not a challenge of this server",
                json.len()
            )));
        }
        let response: emrtd_remote::ChallengeResponse = serde_json::from_str(&json)
            .map_err(|e| {
                EmrtdError::InvalidArgument(format!(
                    "the challenge answer is not a challenge of this protocol version ({e}): check the server URL and version"
                ))
            })?;
        let instructions = response.proof.instructions().map_err(|e| {
            EmrtdError::InvalidArgument(format!("the challenge's proof is unusable: {e}"))
        })?;
        let method = match instructions {
            Instructions::None => RemoteProofMethod::None,
            Instructions::ActiveAuthentication { .. } => RemoteProofMethod::ActiveAuthentication,
            Instructions::ChipAuthentication { .. } => RemoteProofMethod::ChipAuthentication,
            Instructions::PaceCam => RemoteProofMethod::PaceCam,
            _ => {
                return Err(EmrtdError::InvalidArgument(
                    "the server asks for a chip proof this version cannot give: update the library"
                        .into(),
                ))
            }
        };
        let proof = instructions.remote_proof().map_err(|e| {
            EmrtdError::InvalidArgument(format!("the challenge's proof is unusable: {e}"))
        })?;
        Ok(Arc::new(RemoteChallenge {
            token: response.token.clone(),
            expires_at: response.expires_at,
            method,
            proof,
            response,
        }))
    }

    /// The sealed token (the evidence carries it back).
    pub fn token(&self) -> String {
        self.token.clone()
    }

    /// When the challenge expires, Unix seconds: read and post the evidence before.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// The chip proof the server asked for.
    pub fn proof_method(&self) -> RemoteProofMethod {
        self.method
    }
}

/// A read made for a remote verifier: the evidence to post, and the document read (to show
/// the holder what is being sent; the server decides from the evidence alone).
#[derive(uniffi::Object)]
pub struct RemoteRead {
    evidence: Vec<u8>,
    document: Arc<Document>,
}

#[uniffi::export]
impl RemoteRead {
    /// The JSON body of `POST /v1/verify` (evidence version 1: the token, the context, the
    /// files as the chip sent them and the chip's answers to the proof).
    pub fn evidence_json(&self) -> String {
        // Evidence::to_json writes JSON (UTF-8) only.
        String::from_utf8_lossy(&self.evidence).into_owned()
    }

    /// The document as read (MRZ, personal details, face), not verified here.
    pub fn document(&self) -> Arc<Document> {
        self.document.clone()
    }
}

/// Open the chip, read its files and run the chip proof `challenge` asks for, suspending while
/// the app's transport exchanges APDUs; `context` is the one the challenge was asked with.
/// The chip's own Chip and Active Authentication do not run (the server's proof replaces
/// them). Progress, cancellation and resumption as in `read_document`.
///
/// For a PACE-CAM challenge (`proof_method()` is `PaceCam`) pass `server`: after the read, on
/// the same connection, the library ends the read's secure messaging session, runs PACE with
/// the server's keys (two `server.post` calls, `/v1/pace/map` and `/v1/pace/agree`) and relays
/// the commands the server wrapped. A tag loss during that run restarts it from its first
/// command after the transport's `reconnect` (the server is stateless: the steps may be asked
/// again until the challenge expires); a refused step fails with `EmrtdError.ServerRefused`
/// (the server's status and reason), no answer with `EmrtdError.ServerUnreachable`.
#[uniffi::export(default(options = None, listener = None, cancel = None, server = None))]
#[allow(clippy::too_many_arguments)] // the exported signature: optional trailing arguments
pub async fn read_for_remote_verification(
    transport: Arc<dyn AsyncNfcTransport>,
    key: Arc<AccessKey>,
    challenge: Arc<RemoteChallenge>,
    context: String,
    options: Option<ReadOptions>,
    listener: Option<Box<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
    server: Option<Arc<dyn RemoteServer>>,
) -> Result<Arc<RemoteRead>, EmrtdError> {
    check_context(&context)?;
    let server = match (challenge.method, server) {
        (RemoteProofMethod::PaceCam, None) => {
            return Err(EmrtdError::InvalidArgument(
                "the server asked for PACE-CAM: pass a RemoteServer (the app's HTTP POST to the server) to read_for_remote_verification".into(),
            ))
        }
        (RemoteProofMethod::PaceCam, Some(s)) => Some(s),
        _ => None,
    };
    let options = options.unwrap_or_default();
    let reader_options = emrtd_reader::ReadOptions {
        remote_proof: challenge.proof.clone(),
        ..options.to_reader()?
    };
    let doc = drive(
        transport.clone(),
        &key,
        &options,
        reader_options,
        listener.as_deref(),
        cancel.clone(),
        |c| emrtd_reader::Engine::new(c, rand_core::OsRng, emrtd_reader::SystemClock),
    )
    .await?;
    let evidence = match server {
        Some(server) => {
            let mut link = ForeignTransport {
                inner: transport,
                cancel,
                extended_length: options.extended_length,
            };
            let (token, proof) = pace_cam(
                &mut link,
                key.reader_key(),
                &challenge.response,
                server.as_ref(),
                listener.as_deref(),
            )
            .await?;
            emrtd_remote::phone::evidence_with(&token, &context, &doc, proof).to_json()
        }
        None => emrtd_remote::phone::evidence_of(&challenge.token, &context, &doc).to_json(),
    };
    Ok(Arc::new(RemoteRead {
        evidence,
        document: Arc::new(Document::new(doc)),
    }))
}

/// The server-driven PACE-CAM run, restarted from its first command after a tag loss (at
/// most [`emrtd_reader::engine::MAX_RESUMES`] times, as a read): the token and the proof for the
/// evidence.
async fn pace_cam(
    link: &mut ForeignTransport,
    key: &emrtd_reader::AccessKey,
    challenge: &emrtd_remote::ChallengeResponse,
    server: &dyn RemoteServer,
    listener: Option<&dyn ProgressListener>,
) -> Result<(String, emrtd_remote::Proof), EmrtdError> {
    let max = emrtd_reader::engine::MAX_RESUMES;
    let mut losses = 0;
    loop {
        match pace_cam_once(link, key, challenge, server).await {
            Err(RunError::Transport(e)) if e.is_card_lost() && losses < max => {
                losses += 1;
                if let Some(l) = listener {
                    l.on_progress(ReadProgress::CardLost {
                        attempt: u32::try_from(losses).unwrap_or(u32::MAX),
                        max: u32::try_from(max).unwrap_or(u32::MAX),
                    });
                }
                link.reconnect().await?;
                if let Some(l) = listener {
                    l.on_progress(ReadProgress::Resumed {
                        file: None,
                        offset: 0,
                    });
                }
            }
            Err(RunError::Transport(e)) => return Err(e.into()),
            Err(RunError::Failed(e)) => return Err(e),
            Ok(done) => return Ok(done),
        }
    }
}

/// Why one PACE-CAM run stopped: the link (perhaps a tag loss, which restarts the run), or a
/// failure that ends the read.
enum RunError {
    Transport(emrtd_apdu::TransportError),
    Failed(EmrtdError),
}

impl From<EmrtdError> for RunError {
    fn from(e: EmrtdError) -> Self {
        RunError::Failed(e)
    }
}

/// One PACE-CAM run on the connection as the read left it.
async fn pace_cam_once(
    link: &mut ForeignTransport,
    key: &emrtd_reader::AccessKey,
    challenge: &emrtd_remote::ChallengeResponse,
    server: &dyn RemoteServer,
) -> Result<(String, emrtd_remote::Proof), RunError> {
    let mut phone = PaceCamPhone::new(challenge, key)
        .map_err(|e| EmrtdError::ServerRefused(format!("the server's PACE-CAM challenge: {e}")))?;
    let chip_failed = |e: String| RunError::Failed(EmrtdError::Chip(e));
    let first = link
        .transmit(&phone.start_after_read())
        .await
        .map_err(RunError::Transport)?;
    let mut step = phone.chip(&first).map_err(chip_failed)?;
    for _ in 0..MAX_PACE_CAM_STEPS {
        step = match step {
            PaceCamStep::Chip(command) => {
                let answer = link.transmit(&command).await.map_err(RunError::Transport)?;
                phone.chip(&answer).map_err(chip_failed)?
            }
            PaceCamStep::Server { path, body } => {
                let answer = post_step(link, server, path, body).await?;
                phone.server(answer.as_bytes()).map_err(|e| {
                    EmrtdError::ServerRefused(format!(
                        "{}: check the server URL and version",
                        one_line(&e)
                    ))
                })?
            }
            PaceCamStep::Done { token, proof } => return Ok((token, proof)),
            _ => return Err(EmrtdError::Chip(
                "the PACE-CAM run asked for a step this version does not know: update the library"
                    .into(),
            )
            .into()),
        };
    }
    Err(EmrtdError::Chip(format!(
        "the PACE-CAM run did not end within {MAX_PACE_CAM_STEPS} steps"
    ))
    .into())
}

/// POST one PACE-CAM step through the app; the body of a `200` answer.
async fn post_step(
    link: &ForeignTransport,
    server: &dyn RemoteServer,
    path: &str,
    body: Vec<u8>,
) -> Result<String, RunError> {
    // The PaceCamPhone writes its bodies with serde_json: UTF-8.
    let body = String::from_utf8(body).map_err(|_| {
        EmrtdError::InvalidArgument(format!("the body of {path} is not UTF-8 JSON"))
    })?;
    link.check_cancelled().map_err(RunError::Transport)?;
    let answer = server.post(path.to_string(), body).await;
    link.check_cancelled().map_err(RunError::Transport)?;
    let answer = answer.map_err(|e| EmrtdError::ServerUnreachable(one_line(&e.to_string())))?;
    if answer.body.len() > MAX_STEP_ANSWER {
        return Err(EmrtdError::ServerRefused(format!(
            "the answer to {path} is {} bytes, more than {MAX_STEP_ANSWER}: not a PACE-CAM step of this protocol; check the server URL",
            answer.body.len()
        ))
        .into());
    }
    if answer.status != 200 {
        return Err(EmrtdError::ServerRefused(refusal(path, answer.status, &answer.body)).into());
    }
    Ok(answer.body)
}

/// The one-line reason of a refused step: the status, the server's error code and reason.
fn refusal(path: &str, status: u16, body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let code = v["error"].as_str().unwrap_or("no error code");
    let reason = v["reason"].as_str().unwrap_or("no reason given");
    let advice = match status {
        403 => "ask for a new challenge and read again",
        400..=499 => "check the server URL and version",
        _ => "try again later",
    };
    one_line(&format!(
        "the server refused {path} ({status} {code}): {reason}; {advice}"
    ))
}

/// `text` on one line (control characters as spaces), at most [`MAX_REASON`] characters.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_REASON)
        .collect()
}
