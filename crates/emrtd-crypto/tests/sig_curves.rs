//! ECDSA verification across curves and hash lengths, with signatures made by OpenSSL 3.0
//! (`openssl pkeyutl -sign` over a SHA-256 digest; see fixtures/README.md).

use emrtd_crypto::sig::{verify, verify_prehashed, HashAlg, PublicKey, SignatureScheme};

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

/// SubjectPublicKeyInfo of a secp521r1 key from its coordinates (66 octets each).
fn p521_spki(x: &str, y: &str) -> PublicKey {
    let der = hex::decode(format!(
        "30819b301006072a8648ce3d020106052b810400230381860004{x}{y}"
    ))
    .unwrap();
    PublicKey::from_spki_der(&der).unwrap()
}

/// RFC 6979 §A.2.7: the P-521 key (Ux, Uy).
const RFC6979_P521_UX: &str = "01894550D0785932E00EAA23B694F213F8C3121F86DC97A04E5A7167DB4E5BCD371123D46E45DB6B5D5370A7F20FB633155D38FFA16D2BD761DCAC474B9A2F5023A4";
const RFC6979_P521_UY: &str = "00493101C962CD4D2FDDF782285E64584139C2F91B47F87FF82354D6630F746A28A0DB25741B5B34A828008B22ACC23F924FAAFBD4D33F81EA66956DFEAA2BFDFCF5";

#[test]
fn p521_rfc6979_sample_signatures_with_sha256_and_sha512_verify_and_tampered_ones_fail() {
    let key = p521_spki(RFC6979_P521_UX, RFC6979_P521_UY);
    // (hash, r, s) for the message "sample"
    let cases = [
        (
            HashAlg::Sha256,
            "01511BB4D675114FE266FC4372B87682BAECC01D3CC62CF2303C92B3526012659D16876E25C7C1E57648F23B73564D67F61C6F14D527D54972810421E7D87589E1A7",
            "004A171143A83163D6DF460AAF61522695F207A58B95C0644D87E52AA1A347916E4F7A72930B1BC06DBE22CE3F58264AFD23704CBB63B29B931F7DE6C9D949A7ECFC",
        ),
        (
            HashAlg::Sha512,
            "00C328FAFCBD79DD77850370C46325D987CB525569FB63C5D3BC53950E6D4C5F174E25A1EE9017B5D450606ADD152B534931D7D4E8455CC91F9B15BF05EC36E377FA",
            "00617CCE7CF5064806C467F678D3B4080D6F1CC50AF26CA209417308281B68AF282623EAA63E5B5C0723D8B8C37FF0777B1A20F8CCB1DCCC43997F1EE0E44DA4A67A",
        ),
    ];
    for (hash, r, s) in cases {
        let scheme = SignatureScheme::Ecdsa { hash, plain: true };
        let sig = hex::decode(format!("{r}{s}")).unwrap();
        assert_eq!(verify(&key, &scheme, b"sample", &sig), Ok(()), "{hash:?}");
        assert!(verify(&key, &scheme, b"samplf", &sig).is_err(), "{hash:?}");
        let mut bad = sig.clone();
        bad[20] ^= 0x40; // r changed
        assert!(verify(&key, &scheme, b"sample", &bad).is_err(), "{hash:?}");
        // the other hash: same signature does not verify
        let other = SignatureScheme::Ecdsa {
            hash: if hash == HashAlg::Sha256 {
                HashAlg::Sha512
            } else {
                HashAlg::Sha256
            },
            plain: true,
        };
        assert!(verify(&key, &other, b"sample", &sig).is_err(), "{hash:?}");
    }
}

