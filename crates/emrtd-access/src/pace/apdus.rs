//! APDU formats of PACE: MSE:Set AT and the GENERAL AUTHENTICATE chain with its dynamic
//! authentication data (ICAO 9303-11 §4.4.4–4.4.5).

use emrtd_apdu::{ins, CommandApdu};
use emrtd_tlv::{encode, parse_all, parse_one};

use super::PaceError;

/// Dynamic authentication data template.
pub(crate) const TAG_DYN: u32 = 0x7C;
pub(crate) const TAG_NONCE: u32 = 0x80;
pub(crate) const TAG_MAP_IFD: u32 = 0x81;
pub(crate) const TAG_MAP_IC: u32 = 0x82;
pub(crate) const TAG_PK_IFD: u32 = 0x83;
pub(crate) const TAG_PK_IC: u32 = 0x84;
pub(crate) const TAG_TOKEN_IFD: u32 = 0x85;
pub(crate) const TAG_TOKEN_IC: u32 = 0x86;
pub(crate) const TAG_CAR1: u32 = 0x87;
pub(crate) const TAG_CAR2: u32 = 0x88;
pub(crate) const TAG_CAM: u32 = 0x8A;

/// MSE:Set AT for PACE: `00 22 C1 A4 { 80 oid, 83 password ref, [84 parameter id],
/// [7F4C CHAT] }` (TR-03110-3 §B.14.1 order).
pub fn mse_set_at(
    oid: &[u8],
    password_ref: u8,
    parameter_id: Option<u32>,
    chat: Option<&[u8]>,
) -> CommandApdu {
    let mut data = encode(0x80, oid);
    data.extend(encode(0x83, &[password_ref]));
    if let Some(id) = parameter_id {
        data.extend(encode(0x84, &minimal_be(id)));
    }
    if let Some(chat) = chat {
        data.extend_from_slice(chat);
    }
    CommandApdu::new(0x00, ins::MANAGE_SECURITY_ENVIRONMENT, 0xC1, 0xA4).with_data(data)
}

pub(crate) fn minimal_be(v: u32) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(3);
    b[skip..].to_vec()
}

/// GENERAL AUTHENTICATE with `7C { dos }`; chained (CLA 10) unless `last`. Uses extended
/// length when the data or the expected answer does not fit short APDUs.
pub fn general_authenticate(dos: &[(u32, &[u8])], last: bool, long: bool) -> CommandApdu {
    let inner: Vec<u8> = dos.iter().flat_map(|(t, v)| encode(*t, v)).collect();
    let data = encode(TAG_DYN, &inner);
    let cla = if last { 0x00 } else { 0x10 };
    let extended = long || data.len() > 255;
    CommandApdu::new(cla, ins::GENERAL_AUTHENTICATE, 0x00, 0x00)
        .with_data(data)
        .with_le(if extended { 65536 } else { 256 })
        .extended(extended)
}

/// The data objects inside a `7C` template (an empty input counts as an empty template).
pub(crate) fn parse_dynamic(
    data: &[u8],
    step: &'static str,
) -> Result<Vec<(u32, Vec<u8>)>, PaceError> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    let malformed = |reason: String| PaceError::MalformedResponse { step, reason };
    let (outer, rest) = parse_one(data).map_err(|e| malformed(e.to_string()))?;
    if outer.tag != TAG_DYN {
        return Err(malformed(format!(
            "expected dynamic authentication data (7C), found tag {:X}",
            outer.tag
        )));
    }
    if !rest.is_empty() {
        return Err(malformed(format!(
            "{} unexpected byte(s) after 7C",
            rest.len()
        )));
    }
    let items = parse_all(outer.value).map_err(|e| malformed(e.to_string()))?;
    if items.len() > 8 {
        return Err(malformed("too many data objects".into()));
    }
    Ok(items
        .into_iter()
        .map(|t| (t.tag, t.value.to_vec()))
        .collect())
}

/// The value of the single data object with `tag`, or an error naming what is missing.
pub(crate) fn take(
    dos: &[(u32, Vec<u8>)],
    tag: u32,
    step: &'static str,
    what: &'static str,
) -> Result<Vec<u8>, PaceError> {
    let mut found = dos.iter().filter(|(t, _)| *t == tag);
    match (found.next(), found.next()) {
        (Some((_, v)), None) => Ok(v.clone()),
        (None, _) => Err(PaceError::MalformedResponse {
            step,
            reason: format!("{what} (tag {tag:02X}) is missing"),
        }),
        (Some(_), Some(_)) => Err(PaceError::MalformedResponse {
            step,
            reason: format!("{what} (tag {tag:02X}) appears twice"),
        }),
    }
}
