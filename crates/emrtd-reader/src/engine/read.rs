//! The read of a whole document, as one `async fn` over a [`Channel`].
//!
//! Each step that may lose the card runs inside [`resumable!`]: when the card leaves, the
//! channel asks the driver to reconnect, opens the chip again and the step runs again from
//! where it stopped.

use super::channel::Channel;
use crate::report::{Document, Progress, Refusal, TerminalAuthReport};
use crate::{EfId, ReadError};
use emrtd_apdu::StatusWord;
use emrtd_lds::com::{dg_number_from_tag, EfCom};
use emrtd_lds::dg1::Dg1;
use std::collections::BTreeMap;

/// Run `$step` (an expression with `.await`) until it succeeds, resuming after a tag loss.
macro_rules! resumable {
    ($ch:ident, $file:expr, $step:expr) => {{
        $ch.offset_hint = 0;
        loop {
            let result = $step;
            if let Some(value) = $ch.recover(result, $file).await? {
                break value;
            }
        }
    }};
}

/// Read a file, resuming after a tag loss at the offset reached.
async fn read_resumable(ch: &mut Channel, ef: EfId) -> Result<Vec<u8>, ReadError> {
    let mut content = Vec::new();
    resumable!(ch, Some(ef), ch.continue_file(ef, &mut content, true).await);
    Ok(content)
}

