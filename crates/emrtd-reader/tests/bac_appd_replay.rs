//! The reader's BAC and secure messaging against the ICAO 9303-11 App. D worked example,
//! byte for byte: a scripted chip checks every command the reader sends and answers with the
//! published responses.

use emrtd_apdu::{CommandApdu, StatusWord, Transport, TransportError};
use emrtd_reader::{
    read_blocking, AccessKey, AccessProtocol, Engine, EngineConfig, FixedClock, ReadOptions,
};
use rand_core::{CryptoRng, RngCore};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vectors/icao9303-11_appD_bac_sm_3des.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn h(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// Returns the given bytes as "randomness", then fails the test if asked for more.
struct FixedRng(Vec<u8>);
impl RngCore for FixedRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        assert!(
            dest.len() <= self.0.len(),
            "reader asked for more randomness than the vector has"
        );
        let rest = self.0.split_off(dest.len());
        dest.copy_from_slice(&self.0);
        self.0 = rest;
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for FixedRng {}

/// A chip that expects exactly the scripted commands (ignoring Le of EXTERNAL AUTHENTICATE,
/// which App. D leaves open) and answers with the scripted responses.
struct Script {
    steps: Vec<(Vec<u8>, Vec<u8>)>,
    pos: usize,
}

impl Transport for Script {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let (expected, response) = self
            .steps
            .get(self.pos)
            .cloned()
            .expect("reader sent more commands than the script has");
        self.pos += 1;
        let same = if expected.get(1) == Some(&0x82) {
            // EXTERNAL AUTHENTICATE: compare header and data; Le may be 28 or 00.
            expected[..expected.len() - 1] == apdu[..apdu.len() - 1]
        } else {
            expected == apdu
        };
        assert!(
            same,
            "step {}: expected {} got {}",
            self.pos,
            hex::encode_upper(&expected),
            hex::encode_upper(apdu)
        );
        Ok(response)
    }
}

#[test]
fn bac_and_secure_messaging_match_app_d() {
    let v = vectors();
    let d3 = &v["D3_bac_mutual_authentication"];
    let d4 = &v["D4_secure_messaging_3des"];
    let mut steps = vec![
        (
            h(&d3["get_challenge"]["command"]),
            h(&d3["get_challenge"]["response"]),
        ),
        (
            h(&d3["external_authenticate"]["command"]),
            h(&d3["external_authenticate"]["response"]),
        ),
    ];
    for step in d4["steps"].as_array().unwrap() {
        steps.push((h(&step["protected_command"]), h(&step["response"])));
    }
    let mut randomness = h(&d3["rnd_ifd"]);
    randomness.extend(h(&d3["k_ifd"]));
    let rng = FixedRng(randomness);

    let info = v["D2_mrz_key_derivation"]["mrz_information"]
        .as_str()
        .unwrap()
        .to_string();
    let select = CommandApdu::parse(&h(&d4["steps"][0]["unprotected_command"])).unwrap();
    let reads: Vec<(CommandApdu, Vec<u8>)> = d4["steps"].as_array().unwrap()[1..]
        .iter()
        .map(|step| {
            (
                CommandApdu::parse(&h(&step["unprotected_command"])).unwrap(),
                h(&step["response_plain_data"]),
            )
        })
        .collect();
    let engine = Engine::with_procedure(
        config(&info),
        rng,
        FixedClock(0),
        move |mut ch| async move {
            ch.basic_access_control(&info).await?;
            assert_eq!(ch.access().unwrap().protocol, AccessProtocol::Bac);
            let select = ch.transmit(&select).await?;
            assert_eq!(select.sw, StatusWord::OK);
            let mut ef_com = Vec::new();
            for (cmd, plain) in reads {
                let resp = ch.transmit(&cmd).await?;
                assert_eq!(resp.data, plain);
                assert_eq!(resp.sw, StatusWord::OK);
                ef_com.extend(resp.data);
            }
            Ok(ef_com)
        },
    );
    let mut script = Script { steps, pos: 0 };
    let ef_com = read_blocking(&mut script, engine, &mut |_| {}).unwrap();
    assert_eq!(
        script.pos,
        script.steps.len(),
        "every scripted command was sent"
    );
    assert_eq!(ef_com, h(&d4["ef_com_reassembled"]));
    let com = emrtd_lds::com::EfCom::decode(&ef_com).unwrap();
    assert_eq!(com.data_groups(), vec![1, 2]);
}

/// An engine configuration whose key is the App. D MRZ information.
fn config(info: &str) -> EngineConfig {
    EngineConfig::new(
        AccessKey::Mrz(info.to_string().into()),
        ReadOptions::default(),
    )
}

#[test]
fn wrong_mrz_is_access_denied() {
    let v = vectors();
    let d3 = &v["D3_bac_mutual_authentication"];
    // The chip refuses the cryptogram as a real chip does: 6300.
    let steps = vec![
        (
            h(&d3["get_challenge"]["command"]),
            h(&d3["get_challenge"]["response"]),
        ),
        (h(&d3["external_authenticate"]["command"]), vec![0x63, 0x00]),
    ];
    let mut randomness = h(&d3["rnd_ifd"]);
    randomness.extend(h(&d3["k_ifd"]));
    let info = v["D2_mrz_key_derivation"]["mrz_information"]
        .as_str()
        .unwrap()
        .to_string();
    let engine = Engine::with_procedure(
        config(&info),
        FixedRng(randomness),
        FixedClock(0),
        move |mut ch| async move { ch.basic_access_control(&info).await },
    );
    let err = read_blocking(&mut Script { steps, pos: 0 }, engine, &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, emrtd_reader::ReadError::AccessDenied),
        "{err:?}"
    );
    assert!(err.to_string().contains("check the MRZ"));
}
