//! A whole read session (`emrtd_reader`) whose chip answers are successive chunks of the input.
//!
//! Random bytes cannot forge a secure messaging MAC, so this target covers everything a chip
//! can make the reader do *before* or *without* a session: EF.CardAccess / EF.ATR/INFO parsing,
//! the PACE and BAC terminal steps, and plain file reading with every status word and length
//! quirk (block step-down, 6Cxx, end of file, odd-INS offsets, resumption after card loss).
//! `read_session_sm` covers the reader inside an established session.
//!
//! Byte 0 flags: bit 0 the link supports extended length, bit 1 the transport can reconnect,
//! bit 2 use the CAN instead of the MRZ, bits 3-4 mode (0 `read_document`, 1 plain
//! `Channel::read_file` of the files listed next, 2 `Channel::open` then `read_file`, both
//! through the read engine), bit 5 a
//! fixed READ BINARY block size (next byte), bit 6 no extended length, bit 7 (mode 0) another
//! library's file access: SELECT by file identifier and a header read of (next byte % 16) + 1
//! bytes (`ReadOptions::select_by_file_id`, `ReadOptions::header_read`).
//! Modes 1 and 2: next byte = number of files (mod 4), then one byte per file id.
#![no_main]

use emrtd_apdu::Transport;
use emrtd_fuzz::{FuzzRng, Input, ScriptedTransport, SPECIMEN_CAN, SPECIMEN_MRZ_FIELDS};
use emrtd_reader::engine::MAX_FILE_SIZE;
use emrtd_reader::{
    read_blocking, read_document, AccessKey, EfId, Engine, EngineConfig, FixedClock, ReadOptions,
};
use libfuzzer_sys::fuzz_target;

fn ef_of(b: u8) -> EfId {
    match b % 21 {
        0 => EfId::CardAccess,
        1 => EfId::AtrInfo,
        2 => EfId::CardSecurity,
        3 => EfId::Com,
        4 => EfId::Sod,
        n => EfId::Dg(n - 4),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let flags = input.byte();
    let key = if flags & 4 != 0 {
        AccessKey::from_can(SPECIMEN_CAN)
    } else {
        let (doc, dob, doe) = SPECIMEN_MRZ_FIELDS;
        AccessKey::from_mrz_fields(doc, dob, doe)
    }
    .expect("specimen access key");
    let block = (flags & 0x20 != 0).then(|| usize::from(input.byte()) * 8 + 1);
    let mode = (flags >> 3) & 3;
    let header_read = (mode == 0 && flags & 0x80 != 0).then(|| usize::from(input.byte() % 16) + 1);
    let files: Vec<EfId> = if mode == 0 {
        Vec::new()
    } else {
        let n = input.byte() % 4;
        (0..n).map(|_| ef_of(input.byte())).collect()
    };
    let mut transport = ScriptedTransport::new(input, flags & 1 != 0, flags & 2 != 0);
    match mode {
        0 => {
            let options = ReadOptions {
                files: None,
                max_block: block,
                no_extended_length: flags & 0x40 != 0,
                select_by_file_id: header_read.is_some(),
                header_read,
                ..ReadOptions::default()
            };
            if let Ok(doc) = read_document(transport, &key, &options) {
                for (ef, bytes) in &doc.files {
                    assert!(
                        bytes.len() <= MAX_FILE_SIZE,
                        "{ef} is larger than the reader's cap"
                    );
                }
            }
        }
        1 => {
            let config = EngineConfig::new(key, ReadOptions::default())
                .link_extended_length(transport.may_support_extended_length());
            let rng = FuzzRng::new(u64::from(flags));
            let engine =
                Engine::with_procedure(config, rng, FixedClock(0), move |mut ch| async move {
                    if let Some(b) = block {
                        ch.set_max_block(b);
                    }
                    if flags & 1 != 0 {
                        ch.use_extended_length(usize::from(flags) << 8);
                    }
                    let _ = ch.select_lds1().await;
                    for ef in files {
                        if let Ok(bytes) = ch.read_file(ef).await {
                            assert!(bytes.len() <= MAX_FILE_SIZE);
                        }
                    }
                    Ok(())
                });
            let _ = read_blocking(&mut transport, engine, &mut |_| {});
        }
        _ => {
            let config = EngineConfig::new(key, ReadOptions::default())
                .link_extended_length(transport.may_support_extended_length());
            let rng = FuzzRng::new(u64::from(flags));
            let engine =
                Engine::with_procedure(config, rng, FixedClock(0), move |mut ch| async move {
                    ch.open().await?;
                    for ef in files {
                        let _ = ch.read_file(ef).await;
                    }
                    Ok(())
                });
            let _ = read_blocking(&mut transport, engine, &mut |_| {});
        }
    }
});
