//! Deterministic robustness test: every sample file, mutated by bit flips, truncations and
//! changed length bytes, is decoded as every file type; each decode must return `Ok` or `Err`,
//! never panic, and whatever decodes must re-encode and be checked without panicking.

mod common;

use common::fixture;
use emrtd_lds::iso19794_5::FacialRecord;
use emrtd_lds::iso39794_5::FaceImageData;
use emrtd_lds::{decode_file, FileId};

const SAMPLES: [&str; 29] = [
    "bsi2008/EF_COM.bin",
    "bsi2008/Datagroup1.bin",
    "bsi2008/Datagroup2.bin",
    "bsi2008/Datagroup3.bin",
    "bsi2008/Datagroup4.bin",
    "bsi2008/Datagroup14.bin",
    "bsi2008/Datagroup15.bin",
    "bsi2008/EF_SOD.bin",
    "loes2006/ef011E.bin",
    "loes2006/ef0101.bin",
    "loes2006/ef0102.bin",
    "loes2006/ef010F.bin",
    "loes2006/ef011D.bin",
    "uk/UK_imported_DG1.bin",
    "uk/UK_imported_DG2.bin",
    "gmrtd_lds_testdata/ICAO_39794_5_AP_DG2_AllFields.dat",
    "gmrtd_lds_testdata/ICAO_39794_5_AP_DG2_MandFields.dat",
    "gmrtd_lds_testdata/ICAO_39794_5_AP_AllFields.dat",
    "gmrtd_lds_testdata/ISO19794_Test1_Data.bin",
    "dg15_ec_explicit.bin",
    "dg15_ec_named_secp384r1.bin",
    "tr03105/LDS_A_00.bin",
    "tr03105/LDS_B_01.bin",
    "tr03105/LDS_C_02.bin",
    "tr03105/LDS_C_03.bin",
    "tr03105/LDS_G_00.bin",
    "tr03105/LDS_K_01.bin",
    "tr03105/LDS_K_02.bin",
    "tr03105/LDS_F_06.bin",
];

/// Small deterministic generator (xorshift64*), so every run mutates the same way.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Offsets of TLV length bytes in the first levels of `data` (found by walking the TLV tree).
fn length_offsets(data: &[u8], base: usize, depth: usize, out: &mut Vec<usize>) {
    let mut pos = 0;
    while pos < data.len() && depth < 6 && out.len() < 400 {
        let Ok(h) = emrtd_tlv::parse_header(&data[pos..]) else {
            return;
        };
        let tag_len = emrtd_tlv::encode_tag(h.tag).len();
        out.push(base + pos + tag_len);
        let value_start = pos + h.header_len;
        let Some(value) = data.get(value_start..value_start + h.length) else {
            return;
        };
        if emrtd_tlv::is_constructed(h.tag) {
            length_offsets(value, base + value_start, depth + 1, out);
        }
        pos = value_start + h.length;
    }
}

fn mutants(sample: &[u8], seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed | 1);
    let mut out = Vec::new();
    // Bit flips: every byte of the first 160, then 300 random positions.
    let head = sample.len().min(160);
    for i in 0..head {
        let mut m = sample.to_vec();
        m[i] ^= 1 << (i % 8);
        out.push(m);
    }
    for _ in 0..300 {
        let mut m = sample.to_vec();
        let i = rng.below(sample.len());
        m[i] ^= 1 << rng.below(8);
        out.push(m);
    }
    // Truncations: every length up to 64, then 100 random lengths, and the last bytes.
    for len in 0..sample.len().min(64) {
        out.push(sample[..len].to_vec());
    }
    for _ in 0..100 {
        out.push(sample[..rng.below(sample.len())].to_vec());
    }
    for cut in 1..8.min(sample.len()) {
        out.push(sample[..sample.len() - cut].to_vec());
    }
    // Length bytes: each set to 00, 7F, 80, 81, FF, value ± 1.
    let mut offsets = Vec::new();
    length_offsets(sample, 0, 0, &mut offsets);
    for off in offsets {
        let orig = sample[off];
        for v in [
            0x00,
            0x7F,
            0x80,
            0x81,
            0x82,
            0x84,
            0xFF,
            orig.wrapping_add(1),
            orig.wrapping_sub(1),
        ] {
            let mut m = sample.to_vec();
            m[off] = v;
            out.push(m);
        }
    }
    // Random byte overwrites in bursts.
    for _ in 0..100 {
        let mut m = sample.to_vec();
        let start = rng.below(sample.len());
        for b in m.iter_mut().skip(start).take(1 + rng.below(8)) {
            *b = rng.next() as u8;
        }
        out.push(m);
    }
    out
}

