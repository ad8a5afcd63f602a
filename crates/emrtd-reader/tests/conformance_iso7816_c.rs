//! BSI TR-03105-5.1 unit ISO7816_C (reading binary files) against virtual chips that end files
//! differently, hold files beyond 32 KiB, miss files, or declare lengths no reader should
//! allocate. See docs/conformance.md.

mod conformance_support;

use conformance_support::*;
use emrtd_apdu::{ins, StatusWord};
use emrtd_auth::{DataGroup, DgStatus, Verdict};
use emrtd_reader::{read_document, EfId, ReadError, ReadOptions};
use emrtd_sim::hostile::{HostileChip, SodSpec};
use emrtd_sim::{Profile, VirtualChip};

/// A JPEG of `len`-ish bytes: the specimen face with a comment segment (FF FE) of padding.
fn big_jpeg(extra: usize) -> Vec<u8> {
    let face = emrtd_sim::chip::SPECIMEN_FACE;
    let mut out = face[..2].to_vec();
    let mut left = extra;
    while left > 0 {
        let n = left.min(60_000);
        out.extend([0xFF, 0xFE]);
        out.extend(((n + 2) as u16).to_be_bytes());
        out.extend(vec![b'.'; n]);
        left -= n;
    }
    out.extend_from_slice(&face[2..]);
    out
}

/// A profile whose DG2 holds a face image of more than 32 KiB.
fn large_dg2_profile(extended: bool) -> Profile {
    let path = std::env::temp_dir().join(format!(
        "emrtd-conformance-large-face-{}.jpg",
        std::process::id()
    ));
    std::fs::write(&path, big_jpeg(48_000)).unwrap();
    let mut p = bac_profile();
    p.face = path.to_string_lossy().into_owned();
    p.chip.extended_length = extended;
    p.chip.max_read = if extended { 4096 } else { 231 };
    p
}

/// Every protected READ BINARY with an offset in P1-P2 (INS B0) the reader sent, as
/// (short EF identifier or current file, offset, Le), in order.
fn reads(exchanges: &[(Vec<u8>, Vec<u8>)]) -> Vec<(Option<u8>, usize, usize)> {
    let mut out = Vec::new();
    for (cmd, _) in exchanges {
        let cmd = emrtd_apdu::CommandApdu::parse(cmd).unwrap();
        if !cmd.is_secure_messaging() || cmd.ins != ins::READ_BINARY {
            continue;
        }
        let (sfi, offset) = if cmd.p1 & 0x80 != 0 {
            (Some(cmd.p1 & 0x1F), usize::from(cmd.p2))
        } else {
            (None, usize::from(u16::from_be_bytes([cmd.p1, cmd.p2])))
        };
        // DO'97' (Le) is sent in clear inside the protected command.
        let le = emrtd_tlv::parse_all(&cmd.data)
            .unwrap()
            .iter()
            .find(|t| t.tag == 0x97)
            .map(|t| match t.value {
                [0] => 256,
                [n] => usize::from(*n),
                [0, 0] => 65536,
                [a, b] => usize::from(u16::from_be_bytes([*a, *b])),
                _ => panic!("Le object of {} bytes", t.value.len()),
            })
            .unwrap();
        out.push((sfi, offset, le));
    }
    out
}

