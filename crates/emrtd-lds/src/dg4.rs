//! DG4 (ICAO 9303-10 §4.7.4): encoded irises, ISO/IEC 19794-6 iris image records ("IIR\0") in
//! CBEFF templates. The records are kept as bytes.

use crate::cbeff::{raw_biometric_dg, BIOMETRIC_TYPE_IRIS, FORMAT_TYPE_IRIS_19794};

raw_biometric_dg!(
    /// Decoded DG4.
    Dg4,
    0x76,
    "DG4",
    [FORMAT_TYPE_IRIS_19794],
    BIOMETRIC_TYPE_IRIS,
    b"IIR\0"
);
