//! The virtual chip, for demos and tests of the bindings (cargo feature `sim`).

use crate::{EmrtdError, NfcError};
use emrtd_apdu::Transport;
use emrtd_sim::{Profile, VirtualChip};
use std::sync::{Arc, Mutex};

/// A virtual eMRTD chip (TEST data, signed by a TEST CSCA: never trust it for real documents).
///
/// An app or test forwards its transport's APDUs to `transceive`, exactly as it
/// would send them to a real chip.
#[derive(uniffi::Object)]
pub struct VirtualCard {
    chip: Mutex<VirtualChip>,
}

fn sim_error(e: impl std::fmt::Display) -> EmrtdError {
    EmrtdError::Simulator(e.to_string())
}

impl VirtualCard {
    fn build(profile: Profile) -> Result<Arc<Self>, EmrtdError> {
        let chip = VirtualChip::new(profile).map_err(sim_error)?;
        Ok(Arc::new(VirtualCard {
            chip: Mutex::new(chip),
        }))
    }

    fn with<R>(&self, f: impl FnOnce(&mut VirtualChip) -> R) -> R {
        let mut guard = self.chip.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }
}

#[uniffi::export]
impl VirtualCard {
    /// A chip from a built-in profile (`norway-id`: PACE, CAN 123456; `norway-passport`: BAC)
    /// or a path to a `.toml` / `.json` profile (see docs/profiles.md), optionally followed by
    /// `:ATTACK` to play an attack on remote verification (`norway-id:clone`; see
    /// [`virtual_card_attacks`]).
    #[uniffi::constructor(default(profile = "norway-id"))]
    pub fn new(profile: String) -> Result<Arc<Self>, EmrtdError> {
        Self::build(Profile::load(&profile).map_err(sim_error)?)
    }

    /// A chip from the text of a TOML profile (see docs/profiles.md).
    #[uniffi::constructor]
    pub fn from_profile_toml(toml: String) -> Result<Arc<Self>, EmrtdError> {
        Self::build(Profile::from_toml(&toml).map_err(sim_error)?)
    }

    /// Process one command APDU; returns the response (data + SW1 SW2).
    pub fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, NfcError> {
        self.with(|c| c.transmit(&apdu)).map_err(|e| match e {
            e if e.is_card_lost() => NfcError::TagLost,
            e => NfcError::Io {
                reason: e.to_string(),
            },
        })
    }

    /// Power the chip off and on: every session state is gone.
    pub fn reset(&self) {
        self.with(|c| c.reset())
    }

    /// The card access number printed on the document, if it has one.
    pub fn can(&self) -> Option<String> {
        self.with(|c| c.profile().can.clone())
    }

    /// The MRZ printed on the document, lines separated by `\n`.
    pub fn mrz(&self) -> String {
        self.with(|c| c.profile().mrz.join("\n"))
    }
}

/// Names of the built-in virtual document profiles.
#[uniffi::export]
pub fn virtual_card_profiles() -> Vec<String> {
    Profile::builtin_names()
        .into_iter()
        .map(String::from)
        .collect()
}

/// The TEST CSCA certificate (DER) that signs every virtual document: add it to a
/// `TrustStore` to verify virtual documents. Never trust it for real documents.
#[uniffi::export]
pub fn virtual_card_test_csca() -> Vec<u8> {
    emrtd_sim::pki::TEST_CSCA.to_vec()
}

/// Names of the attacks on remote verification a virtual card can play (`clone`, `replay`,
/// `wrong-aa-key`, `dg14-swap`): append one to a profile name, `norway-id:clone`. TEST only.
#[uniffi::export]
pub fn virtual_card_attacks() -> Vec<String> {
    emrtd_sim::Attack::ALL
        .into_iter()
        .map(|a| a.name().to_string())
        .collect()
}
