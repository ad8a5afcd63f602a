//! `emrtd-bindgen`: UniFFI's `uniffi-bindgen` under another name (cargo feature `cli`); it
//! generates the Kotlin, Swift and Python sources from the library (see bindings/generate.sh).
#![forbid(unsafe_code)]

fn main() {
    uniffi::uniffi_bindgen_main()
}
