//! Terminal ↔ chip round trips over every defined combination of mapping × standardized domain
//! parameters × cipher suite, and negative cases (wrong password, invalid points, reflected
//! keys, bad tokens, malformed answers).

use emrtd_access::pace::{
    ChipSecrets, KeyAgreement, Mapping, PaceChip, PaceError, PaceOutcome, PaceParams, PacePassword,
    PaceTerminal, Step, TerminalSecrets,
};
use emrtd_apdu::{CommandApdu, ResponseApdu, StatusWord};
use emrtd_crypto::pk::{Group, PkError, STANDARDIZED_IDS};
use emrtd_crypto::sym::Cipher;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

/// Deterministic test RNG (SHA-256 counter mode).
#[derive(Clone)]
struct TestRng {
    seed: [u8; 32],
    counter: u64,
}

impl TestRng {
    fn new(label: &str) -> Self {
        TestRng {
            seed: Sha256::digest(label.as_bytes()).into(),
            counter: 0,
        }
    }
}

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_be_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_be_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(32) {
            let mut h = Sha256::new();
            h.update(self.seed);
            h.update(self.counter.to_be_bytes());
            self.counter += 1;
            let out = h.finalize();
            chunk.copy_from_slice(&out[..chunk.len()]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for TestRng {}

const MRZ: &str = "L898902C<369080619406236";
const CAM_KEY: [u8; 1] = [0x2A];

fn chip_for(params: &PaceParams, label: &str) -> PaceChip {
    let mut chip = PaceChip::new(
        vec![params.clone()],
        vec![
            PacePassword::Mrz(MRZ.into()),
            PacePassword::Can("123456".into()),
        ],
        TestRng::new(&format!("chip {label}")),
    );
    if params.mapping() == Mapping::ChipAuthentication {
        chip.set_cam_key(&CAM_KEY).unwrap();
    }
    chip
}

/// Runs PACE between a terminal and a chip, optionally tampering with each chip response.
fn run(
    terminal: &mut PaceTerminal,
    chip: &mut PaceChip,
    mut tamper: impl FnMut(usize, &CommandApdu, ResponseApdu) -> ResponseApdu,
) -> Result<PaceOutcome, PaceError> {
    let mut cmd = terminal.start()?;
    for i in 0..6 {
        let bytes = cmd.to_bytes().unwrap();
        let parsed = CommandApdu::parse(&bytes).unwrap();
        let resp = tamper(i, &parsed, chip.handle(&parsed));
        let resp = ResponseApdu::parse(&resp.to_bytes()).unwrap();
        match terminal.process_response(&resp)? {
            Step::Send(next) => cmd = next,
            Step::Done(o) => return Ok(*o),
        }
    }
    panic!("PACE did not finish in 5 exchanges");
}

fn no_tamper(_: usize, _: &CommandApdu, r: ResponseApdu) -> ResponseApdu {
    r
}

fn all_params() -> Vec<PaceParams> {
    let mut out = Vec::new();
    for id in STANDARDIZED_IDS {
        for mapping in [
            Mapping::Generic,
            Mapping::Integrated,
            Mapping::ChipAuthentication,
        ] {
            for cipher in [Cipher::Tdes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256] {
                if let Ok(p) = PaceParams::standardized(mapping, cipher, u32::from(id)) {
                    out.push(p);
                }
            }
        }
    }
    out
}

#[test]
fn matrix_of_defined_combinations() {
    let params = all_params();
    // 11 curves × (4 GM + 4 IM + 3 CAM) − 4 (IM on P-224) + 3 MODP groups × (4 GM + 4 IM).
    assert_eq!(params.len(), 11 * 11 - 4 + 3 * 8);
    // What is excluded, and why.
    assert!(matches!(
        PaceParams::standardized(Mapping::ChipAuthentication, Cipher::Aes128, 0),
        Err(PaceError::UnsupportedParameters(_))
    ));
    assert!(matches!(
        PaceParams::standardized(Mapping::ChipAuthentication, Cipher::Tdes, 13),
        Err(PaceError::UnsupportedParameters(_))
    ));
    assert!(matches!(
        PaceParams::standardized(Mapping::Integrated, Cipher::Aes128, 10),
        Err(PaceError::UnsupportedParameters(_))
    ));
    assert!(PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 3).is_err());

    for (n, p) in params.iter().enumerate() {
        let label = format!("{} id {:?}", p.name(), p.parameter_id());
        let password = if n % 2 == 0 {
            PacePassword::Mrz(MRZ.into())
        } else {
            PacePassword::Can("123456".into())
        };
        let mut chip = chip_for(p, &label);
        let mut terminal = PaceTerminal::new(p.clone(), password, TestRng::new(&label)).unwrap();
        let mut outcome =
            run(&mut terminal, &mut chip, no_tamper).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(outcome.summary.protocol_name, p.name());
        assert_eq!(outcome.summary.cipher, p.cipher());
        assert_eq!(outcome.summary.parameter_id, p.parameter_id());
        assert_eq!(outcome.summary.key_agreement, p.key_agreement());
        let chip_summary = chip.summary().unwrap().clone();
        assert_eq!(
            chip_summary.terminal_ephemeral_public_key,
            outcome.summary.terminal_ephemeral_public_key
        );
        assert_eq!(
            chip_summary.chip_ephemeral_public_key,
            outcome.summary.chip_ephemeral_public_key
        );
        if p.mapping() == Mapping::ChipAuthentication {
            let Group::Ec(curve) = p.group() else {
                unreachable!()
            };
            let sk = curve.scalar_from_bytes(&CAM_KEY).unwrap();
            let pk = curve.encode_point(&curve.mul(&curve.generator(), &sk).unwrap());
            outcome
                .verify_chip_authentication(&pk)
                .unwrap_or_else(|e| panic!("{label}: {e}"));
        } else {
            assert!(outcome.cam.is_none());
        }
        // Both secure messaging sessions work together (SSC 1 and 2).
        let mut chip_sm = chip.take_session().unwrap();
        let cmd = CommandApdu::new(0x00, 0xB0, 0x00, 0x00).with_le(4);
        let protected = outcome.sm.protect(&cmd).unwrap();
        let unprotected = chip_sm.unprotect_command(&protected).unwrap();
        assert_eq!(unprotected.ins, 0xB0);
        let reply = chip_sm
            .protect_response(&ResponseApdu::new(vec![1, 2, 3, 4], StatusWord::OK))
            .unwrap();
        let plain = outcome.sm.unprotect(&reply).unwrap();
        assert_eq!(plain.data, vec![1, 2, 3, 4], "{label}");
    }
}

#[test]
fn wrong_password_is_reported_as_such() {
    for p in [
        PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 13).unwrap(),
        PaceParams::standardized(Mapping::Integrated, Cipher::Tdes, 12).unwrap(),
        PaceParams::standardized(Mapping::ChipAuthentication, Cipher::Aes256, 16).unwrap(),
        PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 0).unwrap(),
    ] {
        let mut chip = chip_for(&p, "wrong");
        let mut terminal = PaceTerminal::new(
            p.clone(),
            PacePassword::Can("654321".into()),
            TestRng::new("t"),
        )
        .unwrap();
        let err = run(&mut terminal, &mut chip, no_tamper).unwrap_err();
        assert!(err.is_wrong_password(), "{err:?}");
        assert_eq!(
            err,
            PaceError::WrongPassword {
                kind: "CAN",
                sw: StatusWord(0x6300),
                retries_left: None
            }
        );
        assert!(err
            .to_string()
            .contains("the chip refused the password: check the CAN"));
        assert!(!chip.is_established());
        // The chip is ready for a new attempt, which succeeds with the right password.
        let mut terminal = PaceTerminal::new(
            p.clone(),
            PacePassword::Can("123456".into()),
            TestRng::new("t2"),
        )
        .unwrap();
        run(&mut terminal, &mut chip, no_tamper).unwrap();
        assert!(chip.is_established());
    }
    // PIN with retry counter: 63C2 means wrong and 2 attempts left.
    let p = PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 13).unwrap();
    let mut chip = chip_for(&p, "retry");
    let mut terminal =
        PaceTerminal::new(p, PacePassword::Mrz(MRZ.into()), TestRng::new("t")).unwrap();
    let err = run(&mut terminal, &mut chip, |i, _, r| {
        if i == 4 {
            ResponseApdu::status(StatusWord(0x63C2))
        } else {
            r
        }
    })
    .unwrap_err();
    assert_eq!(
        err,
        PaceError::WrongPassword {
            kind: "MRZ",
            sw: StatusWord(0x63C2),
            retries_left: Some(2)
        }
    );
}

