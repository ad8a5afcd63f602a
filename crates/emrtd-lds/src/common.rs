//! Helpers shared by the data-group decoders (crate-internal).

use crate::LdsError;
use emrtd_tlv::{parse_header, parse_one, TlvError, TlvRef};

/// Parse the outer TLV of a file: the tag must be `tag`, the TLV complete, and anything after it
/// only padding (`00` or `FF`), as some chips pad their files.
pub(crate) fn outer<'a>(
    bytes: &'a [u8],
    tag: u32,
    file: &'static str,
) -> Result<TlvRef<'a>, LdsError> {
    let header = parse_header(bytes).map_err(LdsError::tlv(file))?;
    if header.tag != tag {
        return Err(LdsError::UnexpectedTag {
            file,
            expected: tag,
            found: header.tag,
        });
    }
    let (tlv, rest) = parse_one(bytes).map_err(LdsError::tlv(file))?;
    if rest.iter().any(|b| *b != 0x00 && *b != 0xFF) {
        return Err(LdsError::Tlv {
            file,
            source: TlvError::TrailingBytes(rest.len()),
        });
    }
    Ok(tlv)
}

/// Children of a constructed TLV.
pub(crate) fn children<'a>(
    tlv: &TlvRef<'a>,
    file: &'static str,
) -> Result<Vec<TlvRef<'a>>, LdsError> {
    tlv.children().map_err(LdsError::tlv(file))
}

/// A text element (UTF-8, as ICAO 9303-10 prescribes for DG11, DG12 and DG16).
pub(crate) fn utf8(
    value: &[u8],
    file: &'static str,
    element: &'static str,
) -> Result<String, LdsError> {
    String::from_utf8(value.to_vec()).map_err(|_| LdsError::Invalid {
        file,
        element,
        reason: "not valid UTF-8 text".into(),
    })
}

/// A date stored as 4 BCD bytes `CC YY MM DD` instead of the 8 ASCII digits `YYYYMMDD` ICAO
/// 9303-10 prescribes (field quirks D10, D11: French, Malaysian, Belgian documents), as that
/// text. `None` unless the bytes are decimal BCD with century 19 or 20, month 01–12 and day
/// 00–31 (so that 4 ASCII characters are never taken for BCD).
pub(crate) fn bcd_date(value: &[u8]) -> Option<String> {
    let &[cc, yy, mm, dd] = value else {
        return None;
    };
    let decimal = value.iter().all(|b| b >> 4 <= 9 && b & 0x0F <= 9);
    (decimal
        && matches!(cc, 0x19 | 0x20)
        && (0x01..=0x12).contains(&mm)
        && dd <= 0x31
        && yy <= 0x99)
        .then(|| value.iter().map(|b| format!("{b:02X}")).collect())
}

/// A date element: its text, or a 4-byte BCD date ([`bcd_date`]) as the text it stands for.
pub(crate) fn date_text(
    value: &[u8],
    file: &'static str,
    element: &'static str,
) -> Result<String, LdsError> {
    match bcd_date(value) {
        Some(text) => Ok(text),
        None => utf8(value, file, element),
    }
}

/// The tags among `tags` whose element, directly inside the outer TLV of `raw`, is a BCD date
/// ([`bcd_date`]): reported by the checks of DG11 and DG12.
pub(crate) fn bcd_date_tags(raw: &[u8], tags: &[u32]) -> Vec<u32> {
    let Ok(outer) = emrtd_tlv::parse_exact(raw) else {
        return Vec::new();
    };
    emrtd_tlv::parse_all(outer.value)
        .unwrap_or_default()
        .iter()
        .filter(|c| tags.contains(&c.tag) && bcd_date(c.value).is_some())
        .map(|c| c.tag)
        .collect()
}

/// A "number of ..." element (`02`), one byte as ICAO 9303-10 prescribes.
pub(crate) fn count(
    value: &[u8],
    file: &'static str,
    element: &'static str,
) -> Result<usize, LdsError> {
    match value {
        [n] => Ok(*n as usize),
        _ => Err(LdsError::Invalid {
            file,
            element,
            reason: format!("must be one byte, found {} byte(s)", value.len()),
        }),
    }
}

