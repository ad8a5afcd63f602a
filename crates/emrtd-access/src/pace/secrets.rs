//! Where a PACE side gets its secrets: a random source, or fixed values to replay published
//! examples. Shared by the terminal and the chip.

use emrtd_crypto::pk::{Group, PrivateKey};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use super::PaceError;

/// Fixed secrets of one side: ephemeral private keys and its nonce (the chip's s or the
/// terminal's t).
pub(crate) trait FixedSecrets {
    fn mapping_private_key(&self) -> &[u8];
    fn agreement_private_key(&self) -> &[u8];
    fn nonce(&self) -> &[u8];
}

pub(crate) enum Source<S> {
    Rng(Box<dyn CryptoRngCore + Send>),
    Fixed(S),
}

impl<S: FixedSecrets> Source<S> {
    /// The mapping (`mapping = true`) or key-agreement ephemeral private key.
    pub(crate) fn private_key(
        &mut self,
        group: &Group,
        mapping: bool,
    ) -> Result<PrivateKey, PaceError> {
        match self {
            Source::Rng(rng) => Ok(group.generate_private_key(rng)),
            Source::Fixed(s) => {
                let bytes = if mapping {
                    s.mapping_private_key()
                } else {
                    s.agreement_private_key()
                };
                group
                    .private_key_from_bytes(bytes)
                    .map_err(PaceError::Group)
            }
        }
    }

    /// A fresh nonce of `len` bytes (or the fixed one).
    pub(crate) fn nonce(&mut self, len: usize) -> Zeroizing<Vec<u8>> {
        match self {
            Source::Rng(rng) => {
                let mut n = Zeroizing::new(vec![0u8; len]);
                rng.fill_bytes(&mut n);
                n
            }
            Source::Fixed(s) => Zeroizing::new(s.nonce().to_vec()),
        }
    }
}
