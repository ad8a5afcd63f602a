//! The face decoder path as the CLI and the bindings run it on a chip's DG2: `Dg2::decode`,
//! then every face the record holds (ISO/IEC 19794-5 or 39794-5) through `image_header`,
//! `check_budget` and `face_to_png` (JPEG, JP2, raw JPEG 2000 codestream). CI runs this target
//! with `-rss_limit_mb=512`: the decoding budget (`MAX_IMAGE_PIXELS`, `MAX_IMAGE_BYTES`) must
//! keep a whole DG2, with up to `MAX_IMAGES` faces, far below that.
//!
//! Input: the DG2 file (tag `75`) as a chip would send it. Asserts no panic escapes, that an
//! image over the budget is never decoded, and that a decoded face is a PNG.
#![no_main]

use emrtd_lds::dg2::Dg2;
use emrtd_lds::{face_to_png, image_header};
use libfuzzer_sys::fuzz_target;
use std::sync::Once;

fuzz_target!(|data: &[u8]| {
    // As in `face_image`: print contained decoder panics instead of aborting on them; one
    // that escapes `face_to_png` still reaches libfuzzer-sys's `catch_unwind` and aborts.
    static HOOK: Once = Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("{info}"))));
    let Ok(dg2) = Dg2::decode(data) else {
        return;
    };
    let _ = dg2.check();
    for face in dg2.faces() {
        let within_budget = image_header(face.image).is_ok_and(|h| h.check_budget().is_ok());
        match face_to_png(face.image) {
            Ok(png) => {
                assert!(
                    within_budget,
                    "face_to_png decoded an image over the budget"
                );
                assert_eq!(
                    &png[1..4],
                    b"PNG",
                    "face_to_png returned something other than PNG"
                );
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
