//! The commands the server wraps for the phone to relay, and the secure messaging sessions that
//! wrap and unwrap them (after Chip Authentication, or after the server-driven PACE-CAM run).

use crate::token::{RelayRead, SealedSessionKeys};
use emrtd_access::ca::CaTerminal;
use emrtd_apdu::CommandApdu;
use emrtd_sm::SecureMessaging;
use zeroize::Zeroizing;

/// The reads the server wraps after Chip Authentication: DG1 and the start of EF.SOD, in
/// blocks that fit short APDUs under 3DES and AES secure messaging (223 bytes of data).
pub const RELAY_READS: [RelayRead; 2] = [
    RelayRead {
        sfi: 0x01,
        offset: 0,
        le: 0xDF,
    },
    RelayRead {
        sfi: 0x1D,
        offset: 0,
        le: 0xDF,
    },
];

/// The plain READ BINARY of a relay read.
pub(crate) fn read_command(r: &RelayRead) -> CommandApdu {
    CommandApdu::read_binary_sfi(r.sfi, r.offset, usize::from(r.le))
}

/// The send sequence counter as a block of `len` bytes.
pub(crate) fn ssc_block(value: u64, len: usize) -> Vec<u8> {
    let mut block = vec![0u8; len];
    let be = value.to_be_bytes();
    let n = len.min(8);
    block[len - n..].copy_from_slice(&be[8 - n..]);
    block
}

/// The secure messaging session of the `index`-th relayed exchange after CA: SSC `2·index`
/// before the command is protected (the command gets `2·index + 1`, its response
/// `2·index + 2`).
pub(crate) fn session_at(terminal: &CaTerminal, ssc: u64) -> Result<SecureMessaging, String> {
    let (enc, mac) = terminal
        .session_keys()
        .ok_or("the Chip Authentication keys are gone")?;
    SecureMessaging::from_keys(
        enc.clone(),
        mac.clone(),
        &ssc_block(ssc, enc.cipher().block_size()),
    )
    .map_err(|e| e.to_string())
}

/// The secure messaging session at send sequence counter `ssc` from sealed session keys.
pub(crate) fn session_from(keys: &SealedSessionKeys, ssc: u64) -> Result<SecureMessaging, String> {
    let cipher = keys.cipher.cipher();
    let key = |h: &str| {
        let bytes = Zeroizing::new(hex::decode(h).map_err(|_| "the token's keys are unusable")?);
        emrtd_crypto::sym::SymKey::new(cipher, &bytes).map_err(|e| e.to_string())
    };
    SecureMessaging::from_keys(
        key(&keys.enc)?,
        key(&keys.mac)?,
        &ssc_block(ssc, cipher.block_size()),
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssc_blocks_are_big_endian_and_sized() {
        assert_eq!(ssc_block(3, 8), [0, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(ssc_block(0x0102, 16)[14..], [1, 2]);
        assert_eq!(ssc_block(0, 16), [0; 16]);
    }

    #[test]
    fn relay_reads_are_short_read_binary_by_sfi() {
        let b = read_command(&RELAY_READS[0]).to_bytes().unwrap();
        assert_eq!(b, [0x00, 0xB0, 0x81, 0x00, 0xDF]);
        let b = read_command(&RELAY_READS[1]).to_bytes().unwrap();
        assert_eq!(b, [0x00, 0xB0, 0x9D, 0x00, 0xDF]);
    }
}
