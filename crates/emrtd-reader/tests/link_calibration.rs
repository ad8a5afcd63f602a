//! The simulator's link model against published read times, and the read strategies of other
//! eMRTD libraries compared in it.
//!
//! Each published figure (`fixtures/README.md`, section "link model", names the sources)
//! states some conditions — platform, the reading library's block strategy, sometimes the
//! chip's age or the curve — and leaves others open: the size of DG2 (the same sources say
//! 15–50 KB), the chip family, the bit rate the platform negotiates (no source states it), the
//! chip's time for its symmetric authentication step (published documents differ by 2×). The
//! model therefore predicts a *range* for a figure: its lowest and highest value over the
//! conditions left open (each condition at its two extremes: every part of the model grows
//! with DG2, falls with the bit rate, and is larger on P60 than on P71 and with the slow
//! symmetric step). A figure is *reproduced* when the published value, or both ends of a
//! published range, lie within 30 % below the modelled low end and 30 % above the modelled
//! high end. The figures the model does not reproduce are pinned as well (so that a change of
//! the model that explains them shows up here); `docs/performance.md` says why for each.

use emrtd_reader::{read_document, AccessKey, EfId, LengthRefusal, ReadOptions, RemoteProof};
use emrtd_sim::{
    ChipFamily, LinkModel, LinkStats, Phase, Platform, Profile, VirtualChip,
    SECURE_MESSAGING_FAST_US, SYMMETRIC_AUTH_SLOW_US,
};

/// How a library reads files: the options of this project's engine that make it send the same
/// APDUs (READ BINARY blocks, SELECT by file identifier or not, a separate header read).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Strategy {
    name: &'static str,
    /// Largest READ BINARY block; `None`: this project's (the largest the chip takes).
    block: Option<usize>,
    select_by_file_id: bool,
    header_read: Option<usize>,
    length_refusal: LengthRefusal,
}

/// ZeroPass/dmrtd `lib/src/passport.dart` and `proto/mrtd_api.dart` (commit be55ab5): files
/// by short EF identifier (`readFileBySFI`), an 8-byte read-ahead, then 112-byte blocks from
/// offset 8; a refused length steps down 224, 160, 128, … (`_readBinary`, `_reduceMaxRead`).
const DMRTD: Strategy = Strategy {
    name: "dmrtd (SFI, 8, 112 B)",
    block: Some(112),
    select_by_file_id: false,
    header_read: Some(8),
    length_refusal: LengthRefusal::DmrtdLadder,
};
/// privacybydesign/vcmrtd (a dmrtd fork) `vcmrtd/lib/src/proto/mrtd_api.dart`: the same with
/// `_defaultReadLength` 256 (Le = 00). Read in the model from a chip that answers Le = 00 with
/// its largest block and 6282 (as Spanish ID cards do, AndyQ/NFCPassportReader#91): vcmrtd
/// keeps the data and asks for 224 from then on (`_maxRead` is kept for the session). A chip
/// that refuses Le = 00 with 6700 makes vcmrtd step down too, but also run BAC again with a
/// plain GET CHALLENGE (`_reinitSession`); what a chip answers to that inside a live session
/// is not published (the simulator, as ICAO 9303-11 asks, ends the session with 6987).
const VCMRTD: Strategy = Strategy {
    name: "vcmrtd (SFI, 8, 256 B)",
    block: Some(256),
    select_by_file_id: false,
    header_read: Some(8),
    length_refusal: LengthRefusal::DmrtdLadder,
};
/// AndyQ/NFCPassportReader `TagReader.swift` `selectFileAndRead`: SELECT by file identifier
/// (00 A4 02 0C), a 4-byte header read, then 0xA0 = 160-byte blocks from the end of the TLV
/// header (after a 2-byte header it reads bytes 2–3 again: the same APDUs, 2 bytes more; here
/// the blocks start at offset 4).
const NFC_PASSPORT_READER: Strategy = Strategy {
    name: "NFCPassportReader (SELECT, 4, 160 B)",
    block: Some(160),
    select_by_file_id: true,
    header_read: Some(4),
    length_refusal: LengthRefusal::StepDown,
};
/// JMRTD `DefaultFileSystem.java` (`READ_AHEAD_LENGTH` 8, SELECT when short EF identifiers are
/// off) with `PassportService.DEFAULT_MAX_BLOCKSIZE` 223; the Android apps built on it pass
/// `isSFIEnabled = false` (tananaev/passport-reader `MainActivity.kt` and the others quoted
/// in fixtures/README.md). JMRTD aligns its blocks to multiples of 223 (the first after the
/// read-ahead is 215 bytes); read from offset 8 here, which needs the same number of blocks or
/// one fewer — never more.
const JMRTD: Strategy = Strategy {
    name: "JMRTD (SELECT, 8, 223 B)",
    block: Some(223),
    select_by_file_id: true,
    header_read: Some(8),
    length_refusal: LengthRefusal::StepDown,
};
const EMRTD: Strategy = Strategy {
    name: "emrtd (adaptive)",
    block: None,
    select_by_file_id: false,
    header_read: None,
    length_refusal: LengthRefusal::StepDown,
};

