//! Chain verification over test PKIs built here (CVCA → link → DV → inspection system), on
//! P-256 (RustCrypto ECDSA) and brainpoolP256r1 (generic ECDSA) keys, and RSA-PSS.

use emrtd_eac::cert::{CertificateBody, CvPublicKey, KeyData};
use emrtd_eac::chain::{verify_chain, ChainError, TrustStore};
use emrtd_eac::*;
use p256::pkcs8::EncodePrivateKey;
use rand::SeedableRng;

fn rng(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

fn d(s: &str) -> CvDate {
    let v: Vec<u16> = s.split('-').map(|x| x.parse().unwrap()).collect();
    CvDate::new(v[0], v[1] as u8, v[2] as u8).unwrap()
}

/// A PKCS#8 EC key on the standardized curve `id`, from a seeded RNG.
fn ec_key(id: u32, seed: u64) -> Pkcs8Signer {
    let alg = TaAlgorithm::Ecdsa(HashAlg::Sha256);
    let der = if id == 12 {
        p256::SecretKey::random(&mut rng(seed))
            .to_pkcs8_der()
            .unwrap()
            .as_bytes()
            .to_vec()
    } else {
        // brainpoolP256r1 PKCS#8 with a named curve, the scalar drawn from the seeded RNG.
        let emrtd_crypto::pk::Group::Ec(c) = emrtd_crypto::pk::Group::standardized(id).unwrap()
        else {
            panic!()
        };
        let k = c.random_scalar(&mut rng(seed));
        let sk = c.scalar_to_bytes(&k);
        let ecpk = emrtd_tlv::encode_constructed(
            0x30,
            &[emrtd_tlv::encode(0x02, &[1]), emrtd_tlv::encode(0x04, &sk)],
        );
        emrtd_tlv::encode_constructed(
            0x30,
            &[
                emrtd_tlv::encode(0x02, &[0]),
                emrtd_tlv::encode_constructed(
                    0x30,
                    &[
                        emrtd_tlv::encode(0x06, &hex::decode("2A8648CE3D0201").unwrap()),
                        emrtd_tlv::encode(0x06, &hex::decode("2B2403030208010107").unwrap()),
                    ],
                ),
                emrtd_tlv::encode(0x04, &ecpk),
            ],
        )
    };
    Pkcs8Signer::from_pkcs8_der(&der, alg, Box::new(rng(seed + 1000))).unwrap()
}

fn rsa_key(seed: u64) -> Pkcs8Signer {
    use rsa::pkcs8::EncodePrivateKey;
    let k = rsa::RsaPrivateKey::new(&mut rng(seed), 1024).unwrap();
    let der = k.to_pkcs8_der().unwrap();
    Pkcs8Signer::from_pkcs8_der(
        der.as_bytes(),
        TaAlgorithm::RsaPss(RsaHash::Sha256),
        Box::new(rng(seed + 1)),
    )
    .unwrap()
}

struct Spec<'a> {
    car: &'a str,
    chr: &'a str,
    chat: Chat,
    from: &'a str,
    to: &'a str,
    with_domain: bool,
}

fn issue(issuer: &Pkcs8Signer, subject: &Pkcs8Signer, s: Spec<'_>) -> CvCertificate {
    let mut data = subject.public_key_data().unwrap();
    if let (true, KeyData::Ec { domain, .. }) = (s.with_domain, &mut data) {
        *domain = subject.ec_domain();
    }
    let body = CertificateBody {
        profile_identifier: 0,
        car: CvReference::from_text(s.car).unwrap(),
        public_key: CvPublicKey {
            algorithm: subject.algorithm(),
            data,
        },
        chr: CvReference::from_text(s.chr).unwrap(),
        chat: s.chat,
        effective_date: d(s.from),
        expiration_date: d(s.to),
        extensions: None,
    };
    let sig = issuer.sign(&body.encode()).unwrap();
    CvCertificate::from_parts(body, sig)
}

