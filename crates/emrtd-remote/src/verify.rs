//! `POST /v1/verify`: from evidence to verdict.

use crate::challenge::ca_terminal_with;
use crate::error::RequestError;
use crate::evidence::{Evidence, FileName, Proof};
use crate::expect::{compare, digits, name_tokens, normalize_document_number, ExpectationOutcomes};
use crate::pace_cam::CamCheck;
use crate::relay::{read_command, session_at, session_from};
use crate::token::{Claims, KeyRing, ProofPlan, RelayRead};
use crate::Policy;
use base64ct::{Base64, Encoding};
use emrtd_apdu::{CommandApdu, ResponseApdu};
use emrtd_auth::pa::{verify_files, DgStatus, Verdict as PaVerdict, VerifyOptions};
use emrtd_auth::{DataGroup, TrustStore};
use emrtd_lds::security_infos::SecurityInfos;
use emrtd_sm::SecureMessaging;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// Which chip proof was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProofMethod {
    /// Chip Authentication with the server's ephemeral key and server-wrapped reads.
    ChipAuthentication,
    /// Active Authentication over the token's challenge.
    ActiveAuthentication,
    /// PACE with the Chip Authentication Mapping, the server's ephemeral keys, and
    /// server-wrapped reads.
    PaceCam,
    /// None.
    None,
}

/// Outcome of the chip proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProofStatus {
    /// The chip proved it holds the private key, freshly, for this challenge.
    Proven,
    /// A proof was asked for and did not verify.
    Failed,
    /// No proof was asked for or given.
    NotPerformed,
}

/// The chip proof in the verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChipProof {
    /// Which proof.
    pub method: ProofMethod,
    /// Its outcome.
    pub status: ProofStatus,
    /// Why, in one line.
    pub reason: String,
}

/// The verified face image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FaceImage {
    /// MIME type (`image/jpeg`, `image/jp2`), when recognised.
    pub mime_type: Option<String>,
    /// The image as stored in DG2, base64.
    pub data: String,
}

/// The server's verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteVerdict {
    /// Every requirement of the policy held.
    pub accepted: bool,
    /// A fresh AA/CA proof bound to this challenge verified.
    pub genuine_chip: bool,
    /// The chip proof.
    pub chip_proof: ChipProof,
    /// Passive Authentication is valid (signature, chain, every data group hash).
    pub data_authentic: bool,
    /// Passive Authentication verdict (`valid`, `invalid`, `unverified`) and its errors.
    pub passive_authentication: PaSummary,
    /// The relying-party context sealed in the token.
    pub context: String,
    /// Each expectation.
    pub expectations: ExpectationOutcomes,
    /// Document number (from DG1, when authentic).
    pub document_number: Option<String>,
    /// Date of expiry `YYYY-MM-DD` (from DG1, when authentic).
    pub date_of_expiry: Option<String>,
    /// The date of expiry is not before today; `None` when unknown.
    pub within_validity: Option<bool>,
    /// The DG2 face image, when DG2 is authentic.
    pub face: Option<FaceImage>,
    /// When the verdict was made, Unix seconds.
    pub verified_at: i64,
    /// Every requirement that did not hold.
    pub reasons: Vec<String>,
}

/// Passive Authentication in short.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaSummary {
    /// `valid`, `invalid` or `unverified`.
    pub status: String,
    /// Why not valid.
    pub errors: Vec<String>,
}

fn unhex(s: &str) -> Option<Zeroizing<Vec<u8>>> {
    hex::decode(s).ok().map(Zeroizing::new)
}

/// Open the token of `evidence` and check expiry and context.
pub fn check_token(
    ring: &KeyRing,
    policy: &Policy,
    evidence: &Evidence,
    now: i64,
) -> Result<Claims, RequestError> {
    let claims = policy.open_token(ring, &evidence.token, now)?;
    if claims.context.as_bytes() != evidence.context.as_bytes() {
        return Err(RequestError::ContextMismatch);
    }
    Ok(claims)
}

/// Verify an evidence document (the body as received): parse, open the token, Passive
/// Authentication against `trust`, the chip proof, expectations and validity. A request that
/// cannot be judged (malformed, forged or expired token, other context) is an error (HTTP 4xx);
/// anything else gives a verdict, accepted or not, with its reasons.
pub fn verify_evidence(
    ring: &KeyRing,
    trust: &TrustStore,
    policy: &Policy,
    body: &[u8],
    now: i64,
) -> Result<RemoteVerdict, RequestError> {
    let evidence = Evidence::parse(body)?;
    let claims = check_token(ring, policy, &evidence, now)?;
    Ok(judge(&claims, &evidence, trust, policy, now))
}