/// One modelled read.
#[derive(Clone, Copy, Debug)]
struct Case {
    profile: &'static str,
    platform: Platform,
    family: ChipFamily,
    rate: u32,
    /// DG2 of this many bytes; `None`: the profile's own (17,138 bytes).
    dg2: Option<usize>,
    /// The rest of the document where a figure's source describes it.
    doc: Doc,
    symmetric_us: Option<u32>,
    /// The chip's secure-messaging time per command, µs; `None`: the default (22 ms).
    sm_us: Option<u32>,
    /// PACE with this standardized domain parameter id instead of the profile's.
    pace_id: Option<u32>,
    /// The chip's answer to an Le it does not take (profile `le_refusal`) instead of the
    /// profile's (6700).
    le_refusal: Option<&'static str>,
    strategy: Strategy,
}

impl Case {
    fn new(profile: &'static str, platform: Platform, strategy: Strategy) -> Case {
        Case {
            profile,
            platform,
            family: ChipFamily::NxpP71,
            rate: 106,
            dg2: None,
            doc: Doc::PROFILE,
            symmetric_us: None,
            sm_us: None,
            pace_id: None,
            le_refusal: None,
            strategy,
        }
    }
}

/// What a document holds beyond the profile's files (the link sees only sizes).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Doc {
    /// EF.SOD of this many bytes instead of the simulator's signed one (854 bytes).
    sod: Option<usize>,
    /// DG7 (signature image) and DG11 (additional personal details) of these sizes.
    dg7: Option<usize>,
    dg11: Option<usize>,
    /// An Active Authentication key (RSA-2048, DG15) and Active Authentication run with a
    /// verifier's challenge, as vcmrtd's issuance does; never Chip Authentication.
    aa: bool,
}

impl Doc {
    const PROFILE: Doc = Doc {
        sod: None,
        dg7: None,
        dg11: None,
        aa: false,
    };
}

/// A TLV file of exactly `len` bytes: `tag`, a three-byte length, filler (the link sees only
/// the size; no data group here is checked against EF.SOD).
fn tlv_of_size(tag: u8, len: usize) -> String {
    let body = len - 4;
    let mut out = vec![tag, 0x82, (body >> 8) as u8, body as u8];
    out.extend((0..body).map(|i| (i % 251) as u8));
    out.iter().map(|b| format!("{b:02X}")).collect()
}

