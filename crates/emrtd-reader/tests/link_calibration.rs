//! The simulator's link model against published read times, and the read strategies of other
//! eMRTD libraries compared in it.
//!
//! Each calibration point is a published figure (`fixtures/README.md`, section "link model",
//! names the sources) for a platform, a chip generation and the block size the reporting
//! library reads with. The model must land within ±30 % of it; where the source gives a range,
//! within 30 % below its low end and 30 % above its high end. The figures the model does not
//! reproduce are listed in `docs/performance.md` with the model's value, not here.

use emrtd_reader::{read_document, AccessKey, EfId, ReadOptions};
use emrtd_sim::{ChipFamily, LinkModel, LinkStats, Phase, Platform, Profile, VirtualChip};

/// How many bytes a READ BINARY asks for; `None`: this project's strategy (the largest block
/// the chip announces, extended length when EF.ATR/INFO offers it).
#[derive(Clone, Copy, Debug)]
struct Strategy {
    name: &'static str,
    block: Option<usize>,
}

/// ZeroPass/dmrtd `mrtd_api.dart`: 112 bytes.
const DMRTD: Strategy = Strategy {
    name: "dmrtd (112 B)",
    block: Some(112),
};
/// AndyQ/NFCPassportReader `TagReader.swift`: 0xA0 = 160 bytes.
const NFC_PASSPORT_READER: Strategy = Strategy {
    name: "NFCPassportReader (160 B)",
    block: Some(160),
};
/// JMRTD `DefaultFileSystem.java`: 223 bytes.
const JMRTD: Strategy = Strategy {
    name: "JMRTD (223 B)",
    block: Some(223),
};
const EMRTD: Strategy = Strategy {
    name: "emrtd (adaptive)",
    block: None,
};

fn read(profile: &str, platform: Platform, family: ChipFamily, strategy: Strategy) -> LinkStats {
    read_with(profile, platform, family, strategy, |_| {})
}

fn read_with(
    profile: &str,
    platform: Platform,
    family: ChipFamily,
    strategy: Strategy,
    edit: impl FnOnce(&mut Profile),
) -> LinkStats {
    let mut p = Profile::builtin(profile).unwrap();
    p.link = LinkModel::for_platform(platform, family);
    edit(&mut p);
    let mut chip = VirtualChip::new(p.clone()).unwrap();
    let key = match &p.can {
        Some(can) => AccessKey::from_can(can).unwrap(),
        None => AccessKey::from_mrz(&p.parsed_mrz().unwrap()).unwrap(),
    };
    let options = ReadOptions {
        max_block: strategy.block,
        ..ReadOptions::default()
    };
    let doc = read_document(&mut chip, &key, &options).unwrap();
    let dg2 = doc
        .files
        .iter()
        .find(|(ef, _)| **ef == EfId::Dg(2))
        .unwrap();
    assert!((15_000..=20_000).contains(&dg2.1.len()), "DG2 size");
    chip.stats().clone()
}

fn within(model_s: f64, lo: f64, hi: f64) -> bool {
    model_s >= lo * 0.7 && model_s <= hi * 1.3
}

fn access_ms(s: &LinkStats) -> f64 {
    s.phase_ms(&Phase::Access) + s.phase_ms(&Phase::File("CardAccess".into()))
}

