//! The async read (`read_document`) driven as a phone app would: an async transport forwards
//! every APDU to a virtual chip; a minimal executor (thread park/unpark) polls the read, as the
//! foreign language's coroutines or tasks do.

mod common;

use common::{block_on, can, AsyncForward, Events};
use emrtd_ffi::*;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

#[test]
fn async_read_opens_the_id_card_with_pace_and_reports_progress() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let transport = Arc::new(AsyncForward::new(card));
    let events = Events::default();
    let doc = block_on(read_document(
        transport.clone(),
        can("123456"),
        None,
        Some(Box::new(events.clone())),
        None,
    ))
    .unwrap();
    assert_eq!(doc.access().protocol, AccessProtocol::Pace);
    assert_eq!(doc.mrz().unwrap().unwrap().document_number, "GDC000127");
    let events = events.0.lock().unwrap();
    assert!(events.iter().any(|e| matches!(e,
        ReadProgress::Reading { done, total, .. } if done < total && *total > 0)));
    assert!(events.iter().any(|e| matches!(e,
        ReadProgress::FileDone { file, size } if file == "DG1" && *size > 0)));
    assert!(transport.apdus.load(Ordering::SeqCst) > 10);
}

#[test]
fn async_read_reads_the_passport_with_the_mrz() {
    let card = VirtualCard::new("norway-passport".into()).unwrap();
    let key = AccessKey::from_mrz(card.mrz()).unwrap();
    let doc = block_on(read_document(
        Arc::new(AsyncForward::new(card.clone())),
        key,
        None,
        None,
        None,
    ))
    .unwrap();
    assert_eq!(doc.access().protocol, AccessProtocol::Bac);
    let expected = parse_mrz(card.mrz()).unwrap().document_number;
    assert_eq!(doc.mrz().unwrap().unwrap().document_number, expected);
}

#[test]
fn cancelled_token_stops_the_async_read_with_cancelled_and_sends_nothing_more() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let token = CancellationToken::new();
    let mut forward = AsyncForward::new(card);
    forward.cancel_at = Some((12, token.clone()));
    let transport = Arc::new(forward);
    let result = block_on(read_document(
        transport.clone(),
        can("123456"),
        None,
        None,
        Some(token.clone()),
    ));
    assert!(
        matches!(result, Err(EmrtdError::Cancelled)),
        "{:?}",
        result.err()
    );
    assert_eq!(transport.apdus.load(Ordering::SeqCst), 12);
    assert!(token.is_cancelled());
}

#[test]
fn async_read_resumes_after_the_tag_came_back() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let mut forward = AsyncForward::new(card);
    forward.lose_at = Mutex::new(Some(20));
    forward.can_reconnect = true;
    let transport = Arc::new(forward);
    let events = Events::default();
    let doc = block_on(read_document(
        transport.clone(),
        can("123456"),
        None,
        Some(Box::new(events.clone())),
        None,
    ))
    .unwrap();
    assert_eq!(doc.mrz().unwrap().unwrap().document_number, "GDC000127");
    assert_eq!(transport.reconnects.load(Ordering::SeqCst), 1);
    let events = events.0.lock().unwrap();
    assert!(events
        .iter()
        .any(|e| matches!(e, ReadProgress::CardLost { .. })));
    assert!(events
        .iter()
        .any(|e| matches!(e, ReadProgress::Resumed { .. })));
}

#[test]
fn async_read_with_a_wrong_can_fails_with_wrong_access_key() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let result = block_on(read_document(
        Arc::new(AsyncForward::new(card)),
        can("654321"),
        None,
        None,
        None,
    ));
    assert!(
        matches!(result, Err(EmrtdError::WrongAccessKey(_))),
        "{:?}",
        result.err()
    );
}

#[test]
fn async_read_with_a_lost_tag_that_does_not_come_back_fails_with_tag_lost() {
    let card = VirtualCard::new("norway-id".into()).unwrap();
    let mut forward = AsyncForward::new(card);
    forward.lose_at = Mutex::new(Some(20));
    let transport = Arc::new(forward);
    let result = block_on(read_document(
        transport.clone(),
        can("123456"),
        None,
        None,
        None,
    ));
    assert!(
        matches!(result, Err(EmrtdError::TagLost)),
        "{:?}",
        result.err()
    );
    assert!(transport.reconnects.load(Ordering::SeqCst) >= 1);
}
