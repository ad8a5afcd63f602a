//! ICAO Doc 9303-10 Logical Data Structure: typed decoders and encoders for every elementary file.
//!
//! Every decoder accepts untrusted bytes and returns `Ok` or a typed [`LdsError`]; none panics.
//! Decoded structures keep the bytes they were decoded from, so hashes are always computed
//! over what the chip sent.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod atr_info;
pub mod cbeff;
pub mod check;
pub mod com;
pub(crate) mod common;
pub mod cvca;
pub mod data_group;
pub mod dg1;
pub mod dg11;
pub mod dg12;
pub mod dg14;
pub mod dg15;
pub mod dg16;
pub mod dg2;
pub mod dg3;
pub mod dg4;
pub mod displayed;
pub mod error;
pub mod file;
pub mod imaging;
pub mod iso19794_4;
pub mod iso19794_5;
pub mod iso19794_6;
pub mod iso39794_4_6;
pub mod iso39794_5;
pub mod opaque;
pub mod security_infos;
pub mod sod;

pub use check::Issue;
pub use data_group::DataGroup;
pub use error::LdsError;
pub use file::{decode_file, FileId, LdsFile};
#[cfg(feature = "images")]
pub use imaging::face_to_png;
pub use imaging::{image_header, ImageFormat, ImageHeader};