#[test]
fn iso7816_c_01_file_selection_failure() {
    // EF.COM lists DG11, which the chip does not have (6A82): the reader says so, reads on,
    // and (as LDS_H_91 requires, EF.SOD not hashing DG11) does not call the document valid.
    let mut p = bac_profile();
    let com = emrtd_lds::com::EfCom::new("0107", "040000", vec![0x61, 0x75, 0x6B]);
    p.files.insert("COM".into(), hex::encode(com.encode()));
    let mut hostile = HostileChip::new(chip(&p), vec![]);
    let doc = read_document(&mut hostile, &mrz_key(&p), &ReadOptions::default()).unwrap();
    assert_eq!(
        doc.refused.get(&EfId::Dg(11)),
        Some(&emrtd_reader::Refusal::NotPresent)
    );
    assert!(
        doc.files.contains_key(&EfId::Dg(2)),
        "reading went on after DG11"
    );
    let (_, why) = inspect(chip(&p), &p).failed("ISO7816_C_01");
    assert!(why.contains("EF.COM lists"), "{why}");
    assert!(hostile
        .exchanges()
        .iter()
        .any(|(c, _)| c.get(1) == Some(&ins::READ_BINARY) && c.get(2) == Some(&0x8B)));
}

#[test]
fn iso7816_c_01_hidden_data_group_is_not_valid() {
    // EF.COM and EF.SOD list DG2, but the chip answers 6A82 for it: the face cannot be
    // verified, so the document must not come out as fully verified.
    let mut p = bac_profile();
    p.face = "none".into();
    let dg1 = chip(&p).file("DG1").unwrap().to_vec();
    let dg2 = chip(&bac_profile()).file("DG2").unwrap().to_vec();
    let sod = SodSpec::new(&[(1, &dg1), (2, &dg2)]).sign().unwrap();
    let com = emrtd_lds::com::EfCom::new("0107", "040000", vec![0x61, 0x75]);
    p.files.insert("SOD".into(), hex::encode(sod));
    p.files.insert("COM".into(), hex::encode(com.encode()));
    let outcome = inspect(chip(&p), &p);
    if let conformance_support::Outcome::Failed {
        verdict: Some(v), ..
    } = &outcome
    {
        assert_eq!(
            v.passive_authentication.data_groups.get(&DataGroup::DG2),
            Some(&DgStatus::NotRead)
        );
    }
    outcome.failed("ISO7816_C_01 (hidden DG2)");
}

#[test]
fn iso7816_c_02_reading_large_files() {
    for extended in [false, true] {
        let p = large_dg2_profile(extended);
        let reference = chip(&p);
        let dg2 = reference.file("DG2").unwrap();
        assert!(dg2.len() > 0x8000, "{}", dg2.len());
        let (doc, verdict) = inspect(chip(&p), &p).successful("ISO7816_C_02");
        assert_eq!(doc.files[&EfId::Dg(2)], dg2);
        assert_eq!(
            verdict.passive_authentication.data_groups[&DataGroup::DG2],
            DgStatus::Match
        );
    }
}

#[test]
fn iso7816_c_03_reading_beyond_eof() {
    // After the first block of a file (which tells the reader its length), no READ BINARY may
    // reach past the end of the file; files whose length is not a multiple of the block and
    // files shorter than one block are both read completely.
    for eof in ["6282", "short", "6b00", "6cxx"] {
        let mut p = bac_profile();
        p.chip.eof = eof.into();
        let reference = chip(&p);
        let mut chip = HostileChip::new(chip(&p), vec![]);
        let (doc, _) = inspect(&mut chip, &p).successful("ISO7816_C_03");
        let len_of = |sfi: u8| -> usize {
            let name = match sfi {
                0x1E => "COM".to_string(),
                0x1D => "SOD".to_string(),
                n => format!("DG{n}"),
            };
            reference.file(&name).unwrap().len()
        };
        let mut current = None;
        let mut first = true;
        for (sfi, offset, le) in reads(chip.exchanges()) {
            if sfi.is_some() && sfi != current {
                current = sfi;
                first = true;
            }
            let len = len_of(current.unwrap());
            if !first {
                assert!(
                    offset + le <= len,
                    "{eof}: SFI {current:02X?} read {le} at {offset} of {len}"
                );
            }
            first = false;
        }
        for (ef, name) in [(EfId::Com, "COM"), (EfId::Sod, "SOD"), (EfId::Dg(2), "DG2")] {
            assert_eq!(
                doc.files[&ef],
                reference.file(name).unwrap(),
                "{eof} {name}"
            );
        }
    }
}

