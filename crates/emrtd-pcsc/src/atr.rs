//! ATR parsing (ISO/IEC 7816-3 §8.2, historical bytes per ISO/IEC 7816-4 §12.1).

/// The historical bytes of an ATR, or `None` if the ATR is malformed.
pub fn historical_bytes(atr: &[u8]) -> Option<&[u8]> {
    let t0 = *atr.get(1)?;
    let k = (t0 & 0x0F) as usize;
    let mut y = t0 >> 4;
    let mut pos = 2;
    loop {
        // TA, TB, TC present per bits 1..3 of Y; TD per bit 4.
        pos += (y & 0x07).count_ones() as usize;
        if y & 0x08 == 0 {
            break;
        }
        let td = *atr.get(pos)?;
        pos += 1;
        y = td >> 4;
    }
    atr.get(pos..pos + k)
}

/// Does the card announce extended Lc/Le in its card capabilities (compact-TLV tag 7, third
/// byte, bit 7)? `None` when the ATR does not say.
pub fn supports_extended_length(atr: &[u8]) -> Option<bool> {
    let hist = historical_bytes(atr)?;
    let (&category, mut rest) = hist.split_first()?;
    if category != 0x80 {
        return None;
    }
    while let Some((&head, tail)) = rest.split_first() {
        let tag = head >> 4;
        let len = (head & 0x0F) as usize;
        let value = tail.get(..len)?;
        if tag == 0x7 {
            return value.get(2).map(|b| b & 0x40 != 0);
        }
        rest = &tail[len..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_id_card_announces_extended_length() {
        // Contactless ATR of the German eID card (historical bytes 80 31 F8 73 F7 41 E0 82 90 00).
        let atr = hex::decode("3B8A80018031F873F741E082900075").unwrap();
        assert_eq!(
            historical_bytes(&atr).unwrap(),
            &hex::decode("8031F873F741E0829000").unwrap()[..]
        );
        assert_eq!(supports_extended_length(&atr), Some(true));
    }

    #[test]
    fn atr_without_capabilities() {
        // PC/SC part 3 ATR of a contactless card whose historical bytes say nothing.
        let atr = hex::decode("3B8180018080").unwrap();
        assert_eq!(historical_bytes(&atr).unwrap(), &[0x80]);
        assert_eq!(supports_extended_length(&atr), None);
        // Capabilities present, extended length not announced.
        let atr = hex::decode("3B88800180737F0000829000").unwrap();
        assert_eq!(supports_extended_length(&atr), Some(false));
    }

    #[test]
    fn malformed_atrs_do_not_panic() {
        for atr in [
            &[][..],
            &[0x3B],
            &[0x3B, 0xFF],
            &[0x3B, 0x8F, 0x80],
            &[0x3B, 0x81, 0x80, 0x01, 0x80, 0x7F],
        ] {
            let _ = supports_extended_length(atr);
        }
    }
}
