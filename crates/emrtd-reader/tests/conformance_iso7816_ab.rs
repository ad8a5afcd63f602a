//! BSI TR-03105-5.1 units ISO7816_A (application selection) and ISO7816_B (Basic Access
//! Control and secure messaging) against hostile virtual chips. See docs/conformance.md.

mod conformance_support;

use conformance_support::*;
use emrtd_access::bac::{BacError, BacKeys};
use emrtd_apdu::{ins, StatusWord};
use emrtd_reader::ReadError;
use emrtd_sim::hostile::{sm_fault, BacFault, Fault, HostileChip, PlainChip, SmFault, When};
use emrtd_sm::SmError;

fn bac_keys() -> BacKeys {
    let p = bac_profile();
    BacKeys::from_mrz_information(&p.parsed_mrz().unwrap().access_key_info().unwrap())
}

/// A BAC chip whose protected answers a hook breaks with a valid MAC.
fn hooked(fault: SmFault, when: When) -> emrtd_sim::VirtualChip {
    let mut c = chip(&bac_profile());
    c.set_response_hook(sm_fault(fault, when));
    c
}

/// The first READ BINARY under secure messaging (the first block of EF.COM).
const FIRST_READ: When = When::ProtectedIns(ins::READ_BINARY, 0);

#[test]
fn iso7816_a_01_unprotected_mrtd() {
    // CFG.DFLT.PLAIN: no BAC, no PACE, every file readable in plain.
    let p = bac_profile();
    let plain = PlainChip::from_chip(&chip(&p));
    let (doc, _) = inspect(plain, &p).successful("ISO7816_A_01");
    assert!(doc.dg1.is_some());
}

#[test]
fn iso7816_a_02_bac_mrtd() {
    let p = bac_profile();
    let (doc, verdict) = inspect(chip(&p), &p).successful("ISO7816_A_02");
    assert_eq!(doc.access.protocol, emrtd_reader::AccessProtocol::Bac);
    assert!(verdict
        .passive_authentication
        .data_groups
        .contains_key(&emrtd_auth::DataGroup::DG2));
}

#[test]
fn iso7816_a_02_application_is_selected_before_bac() {
    // BSI TR-03110-1 §2.4.1: select the ePassport application, then Basic Access Control. A
    // chip that binds BAC to the selected application refuses GET CHALLENGE before.
    let p = bac_profile();
    let chip = hostile(&p, vec![Fault::BacNeedsApplication]);
    inspect(chip, &p).successful("ISO7816_A_02 (order)");
}

#[test]
fn iso7816_a_03_application_selection_failure() {
    // The chip does not know the eMRTD application (6A82): not a travel document.
    for p in [bac_profile(), pace_profile()] {
        let chip = hostile(
            &p,
            vec![Fault::RefuseApplication(StatusWord::FILE_NOT_FOUND)],
        );
        let err = inspect(chip, &p).read_error("ISO7816_A_03");
        assert!(
            matches!(&err, ReadError::Unsupported(what) if what.contains("eMRTD application")),
            "{err:?}"
        );
    }
    // Another refusal is reported with its status word.
    let p = bac_profile();
    let chip = hostile(&p, vec![Fault::RefuseApplication(StatusWord(0x6A86))]);
    let err = inspect(chip, &p).read_error("ISO7816_A_03 (6A86)");
    assert!(
        matches!(err, ReadError::Status { sw, .. } if sw == StatusWord(0x6A86)),
        "{err:?}"
    );
}

#[test]
fn iso7816_b_01_mutual_authentication_mac_failure() {
    let p = bac_profile();
    let chip = hostile(&p, vec![Fault::Bac(BacFault::FlipMac)]);
    let err = inspect(chip, &p).read_error("ISO7816_B_01");
    assert!(
        matches!(err, ReadError::Bac(BacError::MacMismatch)),
        "{err:?}"
    );
}