/// A chip ending files as `eof` says, read completely and verified.
fn reads_completely_with(eof: &str, case: &str) {
    for max_read in [231, 100, 64] {
        let mut p = bac_profile();
        p.chip.eof = eof.into();
        p.chip.max_read = max_read;
        let reference = chip(&p);
        let (doc, _) = inspect(chip(&p), &p).successful(case);
        for name in ["COM", "SOD", "DG1", "DG2"] {
            let ef = EfId::from_name(name).unwrap();
            assert_eq!(
                doc.files[&ef],
                reference.file(name).unwrap(),
                "{case} {name}"
            );
        }
    }
}

#[test]
fn iso7816_c_04_reading_end_of_file_with_status_word_6b00() {
    reads_completely_with("6b00", "ISO7816_C_04");
}

#[test]
fn iso7816_c_05_reading_end_of_file_with_status_word_6282() {
    reads_completely_with("6282", "ISO7816_C_05");
}

#[test]
fn iso7816_c_06_reading_end_of_file_with_status_word_6cxx() {
    reads_completely_with("6cxx", "ISO7816_C_06");
}

#[test]
fn iso7816_c_07_reading_file_with_odd_ins() {
    // Offsets beyond 32767 do not fit P1-P2: READ BINARY B1 with DO'54'.
    for extended in [false, true] {
        let p = large_dg2_profile(extended);
        let mut chip = HostileChip::new(chip(&p), vec![]);
        let (doc, _) = inspect(&mut chip, &p).successful("ISO7816_C_07");
        assert!(doc.files[&EfId::Dg(2)].len() > 0x8000);
        assert!(
            chip.exchanges()
                .iter()
                .any(|(c, r)| c.get(1) == Some(&ins::READ_BINARY_ODD) && r.ends_with(&[0x90, 0])),
            "no READ BINARY B1 (extended {extended})"
        );
    }
}

#[test]
fn iso7816_c_08_reading_dg2_with_image_size_0() {
    // DG2 whose facial image has no bytes (and no width/height): read, verified, decoded.
    let mut p = bac_profile();
    let mut dg2 = emrtd_lds::dg2::Dg2::decode(chip(&p).file("DG2").unwrap()).unwrap();
    let emrtd_lds::dg2::FaceRecord::Iso19794(record) = &mut dg2.group.templates[0].data else {
        panic!("the specimen DG2 is ISO/IEC 19794-5");
    };
    record.images[0].image.clear();
    record.images[0].width = 0;
    record.images[0].height = 0;
    let bytes = dg2.encode();
    p.files.insert("DG2".into(), hex::encode(&bytes));
    let doc = read_document(chip(&p), &mrz_key(&p), &ReadOptions::default()).unwrap();
    assert_eq!(doc.files[&EfId::Dg(2)], bytes);
    let verdict = emrtd_reader::verify_document(&doc, &trust());
    assert_eq!(verdict.passive_authentication.status, Verdict::Valid);
    // The empty image is reported (by the decoder or the checker), without a panic.
    match emrtd_lds::decode_file(emrtd_lds::FileId::Dg(2), &bytes) {
        Ok(f) => assert!(!f.check().is_empty()),
        Err(e) => assert!(e.to_string().contains("DG2"), "{e}"),
    }
}

// ---- bounded memory and time on hostile lengths ---------------------------------------------

/// Bytes of file data the chip returned to READ BINARY commands.
fn bytes_read(exchanges: &[(Vec<u8>, Vec<u8>)]) -> usize {
    exchanges
        .iter()
        .filter(|(c, _)| matches!(c.get(1), Some(&ins::READ_BINARY | &ins::READ_BINARY_ODD)))
        .map(|(_, r)| r.len())
        .sum()
}

