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

use emrtd_reader::{read_document, AccessKey, EfId, ReadOptions};
use emrtd_sim::{
    ChipFamily, LinkModel, LinkStats, Phase, Platform, Profile, VirtualChip, SYMMETRIC_AUTH_SLOW_US,
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
}

/// ZeroPass/dmrtd `lib/src/passport.dart` and `proto/mrtd_api.dart` (commit be55ab5): files
/// by short EF identifier (`readFileBySFI`), an 8-byte read-ahead, then 112-byte blocks from
/// offset 8.
const DMRTD: Strategy = Strategy {
    name: "dmrtd (SFI, 8, 112 B)",
    block: Some(112),
    select_by_file_id: false,
    header_read: Some(8),
};
/// privacybydesign/vcmrtd (a dmrtd fork) `mrtd_api.dart`: the same with Le = 256 (00), which
/// a chip answers with at most its buffer.
const VCMRTD: Strategy = Strategy {
    name: "vcmrtd (SFI, 8, 256 B)",
    block: Some(256),
    select_by_file_id: false,
    header_read: Some(8),
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
};
const EMRTD: Strategy = Strategy {
    name: "emrtd (adaptive)",
    block: None,
    select_by_file_id: false,
    header_read: None,
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
    symmetric_us: Option<u32>,
    /// PACE with this standardized domain parameter id instead of the profile's.
    pace_id: Option<u32>,
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
            symmetric_us: None,
            pace_id: None,
            strategy,
        }
    }
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
        ..LinkModel::for_platform(case.platform, case.family)
    };
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
        ..ReadOptions::default()
    };
    let doc = read_document(&mut chip, &key, &options).unwrap();
    let dg2 = doc.files.get(&EfId::Dg(2)).unwrap().len();
    assert_eq!(dg2, case.dg2.unwrap_or(17_138), "{case:?}");
    chip.stats().clone()
}

/// Every combination of the open conditions, each at its extremes.
fn open_conditions(
    base: Case,
    platforms: &[Platform],
    dg2: &[Option<usize>],
    symmetric: &[Option<u32>],
) -> Vec<Case> {
    let mut cases = Vec::new();
    for &platform in platforms {
        for family in ChipFamily::ALL {
            for rate in [106, 848] {
                for &dg2 in dg2 {
                    for &symmetric_us in symmetric {
                        cases.push(Case {
                            platform,
                            family,
                            rate,
                            dg2,
                            symmetric_us,
                            ..base
                        });
                    }
                }
            }
        }
    }
    cases
}

/// DG2 sizes a figure that does not state one may have had (privacybydesign/vcmrtd
/// `data-groups.md`: at least about 15 KB, typically 20–50 KB).
const DG2_OPEN: [Option<usize>; 2] = [Some(15_000), Some(50_000)];
/// The symmetric step of the access protocol: the default (iPhone 14 log) and the slowest
/// published (German passports on a Flipper Zero).
const SYMMETRIC_OPEN: [Option<u32>; 2] = [None, Some(SYMMETRIC_AUTH_SLOW_US)];

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
    Figure {
        what,
        kind,
        published,
        model: (lo, hi),
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

    // Android, JMRTD-based readers, the face image of a passport: "about 5–8 s"
    // (rgex/bondi-androidpassport-reader#6), "about 10 s" (newlogic/smartscanner-core#70).
    let jmrtd = runs(open_conditions(
        Case::new("norway-passport", Platform::Android, JMRTD),
        &[Platform::Android],
        &DG2_OPEN,
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

    // vcmrtd (dmrtd fork, Android and iOS) documents "typical" times: DG1 about 1 s, DG2
    // 5–15 s, whole read 10–30 s "depending on document".
    let vcmrtd = runs(open_conditions(
        Case::new("norway-passport", Platform::Android, VCMRTD),
        &[Platform::Android, Platform::Iphone],
        &DG2_OPEN,
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
        "DG2 5–15 s, Android/iOS, vcmrtd",
        Kind::Read,
        (5.0, 15.0),
        &vcmrtd,
        dg(2),
    ));
    figures.push(figure(
        "DG1 about 1 s, Android/iOS, vcmrtd",
        Kind::Read,
        (1.0, 1.0),
        &vcmrtd,
        dg(1),
    ));

    // iPhone, NFCPassportReader, Bulgarian passport: DG1, DG2 and EF.SOD in "a couple of
    // seconds" (AndyQ/NFCPassportReader#107), taken as 2–3 s.
    let npr = runs(open_conditions(
        Case::new("norway-passport", Platform::Iphone, NFC_PASSPORT_READER),
        &[Platform::Iphone],
        &DG2_OPEN,
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
        &[None],
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
        &[None],
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
            &[None],
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
        ("DG2 5–8 s, Android, JMRTD (Bondi)", true, 3.61, 16.45),
        (
            "DG2 about 10 s, Android, JMRTD (SmartScanner)",
            true,
            3.61,
            16.45,
        ),
        (
            "whole read 10–30 s, Android/iOS, vcmrtd",
            false,
            3.80,
            17.24,
        ),
        ("DG2 5–15 s, Android/iOS, vcmrtd", true, 3.29, 16.49),
        ("DG1 about 1 s, Android/iOS, vcmrtd", false, 0.075, 0.098),
        (
            "DG1+DG2+SOD 'a couple of seconds', iPhone, NFCPassportReader (Bulgaria)",
            false,
            4.91,
            19.97,
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
    // The goal is about reads: three of the six full-read and per-file figures;
    // docs/performance.md gives the reason for each of the other three.
    let reads = figures.iter().filter(|f| f.kind == Kind::Read);
    assert_eq!(reads.clone().filter(|f| f.reproduced()).count(), 3);
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
