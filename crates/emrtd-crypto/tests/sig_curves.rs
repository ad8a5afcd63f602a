//! ECDSA verification across curves and hash lengths, with signatures made by OpenSSL 3.0
//! (`openssl pkeyutl -sign` over a SHA-256 digest; see fixtures/README.md).

use emrtd_crypto::sig::{verify, HashAlg, PublicKey, SignatureScheme};

/// P-521 public key (SubjectPublicKeyInfo, named curve secp521r1).
const P521_SPKI: &str = "30819b301006072a8648ce3d020106052b81040023038186000400b1fb42cf884e988f9ced7bb2e5109ff79d4af5d2d3a57534db1927aee604ead461f67b32d3aa7bfa7f29cc33a0881536762510235f21eba41c66a2b91d4622f11a00f13ff823789624cc97bd0d0a95d3945357283f0618f805666e788ada8274348157103466f12b84ab38b23071a6d2a83a38fba2be547c6afbbc26f0a6c01bab86db";
/// ECDSA-with-SHA256 signature (DER) of `P521_MESSAGE` by that key.
const P521_SIG: &str = "30818702417588437ed48d8ab788c8816479d089b58cf843bed7616e5f4fce8d39f1118cb7b34c5a2035f933b986bf69f69947f0be84ce0f4f339ab3148470b76918ba69d226024201de2e3b70d29a93758830aa32c0ccf9f49a5c870dc511a5a289a94fd3e39879a4f6761aba8df73b5efb07ced64f3cbd5e1973c91cb7b1d82ae6b8b3cb00fb169550";
const P521_MESSAGE: &[u8] = b"emrtd ECDSA P-521 with SHA-256";

#[test]
fn p521_with_a_hash_shorter_than_half_the_field_verifies_and_tampering_fails() {
    let key = PublicKey::from_spki_der(&hex::decode(P521_SPKI).unwrap()).unwrap();
    assert_eq!(key.describe(), "EC P-521");
    let scheme = SignatureScheme::Ecdsa {
        hash: HashAlg::Sha256,
        plain: false,
    };
    let sig = hex::decode(P521_SIG).unwrap();
    assert_eq!(verify(&key, &scheme, P521_MESSAGE, &sig), Ok(()));
    assert!(verify(&key, &scheme, b"emrtd ECDSA P-521 with SHA-257", &sig).is_err());
    let mut bad = sig.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(verify(&key, &scheme, P521_MESSAGE, &bad).is_err());
}

/// DER `ECDSA-Sig-Value` with `r` and `s` re-encoded: each INTEGER's content after its
/// tag and length, then the SEQUENCE around them.
fn der_sig(r: &[u8], s: &[u8]) -> Vec<u8> {
    let int = |v: &[u8]| {
        let mut t = vec![0x02];
        t.extend(der_len(v.len()));
        t.extend_from_slice(v);
        t
    };
    let body = [int(r), int(s)].concat();
    let mut out = vec![0x30];
    out.extend(der_len(body.len()));
    out.extend(body);
    out
}

fn der_len(n: usize) -> Vec<u8> {
    match n {
        0..=0x7F => vec![n as u8],
        0x80..=0xFF => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

/// Field quirk D7: some EF.SODs encode ECDSA `r` and `s` with superfluous leading zero bytes
/// (not minimal DER, which OpenSSL refuses). The numbers are the same, so the signature is
/// verified as it is; a negative INTEGER or another number still fails.
#[test]
fn ecdsa_r_and_s_with_superfluous_leading_zero_bytes_verify() {
    let key = PublicKey::from_spki_der(&hex::decode(P521_SPKI).unwrap()).unwrap();
    let scheme = SignatureScheme::Ecdsa {
        hash: HashAlg::Sha256,
        plain: false,
    };
    let sig = hex::decode(P521_SIG).unwrap();
    // 30 81 87 | 02 41 r | 02 42 s
    let (r, s) = (&sig[5..5 + 0x41], &sig[5 + 0x41 + 2..]);
    assert_eq!(der_sig(r, s), sig, "the re-encoding is right");
    let padded = der_sig(&[&[0, 0][..], r].concat(), &[&[0][..], s].concat());
    assert_ne!(padded, sig);
    assert_eq!(verify(&key, &scheme, P521_MESSAGE, &padded), Ok(()));
    // Another number in front is another r: fails.
    let other = der_sig(&[&[0, 1][..], r].concat(), s);
    assert!(verify(&key, &scheme, P521_MESSAGE, &other).is_err());
    // A negative INTEGER is not an ECDSA value.
    let negative = der_sig(&[&[0xFF][..], r].concat(), s);
    assert!(verify(&key, &scheme, P521_MESSAGE, &negative).is_err());
}
