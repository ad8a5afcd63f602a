//! Shared helpers of the fuzz targets: splitting the fuzz input into pieces, a deterministic
//! random source, and scripted transports whose chip answers come from the fuzz input.
//!
//! Input conventions (documented in docs/fuzzing.md, used by the seed script):
//! * a *chunk* is a length-prefixed byte string: one length byte `0x00..=0x7F`, or two bytes
//!   `0x80 | hi, lo` for lengths up to 32767; a length past the end of the input takes the rest;
//! * mode and flag bytes are read with [`Input::byte`], which yields 0 once the input is used up.

use emrtd_apdu::{Transport, TransportError};
use rand_core::{CryptoRng, RngCore};

/// A cursor over the fuzz input.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Wrap the fuzz input.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    /// Is the input used up?
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Next byte (0 once the input is used up).
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// Next big-endian u16 (missing bytes read as 0).
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    /// Up to `n` bytes.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    /// Exactly `N` bytes, zero-padded when the input runs out.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let got = self.take(N);
        out[..got.len()].copy_from_slice(got);
        out
    }

    /// Next length-prefixed chunk; `None` once the input is used up.
    pub fn chunk(&mut self) -> Option<&'a [u8]> {
        if self.data.is_empty() {
            return None;
        }
        let first = self.byte();
        let len = if first & 0x80 == 0 {
            usize::from(first)
        } else {
            (usize::from(first & 0x7F) << 8) | usize::from(self.byte())
        };
        Some(self.take(len))
    }

    /// Everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        let r = self.data;
        self.data = &[];
        r
    }
}

/// Encode `data` as one chunk (the inverse of [`Input::chunk`]); data longer than 32767 bytes
/// is cut.
pub fn encode_chunk(data: &[u8]) -> Vec<u8> {
    let data = &data[..data.len().min(0x7FFF)];
    let mut out = Vec::with_capacity(data.len() + 2);
    if data.len() < 0x80 {
        out.push(data.len() as u8);
    } else {
        out.push(0x80 | (data.len() >> 8) as u8);
        out.push(data.len() as u8);
    }
    out.extend_from_slice(data);
    out
}

/// A deterministic random source (SplitMix64) so that a fuzz input always replays the same
/// run. Only for fuzzing: it is predictable by design.
#[derive(Debug, Clone)]
pub struct FuzzRng(u64);

impl FuzzRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        FuzzRng(seed)
    }
}

impl RngCore for FuzzRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

// Deliberately marked cryptographic so the protocol code accepts it; never use outside fuzzing.
impl CryptoRng for FuzzRng {}

/// A transport whose responses are successive chunks of the fuzz input. It ignores the
/// commands; once the chunks are used up every exchange fails with "card removed".
#[derive(Debug, Clone)]
pub struct ScriptedTransport<'a> {
    input: Input<'a>,
    extended: bool,
    reconnects: bool,
    /// Number of commands received.
    pub commands: usize,
}

impl<'a> ScriptedTransport<'a> {
    /// Responses from `input`; `extended` and `reconnects` say what the link claims to support.
    pub fn new(input: Input<'a>, extended: bool, reconnects: bool) -> Self {
        ScriptedTransport {
            input,
            extended,
            reconnects,
            commands: 0,
        }
    }
}

impl Transport for ScriptedTransport<'_> {
    fn transmit(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.commands += 1;
        self.input
            .chunk()
            .map(<[u8]>::to_vec)
            .ok_or(TransportError::CardRemoved)
    }

    fn supports_extended_length(&self) -> bool {
        self.extended
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        if self.reconnects && !self.input.is_empty() {
            Ok(())
        } else {
            Err(TransportError::CardRemoved)
        }
    }
}

/// MRZ fields of the virtual chip's `norway-passport` profile (the Norwegian specimen):
/// document number, date of birth, date of expiry.
pub const SPECIMEN_MRZ_FIELDS: (&str, &str, &str) = ("CCC002251", "560423", "300415");

/// The specimen's two MRZ lines.
pub const SPECIMEN_MRZ: &str =
    "P<NOROESTENBYEN<<AASAMUND<SPECIMEN<<<<<<<<<<\nCCC0022514NOR5604230M3004157<<<<<<<<<<<<<<04";

/// The built-in virtual chip profiles the targets use: `norway-passport` (BAC, 3DES) or
/// `norway-id` (PACE-GM brainpoolP256r1 AES-128, CAN 123456). With `bac`, BAC is switched on
/// (the ID card profile has it off): the harness opens sessions with BAC, because PACE costs
/// hundreds of milliseconds per run in an instrumented build.
pub fn sim_profile(id_card: bool, bac: bool) -> emrtd_sim::Profile {
    let name = if id_card {
        "norway-id"
    } else {
        "norway-passport"
    };
    let mut p = emrtd_sim::Profile::builtin(name).expect("built-in profile");
    p.access.bac |= bac;
    p
}

/// The CAN of the `norway-id` profile.
pub const SPECIMEN_CAN: &str = "123456";

/// A virtual chip with a deterministic random source.
pub fn sim_chip(profile: emrtd_sim::Profile, seed: u64) -> emrtd_sim::VirtualChip {
    emrtd_sim::VirtualChip::with_rng(profile, Box::new(FuzzRng::new(seed)))
        .expect("built-in profile builds a chip")
}

fn sim_exchange(
    chip: &mut emrtd_sim::VirtualChip,
    cmd: &emrtd_apdu::CommandApdu,
) -> Option<emrtd_apdu::ResponseApdu> {
    let bytes = cmd.to_bytes().ok()?;
    emrtd_apdu::ResponseApdu::parse(&chip.process(&bytes)).ok()
}

/// Open secure messaging with a virtual chip from the terminal side by running BAC with the
/// specimen MRZ (the MRZ of both built-in profiles gives the same key only for the passport;
/// the ID card's key comes from its own MRZ, given here). Returns the terminal's session.
pub fn open_sim_session(
    chip: &mut emrtd_sim::VirtualChip,
    seed: u64,
) -> Option<emrtd_sm::SecureMessaging> {
    use emrtd_access::bac::{BacKeys, BacTerminal};
    let mut rng = FuzzRng::new(seed);
    let info = chip.profile().parsed_mrz().ok()?.access_key_info().ok()?;
    let mut term = BacTerminal::new(BacKeys::from_mrz_information(&info));
    let challenge = sim_exchange(chip, &term.get_challenge_command())?;
    let cmd = term
        .external_authenticate_command(&challenge, &mut rng)
        .ok()?;
    let resp = sim_exchange(chip, &cmd)?;
    term.finish(&resp).ok()
}
