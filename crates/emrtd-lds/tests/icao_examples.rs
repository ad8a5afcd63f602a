//! ICAO 9303-10 worked examples (fixtures/lds/icao9303-10_lds_examples.json): every file decodes
//! to the values the specification shows and re-encodes to the same bytes.

mod common;

use common::{fixture, icao_example, json};
use emrtd_lds::com::EfCom;
use emrtd_lds::dg1::Dg1;
use emrtd_lds::dg11::{Dg11, ListEncoding};
use emrtd_lds::dg12::Dg12;
use emrtd_lds::dg14::Dg14;
use emrtd_lds::dg15::{AaPublicKey, Dg15};
use emrtd_lds::dg16::Dg16;
use emrtd_lds::dg2::{Dg2, FaceRecord};
use emrtd_lds::displayed::Dg7;
use emrtd_lds::opaque::OpaqueDg;
use emrtd_lds::{decode_file, FileId, ImageFormat};

#[test]
fn ef_com_examples() {
    let com = EfCom::decode(&icao_example("EF.COM 9303-10 A.1 test case 1")).unwrap();
    assert_eq!(com.lds_version, "0107");
    assert_eq!(com.unicode_version, "040000");
    assert_eq!(com.data_groups(), vec![1, 2, 4, 12]);
    assert!(com.check().is_empty(), "{:?}", com.check());
    assert_eq!(com.encode(), com.raw);

    // LDS version "1599" decodes (it is four digits) but is not a known version.
    let odd = EfCom::decode(&icao_example("EF.COM 9303-10 A.1 test case 2")).unwrap();
    assert_eq!(odd.lds_version, "1599");
    assert_eq!(odd.check().len(), 1);
    assert_eq!(odd.check()[0].element, "LDS version (5F01)");

    let d4 = EfCom::decode(&icao_example("EF.COM read in 9303-11 D.4")).unwrap();
    assert_eq!(d4.data_groups(), vec![1, 2]);
    assert_eq!(d4.encode(), d4.raw);
}