fn is(role: Role, rights: IsRights) -> Chat {
    Chat::inspection_system(role, rights)
}

struct Pki {
    cvca: CvCertificate,
    dv: CvCertificate,
    term: CvCertificate,
    term_key: Pkcs8Signer,
}

fn pki(
    cvca_key: Pkcs8Signer,
    dv_key: Pkcs8Signer,
    term_key: Pkcs8Signer,
    dv_role: Role,
    dv_rights: IsRights,
    term_to: &str,
) -> Pki {
    let cvca = issue(
        &cvca_key,
        &cvca_key,
        Spec {
            car: "NOCVCA00001",
            chr: "NOCVCA00001",
            chat: is(Role::Cvca, IsRights::DG3_DG4),
            from: "2026-01-01",
            to: "2029-01-01",
            with_domain: true,
        },
    );
    let dv = issue(
        &cvca_key,
        &dv_key,
        Spec {
            car: "NOCVCA00001",
            chr: "NODVPOLICE001",
            chat: is(dv_role, dv_rights),
            from: "2026-11-01",
            to: "2027-02-01",
            with_domain: false,
        },
    );
    let term = issue(
        &dv_key,
        &term_key,
        Spec {
            car: "NODVPOLICE001",
            chr: "NOISGATE00042",
            chat: is(Role::Terminal, IsRights::DG3_DG4),
            from: "2026-12-01",
            to: term_to,
            with_domain: false,
        },
    );
    Pki {
        cvca,
        dv,
        term,
        term_key,
    }
}

fn p256_pki() -> Pki {
    pki(
        ec_key(12, 1),
        ec_key(12, 2),
        ec_key(12, 3),
        Role::DvOfficialDomestic,
        IsRights::DG3_DG4,
        "2026-12-31",
    )
}

fn store(c: &CvCertificate) -> TrustStore {
    let mut s = TrustStore::new();
    s.add(c.clone()).unwrap();
    s
}

#[test]
fn inspection_system_chain_verifies_and_grants_dg3_and_dg4() {
    for p in [
        p256_pki(),
        pki(
            ec_key(13, 4),
            ec_key(13, 5),
            ec_key(13, 6),
            Role::DvOfficialDomestic,
            IsRights::DG3_DG4,
            "2026-12-31",
        ),
        pki(
            rsa_key(7),
            rsa_key(8),
            rsa_key(9),
            Role::DvOfficialDomestic,
            IsRights::DG3_DG4,
            "2026-12-31",
        ),
    ] {
        let v = verify_chain(
            &store(&p.cvca),
            &[p.dv.clone(), p.term.clone()],
            d("2026-12-06"),
        )
        .unwrap();
        assert_eq!(v.terminal_type(), &TerminalType::InspectionSystem);
        assert_eq!(v.effective.role(), Role::Terminal);
        assert_eq!(v.inspection_rights(), Some(IsRights::DG3_DG4));
        v.require(&[IsRight::ReadDg3, IsRight::ReadDg4]).unwrap();
        assert_eq!(v.cvca.to_string(), "NOCVCA00001");
        // The TA signature made with the terminal key verifies with the chain's terminal key.
        let data = b"ID_PICC r_PICC Comp(PK_PCD)";
        let sig = p.term_key.sign(data).unwrap();
        v.terminal_key.verify(data, &sig).unwrap();
        // Every certificate re-decodes to itself.
        for c in [&p.cvca, &p.dv, &p.term] {
            assert_eq!(&CvCertificate::decode(c.raw()).unwrap(), c);
        }
    }
}

