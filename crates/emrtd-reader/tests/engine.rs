//! The read engine as a state machine: its events, tag loss at any point, determinism under
//! injected randomness, replay of a recorded trace without a card, and the async driver.

use emrtd_apdu::{AsyncTransport, Transport, TransportError};
use emrtd_auth::CheckStatus;
use emrtd_reader::{
    read_async, read_blocking, AccessKey, Document, EfId, Engine, EngineConfig, EngineError, Event,
    FixedClock, Progress, ReadOptions,
};
use emrtd_sim::{Profile, VirtualChip};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// 2026-12-06T00:00:00Z.
const NOW: i64 = 1_796_515_200;

/// The Norwegian ID card with PACE, Chip Authentication and Active Authentication (P-256).
fn profile() -> Profile {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.active_authentication = "ec-p256".into();
    p
}

/// A chip whose own randomness (keys, nonces) comes from `seed`.
fn chip(seed: u64) -> VirtualChip {
    VirtualChip::with_rng(profile(), Box::new(StdRng::seed_from_u64(seed))).unwrap()
}

fn engine(chip: &VirtualChip, seed: u64) -> Engine {
    let config = EngineConfig::new(
        AccessKey::from_can("123456").unwrap(),
        ReadOptions::default(),
    )
    .link_extended_length(chip.may_support_extended_length());
    Engine::new(config, StdRng::seed_from_u64(seed), FixedClock(NOW))
}

/// APDU pairs of one read.
type Trace = Vec<(Vec<u8>, Vec<u8>)>;

/// Drive the engine by hand over the chip; `lose_at`: answer that transmit (0-based) with
/// `card_lost()` instead of sending it. Returns the events seen (APDUs as their index), the
/// trace and the document.
fn drive(
    chip: VirtualChip,
    engine: Engine,
    lose_at: Option<usize>,
) -> (Vec<String>, Trace, Document) {
    drive_with(chip, engine, lose_at.map(|at| (at, Loss::CardLost)))
}

/// The forms in which a card is lost.
#[derive(Debug, Clone, Copy)]
enum Loss {
    /// The transport reports `CardRemoved`.
    CardLost,
    /// The link answers with no bytes at all.
    EmptyResponse,
    /// The chip was reset under the reader (its session is gone) and answers 6986 without
    /// secure messaging.
    ResetThen6986,
}

