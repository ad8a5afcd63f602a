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
            // Each chip draws its own Chip Authentication key: DG14 (and EF.SOD over it)
            // differ between two chips of one profile.
            EfId::Dg(14) | EfId::Sod => continue,
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
            // CardAccess, COM, SOD, DG1, DG2, DG14; + EF.ATR/INFO with extended length.
            let expected = if extended { 7 } else { 6 };
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

/// What a recording transport saw: command headers and reconnections.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Seen {
    Command {
        cla: u8,
        ins: u8,
        p1: u8,
        extended: bool,
    },
    Reconnect,
}

/// How the recorded link handles extended-length APDUs.
#[derive(Clone, Copy)]
enum Link {
    /// As the chip's profile says, and the link says so.
    AsChip,
    /// The link cannot tell (a PC/SC reader whose ATR says nothing) but carries them.
    Unknown,
    /// The link cannot tell, and fails every extended-length APDU (a reader without them).
    UnknownRefusing,
    /// The link times out on every extended-length READ BINARY.
    TimesOutOnExtendedReads,
}

/// Passes everything to a virtual chip and records it.
struct Recorder {
    chip: VirtualChip,
    log: Log,
    link: Link,
    /// The card leaves the field at these commands (0-based count of commands sent).
    drops: Vec<usize>,
    sent: usize,
}

impl emrtd_apdu::Transport for Recorder {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, emrtd_apdu::TransportError> {
        self.sent += 1;
        if self.drops.contains(&(self.sent - 1)) {
            return Err(emrtd_apdu::TransportError::CardRemoved);
        }
        if let [cla, ins, p1, ..] = *apdu {
            let extended = apdu.len() > 5 && apdu[4] == 0;
            self.log.lock().unwrap().push(Seen::Command {
                cla,
                ins,
                p1,
                extended,
            });
            let read = ins == 0xB0 || ins == 0xB1;
            match self.link {
                Link::TimesOutOnExtendedReads if extended && read => {
                    return Err(emrtd_apdu::TransportError::Timeout)
                }
                Link::UnknownRefusing if extended => {
                    return Err(emrtd_apdu::TransportError::Other(
                        "the reader cannot send extended APDUs".into(),
                    ))
                }
                _ => {}
            }
        }
        self.chip.transmit(apdu)
    }
    fn supports_extended_length(&self) -> bool {
        matches!(self.link, Link::AsChip | Link::TimesOutOnExtendedReads)
            && self.chip.supports_extended_length()
    }
    fn may_support_extended_length(&self) -> bool {
        self.supports_extended_length()
            || matches!(self.link, Link::Unknown | Link::UnknownRefusing)
    }
    fn reconnect(&mut self) -> Result<(), emrtd_apdu::TransportError> {
        self.log.lock().unwrap().push(Seen::Reconnect);
        self.chip.reconnect()
    }
}

type Log = std::sync::Arc<std::sync::Mutex<Vec<Seen>>>;

/// A reference chip (to compare files with), a recording transport over a chip of the same
/// profile, and its log.
fn recorded(p: Profile, link: Link) -> (VirtualChip, Recorder, Log) {
    let reference = VirtualChip::new(p.clone()).unwrap();
    let log = Log::default();
    let transport = Recorder {
        chip: VirtualChip::new(p).unwrap(),
        log: log.clone(),
        link,
        drops: Vec::new(),
        sent: 0,
    };
    (reference, transport, log)
}

/// Extended-length READ BINARY commands in a log.
fn extended_reads(log: &Log) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|s| {
            matches!(
                s,
                Seen::Command {
                    ins: 0xB0 | 0xB1,
                    extended: true,
                    ..
                }
            )
        })
        .count()
}

fn ca_config() -> Option<emrtd_sim::profile::CaConfig> {
    Some(emrtd_sim::profile::CaConfig {
        cipher: "AES-128".into(),
        parameter_id: 13,
        key_id: Some(1),
    })
}