/// Replaces the public key in a `7C { tag key }` answer.
fn with_key(tag: u8, key: &[u8]) -> ResponseApdu {
    let inner = emrtd_tlv::encode(u32::from(tag), key);
    ResponseApdu::new(emrtd_tlv::encode(0x7C, &inner), StatusWord::OK)
}

#[test]
fn invalid_chip_points_are_rejected() {
    let p = PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 13).unwrap();
    let Group::Ec(curve) = p.group() else {
        unreachable!()
    };
    let good = curve.encode_point(&curve.generator());
    let mut off_curve = good.clone();
    off_curve[64] ^= 1;
    let mut too_big = good.clone();
    too_big[1..33].fill(0xFF);
    let compressed = good[..33].to_vec();
    for (step, tag) in [(2usize, 0x82u8), (3, 0x84)] {
        for (bad, expected) in [
            (
                off_curve.clone(),
                PaceError::InvalidPeerKey(PkError::NotOnCurve),
            ),
            (
                too_big.clone(),
                PaceError::InvalidPeerKey(PkError::CoordinateOutOfRange),
            ),
        ] {
            let mut chip = chip_for(&p, "pts");
            let mut terminal =
                PaceTerminal::new(p.clone(), PacePassword::Mrz(MRZ.into()), TestRng::new("t"))
                    .unwrap();
            let err = run(&mut terminal, &mut chip, |i, _, r| {
                if i == step {
                    with_key(tag, &bad)
                } else {
                    r
                }
            })
            .unwrap_err();
            assert_eq!(err, expected);
        }
        let mut chip = chip_for(&p, "pts");
        let mut terminal =
            PaceTerminal::new(p.clone(), PacePassword::Mrz(MRZ.into()), TestRng::new("t")).unwrap();
        let err = run(&mut terminal, &mut chip, |i, _, r| {
            if i == step {
                with_key(tag, &compressed)
            } else {
                r
            }
        })
        .unwrap_err();
        assert!(
            matches!(err, PaceError::InvalidPeerKey(PkError::InvalidEncoding(_))),
            "{err:?}"
        );
    }
    // DH: values outside 1 < y < p−1 and outside the subgroup.
    let p = PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 0).unwrap();
    for bad in [vec![1u8], vec![0u8], vec![2u8]] {
        let mut chip = chip_for(&p, "dh");
        let mut terminal =
            PaceTerminal::new(p.clone(), PacePassword::Mrz(MRZ.into()), TestRng::new("t")).unwrap();
        let err = run(&mut terminal, &mut chip, |i, _, r| {
            if i == 3 {
                with_key(0x84, &bad)
            } else {
                r
            }
        })
        .unwrap_err();
        assert!(matches!(err, PaceError::InvalidPeerKey(_)), "{err:?}");
    }
}

