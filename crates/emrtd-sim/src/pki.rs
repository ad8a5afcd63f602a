//! The virtual chip's TEST public key infrastructure: a CSCA and a Document Signer generated for
//! this project by `crates/emrtd-sim/pki/generate.sh`. It signs the chip's EF.SOD and
//! EF.CardSecurity. It must never be trusted for real documents.

use der::{Decode, Encode};
use emrtd_lds::sod::{
    encode_signed_data, oid, AlgorithmIdentifier, LdsSecurityObject, SignerIdentifier, SignerParts,
    Sod,
};
use p256::ecdsa::{signature::Signer, Signature, SigningKey};
use p256::pkcs8::DecodePrivateKey;
use sha2::{Digest, Sha256};

/// The test CSCA certificate (DER), the trust anchor of every virtual document.
pub const TEST_CSCA: &[u8] = include_bytes!("../pki/csca.der");
/// The test Document Signer certificate (DER), embedded in EF.SOD and EF.CardSecurity.
pub const TEST_DSC: &[u8] = include_bytes!("../pki/dsc.der");
const TEST_DSC_KEY: &[u8] = include_bytes!("../pki/dsc.key.der");
/// The German test CSCA (`C=DE`, `crates/emrtd-sim/pki/generate_de.py`): the trust anchor of
/// virtual documents whose issuing state is Germany (`D`), such as the TR-03105 data page.
pub const TEST_CSCA_DE: &[u8] = include_bytes!("../pki/csca_de.der");
/// The German test Document Signer certificate, for the same key as [`TEST_DSC`].
pub const TEST_DSC_DE: &[u8] = include_bytes!("../pki/dsc_de.der");

/// Both test CSCAs, every anchor a virtual document may need.
pub const TEST_CSCAS: [&[u8]; 2] = [TEST_CSCA, TEST_CSCA_DE];

/// The test Document Signer certificate for a document with these data groups: the German one
/// when DG1 names Germany as the issuing state, the Norwegian one otherwise. A CSCA signs only
/// its own state's documents (Passive Authentication checks it), and the two certificates share
/// one key.
pub fn test_dsc_for(data_groups: &[(u8, &[u8])]) -> &'static [u8] {
    let state = data_groups
        .iter()
        .find(|(n, _)| *n == 1)
        .and_then(|(_, b)| emrtd_lds::dg1::Dg1::decode(b).ok())
        .and_then(|d| d.mrz().ok())
        .map(|m| m.issuing_state);
    match state.as_deref().map(emrtd_mrz::country::csca_country) {
        Some(emrtd_mrz::country::IssuerCountry::Alpha2("DE")) => TEST_DSC_DE,
        _ => TEST_DSC,
    }
}

const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

/// Why signing failed (only with a broken embedded PKI).
#[derive(Debug, thiserror::Error)]
#[error("test PKI unusable: {0}")]
pub struct PkiError(pub String);

fn signer_parts(content: &[u8], dsc: &[u8]) -> Result<SignerParts, PkiError> {
    let cert = x509_cert::Certificate::from_der(dsc).map_err(|e| PkiError(e.to_string()))?;
    let issuer = cert
        .tbs_certificate
        .issuer
        .to_der()
        .map_err(|e| PkiError(e.to_string()))?;
    let serial = cert.tbs_certificate.serial_number.as_bytes().to_vec();
    Ok(SignerParts {
        digest_algorithm: AlgorithmIdentifier::new(oid::SHA256),
        message_digest: Sha256::digest(content).to_vec(),
        signature_algorithm: AlgorithmIdentifier::new(ECDSA_WITH_SHA256),
        sid: SignerIdentifier::IssuerAndSerialNumber { issuer, serial },
        certificate: Some(dsc.to_vec()),
        signing_time: None,
    })
}

fn sign(data: &[u8]) -> Result<Vec<u8>, PkiError> {
    let key = SigningKey::from_pkcs8_der(TEST_DSC_KEY).map_err(|e| PkiError(e.to_string()))?;
    let sig: Signature = key.sign(data);
    Ok(sig.to_der().as_bytes().to_vec())
}

/// EF.SOD over the data groups (number, raw bytes), SHA-256 hashes, signed by the test DSC
/// of the document's country ([`test_dsc_for`]).
pub fn sign_sod(data_groups: &[(u8, &[u8])]) -> Result<Vec<u8>, PkiError> {
    let lso = LdsSecurityObject {
        version: 0,
        hash_algorithm: emrtd_lds::sod::DigestAlgorithm::from_oid(oid::SHA256),
        data_group_hashes: data_groups
            .iter()
            .map(|(n, b)| (*n, Sha256::digest(b).to_vec()))
            .collect(),
        lds_version_info: None,
    };
    let content = lso.to_der().map_err(|e| PkiError(e.to_string()))?;
    let parts = signer_parts(&content, test_dsc_for(data_groups))?;
    Sod::encode(&lso, &parts, sign).map_err(|e| PkiError(format!("{e:?}")))
}

/// EF.CardSecurity: the SecurityInfos (DER) as signed content, signed by the test DSC.
pub fn sign_card_security(security_infos: &[u8]) -> Result<Vec<u8>, PkiError> {
    let parts = signer_parts(security_infos, TEST_DSC)?;
    encode_signed_data(oid::SECURITY_OBJECT, security_infos, &parts, sign)
        .map_err(|e| PkiError(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sod_parses_and_carries_the_hashes() {
        let dg1 = [0x61, 0x03, 0x5F, 0x1F, 0x00];
        let sod = sign_sod(&[(1, &dg1)]).unwrap();
        let parsed = Sod::parse(&sod).unwrap();
        assert_eq!(
            parsed.lds_security_object.hash_of(1).unwrap(),
            Sha256::digest(dg1).as_slice()
        );
    }
}