fn with_dg11(bytes: &[u8]) -> (Profile, HostileChip<VirtualChip>) {
    let mut p = bac_profile();
    p.face = "none".into();
    p.files.insert("DG11".into(), hex::encode(bytes));
    let c = HostileChip::new(chip(&p), vec![]);
    (p, c)
}

const HUGE_HEADERS: [&[u8]; 4] = [
    &[0x6B, 0x84, 0x01, 0x00, 0x00, 0x00],
    &[0x6B, 0x84, 0x7F, 0xFF, 0xFF, 0xFF],
    &[0x6B, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
    &[0x6B, 0x83, 0x40, 0x00, 0x01],
];

fn read_huge(header: &[u8]) -> (ReadError, usize) {
    let mut dg11 = header.to_vec();
    dg11.extend([0x5F, 0x0E, 0x03, b'A', b'B', b'C']);
    let (p, mut chip) = with_dg11(&dg11);
    let err = read_document(&mut chip, &mrz_key(&p), &ReadOptions::default()).unwrap_err();
    (err, bytes_read(chip.exchanges()))
}

#[test]
fn declared_lengths_of_16_mib_and_more_are_refused_without_reading_them() {
    for header in HUGE_HEADERS {
        let (err, read) = read_huge(header);
        assert!(
            matches!(&err, ReadError::FileTooLarge { file, limit } if file == "DG11" && *limit <= 16 << 20)
                || matches!(&err, ReadError::Malformed(m) if m.contains("DG11") && m.contains("exceeds")),
            "{header:02X?}: {err:?}"
        );
        // Refused after the first block: nothing near the declared size crossed the link.
        assert!(read < 4096, "{header:02X?}: {read} bytes");
    }
}

#[test]
fn declared_lengths_above_16_mib_are_file_too_large() {
    for header in HUGE_HEADERS {
        let (err, _) = read_huge(header);
        assert!(
            matches!(&err, ReadError::FileTooLarge { file, .. } if file == "DG11"),
            "{header:02X?}: {err:?}"
        );
    }
}

#[test]
fn unusable_lengths_and_truncated_files_are_errors() {
    for (dg11, what) in [
        (
            vec![0x6B, 0x80, 0x5F, 0x0E, 0x00, 0x00, 0x00],
            "indefinite length",
        ),
        (vec![0x6B, 0x85, 1, 0, 0, 0, 0], "five length octets"),
        (
            vec![0x6B, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            "nine length octets",
        ),
        // Declares 1 MiB, holds 10 bytes: the reader notices the end instead of waiting.
        (
            [vec![0x6B, 0x83, 0x10, 0x00, 0x00], vec![0x5A; 10]].concat(),
            "truncated",
        ),
    ] {
        let (p, mut chip) = with_dg11(&dg11);
        let err = read_document(&mut chip, &mrz_key(&p), &ReadOptions::default()).unwrap_err();
        assert!(
            matches!(&err, ReadError::Malformed(m) if m.contains("DG11")),
            "{what}: {err:?}"
        );
        assert!(chip.exchanges().len() < 40, "{what}");
    }
}

#[test]
fn a_chip_answering_every_read_with_an_error_word_ends_the_read() {
    // Odd status words on READ BINARY are reported, not retried forever. (6A86 to a read by
    // short EF identifier is the "no SFI" quirk: SELECT and read again, see field_quirks.rs.)
    for sw in [0x6281u16, 0x6F00, 0x6400, 0x6581] {
        let p = bac_profile();
        let chip = hostile(
            &p,
            vec![emrtd_sim::hostile::Fault::PlainStatus(
                emrtd_sim::hostile::When::ProtectedIns(ins::READ_BINARY, 1),
                StatusWord(sw),
            )],
        );
        let err = inspect(chip, &p).read_error("odd SW");
        assert!(
            matches!(err, ReadError::Status { sw: got, .. } if got == StatusWord(sw)),
            "{sw:04X}: {err:?}"
        );
    }
}
