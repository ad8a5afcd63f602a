//! BER-TLV as used by ISO/IEC 7816-4 and ICAO Doc 9303.
//!
//! Tags are kept as their encoded bytes packed into a `u32` (for example `0x5F1F`, `0x7F61`),
//! which is how ICAO 9303 and ISO 7816-4 write them. Lengths use the definite form only
//! (short form and long form up to four length bytes); indefinite lengths are rejected, as
//! ICAO 9303 forbids them.
//!
//! Every parser works on untrusted bytes: it never panics, never allocates more than the input,
//! and reports where and why the input is malformed.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use nom::error::{ErrorKind, ParseError};
use nom::IResult;

/// Largest value length accepted (16 MiB). No eMRTD file comes near it; anything larger is hostile.
pub const MAX_LENGTH: usize = 16 * 1024 * 1024;
/// Deepest nesting accepted by [`Tlv::parse_tree`].
pub const MAX_DEPTH: usize = 32;

/// Why a TLV could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlvError {
    /// The input ends inside a tag, a length or a value.
    #[error("TLV truncated: needed {needed} more byte(s) at offset {offset}")]
    Truncated {
        /// Where the missing bytes were expected.
        offset: usize,
        /// How many bytes were missing.
        needed: usize,
    },
    /// A tag of more than four bytes: no ICAO 9303 structure has one.
    #[error("TLV tag at offset {offset} is longer than 4 bytes")]
    TagTooLong {
        /// Where the tag starts.
        offset: usize,
    },
    /// The indefinite length form (`80`), which DER and ICAO 9303 forbid.
    #[error("TLV length at offset {offset} uses the indefinite form, which ICAO 9303 forbids")]
    IndefiniteLength {
        /// Where the length starts.
        offset: usize,
    },
    /// A length of more than four bytes or above [`MAX_LENGTH`].
    #[error("TLV length at offset {offset} is malformed or exceeds {MAX_LENGTH} bytes")]
    BadLength {
        /// Where the length starts.
        offset: usize,
    },
    /// The TLV has another tag than the caller required.
    #[error("expected tag {expected:X}, found {found:X}")]
    UnexpectedTag {
        /// The tag required.
        expected: u32,
        /// The tag found.
        found: u32,
    },
    /// Constructed TLVs nested deeper than [`MAX_DEPTH`] (a guard against hostile input).
    #[error("TLV nesting deeper than {MAX_DEPTH}")]
    TooDeep,
    /// Bytes follow the TLV where the input should have ended.
    #[error("{0} trailing byte(s) after the TLV")]
    TrailingBytes(usize),
}

/// Header of one TLV: tag, value length and how many bytes tag + length took.
// Not #[non_exhaustive]: a BER header is a tag and a length (X.690), nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag, its bytes read as a big-endian number (`5F1F`, `7F61`, …).
    pub tag: u32,
    /// Length of the value in bytes.
    pub length: usize,
    /// Bytes taken by the tag and the length fields.
    pub header_len: usize,
}

impl Header {
    /// Total encoded size (header plus value).
    pub fn total_len(&self) -> usize {
        self.header_len + self.length
    }
}

/// Is the tag constructed (bit 6 of its first byte)?
pub fn is_constructed(tag: u32) -> bool {
    first_tag_byte(tag) & 0x20 != 0
}

fn first_tag_byte(tag: u32) -> u8 {
    let bytes = tag.to_be_bytes();
    bytes.iter().copied().find(|b| *b != 0).unwrap_or(0)
}

/// nom error carrying a [`TlvError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NomTlvError(pub TlvError);