const TYPES: [FileId; 20] = [
    FileId::Com,
    FileId::Dg(1),
    FileId::Dg(2),
    FileId::Dg(3),
    FileId::Dg(4),
    FileId::Dg(5),
    FileId::Dg(6),
    FileId::Dg(7),
    FileId::Dg(8),
    FileId::Dg(11),
    FileId::Dg(12),
    FileId::Dg(13),
    FileId::Dg(14),
    FileId::Dg(15),
    FileId::Dg(16),
    FileId::Dg(17),
    FileId::Dg(0),
    FileId::Sod,
    FileId::Cvca,
    FileId::AtrInfo,
];

fn exercise(bytes: &[u8]) {
    for id in TYPES {
        if let Ok(file) = decode_file(id, bytes) {
            let _ = file.check();
            let encoded = file.encode();
            // Whatever decodes, re-encodes to something that decodes again.
            assert!(
                decode_file(id, &encoded).is_ok(),
                "{id:?}: re-encoding of a mutant does not decode"
            );
        }
    }
    let _ = FacialRecord::decode(bytes, "DG2");
    let _ = FaceImageData::decode(bytes, "DG2");
    let _ = emrtd_lds::dg15::AaPublicKey::from_spki(bytes);
}

#[test]
fn mutated_samples_never_panic() {
    let mut total = 0;
    for (n, path) in SAMPLES.iter().enumerate() {
        let sample = fixture(path);
        exercise(&sample);
        for m in mutants(&sample, 0x9E37_79B9_7F4A_7C15 ^ n as u64) {
            exercise(&m);
            total += 1;
        }
    }
    assert!(total > 20_000, "{total} mutants");
}

#[test]
fn edge_inputs_never_panic() {
    let mut inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x00],
        vec![0xFF; 64],
        vec![0x80],
        vec![0x5F],
        vec![0x7F, 0x61],
    ];
    for tag in [
        0x60u8, 0x61, 0x63, 0x65, 0x67, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70, 0x75, 0x76, 0x77, 0x42,
    ] {
        for len in [0x00u8, 0x01, 0x7F, 0x80, 0x81, 0x84, 0x85, 0xFF] {
            inputs.push(vec![tag, len]);
            inputs.push(vec![tag, len, 0x00, 0x00]);
            inputs.push(vec![tag, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, len]);
        }
    }
    // Deep nesting of constructed tags.
    let mut deep = vec![0x04, 0x00];
    for _ in 0..200 {
        deep = emrtd_tlv::encode(0x30, &deep);
    }
    inputs.push(emrtd_tlv::encode(0x75, &deep));
    inputs.push(deep);
    for input in inputs {
        exercise(&input);
    }
}

#[cfg(feature = "images")]
#[test]
fn mutated_images_never_panic() {
    let images = [
        fixture("gmrtd_lds_testdata/ISO19794_Test1_Face.jpg"),
        fixture("gmrtd_lds_testdata/ICAO_39794_5_AP_Face.jpg"),
    ];
    for (n, image) in images.iter().enumerate() {
        let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ n as u64);
        for _ in 0..150 {
            let mut m = image.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(m.len());
                m[i] ^= 1 << rng.below(8);
            }
            let _ = emrtd_lds::face_to_png(&m);
            let cut = rng.below(image.len());
            let _ = emrtd_lds::face_to_png(&image[..cut]);
        }
    }
}