#[test]
fn current_date_moves_forward_with_dv_and_accurate_terminal_certificates() {
    let p = p256_pki();
    let v = verify_chain(
        &store(&p.cvca),
        &[p.dv.clone(), p.term.clone()],
        d("2026-01-15"),
    )
    .unwrap();
    // The official domestic DV makes the terminal certificate accurate: its date counts.
    assert_eq!(v.current_date, d("2026-12-01"));
    let f = pki(
        ec_key(12, 1),
        ec_key(12, 2),
        ec_key(12, 3),
        Role::DvForeign,
        IsRights::DG3_DG4,
        "2026-12-31",
    );
    let v = verify_chain(
        &store(&f.cvca),
        &[f.dv.clone(), f.term.clone()],
        d("2026-01-15"),
    )
    .unwrap();
    assert_eq!(
        v.current_date,
        d("2026-11-01"),
        "a foreign DV's terminal is not a source of time"
    );
}

#[test]
fn terminal_certificate_expired_against_the_current_date_is_refused() {
    let p = pki(
        ec_key(12, 1),
        ec_key(12, 2),
        ec_key(12, 3),
        Role::DvOfficialDomestic,
        IsRights::DG3_DG4,
        "2026-12-03",
    );
    let err = verify_chain(
        &store(&p.cvca),
        &[p.dv.clone(), p.term.clone()],
        d("2026-12-06"),
    )
    .unwrap_err();
    assert!(
        matches!(err, ChainError::Expired { ref chr, expired, current }
        if chr.to_string() == "NOISGATE00042" && expired == d("2026-12-03") && current == d("2026-12-06")),
        "{err}"
    );
    // The same chain on an older clock passes.
    verify_chain(
        &store(&p.cvca),
        &[p.dv.clone(), p.term.clone()],
        d("2026-12-02"),
    )
    .unwrap();
}

#[test]
fn expiry_is_judged_against_the_date_learned_from_the_dv_certificate() {
    // The terminal certificate expires 2026-10-15, before the DV's effective date 2026-11-01:
    // whatever (older) date the verifier starts from, the DV moves the current date past it.
    let p = pki(
        ec_key(12, 1),
        ec_key(12, 2),
        ec_key(12, 3),
        Role::DvOfficialDomestic,
        IsRights::DG3_DG4,
        "2026-10-15",
    );
    let err = verify_chain(
        &store(&p.cvca),
        &[p.dv.clone(), p.term.clone()],
        d("2026-01-01"),
    )
    .unwrap_err();
    assert!(
        matches!(err, ChainError::Expired { current, .. } if current == d("2026-11-01")),
        "{err}"
    );
}

#[test]
fn unknown_cvca_is_refused() {
    let p = p256_pki();
    let other = pki(
        ec_key(12, 11),
        ec_key(12, 12),
        ec_key(12, 13),
        Role::DvOfficialDomestic,
        IsRights::DG3_DG4,
        "2026-12-31",
    );
    let err = verify_chain(
        &TrustStore::new(),
        &[p.dv.clone(), p.term.clone()],
        d("2026-12-06"),
    )
    .unwrap_err();
    assert!(matches!(err, ChainError::UnknownCvca { ref car } if car.to_string() == "NOCVCA00001"));
    // Same CHR, another key: the DV's signature does not verify.
    let err = verify_chain(
        &store(&other.cvca),
        &[p.dv.clone(), p.term.clone()],
        d("2026-12-06"),
    )
    .unwrap_err();
    assert!(matches!(err, ChainError::Signature { .. }), "{err}");
}

#[test]
fn missing_right_is_refused_with_the_effective_rights() {
    let dg3_only = IsRights::NONE.with(IsRight::ReadDg3);
    let p = pki(
        ec_key(12, 1),
        ec_key(12, 2),
        ec_key(12, 3),
        Role::DvForeign,
        dg3_only,
        "2026-12-31",
    );
    let v = verify_chain(
        &store(&p.cvca),
        &[p.dv.clone(), p.term.clone()],
        d("2026-12-06"),
    )
    .unwrap();
    assert_eq!(
        v.inspection_rights(),
        Some(dg3_only),
        "terminal asks DG3+DG4, the DV grants DG3: AND"
    );
    v.require(&[IsRight::ReadDg3]).unwrap();
    let err = v
        .require(&[IsRight::ReadDg3, IsRight::ReadDg4])
        .unwrap_err();
    assert_eq!(
        err,
        ChainError::MissingRight {
            missing: IsRight::ReadDg4,
            effective: dg3_only
        }
    );
    assert!(err.to_string().contains("read DG4 (iris)"));
}

