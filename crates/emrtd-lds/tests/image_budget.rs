//! Image decoding budget: the size an image declares is read from its header and checked
//! before any pixel is decoded, so a tiny file declaring a huge image is refused at once.

use emrtd_lds::imaging::{image_header, ImageFormat, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS};
use std::time::{Duration, Instant};

const F: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/lds");

fn jpeg_declaring(width: u16, height: u16, components: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    // APP0 JFIF
    b.extend([0xFF, 0xE0, 0x00, 0x10]);
    b.extend(b"JFIF\0");
    b.extend([1, 1, 0, 0, 1, 0, 1, 0, 0]);
    // SOF0: length, precision 8, height, width, components
    b.extend([0xFF, 0xC0, 0x00, 8 + 3 * components]);
    b.push(8);
    b.extend(height.to_be_bytes());
    b.extend(width.to_be_bytes());
    b.push(components);
    for c in 0..components {
        b.extend([c + 1, 0x11, 0]);
    }
    b.extend([0xFF, 0xD9]);
    b
}

fn siz(width: u32, height: u32, components: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0x4F, 0xFF, 0x51];
    b.extend((38 + 3 * components).to_be_bytes()); // Lsiz
    b.extend([0, 0]); // Rsiz
    for v in [width, height, 0, 0, width, height, 0, 0] {
        b.extend(v.to_be_bytes());
    }
    b.extend(components.to_be_bytes());
    for _ in 0..components {
        b.extend([7, 1, 1]);
    }
    b.extend([0xFF, 0xD9]);
    b
}

fn jp2_declaring(width: u32, height: u32, components: u16) -> Vec<u8> {
    let mut b = vec![
        0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
    ];
    b.extend([0, 0, 0, 0x14]);
    b.extend(b"ftypjp2 \0\0\0\0jp2 ");
    let mut ihdr = Vec::new();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(components.to_be_bytes());
    ihdr.extend([7, 7, 0, 0]);
    let ihdr_box = [&(8 + ihdr.len() as u32).to_be_bytes()[..], b"ihdr", &ihdr].concat();
    b.extend((8 + ihdr_box.len() as u32).to_be_bytes());
    b.extend(b"jp2h");
    b.extend(ihdr_box);
    let cs = siz(width, height, components);
    b.extend((8 + cs.len() as u32).to_be_bytes());
    b.extend(b"jp2c");
    b.extend(cs);
    b
}

#[test]
fn headers_give_the_declared_size_without_decoding() {
    let h = image_header(&jpeg_declaring(640, 480, 3)).unwrap();
    assert_eq!(
        (h.format, h.width, h.height, h.components),
        (ImageFormat::Jpeg, 640, 480, 3)
    );
    let h = image_header(&siz(420, 525, 1)).unwrap();
    assert_eq!((h.format, h.width, h.height), (ImageFormat::J2k, 420, 525));
    let h = image_header(&jp2_declaring(420, 525, 3)).unwrap();
    assert_eq!(
        (h.format, h.width, h.height, h.components),
        (ImageFormat::Jp2, 420, 525, 3)
    );
    assert!(h.check_budget().is_ok());
}

#[test]
fn real_faces_declare_their_real_size() {
    for (file, format) in [
        ("ISO19794_Test1_Face.jpg", ImageFormat::Jpeg),
        // JPEG 2000 in a JP2 container, whatever the file name says.
        ("ICAO_39794_5_AP_DG2_Face.jpg", ImageFormat::Jp2),
    ] {
        let bytes = std::fs::read(format!("{F}/gmrtd_lds_testdata/{file}")).unwrap();
        let h = image_header(&bytes).unwrap();
        assert_eq!(h.format, format, "{file}");
        assert!(h.width > 50 && h.height > 50, "{file}: {h:?}");
        assert!(h.check_budget().is_ok());
        #[cfg(feature = "images")]
        {
            // The decoder agrees with the header.
            let png = emrtd_lds::face_to_png(&bytes).unwrap();
            let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
            let ht = u32::from_be_bytes(png[20..24].try_into().unwrap());
            assert_eq!((w, ht), (h.width, h.height), "{file}");
        }
    }
}

#[test]
fn tiny_headers_declaring_huge_images_are_refused_in_milliseconds() {
    let huge = [
        jpeg_declaring(65_535, 65_535, 3),
        jpeg_declaring(5_000, 4_000, 3), // 20 megapixels: over 16
        siz(100_000, 100_000, 3),
        jp2_declaring(50_000, 50_000, 4),
    ];
    for img in &huge {
        assert!(img.len() < 200);
        let start = Instant::now();
        let h = image_header(img).unwrap();
        let e = h.check_budget().unwrap_err().to_string();
        assert!(e.contains("not decoded"), "{e}");
        #[cfg(feature = "images")]
        {
            let e = emrtd_lds::face_to_png(img).unwrap_err().to_string();
            assert!(e.contains("not decoded"), "{e}");
        }
        assert!(
            start.elapsed() < Duration::from_millis(250),
            "{:?}",
            start.elapsed()
        );
    }
    // 16 megapixels fit; one row more does not.
    assert!(image_header(&siz(4000, 4000, 3))
        .unwrap()
        .check_budget()
        .is_ok());
    assert!(image_header(&siz(4000, 4001, 3))
        .unwrap()
        .check_budget()
        .is_err());
    assert_eq!(MAX_IMAGE_PIXELS, 16_000_000);
    assert_eq!(MAX_IMAGE_BYTES, 256 << 20);
}

#[test]
fn malformed_headers_are_errors_not_panics() {
    for bad in [
        vec![0xFF, 0xD8, 0xFF],
        vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 2],
        vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0],
        vec![0xFF, 0x4F, 0xFF, 0x51, 0],
        siz(10, 10, 1)[..30].to_vec(),
        jp2_declaring(10, 10, 1)[..40].to_vec(),
        vec![
            0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0, 0, 0, 1,
        ],
        vec![
            0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF,
            0, 0, 0, 0,
        ],
    ] {
        assert!(image_header(&bad).is_err(), "{bad:02X?}");
    }
    // Every prefix of valid headers: no panic.
    for img in [
        jpeg_declaring(10, 10, 3),
        siz(10, 10, 3),
        jp2_declaring(10, 10, 3),
    ] {
        for cut in 0..img.len() {
            let _ = image_header(&img[..cut]);
        }
    }
}

#[test]
fn jpegs_without_jfif_and_jpeg_2000_files_with_padding_after_the_codestream_are_read() {
    // Field quirk D14: JPEGs that do not start with the JFIF APP0 segment (here: SOF0 right
    // after SOI), and JPEG 2000 files with padding after the codestream.
    let jfif = jpeg_declaring(420, 525, 3);
    let mut bare = vec![0xFF, 0xD8];
    bare.extend_from_slice(&jfif[2 + 4 + 14..]);
    assert_eq!(&bare[..4], &[0xFF, 0xD8, 0xFF, 0xC0]);
    let h = image_header(&bare).expect("JPEG without JFIF");
    assert_eq!((h.format, h.width, h.height), (ImageFormat::Jpeg, 420, 525));
    let mut padded = jp2_declaring(420, 525, 3);
    padded.extend([0u8; 64]);
    let h = image_header(&padded).expect("JP2 with padding");
    assert_eq!((h.format, h.width, h.height), (ImageFormat::Jp2, 420, 525));
}