/// Open the chip and read EF.COM, EF.SOD and the data groups EF.COM lists (or the files the
/// options name), with Chip Authentication after DG14 and Active Authentication at the end.
pub(crate) async fn read(mut ch: Channel) -> Result<Document, ReadError> {
    ch.progress(Progress::Opening);
    resumable!(ch, None, ch.open().await);
    if ch.config.options.no_extended_length {
        ch.short_apdus_only();
    }
    let access = ch
        .access()
        .cloned()
        .ok_or_else(|| ReadError::Malformed("no access control was performed".into()))?;
    ch.progress(Progress::Opened(access.clone()));

    let mut files = BTreeMap::new();
    let mut refused = BTreeMap::new();
    if let Some(ca) = &ch.card_access {
        files.insert(EfId::CardAccess, ca.clone());
    }
    if let Some(cs) = &ch.card_security {
        files.insert(EfId::CardSecurity, cs.clone());
    }
    if let Some(info) = &ch.atr_info {
        files.insert(EfId::AtrInfo, info.clone());
    }
    let com_bytes = read_resumable(&mut ch, EfId::Com).await?;
    let com = EfCom::decode(&com_bytes)?;
    files.insert(EfId::Com, com_bytes);
    let wanted: Vec<EfId> = match &ch.config.options.files {
        Some(list) => list.clone(),
        None => [EfId::Sod]
            .into_iter()
            .chain(
                com.tag_list
                    .iter()
                    .filter_map(|t| dg_number_from_tag(*t))
                    .map(EfId::Dg),
            )
            .collect(),
    };
    // Chip Authentication first (ICAO 9303-11 §7.2): read DG14, upgrade the session.
    let mut chip_authentication = None;
    // A remote verifier's proof replaces the read's own Chip Authentication (which would
    // change the keys) and Active Authentication: DG14 is read with the other files.
    let remote = ch.config.options.remote_proof.clone();
    let eac_wanted = wanted.contains(&EfId::Dg(3)) || wanted.contains(&EfId::Dg(4));
    // Terminal Authentication v2: Chip Authentication (v2) follows it, below.
    let mut ta_v2_dg14 = None;
    if wanted.contains(&EfId::Dg(14)) && remote.is_none() {
        let dg14 = read_resumable(&mut ch, EfId::Dg(14)).await;
        if let Ok(dg14) = &dg14 {
            ch.cvca_location = cvca_location(dg14);
        }
        match dg14 {
            Ok(dg14) if eac_wanted && ch.runs_ta_v2(&dg14) => {
                ta_v2_dg14 = Some(dg14.clone());
                files.insert(EfId::Dg(14), dg14);
            }
            Ok(dg14) => {
                chip_authentication = resumable!(ch, Some(EfId::Dg(14)), {
                    match ch.chip_authentication(&dg14).await {
                        // A failed confirmation ended the chip's session: open it again to go
                        // on reading (the verdict already says the chip failed).
                        Ok((check, true)) => ch.open().await.map(|()| check),
                        Ok((check, false)) => Ok(check),
                        Err(e) => Err(e),
                    }
                });
                files.insert(EfId::Dg(14), dg14);
            }
            Err(ReadError::FileNotFound { .. }) => {
                refused.insert(EfId::Dg(14), Refusal::NotPresent);
            }
            Err(e) => return Err(e),
        }
    }
    // Terminal Authentication v1 after Chip Authentication (TR-03110-1 §3.5), or v2 before
    // Chip Authentication v2 (TR-03110-2), before DG3/DG4.
    if let (true, Some(dg14)) = (eac_wanted, &ta_v2_dg14) {
        ch.ta_report = Some(match read_resumable(&mut ch, EfId::Cvca).await {
            Ok(cvca) => {
                let (report, check) = resumable!(ch, Some(EfId::Cvca), {
                    match ch.terminal_authentication_v2(&cvca, dg14).await {
                        // A failed token ended the chip's session: open it again to go on
                        // reading (the verdict already says the chip failed).
                        Ok((report, check, true)) => ch.open().await.map(|()| (report, check)),
                        Ok((report, check, false)) => Ok((report, check)),
                        Err(e) => Err(e),
                    }
                });
                files.insert(EfId::Cvca, cvca);
                // Read after Terminal Authentication v2 for its Chip Authentication key: its
                // signature and chain are then part of the verdict.
                if let Some(cs) = &ch.card_security {
                    files.insert(EfId::CardSecurity, cs.clone());
                }
                chip_authentication = Some(check);
                report
            }
            Err(ReadError::FileNotFound { .. }) => {
                chip_authentication = Some(emrtd_auth::Check::missing_input(
                    emrtd_auth::CheckId::ChipAuthentication,
                    "Chip Authentication version 2 did not run: the chip has no EF.CVCA, so Terminal Authentication version 2, which it follows, could not run",
                ));
                TerminalAuthReport::not_performed(
                    "the chip has no EF.CVCA: it does not offer Terminal Authentication",
                )
            }
            Err(ReadError::Status { sw, .. }) => {
                chip_authentication = Some(emrtd_auth::Check::missing_input(
                    emrtd_auth::CheckId::ChipAuthentication,
                    format!("Chip Authentication version 2 did not run: EF.CVCA could not be read ({sw}), so Terminal Authentication version 2, which it follows, could not run"),
                ));
                TerminalAuthReport::not_performed(format!(
                    "the chip refused to let EF.CVCA be read ({sw})"
                ))
            }
            Err(e) => return Err(e),
        });
    } else if eac_wanted {
        ch.ta_report = Some(match ch.config.options.terminal_authentication {
            None => resumable!(ch, None, ch.terminal_authentication(&[]).await),
            Some(_) => match read_resumable(&mut ch, EfId::Cvca).await {
                Ok(cvca) => {
                    let report = resumable!(
                        ch,
                        Some(EfId::Cvca),
                        ch.terminal_authentication(&cvca).await
                    );
                    files.insert(EfId::Cvca, cvca);
                    if report.outcome.is_verified() {
                        report
                    } else {
                        // After PACE: the static binding of older documents, once.
                        match resumable!(ch, None, ch.retry_with_static_binding().await) {
                            Some(retried) => retried,
                            None => report,
                        }
                    }
                }
                Err(ReadError::FileNotFound { .. }) => match ch.cvca_location {
                    // DG14 names where EF.CVCA is, and it is not there: the chip is inconsistent.
                    Some((fid, sfi)) => TerminalAuthReport {
                        outcome: crate::CheckOutcome::Failed(format!(
                            "EF.CVCA is not where DG14's TerminalAuthenticationInfo says (file identifier {fid:04X}{}): the chip's DG14 and its files disagree; Terminal Authentication cannot run",
                            sfi.map(|s| format!(", short file identifier {s:02X}"))
                                .unwrap_or_default()
                        )),
                        ..TerminalAuthReport::not_performed("")
                    },
                    None => TerminalAuthReport::not_performed(
                        "the chip has no EF.CVCA: it does not offer Terminal Authentication",
                    ),
                },
                Err(ReadError::Status { sw, .. }) => TerminalAuthReport::not_performed(format!(
                    "the chip refused to let EF.CVCA be read ({sw})"
                )),
                Err(e) => return Err(e),
            },
        });
    }
    for ef in wanted {
        if files.contains_key(&ef) || refused.contains_key(&ef) {
            continue;
        }
        match read_resumable(&mut ch, ef).await {
            Ok(bytes) => {
                files.insert(ef, bytes);
            }
            Err(ReadError::Status { sw, .. })
                if sw == StatusWord::SECURITY_STATUS_NOT_SATISFIED =>
            {
                let why = match ef {
                    EfId::Dg(n @ (3 | 4)) => {
                        TerminalAuthReport::refusal_for(ch.ta_report.as_ref(), n)
                    }
                    _ => Refusal::AccessDenied,
                };
                refused.insert(ef, why);
            }
            Err(ReadError::FileNotFound { .. }) => {
                refused.insert(ef, Refusal::NotPresent);
            }
            Err(e) => return Err(e),
        }
    }
    let active_authentication = match files.get(&EfId::Dg(15)).cloned() {
        Some(dg15) if remote.is_none() => {
            let dg14 = files.get(&EfId::Dg(14)).cloned();
            Some(resumable!(
                ch,
                Some(EfId::Dg(15)),
                ch.active_authentication(&dg15, dg14.as_deref()).await
            ))
        }
        _ => None,
    };
    // Last: after a remote Chip Authentication the chip answers only under the verifier's keys.
    let remote_proof = match &remote {
        Some(proof) => Some(resumable!(ch, None, ch.remote_proof(proof).await)),
        None => None,
    };
    let dg1 = files
        .get(&EfId::Dg(1))
        .map(|b| Dg1::decode(b))
        .transpose()?;
    Ok(Document {
        access,
        files,
        refused,
        com: Some(com),
        dg1,
        resumes: ch.resumes,
        chip_authentication,
        active_authentication,
        terminal_authentication: ch.ta_report.take(),
        read_at: ch.now(),
        remote_proof,
    })
}

