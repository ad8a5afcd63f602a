//! File reading against chips that end files differently, lose the card, or hold files
//! larger than 32 KiB (TR-03105-5.1 ISO7816_C_02 … C_07 behaviours).

use emrtd_reader::{
    read_document, read_document_with_progress, AccessKey, EfId, Progress, ReadOptions,
};
use emrtd_sim::{Profile, VirtualChip};

fn can() -> AccessKey {
    AccessKey::from_can("123456").unwrap()
}

fn key_for(profile: &Profile) -> AccessKey {
    if profile.access.pace.is_empty() {
        AccessKey::from_mrz(&profile.parsed_mrz().unwrap()).unwrap()
    } else {
        can()
    }
}

fn read_all(profile: Profile) -> emrtd_reader::Document {
    let reference = VirtualChip::new(profile.clone()).unwrap();
    let key = key_for(&profile);
    let doc = read_document(
        VirtualChip::new(profile).unwrap(),
        &key,
        &ReadOptions::default(),
    )
    .unwrap();
    for (ef, bytes) in &doc.files {
        let name = match ef {
            EfId::CardAccess => "CardAccess".to_string(),
            other => other.name(),
        };
        assert_eq!(Some(bytes.as_slice()), reference.file(&name), "{ef}");
    }
    doc
}

#[test]
fn every_end_of_file_behaviour_reads_whole_files() {
    for eof in ["6282", "short", "6cxx", "6b00"] {
        for (extended, max_read) in [(false, 223), (true, 2048), (false, 64)] {
            let mut p = Profile::builtin("norway-id").unwrap();
            p.chip.eof = eof.into();
            p.chip.extended_length = extended;
            p.chip.max_read = max_read;
            let doc = read_all(p);
            let expected = if extended { 6 } else { 5 }; // + EF.ATR/INFO with extended length
            assert_eq!(doc.files.len(), expected, "{eof} {max_read}");
        }
    }
}

#[test]
fn chips_that_refuse_large_le_are_read_in_smaller_blocks() {
    // The chip announces nothing and takes at most 100 bytes: the reader steps down on 6700.
    let mut p = Profile::builtin("norway-passport").unwrap();
    p.chip.max_read = 100;
    let doc = read_all(p);
    assert!(doc.files.contains_key(&EfId::Dg(2)));
}

#[test]
fn files_beyond_32_kib_are_read_with_odd_ins() {
    // A 40 000-byte DG11 forces READ BINARY B1 with DO'54' offsets above 32767.
    let mut p = Profile::builtin("norway-id").unwrap();
    let value = vec![0x5A; 40_000];
    let dg11 = emrtd_tlv::encode(0x6B, &emrtd_tlv::encode(0x5F0E, &value));
    p.files.insert("DG11".into(), hex::encode(&dg11));
    for extended in [false, true] {
        p.chip.extended_length = extended;
        let doc = read_all(p.clone());
        assert_eq!(doc.files[&EfId::Dg(11)], dg11);
    }
}

#[test]
fn tag_loss_is_resumed_where_reading_stopped() {
    for after in [3usize, 6, 12, 15] {
        let mut p = Profile::builtin("norway-id").unwrap();
        p.chip.extended_length = false;
        p.chip.tag_loss_after = Some(after);
        let mut events = Vec::new();
        let reference = VirtualChip::new(p.clone()).unwrap();
        let doc = read_document_with_progress(
            VirtualChip::new(p).unwrap(),
            &can(),
            &ReadOptions::default(),
            &mut |e| events.push(e),
        )
        .unwrap_or_else(|e| panic!("tag loss after {after}: {e}"));
        assert_eq!(doc.resumes, 1, "after {after}");
        assert!(events
            .iter()
            .any(|e| matches!(e, Progress::CardLost { .. })));
        assert!(events.iter().any(|e| matches!(e, Progress::Resumed { .. })));
        assert_eq!(
            doc.files[&EfId::Dg(2)].as_slice(),
            reference.file("DG2").unwrap(),
            "after {after}"
        );
    }
}

#[test]
fn a_card_that_never_comes_back_is_an_error_a_person_understands() {
    struct Gone;
    impl emrtd_apdu::Transport for Gone {
        fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, emrtd_apdu::TransportError> {
            Err(emrtd_apdu::TransportError::CardRemoved)
        }
    }
    let err = read_document(Gone, &can(), &ReadOptions::default()).unwrap_err();
    assert!(err.is_card_lost());
    assert!(err.to_string().contains("card was removed"), "{err}");
}