#[test]
fn iso7816_b_02_mutual_authentication_encryption_failure() {
    // E_IC altered, M_IC recomputed over it: only the decrypted content can tell.
    let p = bac_profile();
    let chip = hostile(
        &p,
        vec![Fault::Bac(BacFault::CorruptCryptogram(bac_keys()))],
    );
    let err = inspect(chip, &p).read_error("ISO7816_B_02");
    assert!(
        matches!(err, ReadError::Bac(BacError::NonceMismatch)),
        "{err:?}"
    );
}

#[test]
fn iso7816_b_03_mutual_authentication_failure() {
    let p = bac_profile();
    // The chip echoes a wrong RND.IFD, properly encrypted and MACed.
    let chip = hostile(&p, vec![Fault::Bac(BacFault::WrongNonce(bac_keys()))]);
    let err = inspect(chip, &p).read_error("ISO7816_B_03");
    assert!(
        matches!(err, ReadError::Bac(BacError::NonceMismatch)),
        "{err:?}"
    );
    // The chip refuses the terminal's cryptogram.
    let chip = hostile(
        &p,
        vec![Fault::Bac(BacFault::Status(
            StatusWord::VERIFICATION_FAILED,
        ))],
    );
    let err = inspect(chip, &p).read_error("ISO7816_B_03 (6300)");
    assert!(matches!(err, ReadError::AccessDenied), "{err:?}");
}

#[test]
fn iso7816_b_04_sm_failure_returned_by_mrtd() {
    // The chip answers a protected READ BINARY with a plain SM error status: it has ended the
    // session (field-quirks.md: a US passport answered 6988 right after BAC and read fine after
    // BAC was repeated). Nothing is taken from the answer; access control runs again and the
    // read goes on under the new session.
    for sw in [StatusWord::SM_DATA_MISSING, StatusWord::SM_DATA_INCORRECT] {
        let p = bac_profile();
        let chip = hostile(&p, vec![Fault::PlainStatus(FIRST_READ, sw)]);
        let (doc, _) = inspect(chip, &p).successful("ISO7816_B_04");
        assert_eq!(doc.resumes, 1, "{sw}");
    }
}

#[test]
fn iso7816_b_05_sm_failure_mac_missing() {
    let p = bac_profile();
    let chip = hostile(&p, vec![Fault::DropMac(FIRST_READ)]);
    let err = inspect(chip, &p).read_error("ISO7816_B_05");
    assert!(
        matches!(err, ReadError::SecureMessaging(SmError::MissingDo(0x8E))),
        "{err:?}"
    );
}

#[test]
fn iso7816_b_06_sm_failure_cryptogram_missing() {
    // DO'87' left out of a READ BINARY answer that must carry data; the MAC is valid.
    let p = bac_profile();
    let err = inspect(hooked(SmFault::DropCryptogram, FIRST_READ), &p).read_error("ISO7816_B_06");
    assert!(
        matches!(&err, ReadError::Malformed(m) if m.contains("COM")),
        "{err:?}"
    );
}

#[test]
fn iso7816_b_07_sm_failure_secured_status_bytes_missing() {
    let p = bac_profile();
    let err = inspect(hooked(SmFault::DropStatus, FIRST_READ), &p).read_error("ISO7816_B_07");
    assert!(
        matches!(err, ReadError::SecureMessaging(SmError::MissingDo(0x99))),
        "{err:?}"
    );
}

#[test]
fn iso7816_b_08_sm_failure_incorrect_mac() {
    let p = bac_profile();
    for when in [
        When::Protected(0),
        FIRST_READ,
        When::ProtectedIns(ins::READ_BINARY, 3),
    ] {
        let chip = hostile(&p, vec![Fault::FlipMac(when)]);
        let err = inspect(chip, &p).read_error("ISO7816_B_08");
        assert!(
            matches!(err, ReadError::SecureMessaging(SmError::MacMismatch)),
            "{when:?}: {err:?}"
        );
    }
}

