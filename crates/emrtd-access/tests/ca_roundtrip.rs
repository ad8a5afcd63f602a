//! Chip Authentication v1 between [`CaTerminal`] and [`CaChip`] through real secure messaging:
//! ECDH (P-256, brainpoolP256r1, P-384) and DH (1024- and 2048-bit MODP), 3DES and AES,
//! both command styles, DG14 encoding, and failures (bad keys, key ids, chip errors, clones).

use emrtd_access::ca::{
    self, chip_authentication_info, CaChip, CaCommandStyle, CaError, CaReport, CaStatus,
    CaTerminal, DomainParameterEncoding,
};
use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::pk::{Group, PkError};
use emrtd_crypto::sym::Cipher;
use emrtd_lds::security_infos::{
    CaAlgorithm, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, CipherSuite,
    KeyAgreement, SecurityInfo, SecurityInfos,
};
use emrtd_sm::SecureMessaging;
use rand::{rngs::StdRng, RngCore, SeedableRng};

fn alg(ka: KeyAgreement, cipher: CipherSuite) -> CaAlgorithm {
    CaAlgorithm {
        key_agreement: ka,
        cipher,
    }
}

fn ka_of(group: &Group) -> KeyAgreement {
    if group.is_ec() {
        KeyAgreement::Ecdh
    } else {
        KeyAgreement::Dh
    }
}

/// A pre-CA secure messaging session (as after BAC or PACE), both ends.
fn old_sessions(rng: &mut StdRng, cipher: Cipher) -> (SecureMessaging, SecureMessaging) {
    let mut enc = vec![0u8; cipher.key_len()];
    let mut mac = vec![0u8; cipher.key_len()];
    let mut ssc = vec![0u8; cipher.block_size()];
    rng.fill_bytes(&mut enc);
    rng.fill_bytes(&mut mac);
    rng.fill_bytes(&mut ssc);
    (
        SecureMessaging::new(cipher, &enc, &mac, &ssc).unwrap(),
        SecureMessaging::new(cipher, &enc, &mac, &ssc).unwrap(),
    )
}

/// The reader and the chip, connected by secure messaging.
struct Link {
    terminal_sm: SecureMessaging,
    chip_sm: SecureMessaging,
    /// The terminal's pre-CA session, kept after the switch.
    previous_terminal_sm: Option<SecureMessaging>,
}

impl Link {
    fn new(rng: &mut StdRng, cipher: Cipher) -> Self {
        let (terminal_sm, chip_sm) = old_sessions(rng, cipher);
        Link {
            terminal_sm,
            chip_sm,
            previous_terminal_sm: None,
        }
    }
}

impl Link {
    /// Sends a plain command through SM; the chip answers with `chip` (which may hand over a new
    /// session, installed after protecting its answer with the old one). Returns the result of
    /// unprotecting the answer on the terminal side.
    fn exchange(&mut self, cmd: &CommandApdu, chip: &mut CaChip) -> ResponseApdu {
        let wire = self.terminal_sm.protect(cmd).unwrap();
        let wire = CommandApdu::parse(&wire.to_bytes().unwrap()).unwrap();
        let plain = self.chip_sm.unprotect_command(&wire).unwrap();
        assert_eq!(plain.data, cmd.data);
        let (resp, new_session) = chip.handle(&plain);
        let protected = self.chip_sm.protect_response(&resp).unwrap();
        if let Some(s) = new_session {
            self.chip_sm = s;
        }
        let wire = ResponseApdu::parse(&protected.to_bytes()).unwrap();
        self.terminal_sm.unprotect(&wire).unwrap()
    }
}

/// Runs CA; returns the error, if any, and the report (confirmed when the key agreement
/// succeeded).
fn run(
    terminal: &mut CaTerminal,
    chip: &mut CaChip,
    link: &mut Link,
) -> (Option<CaError>, CaReport) {
    let commands = terminal.commands();
    for (i, cmd) in commands.iter().enumerate() {
        let resp = link.exchange(cmd, chip);
        let step = if i + 1 < commands.len() {
            terminal.check_intermediate(&resp).map(|_| None)
        } else {
            terminal.finish(&resp).map(Some)
        };
        match step {
            Ok(None) => {}
            Ok(Some((session, mut report))) => {
                assert_eq!(report.status, CaStatus::PendingConfirmation);
                assert!(session.ssc().iter().all(|b| *b == 0), "SSC restarts at 0");
                link.previous_terminal_sm = Some(std::mem::replace(&mut link.terminal_sm, session));
                // Confirmation under the new keys.
                let wire = link
                    .terminal_sm
                    .protect(&ca::confirmation_command())
                    .unwrap();
                let answer = match link.chip_sm.unprotect_command(&wire) {
                    Ok(_) => link
                        .chip_sm
                        .protect_response(&ResponseApdu::status(StatusWord::OK))
                        .unwrap(),
                    Err(_) => ResponseApdu::status(StatusWord::SM_DATA_INCORRECT),
                };
                report.confirm(&link.terminal_sm.unprotect(&answer));
                return (None, report);
            }
            Err(e) => {
                let report = terminal.failure_report(&e);
                return (Some(e), report);
            }
        }
    }
    unreachable!("the last command returns");
}