/// The tags listed in a tag list (`5C`).
pub(crate) fn tag_list(mut value: &[u8], file: &'static str) -> Result<Vec<u32>, LdsError> {
    let mut tags = Vec::new();
    while !value.is_empty() {
        let (rest, tag) = emrtd_tlv::tag(value).map_err(|_| LdsError::Invalid {
            file,
            element: "tag list (5C)",
            reason: "ends inside a multi-byte tag".into(),
        })?;
        tags.push(tag);
        value = rest;
    }
    Ok(tags)
}

/// Encode a tag list value.
pub(crate) fn encode_tag_list(tags: &[u32]) -> Vec<u8> {
    tags.iter()
        .flat_map(|t| emrtd_tlv::encode_tag(*t))
        .collect()
}

/// Encode `tag` with `value` if present.
pub(crate) fn push_opt(out: &mut Vec<Vec<u8>>, tag: u32, value: &Option<impl AsRef<[u8]>>) {
    if let Some(v) = value {
        out.push(emrtd_tlv::encode(tag, v.as_ref()));
    }
}

/// Store `value` into `slot`, refusing a second occurrence of the same element.
pub(crate) fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    file: &'static str,
    element: &'static str,
) -> Result<(), LdsError> {
    if slot.is_some() {
        return Err(LdsError::Invalid {
            file,
            element,
            reason: "appears more than once".into(),
        });
    }
    *slot = Some(value);
    Ok(())
}

/// Big-endian unsigned integer of at most 8 bytes.
pub(crate) fn be_uint(bytes: &[u8]) -> Option<u64> {
    if bytes.len() > 8 {
        return None;
    }
    Some(bytes.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64))
}

/// A signed INTEGER in its shortest two's-complement form, under `tag` (`0x02` for a DER
/// INTEGER, a context tag for the implicitly tagged integers of ISO/IEC 39794-5).
pub(crate) fn int_tlv(tag: u32, v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    emrtd_tlv::encode(tag, &bytes[start..])
}

/// DER INTEGER of an unsigned big-endian number (leading zeros dropped, a zero byte added when
/// the high bit is set; no bytes at all is 0).
pub(crate) fn uint_tlv(bytes: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(i) => &bytes[i..],
        None => &[],
    };
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if !matches!(trimmed.first(), Some(b) if b & 0x80 == 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    emrtd_tlv::encode(0x02, &content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal() {
        assert_eq!(int_tlv(0x02, 0), [2, 1, 0]);
        assert_eq!(int_tlv(0x02, 127), [2, 1, 0x7F]);
        assert_eq!(int_tlv(0x02, 128), [2, 2, 0, 0x80]);
        assert_eq!(int_tlv(0x02, -1), [2, 1, 0xFF]);
        assert_eq!(int_tlv(0x02, -129), [2, 2, 0xFF, 0x7F]);
        assert_eq!(int_tlv(0x80, 5), [0x80, 1, 5]);
        assert_eq!(uint_tlv(&[]), vec![2, 1, 0]);
        assert_eq!(uint_tlv(&[0, 0, 1]), vec![2, 1, 1]);
        assert_eq!(uint_tlv(&[0, 0]), vec![2, 1, 0]);
        assert_eq!(uint_tlv(&[0x80]), vec![2, 2, 0, 0x80]);
        assert_eq!(uint_tlv(&[1, 0, 1]), vec![2, 3, 1, 0, 1]);
    }

    #[test]
    fn outer_checks_tag_and_trailing_bytes() {
        assert!(outer(&[0x61, 0x01, 0x00], 0x61, "X").is_ok());
        assert!(outer(&[0x61, 0x01, 0x00, 0x00, 0xFF], 0x61, "X").is_ok());
        assert!(matches!(
            outer(&[0x61, 0x01, 0x00, 0x12], 0x61, "X"),
            Err(LdsError::Tlv {
                source: TlvError::TrailingBytes(1),
                ..
            })
        ));
        assert!(matches!(
            outer(&[0x62, 0x01, 0x00], 0x61, "X"),
            Err(LdsError::UnexpectedTag { found: 0x62, .. })
        ));
        assert!(outer(&[0x61, 0x02, 0x00], 0x61, "X").is_err());
    }

    #[test]
    fn tag_lists() {
        let tags = tag_list(&[0x5F, 0x0E, 0x5F, 0x11, 0xA0], "X").unwrap();
        assert_eq!(tags, vec![0x5F0E, 0x5F11, 0xA0]);
        assert_eq!(encode_tag_list(&tags), vec![0x5F, 0x0E, 0x5F, 0x11, 0xA0]);
        assert!(tag_list(&[0x5F], "X").is_err());
    }
}