#[test]
fn chip_rejects_invalid_terminal_points() {
    let p = PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 12).unwrap();
    let Group::Ec(curve) = p.group() else {
        unreachable!()
    };
    let mut bad = curve.encode_point(&curve.generator());
    bad[10] ^= 0x40;
    let mut chip = chip_for(&p, "c");
    let mse =
        CommandApdu::parse(&hex::decode("0022C1A412800A04007F0007020204020283010184010C").unwrap())
            .unwrap();
    assert_eq!(chip.handle(&mse).sw, StatusWord::OK);
    let ga1 = CommandApdu::parse(&hex::decode("10860000027C0000").unwrap()).unwrap();
    assert_eq!(chip.handle(&ga1).sw, StatusWord::OK);
    let inner = emrtd_tlv::encode(0x81, &bad);
    let ga2 = CommandApdu::new(0x10, 0x86, 0, 0)
        .with_data(emrtd_tlv::encode(0x7C, &inner))
        .with_le(256);
    assert_eq!(chip.handle(&ga2).sw, StatusWord::WRONG_DATA);
    // After an error the chip expects a new MSE:Set AT.
    assert_eq!(chip.handle(&ga1).sw, StatusWord::CONDITIONS_NOT_SATISFIED);
}

#[test]
fn reflected_ephemeral_keys_are_rejected() {
    // The chip echoes the terminal's own keys: at the mapping and at the key agreement.
    let p = PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 13).unwrap();
    for (step, req_tag, resp_tag) in [(2usize, 0x81u32, 0x82u8), (3, 0x83, 0x84)] {
        let mut chip = chip_for(&p, "refl");
        let mut terminal =
            PaceTerminal::new(p.clone(), PacePassword::Mrz(MRZ.into()), TestRng::new("t")).unwrap();
        let err = run(&mut terminal, &mut chip, |i, cmd, r| {
            if i == step {
                let outer = emrtd_tlv::parse_exact(&cmd.data).unwrap();
                let key = outer.child(req_tag).unwrap().unwrap().value.to_vec();
                with_key(resp_tag, &key)
            } else {
                r
            }
        })
        .unwrap_err();
        assert_eq!(err, PaceError::IdenticalEphemeralKeys);
    }
    // The chip refuses a terminal that reflects the chip's key (fixed-secret chip and terminal
    // with equal agreement keys produce equal public keys).
    let secret = vec![0x11; 32];
    let mut chip = PaceChip::with_secrets(
        vec![p.clone()],
        vec![PacePassword::Mrz(MRZ.into())],
        ChipSecrets {
            nonce: vec![7; 16],
            mapping_private_key: vec![0x22; 32],
            agreement_private_key: secret.clone(),
        },
    );
    let mut terminal = PaceTerminal::with_secrets(
        p,
        PacePassword::Mrz(MRZ.into()),
        TerminalSecrets {
            mapping_private_key: vec![0x33; 32],
            agreement_private_key: secret,
            terminal_nonce: vec![],
        },
    )
    .unwrap();
    let err = run(&mut terminal, &mut chip, no_tamper).unwrap_err();
    assert_eq!(
        err,
        PaceError::ChipError {
            step: "key agreement",
            sw: StatusWord::WRONG_DATA
        }
    );
}