impl<I> ParseError<I> for NomTlvError {
    fn from_error_kind(_input: I, _kind: ErrorKind) -> Self {
        NomTlvError(TlvError::Truncated {
            offset: 0,
            needed: 1,
        })
    }
    fn append(_input: I, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

/// nom parser for a tag (1 to 4 bytes).
pub fn tag(input: &[u8]) -> IResult<&[u8], u32, NomTlvError> {
    let Some((&first, mut rest)) = input.split_first() else {
        return Err(nom::Err::Error(NomTlvError(TlvError::Truncated {
            offset: 0,
            needed: 1,
        })));
    };
    let mut value = first as u32;
    if first & 0x1F == 0x1F {
        let mut count = 1;
        loop {
            let Some((&b, r)) = rest.split_first() else {
                return Err(nom::Err::Error(NomTlvError(TlvError::Truncated {
                    offset: count,
                    needed: 1,
                })));
            };
            rest = r;
            count += 1;
            if count > 4 {
                return Err(nom::Err::Error(NomTlvError(TlvError::TagTooLong {
                    offset: 0,
                })));
            }
            value = (value << 8) | b as u32;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    Ok((rest, value))
}

/// nom parser for a definite length.
pub fn length(input: &[u8]) -> IResult<&[u8], usize, NomTlvError> {
    let Some((&first, rest)) = input.split_first() else {
        return Err(nom::Err::Error(NomTlvError(TlvError::Truncated {
            offset: 0,
            needed: 1,
        })));
    };
    if first < 0x80 {
        return Ok((rest, first as usize));
    }
    if first == 0x80 {
        return Err(nom::Err::Error(NomTlvError(TlvError::IndefiniteLength {
            offset: 0,
        })));
    }
    let n = (first & 0x7F) as usize;
    if n > 4 {
        return Err(nom::Err::Error(NomTlvError(TlvError::BadLength {
            offset: 0,
        })));
    }
    if rest.len() < n {
        return Err(nom::Err::Error(NomTlvError(TlvError::Truncated {
            offset: 1,
            needed: n - rest.len(),
        })));
    }
    let len = rest[..n]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | *b as usize);
    if len > MAX_LENGTH {
        return Err(nom::Err::Error(NomTlvError(TlvError::BadLength {
            offset: 0,
        })));
    }
    Ok((&rest[n..], len))
}

/// Parse only the header (tag and length) of the TLV at the start of `input`.
///
/// Needs only the header bytes, so a reader can learn a file's size from its first few bytes.
pub fn parse_header(input: &[u8]) -> Result<Header, TlvError> {
    let (rest, t) = tag(input).map_err(unwrap_err)?;
    let after_tag = input.len() - rest.len();
    let (rest2, len) = length(rest).map_err(|e| shift(unwrap_err(e), after_tag))?;
    Ok(Header {
        tag: t,
        length: len,
        header_len: input.len() - rest2.len(),
    })
}

fn unwrap_err(e: nom::Err<NomTlvError>) -> TlvError {
    match e {
        nom::Err::Error(NomTlvError(e)) | nom::Err::Failure(NomTlvError(e)) => e,
        nom::Err::Incomplete(_) => TlvError::Truncated {
            offset: 0,
            needed: 1,
        },
    }
}

fn shift(e: TlvError, by: usize) -> TlvError {
    match e {
        TlvError::Truncated { offset, needed } => TlvError::Truncated {
            offset: offset + by,
            needed,
        },
        TlvError::TagTooLong { offset } => TlvError::TagTooLong {
            offset: offset + by,
        },
        TlvError::IndefiniteLength { offset } => TlvError::IndefiniteLength {
            offset: offset + by,
        },
        TlvError::BadLength { offset } => TlvError::BadLength {
            offset: offset + by,
        },
        other => other,
    }
}

/// One TLV borrowed from its input: the raw encoding and the value.
// Not #[non_exhaustive]: a TLV is a tag and a value (X.690), nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlvRef<'a> {
    /// The tag, its bytes read as a big-endian number.
    pub tag: u32,
    /// Value bytes.
    pub value: &'a [u8],
    /// The complete encoding (tag, length, value) exactly as it appeared in the input.
    pub raw: &'a [u8],
}

impl<'a> TlvRef<'a> {
    /// Parse the children of a constructed value.
    pub fn children(&self) -> Result<Vec<TlvRef<'a>>, TlvError> {
        parse_all(self.value)
    }

    /// First child with the given tag.
    pub fn child(&self, tag: u32) -> Result<Option<TlvRef<'a>>, TlvError> {
        Ok(self.children()?.into_iter().find(|c| c.tag == tag))
    }
}

