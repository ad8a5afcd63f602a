//! The phone side of remote verification (`docs/remote-verification.md`): the app talks HTTP
//! to the relying party's server with its own stack; the library reads the chip, builds the
//! bodies to post and runs the chip proof the server asks for.
//!
//! 1. [`read_proof_files`]: EF.CardAccess, DG14 and DG15, from which the server chooses its
//!    proof;
//! 2. [`remote_challenge_request`]: the body of `POST /v1/challenge`;
//! 3. [`RemoteChallenge::from_json`]: the server's answer;
//! 4. [`read_for_remote_verification`]: the read with the server's proof; its
//!    [`RemoteRead::evidence_json`] is the body of `POST /v1/verify`.

use crate::async_read::{drive, AsyncNfcTransport, CancellationToken};
use crate::session::AccessKey;
use crate::{Document, EmrtdError, ProgressListener, ReadOptions};
use emrtd_reader::EfId;
use emrtd_remote::phone::Instructions;
use std::sync::Arc;

/// Longest answer to `POST /v1/challenge` accepted (a Chip Authentication challenge with
/// DH keys is a few KiB).
const MAX_CHALLENGE_JSON: usize = 64 * 1024;

/// Longest relying-party context, bytes (as the server checks).
const MAX_CONTEXT: usize = 256;

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
        listener,
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
/// read by [`read_proof_files`] so that the server can choose a chip proof (without DG14 or
/// DG15 it asks for none, and the chip cannot be proven genuine).
#[uniffi::export(default(expectations = None, files = None))]
pub fn remote_challenge_request(
    context: String,
    expectations: Option<RemoteExpectations>,
    files: Option<ProofFiles>,
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
    let body = emrtd_remote::phone::challenge_request(
        &context,
        expect,
        files.card_access.as_deref(),
        files.dg14.as_deref(),
        files.dg15.as_deref(),
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
            // remote_challenge_request never offers PACE-CAM, so a server of this protocol
            // does not ask for it.
            Instructions::PaceCam => {
                return Err(EmrtdError::InvalidArgument(
                    "the server asks for PACE-CAM, which this library's phone side does not run: build the challenge request with remote_challenge_request".into(),
                ))
            }
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
            token: response.token,
            expires_at: response.expires_at,
            method,
            proof,
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
#[uniffi::export(default(options = None, listener = None, cancel = None))]
pub async fn read_for_remote_verification(
    transport: Arc<dyn AsyncNfcTransport>,
    key: Arc<AccessKey>,
    challenge: Arc<RemoteChallenge>,
    context: String,
    options: Option<ReadOptions>,
    listener: Option<Box<dyn ProgressListener>>,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<RemoteRead>, EmrtdError> {
    check_context(&context)?;
    let options = options.unwrap_or_default();
    let reader_options = emrtd_reader::ReadOptions {
        remote_proof: challenge.proof.clone(),
        ..options.to_reader()?
    };
    let doc = drive(
        transport,
        &key,
        &options,
        reader_options,
        listener,
        cancel,
        |c| emrtd_reader::Engine::new(c, rand_core::OsRng, emrtd_reader::SystemClock),
    )
    .await?;
    let evidence = emrtd_remote::phone::evidence_of(&challenge.token, &context, &doc).to_json();
    Ok(Arc::new(RemoteRead {
        evidence,
        document: Arc::new(Document::new(doc)),
    }))
}