/// Chip with a random key, DG14 from the chip's SecurityInfos (parsed back), terminal from it.
fn setup(
    rng: &mut StdRng,
    group: Group,
    cipher: CipherSuite,
    key_id: Option<i64>,
    encoding: DomainParameterEncoding,
) -> (CaChip, SecurityInfos) {
    let info = chip_authentication_info(alg(ka_of(&group), cipher), key_id);
    let chip = CaChip::generate(group, &info, rng).unwrap();
    let dg14 = SecurityInfos {
        infos: chip.security_infos(encoding).unwrap(),
    }
    .to_dg14();
    let parsed = SecurityInfos::parse_dg14(&dg14).unwrap();
    assert_eq!(parsed.to_dg14(), dg14, "DG14 entries re-encode unchanged");
    (chip, parsed)
}

fn round_trip(group_id: u32, cipher: CipherSuite, style: Option<CaCommandStyle>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let group = Group::standardized(group_id).unwrap();
    for encoding in [
        DomainParameterEncoding::Explicit,
        DomainParameterEncoding::Standardized,
    ] {
        for key_id in [None, Some(7)] {
            let (mut chip, infos) = setup(&mut rng, group.clone(), cipher, key_id, encoding);
            let (info, key) = ca::select(&infos).unwrap();
            let mut terminal = CaTerminal::new(info, key, &mut rng).unwrap();
            if let Some(style) = style {
                terminal = terminal.with_command_style(style).unwrap();
            }
            let style = terminal.command_style();
            let mut link = Link::new(&mut rng, Cipher::Aes128);
            let (err, report) = run(&mut terminal, &mut chip, &mut link);
            assert_eq!(err, None);
            assert_eq!(report.status, CaStatus::Passed, "{}", report.reason);
            assert_eq!(report.key_id, key_id);
            assert_eq!(report.command_style, Some(style));
            assert_eq!(
                link.terminal_sm.key_cipher(),
                ca::sym_cipher(cipher),
                "new session uses the CA cipher"
            );

            // ISO7816_G_09: the old keys are gone on the chip.
            let mut stale = link.previous_terminal_sm.take().unwrap();
            let wire = stale.protect(&ca::confirmation_command()).unwrap();
            assert!(link.chip_sm.unprotect_command(&wire).is_err());
        }
    }
}

#[test]
fn ecdh_p256_aes128() {
    round_trip(12, CipherSuite::Aes128, None, 1);
}

#[test]
fn ecdh_brainpool_p256_3des_set_kat() {
    round_trip(13, CipherSuite::Tdes, None, 2);
}

#[test]
fn ecdh_brainpool_p256_3des_set_at() {
    round_trip(
        13,
        CipherSuite::Tdes,
        Some(CaCommandStyle::MseSetAtGeneralAuthenticate),
        3,
    );
}

#[test]
fn ecdh_p384_aes256() {
    round_trip(15, CipherSuite::Aes256, None, 4);
}

#[test]
fn ecdh_p384_aes192() {
    round_trip(15, CipherSuite::Aes192, None, 5);
}

#[test]
fn dh_1024_3des() {
    round_trip(0, CipherSuite::Tdes, None, 6);
}

#[test]
fn dh_2048_aes128() {
    round_trip(2, CipherSuite::Aes128, None, 7);
}

#[test]
fn dh_2048_aes256_set_kat_is_refused_for_aes() {
    let mut rng = StdRng::seed_from_u64(8);
    let (_, infos) = setup(
        &mut rng,
        Group::standardized(2).unwrap(),
        CipherSuite::Aes256,
        None,
        DomainParameterEncoding::Explicit,
    );
    let (info, key) = ca::select(&infos).unwrap();
    let terminal = CaTerminal::new(info, key, &mut rng).unwrap();
    assert_eq!(
        terminal
            .with_command_style(CaCommandStyle::MseSetKat)
            .unwrap_err(),
        CaError::KatWithAes
    );
}

