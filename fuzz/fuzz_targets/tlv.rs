//! BER-TLV parsing on arbitrary bytes: `parse_all`, `Tlv::parse_tree` (depth-capped),
//! `parse_header`, `parse_one` / `parse_exact` and the children of every element.
//! A tree that parses must re-encode to bytes that parse again (no equality is asserted:
//! non-minimal length encodings are accepted on input and normalised on output).
#![no_main]

use emrtd_tlv::{parse_all, parse_exact, parse_header, parse_one, Tlv, TlvRef};
use libfuzzer_sys::fuzz_target;

fn walk(t: &TlvRef<'_>, depth: usize) {
    if depth > emrtd_tlv::MAX_DEPTH + 2 {
        return;
    }
    if let Ok(children) = t.children() {
        for c in &children {
            walk(c, depth + 1);
        }
    }
    let _ = t.child(0x80);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = parse_header(data) {
        let _ = h.total_len();
    }
    if let Ok(all) = parse_all(data) {
        for t in &all {
            walk(t, 0);
        }
    }
    let _ = parse_one(data);
    let _ = parse_exact(data);
    if let Ok(tree) = Tlv::parse_tree(data) {
        let encoded: Vec<u8> = tree.iter().flat_map(Tlv::encode).collect();
        assert!(
            Tlv::parse_tree(&encoded).is_ok(),
            "re-encoded TLV tree does not parse"
        );
    }
});
