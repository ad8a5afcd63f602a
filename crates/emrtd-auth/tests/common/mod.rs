//! A small test PKI: CSCA and Document Signer certificates and EF.SOD files built from scratch
//! (RSA keys from fixtures/sod/test_pki, EC keys from fixed scalars), with knobs to produce the
//! malformed variants of BSI TR-03105-5.1 unit LDS_H.
#![allow(dead_code)]

use ecdsa::signature::hazmat::PrehashSigner;
use emrtd_crypto::sig::HashAlg;
use emrtd_lds::sod::{
    self, AlgorithmIdentifier, DigestAlgorithm, LdsSecurityObject, SignerIdentifier, SignerParts,
    Sod,
};
use emrtd_tlv::{encode as tlv, Tlv};
use rand::{rngs::StdRng, SeedableRng};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;
use std::collections::BTreeMap;

pub const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
/// 2025-10-09.
pub const NOW: i64 = 1_760_000_000;

pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub fn oid(s: &str) -> Vec<u8> {
    tlv(0x06, &sod::oid_from_str(s).unwrap())
}

pub fn int(v: u64) -> Vec<u8> {
    let mut b = v.to_be_bytes().to_vec();
    while b.len() > 1 && b[0] == 0 && b[1] & 0x80 == 0 {
        b.remove(0);
    }
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    tlv(0x02, &b)
}

pub fn utc(s: &str) -> Vec<u8> {
    tlv(0x17, s.as_bytes())
}

pub fn name(c: &str, cn: &str) -> Vec<u8> {
    seq(&[
        tlv(0x31, &seq(&[oid("2.5.4.6"), tlv(0x13, c.as_bytes())])),
        tlv(0x31, &seq(&[oid("2.5.4.3"), tlv(0x0C, cn.as_bytes())])),
    ])
}

/// A private key of the test PKI.
pub enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    P224(p224::ecdsa::SigningKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
    Dsa(Box<dsa::SigningKey>),
}

impl Key {
    pub fn csca_rsa() -> Key {
        let der = std::fs::read(format!("{FIX}/sod/test_pki/csca_rsa3072.pkcs1.der")).unwrap();
        Key::Rsa(Box::new(rsa::RsaPrivateKey::from_pkcs1_der(&der).unwrap()))
    }
    pub fn ds_rsa() -> Key {
        let der = std::fs::read(format!("{FIX}/sod/test_pki/ds_rsa2048.pkcs1.der")).unwrap();
        Key::Rsa(Box::new(rsa::RsaPrivateKey::from_pkcs1_der(&der).unwrap()))
    }
    /// DSA 2048/256 keys made with OpenSSL (`csca` or `ds`).
    pub fn dsa(which: &str) -> Key {
        use dsa::pkcs8::DecodePrivateKey;
        let der = std::fs::read(format!("{FIX}/sod/test_pki/{which}_dsa2048.pk8.der")).unwrap();
        Key::Dsa(Box::new(dsa::SigningKey::from_pkcs8_der(&der).unwrap()))
    }
    pub fn p224() -> Key {
        Key::P224(p224::ecdsa::SigningKey::from_slice(&[0x22; 28]).unwrap())
    }
    pub fn p256() -> Key {
        Key::P256(p256::ecdsa::SigningKey::from_slice(&[0x11; 32]).unwrap())
    }
    pub fn p384() -> Key {
        Key::P384(p384::ecdsa::SigningKey::from_slice(&[0x33; 48]).unwrap())
    }
    pub fn p521() -> Key {
        let mut b = vec![0x01];
        b.extend([0x44; 65]);
        Key::P521(p521::ecdsa::SigningKey::from_slice(&b).unwrap())
    }