/// A JPEG of exactly `len` bytes: the specimen portrait's header segments up to its start of
/// scan, scan bytes (the specimen's, repeated, no marker byte FF), end of image. Nothing in a
/// read decodes the pixels; the link sees only the size.
fn jpeg_of_size(len: usize) -> Vec<u8> {
    let face = emrtd_sim::SPECIMEN_FACE;
    let sos = face.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let scan_start = sos + 2 + usize::from(u16::from_be_bytes([face[sos + 2], face[sos + 3]]));
    let scan: Vec<u8> = face[scan_start..face.len() - 2]
        .iter()
        .map(|b| if *b == 0xFF { 0xFE } else { *b })
        .collect();
    let mut out = face[..scan_start].to_vec();
    let fill = len.checked_sub(scan_start + 2).expect("JPEG too small");
    out.extend(scan.iter().cycle().take(fill));
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

fn run(case: Case) -> LinkStats {
    let mut p = Profile::builtin(case.profile).unwrap();
    p.link = LinkModel {
        bit_rate_kbps: case.rate,
        symmetric_auth_us: case.symmetric_us,
        secure_messaging_us: case.sm_us,
        ..LinkModel::for_platform(case.platform, case.family)
    };
    for (name, tag, size) in [
        ("SOD", 0x77, case.doc.sod),
        ("DG7", 0x67, case.doc.dg7),
        ("DG11", 0x6B, case.doc.dg11),
    ] {
        if let Some(size) = size {
            p.files.insert(name.into(), tlv_of_size(tag, size));
        }
    }
    if case.doc.aa {
        p.active_authentication = "rsa-2048".into();
    }
    if let Some(answer) = case.le_refusal {
        p.chip.le_refusal = answer.into();
    }
    if let Some(id) = case.pace_id {
        p.access.pace[0].parameter_id = id;
    }
    let face_file = case.dg2.map(|size| {
        // DG2 wraps the image in 85 bytes of ISO/IEC 19794-5 and LDS headers (checked below).
        let path = std::env::temp_dir().join(format!(
            "emrtd-link-calibration-{}-{size}-{:?}.jpg",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, jpeg_of_size(size - 85)).unwrap();
        p.face = path.to_str().unwrap().to_string();
        path
    });
    let chip = VirtualChip::new(p.clone());
    if let Some(path) = face_file {
        std::fs::remove_file(path).unwrap();
    }
    let mut chip = chip.unwrap();
    let key = match &p.can {
        Some(can) => AccessKey::from_can(can).unwrap(),
        None => AccessKey::from_mrz(&p.parsed_mrz().unwrap()).unwrap(),
    };
    let options = ReadOptions {
        max_block: case.strategy.block,
        select_by_file_id: case.strategy.select_by_file_id,
        header_read: case.strategy.header_read,
        length_refusal: case.strategy.length_refusal,
        remote_proof: case
            .doc
            .aa
            .then_some(RemoteProof::ActiveAuthentication { challenge: [7; 8] }),
        ..ReadOptions::default()
    };
    let doc = read_document(&mut chip, &key, &options).unwrap();
    let dg2 = doc.files.get(&EfId::Dg(2)).unwrap().len();
    assert_eq!(dg2, case.dg2.unwrap_or(17_138), "{case:?}");
    for (ef, size) in [
        (EfId::Sod, case.doc.sod),
        (EfId::Dg(7), case.doc.dg7),
        (EfId::Dg(11), case.doc.dg11),
    ] {
        if let Some(size) = size {
            assert_eq!(doc.files.get(&ef).map(Vec::len), Some(size), "{case:?}");
        }
    }
    if case.doc.aa {
        let proof = doc
            .remote_proof
            .as_ref()
            .expect("Active Authentication ran");
        assert!(proof.signature.is_some(), "{case:?}");
    }
    chip.stats().clone()
}

/// Every combination of the open conditions, each at its extremes: platform, chip family,
/// bit rate, the document (DG2 size and the rest, smallest and largest), the chip's symmetric
/// authentication step and its secure-messaging time (both ends for the read figures; access
/// control sends no secure-messaging command, so the protocol figures take the default).
fn open_conditions(
    base: Case,
    platforms: &[Platform],
    documents: &[(Option<usize>, Doc)],
    symmetric: &[Option<u32>],
) -> Vec<Case> {
    let secure_messaging: &[Option<u32>] = if documents == PROFILE_DOC {
        &[None]
    } else {
        &SM_OPEN
    };
    let mut cases = Vec::new();
    for &platform in platforms {
        for family in ChipFamily::ALL {
            for rate in [106, 848] {
                for &(dg2, doc) in documents {
                    for &symmetric_us in symmetric {
                        for &sm_us in secure_messaging {
                            cases.push(Case {
                                platform,
                                family,
                                rate,
                                dg2,
                                doc,
                                symmetric_us,
                                sm_us,
                                ..base
                            });
                        }
                    }
                }
            }
        }
    }
    cases
}

/// DG2 sizes of real documents in the cited sources, for a figure that does not state its
/// document: about 4 KB (Dutch passports issued 2015–2016, AndyQ/NFCPassportReader#206) to 50 KB
/// (the top of "typical 20–50 KB", privacybydesign/vcmrtd `data-groups.md`); the Norwegian
/// passport's 17,659 bytes (#124) lies between.
const DG2_ANY: [(Option<usize>, Doc); 2] =
    [(Some(4_000), Doc::PROFILE), (Some(50_000), Doc::PROFILE)];
/// The profile's own DG2 only (protocol figures).
const PROFILE_DOC: [(Option<usize>, Doc); 1] = [(None, Doc::PROFILE)];
/// Sizes of EF.SOD of real documents: 1,404 bytes (Russia) to 2,683 bytes (United States), the
/// smallest and largest of the twelve countries' EF.SOD in `fixtures/sod/gmrtd/` (the
/// Norwegian passport's is 2,026 bytes, #124); the simulator's own is 854 bytes.
const SOD_REAL: (usize, usize) = (1_404, 2_683);
/// The symmetric step of the access protocol: the default (iPhone 14 log) and the slowest
/// published (German passports on a Flipper Zero).
const SYMMETRIC_OPEN: [Option<u32>; 2] = [None, Some(SYMMETRIC_AUTH_SLOW_US)];
/// The chip's secure-messaging time per command: the fastest published (a German passport on
/// an iPhone, AndyQ/NFCPassportReader#208) and the default (a Russian passport on a Flipper
/// Zero, flipperzero-firmware PR #1866).
const SM_OPEN: [Option<u32>; 2] = [Some(SECURE_MESSAGING_FAST_US), None];

fn access_ms(s: &LinkStats) -> f64 {
    s.phase_ms(&Phase::Access) + s.phase_ms(&Phase::File("CardAccess".into()))
}

/// What a figure measures.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// A whole read or one file's read: what the goal is about.
    Read,
    /// One protocol (BAC, PACE).
    Protocol,
}

/// A published figure and the model's range for it.
struct Figure {
    what: &'static str,
    kind: Kind,
    published: (f64, f64),
    model: (f64, f64),
    /// The conditions of the modelled low and high end.
    ends: (String, String),
}

impl Figure {
    fn reproduced(&self) -> bool {
        self.published.0 >= 0.7 * self.model.0 && self.published.1 <= 1.3 * self.model.1
    }
}

fn figure(
    what: &'static str,
    kind: Kind,
    published: (f64, f64),
    cases: &[(Case, LinkStats)],
    measure: impl Fn(&LinkStats) -> f64,
) -> Figure {
    let values: Vec<f64> = cases.iter().map(|(_, s)| measure(s) / 1000.0).collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(0.0, f64::max);
    let at = |v: f64| {
        let i = values.iter().position(|x| *x == v).unwrap_or(0);
        let c = cases[i].0;
        format!(
            "{} {} {} kbit/s, DG2 {:?}, {:?}, symmetric {:?} µs, secure messaging {:?} µs",
            c.platform.name(),
            c.family.name(),
            c.rate,
            c.dg2,
            c.doc,
            c.symmetric_us,
            c.sm_us
        )
    };
    Figure {
        what,
        kind,
        published,
        model: (lo, hi),
        ends: (at(lo), at(hi)),
    }
}

fn runs(cases: Vec<Case>) -> Vec<(Case, LinkStats)> {
    cases.into_iter().map(|c| (c, run(c))).collect()
}

#[test]
fn the_model_reproduces_published_read_times_within_30_percent() {
    let dg = |n: u8| move |s: &LinkStats| s.phase_ms(&Phase::File(format!("DG{n}")));
    let whole = |s: &LinkStats| s.modelled_ms;
    let mut figures = Vec::new();

    // Android, JMRTD-based readers, the face image of a passport (document not named): "about
    // 5–8 s" (rgex/bondi-androidpassport-reader#6), "about 10 s" (newlogic/smartscanner-core#70).
    let jmrtd = runs(open_conditions(
        Case::new("norway-passport", Platform::Android, JMRTD),
        &[Platform::Android],
        &DG2_ANY,
        &[None],
    ));
    figures.push(figure(
        "DG2 5–8 s, Android, JMRTD (Bondi)",
        Kind::Read,
        (5.0, 8.0),
        &jmrtd,
        dg(2),
    ));
    figures.push(figure(
        "DG2 about 10 s, Android, JMRTD (SmartScanner)",
        Kind::Read,
        (10.0, 10.0),
        &jmrtd,
        dg(2),
    ));

    // vcmrtd (dmrtd fork, Android and iOS) documents "typical" times
    // (`vcmrtd/docs/docs/example/usage.md` "Reading Time": DG1 ~1 s, DG2 5–15 s, total 10–30 s
    // "depending on document"), and per data group with sizes (`reference/data-groups.md`
    // "Reading Time Estimates": DG2 20–50 KB 5–15 s, DG7 5–15 KB, DG11 ~1 KB, DG15 ~500 B,
    // EF.SOD 2–5 KB; "Size": DG2 minimum ~15 KB). Its read (`document_reader.dart`
    // `readDocument`): BAC (PACE only if BAC fails), EF.COM, every data group EF.COM lists but
    // DG3/DG4, EF.SOD, Active Authentication when DG15 is there; no Chip Authentication. The
    // whole read over the documents its own table describes: the smallest (DG2 15 KB, EF.SOD
    // 2 KB, nothing else) and the largest (DG2 50 KB, DG7 15 KB, DG11 1 KB, EF.SOD 5 KB, DG15
    // with Active Authentication).
    let vcmrtd_documents = [
        (
            Some(15_000),
            Doc {
                sod: Some(2_000),
                ..Doc::PROFILE
            },
        ),
        (
            Some(50_000),
            Doc {
                sod: Some(5_000),
                dg7: Some(15_000),
                dg11: Some(1_000),
                aa: true,
            },
        ),
    ];
    let vcmrtd_case = Case {
        le_refusal: Some("6282"),
        ..Case::new("norway-passport", Platform::Android, VCMRTD)
    };
    let vcmrtd = runs(open_conditions(
        vcmrtd_case,
        &[Platform::Android, Platform::Iphone],
        &vcmrtd_documents,
        &SYMMETRIC_OPEN,
    ));
    figures.push(figure(
        "whole read 10–30 s, Android/iOS, vcmrtd",
        Kind::Read,
        (10.0, 30.0),
        &vcmrtd,
        whole,
    ));
    figures.push(figure(
        "DG1 about 1 s, Android/iOS, vcmrtd",
        Kind::Read,
        (1.0, 1.0),
        &vcmrtd,
        dg(1),
    ));
    // What "DG1 ~1 s" would be if it counted from the tap (it does not: the figure follows
    // the app's stage list, where "Reading DG1" is a stage of its own after "Connecting" and
    // "Authenticating", and `data-groups.md` gives DG1 "<1 sec" beside the other groups);
    // printed for docs/performance.md, not a figure.
    let to_dg1 = |s: &LinkStats| {
        s.phases
            .iter()
            .take_while(|p| p.phase != Phase::File("DG2".into()))
            .filter(|p| p.phase != Phase::File("SOD".into()))
            .map(|p| p.modelled_ms)
            .sum::<f64>()
    };
    let tap = figure("tap to DG1", Kind::Read, (1.0, 1.0), &vcmrtd, to_dg1);
    eprintln!(
        "vcmrtd from the tap to the end of DG1 (not a figure): model {:.3}–{:.3} s",
        tap.model.0, tap.model.1
    );
    // DG2 with the size the same table row gives (20–50 KB).
    let vcmrtd_dg2 = runs(open_conditions(
        vcmrtd_case,
        &[Platform::Android, Platform::Iphone],
        &[(Some(20_000), Doc::PROFILE), (Some(50_000), Doc::PROFILE)],
        &[None],
    ));
    figures.push(figure(
        "DG2 5–15 s, Android/iOS, vcmrtd",
        Kind::Read,
        (5.0, 15.0),
        &vcmrtd_dg2,
        dg(2),
    ));

    // iPhone, NFCPassportReader, Bulgarian passport: DG1, DG2 and EF.SOD in "a couple of
    // seconds" (AndyQ/NFCPassportReader#107, 2021-05), taken as 2–3 s. The library then read
    // 160-byte blocks (`TagReader.swift` at 9838c79, 2021-04) after EF.CardAccess and BAC (PACE
    // only where EF.CardAccess offers it; with PACE the same library took 4–6 s for PACE alone,
    // #110, so the "couple of seconds" was a BAC read). The document's sizes are not stated:
    // DG2 and EF.SOD of real documents.
    let npr = runs(open_conditions(
        Case::new("norway-passport", Platform::Iphone, NFC_PASSPORT_READER),
        &[Platform::Iphone],
        &[
            (
                Some(4_000),
                Doc {
                    sod: Some(SOD_REAL.0),
                    ..Doc::PROFILE
                },
            ),
            (
                Some(50_000),
                Doc {
                    sod: Some(SOD_REAL.1),
                    ..Doc::PROFILE
                },
            ),
        ],
        &SYMMETRIC_OPEN,
    ));
    figures.push(figure(
        "DG1+DG2+SOD 'a couple of seconds', iPhone, NFCPassportReader (Bulgaria)",
        Kind::Read,
        (2.0, 3.0),
        &npr,
        whole,
    ));

    // PC/SC desk readers (REINER SCT), PACE with brainpoolP256r1: 0.4 s on test cards, 1.5 s
    // on real cards (gematik/E-Rezept-App-Android#30). EF.CardAccess counts to PACE.
    let pcsc_pace = runs(open_conditions(
        Case::new("norway-id", Platform::Pcsc, EMRTD),
        &[Platform::Pcsc],
        &PROFILE_DOC,
        &SYMMETRIC_OPEN,
    ));
    figures.push(figure(
        "PACE bp256 0.4 s, PC/SC, test cards",
        Kind::Protocol,
        (0.4, 0.4),
        &pcsc_pace,
        access_ms,
    ));
    figures.push(figure(
        "PACE bp256 1.5 s, PC/SC, real cards",
        Kind::Protocol,
        (1.5, 1.5),
        &pcsc_pace,
        access_ms,
    ));

    // iPhone, NFCPassportReader: BAC done 75 ms after the session started (iPhone 14,
    // AndyQ/NFCPassportReader#166); 152 ms on an Oman card (#164).
    let bac = |s: &LinkStats| s.phase_ms(&Phase::Access);
    figures.push(figure(
        "BAC 75 ms, iPhone 14",
        Kind::Protocol,
        (0.075, 0.075),
        &npr,
        bac,
    ));
    figures.push(figure(
        "BAC 152 ms, iPhone, Oman",
        Kind::Protocol,
        (0.152, 0.152),
        &npr,
        bac,
    ));

    // iPhone, NFCPassportReader: PACE "4–6 s" (#110, 2021, document and curve not named);
    // PACE-ECDH-GM on brainpoolP320r1 (id 14), Dutch passport, 6.59 s (#110, 2022).
    let iphone_pace = runs(open_conditions(
        Case::new("norway-id", Platform::Iphone, NFC_PASSPORT_READER),
        &[Platform::Iphone],
        &PROFILE_DOC,
        &SYMMETRIC_OPEN,
    ));
    figures.push(figure(
        "PACE 4–6 s, iPhone (curve not named; modelled bp256)",
        Kind::Protocol,
        (4.0, 6.0),
        &iphone_pace,
        access_ms,
    ));
    let iphone_pace_320 = runs(
        open_conditions(
            Case::new("norway-id", Platform::Iphone, NFC_PASSPORT_READER),
            &[Platform::Iphone],
            &PROFILE_DOC,
            &SYMMETRIC_OPEN,
        )
        .into_iter()
        .map(|c| Case {
            pace_id: Some(14),
            ..c
        })
        .collect(),
    );
    figures.push(figure(
        "PACE bp320 6.59 s, iPhone, Dutch passport",
        Kind::Protocol,
        (6.59, 6.59),
        &iphone_pace_320,
        access_ms,
    ));

    // Which figures the model reproduces (docs/performance.md gives the reason for each of
    // the others), and the modelled range in seconds as docs/performance.md shows it: pinned
    // to 1 %, so that any change of the model shows here and in the table.
    let expected = [
        ("DG2 5–8 s, Android, JMRTD (Bondi)", true, 0.867, 16.45),
        (
            "DG2 about 10 s, Android, JMRTD (SmartScanner)",
            true,
            0.867,
            16.45,
        ),
        ("whole read 10–30 s, Android/iOS, vcmrtd", true, 3.40, 24.36),
        ("DG2 5–15 s, Android/iOS, vcmrtd", true, 3.72, 16.49),
        ("DG1 about 1 s, Android/iOS, vcmrtd", false, 0.061, 0.098),
        (
            "DG1+DG2+SOD 'a couple of seconds', iPhone, NFCPassportReader (Bulgaria)",
            true,
            1.64,
            20.64,
        ),
        ("PACE bp256 0.4 s, PC/SC, test cards", true, 0.357, 0.865),
        ("PACE bp256 1.5 s, PC/SC, real cards", false, 0.357, 0.865),
        ("BAC 75 ms, iPhone 14", true, 0.068, 0.129),
        ("BAC 152 ms, iPhone, Oman", true, 0.068, 0.129),
        (
            "PACE 4–6 s, iPhone (curve not named; modelled bp256)",
            false,
            0.303,
            0.812,
        ),
        (
            "PACE bp320 6.59 s, iPhone, Dutch passport",
            false,
            0.340,
            1.009,
        ),
    ];
    let mut wrong = Vec::new();
    for f in &figures {
        eprintln!(
            "{:?} | {} | published {}–{} s | model {:.3}–{:.3} s | reproduced {}",
            f.kind,
            f.what,
            f.published.0,
            f.published.1,
            f.model.0,
            f.model.1,
            f.reproduced()
        );
        eprintln!("    low end: {}\n    high end: {}", f.ends.0, f.ends.1);
        let Some(&(_, want, lo, hi)) = expected.iter().find(|e| e.0 == f.what) else {
            wrong.push(format!("{}: not in the expected list", f.what));
            continue;
        };
        let near = |model: f64, pinned: f64| (model - pinned).abs() <= 0.01 * pinned;
        if !near(f.model.0, lo) || !near(f.model.1, hi) {
            wrong.push(format!(
                "{}: model {:.3}–{:.3} s, pinned {lo}–{hi} s (update docs/performance.md)",
                f.what, f.model.0, f.model.1
            ));
        }
        if want != f.reproduced() {
            wrong.push(format!(
                "{}: model {:.3}–{:.3} s, published {}–{} s, reproduced {} (expected {want})",
                f.what,
                f.model.0,
                f.model.1,
                f.published.0,
                f.published.1,
                f.reproduced()
            ));
        }
    }
    assert_eq!(figures.len(), expected.len());
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The goal is about reads: five of the six full-read and per-file figures;
    // docs/performance.md gives the reason for the other (vcmrtd's DG1).
    let reads = figures.iter().filter(|f| f.kind == Kind::Read);
    assert_eq!(reads.clone().filter(|f| f.reproduced()).count(), 5);
    assert_eq!(reads.count(), 6);
}

#[test]
fn emrtd_reads_at_least_twice_as_fast_as_the_slowest_peer_strategy() {
    // Every strategy on every platform, chip family and three bit rates, for the document that
    // offers extended length (norway-id) and the one that does not (norway-passport).
    let peers = [DMRTD, NFC_PASSPORT_READER, JMRTD];
    for profile in ["norway-id", "norway-passport"] {
        for platform in Platform::ALL {
            for family in ChipFamily::ALL {
                for rate in [106, 424, 848] {
                    let case = |strategy| Case {
                        family,
                        rate,
                        ..Case::new(profile, platform, strategy)
                    };
                    let ours = run(case(EMRTD));
                    let times: Vec<(Strategy, LinkStats)> =
                        peers.iter().map(|st| (*st, run(case(*st)))).collect();
                    let (slowest, worst) = times
                        .iter()
                        .max_by(|a, b| a.1.modelled_ms.total_cmp(&b.1.modelled_ms))
                        .unwrap();
                    let ratio = worst.modelled_ms / ours.modelled_ms;
                    eprintln!(
                        "{profile} {} {} {rate}: {}; emrtd {} APDUs {:.2} s; slowest / emrtd \
                         {ratio:.2}",
                        platform.name(),
                        family.name(),
                        times
                            .iter()
                            .map(|(s, t)| format!(
                                "{} {} APDUs {:.2} s",
                                s.name,
                                t.apdus,
                                t.modelled_ms / 1000.0
                            ))
                            .collect::<Vec<_>>()
                            .join(", "),
                        ours.apdus,
                        ours.modelled_ms / 1000.0,
                    );
                    // Never slower than any peer strategy, never more APDUs.
                    for (st, t) in &times {
                        assert!(
                            ours.modelled_ms < t.modelled_ms,
                            "{case:?} {st:?}",
                            case = case(*st)
                        );
                        assert!(ours.apdus < t.apdus, "{st:?}");
                    }
                    assert_eq!(slowest.name, DMRTD.name);
                    if profile == "norway-id" {
                        assert!(
                            ratio >= 2.0,
                            "{profile} {platform:?} {family:?} {rate}: {ratio}"
                        );
                    } else {
                        // Short APDUs only: out of reach (docs/performance.md, "Block
                        // strategies in the model"). dmrtd sends exactly twice as many APDUs
                        // (8-byte read-ahead, then 112-byte blocks, against 231-byte blocks
                        // from the first), and each of its DG2 blocks costs less than one of
                        // ours, so the ratio stays below 2 whatever the link.
                        assert_eq!((ours.apdus, worst.apdus), (86, 172));
                        let per_apdu = |s: &LinkStats| {
                            let p = s
                                .phases
                                .iter()
                                .find(|p| p.phase == Phase::File("DG2".into()));
                            let p = p.unwrap();
                            p.modelled_ms / p.apdus as f64
                        };
                        assert!(per_apdu(worst) < per_apdu(&ours));
                        assert!((1.55..2.0).contains(&ratio), "{platform:?} {rate}: {ratio}");
                        if (platform, family, rate) == (Platform::Android, ChipFamily::NxpP71, 106)
                        {
                            for (name, s) in [(EMRTD.name, &ours), (DMRTD.name, worst)] {
                                for p in &s.phases {
                                    eprintln!(
                                        "  {name}: {:<22} {:>3} APDUs {:>8.1} ms, {:>5.1} ms per \
                                         APDU (chip {:.1} ms)",
                                        p.phase.to_string(),
                                        p.apdus,
                                        p.modelled_ms,
                                        p.modelled_ms / p.apdus as f64,
                                        p.chip_ms
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// (INS, P1, Le) of every command after BAC's EXTERNAL AUTHENTICATE. Secure messaging leaves
/// the header plain; Le is in DO'97' (0 when there is none, as in SELECT with P2 = 0C).
fn after_bac(log: &[(Vec<u8>, Vec<u8>)]) -> Vec<(u8, u8, usize)> {
    let le = |cmd: &[u8]| {
        cmd.windows(3)
            .position(|w| w[0] == 0x97 && w[1] == 1)
            .map_or(0, |i| match cmd[i + 2] {
                0 => 256,
                n => usize::from(n),
            })
    };
    let start = log.iter().position(|(c, _)| c[1] == 0x82).unwrap() + 1;
    log[start..]
        .iter()
        .map(|(c, _)| (c[1], c[2], le(c)))
        .collect()
}

#[test]
fn peer_strategies_send_the_commands_their_sources_send() {
    // EF.COM (22 bytes, short EF identifier 1E) and DG1 (93 bytes, 01) of the passport.
    const SELECT: (u8, u8, usize) = (0xA4, 0x02, 0);
    let rb = |p1: u8, le: usize| (0xB0, p1, le);
    for (strategy, want) in [
        (EMRTD, vec![rb(0x9E, 231), rb(0x81, 231)]),
        (DMRTD, vec![rb(0x9E, 8), rb(0, 14), rb(0x81, 8), rb(0, 85)]),
        (
            JMRTD,
            vec![SELECT, rb(0, 8), rb(0, 14), SELECT, rb(0, 8), rb(0, 85)],
        ),
        (
            NFC_PASSPORT_READER,
            vec![SELECT, rb(0, 4), rb(0, 18), SELECT, rb(0, 4), rb(0, 89)],
        ),
    ] {
        let p = Profile::builtin("norway-passport").unwrap();
        let mut chip = VirtualChip::new(p.clone()).unwrap();
        chip.record();
        let key = AccessKey::from_mrz(&p.parsed_mrz().unwrap()).unwrap();
        let options = ReadOptions {
            files: Some(vec![EfId::Dg(1)]),
            max_block: strategy.block,
            select_by_file_id: strategy.select_by_file_id,
            header_read: strategy.header_read,
            ..ReadOptions::default()
        };
        let doc = read_document(&mut chip, &key, &options).unwrap();
        assert_eq!(doc.files[&EfId::Dg(1)], chip.file("DG1").unwrap());
        assert_eq!(after_bac(chip.recorded()), want, "{}", strategy.name);
    }
}

/// (INS, P1, Le) of the READ BINARY commands of one file read from the passport with a chip
/// that takes at most `max_read` bytes and answers a larger Le with `le_refusal`.
fn dg2_reads(max_read: usize, le_refusal: &str, strategy: Strategy) -> Vec<(u8, u8, usize)> {
    let mut p = Profile::builtin("norway-passport").unwrap();
    p.chip.max_read = max_read;
    p.chip.le_refusal = le_refusal.into();
    let mut chip = VirtualChip::new(p.clone()).unwrap();
    chip.record();
    let key = AccessKey::from_mrz(&p.parsed_mrz().unwrap()).unwrap();
    let options = ReadOptions {
        files: Some(vec![EfId::Dg(2)]),
        max_block: strategy.block,
        select_by_file_id: strategy.select_by_file_id,
        header_read: strategy.header_read,
        length_refusal: strategy.length_refusal,
        ..ReadOptions::default()
    };
    let doc = read_document(&mut chip, &key, &options).unwrap();
    assert_eq!(doc.files[&EfId::Dg(2)], chip.file("DG2").unwrap());
    // From DG2's first READ BINARY (short EF identifier 02) on; EF.COM comes first.
    let reads: Vec<_> = after_bac(chip.recorded())
        .into_iter()
        .filter(|c| c.0 == 0xB0)
        .collect();
    let dg2 = reads.iter().position(|c| c.1 == 0x82).unwrap();
    reads[dg2..].to_vec()
}

#[test]
fn vcmrtd_asks_le_256_then_224_after_a_6282_answer_and_steps_down_its_own_ladder() {
    let les = |reads: &[(u8, u8, usize)]| reads.iter().map(|c| c.2).collect::<Vec<_>>();
    // A chip that answers Le = 00 with its 231 bytes and 6282: the data is kept, then 224.
    let reads = dg2_reads(231, "6282", VCMRTD);
    assert_eq!(les(&reads[..4]), [8, 256, 224, 224]);
    // 17,138 bytes: 8, 231, then 224-byte blocks.
    assert_eq!(reads.len(), 2 + (17_138 - 8 - 231usize).div_ceil(224));
    // A chip that takes 150 bytes and refuses more with 6700: vcmrtd's ladder 224, 160, 128
    // (mrtd_api.dart `_reduceMaxRead`), where this engine's default steps 224, 192, 160, 128.
    let reads = dg2_reads(150, "6700", VCMRTD);
    assert_eq!(les(&reads[..6]), [8, 256, 224, 160, 128, 128]);
    let engine_ladder = Strategy {
        length_refusal: LengthRefusal::StepDown,
        ..VCMRTD
    };
    let reads = dg2_reads(150, "6700", engine_ladder);
    assert_eq!(les(&reads[..6]), [8, 256, 224, 192, 160, 128]);
}