#[test]
fn chip_authentication_is_redone_after_a_tag_loss() {
    // Tag losses while opening, while reading DG14, during Chip Authentication and after it:
    // every protected READ BINARY after a reconnection must come after a new Chip
    // Authentication, or the data could come from another chip.
    for after in [4usize, 9, 11, 12, 13, 14, 15, 17, 30] {
        let mut p = Profile::builtin("norway-id").unwrap();
        p.chip.extended_length = false;
        p.chip_authentication = ca_config();
        p.chip.tag_loss_after = Some(after);
        let (reference, transport, log) = recorded(p, Link::AsChip);
        let doc = read_document(transport, &can(), &ReadOptions::default())
            .unwrap_or_else(|e| panic!("tag loss after {after}: {e}"));
        assert_eq!(doc.resumes, 1, "after {after}");
        let ca = doc.chip_authentication.as_ref().expect("CA ran");
        assert_eq!(
            ca.status(),
            emrtd_auth::CheckStatus::Passed,
            "after {after}"
        );
        assert_eq!(
            doc.files[&EfId::Dg(2)].as_slice(),
            reference.file("DG2").unwrap()
        );
        assert_ca_before_every_read_after_a_reconnection(&log, &format!("after {after}"));
    }
}

/// Every protected READ BINARY after a reconnection comes after a new Chip Authentication
/// (MSE:Set AT with P1 41), or the data could come from another chip.
fn assert_ca_before_every_read_after_a_reconnection(log: &Log, what: &str) {
    let (mut ca_done, mut needs_ca, mut protected_reads) = (false, false, 0);
    for seen in log.lock().unwrap().iter() {
        match *seen {
            Seen::Command {
                ins: 0x22,
                p1: 0x41,
                ..
            } => {
                ca_done = true;
                needs_ca = false;
            }
            Seen::Reconnect => needs_ca = ca_done,
            Seen::Command { cla, ins, .. } if cla & 0x0C == 0x0C && (ins & 0xFE) == 0xB0 => {
                assert!(!needs_ca, "{what}: read after a resume without CA");
                protected_reads += 1;
            }
            _ => {}
        }
    }
    assert!(ca_done && protected_reads > 10, "{what}");
}

#[test]
fn chip_authentication_is_redone_when_the_card_leaves_again_while_reopening() {
    // Lost while reading DG2, then lost again in the middle of PACE when reopening: the second
    // reopening must still run Chip Authentication.
    let mut p = Profile::builtin("norway-id").unwrap();
    p.chip.extended_length = false;
    for second in [1usize, 3, 6, 8] {
        let (reference, mut transport, log) = recorded(p.clone(), Link::AsChip);
        transport.drops = vec![30, 30 + second];
        let doc = read_document(transport, &can(), &ReadOptions::default())
            .unwrap_or_else(|e| panic!("second loss after {second}: {e}"));
        assert_eq!(doc.resumes, 2);
        assert_eq!(
            doc.files[&EfId::Dg(2)].as_slice(),
            reference.file("DG2").unwrap()
        );
        assert_ca_before_every_read_after_a_reconnection(&log, &format!("second {second}"));
    }
}

/// The card leaves the field at command 20, and another chip of the same profile (same
/// document data, its own keys) comes back.
struct Swap {
    chip: VirtualChip,
    other: Option<VirtualChip>,
    sent: usize,
}

impl emrtd_apdu::Transport for Swap {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, emrtd_apdu::TransportError> {
        self.sent += 1;
        if self.sent == 20 {
            return Err(emrtd_apdu::TransportError::CardRemoved);
        }
        self.chip.transmit(apdu)
    }
    fn supports_extended_length(&self) -> bool {
        true
    }
    fn reconnect(&mut self) -> Result<(), emrtd_apdu::TransportError> {
        if let Some(other) = self.other.take() {
            self.chip = other;
        }
        self.chip.reconnect()
    }
}