#[test]
fn command_encoding() {
    let mut rng = StdRng::seed_from_u64(9);
    let (_, infos) = setup(
        &mut rng,
        Group::standardized(13).unwrap(),
        CipherSuite::Tdes,
        Some(0x0102),
        DomainParameterEncoding::Explicit,
    );
    let (info, key) = ca::select(&infos).unwrap();
    let t = CaTerminal::new(info, key, &mut rng).unwrap();
    let pk = t.ephemeral_public_key().to_vec();
    assert_eq!(pk.len(), 65);
    assert_eq!(pk[0], 0x04);
    assert_eq!(t.compressed_ephemeral_public_key(), &pk[1..33]);
    let kat = &t.commands()[0];
    assert_eq!((kat.cla, kat.ins, kat.p1, kat.p2), (0x00, 0x22, 0x41, 0xA6));
    let mut expected = vec![0x91, 0x41];
    expected.extend(&pk);
    expected.extend([0x84, 0x02, 0x01, 0x02]);
    assert_eq!(kat.data, expected);
    assert_eq!(kat.le, None);

    let t = t
        .with_command_style(CaCommandStyle::MseSetAtGeneralAuthenticate)
        .unwrap();
    let cmds = t.commands();
    assert_eq!(
        cmds[0].to_bytes().unwrap(),
        hex::decode("002241A410800A04007F0007020203020184020102").unwrap()
    );
    let mut ga = hex::decode("0086000045 7C438041".replace(' ', "")).unwrap();
    ga.extend(&pk);
    ga.push(0x00);
    assert_eq!(cmds[1].to_bytes().unwrap(), ga);

    // DH 2048: the GENERAL AUTHENTICATE needs extended length.
    let (_, infos) = setup(
        &mut rng,
        Group::standardized(2).unwrap(),
        CipherSuite::Aes128,
        None,
        DomainParameterEncoding::Explicit,
    );
    let (info, key) = ca::select(&infos).unwrap();
    let t = CaTerminal::new(info, key, &mut rng).unwrap();
    let ga = &t.commands()[1];
    assert!(ga.is_extended());
    assert_eq!(ga.le, Some(65536));
    assert_eq!(t.compressed_ephemeral_public_key().len(), 20);
}

// ---------------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------------

fn ecdh_pair(
    seed: u64,
    cipher: CipherSuite,
    key_id: Option<i64>,
) -> (StdRng, CaChip, SecurityInfos) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (chip, infos) = setup(
        &mut rng,
        Group::standardized(13).unwrap(),
        cipher,
        key_id,
        DomainParameterEncoding::Explicit,
    );
    (rng, chip, infos)
}

fn public_key_mut(infos: &mut SecurityInfos) -> &mut ChipAuthenticationPublicKeyInfo {
    infos
        .infos
        .iter_mut()
        .find_map(|i| match i {
            SecurityInfo::ChipAuthenticationPublicKey(k) => Some(k),
            _ => None,
        })
        .unwrap()
}

fn ca_info_mut(infos: &mut SecurityInfos) -> &mut ChipAuthenticationInfo {
    infos
        .infos
        .iter_mut()
        .find_map(|i| match i {
            SecurityInfo::ChipAuthentication(k) => Some(k),
            _ => None,
        })
        .unwrap()
}

#[test]
fn invalid_chip_point_in_dg14() {
    let (mut rng, _, mut infos) = ecdh_pair(20, CipherSuite::Aes128, None);
    let last = public_key_mut(&mut infos)
        .public_key
        .subject_public_key
        .last_mut()
        .unwrap();
    *last ^= 1;
    let (info, key) = ca::select(&infos).unwrap();
    let err = CaTerminal::new(info, key, &mut rng).unwrap_err();
    assert_eq!(err, CaError::InvalidChipKey(PkError::NotOnCurve));
    let report = CaReport::failed_setup(&err, info, Some(key));
    assert_eq!(report.status, CaStatus::Failed);
    assert!(
        report.reason.contains("not on the curve"),
        "{}",
        report.reason
    );
    assert_eq!(
        report.algorithm.as_deref(),
        Some("id-CA-ECDH-AES-CBC-CMAC-128")
    );

    // Compressed point, truncated point, DH value out of range.
    for bad in [vec![0x02; 33], vec![0x04; 10], vec![]] {
        public_key_mut(&mut infos).public_key.subject_public_key = bad;
        let (info, key) = ca::select(&infos).unwrap();
        assert!(matches!(
            CaTerminal::new(info, key, &mut rng),
            Err(CaError::InvalidChipKey(_))
        ));
    }
    let (_, mut dh_infos) = setup(
        &mut rng,
        Group::standardized(0).unwrap(),
        CipherSuite::Tdes,
        None,
        DomainParameterEncoding::Standardized,
    );
    public_key_mut(&mut dh_infos).public_key.subject_public_key = vec![0x02, 0x01, 0x01];
    let (info, key) = ca::select(&dh_infos).unwrap();
    assert_eq!(
        CaTerminal::new(info, key, &mut rng).unwrap_err(),
        CaError::InvalidChipKey(PkError::PublicValueOutOfRange)
    );
}

