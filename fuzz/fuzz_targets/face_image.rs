//! Face image conversion (`emrtd_lds::face_to_png`): JPEG, JP2 and raw JPEG 2000 codestreams
//! as a chip could store them in DG2 (or DG5/DG7). The function checks the declared size
//! against `MAX_IMAGE_DIMENSION` / `MAX_IMAGE_PIXELS` before decoding and turns a panic inside a
//! third-party decoder into an error; this target checks that nothing escapes it and that time
//! and memory stay bounded. Asserts only "no panic" (outside the decoders' own contained ones).
#![no_main]

use emrtd_lds::{face_to_png, ImageFormat};
use libfuzzer_sys::fuzz_target;
use std::sync::Once;

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's panic hook aborts on every panic, even one `face_to_png` catches on
    // purpose. Replace it with one that only prints: a panic that escapes `face_to_png` still
    // reaches libfuzzer-sys's own `catch_unwind`, which aborts (and so reports the crash).
    static HOOK: Once = Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("{info}"))));
    let _ = ImageFormat::detect(data);
    if let Ok(png) = face_to_png(data) {
        assert_eq!(
            &png[1..4],
            b"PNG",
            "face_to_png returned something other than PNG"
        );
    }
});