    pub fn spki(&self) -> Vec<u8> {
        let ec = |curve: &str, point: &[u8]| {
            let mut bits = vec![0u8];
            bits.extend_from_slice(point);
            seq(&[
                seq(&[oid("1.2.840.10045.2.1"), oid(curve)]),
                tlv(0x03, &bits),
            ])
        };
        match self {
            Key::Rsa(k) => k
                .to_public_key()
                .to_public_key_der()
                .unwrap()
                .as_bytes()
                .to_vec(),
            Key::P224(k) => ec(
                "1.3.132.0.33",
                k.verifying_key().to_encoded_point(false).as_bytes(),
            ),
            Key::P256(k) => ec(
                "1.2.840.10045.3.1.7",
                k.verifying_key().to_encoded_point(false).as_bytes(),
            ),
            Key::P384(k) => ec(
                "1.3.132.0.34",
                k.verifying_key().to_encoded_point(false).as_bytes(),
            ),
            Key::Dsa(k) => k
                .verifying_key()
                .to_public_key_der()
                .unwrap()
                .as_bytes()
                .to_vec(),
            Key::P521(k) => {
                use p521::elliptic_curve::sec1::ToEncodedPoint;
                let pk = p521::PublicKey::from_secret_scalar(k.as_nonzero_scalar());
                ec("1.3.132.0.35", pk.to_encoded_point(false).as_bytes())
            }
        }
    }

    pub fn key_id(&self) -> Vec<u8> {
        HashAlg::Sha1.digest(&self.spki())
    }

    /// Sign `msg` (hashing it as `alg` says).
    pub fn sign(&self, alg: &SigAlg, msg: &[u8]) -> Vec<u8> {
        let h = alg.hash.digest(msg);
        let mut rng = StdRng::seed_from_u64(7);
        macro_rules! ec {
            ($k:expr, $sig:ty) => {{
                let s: $sig = $k.sign_prehash(&h).unwrap();
                match alg.kind {
                    Kind::Plain => s.to_bytes().to_vec(),
                    _ => s.to_der().as_bytes().to_vec(),
                }
            }};
        }
        match self {
            Key::Rsa(k) => match alg.kind {
                Kind::Pkcs1 | Kind::RsaOid => k.sign(pkcs1(alg.hash), &h).unwrap(),
                Kind::Md5Rsa => {
                    let prefix = hex::decode("3020300c06082a864886f70d020505000410").unwrap();
                    let pad = rsa::Pkcs1v15Sign {
                        hash_len: Some(16),
                        prefix: prefix.into_boxed_slice(),
                    };
                    k.sign(pad, &h[..16]).unwrap()
                }
                Kind::Pss => k.sign_with_rng(&mut rng, pss(alg.hash), &h).unwrap(),
                _ => panic!("RSA key cannot sign {:?}", alg.kind),
            },
            Key::P224(k) => ec!(k, p224::ecdsa::Signature),
            Key::P256(k) => ec!(k, p256::ecdsa::Signature),
            Key::P384(k) => ec!(k, p384::ecdsa::Signature),
            Key::P521(k) => ec!(k, p521::ecdsa::Signature),
            Key::Dsa(k) => {
                use dsa::signature::SignatureEncoding;
                let s: dsa::Signature =
                    dsa::signature::hazmat::PrehashSigner::sign_prehash(&**k, &h).unwrap();
                s.to_vec()
            }
        }
    }
}