#[test]
fn roles_out_of_hierarchy_are_refused() {
    let cvca_key = ec_key(12, 1);
    let term_key = ec_key(12, 3);
    let p = p256_pki();
    // A terminal certificate signed directly by the CVCA.
    let t = issue(
        &cvca_key,
        &term_key,
        Spec {
            car: "NOCVCA00001",
            chr: "NOISGATE00042",
            chat: is(Role::Terminal, IsRights::DG3_DG4),
            from: "2026-12-01",
            to: "2026-12-31",
            with_domain: false,
        },
    );
    let err = verify_chain(&store(&p.cvca), &[t], d("2026-12-06")).unwrap_err();
    assert!(
        matches!(
            err,
            ChainError::UnexpectedRole {
                found: Role::Terminal,
                ..
            }
        ),
        "{err}"
    );
    // A chain that stops at the DV.
    let err = verify_chain(
        &store(&p.cvca),
        std::slice::from_ref(&p.dv),
        d("2026-12-06"),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ChainError::NoTerminalCertificate {
                role: Role::DvOfficialDomestic,
                ..
            }
        ),
        "{err}"
    );
    // Certificates out of order: the CAR does not name the previous CHR.
    let err = verify_chain(
        &store(&p.cvca),
        &[p.dv.clone(), p.dv.clone()],
        d("2026-12-06"),
    )
    .unwrap_err();
    assert!(matches!(err, ChainError::BrokenLink { .. }), "{err}");
    // A DV CHAT as trust point.
    assert!(matches!(
        TrustStore::new().add(p.dv.clone()),
        Err(ChainError::TrustPointNotCvca { .. })
    ));
    // DV certificates must not carry domain parameters.
    let dv = issue(
        &cvca_key,
        &ec_key(12, 2),
        Spec {
            car: "NOCVCA00001",
            chr: "NODVPOLICE001",
            chat: is(Role::DvOfficialDomestic, IsRights::DG3_DG4),
            from: "2026-11-01",
            to: "2027-02-01",
            with_domain: true,
        },
    );
    let err = verify_chain(&store(&p.cvca), &[dv, p.term.clone()], d("2026-12-06")).unwrap_err();
    assert!(
        matches!(err, ChainError::DomainParametersNotAllowed { .. }),
        "{err}"
    );
}