#[test]
fn bad_chip_token_and_cam_data() {
    let p = PaceParams::standardized(Mapping::ChipAuthentication, Cipher::Aes128, 13).unwrap();
    // Flip a bit of T_IC.
    let mut chip = chip_for(&p, "tok");
    let mut terminal =
        PaceTerminal::new(p.clone(), PacePassword::Mrz(MRZ.into()), TestRng::new("t")).unwrap();
    let err = run(&mut terminal, &mut chip, |i, _, mut r| {
        if i == 4 {
            r.data[4] ^= 1;
        }
        r
    })
    .unwrap_err();
    assert_eq!(err, PaceError::ChipTokenMismatch);
    // Drop the encrypted chip authentication data (DO'8A').
    let mut chip = chip_for(&p, "tok");
    let mut terminal =
        PaceTerminal::new(p.clone(), PacePassword::Mrz(MRZ.into()), TestRng::new("t")).unwrap();
    let err = run(&mut terminal, &mut chip, |i, _, r| {
        if i == 4 {
            let outer = emrtd_tlv::parse_exact(&r.data).unwrap();
            let t = outer.child(0x86).unwrap().unwrap();
            ResponseApdu::new(emrtd_tlv::encode(0x7C, t.raw), StatusWord::OK)
        } else {
            r
        }
    })
    .unwrap_err();
    assert!(
        matches!(err, PaceError::MalformedResponse { .. }),
        "{err:?}"
    );
    // A chip holding another static key fails chip authentication.
    let mut chip = chip_for(&p, "cam");
    let mut terminal =
        PaceTerminal::new(p.clone(), PacePassword::Mrz(MRZ.into()), TestRng::new("t")).unwrap();
    let mut outcome = run(&mut terminal, &mut chip, no_tamper).unwrap();
    let Group::Ec(curve) = p.group() else {
        unreachable!()
    };
    let other = curve.encode_point(
        &curve
            .mul(
                &curve.generator(),
                &curve.scalar_from_bytes(&[0x2B]).unwrap(),
            )
            .unwrap(),
    );
    assert_eq!(
        outcome.verify_chip_authentication(&other).unwrap_err(),
        PaceError::ChipAuthenticationFailed
    );
    assert!(matches!(
        outcome
            .verify_chip_authentication(&[0x04, 1, 2])
            .unwrap_err(),
        PaceError::InvalidChipStaticKey(_)
    ));
}