fn judge(
    claims: &Claims,
    evidence: &Evidence,
    trust: &TrustStore,
    policy: &Policy,
    now: i64,
) -> RemoteVerdict {
    let named: BTreeMap<String, Vec<u8>> = evidence
        .files
        .iter()
        .map(|(n, b)| (n.name(), b.clone()))
        .collect();
    let pa = verify_files(&named, trust, &VerifyOptions::at(now));
    let card_security_authentic = matches!(&pa, Ok(v) if v.card_security.as_ref().is_some_and(|cs| cs.status == PaVerdict::Valid));
    let (pa_status, pa_errors, dg_status) = match &pa {
        Ok(v) => {
            let mut status = v.passive_authentication.status;
            let mut errors = v.passive_authentication.errors.clone();
            // EF.CardSecurity (and EF.CardAccess against it) counts as well when present.
            if let Some(cs) = &v.card_security {
                if cs.status != PaVerdict::Valid {
                    errors.extend(cs.errors.iter().map(|e| format!("EF.CardSecurity: {e}")));
                    if status == PaVerdict::Valid || cs.status == PaVerdict::Invalid {
                        status = cs.status;
                    }
                }
            }
            (status, errors, v.passive_authentication.data_groups.clone())
        }
        Err(e) => (PaVerdict::Invalid, vec![e.to_string()], BTreeMap::new()),
    };
    let authentic = |n: u8| {
        DataGroup::new(n).and_then(|dg| dg_status.get(&dg)) == Some(&DgStatus::Match)
            && evidence.files.contains_key(&FileName::Dg(n))
    };
    let data_authentic = pa_status == PaVerdict::Valid;

    let chip_proof = check_proof(claims, evidence, &authentic, card_security_authentic);
    let genuine_chip = chip_proof.status == ProofStatus::Proven;

    // Document facts, only from authenticated data groups.
    let mrz = if authentic(1) {
        evidence
            .files
            .get(&FileName::Dg(1))
            .and_then(|b| emrtd_lds::dg1::Dg1::decode(b).ok())
            .and_then(|d| d.mrz().ok())
    } else {
        None
    };
    let dg11 = if authentic(11) {
        evidence
            .files
            .get(&FileName::Dg(11))
            .and_then(|b| emrtd_lds::dg11::Dg11::decode(b).ok())
    } else {
        None
    };
    let nin = dg11
        .as_ref()
        .and_then(|d| d.personal_number.clone())
        .or_else(|| {
            mrz.as_ref()
                .and_then(|m| m.norwegian_personal_number().map(|n| n.number))
        })
        .or_else(|| {
            mrz.as_ref()
                .filter(|m| m.format == emrtd_mrz::MrzFormat::Td3 && !m.optional_data.is_empty())
                .map(|m| m.optional_data.clone())
        });
    let name = mrz
        .as_ref()
        .map(|m| format!("{} {}", m.primary_identifier, m.secondary_identifier));
    let expectations = ExpectationOutcomes {
        national_identity_number: compare(
            claims.expect.national_identity_number.as_deref(),
            nin.as_deref(),
            digits,
        ),
        document_number: compare(
            claims.expect.document_number.as_deref(),
            mrz.as_ref().map(|m| m.document_number.as_str()),
            normalize_document_number,
        ),
        name: compare(claims.expect.name.as_deref(), name.as_deref(), |s| {
            name_tokens(s).join(" ")
        }),
    };
    let expiry = mrz.as_ref().and_then(|m| m.expiry_date());
    let today = civil_date(now);
    let within_validity = expiry.map(|e| (e.year, e.month, e.day) >= today);
    let face = if authentic(2) {
        evidence
            .files
            .get(&FileName::Dg(2))
            .and_then(|b| emrtd_lds::dg2::Dg2::decode(b).ok())
            .and_then(|d| {
                d.faces().first().map(|f| FaceImage {
                    mime_type: f.format.map(|x| x.mime_type().to_string()),
                    data: Base64::encode_string(f.image),
                })
            })
    } else {
        None
    };

    let mut reasons = Vec::new();
    if policy.require_genuine_chip && !genuine_chip {
        reasons.push(format!("chip not proven genuine: {}", chip_proof.reason));
    }
    if !data_authentic {
        reasons.push(format!(
            "data not authentic: Passive Authentication is {}{}",
            pa_status.as_str(),
            pa_errors
                .first()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
    }
    for (field, outcome) in [
        (
            "national identity number",
            expectations.national_identity_number,
        ),
        ("document number", expectations.document_number),
        ("name", expectations.name),
    ] {
        match outcome {
            crate::expect::Expected::Mismatch => {
                reasons.push(format!("the {field} differs from the one expected"))
            }
            crate::expect::Expected::Unavailable => reasons.push(format!(
                "the {field} was expected but the authenticated data do not carry it"
            )),
            _ => {}
        }
    }
    if policy.require_within_validity {
        match within_validity {
            Some(true) => {}
            Some(false) => reasons.push("the document has expired".into()),
            None => reasons.push("the date of expiry is not known from authenticated data".into()),
        }
    }
    RemoteVerdict {
        accepted: reasons.is_empty(),
        genuine_chip,
        chip_proof,
        data_authentic,
        passive_authentication: PaSummary {
            status: pa_status.as_str().into(),
            errors: pa_errors,
        },
        context: claims.context.clone(),
        expectations,
        document_number: mrz.as_ref().map(|m| m.document_number.clone()),
        date_of_expiry: expiry.map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
        within_validity,
        face,
        verified_at: now,
        reasons,
    }
}

fn failed(method: ProofMethod, reason: impl Into<String>) -> ChipProof {
    ChipProof {
        method,
        status: ProofStatus::Failed,
        reason: reason.into(),
    }
}

fn check_proof(
    claims: &Claims,
    evidence: &Evidence,
    authentic: &dyn Fn(u8) -> bool,
    card_security_authentic: bool,
) -> ChipProof {
    match (&claims.proof, &evidence.proof) {
        (ProofPlan::None, Proof::None) => ChipProof {
            method: ProofMethod::None,
            status: ProofStatus::NotPerformed,
            reason: "no chip proof was asked for (the challenge request disclosed neither DG14 nor DG15): the data may come from a copy".into(),
        },
        (ProofPlan::None, _) => failed(
            ProofMethod::None,
            "the evidence carries a chip proof the challenge did not ask for",
        ),
        (ProofPlan::ActiveAuthentication { challenge }, Proof::ActiveAuthentication { signature }) => {
            check_aa(challenge, signature, evidence, authentic)
        }
        (ProofPlan::ActiveAuthentication { .. }, _) => failed(
            ProofMethod::ActiveAuthentication,
            "the challenge asked for Active Authentication but the evidence carries no signature",
        ),
        (
            ProofPlan::ChipAuthentication {
                ephemeral_private_key,
                session_keys,
                dg14_sha256,
                reads,
            },
            Proof::ChipAuthentication { exchanges },
        ) => check_ca(
            ephemeral_private_key,
            session_keys.as_ref(),
            dg14_sha256,
            reads,
            exchanges,
            evidence,
            authentic,
        ),
        (ProofPlan::ChipAuthentication { .. }, _) => failed(
            ProofMethod::ChipAuthentication,
            "the challenge asked for Chip Authentication but the evidence carries no relayed answers",
        ),
        (
            ProofPlan::PaceCam {
                protocol,
                parameter_id,
                session_keys,
                chip_token: expected_token,
                chip_mapping_public_key,
                reads,
            },
            Proof::PaceCam {
                chip_token,
                chip_authentication_data,
                exchanges,
            },
        ) => {
            let cam = CamCheck {
                protocol,
                parameter_id: *parameter_id,
                keys: session_keys,
                chip_token: expected_token,
                chip_mapping_public_key,
            };
            check_pace_cam(
                &cam,
                reads,
                chip_token,
                chip_authentication_data,
                exchanges,
                evidence,
                card_security_authentic,
            )
        }
        (ProofPlan::PaceCam { .. }, _) => failed(
            ProofMethod::PaceCam,
            "the challenge asked for PACE-CAM but the evidence carries no PACE-CAM answers",
        ),
        (ProofPlan::PaceCamMapping { .. } | ProofPlan::PaceCamAgreement { .. }, _) => failed(
            ProofMethod::PaceCam,
            "the PACE-CAM run was not completed: the evidence must carry the token POST /v1/pace/agree answered",
        ),
    }
}

fn check_aa(
    challenge: &str,
    signature: &[u8],
    evidence: &Evidence,
    authentic: &dyn Fn(u8) -> bool,
) -> ChipProof {
    const M: ProofMethod = ProofMethod::ActiveAuthentication;
    let Some(challenge) = unhex(challenge).and_then(|c| <[u8; 8]>::try_from(c.as_slice()).ok())
    else {
        return failed(M, "the token's challenge is unusable");
    };
    let Some(dg15) = evidence.files.get(&FileName::Dg(15)) else {
        return failed(
            M,
            "the evidence has no DG15: the signature cannot be checked",
        );
    };
    if !authentic(15) {
        return failed(
            M,
            "DG15 is not authenticated by EF.SOD (swapped or altered): its key proves nothing",
        );
    }
    let key = match emrtd_lds::dg15::Dg15::decode(dg15) {
        Ok(d) => d.public_key,
        Err(e) => return failed(M, format!("DG15 cannot be decoded: {e}")),
    };
    let infos = if authentic(14) {
        evidence
            .files
            .get(&FileName::Dg(14))
            .and_then(|b| SecurityInfos::parse_dg14(b).ok())
    } else {
        None
    };
    let aa_info = infos.as_ref().and_then(emrtd_access::aa::find_aa_info);
    let result = emrtd_access::aa::verify(&key, &challenge, signature, aa_info);
    if result.passed {
        ChipProof {
            method: M,
            status: ProofStatus::Proven,
            reason: format!(
                "the chip signed this challenge with the DG15 key ({}): {}",
                result.key, result.reason
            ),
        }
    } else {
        failed(
            M,
            format!(
                "the signature over this challenge does not verify with the DG15 key ({}): {} — a clone, a replayed answer or a forged signature",
                result.key, result.reason
            ),
        )
    }
}

fn check_ca(
    sk_hex: &str,
    session_keys: Option<&crate::token::SealedSessionKeys>,
    dg14_sha256: &str,
    reads: &[RelayRead],
    exchanges: &[crate::evidence::Exchange],
    evidence: &Evidence,
    authentic: &dyn Fn(u8) -> bool,
) -> ChipProof {
    const M: ProofMethod = ProofMethod::ChipAuthentication;
    let Some(dg14) = evidence.files.get(&FileName::Dg(14)) else {
        return failed(
            M,
            "the evidence has no DG14: Chip Authentication cannot be checked",
        );
    };
    let digest = Sha256::digest(dg14);
    let Some(expected) = unhex(dg14_sha256) else {
        return failed(M, "the token's DG14 hash is unusable");
    };
    if !emrtd_crypto::sym::ct_eq(&digest, &expected) {
        return failed(
            M,
            "the evidence's DG14 is not the DG14 the challenge was computed for (swapped)",
        );
    }
    if !authentic(14) {
        return failed(
            M,
            "DG14 is not authenticated by EF.SOD (swapped or altered): its key proves nothing",
        );
    }
    // Tokens of this version carry the session keys; older ones the ephemeral key, from
    // which the key agreement is computed again.
    let terminal = match session_keys {
        Some(_) => None,
        None => {
            let Some(sk) = unhex(sk_hex) else {
                return failed(M, "the token's key is unusable");
            };
            match ca_terminal_with(dg14, &sk) {
                Ok(t) => Some(t),
                Err(e) => return failed(M, format!("Chip Authentication cannot be computed: {e}")),
            }
        }
    };
    let session = |ssc: u64| match (session_keys, &terminal) {
        (Some(k), _) => session_from(k, ssc),
        (None, Some(t)) => session_at(t, ssc),
        (None, None) => Err("the token has no Chip Authentication keys".to_string()),
    };
    let commands: Vec<(CommandApdu, Option<RelayRead>)> =
        reads.iter().map(|r| (read_command(r), Some(*r))).collect();
    if let Err(e) = check_relayed(M, &session, &commands, exchanges, evidence, "DG14") {
        return e;
    }
    ChipProof {
        method: M,
        status: ProofStatus::Proven,
        reason: format!(
            "the chip answered {} reads under the keys agreed with this challenge's ephemeral key: it holds the Chip Authentication private key of DG14, and its DG1 and EF.SOD are the ones in the evidence",
            reads.len()
        ),
    }
}

/// Check relayed exchanges: each command must be the one the server wrapped (secure
/// messaging at SSC 2·i), each answer must verify under the session and, for a read, equal the
/// start of that file in the evidence. `key_file` names where the chip's key came from.
fn check_relayed(
    method: ProofMethod,
    session: &dyn Fn(u64) -> Result<SecureMessaging, String>,
    commands: &[(CommandApdu, Option<RelayRead>)],
    exchanges: &[crate::evidence::Exchange],
    evidence: &Evidence,
    key_file: &str,
) -> Result<(), ChipProof> {
    let m = method;
    if exchanges.len() != commands.len() {
        return Err(failed(
            m,
            format!(
                "{} relayed answers, the challenge wrapped {} commands",
                exchanges.len(),
                commands.len()
            ),
        ));
    }
    for (i, ((command, read), x)) in commands.iter().zip(exchanges).enumerate() {
        let mut sm = session(2 * i as u64).map_err(|e| failed(m, e))?;
        let wrapped = sm.protect(command).ok().and_then(|c| c.to_bytes().ok());
        if wrapped.as_deref() != Some(x.command.as_slice()) {
            return Err(failed(
                m,
                format!("relayed command {i} is not the command the server wrapped"),
            ));
        }
        let resp = ResponseApdu::parse(&x.response)
            .map_err(|e| failed(m, format!("relayed answer {i} is not a response APDU: {e}")))?;
        let plain = sm.unprotect(&resp).map_err(|e| {
            failed(
                m,
                format!(
                    "relayed answer {i} does not verify under the keys of this challenge ({e}): not the chip whose key is in {key_file} (a clone), or a replayed or forged answer"
                ),
            )
        })?;
        if plain.sw != resp.sw {
            return Err(failed(
                m,
                format!(
                    "relayed answer {i} has status {:04X} outside and {:04X} under its MAC: altered",
                    resp.sw.0, plain.sw.0
                ),
            ));
        }
        let Some(read) = read else {
            // A SELECT: it must have succeeded.
            if !plain.sw.is_ok() {
                return Err(failed(
                    m,
                    format!(
                        "the chip answered relayed command {i} (SELECT of the eMRTD application) with status {:04X}",
                        plain.sw.0
                    ),
                ));
            }
            continue;
        };
        if !(plain.sw.is_ok() || plain.sw.sw1() == 0x62) || plain.data.is_empty() {
            return Err(failed(
                m,
                format!(
                    "the chip answered relayed read {i} with status {:04X} and {} bytes",
                    plain.sw.0,
                    plain.data.len()
                ),
            ));
        }
        let Some(file) = FileName::from_sfi(read.sfi) else {
            return Err(failed(m, "the token names an unknown file"));
        };
        let start = usize::from(read.offset);
        let same = evidence
            .files
            .get(&file)
            .and_then(|b| b.get(start..start + plain.data.len()))
            .is_some_and(|b| b == plain.data.as_slice());
        if !same {
            return Err(failed(
                m,
                format!(
                    "the chip's {} differs from the {} in the evidence",
                    file.name(),
                    file.name()
                ),
            ));
        }
    }
    Ok(())
}

fn check_pace_cam(
    cam: &CamCheck<'_>,
    reads: &[RelayRead],
    chip_token: &[u8],
    chip_authentication_data: &[u8],
    exchanges: &[crate::evidence::Exchange],
    evidence: &Evidence,
    card_security_authentic: bool,
) -> ChipProof {
    const M: ProofMethod = ProofMethod::PaceCam;
    let Some(card_security) = evidence.files.get(&FileName::CardSecurity) else {
        return failed(
            M,
            "the evidence has no EF.CardSecurity: the chip's PACE-CAM key cannot be checked",
        );
    };
    if !card_security_authentic {
        return failed(
            M,
            "EF.CardSecurity is not authenticated by its signature and a trusted CSCA: its Chip Authentication key proves nothing",
        );
    }
    if let Err(e) = cam.check(chip_token, chip_authentication_data, card_security) {
        return failed(M, e);
    }
    let session = |ssc: u64| crate::pace_cam::session(cam.keys, ssc);
    let commands: Vec<(CommandApdu, Option<RelayRead>)> = crate::pace_cam::relay_commands(reads)
        .into_iter()
        .zip(std::iter::once(None).chain(reads.iter().copied().map(Some)))
        .collect();
    if let Err(e) = check_relayed(
        M,
        &session,
        &commands,
        exchanges,
        evidence,
        "EF.CardSecurity",
    ) {
        return e;
    }
    ChipProof {
        method: M,
        status: ProofStatus::Proven,
        reason: format!(
            "the chip completed PACE-CAM with the server's ephemeral keys (its token and PK_Map,IC = CA_IC·PK_IC for the key of EF.CardSecurity verify) and answered {} reads under the session keys: its DG1 and EF.SOD are the ones in the evidence",
            reads.len()
        ),
    }
}

/// The UTC calendar date of a Unix time (days-from-civil inverse, proleptic Gregorian).
pub(crate) fn civil_date(unix: i64) -> (u16, u8, u8) {
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        u16::try_from(y.clamp(0, 9999)).unwrap_or(0),
        m as u8,
        d as u8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_of_known_instants() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(951_782_400), (2000, 2, 29));
        assert_eq!(civil_date(1_790_000_000), (2026, 9, 21));
        assert_eq!(civil_date(-86_400), (1969, 12, 31));
    }
}