/// Sends a hand-made MSE:Set KAT / GENERAL AUTHENTICATE with `key` to the chip.
fn chip_answer_to_key(chip: &mut CaChip, style: CaCommandStyle, key: &[u8]) -> ResponseApdu {
    match style {
        CaCommandStyle::MseSetKat => {
            let cmd = CommandApdu::new(0, 0x22, 0x41, 0xA6).with_data(emrtd_tlv::encode(0x91, key));
            let (resp, session) = chip.handle(&cmd);
            assert!(session.is_none() || resp.sw == StatusWord::OK);
            resp
        }
        CaCommandStyle::MseSetAtGeneralAuthenticate => {
            let oid = emrtd_lds::sod::oid_from_str(&ca::protocol_oid(&chip.algorithm())).unwrap();
            let mse =
                CommandApdu::new(0, 0x22, 0x41, 0xA4).with_data(emrtd_tlv::encode(0x80, &oid));
            assert_eq!(chip.handle(&mse).0.sw, StatusWord::OK);
            let ga = CommandApdu::new(0, 0x86, 0, 0)
                .with_data(emrtd_tlv::encode(0x7C, &emrtd_tlv::encode(0x80, key)))
                .with_le(256);
            let (resp, session) = chip.handle(&ga);
            assert_eq!(session.is_some(), resp.sw == StatusWord::OK);
            resp
        }
    }
}

#[test]
fn chip_rejects_invalid_terminal_keys() {
    let (_, mut chip, _) = ecdh_pair(21, CipherSuite::Tdes, None);
    let good = chip.public_key().to_vec();
    for style in [
        CaCommandStyle::MseSetKat,
        CaCommandStyle::MseSetAtGeneralAuthenticate,
    ] {
        // A valid point is accepted.
        assert_eq!(
            chip_answer_to_key(&mut chip, style, &good).sw,
            StatusWord::OK
        );
        let mut off_curve = good.clone();
        *off_curve.last_mut().unwrap() ^= 1;
        let mut x_too_big = good.clone();
        x_too_big[1..33].fill(0xFF);
        for bad in [
            off_curve,
            x_too_big,
            good[..33].to_vec(),
            vec![0x00],
            vec![],
        ] {
            let resp = chip_answer_to_key(&mut chip, style, &bad);
            assert_eq!(
                resp.sw,
                StatusWord::WRONG_DATA,
                "{style:?} {}",
                hex::encode(&bad)
            );
            assert!(resp.data.is_empty());
        }
    }

    // DH: 1, p−1 and an element outside the prime-order subgroup.
    let mut rng = StdRng::seed_from_u64(22);
    let group = Group::standardized(0).unwrap();
    let info = chip_authentication_info(alg(KeyAgreement::Dh, CipherSuite::Tdes), None);
    let mut dh_chip = CaChip::generate(group.clone(), &info, &mut rng).unwrap();
    let Group::Dh(g) = &group else { unreachable!() };
    let mut p_minus_1 = g.p();
    *p_minus_1.last_mut().unwrap() -= 1;
    for bad in [vec![0x01], p_minus_1, vec![0x02], g.p()] {
        let resp = chip_answer_to_key(&mut dh_chip, CaCommandStyle::MseSetKat, &bad);
        assert_eq!(resp.sw, StatusWord::WRONG_DATA);
    }
    assert_eq!(
        group.decode_public_key(&[0x02]).unwrap_err(),
        PkError::NotInSubgroup,
        "2 is outside the 160-bit subgroup"
    );
}