fn pkcs1(h: HashAlg) -> rsa::Pkcs1v15Sign {
    match h {
        HashAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
        HashAlg::Sha224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
        HashAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        HashAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
        HashAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}

fn pss(h: HashAlg) -> rsa::Pss {
    let n = h.output_len();
    match h {
        HashAlg::Sha1 => rsa::Pss::new_with_salt::<sha1::Sha1>(n),
        HashAlg::Sha224 => rsa::Pss::new_with_salt::<sha2::Sha224>(n),
        HashAlg::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(n),
        HashAlg::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(n),
        HashAlg::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(n),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// shaXWithRSAEncryption.
    Pkcs1,
    /// rsaEncryption as signature algorithm (hash from the digest algorithm).
    RsaOid,
    /// id-RSASSA-PSS with explicit parameters, salt = hash length.
    Pss,
    /// ecdsa-with-SHAx (ANSI X9.62), DER signature.
    X962,
    /// ecdsa-plain-SHAx (BSI TR-03111), r||s.
    Plain,
    /// md5WithRSAEncryption (not allowed).
    Md5Rsa,
    /// id-dsa-with-sha1 / dsa-with-sha224 / dsa-with-sha256.
    Dsa,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigAlg {
    pub kind: Kind,
    pub hash: HashAlg,
}

pub const fn alg(kind: Kind, hash: HashAlg) -> SigAlg {
    SigAlg { kind, hash }
}

fn hash_alg_id(h: HashAlg) -> Vec<u8> {
    seq(&[oid(h.oid()), vec![0x05, 0x00]])
}

impl SigAlg {
    pub fn alg_id(&self) -> Vec<u8> {
        use HashAlg::*;
        let null = vec![0x05, 0x00];
        match self.kind {
            Kind::Pkcs1 => {
                let o = match self.hash {
                    Sha1 => "1.2.840.113549.1.1.5",
                    Sha224 => "1.2.840.113549.1.1.14",
                    Sha256 => "1.2.840.113549.1.1.11",
                    Sha384 => "1.2.840.113549.1.1.12",
                    Sha512 => "1.2.840.113549.1.1.13",
                };
                seq(&[oid(o), null])
            }
            Kind::RsaOid => seq(&[oid("1.2.840.113549.1.1.1"), null]),
            Kind::Md5Rsa => seq(&[oid("1.2.840.113549.1.1.4"), null]),
            Kind::Pss => seq(&[
                oid("1.2.840.113549.1.1.10"),
                seq(&[
                    tlv(0xA0, &hash_alg_id(self.hash)),
                    tlv(
                        0xA1,
                        &seq(&[oid("1.2.840.113549.1.1.8"), hash_alg_id(self.hash)]),
                    ),
                    tlv(0xA2, &int(self.hash.output_len() as u64)),
                ]),
            ]),
            Kind::X962 => {
                let o = match self.hash {
                    Sha1 => "1.2.840.10045.4.1",
                    Sha224 => "1.2.840.10045.4.3.1",
                    Sha256 => "1.2.840.10045.4.3.2",
                    Sha384 => "1.2.840.10045.4.3.3",
                    Sha512 => "1.2.840.10045.4.3.4",
                };
                seq(&[oid(o)])
            }
            Kind::Dsa => {
                let o = match self.hash {
                    Sha1 => "1.2.840.10040.4.3",
                    Sha224 => "2.16.840.1.101.3.4.3.1",
                    Sha256 => "2.16.840.1.101.3.4.3.2",
                    other => panic!("no DSA OID with {other:?}"),
                };
                seq(&[oid(o)])
            }
            Kind::Plain => {
                let n = match self.hash {
                    Sha1 => 1,
                    Sha224 => 2,
                    Sha256 => 3,
                    Sha384 => 4,
                    Sha512 => 5,
                };
                seq(&[oid(&format!("0.4.0.127.0.7.1.1.4.1.{n}"))])
            }
        }
    }

    pub fn algorithm_identifier(&self) -> AlgorithmIdentifier {
        let der = self.alg_id();
        let t = emrtd_tlv::parse_exact(&der).unwrap();
        let (o, rest) = emrtd_tlv::parse_one(t.value).unwrap();
        AlgorithmIdentifier {
            oid: sod::oid_to_string(o.value).unwrap(),
            parameters: (!rest.is_empty()).then(|| rest.to_vec()),
        }
    }
}

/// authorityKeyIdentifier variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aki {
    KeyId,
    NoKeyId,
    Missing,
}

/// A certificate element a broken certificate lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Omit {
    /// tbsCertificate.signature (the AlgorithmIdentifier inside the signed part).
    TbsAlgorithm,
    /// tbsCertificate.subjectPublicKeyInfo.
    Spki,
    /// Certificate.signatureAlgorithm (outside the signed part).
    SignatureAlgorithm,
}

/// What a certificate looks like.
#[derive(Debug, Clone)]
pub struct CertOpts {
    /// `Some(v)` writes `[0] INTEGER v-1`; `None` omits the field (v1).
    pub version: Option<u8>,
    pub serial: Option<u64>,
    pub issuer: Option<Vec<u8>>,
    pub subject: Vec<u8>,
    pub validity: Option<(Vec<u8>, Vec<u8>)>,
    pub key_usage: Option<Vec<u8>>,
    pub aki: Aki,
    pub ca: bool,
    /// Algorithm written into tbsCertificate.signature (default: the signing algorithm).
    pub tbs_alg: Option<SigAlg>,
    /// Replace the SubjectPublicKeyInfo.
    pub spki: Option<Vec<u8>>,
    /// Drop the signature BIT STRING.
    pub omit_signature: bool,
    /// Drop another element of the certificate.
    pub omit: Option<Omit>,
    /// Flip a bit of the signature.
    pub corrupt_signature: bool,
    /// Further extensions (each a whole `Extension` SEQUENCE, see [`ext`]), after the others.
    pub extra_extensions: Vec<Vec<u8>>,
}

pub const KU_DIGITAL_SIGNATURE: [u8; 4] = [0x03, 0x02, 0x07, 0x80];
pub const KU_CERT_SIGN: [u8; 4] = [0x03, 0x02, 0x01, 0x06];

impl CertOpts {
    pub fn csca(issuer: Vec<u8>) -> Self {
        CertOpts {
            version: Some(3),
            serial: Some(1),
            issuer: Some(issuer.clone()),
            subject: issuer,
            validity: Some((utc("200101000000Z"), utc("350101000000Z"))),
            key_usage: Some(KU_CERT_SIGN.to_vec()),
            aki: Aki::KeyId,
            ca: true,
            tbs_alg: None,
            spki: None,
            omit_signature: false,
            omit: None,
            corrupt_signature: false,
            extra_extensions: Vec::new(),
        }
    }

    pub fn ds(issuer: Vec<u8>) -> Self {
        CertOpts {
            serial: Some(0x1234),
            subject: name("NO", "Test Document Signer"),
            validity: Some((utc("240101000000Z"), utc("300101000000Z"))),
            key_usage: Some(KU_DIGITAL_SIGNATURE.to_vec()),
            ca: false,
            ..CertOpts::csca(issuer)
        }
    }
}

/// An `Extension` SEQUENCE: OID, critical flag when set, `value` in the OCTET STRING.
pub fn ext(o: &str, critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid(o)];
    if critical {
        parts.push(vec![0x01, 0x01, 0xFF]);
    }
    parts.push(tlv(0x04, &value));
    seq(&parts)
}