#[test]
fn status_words_and_malformed_answers() {
    let p = PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 13).unwrap();
    type Check = fn(&PaceError) -> bool;
    let cases: Vec<(usize, ResponseApdu, Check)> = vec![
        (0, ResponseApdu::status(StatusWord(0x6A80)), |e| {
            matches!(e, PaceError::ParametersRejected { .. })
        }),
        (0, ResponseApdu::status(StatusWord(0x6A88)), |e| {
            matches!(e, PaceError::PasswordNotAvailable { .. })
        }),
        (0, ResponseApdu::status(StatusWord(0x6983)), |e| {
            matches!(e, PaceError::PasswordBlocked { .. })
        }),
        (1, ResponseApdu::status(StatusWord(0x6985)), |e| {
            matches!(e, PaceError::ChipError { .. })
        }),
        (
            1,
            ResponseApdu::new(vec![0x7C, 0x03, 0x80, 0x01, 0x00], StatusWord::OK),
            |e| matches!(e, PaceError::MalformedResponse { .. }),
        ),
        (
            1,
            ResponseApdu::new(vec![0x7C, 0x05, 0x80], StatusWord::OK),
            |e| matches!(e, PaceError::MalformedResponse { .. }),
        ),
        (
            1,
            ResponseApdu::new(vec![0x30, 0x00], StatusWord::OK),
            |e| matches!(e, PaceError::MalformedResponse { .. }),
        ),
        (
            2,
            ResponseApdu::new(vec![0x7C, 0x00], StatusWord::OK),
            |e| matches!(e, PaceError::MalformedResponse { .. }),
        ),
        (3, ResponseApdu::status(StatusWord::OK), |e| {
            matches!(e, PaceError::MalformedResponse { .. })
        }),
        (
            4,
            ResponseApdu::new(vec![0x7C, 0x00], StatusWord::OK),
            |e| matches!(e, PaceError::MalformedResponse { .. }),
        ),
    ];
    for (step, replacement, check) in cases {
        let mut chip = chip_for(&p, "sw");
        let mut terminal =
            PaceTerminal::new(p.clone(), PacePassword::Mrz(MRZ.into()), TestRng::new("t")).unwrap();
        let err = run(&mut terminal, &mut chip, |i, _, r| {
            if i == step {
                replacement.clone()
            } else {
                r
            }
        })
        .unwrap_err();
        assert!(check(&err), "step {step}: {err:?}");
        assert!(!err.is_wrong_password());
        // A failed run cannot continue.
        assert!(matches!(
            terminal.process_response(&ResponseApdu::status(StatusWord::OK)),
            Err(PaceError::InvalidState(_))
        ));
    }
    // start() only once.
    let mut terminal =
        PaceTerminal::new(p, PacePassword::Mrz(MRZ.into()), TestRng::new("t")).unwrap();
    terminal.start().unwrap();
    assert!(terminal.start().is_err());
    // Unusable passwords.
    assert!(PaceTerminal::new(
        PaceParams::standardized(Mapping::Generic, Cipher::Aes128, 13).unwrap(),
        PacePassword::Mrz("l898902c".into()),
        TestRng::new("t")
    )
    .is_err());
    assert!(PacePassword::from_mrz("L898902C", "690806", "940623").is_ok());
    assert!(PacePassword::from_mrz("L898902C", "6908", "940623").is_err());
}

