//! Parse a machine readable zone, check its check digits and derive the BAC/PACE key.
//!
//! `cargo run -p emrtd-kit --example parse_mrz -- 'LINE 1' 'LINE 2' ['LINE 3']`
//! (without arguments: the TD3 specimen of ICAO 9303-4).

use emrtd_kit::Mrz;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lines: Vec<String> = std::env::args().skip(1).collect();
    if lines.is_empty() {
        lines = vec![
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".into(),
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10".into(),
        ];
    }
    let mrz = Mrz::from_lines(&lines)?;
    println!("format:          {:?}", mrz.format);
    println!("issuing state:   {}", mrz.issuing_state);
    println!("document number: {}", mrz.document_number);
    println!(
        "name:            {} {}",
        mrz.secondary_identifier, mrz.primary_identifier
    );
    println!("date of birth:   {}", mrz.date_of_birth);
    println!("date of expiry:  {}", mrz.date_of_expiry);
    for failure in mrz.check_failures() {
        println!("check digit:     {failure}");
    }
    match mrz.validate() {
        Ok(()) => {
            // The access key of BAC and PACE-with-MRZ; a secret: show it only in a demo.
            println!("access key info: {}", mrz.access_key_info()?);
            Ok(())
        }
        Err(e) => {
            eprintln!("the MRZ has a wrong check digit: {e}");
            std::process::exit(1);
        }
    }
}