fn swapped(p: Profile) -> emrtd_reader::ReadError {
    let swap = Swap {
        chip: VirtualChip::new(p.clone()).unwrap(),
        other: Some(VirtualChip::new(p).unwrap()),
        sent: 0,
    };
    read_document(swap, &can(), &ReadOptions::default()).unwrap_err()
}

#[test]
fn a_chip_that_fails_chip_authentication_after_a_tag_loss_stops_the_read() {
    // The card that comes back holds another Chip Authentication key than the DG14 read
    // before: the reader must not go on reading from it.
    let mut p = Profile::builtin("norway-id").unwrap();
    p.chip_authentication = ca_config();
    let err = swapped(p);
    assert!(
        matches!(err, emrtd_reader::ReadError::ChipChanged(_)),
        "{err}"
    );
    assert!(err.to_string().contains("read the document again"), "{err}");
}

#[test]
fn another_chip_after_a_tag_loss_is_caught_by_pace_cam_too() {
    // PACE-CAM only (no DG14): the chip that comes back proves a key, but not the one of the
    // EF.CardSecurity read before.
    let mut p = Profile::builtin("norway-id").unwrap();
    p.chip_authentication = None;
    p.access.pace[0].mapping = "CAM".into();
    let err = swapped(p);
    assert!(
        matches!(&err, emrtd_reader::ReadError::ChipChanged(why) if why.contains("EF.CardSecurity")),
        "{err}"
    );
}

#[test]
fn timeouts_on_large_blocks_step_the_block_down() {
    // A reader that times out on every extended-length READ BINARY: the reader reconnects,
    // uses smaller blocks, and finishes with short APDUs.
    let p = Profile::builtin("norway-id").unwrap();
    assert!(p.chip.extended_length);
    let (reference, transport, log) = recorded(p, Link::TimesOutOnExtendedReads);
    let doc = read_document(transport, &can(), &ReadOptions::default()).unwrap();
    assert_eq!(doc.resumes, 2, "2048 → 1024 → 231 bytes");
    assert_eq!(
        doc.files[&EfId::Dg(2)].as_slice(),
        reference.file("DG2").unwrap()
    );
    let reconnects = log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| **s == Seen::Reconnect)
        .count();
    assert_eq!(reconnects, 2);
}

#[test]
fn extended_length_from_ef_atr_info_when_the_link_cannot_tell() {
    // The link does not know (most contactless ATRs say nothing): EF.ATR/INFO announces
    // extended length, so the reader uses it, in as few APDUs as with a link that says so.
    let p = Profile::builtin("norway-id").unwrap();
    let (reference, transport, log) = recorded(p.clone(), Link::Unknown);
    let doc = read_document(transport, &can(), &ReadOptions::default()).unwrap();
    assert_eq!(doc.resumes, 0);
    assert!(doc.files.contains_key(&EfId::AtrInfo));
    assert_eq!(
        doc.files[&EfId::Dg(2)].as_slice(),
        reference.file("DG2").unwrap()
    );
    assert!(extended_reads(&log) > 0);
    let (_, known, known_log) = recorded(p, Link::AsChip);
    read_document(known, &can(), &ReadOptions::default()).unwrap();
    assert_eq!(log.lock().unwrap().len(), known_log.lock().unwrap().len());
}

#[test]
fn a_link_that_refuses_extended_length_falls_back_to_short_apdus() {
    // The link cannot tell and then fails the first extended READ BINARY: the reader opens the
    // chip again and reads everything with short APDUs.
    let p = Profile::builtin("norway-id").unwrap();
    let (reference, transport, log) = recorded(p, Link::UnknownRefusing);
    let doc = read_document(transport, &can(), &ReadOptions::default()).unwrap();
    assert_eq!(doc.resumes, 1);
    assert_eq!(extended_reads(&log), 1, "only the first one was tried");
    assert_eq!(
        doc.files[&EfId::Dg(2)].as_slice(),
        reference.file("DG2").unwrap()
    );
}
