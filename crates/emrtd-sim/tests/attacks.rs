//! The attack profiles on their own: what each chip serves and answers, next to the genuine
//! chip built from the same seed. (Refusal by the remote verifier is tested end to end in
//! `crates/emrtd-remote/tests/remote.rs`.)

use emrtd_sim::{Attack, Profile, ProfileError, VirtualChip};
use rand::rngs::StdRng;
use rand::SeedableRng;

fn seeded(p: &Profile, attack: Option<Attack>, seed: u64) -> VirtualChip {
    let p = Profile {
        attack,
        ..p.clone()
    };
    VirtualChip::with_rng(p, Box::new(StdRng::seed_from_u64(seed))).unwrap()
}

fn aa_profile() -> Profile {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.active_authentication = "ec-p256".into();
    p
}

const FILES: [&str; 8] = [
    "COM",
    "SOD",
    "DG1",
    "DG2",
    "DG14",
    "DG15",
    "CardAccess",
    "CardSecurity",
];

#[test]
fn a_name_followed_by_an_attack_loads_the_profile_with_that_attack() {
    for attack in Attack::ALL {
        let p = Profile::load(&format!("norway-id:{attack}")).unwrap();
        assert_eq!(p.attack, Some(attack));
        assert_eq!(p.name, "norway-id");
        assert_eq!(Attack::from_name(attack.name()), Some(attack));
        assert!(!attack.description().is_empty());
    }
    assert_eq!(Profile::load("norway-id").unwrap().attack, None);
    let err = Profile::load("norway-id:teleport").unwrap_err();
    assert!(
        err.to_string()
            .contains("clone, replay, wrong-aa-key, dg14-swap"),
        "{err}"
    );
}

#[test]
fn the_attack_key_of_a_toml_profile_round_trips() {
    let mut p = Profile::builtin("norway-id").unwrap();
    p.attack = Some(Attack::Dg14Swap);
    let text = toml::to_string(&p).unwrap();
    assert!(text.contains("attack = \"dg14-swap\""), "{text}");
    assert_eq!(Profile::from_toml(&text).unwrap(), p);
    let genuine = toml::to_string(&Profile::builtin("norway-id").unwrap()).unwrap();
    assert!(!genuine.contains("attack"));
}

#[test]
fn a_clone_serves_the_genuine_files_byte_for_byte() {
    let p = aa_profile();
    let genuine = seeded(&p, None, 1);
    let clone = seeded(&p, Some(Attack::Clone), 1);
    for n in FILES {
        assert!(genuine.file(n).is_some(), "{n}");
        assert_eq!(genuine.file(n), clone.file(n), "{n}");
    }
    assert_eq!(clone.attack(), Some(Attack::Clone));
    // A different seed is a different document (its own CA key in DG14).
    assert_ne!(seeded(&p, None, 2).file("DG14"), genuine.file("DG14"));
}

#[test]
fn a_dg14_swap_serves_another_dg14_and_every_other_file_of_the_document() {
    let p = Profile::builtin("norway-id").unwrap();
    let genuine = seeded(&p, None, 3);
    let swapped = seeded(&p, Some(Attack::Dg14Swap), 3);
    for n in ["COM", "SOD", "DG1", "DG2", "CardAccess", "CardSecurity"] {
        assert_eq!(genuine.file(n), swapped.file(n), "{n}");
    }
    assert_ne!(genuine.file("DG14"), swapped.file("DG14"));
    // Both are DG14s with a Chip Authentication key.
    for chip in [&genuine, &swapped] {
        let infos =
            emrtd_lds::security_infos::SecurityInfos::parse_dg14(chip.file("DG14").unwrap())
                .unwrap();
        assert!(!infos.infos.is_empty());
    }
}

#[test]
fn attacks_on_a_key_the_profile_lacks_are_refused_with_the_missing_key_named() {
    let ca_only = Profile::builtin("norway-id").unwrap();
    let err = VirtualChip::new(Profile {
        attack: Some(Attack::WrongAaKey),
        ..ca_only
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains("active_authentication"), "{err}");
    let mut aa_only = aa_profile();
    aa_only.chip_authentication = None;
    let err = VirtualChip::new(Profile {
        attack: Some(Attack::Dg14Swap),
        ..aa_only
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains("chip_authentication"), "{err}");
    assert!(matches!(
        Profile::load("norway-id:nope"),
        Err(ProfileError::Invalid(_))
    ));
}

#[test]
fn a_replay_chip_answers_its_first_session_to_whatever_it_is_sent_later() {
    let p = Profile::builtin("norway-id").unwrap();
    let mut chip = seeded(&p, Some(Attack::Replay), 5);
    chip.reset(); // nothing recorded yet: still the genuine chip
    let select_mf = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];
    let read_card_access = [0x00, 0xB0, 0x9C, 0x00, 0x00];
    let first = [chip.process(&select_mf), chip.process(&read_card_access)];
    assert_eq!(first[0], [0x90, 0x00]);
    assert_eq!(
        &first[1][..first[1].len() - 2],
        chip.file("CardAccess").unwrap()
    );
    chip.reset();
    // Other commands, the recorded answers in order; then 6F00.
    let get_challenge = [0x00, 0x84, 0x00, 0x00, 0x08];
    assert_eq!(chip.process(&get_challenge), first[0]);
    assert_eq!(chip.process(&[0x00, 0xB0, 0x81, 0x00, 0x10]), first[1]);
    assert_eq!(chip.process(&select_mf), [0x6F, 0x00]);
    // Every later session starts the recording again.
    chip.reset();
    assert_eq!(chip.process(&read_card_access), first[0]);
    // The genuine chip answers GET CHALLENGE itself (here: PACE-only, not supported).
    let mut genuine = seeded(&p, None, 5);
    assert_ne!(genuine.process(&get_challenge), first[0]);
}

#[test]
fn every_active_authentication_key_type_has_a_second_key_for_the_attacks() {
    for kind in [
        "rsa-2048",
        "rsa-2048-sha256",
        "rsa-3072",
        "rsa-4096",
        "ec-p256",
        "ec-brainpoolp256r1",
    ] {
        let mut p = Profile::builtin("norway-id").unwrap();
        p.active_authentication = kind.into();
        for attack in [Attack::WrongAaKey, Attack::Clone] {
            let genuine = seeded(&p, None, 6);
            let chip = seeded(&p, Some(attack), 6);
            assert_eq!(genuine.file("DG15"), chip.file("DG15"), "{kind} {attack}");
        }
    }
}
