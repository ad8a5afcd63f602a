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

const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

/// Why signing failed (only with a broken embedded PKI).
#[derive(Debug, thiserror::Error)]
#[error("test PKI unusable: {0}")]
pub struct PkiError(pub String);

fn signer_parts(content: &[u8]) -> Result<SignerParts, PkiError> {
    let cert = x509_cert::Certificate::from_der(TEST_DSC).map_err(|e| PkiError(e.to_string()))?;
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
        certificate: Some(TEST_DSC.to_vec()),
        signing_time: None,
    })
}

fn sign(data: &[u8]) -> Result<Vec<u8>, PkiError> {
    let key = SigningKey::from_pkcs8_der(TEST_DSC_KEY).map_err(|e| PkiError(e.to_string()))?;
    let sig: Signature = key.sign(data);
    Ok(sig.to_der().as_bytes().to_vec())
}

/// EF.SOD over the data groups (number, raw bytes), SHA-256 hashes, signed by the test DSC.
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
    let parts = signer_parts(&content)?;
    Sod::encode(&lso, &parts, sign).map_err(|e| PkiError(format!("{e:?}")))
}

/// EF.CardSecurity: the SecurityInfos (DER) as signed content, signed by the test DSC.
pub fn sign_card_security(security_infos: &[u8]) -> Result<Vec<u8>, PkiError> {
    let parts = signer_parts(security_infos)?;
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