/// Build a certificate for `subject_key`, signed by `issuer_key` with `alg`.
pub fn make_cert(o: &CertOpts, subject_key: &Key, issuer_key: &Key, alg: &SigAlg) -> Vec<u8> {
    let mut tbs = Vec::new();
    if let Some(v) = o.version {
        tbs.push(tlv(0xA0, &int(u64::from(v) - 1)));
    }
    if let Some(s) = o.serial {
        tbs.push(int(s));
    }
    if o.omit != Some(Omit::TbsAlgorithm) {
        tbs.push(o.tbs_alg.unwrap_or(*alg).alg_id());
    }
    if let Some(i) = &o.issuer {
        tbs.push(i.clone());
    }
    if let Some((nb, na)) = &o.validity {
        tbs.push(seq(&[nb.clone(), na.clone()]));
    }
    tbs.push(o.subject.clone());
    if o.omit != Some(Omit::Spki) {
        tbs.push(o.spki.clone().unwrap_or_else(|| subject_key.spki()));
    }
    let mut exts = vec![ext("2.5.29.14", false, tlv(0x04, &subject_key.key_id()))];
    match o.aki {
        Aki::KeyId => exts.push(ext(
            "2.5.29.35",
            false,
            seq(&[tlv(0x80, &issuer_key.key_id())]),
        )),
        Aki::NoKeyId => exts.push(ext("2.5.29.35", false, seq(&[tlv(0x82, &[0x01])]))),
        Aki::Missing => {}
    }
    if let Some(ku) = &o.key_usage {
        exts.push(ext("2.5.29.15", true, ku.clone()));
    }
    if o.ca {
        exts.push(ext("2.5.29.19", true, seq(&[vec![0x01, 0x01, 0xFF]])));
    }
    exts.extend(o.extra_extensions.iter().cloned());
    if o.version == Some(3) {
        tbs.push(tlv(0xA3, &seq(&exts)));
    }
    let tbs = seq(&tbs);
    let mut sig = issuer_key.sign(alg, &tbs);
    if o.corrupt_signature {
        let n = sig.len() / 2;
        sig[n] ^= 1;
    }
    let mut bits = vec![0u8];
    bits.extend(sig);
    let mut parts = vec![tbs];
    if o.omit != Some(Omit::SignatureAlgorithm) {
        parts.push(alg.alg_id());
    }
    if !o.omit_signature {
        parts.push(tlv(0x03, &bits));
    }
    seq(&parts)
}