fn drive_with(
    mut chip: VirtualChip,
    mut engine: Engine,
    lose: Option<(usize, Loss)>,
) -> (Vec<String>, Trace, Document) {
    let lose_at = lose.map(|(at, _)| at);
    let mut events = Vec::new();
    let mut trace = Vec::new();
    let mut sent = 0;
    while let Some(event) = engine.next_event() {
        match event {
            Event::Transmit(apdu) => {
                events.push("transmit".to_string());
                if Some(sent) == lose_at {
                    sent += 1;
                    match lose.map(|(_, how)| how) {
                        Some(Loss::EmptyResponse) => engine.feed_response(Vec::new()).unwrap(),
                        Some(Loss::ResetThen6986) => {
                            chip.reconnect().unwrap();
                            engine.feed_response(vec![0x69, 0x86]).unwrap();
                        }
                        _ => engine.card_lost().unwrap(),
                    }
                    continue;
                }
                sent += 1;
                let response = chip.transmit(&apdu).unwrap();
                trace.push((apdu, response.clone()));
                engine.feed_response(response).unwrap();
            }
            Event::Reconnect { attempt, max } => {
                events.push(format!("reconnect {attempt}/{max}"));
                chip.reconnect().unwrap();
                engine.resume().unwrap();
            }
            Event::Progress { file, bytes, total } => {
                assert!(bytes <= total, "{file}: {bytes} > {total}");
                events.push(if bytes == total {
                    format!("done {file} {total}")
                } else {
                    format!("progress {file}")
                });
            }
            Event::Notice(Progress::Opening) => events.push("opening".into()),
            Event::Notice(Progress::Opened(_)) => events.push("opened".into()),
            Event::Notice(Progress::Resumed { file, .. }) => {
                events.push(format!("resumed {}", file.map_or("-".into(), |f| f.name())))
            }
            Event::Notice(other) => panic!("unexpected notice {other:?}"),
            Event::Done(result) => {
                assert!(engine.next_event().is_none(), "nothing after Done");
                return (events, trace, result.unwrap());
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    panic!("the engine ended without Done");
}

#[test]
fn a_read_of_the_simulator_is_a_sequence_of_events_ending_in_done() {
    let chip = chip(1);
    let reference = chip.file("DG2").unwrap().to_vec();
    let engine = engine(&chip, 2);
    let (events, trace, doc) = drive(chip, engine, None);
    assert_eq!(events.first().map(String::as_str), Some("opening"));
    let opened = events.iter().position(|e| e == "opened").unwrap();
    assert!(
        events[1..opened].iter().all(|e| e == "transmit"),
        "{events:?}"
    );
    // Every file read reports its completion once, in the order read: COM, DG14 (Chip
    // Authentication first), then the rest.
    let done: Vec<&str> = events
        .iter()
        .filter_map(|e| e.strip_prefix("done "))
        .collect();
    assert_eq!(
        done.first().map(|d| d.split(' ').next().unwrap()),
        Some("COM")
    );
    assert_eq!(
        done.get(1).map(|d| d.split(' ').next().unwrap()),
        Some("DG14")
    );
    assert!(
        done.contains(&format!("DG2 {}", reference.len()).as_str()),
        "{done:?}"
    );
    assert_eq!(
        events.iter().filter(|e| *e == "transmit").count(),
        trace.len()
    );
    assert!(!events.iter().any(|e| e.starts_with("reconnect")));
    assert_eq!(doc.files.get(&EfId::Dg(2)), Some(&reference));
    assert_eq!(doc.read_at, NOW);
    assert_eq!(doc.resumes, 0);
    assert_eq!(
        doc.chip_authentication.unwrap().status(),
        CheckStatus::Passed
    );
    assert_eq!(
        doc.active_authentication.unwrap().status(),
        CheckStatus::Passed
    );
}

#[test]
fn the_engine_can_move_between_threads() {
    // Async servers and NFC callbacks hand a read from thread to thread.
    fn send<T: Send>() {}
    send::<Engine>();
    send::<Event>();
}

#[test]
fn answers_out_of_turn_are_refused() {
    let chip = chip(1);
    let mut engine = engine(&chip, 2);
    assert_eq!(
        engine.feed_response(vec![0x90, 0x00]),
        Err(EngineError::NoCommandPending)
    );
    assert_eq!(engine.resume(), Err(EngineError::NoReconnectPending));
    assert!(matches!(
        engine.next_event(),
        Some(Event::Notice(Progress::Opening))
    ));
    let Some(Event::Transmit(first)) = engine.next_event() else {
        panic!("expected the first command");
    };
    // Asking again before answering hands out the same command; answering twice is refused.
    let Some(Event::Transmit(again)) = engine.next_event() else {
        panic!("expected the same command again");
    };
    assert_eq!(first, again);
    assert_eq!(engine.resume(), Err(EngineError::NoReconnectPending));
    engine.feed_response(vec![0x6A, 0x82]).unwrap();
    assert_eq!(
        engine.feed_response(vec![0x90, 0x00]),
        Err(EngineError::NoCommandPending)
    );
}

#[test]
fn card_lost_at_20_random_points_resumes_to_the_same_files() {
    let (_, trace, undisturbed) = drive(chip(7), engine(&chip(7), 8), None);
    let mut points = StdRng::seed_from_u64(2026);
    for _ in 0..20 {
        let at = points.gen_range(0..trace.len());
        let (events, _, doc) = drive(chip(7), engine(&chip(7), 8), Some(at));
        assert_eq!(doc.resumes, 1, "lost at APDU {at}");
        assert!(
            events.contains(&"reconnect 1/3".to_string()),
            "lost at APDU {at}"
        );
        assert!(
            events.iter().any(|e| e.starts_with("resumed")),
            "lost at APDU {at}"
        );
        assert_eq!(doc.files, undisturbed.files, "lost at APDU {at}");
        assert_eq!(doc.refused, undisturbed.refused, "lost at APDU {at}");
        assert_eq!(doc.access, undisturbed.access, "lost at APDU {at}");
        assert_eq!(
            doc.chip_authentication.as_ref().map(|c| c.status()),
            Some(CheckStatus::Passed),
            "lost at APDU {at}"
        );
        assert_eq!(
            doc.active_authentication.as_ref().map(|c| c.status()),
            Some(CheckStatus::Passed),
            "lost at APDU {at}"
        );
    }
}

#[test]
fn card_lost_as_an_empty_response_or_6986_after_a_reset_is_resumed_at_random_points() {
    let (_, trace, undisturbed) = drive(chip(7), engine(&chip(7), 8), None);
    // 6986 after a reset means something only under secure messaging: READ BINARY and
    // INTERNAL AUTHENTICATE commands protected by it (CLA 0C).
    let protected_reads: Vec<usize> = trace
        .iter()
        .enumerate()
        .filter(|(_, (c, _))| c[0] & 0x0C == 0x0C && matches!(c[1], 0xB0 | 0xB1 | 0x88))
        .map(|(i, _)| i)
        .collect();
    assert!(protected_reads.len() > 10);
    let mut points = StdRng::seed_from_u64(2027);
    for round in 0..20 {
        let (at, how) = if round % 2 == 0 {
            (points.gen_range(0..trace.len()), Loss::EmptyResponse)
        } else {
            let i = points.gen_range(0..protected_reads.len());
            (protected_reads[i], Loss::ResetThen6986)
        };
        let (events, _, doc) = drive_with(chip(7), engine(&chip(7), 8), Some((at, how)));
        assert_eq!(doc.resumes, 1, "{how:?} at APDU {at}");
        assert!(
            events.contains(&"reconnect 1/3".to_string()),
            "{how:?} at APDU {at}"
        );
        assert_eq!(doc.files, undisturbed.files, "{how:?} at APDU {at}");
        assert_eq!(doc.access, undisturbed.access, "{how:?} at APDU {at}");
        assert_eq!(
            doc.chip_authentication.as_ref().map(|c| c.status()),
            Some(CheckStatus::Passed),
            "{how:?} at APDU {at}"
        );
        assert_eq!(
            doc.active_authentication.as_ref().map(|c| c.status()),
            Some(CheckStatus::Passed),
            "{how:?} at APDU {at}"
        );
    }
}

#[test]
fn a_card_that_does_not_come_back_ends_the_read_with_a_typed_error() {
    let mut card = chip(1);
    let mut engine = engine(&card, 2);
    let mut transmits = 0;
    let result = loop {
        match engine.next_event().expect("the engine ends with Done") {
            Event::Transmit(apdu) if transmits == 5 => {
                transmits += 1;
                drop(apdu);
                engine.card_lost().unwrap();
            }
            Event::Transmit(apdu) => {
                transmits += 1;
                engine.feed_response(card.transmit(&apdu).unwrap()).unwrap();
            }
            Event::Reconnect { attempt: 1, max: 3 } => {
                engine.reconnect_failed(TransportError::NoCard).unwrap();
            }
            Event::Done(result) => break result,
            _ => {}
        }
    };
    let err = result.unwrap_err();
    assert!(
        matches!(
            err,
            emrtd_reader::ReadError::Transport(TransportError::NoCard)
        ),
        "{err:?}"
    );
    assert!(engine.next_event().is_none());
}

#[test]
fn the_same_seeds_give_byte_identical_apdu_traces() {
    let (_, first, _) = drive(chip(3), engine(&chip(3), 4), None);
    let (_, second, _) = drive(chip(3), engine(&chip(3), 4), None);
    assert_eq!(first.len(), second.len());
    for (i, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(hex::encode(&a.0), hex::encode(&b.0), "command {i}");
        assert_eq!(hex::encode(&a.1), hex::encode(&b.1), "response {i}");
    }
    // The engine's randomness is used: another seed, other commands (PACE nonces, keys).
    let (_, other, _) = drive(chip(3), engine(&chip(3), 5), None);
    assert_ne!(
        first.iter().map(|(c, _)| c).collect::<Vec<_>>(),
        other.iter().map(|(c, _)| c).collect::<Vec<_>>()
    );
}

/// Plays a recorded trace back: checks each command, answers the recorded response.
struct Replay {
    trace: Trace,
    next: usize,
}

impl Transport for Replay {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let (command, response) = self
            .trace
            .get(self.next)
            .expect("more commands than recorded");
        assert_eq!(apdu, command.as_slice(), "command {} differs", self.next);
        self.next += 1;
        Ok(response.clone())
    }
}

#[test]
fn a_recorded_trace_replays_with_no_card_to_the_same_report() {
    let chip = chip(11);
    let engine_config = engine(&chip, 12);
    let (_, trace, recorded) = drive(chip, engine_config, None);
    let mut replay = Replay { trace, next: 0 };
    let extended = profile().chip.extended_length;
    let config = EngineConfig::new(
        AccessKey::from_can("123456").unwrap(),
        ReadOptions::default(),
    )
    .link_extended_length(extended);
    let engine = Engine::new(config, StdRng::seed_from_u64(12), FixedClock(NOW));
    let replayed = read_blocking(&mut replay, engine, &mut |_| {}).unwrap();
    assert_eq!(
        replay.next,
        replay.trace.len(),
        "every recorded command was sent"
    );
    assert_eq!(format!("{replayed:?}"), format!("{recorded:?}"));
}

/// An [`AsyncTransport`] whose card lives in another task, reached through channels.
struct ChannelTransport {
    requests: tokio::sync::mpsc::Sender<(Vec<u8>, tokio::sync::oneshot::Sender<Vec<u8>>)>,
    extended: bool,
}

impl AsyncTransport for ChannelTransport {
    async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.requests
            .send((apdu.to_vec(), tx))
            .await
            .map_err(|_| TransportError::CardRemoved)?;
        rx.await.map_err(|_| TransportError::CardRemoved)
    }

    fn may_support_extended_length(&self) -> bool {
        self.extended
    }
}

#[tokio::test]
async fn the_async_driver_reads_the_simulator_through_a_channel() {
    let mut card = chip(21);
    let extended = card.may_support_extended_length();
    let (requests, mut incoming) =
        tokio::sync::mpsc::channel::<(Vec<u8>, tokio::sync::oneshot::Sender<Vec<u8>>)>(1);
    let served = tokio::spawn(async move {
        let mut count = 0;
        while let Some((apdu, reply)) = incoming.recv().await {
            count += 1;
            let _ = reply.send(card.transmit(&apdu).unwrap());
        }
        count
    });
    let mut transport = ChannelTransport { requests, extended };
    let config = EngineConfig::new(
        AccessKey::from_can("123456").unwrap(),
        ReadOptions::default(),
    )
    .link_extended_length(transport.may_support_extended_length());
    let reader = Engine::new(config, StdRng::seed_from_u64(22), FixedClock(NOW));
    let mut reports = 0;
    let doc = read_async(&mut transport, reader, &mut |_| reports += 1)
        .await
        .unwrap();
    drop(transport);
    let apdus = served.await.unwrap();

    let (_, trace, blocking) = drive(chip(21), engine(&chip(21), 22), None);
    assert_eq!(apdus, trace.len());
    assert!(reports > 0);
    assert_eq!(format!("{doc:?}"), format!("{blocking:?}"));
}