/// Where DG14's TerminalAuthenticationInfo (version 1) puts EF.CVCA, when it says
/// (TR-03110-3 §A.1.1.3 `efCVCA`): file identifier and short file identifier. `None` for the
/// default (011C / 1C), an unreadable DG14, or a malformed entry (two-byte FID, one-byte SFI
/// of at most 1E).
fn cvca_location(dg14: &[u8]) -> Option<(u16, Option<u8>)> {
    use emrtd_lds::security_infos::SecurityInfo;
    let infos = emrtd_lds::security_infos::SecurityInfos::parse_dg14(dg14).ok()?;
    infos.infos.iter().find_map(|i| match i {
        SecurityInfo::TerminalAuthentication(t) if t.version == 1 => {
            let file = t.ef_cvca.as_ref()?;
            let fid = match file.fid.as_slice() {
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => return None,
            };
            let sfi = match file.sfid.as_deref() {
                None => None,
                Some([s]) if (1..=0x1E).contains(s) => Some(*s),
                Some(_) => return None,
            };
            ((fid, sfi) != (EfId::Cvca.fid(), Some(EfId::Cvca.sfi()))).then_some((fid, sfi))
        }
        _ => None,
    })
}

/// The files a remote verifier chooses its chip proof from: open the chip, keep
/// EF.CardAccess, read DG14 and DG15 where the chip has them. No Chip or Active
/// Authentication runs (the verifier's proof comes in a second read).
pub(crate) async fn proof_files(mut ch: Channel) -> Result<BTreeMap<EfId, Vec<u8>>, ReadError> {
    ch.progress(Progress::Opening);
    resumable!(ch, None, ch.open().await);
    let mut files = BTreeMap::new();
    if let Some(ca) = &ch.card_access {
        files.insert(EfId::CardAccess, ca.clone());
    }
    for ef in [EfId::Dg(14), EfId::Dg(15)] {
        match read_resumable(&mut ch, ef).await {
            Ok(bytes) => {
                files.insert(ef, bytes);
            }
            Err(ReadError::FileNotFound { .. }) => {}
            Err(ReadError::Status { sw, .. })
                if sw == StatusWord::SECURITY_STATUS_NOT_SATISFIED => {}
            Err(e) => return Err(e),
        }
    }
    Ok(files)
}
