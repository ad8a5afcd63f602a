//! Compact JWS (RFC 7515) with ES256 (RFC 7518 §3.4) for signed verdicts.

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

/// Sign `payload` (the verdict JSON): `header.payload.signature`, base64url, with the key id.
pub fn sign_es256(key: &SigningKey, kid: &str, payload: &[u8]) -> String {
    let header = serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": kid});
    let signing_input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(payload)
    );
    // Deterministic ECDSA (RFC 6979): no randomness needed.
    let sig: Signature = key.sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        Base64UrlUnpadded::encode_string(&sig.to_bytes())
    )
}

/// Verify a compact ES256 JWS and return its payload.
pub fn verify_es256(key: &VerifyingKey, jws: &str) -> Option<Vec<u8>> {
    let (input, sig) = jws.rsplit_once('.')?;
    let (header, payload) = input.split_once('.')?;
    let header: serde_json::Value =
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(header).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "ES256" {
        return None;
    }
    let sig = Signature::from_slice(&Base64UrlUnpadded::decode_vec(sig).ok()?).ok()?;
    key.verify(input.as_bytes(), &sig).ok()?;
    Base64UrlUnpadded::decode_vec(payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_verdict_verifies_and_a_changed_one_does_not() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let jws = sign_es256(&key, "v1", br#"{"accepted":true}"#);
        let vk = VerifyingKey::from(&key);
        assert_eq!(verify_es256(&vk, &jws).unwrap(), br#"{"accepted":true}"#);
        let (head, _) = jws.split_once('.').unwrap();
        let forged = format!(
            "{head}.{}.{}",
            Base64UrlUnpadded::encode_string(br#"{"accepted":false}"#),
            jws.rsplit_once('.').unwrap().1
        );
        assert!(verify_es256(&vk, &forged).is_none());
    }
}