#[test]
fn terminal_reports_chip_refusing_its_key() {
    // A chip that refuses (here: the terminal's key is for another curve) → failed report,
    // old session still usable.
    let (mut rng, mut chip, _) = ecdh_pair(23, CipherSuite::Aes128, None);
    let (_, other_infos) = setup(
        &mut rng,
        Group::standardized(12).unwrap(),
        CipherSuite::Aes128,
        None,
        DomainParameterEncoding::Explicit,
    );
    let (info, key) = ca::select(&other_infos).unwrap();
    let mut terminal = CaTerminal::new(info, key, &mut rng).unwrap();
    let mut link = Link::new(&mut rng, Cipher::Tdes);
    let (err, report) = run(&mut terminal, &mut chip, &mut link);
    let err = err.unwrap();
    assert!(matches!(
        err,
        CaError::ChipRejected {
            command: "GENERAL AUTHENTICATE",
            sw: 0x6A80,
            ..
        }
    ));
    assert_eq!(report.status, CaStatus::Failed);
    assert!(report.reason.contains("6A80"), "{}", report.reason);
    // The old session continues.
    let resp = link.exchange(&ca::confirmation_command(), &mut chip);
    assert_eq!(resp.sw, StatusWord::INS_NOT_SUPPORTED);
}

#[test]
fn wrong_key_id() {
    for (style, command) in [
        (CaCommandStyle::MseSetKat, "MSE:Set KAT"),
        (CaCommandStyle::MseSetAtGeneralAuthenticate, "MSE:Set AT"),
    ] {
        let (mut rng, mut chip, mut infos) = ecdh_pair(24, CipherSuite::Tdes, Some(7));
        ca_info_mut(&mut infos).key_id = Some(8);
        public_key_mut(&mut infos).key_id = Some(8);
        let (info, key) = ca::select(&infos).unwrap();
        let mut terminal = CaTerminal::new(info, key, &mut rng)
            .unwrap()
            .with_command_style(style)
            .unwrap();
        let mut link = Link::new(&mut rng, Cipher::Aes256);
        let (err, report) = run(&mut terminal, &mut chip, &mut link);
        let err = err.unwrap();
        assert_eq!(
            err,
            CaError::ChipRejected {
                command,
                sw: 0x6A88,
                meaning: StatusWord::REFERENCED_DATA_NOT_FOUND.describe(),
            }
        );
        assert_eq!(report.key_id, Some(8));
    }
}

#[test]
fn inconsistent_dg14() {
    let (_, _, infos) = ecdh_pair(25, CipherSuite::Aes128, Some(1));
    // Key id mismatch between ChipAuthenticationInfo and the key.
    let mut bad = infos.clone();
    ca_info_mut(&mut bad).key_id = Some(2);
    assert_eq!(ca::select(&bad).unwrap_err(), CaError::KeyNotFound(2));
    let (info, key) = ca::select(&infos).unwrap();
    let other = ChipAuthenticationInfo {
        key_id: Some(2),
        ..info.unwrap().clone()
    };
    let mut rng = StdRng::seed_from_u64(1);
    assert_eq!(
        CaTerminal::new(Some(&other), key, &mut rng).unwrap_err(),
        CaError::KeyIdMismatch { info: 2, key: 1 }
    );
    // LDS_F_06: version 10; CA version 2 is not version 1.
    for version in [10, 2, 0] {
        let mut bad = infos.clone();
        ca_info_mut(&mut bad).version = version;
        assert_eq!(
            ca::select(&bad).unwrap_err(),
            CaError::UnsupportedVersion(version)
        );
        let (info, key) = (
            ca_info_mut(&mut bad).clone(),
            public_key_mut(&mut bad).clone(),
        );
        if version == 2 {
            // Given explicitly, a version-2 entry runs Chip Authentication version 2.
            let t = CaTerminal::new(Some(&info), &key, &mut rng).unwrap();
            assert_eq!(t.version(), ca::CaVersion::V2);
            continue;
        }
        let err = CaTerminal::new(Some(&info), &key, &mut rng).unwrap_err();
        assert_eq!(err, CaError::UnsupportedVersion(version));
        assert_eq!(
            CaReport::failed_setup(&err, Some(&info), Some(&key)).key_id,
            Some(1)
        );
    }
    // DH protocol with an EC key.
    let mut bad = infos.clone();
    let info = ca_info_mut(&mut bad);
    info.algorithm = Some(alg(KeyAgreement::Dh, CipherSuite::Aes128));
    info.protocol = ca::protocol_oid(&info.algorithm.unwrap());
    let (info, key) = ca::select(&bad).unwrap();
    assert!(matches!(
        CaTerminal::new(info, key, &mut rng),
        Err(CaError::KeyAgreementMismatch(_))
    ));
    // Unknown protocol OID (LDS_F_04 style).
    let mut bad = infos.clone();
    let info = ca_info_mut(&mut bad);
    info.algorithm = None;
    info.protocol = "0.4.0.127.0.7.2.2.1.3".into();
    assert!(matches!(ca::select(&bad), Err(CaError::UnknownProtocol(_))));
    // No key at all; two keys without ids and no ChipAuthenticationInfo.
    let mut none = infos.clone();
    none.infos
        .retain(|i| !matches!(i, SecurityInfo::ChipAuthenticationPublicKey(_)));
    assert_eq!(ca::select(&none).unwrap_err(), CaError::NoPublicKey);
    let mut two = infos.clone();
    two.infos
        .retain(|i| matches!(i, SecurityInfo::ChipAuthenticationPublicKey(_)));
    public_key_mut(&mut two).key_id = None;
    two.infos.push(two.infos[0].clone());
    assert_eq!(ca::select(&two).unwrap_err(), CaError::AmbiguousKey(2));
    // A negative key id cannot be sent.
    let mut neg = infos.clone();
    ca_info_mut(&mut neg).key_id = Some(-1);
    public_key_mut(&mut neg).key_id = Some(-1);
    let (info, key) = ca::select(&neg).unwrap();
    assert_eq!(
        CaTerminal::new(info, key, &mut rng).unwrap_err(),
        CaError::InvalidKeyId(-1)
    );
}

