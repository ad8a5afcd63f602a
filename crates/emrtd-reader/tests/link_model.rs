//! Read efficiency on the simulator's link model (deterministic: modelled time, not wall time).
//!
//! Targets (issue: fast over the air): reading the `norway-id` document (DG2 ≈ 17 KB) costs at
//! most 1.15× the ideal — the fewest READ BINARY commands the chip's buffer allows, each asking
//! for exactly the bytes left — and needs at least 3× fewer APDUs than a reader that reads in
//! 223-byte blocks.

use emrtd_apdu::{CommandApdu, Transport};
use emrtd_reader::{
    read_blocking, read_document, AccessKey, EfId, Engine, EngineConfig, ReadOptions, SystemClock,
};
use emrtd_sim::{LinkModel, Profile, VirtualChip};

fn can() -> AccessKey {
    AccessKey::from_can("123456").unwrap()
}

/// A reader that knows every file's size in advance and the chip's buffer.
fn ideal(profile: &Profile, files: &[(EfId, usize)]) -> (usize, f64) {
    let mut chip = VirtualChip::new(profile.clone()).unwrap();
    let config = EngineConfig::new(can(), ReadOptions::default())
        .link_extended_length(chip.may_support_extended_length());
    let block = profile.chip.max_read;
    let files = files.to_vec();
    let engine = Engine::with_procedure(config, rand_core::OsRng, SystemClock, move |mut ch| {
        async move {
            ch.open().await?;
            for (ef, size) in files {
                if ef == EfId::CardAccess {
                    continue; // read while opening, by both readers
                }
                let mut offset = 0;
                while offset < size {
                    let le = (size - offset).min(block);
                    let cmd = if offset == 0 {
                        CommandApdu::new(0, 0xB0, 0x80 | ef.sfi(), 0).with_le(le)
                    } else {
                        CommandApdu::new(0, 0xB0, (offset >> 8) as u8, offset as u8).with_le(le)
                    };
                    let resp = ch.transmit(&cmd).await?;
                    assert_eq!(resp.data.len(), le);
                    offset += le;
                }
            }
            Ok(())
        }
    });
    read_blocking(&mut chip, engine, &mut |_| {}).unwrap();
    (chip.stats().apdus, chip.stats().modelled_ms)
}

fn measured(profile: &Profile, options: &ReadOptions) -> (usize, f64, Vec<(EfId, usize)>) {
    let mut chip = VirtualChip::new(profile.clone()).unwrap();
    let doc = read_document(&mut chip, &can(), options).unwrap();
    let files = doc.files.iter().map(|(ef, b)| (*ef, b.len())).collect();
    (chip.stats().apdus, chip.stats().modelled_ms, files)
}

#[test]
fn norway_id_reads_close_to_ideal_at_every_bit_rate() {
    for rate in [106, 212, 424, 848] {
        let mut profile = Profile::builtin("norway-id").unwrap();
        // The target is about reading files: leave out Chip Authentication (3 APDUs the ideal
        // reader would spend as well).
        profile.chip_authentication = None;
        profile.link = LinkModel::at_rate(rate);
        let (apdus, ms, files) = measured(&profile, &ReadOptions::default());
        let dg2 = files.iter().find(|(ef, _)| *ef == EfId::Dg(2)).unwrap().1;
        assert!((15_000..=20_000).contains(&dg2), "DG2 is {dg2} bytes");
        let (ideal_apdus, ideal_ms) = ideal(&profile, &files);
        let (small_apdus, small_ms, _) = measured(
            &profile,
            &ReadOptions {
                max_block: Some(223),
                ..ReadOptions::default()
            },
        );
        eprintln!(
            "{rate} kbit/s: {apdus} APDUs {ms:.1} ms; ideal {ideal_apdus} APDUs {ideal_ms:.1} ms; \
             223-byte reader {small_apdus} APDUs {small_ms:.1} ms"
        );
        assert!(ms <= ideal_ms * 1.15, "{rate}: {ms} > 1.15 × {ideal_ms}");
        assert!(
            small_apdus >= 3 * apdus,
            "{rate}: {small_apdus} < 3 × {apdus}"
        );
    }
}