#[test]
fn chip_never_panics_on_garbage() {
    let p = PaceParams::standardized(Mapping::Integrated, Cipher::Aes128, 13).unwrap();
    let mut chip = chip_for(&p, "garbage");
    let mut rng = TestRng::new("garbage");
    let prefixes: [&[u8]; 4] = [
        &[0x00, 0x22, 0xC1, 0xA4],
        &[0x10, 0x86, 0x00, 0x00],
        &[0x00, 0x86, 0x00, 0x00],
        &[0x00, 0xB0, 0x00, 0x00],
    ];
    for i in 0..400 {
        let mut data = vec![0u8; (rng.next_u32() % 80) as usize];
        rng.fill_bytes(&mut data);
        if i % 3 == 0 && data.len() > 2 {
            data[0] = 0x7C;
            data[1] = (data.len() - 2) as u8;
        }
        let prefix = prefixes[i % 4];
        let cmd = CommandApdu::new(prefix[0], prefix[1], prefix[2], prefix[3]).with_data(data);
        let resp = chip.handle(&cmd);
        assert_ne!(resp.sw, StatusWord::OK, "{i}");
        if i % 5 == 0 {
            let mse = CommandApdu::parse(
                &hex::decode("0022C1A40F800A04007F00070202040402830101").unwrap(),
            )
            .unwrap();
            assert_eq!(chip.handle(&mse).sw, StatusWord::OK);
        }
    }
    // Unknown protocol and password references.
    let mse = CommandApdu::parse(&hex::decode("0022C1A40F800A04007F00070202040202830101").unwrap())
        .unwrap();
    assert_eq!(chip.handle(&mse).sw, StatusWord::WRONG_DATA);
    let mse = CommandApdu::parse(&hex::decode("0022C1A40F800A04007F00070202040402830103").unwrap())
        .unwrap();
    assert_eq!(chip.handle(&mse).sw, StatusWord::REFERENCED_DATA_NOT_FOUND);
    let mse =
        CommandApdu::parse(&hex::decode("0022C1A412800A04007F0007020204040283010184010C").unwrap())
            .unwrap();
    assert_eq!(chip.handle(&mse).sw, StatusWord::WRONG_DATA);
}

#[test]
fn params_from_pace_info_fields() {
    let p = PaceParams::from_oid("0.4.0.127.0.7.2.2.4.6.4", Some(16)).unwrap();
    assert_eq!(p.mapping(), Mapping::ChipAuthentication);
    assert_eq!(p.cipher(), Cipher::Aes256);
    assert_eq!(p.key_agreement(), KeyAgreement::Ecdh);
    assert_eq!(p.oid_dotted(), "0.4.0.127.0.7.2.2.4.6.4");
    assert_eq!(p.group().name(), "brainpoolP384r1");
    assert!(PaceParams::from_oid("0.4.0.127.0.7.2.2.4.1.2", Some(13)).is_err());
    assert!(PaceParams::from_oid("0.4.0.127.0.7.2.2.4.2.2", None).is_err());
    assert!(PaceParams::from_oid("0.4.0.127.0.7.2.2.3.2.2", Some(13)).is_err());
    assert!(PaceParams::from_oid("0.4.0.127.0.7.2.2.4.2.2", Some(-1)).is_err());
    // Explicit parameters equal to a standardized curve are accepted; others refused.
    let Group::Ec(c) = Group::standardized(13).unwrap() else {
        unreachable!()
    };
    let gen = c.encode_point(&c.generator());
    let n = c.field_size();
    let explicit = emrtd_crypto::pk::EcCurve::new(
        &c.p(),
        &c.a(),
        &c.b(),
        &gen[1..1 + n],
        &gen[1 + n..],
        &c.order(),
        &[1],
    )
    .unwrap();
    let p = PaceParams::with_group(Mapping::Generic, Cipher::Aes128, Group::Ec(explicit), None)
        .unwrap();
    assert_eq!(p.group().identify(), Some(13));
    let odd = emrtd_crypto::pk::EcCurve::new(&[97], &[2], &[3], &[3], &[6], &[5], &[20]).unwrap();
    assert!(
        PaceParams::with_group(Mapping::Generic, Cipher::Aes128, Group::Ec(odd), None).is_err()
    );
}