#[test]
fn iso7816_b_09_sm_failure_incorrect_cryptogram() {
    let p = bac_profile();
    // The padding of the decrypted data is broken (MAC valid).
    let err =
        inspect(hooked(SmFault::BreakPadding, FIRST_READ), &p).read_error("ISO7816_B_09 padding");
    assert!(
        matches!(err, ReadError::SecureMessaging(SmError::BadPadding)),
        "{err:?}"
    );
    // The data decrypts to garbage with valid padding: the garbled EF.COM is not accepted.
    let (stage, why) =
        inspect(hooked(SmFault::GarbleData, FIRST_READ), &p).failed("ISO7816_B_09 garbled");
    assert_eq!(stage, Stage::Read, "{why}");
    // Garbled DG1 (third READ BINARY: EF.COM, EF.SOD header, ...) fails later: never valid.
    for n in 1..8 {
        let (stage, why) = inspect(
            hooked(SmFault::GarbleData, When::ProtectedIns(ins::READ_BINARY, n)),
            &p,
        )
        .failed("ISO7816_B_09 garbled later");
        assert!(matches!(stage, Stage::Read | Stage::Verify), "{n}: {why}");
    }
}

// ISO7816_B_10 (revocation list): a CRL of the test CSCA cannot be made here (its private key
// is not kept); see emrtd-auth/tests/lds_h.rs (signing_time_validity_and_crls).

// ---- robustness of secure messaging beyond the plan's cases ---------------------------------

#[test]
fn replayed_answer_is_rejected() {
    // The answer to the first protected command sent again for a later one: its MAC was made
    // with an older send sequence counter.
    let p = bac_profile();
    let chip = hostile(
        &p,
        vec![Fault::Replay {
            when: When::Protected(2),
            earlier: 1,
        }],
    );
    let err = inspect(chip, &p).read_error("replay");
    assert!(
        matches!(err, ReadError::SecureMessaging(SmError::MacMismatch)),
        "{err:?}"
    );
}

#[test]
fn truncated_odd_and_oversized_answers_are_errors() {
    let p = bac_profile();
    for (fault, what) in [
        (Fault::Truncate(FIRST_READ, 1), "one byte"),
        (Fault::Truncate(FIRST_READ, 12), "cut objects"),
        (Fault::Oversize(FIRST_READ, 3), "bytes after 8E"),
    ] {
        let chip = hostile(&p, vec![fault]);
        let (stage, why) = inspect(chip, &p).failed(what);
        assert_eq!(stage, Stage::Read, "{what}: {why}");
    }
    // No bytes at all (not even a status word) is a lost card: resumed, nothing taken from it.
    let chip = hostile(&p, vec![Fault::Truncate(FIRST_READ, 0)]);
    let (doc, _) = inspect(chip, &p).successful("empty answer");
    assert_eq!(doc.resumes, 1);
    // The plain status word after the objects is not authenticated: DO'99' decides.
    let chip = hostile(&p, vec![Fault::StatusWord(FIRST_READ, StatusWord(0x6F00))]);
    inspect(chip, &p).successful("outer SW differs from DO'99'");
    // A protected answer with more data than asked (valid MAC).
    let err =
        inspect(hooked(SmFault::Oversize(300), FIRST_READ), &p).read_error("oversized protected");
    assert!(
        matches!(&err, ReadError::Malformed(m) if m.contains("asked for")),
        "{err:?}"
    );
    // DO'99' saying "wrong length" where the chip had data (valid MAC): the reader trusts the
    // authenticated status word and stops.
    let (stage, why) =
        inspect(hooked(SmFault::Status(StatusWord(0x6F00)), FIRST_READ), &p).failed("DO'99' 6F00");
    assert_eq!(stage, Stage::Read, "{why}");
}

#[test]
fn the_session_is_never_resumed_after_an_sm_error() {
    // After a broken answer the reader must not go on with the same keys.
    let p = bac_profile();
    let mut chip = HostileChip::new(chip(&p), vec![Fault::FlipMac(FIRST_READ)]);
    let _ = inspect(&mut chip, &p).read_error("session end");
    let after = chip
        .exchanges()
        .iter()
        .skip_while(|(c, _)| !(c.get(1) == Some(&ins::READ_BINARY) && c[0] & 0x0C == 0x0C))
        .count();
    assert_eq!(after, 1, "{:02X?}", chip.exchanges());
}