#[test]
fn selection_prefers_aes_and_keeps_inference() {
    let mut rng = StdRng::seed_from_u64(26);
    let group = Group::standardized(13).unwrap();
    let tdes = CaChip::generate(
        group.clone(),
        &chip_authentication_info(alg(KeyAgreement::Ecdh, CipherSuite::Tdes), Some(1)),
        &mut rng,
    )
    .unwrap();
    let aes = CaChip::generate(
        group,
        &chip_authentication_info(alg(KeyAgreement::Ecdh, CipherSuite::Aes256), Some(2)),
        &mut rng,
    )
    .unwrap();
    let mut infos = tdes
        .security_infos(DomainParameterEncoding::Explicit)
        .unwrap();
    infos.extend(
        aes.security_infos(DomainParameterEncoding::Standardized)
            .unwrap(),
    );
    let infos = SecurityInfos { infos };
    let (info, key) = ca::select(&infos).unwrap();
    assert_eq!(info.unwrap().key_id, Some(2));
    assert_eq!(key.key_id, Some(2));

    // Without ChipAuthenticationInfo: 3DES assumed, Set KAT.
    let only_key = SecurityInfos {
        infos: vec![SecurityInfo::ChipAuthenticationPublicKey(
            tdes.public_key_info(DomainParameterEncoding::Explicit)
                .unwrap(),
        )],
    };
    let (info, key) = ca::select(&only_key).unwrap();
    assert!(info.is_none());
    let t = CaTerminal::new(info, key, &mut rng).unwrap();
    assert_eq!(t.algorithm(), alg(KeyAgreement::Ecdh, CipherSuite::Tdes));
    assert_eq!(t.command_style(), CaCommandStyle::MseSetKat);
}

#[test]
fn cloned_chip_fails_confirmation() {
    // A clone copies DG14 but not the private key: it answers the CA commands with 9000, yet
    // cannot answer under the new keys.
    let (mut rng, real, infos) = ecdh_pair(27, CipherSuite::Aes128, None);
    let info = real.chip_authentication_info();
    let mut clone = CaChip::generate(Group::standardized(13).unwrap(), &info, &mut rng).unwrap();
    let (info, key) = ca::select(&infos).unwrap();
    let mut terminal = CaTerminal::new(info, key, &mut rng).unwrap();
    let mut link = Link::new(&mut rng, Cipher::Aes128);
    let (err, report) = run(&mut terminal, &mut clone, &mut link);
    assert_eq!(err, None, "the clone answers the CA commands");
    assert_eq!(report.status, CaStatus::Failed);
    assert!(report.reason.contains("possible clone") || report.reason.contains("plain status"));

    // A clone that answers with SM under keys of its own: MAC failure.
    let mut pending = report.clone();
    pending.status = CaStatus::PendingConfirmation;
    let (mut t_sm, _) = old_sessions(&mut rng, Cipher::Aes128);
    let (_, mut other) = old_sessions(&mut rng, Cipher::Aes128);
    t_sm.protect(&ca::confirmation_command()).unwrap();
    let forged = other
        .protect_response(&ResponseApdu::status(StatusWord::OK))
        .unwrap();
    pending.confirm(&t_sm.unprotect(&forged));
    assert_eq!(pending.status, CaStatus::Failed);
    assert!(
        pending.reason.contains("possible clone"),
        "{}",
        pending.reason
    );
    // Confirming a failed report does not make it pass.
    pending.confirm(&Ok(ResponseApdu::status(StatusWord::OK)));
    assert_eq!(pending.status, CaStatus::Failed);
}

