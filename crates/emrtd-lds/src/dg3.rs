//! DG3 (ICAO 9303-10 §4.7.3): encoded fingerprints, ISO/IEC 19794-4 finger image records
//! ("FIR\0") in CBEFF templates. The records are kept as bytes.

use crate::cbeff::{raw_biometric_dg, BIOMETRIC_TYPE_FINGERPRINT, FORMAT_TYPE_FINGER_19794};

raw_biometric_dg!(
    /// Decoded DG3.
    Dg3,
    0x63,
    "DG3",
    [FORMAT_TYPE_FINGER_19794],
    BIOMETRIC_TYPE_FINGERPRINT,
    b"FIR\0"
);