/// A CSCA and a Document Signer.
pub struct World {
    pub csca_key: Key,
    pub csca: Vec<u8>,
    pub ds_key: Key,
    pub ds: Vec<u8>,
    pub ds_serial: u64,
}

pub fn csca_name() -> Vec<u8> {
    name("NO", "Test CSCA")
}

/// Build CSCA and DS with `chain_alg`, letting `tweak` change the DS certificate.
pub fn world(
    csca_key: Key,
    ds_key: Key,
    chain_alg: SigAlg,
    tweak: impl FnOnce(&mut CertOpts),
) -> World {
    world_named(csca_key, ds_key, chain_alg, csca_name(), tweak)
}

/// As [`world`], with a CSCA named `csca_subject` (the DS certificate's issuer by default).
pub fn world_named(
    csca_key: Key,
    ds_key: Key,
    chain_alg: SigAlg,
    csca_subject: Vec<u8>,
    tweak: impl FnOnce(&mut CertOpts),
) -> World {
    let csca = make_cert(
        &CertOpts::csca(csca_subject.clone()),
        &csca_key,
        &csca_key,
        &chain_alg,
    );
    let mut o = CertOpts::ds(csca_subject);
    tweak(&mut o);
    let ds = make_cert(&o, &ds_key, &csca_key, &chain_alg);
    World {
        csca_key,
        csca,
        ds_key,
        ds,
        ds_serial: o.serial.unwrap_or(0),
    }
}

pub fn rsa_world(chain: SigAlg) -> World {
    world(Key::csca_rsa(), Key::ds_rsa(), chain, |_| {})
}

/// Default data groups: DG1, DG2, DG3, DG4, DG14 (content is opaque to PA).
pub fn default_dgs() -> BTreeMap<u8, Vec<u8>> {
    let mut m = BTreeMap::new();
    m.insert(1, tlv(0x61, &tlv(0x5F1F, b"P<NORERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10")));
    m.insert(2, tlv(0x75, &[0x02; 700]));
    m.insert(3, tlv(0x63, &[0x03; 300]));
    m.insert(4, tlv(0x76, &[0x04; 300]));
    m.insert(14, tlv(0x6E, &[0x31, 0x03, 0x02, 0x01, 0x0E]));
    m
}