#[test]
fn terminal_rejects_unexpected_answers() {
    let (mut rng, _, infos) = ecdh_pair(28, CipherSuite::Aes128, None);
    let (info, key) = ca::select(&infos).unwrap();
    let new = |rng: &mut StdRng| CaTerminal::new(info, key, rng).unwrap();
    let ok = |data: &str| ResponseApdu::new(hex::decode(data).unwrap(), StatusWord::OK);

    // MSE:Set AT refused / with data.
    let t = new(&mut rng);
    assert!(matches!(
        t.check_intermediate(&ResponseApdu::status(StatusWord::WRONG_DATA)),
        Err(CaError::ChipRejected { sw: 0x6A80, .. })
    ));
    assert!(t.check_intermediate(&ok("01")).is_err());
    assert!(t.check_intermediate(&ok("")).is_ok());

    // GENERAL AUTHENTICATE answers.
    for (data, fine) in [
        ("7C00", true),
        ("", true),
        ("7C0A810842C7B3072A3EDC60", false),
        ("7C03800101", false),
        ("7D00", false),
        ("7C", false),
        ("7C0500", false),
        ("7C00FF", false),
    ] {
        let mut t = new(&mut rng);
        let r = t.finish(&ok(data));
        assert_eq!(r.is_ok(), fine, "{data}");
        if let Err(e) = r {
            let report = t.failure_report(&e);
            assert_eq!(report.status, CaStatus::Failed);
            if data.starts_with("7C0A81") {
                assert!(report.reason.contains("version 2"), "{}", report.reason);
            }
        }
    }
    let mut t = new(&mut rng);
    for sw in [0x6982u16, 0x6985, 0x6A88, 0x6F00, 0x6300] {
        let e = t.finish(&ResponseApdu::status(StatusWord(sw))).unwrap_err();
        assert!(matches!(e, CaError::ChipRejected { sw: s, .. } if s == sw));
        assert!(t.failure_report(&e).reason.contains(&format!("{sw:04X}")));
    }
    // finish twice.
    assert!(t.finish(&ok("7C00")).is_ok());
    assert!(matches!(
        t.finish(&ok("7C00")),
        Err(CaError::InvalidState(_))
    ));

    // Set KAT: data in the answer is unexpected; check_intermediate makes no sense.
    let mut t = new(&mut rng);
    let (_, _, tdes_infos) = ecdh_pair(29, CipherSuite::Tdes, None);
    let (i2, k2) = ca::select(&tdes_infos).unwrap();
    let mut kat = CaTerminal::new(i2, k2, &mut rng).unwrap();
    assert!(kat.check_intermediate(&ok("")).is_err());
    assert!(kat.finish(&ok("7C00")).is_err());
    assert!(kat.finish(&ok("")).is_ok());
    assert!(t.finish(&ok("7C00")).is_ok());
}