#[test]
fn expired_link_certificate_is_accepted_and_the_newest_cvca_becomes_the_trust_point() {
    let k1 = ec_key(12, 1);
    let k2 = ec_key(12, 21);
    let k3 = ec_key(12, 31);
    let cvca = |issuer: &Pkcs8Signer, subject: &Pkcs8Signer, car, chr, from, to| {
        issue(
            issuer,
            subject,
            Spec {
                car,
                chr,
                chat: is(Role::Cvca, IsRights::DG3_DG4),
                from,
                to,
                with_domain: true,
            },
        )
    };
    let old_cvca = cvca(
        &k1,
        &k1,
        "NOCVCA00001",
        "NOCVCA00001",
        "2023-01-01",
        "2026-06-01",
    );
    // The first link certificate expired already; the second is current.
    let link1 = cvca(
        &k1,
        &k2,
        "NOCVCA00001",
        "NOCVCA00002",
        "2025-03-01",
        "2026-09-01",
    );
    let link2 = cvca(
        &k2,
        &k3,
        "NOCVCA00002",
        "NOCVCA00003",
        "2026-08-01",
        "2029-08-01",
    );
    let dv_key = ec_key(12, 22);
    let dv = |issuer: &Pkcs8Signer, car| {
        issue(
            issuer,
            &dv_key,
            Spec {
                car,
                chr: "NODVPOLICE002",
                chat: is(Role::DvOfficialDomestic, IsRights::DG3_DG4),
                from: "2026-11-01",
                to: "2027-02-01",
                with_domain: false,
            },
        )
    };
    let term = issue(
        &dv_key,
        &ec_key(12, 23),
        Spec {
            car: "NODVPOLICE002",
            chr: "NOISGATE00043",
            chat: is(Role::Terminal, IsRights::DG3_DG4),
            from: "2026-12-01",
            to: "2026-12-31",
            with_domain: false,
        },
    );
    let chain = [
        link1.clone(),
        link2.clone(),
        dv(&k3, "NOCVCA00003"),
        term.clone(),
    ];
    let v = verify_chain(&store(&old_cvca), &chain, d("2026-12-06")).unwrap();
    assert_eq!(v.cvca.to_string(), "NOCVCA00003");
    assert_eq!(v.new_trust_points, vec![link1, link2]);
    // A DV certificate verified by an expired trust point is refused.
    let err = verify_chain(
        &store(&old_cvca),
        &[dv(&k1, "NOCVCA00001"), term],
        d("2026-12-06"),
    )
    .unwrap_err();
    assert!(
        matches!(err, ChainError::TrustPointExpired { ref chr, .. } if chr.to_string() == "NOCVCA00001"),
        "{err}"
    );
}

#[test]
fn a_tampered_certificate_fails_its_signature() {
    let p = p256_pki();
    let mut term = p.term.clone();
    term.body.chat = is(Role::Terminal, IsRights::DG3_DG4.with(IsRight::ReadDg3));
    term.body.expiration_date = d("2030-01-01");
    let forged = CvCertificate::from_parts(term.body.clone(), term.signature.clone());
    let err = verify_chain(&store(&p.cvca), &[p.dv.clone(), forged], d("2026-12-06")).unwrap_err();
    assert!(matches!(err, ChainError::Signature { .. }), "{err}");
}

#[test]
fn terminal_state_machine_and_chip_side_functions_agree_end_to_end() {
    use emrtd_apdu::{ResponseApdu, StatusWord};
    use emrtd_eac::chain::ChainVerifier;
    use emrtd_eac::ta::{self, AuxiliaryData};
    let p = p256_pki();
    let chip_store = store(&p.cvca);
    let id = IdPicc::PaceEphemeral(vec![0x11; 32]);
    let comp = vec![0x22; 32];
    let aux = AuxiliaryData {
        templates: vec![(
            [&ta::ID_AUXILIARY_DATA[..], &[2]].concat(),
            b"20261206".to_vec(),
        )],
    };
    let mut term = TerminalAuthentication::new(
        vec![p.dv.clone(), p.term.clone()],
        &p.term_key,
        TaVersion::V2,
        id.clone(),
        comp.clone(),
        Some(aux),
    )
    .unwrap();
    // The chip: select a key, verify certificates, take the Set AT, give a challenge, check.
    let mut verifier: Option<ChainVerifier> = None;
    let mut set_at = None;
    let r_picc = [0x5Au8; 8];
    let mut cmd = term.start();
    let ok = |data: Vec<u8>| ResponseApdu::new(data, StatusWord(0x9000));
    loop {
        let resp = match (cmd.ins, cmd.p1, cmd.p2) {
            (0x22, 0x81, 0xB6) => {
                let car = ta::parse_set_dst(&cmd.data).unwrap();
                if verifier.as_ref().is_none_or(|v| v.issuer_chr() != &car) {
                    verifier = Some(ChainVerifier::new(
                        chip_store.find(&car).unwrap(),
                        d("2026-12-06"),
                    ));
                }
                ok(vec![])
            }
            (0x2A, 0x00, 0xBE) => {
                let c = ta::parse_verify_certificate(&cmd.data).unwrap();
                verifier.as_mut().unwrap().accept(&c).unwrap();
                ok(vec![])
            }
            (0x22, 0x81, 0xA4) => {
                set_at = Some(ta::parse_set_at(&cmd.data).unwrap());
                ok(vec![])
            }
            (0x84, _, _) => ok(r_picc.to_vec()),
            (0x82, _, _) => {
                let chain = verifier.take().unwrap().finish().unwrap();
                let s = set_at.take().unwrap();
                assert_eq!(&s.terminal_chr, chain.terminal.chr());
                assert_eq!(s.algorithm, Some(TaAlgorithm::Ecdsa(HashAlg::Sha256)));
                ta::verify_external_authenticate(
                    &chain.terminal_key,
                    &id,
                    &r_picc,
                    s.compressed_ephemeral.as_deref().unwrap(),
                    s.aux.as_deref(),
                    &cmd.data,
                )
                .unwrap();
                // A wrong ID_PICC (TR-03105 ISO7816_E_11) does not verify.
                assert!(ta::verify_external_authenticate(
                    &chain.terminal_key,
                    &IdPicc::from_document_number("C01X00T47", '8'),
                    &r_picc,
                    &comp,
                    s.aux.as_deref(),
                    &cmd.data
                )
                .is_err());
                chain
                    .require(&[IsRight::ReadDg3, IsRight::ReadDg4])
                    .unwrap();
                ok(vec![])
            }
            other => panic!("unexpected command {other:?}"),
        };
        match term.on_response(&resp).unwrap() {
            TaStep::Send(c) => cmd = c,
            TaStep::Authenticated => break,
        }
    }
}

