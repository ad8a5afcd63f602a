//! Reader against the virtual chip, end to end.

use emrtd_apdu::{CommandApdu, StatusWord, Transport};
use emrtd_reader::{
    read_blocking, read_document, AccessKey, AccessProtocol, Channel, CipherSuite, EfId, Engine,
    EngineConfig, ReadError, ReadOptions, SystemClock,
};
use emrtd_sim::{Profile, VirtualChip};
use std::future::Future;

fn chip() -> VirtualChip {
    VirtualChip::new(Profile::builtin("norway-passport").unwrap()).unwrap()
}

fn key() -> AccessKey {
    let mrz = Profile::builtin("norway-passport")
        .unwrap()
        .parsed_mrz()
        .unwrap();
    AccessKey::from_mrz(&mrz).unwrap()
}

/// Run protocol steps on the chip through the engine (OS randomness, blocking driver).
fn run<T, F, Fut>(chip: &mut VirtualChip, steps: F) -> Result<T, ReadError>
where
    T: Send + 'static,
    F: FnOnce(Channel) -> Fut,
    Fut: Future<Output = Result<T, ReadError>> + Send + 'static,
{
    let config = EngineConfig::new(key(), ReadOptions::default())
        .link_extended_length(chip.may_support_extended_length());
    let engine = Engine::with_procedure(config, rand_core::OsRng, SystemClock, steps);
    read_blocking(chip, engine, &mut |_| {})
}

#[test]
fn reads_com_and_dg1_with_bac() {
    let doc = read_document(chip(), &key(), &ReadOptions::default()).unwrap();
    assert_eq!(doc.access.protocol, AccessProtocol::Bac);
    assert_eq!(doc.access.cipher_suite, CipherSuite::Tdes);
    let dg1 = doc.dg1.unwrap().mrz().unwrap();
    assert!(dg1.is_valid());
    assert_eq!(dg1.document_number, "CCC002251");
    assert_eq!(dg1.issuing_state, "NOR");
    assert_eq!(dg1.primary_identifier, "OESTENBYEN");
    assert_eq!(dg1.date_of_birth, "560423");
    assert!(doc.com.unwrap().data_groups().contains(&1));
}

#[test]
fn files_are_served_exactly() {
    let reference = chip();
    let (com, dg1, dg7) = run(&mut chip(), |mut ch| async move {
        ch.open().await?;
        let com = ch.read_file(EfId::Com).await?;
        let dg1 = ch.read_file(EfId::Dg(1)).await?;
        let dg7 = ch.read_file(EfId::Dg(7)).await;
        Ok((com, dg1, dg7))
    })
    .unwrap();
    assert_eq!(com, reference.file("COM").unwrap());
    assert_eq!(dg1, reference.file("DG1").unwrap());
    assert!(matches!(dg7, Err(ReadError::FileNotFound { .. })));
}

#[test]
fn small_blocks_and_refused_lengths_still_read_whole_files() {
    let reference = chip();
    for block in [1usize, 7, 16, 100, 231, 256] {
        let dg1 = run(&mut chip(), move |mut ch| async move {
            ch.open().await?;
            ch.set_max_block(block);
            ch.read_file(EfId::Dg(1)).await
        })
        .unwrap();
        assert_eq!(dg1, reference.file("DG1").unwrap(), "block {block}");
    }
}

#[test]
fn wrong_mrz_is_refused_with_a_clear_message() {
    let wrong = AccessKey::from_mrz_fields("CCC002251", "560423", "300416").unwrap();
    let err = read_document(chip(), &wrong, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ReadError::AccessDenied), "{err:?}");
    assert!(err.to_string().contains("refused the access key"));
}

#[test]
fn chip_refuses_reads_without_access_control() {
    let mut chip = chip();
    let select = CommandApdu::new(0, 0xA4, 4, 0x0C)
        .with_data(emrtd_sim::LDS1_AID.to_vec())
        .to_bytes()
        .unwrap();
    assert_eq!(chip.transmit(&select).unwrap(), vec![0x90, 0x00]);
    let read = CommandApdu::new(0, 0xB0, 0x81, 0)
        .with_le(8)
        .to_bytes()
        .unwrap();
    assert_eq!(chip.transmit(&read).unwrap(), vec![0x69, 0x82]);
}

#[test]
fn plain_command_during_secure_messaging_ends_the_session() {
    let mut chip = chip();
    run(&mut chip, |mut ch| async move {
        ch.open().await?;
        ch.read_file(EfId::Com).await
    })
    .unwrap();
    assert!(chip.has_secure_messaging());
    let read = CommandApdu::new(0, 0xB0, 0x81, 0)
        .with_le(8)
        .to_bytes()
        .unwrap();
    let resp = chip.transmit(&read).unwrap();
    assert_eq!(resp, StatusWord::SM_DATA_MISSING.to_bytes().to_vec());
    assert!(!chip.has_secure_messaging());
}

#[test]
fn tampered_protected_command_is_rejected() {
    let mut chip = chip();
    run(&mut chip, |mut ch| async move { ch.open().await }).unwrap();
    // A made-up protected READ BINARY with a wrong MAC.
    let bogus = hex::decode("0CB081000D9701088E080102030405060708 00".replace(' ', "")).unwrap();
    let resp = chip.transmit(&bogus).unwrap();
    assert_eq!(resp, StatusWord::SM_DATA_INCORRECT.to_bytes().to_vec());
    assert!(!chip.has_secure_messaging());
}

#[test]
fn hostile_apdus_never_panic() {
    let mut chip = chip();
    let mut seed = 0x1234_5678_u32;
    for len in 0..300usize {
        let apdu: Vec<u8> = (0..len % 64 + (len / 64) * 100)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect();
        let resp = chip.transmit(&apdu).unwrap();
        assert!(resp.len() >= 2);
    }
}