#[test]
fn chip_protocol_errors() {
    let (_, mut chip, _) = ecdh_pair(30, CipherSuite::Aes128, Some(3));
    let pk = chip.public_key().to_vec();
    let ga = CommandApdu::new(0, 0x86, 0, 0)
        .with_data(emrtd_tlv::encode(0x7C, &emrtd_tlv::encode(0x80, &pk)))
        .with_le(256);
    // GENERAL AUTHENTICATE without MSE:Set AT.
    assert!(!chip.handles(&ga));
    assert_eq!(chip.handle(&ga).0.sw, StatusWord::CONDITIONS_NOT_SATISFIED);
    // MSE:Set KAT with an AES protocol.
    let kat = CommandApdu::new(0, 0x22, 0x41, 0xA6).with_data(emrtd_tlv::encode(0x91, &pk));
    assert_eq!(chip.handle(&kat).0.sw, StatusWord::WRONG_DATA);
    let mse =
        |data: &str| CommandApdu::new(0, 0x22, 0x41, 0xA4).with_data(hex::decode(data).unwrap());
    // Wrong OID (3DES instead of AES-128), PACE OID, missing OID, unknown tag, duplicate tag.
    for (data, sw) in [
        ("800A04007F00070202030201", StatusWord::WRONG_DATA),
        ("800A04007F00070202040202", StatusWord::WRONG_DATA),
        ("840103", StatusWord::WRONG_DATA),
        ("800A04007F00070202030202E000", StatusWord::WRONG_DATA),
        (
            "800A04007F00070202030202800A04007F00070202030202",
            StatusWord::WRONG_DATA,
        ),
        ("800A04007F000702020302028401", StatusWord::WRONG_DATA),
        (
            "800A04007F00070202030202840104",
            StatusWord::REFERENCED_DATA_NOT_FOUND,
        ),
        (
            "800A04007F0007020203020284050102030405",
            StatusWord::WRONG_DATA,
        ),
    ] {
        let (resp, session) = chip.handle(&mse(data));
        assert_eq!(resp.sw, sw, "{data}");
        assert!(session.is_none());
        assert!(!chip.handles(&ga), "a failed MSE:Set AT selects nothing");
    }
    // Accepted with or without key reference (also 2-byte form), then GA errors.
    for data in [
        "800A04007F00070202030202",
        "800A04007F00070202030202840103",
        "800A04007F0007020203020284020003",
    ] {
        assert_eq!(chip.handle(&mse(data)).0.sw, StatusWord::OK, "{data}");
        assert!(chip.handles(&ga));
    }
    let mut chained = ga.clone();
    chained.cla = 0x10;
    assert_eq!(chip.handle(&chained).0.sw, StatusWord(0x6884));
    chip.handle(&mse("800A04007F00070202030202"));
    let mut p1 = ga.clone();
    p1.p1 = 1;
    assert_eq!(chip.handle(&p1).0.sw, StatusWord::INCORRECT_P1P2);
    for data in ["", "7C00", "7C4380", "80410400", "7C0281007C00"] {
        chip.handle(&mse("800A04007F00070202030202"));
        let cmd = CommandApdu::new(0, 0x86, 0, 0).with_data(hex::decode(data).unwrap());
        let (resp, session) = chip.handle(&cmd);
        assert_eq!(resp.sw, StatusWord::WRONG_DATA, "{data}");
        assert!(session.is_none());
    }
    chip.handle(&mse("800A04007F00070202030202"));
    let (resp, session) = chip.handle(&ga);
    assert_eq!(
        (resp.sw, resp.data.as_slice()),
        (StatusWord::OK, &[0x7C, 0x00][..])
    );
    assert!(session.is_some());
    // Other commands are not Chip Authentication.
    let select = ca::confirmation_command();
    assert!(!chip.handles(&select));
    assert_eq!(chip.handle(&select).0.sw, StatusWord::INS_NOT_SUPPORTED);
}

#[test]
fn random_input_never_panics() {
    let (mut rng, mut chip, infos) = ecdh_pair(31, CipherSuite::Tdes, Some(1));
    let (info, key) = ca::select(&infos).unwrap();
    for _ in 0..300 {
        let len = (rng.next_u32() % 80) as usize;
        let mut data = vec![0u8; len];
        rng.fill_bytes(&mut data);
        // Keep some structure so the parsers go deep.
        if len > 2 {
            data[0] = [0x91, 0x80, 0x84, 0x7C][(rng.next_u32() % 4) as usize];
            data[1] = (len - 2) as u8;
        }
        for (ins, p2) in [(0x22, 0xA6), (0x22, 0xA4), (0x86, 0x00)] {
            let _ = chip.handle(
                &CommandApdu::new(0, ins, 0x41 * u8::from(ins == 0x22), p2).with_data(data.clone()),
            );
        }
        let mut t = CaTerminal::new(info, key, &mut rng)
            .unwrap()
            .with_command_style(CaCommandStyle::MseSetAtGeneralAuthenticate)
            .unwrap();
        let resp = ResponseApdu::new(data.clone(), StatusWord::OK);
        let _ = t.check_intermediate(&resp);
        if let Err(e) = t.finish(&resp) {
            assert_eq!(t.failure_report(&e).status, CaStatus::Failed);
        }
    }
}