#[test]
fn a_challenge_of_other_than_8_bytes_fails_terminal_authentication() {
    use emrtd_apdu::{ResponseApdu, StatusWord};
    let p = p256_pki();
    for len in [7usize, 9] {
        let mut term = TerminalAuthentication::new(
            vec![p.dv.clone(), p.term.clone()],
            &p.term_key,
            TaVersion::V1,
            IdPicc::from_document_number("C01X00T47", '8'),
            vec![0x22; 32],
            None,
        )
        .unwrap();
        term.start();
        let ok = ResponseApdu::new(vec![], StatusWord(0x9000));
        for _ in 0..5 {
            term.on_response(&ok).unwrap(); // DST, PSO, DST, PSO, Set AT
        }
        let e = term
            .on_response(&ResponseApdu::new(vec![1; len], StatusWord(0x9000)))
            .unwrap_err();
        assert_eq!(e, TaError::ChallengeLength(len));
    }
}

#[test]
fn the_chain_is_chosen_by_the_most_recent_car_of_ef_cvca() {
    use emrtd_eac::ta::choose_chain;
    let p = p256_pki();
    let other = issue(
        &ec_key(12, 40),
        &ec_key(12, 41),
        Spec {
            car: "SECVCA00007",
            chr: "NODVSE0000001",
            chat: is(Role::DvForeign, IsRights::DG3_DG4),
            from: "2026-11-01",
            to: "2027-02-01",
            with_domain: false,
        },
    );
    let chains = vec![vec![other.clone()], vec![p.dv.clone(), p.term.clone()]];
    let car = |s: &str| CvReference::from_text(s).unwrap();
    let chosen = choose_chain(&chains, &[car("NOCVCA00002"), car("NOCVCA00001")]).unwrap();
    assert_eq!(chosen[0].chr().to_string(), "NODVPOLICE001");
    let chosen = choose_chain(&chains, &[car("SECVCA00007"), car("NOCVCA00001")]).unwrap();
    assert_eq!(chosen, &[other][..]);
    assert!(choose_chain(&chains, &[car("DECVCA00001")]).is_none());
    assert!(choose_chain(&chains, &[]).is_none());
}