/// nom parser for one TLV.
pub fn tlv(input: &[u8]) -> IResult<&[u8], TlvRef<'_>, NomTlvError> {
    let header = parse_header(input).map_err(|e| nom::Err::Error(NomTlvError(e)))?;
    let total = header.total_len();
    if input.len() < total {
        return Err(nom::Err::Error(NomTlvError(TlvError::Truncated {
            offset: input.len(),
            needed: total - input.len(),
        })));
    }
    let raw = &input[..total];
    Ok((
        &input[total..],
        TlvRef {
            tag: header.tag,
            value: &raw[header.header_len..],
            raw,
        },
    ))
}

/// Parse one TLV at the start of `input`; returns it and the bytes after it.
pub fn parse_one(input: &[u8]) -> Result<(TlvRef<'_>, &[u8]), TlvError> {
    tlv(input).map(|(rest, t)| (t, rest)).map_err(unwrap_err)
}

/// Parse exactly one TLV spanning all of `input`.
pub fn parse_exact(input: &[u8]) -> Result<TlvRef<'_>, TlvError> {
    let (t, rest) = parse_one(input)?;
    if !rest.is_empty() {
        return Err(TlvError::TrailingBytes(rest.len()));
    }
    Ok(t)
}

/// Parse one TLV with an expected tag, ignoring nothing: trailing bytes are allowed and returned.
pub fn expect_tag(input: &[u8], expected: u32) -> Result<(TlvRef<'_>, &[u8]), TlvError> {
    let (t, rest) = parse_one(input)?;
    if t.tag != expected {
        return Err(TlvError::UnexpectedTag {
            expected,
            found: t.tag,
        });
    }
    Ok((t, rest))
}

/// Parse a concatenation of TLVs that must fill `input` completely.
///
/// Padding bytes `0x00` and `0xFF` between objects are skipped, as ISO 7816-4 allows.
pub fn parse_all(mut input: &[u8]) -> Result<Vec<TlvRef<'_>>, TlvError> {
    let mut out = Vec::new();
    let start_len = input.len();
    while !input.is_empty() {
        if input[0] == 0x00 || input[0] == 0xFF {
            input = &input[1..];
            continue;
        }
        let offset = start_len - input.len();
        let (t, rest) = parse_one(input).map_err(|e| shift(e, offset))?;
        out.push(t);
        input = rest;
    }
    Ok(out)
}

/// A fully parsed TLV tree, owned.
// Not #[non_exhaustive]: X.690 has primitive and constructed encodings, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tlv {
    /// A primitive TLV: a tag and its value bytes.
    Primitive {
        /// The tag, its bytes read as a big-endian number.
        tag: u32,
        /// The value bytes.
        value: Vec<u8>,
    },
    /// A constructed TLV (bit 6 of the first tag byte set): a tag and the TLVs inside.
    Constructed {
        /// The tag, its bytes read as a big-endian number.
        tag: u32,
        /// The TLVs of the value, in order.
        children: Vec<Tlv>,
    },
}

impl Tlv {
    /// The tag of this TLV.
    pub fn tag(&self) -> u32 {
        match self {
            Tlv::Primitive { tag, .. } | Tlv::Constructed { tag, .. } => *tag,
        }
    }

    /// Parse a tree, descending into constructed tags (at most [`MAX_DEPTH`] levels).
    pub fn parse_tree(input: &[u8]) -> Result<Vec<Tlv>, TlvError> {
        Self::parse_level(input, 0)
    }

    fn parse_level(input: &[u8], depth: usize) -> Result<Vec<Tlv>, TlvError> {
        if depth > MAX_DEPTH {
            return Err(TlvError::TooDeep);
        }
        parse_all(input)?
            .into_iter()
            .map(|t| {
                if is_constructed(t.tag) {
                    Ok(Tlv::Constructed {
                        tag: t.tag,
                        children: Self::parse_level(t.value, depth + 1)?,
                    })
                } else {
                    Ok(Tlv::Primitive {
                        tag: t.tag,
                        value: t.value.to_vec(),
                    })
                }
            })
            .collect()
    }