#[test]
fn the_model_reproduces_published_read_times_within_30_percent() {
    let dg2 = Phase::File("DG2".into());
    let mut wrong = Vec::new();
    // `reproduced`: the model is meant to land within ±30 %; the others are figures the model
    // does not explain (docs/performance.md says so) — pinned as well, so that a change of
    // the model that does explain them shows up here.
    let mut check = |what: &str, model_s: f64, lo: f64, hi: f64, reproduced: bool| {
        eprintln!("{what}: model {model_s:.3} s, published {lo}–{hi} s");
        if within(model_s, lo, hi) != reproduced {
            wrong.push(format!(
                "{what}: model {model_s:.3} s, published {lo}–{hi} s, expected reproduced = \
                 {reproduced}"
            ));
        }
    };

    // Android, JMRTD-based readers (223-byte blocks), face image of a passport (17.6 KB DG2
    // as the Norwegian passport of AndyQ/NFCPassportReader#124): "about 5–8 s"
    // (rgex/bondi-androidpassport-reader#6); "about 10 s" (newlogic/smartscanner-core#70).
    let s = read(
        "norway-passport",
        Platform::Android,
        ChipFamily::NxpP60,
        JMRTD,
    );
    let model = s.phase_ms(&dg2) / 1000.0;
    check("Android JMRTD DG2 (Bondi)", model, 5.0, 8.0, true);
    check("Android JMRTD DG2 (SmartScanner)", model, 10.0, 10.0, false);

    // Android, dmrtd-based library (vcmrtd docs): whole read "10–30 s depending on document".
    // vcmrtd asks for Le 256, which the chip caps at its 231-byte buffer.
    let s = read(
        "norway-passport",
        Platform::Android,
        ChipFamily::NxpP60,
        EMRTD,
    );
    check(
        "Android vcmrtd whole read",
        s.modelled_ms / 1000.0,
        10.0,
        30.0,
        false,
    );

    // PC/SC desk readers (REINER SCT), PACE with brainpoolP256r1: 0.4 s on test cards, 1.5 s on
    // real cards (gematik/E-Rezept-App-Android#30).
    let s = read("norway-id", Platform::Pcsc, ChipFamily::NxpP71, EMRTD);
    check(
        "PC/SC PACE bp256, test card (P71)",
        access_ms(&s) / 1000.0,
        0.4,
        0.4,
        true,
    );
    let s = read("norway-id", Platform::Pcsc, ChipFamily::NxpP60, EMRTD);
    check(
        "PC/SC PACE bp256, real card (P60)",
        access_ms(&s) / 1000.0,
        1.5,
        1.5,
        false,
    );

    // iPhone 14, NFCPassportReader: BAC done 75 ms after the session started
    // (AndyQ/NFCPassportReader#166); 152 ms on an Oman card (#164).
    let s = read(
        "norway-passport",
        Platform::Iphone,
        ChipFamily::NxpP71,
        NFC_PASSPORT_READER,
    );
    check(
        "iPhone BAC (iPhone 14)",
        s.phase_ms(&Phase::Access) / 1000.0,
        0.075,
        0.075,
        true,
    );
    check(
        "iPhone BAC (Oman)",
        s.phase_ms(&Phase::Access) / 1000.0,
        0.152,
        0.152,
        false,
    );

    // iPhone, NFCPassportReader, Dutch passport, PACE-ECDH-GM on brainpoolP320r1 (id 14):
    // 6.59 s (AndyQ/NFCPassportReader#110).
    let s = read_with(
        "norway-id",
        Platform::Iphone,
        ChipFamily::NxpP60,
        NFC_PASSPORT_READER,
        |p| p.access.pace[0].parameter_id = 14,
    );
    check(
        "iPhone PACE bp320 (Dutch)",
        access_ms(&s) / 1000.0,
        6.59,
        6.59,
        false,
    );

    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn emrtd_reads_at_least_twice_as_fast_as_the_slowest_peer_strategy() {
    // Every strategy on every platform and chip generation, for the document that offers
    // extended length (norway-id) and the one that does not (norway-passport).
    for profile in ["norway-id", "norway-passport"] {
        for platform in Platform::ALL {
            for family in ChipFamily::ALL {
                let times: Vec<(Strategy, f64)> = [DMRTD, NFC_PASSPORT_READER, JMRTD, EMRTD]
                    .into_iter()
                    .map(|st| (st, read(profile, platform, family, st).modelled_ms))
                    .collect();
                let ours = times[3].1;
                let slowest = times.iter().map(|t| t.1).fold(0.0, f64::max);
                eprintln!(
                    "{profile} {} {}: {}",
                    platform.name(),
                    family.name(),
                    times
                        .iter()
                        .map(|(s, ms)| format!("{} {:.2} s", s.name, ms / 1000.0))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                // Never slower than any peer strategy.
                for (st, ms) in &times {
                    assert!(ours <= *ms, "{profile} {platform:?} {family:?}: {st:?}");
                }
                if profile == "norway-id" {
                    assert!(
                        slowest >= 2.0 * ours,
                        "{profile} {platform:?} {family:?}: {slowest} < 2 × {ours}"
                    );
                }
            }
        }
    }
}