#[test]
fn dg1_examples() {
    let cases = [
        ("DG1 TD1", "I<NLDXI85935F86999999990<<<<<<7208148F1108268NLD<<<<<<<<<<<8VAN<DER<STEEN<<MARIANNE<LOUISE"),
        ("DG1 TD2 (A.2.2", "I<ATASMITH<<JOHN<T<<<<<<<<<<<<<<<<<<123456789<HMD7406221M10123120122<<<0"),
        ("DG1 TD3 (9303-4", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"),
        ("DG1 TD3 (BSI", "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<C11T002JM4D<<9608122F2310314<<<<<<<<<<<<<<04"),
        ("DG1 TD2 (UTO", "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6"),
    ];
    for (name, mrz) in cases {
        let bytes = icao_example(name);
        let dg1 = Dg1::decode(&bytes).unwrap();
        assert_eq!(dg1.mrz_text, mrz, "{name}");
        assert_eq!(dg1.encode(), bytes, "{name}");
        assert_eq!(dg1.raw, bytes);
        assert!(dg1.check().is_empty(), "{name}: {:?}", dg1.check());
        assert!(dg1.mrz().unwrap().is_valid(), "{name}");
    }
}

#[test]
fn dg2_example_is_the_19794_sample() {
    let bytes = icao_example("DG2 (ISO 19794-5");
    let dg2 = Dg2::decode(&bytes).unwrap();
    assert_eq!(dg2.encode(), bytes);
    let t = &dg2.group.templates[0];
    assert_eq!(t.header.format_owner, 0x0101);
    assert_eq!(t.header.format_type, 0x0008);
    // The data block is byte for byte the gmrtd ISO 19794-5 sample record.
    assert_eq!(
        t.data.encode_bdb_bytes(),
        fixture("gmrtd_lds_testdata/ISO19794_Test1_Data.bin")
    );
    let FaceRecord::Iso19794(record) = &t.data else {
        panic!("19794 expected")
    };
    assert_eq!(
        record.images[0].image,
        fixture("gmrtd_lds_testdata/ISO19794_Test1_Face.jpg")
    );
}

/// Bring `BiometricData::encode_bdb` into method syntax for the test above.
trait EncodeBdb {
    fn encode_bdb_bytes(&self) -> Vec<u8>;
}
impl EncodeBdb for FaceRecord {
    fn encode_bdb_bytes(&self) -> Vec<u8> {
        emrtd_lds::cbeff::BiometricData::encode_bdb(self)
    }
}

#[test]
fn dg7_example() {
    let bytes = icao_example("DG7");
    let dg7 = Dg7::decode(&bytes).unwrap();
    assert_eq!(dg7.images.len(), 1);
    assert_eq!(dg7.formats(), vec![Some(ImageFormat::Jpeg)]);
    assert_eq!(dg7.images[0].len(), 0x13EB);
    assert_eq!(dg7.encode(), bytes);
}

#[test]
fn dg11_example() {
    let bytes = icao_example("DG11");
    let dg11 = Dg11::decode(&bytes).unwrap();
    assert_eq!(dg11.tag_list, vec![0x5F0E, 0x5F11, 0x5F42, 0x5F12, 0x5F13]);
    assert_eq!(dg11.full_name.as_deref(), Some("SMITH<<JOHN<J"));
    assert_eq!(dg11.place_of_birth.as_deref(), Some("ANYTOWN<MN"));
    assert_eq!(dg11.address.as_deref(), Some("123 MAPLE RD<ANYTOWN<MN"));
    assert_eq!(dg11.telephone.as_deref(), Some("16125551212"));
    assert_eq!(dg11.profession.as_deref(), Some("TRAVEL<AGENT"));
    assert_eq!(dg11.other_names_encoding, ListEncoding::Template);
    assert!(dg11.check().is_empty(), "{:?}", dg11.check());
    assert_eq!(dg11.encode(), bytes);
}

#[test]
fn dg12_example() {
    let bytes = icao_example("DG12");
    let dg12 = Dg12::decode(&bytes).unwrap();
    assert_eq!(dg12.tag_list, vec![0x5F55, 0x5F56]);
    assert_eq!(dg12.personalisation_time.as_deref(), Some("20161115013612"));
    assert_eq!(dg12.personalisation_device.as_deref(), Some("N-4962"));
    assert!(dg12.check().is_empty());
    assert_eq!(dg12.encode(), bytes);
}

#[test]
fn dg13_example_is_kept_opaque() {
    let bytes = icao_example("DG13");
    let dg13 = OpaqueDg::decode(13, &bytes).unwrap();
    assert_eq!(dg13.content, common::hex("01234567890123456789"));
    assert_eq!(dg13.encode(), bytes);
}

#[test]
fn dg14_example() {
    let bytes = icao_example("DG14");
    let dg14 = Dg14::decode(&bytes).unwrap();
    assert_eq!(dg14.content[..4], [0x31, 0x82, 0x02, 0x10]);
    assert_eq!(dg14.encode(), bytes);
    let infos = dg14.security_infos().unwrap();
    assert_eq!(infos.chip_authentication_public_keys().count(), 1);
    assert!(dg14.check().is_empty(), "{:?}", dg14.check());
}

#[test]
fn dg15_example_rsa() {
    let bytes = icao_example("DG15");
    let dg15 = Dg15::decode(&bytes).unwrap();
    let AaPublicKey::Rsa { n, e } = &dg15.public_key else {
        panic!("RSA expected")
    };
    assert_eq!(n.len(), 224, "RSA-1792 modulus");
    assert_eq!(n[..4], [0xBB, 0x8F, 0x93, 0xF4]);
    assert_eq!(e, &vec![0x01, 0x00, 0x01]);
    assert_eq!(dg15.encode(), bytes);
}

#[test]
fn dg16_example() {
    let bytes = icao_example("DG16");
    let dg16 = Dg16::decode(&bytes).unwrap();
    assert_eq!(dg16.persons.len(), 2);
    let p = &dg16.persons[0];
    assert_eq!(p.date_recorded.as_deref(), Some("20020101"));
    assert_eq!(p.name.as_deref(), Some("SMITH<<CHARLES<R"));
    assert_eq!(p.telephone.as_deref(), Some("19525551212"));
    assert_eq!(p.address.as_deref(), Some("123 MAPLE RD<ANYTOWN<MN<55100"));
    assert_eq!(dg16.persons[1].name.as_deref(), Some("BROWN<<MARY<J"));
    assert_eq!(
        dg16.persons[1].address.as_deref(),
        Some("49 REDWOOD LN<OCEAN BREEZE<CA<94000")
    );
    assert!(dg16.check().is_empty());
    assert_eq!(dg16.encode(), bytes);
}

#[test]
fn every_example_goes_through_the_dispatcher() {
    let doc = json("icao9303-10_lds_examples.json");
    for item in doc["items"].as_array().unwrap() {
        let bytes = common::hex(item["hex"].as_str().unwrap());
        let id = FileId::from_tag(bytes[0]).expect("known tag");
        let file = decode_file(id, &bytes).unwrap_or_else(|e| panic!("{}: {e}", item["name"]));
        assert_eq!(file.raw(), &bytes[..]);
        assert_eq!(file.encode(), bytes, "{}", item["name"]);
    }
}