/// EF.COM listing data groups.
pub fn com_for(dgs: &[u8]) -> Vec<u8> {
    let tags: Vec<u8> = dgs
        .iter()
        .map(|n| emrtd_lds::com::dg_tag(*n).unwrap())
        .collect();
    tlv(
        0x60,
        &[
            tlv(0x5F01, b"0107"),
            tlv(0x5F36, b"040000"),
            tlv(0x5C, &tags),
        ]
        .concat(),
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sid {
    IssuerSerial,
    Ski,
    WrongSerial,
    WrongSki,
}

/// What an EF.SOD looks like.
#[derive(Debug, Clone)]
pub struct SodOpts {
    pub lso_hash: String,
    pub digest: String,
    pub sod_alg: SigAlg,
    pub lso_version: i64,
    pub lds_info: Option<(String, String)>,
    pub dgs: BTreeMap<u8, Vec<u8>>,
    /// Replace (Some) or remove (None) the hash of a data group.
    pub hash_overrides: Vec<(u8, Option<Vec<u8>>)>,
    pub embed: bool,
    pub sid: Sid,
    pub signing_time: Option<Vec<u8>>,
    pub message_digest: Option<Vec<u8>>,
}

impl SodOpts {
    pub fn new(sod_alg: SigAlg) -> Self {
        SodOpts {
            lso_hash: sod_alg.hash.oid().into(),
            digest: sod_alg.hash.oid().into(),
            sod_alg,
            lso_version: 0,
            lds_info: None,
            dgs: default_dgs(),
            hash_overrides: Vec::new(),
            embed: true,
            sid: Sid::IssuerSerial,
            signing_time: Some(utc("250601120000Z")),
            message_digest: None,
        }
    }
}

fn digest_any(oid: &str, data: &[u8]) -> Vec<u8> {
    HashAlg::from_oid(oid).map_or(vec![0xAB; 16], |h| h.digest(data))
}

/// Build EF.SOD with the crate's encoder.
pub fn make_sod(w: &World, o: &SodOpts) -> Vec<u8> {
    let mut hashes: Vec<(u8, Vec<u8>)> = o
        .dgs
        .iter()
        .map(|(n, b)| (*n, digest_any(&o.lso_hash, b)))
        .collect();
    for (n, h) in &o.hash_overrides {
        hashes.retain(|(m, _)| m != n);
        if let Some(h) = h {
            hashes.push((*n, h.clone()));
        }
    }
    hashes.sort();
    let lso = LdsSecurityObject {
        version: o.lso_version,
        hash_algorithm: DigestAlgorithm::from_oid(&o.lso_hash),
        data_group_hashes: hashes,
        lds_version_info: o.lds_info.clone(),
    };
    let content = lso.to_der().unwrap();
    // The SignerInfo names the DS certificate's issuer (the CSCA name if it cannot be decoded).
    let issuer = emrtd_auth::cert::Certificate::from_der(&w.ds)
        .ok()
        .and_then(|c| der::Encode::to_der(c.issuer_name()).ok())
        .unwrap_or_else(csca_name);
    let serial = |s: u64| int(s)[2..].to_vec();
    let sid = match o.sid {
        Sid::IssuerSerial => SignerIdentifier::IssuerAndSerialNumber {
            issuer,
            serial: serial(w.ds_serial),
        },
        Sid::WrongSerial => SignerIdentifier::IssuerAndSerialNumber {
            issuer,
            serial: serial(w.ds_serial + 1),
        },
        Sid::Ski => SignerIdentifier::SubjectKeyIdentifier(w.ds_key.key_id()),
        Sid::WrongSki => SignerIdentifier::SubjectKeyIdentifier(vec![0x5A; 20]),
    };
    let parts = SignerParts {
        digest_algorithm: AlgorithmIdentifier::new(&o.digest),
        message_digest: o
            .message_digest
            .clone()
            .unwrap_or_else(|| digest_any(&o.digest, &content)),
        signature_algorithm: o.sod_alg.algorithm_identifier(),
        sid,
        certificate: o.embed.then(|| w.ds.clone()),
        signing_time: o.signing_time.clone(),
    };
    Sod::encode::<()>(&lso, &parts, |attrs| Ok(w.ds_key.sign(&o.sod_alg, attrs))).unwrap()
}

/// Parse EF.SOD as a TLV tree, let `f` edit the SignedData children, re-encode.
pub fn edit_signed_data(sod: &[u8], f: impl FnOnce(&mut Vec<Tlv>)) -> Vec<u8> {
    let mut tree = Tlv::parse_tree(sod).unwrap();
    let sd = children(&mut tree[0], &[0, 1, 0]);
    f(sd);
    tree[0].encode()
}

/// Children of the node at `path` below `t`.
pub fn children<'a>(t: &'a mut Tlv, path: &[usize]) -> &'a mut Vec<Tlv> {
    let mut cur = t;
    for i in path {
        match cur {
            Tlv::Constructed { children, .. } => cur = &mut children[*i],
            Tlv::Primitive { .. } => panic!("primitive on path"),
        }
    }
    match cur {
        Tlv::Constructed { children, .. } => children,
        Tlv::Primitive { .. } => panic!("primitive at end of path"),
    }
}