    /// Encode this tree.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Tlv::Primitive { tag, value } => encode(*tag, value),
            Tlv::Constructed { tag, children } => {
                let inner: Vec<u8> = children.iter().flat_map(|c| c.encode()).collect();
                encode(*tag, &inner)
            }
        }
    }
}

/// Encode a tag into its bytes.
pub fn encode_tag(tag: u32) -> Vec<u8> {
    let bytes = tag.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
    bytes[skip..].to_vec()
}

/// Encode a definite length (short form below 128, long form otherwise).
pub fn encode_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        vec![len as u8]
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let mut out = vec![0x80 | (8 - skip) as u8];
        out.extend_from_slice(&bytes[skip..]);
        out
    }
}

/// Encode one TLV.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = encode_tag(tag);
    out.extend(encode_length(value.len()));
    out.extend_from_slice(value);
    out
}

/// Encode a constructed TLV from already encoded children.
pub fn encode_constructed(tag: u32, children: &[Vec<u8>]) -> Vec<u8> {
    let inner: Vec<u8> = children.concat();
    encode(tag, &inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000] {
            let value = vec![0xAB; len];
            let enc = encode(0x5F1F, &value);
            let (t, rest) = parse_one(&enc).unwrap();
            assert!(rest.is_empty());
            assert_eq!(t.tag, 0x5F1F);
            assert_eq!(t.value.len(), len);
            assert_eq!(t.raw, &enc[..]);
        }
        assert_eq!(encode_length(0x80), vec![0x81, 0x80]);
        assert_eq!(encode_length(0x1234), vec![0x82, 0x12, 0x34]);
    }

    #[test]
    fn multibyte_tags() {
        assert_eq!(parse_header(&[0x5F, 0x1F, 0x05]).unwrap().tag, 0x5F1F);
        assert_eq!(
            parse_header(&[0x7F, 0x61, 0x81, 0x80]).unwrap().length,
            0x80
        );
        assert_eq!(
            parse_header(&[0x9F, 0x81, 0x82, 0x03, 0x00]).unwrap().tag,
            0x9F818203
        );
        assert!(matches!(
            parse_header(&[0x9F, 0x81, 0x82, 0x83, 0x04]),
            Err(TlvError::TagTooLong { .. })
        ));
        assert_eq!(encode_tag(0x5F1F), vec![0x5F, 0x1F]);
        assert_eq!(encode_tag(0x60), vec![0x60]);
        assert_eq!(encode_tag(0), vec![0]);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        assert!(parse_one(&[]).is_err());
        assert!(parse_one(&[0x5F]).is_err());
        assert!(matches!(
            parse_one(&[0x60, 0x80, 0, 0]),
            Err(TlvError::IndefiniteLength { .. })
        ));
        assert!(matches!(
            parse_one(&[0x60, 0x85, 1, 2, 3, 4, 5]),
            Err(TlvError::BadLength { .. })
        ));
        assert!(matches!(
            parse_one(&[0x60, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
            Err(TlvError::BadLength { .. })
        ));
        assert!(matches!(
            parse_one(&[0x60, 0x05, 1, 2]),
            Err(TlvError::Truncated { needed: 3, .. })
        ));
        // deep nesting
        let mut deep = vec![0x04, 0x00];
        for _ in 0..40 {
            deep = encode(0x30, &deep);
        }
        assert_eq!(Tlv::parse_tree(&deep), Err(TlvError::TooDeep));
    }

    #[test]
    fn tree_round_trip() {
        // EF.COM from ICAO 9303-10
        let com = hex::decode("60165F0104303130375F36063034303030305C046175637F").unwrap();
        let tree = Tlv::parse_tree(&com).unwrap();
        assert_eq!(tree.len(), 1);
        assert_eq!(tree[0].encode(), com);
        let top = parse_exact(&com).unwrap();
        assert_eq!(
            top.child(0x5C).unwrap().unwrap().value,
            &[0x61, 0x75, 0x63, 0x7F]
        );
    }

    #[test]
    fn padding_between_objects_is_skipped() {
        let v = parse_all(&[0x80, 0x01, 0xAA, 0x00, 0xFF, 0x81, 0x00]).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].tag, 0x81);
    }
}

// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
