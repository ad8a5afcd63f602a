//! DG3 and DG4 with their ISO/IEC 19794-4 finger and 19794-6 iris image records and ISO/IEC
//! 39794-4 / 39794-6 data blocks (`emrtd_lds::dg3`, `dg4`, `iso19794_4`, `iso19794_6`,
//! `iso39794_4_6`), as a chip sends them after Terminal Authentication. The first byte selects
//! the decoder. Asserts "no panic" and that every image returned lies inside the input.
#![no_main]

use emrtd_lds::dg3::Dg3;
use emrtd_lds::dg4::Dg4;
use emrtd_lds::iso19794_4::FingerImageRecord;
use emrtd_lds::iso19794_6::IrisImageRecord;
use emrtd_lds::iso39794_4_6::{FingerImageData, IrisImageData};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((sel, rest)) = data.split_first() else {
        return;
    };
    match sel % 6 {
        0 => {
            if let Ok(dg) = Dg3::decode(rest) {
                if let Ok(images) = dg.images() {
                    assert!(images.iter().all(|i| i.data.len() <= rest.len()));
                }
            }
        }
        1 => {
            if let Ok(dg) = Dg4::decode(rest) {
                if let Ok(images) = dg.images() {
                    assert!(images.iter().all(|i| i.data.len() <= rest.len()));
                }
            }
        }
        2 => {
            if let Ok(r) = FingerImageRecord::decode(rest) {
                let total: usize = r.images.iter().map(|i| i.data.len()).sum();
                assert!(total <= rest.len());
            }
        }
        3 => {
            if let Ok(r) = IrisImageRecord::decode(rest) {
                let total: usize = r.images.iter().map(|i| i.data.len()).sum();
                assert!(total <= rest.len());
            }
        }
        4 => {
            if let Ok(d) = FingerImageData::decode(rest, "DG3") {
                let total: usize = d.representations.iter().map(|r| r.image.len()).sum();
                assert!(total <= rest.len());
            }
        }
        _ => {
            if let Ok(d) = IrisImageData::decode(rest, "DG4") {
                let total: usize = d.representations.iter().map(|r| r.image.len()).sum();
                assert!(total <= rest.len());
            }
        }
    }
});
