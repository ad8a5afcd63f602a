//! Object identifiers and signature algorithms of Terminal Authentication (BSI TR-03110-3
//! §A.7.3, §A.7.4, Tables 17 and 18).

/// `id-TA` = 0.4.0.127.0.7.2.2.2 (value bytes of the OBJECT IDENTIFIER).
pub const ID_TA: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02];

/// The hash functions (one type for the whole workspace, from `emrtd_crypto::sig`).
pub use emrtd_crypto::sig::HashAlg;

/// The hash functions TR-03110 pairs with RSA (Table 17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RsaHash {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl From<RsaHash> for HashAlg {
    fn from(h: RsaHash) -> HashAlg {
        match h {
            RsaHash::Sha1 => HashAlg::Sha1,
            RsaHash::Sha256 => HashAlg::Sha256,
            RsaHash::Sha512 => HashAlg::Sha512,
        }
    }
}

/// A Terminal Authentication signature algorithm, as named by the OID of a CV certificate's
/// public key. RSA-PSS uses MGF1 with the same hash and a salt as long as the hash (§A.7.3.1);
/// ECDSA signatures are in the plain format `r ‖ s` of BSI TR-03111.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaAlgorithm {
    /// `id-TA-RSA-v1-5-SHA-1/256/512`.
    RsaPkcs1v15(RsaHash),
    /// `id-TA-RSA-PSS-SHA-1/256/512`.
    RsaPss(RsaHash),
    /// `id-TA-ECDSA-SHA-1/224/256/384/512`.
    Ecdsa(HashAlg),
}

impl TaAlgorithm {
    /// Every algorithm TR-03110 defines for Terminal Authentication.
    pub const ALL: [TaAlgorithm; 11] = [
        TaAlgorithm::RsaPkcs1v15(RsaHash::Sha1),
        TaAlgorithm::RsaPkcs1v15(RsaHash::Sha256),
        TaAlgorithm::RsaPss(RsaHash::Sha1),
        TaAlgorithm::RsaPss(RsaHash::Sha256),
        TaAlgorithm::RsaPkcs1v15(RsaHash::Sha512),
        TaAlgorithm::RsaPss(RsaHash::Sha512),
        TaAlgorithm::Ecdsa(HashAlg::Sha1),
        TaAlgorithm::Ecdsa(HashAlg::Sha224),
        TaAlgorithm::Ecdsa(HashAlg::Sha256),
        TaAlgorithm::Ecdsa(HashAlg::Sha384),
        TaAlgorithm::Ecdsa(HashAlg::Sha512),
    ];

    /// The last two arcs below `id-TA`.
    fn arcs(self) -> [u8; 2] {
        match self {
            TaAlgorithm::RsaPkcs1v15(RsaHash::Sha1) => [1, 1],
            TaAlgorithm::RsaPkcs1v15(RsaHash::Sha256) => [1, 2],
            TaAlgorithm::RsaPss(RsaHash::Sha1) => [1, 3],
            TaAlgorithm::RsaPss(RsaHash::Sha256) => [1, 4],
            TaAlgorithm::RsaPkcs1v15(RsaHash::Sha512) => [1, 5],
            TaAlgorithm::RsaPss(RsaHash::Sha512) => [1, 6],
            TaAlgorithm::Ecdsa(HashAlg::Sha1) => [2, 1],
            TaAlgorithm::Ecdsa(HashAlg::Sha224) => [2, 2],
            TaAlgorithm::Ecdsa(HashAlg::Sha256) => [2, 3],
            TaAlgorithm::Ecdsa(HashAlg::Sha384) => [2, 4],
            TaAlgorithm::Ecdsa(HashAlg::Sha512) => [2, 5],
        }
    }

    /// The algorithm named by an OID (value bytes, without tag and length).
    pub fn from_oid(value: &[u8]) -> Option<TaAlgorithm> {
        TaAlgorithm::ALL.into_iter().find(|a| a.oid() == value)
    }

    /// The OID value bytes.
    pub fn oid(self) -> Vec<u8> {
        let mut v = ID_TA.to_vec();
        v.extend_from_slice(&self.arcs());
        v
    }

    /// The hash function.
    pub fn hash(self) -> HashAlg {
        match self {
            TaAlgorithm::RsaPkcs1v15(h) | TaAlgorithm::RsaPss(h) => h.into(),
            TaAlgorithm::Ecdsa(h) => h,
        }
    }

    /// True for the ECDSA algorithms.
    pub fn is_ecdsa(self) -> bool {
        matches!(self, TaAlgorithm::Ecdsa(_))
    }

    /// The OID's name, e.g. `"id-TA-ECDSA-SHA-256"`.
    pub fn name(self) -> &'static str {
        match self {
            TaAlgorithm::RsaPkcs1v15(RsaHash::Sha1) => "id-TA-RSA-v1-5-SHA-1",
            TaAlgorithm::RsaPkcs1v15(RsaHash::Sha256) => "id-TA-RSA-v1-5-SHA-256",
            TaAlgorithm::RsaPkcs1v15(RsaHash::Sha512) => "id-TA-RSA-v1-5-SHA-512",
            TaAlgorithm::RsaPss(RsaHash::Sha1) => "id-TA-RSA-PSS-SHA-1",
            TaAlgorithm::RsaPss(RsaHash::Sha256) => "id-TA-RSA-PSS-SHA-256",
            TaAlgorithm::RsaPss(RsaHash::Sha512) => "id-TA-RSA-PSS-SHA-512",
            TaAlgorithm::Ecdsa(HashAlg::Sha1) => "id-TA-ECDSA-SHA-1",
            TaAlgorithm::Ecdsa(HashAlg::Sha224) => "id-TA-ECDSA-SHA-224",
            TaAlgorithm::Ecdsa(HashAlg::Sha256) => "id-TA-ECDSA-SHA-256",
            TaAlgorithm::Ecdsa(HashAlg::Sha384) => "id-TA-ECDSA-SHA-384",
            TaAlgorithm::Ecdsa(HashAlg::Sha512) => "id-TA-ECDSA-SHA-512",
        }
    }
}

impl std::fmt::Display for TaAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Dotted form of an OID given as value bytes (for messages); the hex bytes marked
/// `(malformed)` when they are no valid OID.
pub fn oid_to_string(value: &[u8]) -> String {
    emrtd_crypto::sig::oid_to_string(value)
        .unwrap_or_else(|| format!("{} (malformed)", hex_upper(value)))
}

pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ta_oid_round_trips_and_is_under_id_ta() {
        for a in TaAlgorithm::ALL {
            let oid = a.oid();
            assert!(oid.starts_with(&ID_TA));
            assert_eq!(TaAlgorithm::from_oid(&oid), Some(a));
        }
        assert_eq!(
            oid_to_string(&TaAlgorithm::Ecdsa(HashAlg::Sha256).oid()),
            "0.4.0.127.0.7.2.2.2.2.3"
        );
        assert_eq!(
            TaAlgorithm::from_oid(&[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x06]),
            None
        );
    }
}