/// FIPS 186-4 CAVP `SigGen.txt`, [P-521,SHA-512], the first three vectors: the SHA-512
/// digest of Msg (as the `p521` crate's test vectors hold it), Qx, Qy, R, S.
#[test]
fn p521_nist_cavp_sha512_vectors_verify_prehashed() {
    let vectors = [
        (
            "65f83408092261bda599389df03382c5be01a81fe00a36f3f4bb6541263f801627c440e50809712b0cace7c217e6e5051af81de9bfec3204dcd63c4f9a741047",
            "0061387fd6b95914e885f912edfbb5fb274655027f216c4091ca83e19336740fd81aedfe047f51b42bdf68161121013e0d55b117a14e4303f926c8debb77a7fdaad1",
            "00e7d0c75c38626e895ca21526b9f9fdf84dcecb93f2b233390550d2b1463b7ee3f58df7346435ff0434199583c97c665a97f12f706f2357da4b40288def888e59e6",
            "004de826ea704ad10bc0f7538af8a3843f284f55c8b946af9235af5af74f2b76e099e4bc72fd79d28a380f8d4b4c919ac290d248c37983ba05aea42e2dd79fdd33e8",
            "0087488c859a96fea266ea13bf6d114c429b163be97a57559086edb64aed4a18594b46fb9efc7fd25d8b2de8f09ca0587f54bd287299f47b2ff124aac566e8ee3b43",
        ),
        (
            "a6200971c6a289e2fcb80f78ec08a5079ea2675efd68bcab479552aa5bcb8edf3c993c79d7cebcc23c20e5af41723052b871134cc71d5c57206182a7068cc39b",
            "004d5c8afee038984d2ea96681ec0dccb6b52dfa4ee2e2a77a23c8cf43ef19905a34d6f5d8c5cf0981ed804d89d175b17d1a63522ceb1e785c0f5a1d2f3d15e51352",
            "0014368b8e746807b2b68f3615cd78d761a464ddd7918fc8df51d225962fdf1e3dc243e265100ff0ec133359e332e44dd49afd8e5f38fe86133573432d33c02fa0a3",
            "01a3c4a6386c4fb614fba2cb9e74201e1aaa0001aa931a2a939c92e04b8344535a20f53c6e3c69c75c2e5d2fe3549ed27e6713cb0f4a9a94f6189eb33bff7d453fce",
            "016a997f81aa0bea2e1469c8c1dab7df02a8b2086ba482c43af04f2174831f2b1761658795adfbdd44190a9b06fe10e578987369f3a2eced147cff89d8c2818f7471",
        ),
        (
            "46ff533622cc90321a3aeb077ec4db4fbf372c7a9db48b59de7c5d59e6314110676ba5491bd20d0f02774eef96fc2e88ca99857d21ef255184c93fb1ff4f01d3",
            "00c2d540a7557f4530de35bbd94da8a6defbff783f54a65292f8f76341c996cea38795805a1b97174a9147a8644282e0d7040a6f83423ef2a0453248156393a1782e",
            "0119f746c5df8cec24e4849ac1870d0d8594c799d2ceb6c3bdf891dfbd2242e7ea24d6aec3166214734acc4cbf4da8f71e2429c5c187b2b3a048527c861f58a9b97f",
            "010ed3ab6d07a15dc3376494501c27ce5f78c8a2b30cc809d3f9c3bf1aef437e590ef66abae4e49065ead1af5f752ec145acfa98329f17bca9991a199579c41f9229",
            "008c3457fe1f93d635bb52df9218bf3b49a7a345b8a8a988ac0a254340546752cddf02e6ce47eee58ea398fdc9130e55a4c09f5ae548c715f5bcd539f07a34034d78",
        ),
    ];
    let scheme = SignatureScheme::Ecdsa {
        hash: HashAlg::Sha512,
        plain: true,
    };
    for (digest, qx, qy, r, s) in vectors {
        let key = p521_spki(qx, qy);
        let digest = hex::decode(digest).unwrap();
        let sig = hex::decode(format!("{r}{s}")).unwrap();
        assert_eq!(
            verify_prehashed(&key, &scheme, &digest, &sig),
            Ok(()),
            "{qx}"
        );
        let mut other = digest.clone();
        other[63] ^= 1;
        assert!(
            verify_prehashed(&key, &scheme, &other, &sig).is_err(),
            "{qx}"
        );
    }
}
