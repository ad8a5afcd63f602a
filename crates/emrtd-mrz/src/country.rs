//! Which country's CSCA may sign a document of a given ICAO issuing state.
//!
//! ICAO 9303-3 §5 writes the issuing state as an alpha-3 code: the ISO 3166-1 alpha-3 code of the
//! state, or one of ICAO's own codes (`D` for Germany, the British nationality codes, the codes of
//! international organisations). A CSCA names its country in the `C=` attribute of its subject,
//! with the ISO 3166-1 alpha-2 code (ICAO 9303-12 §7.1.1). [`csca_country`] maps the first to
//! the second, so that Passive Authentication can refuse a document signed by another country's
//! CSCA (field quirk T10).
//!
//! The ISO table is the one of Debian's `iso-codes` 4.15.0 (`iso_3166-1.json`); the ICAO codes and
//! the `C=` the international organisations' CSCAs use (UN, EU, KS for Kosovo) are cited in
//! `fixtures/README.md`.

/// What [`csca_country`] knows about an issuing-state code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerCountry {
    /// Documents with this issuing state are signed by a CSCA whose `C=` is this alpha-2 code.
    Alpha2(&'static str),
    /// The code names no issuing authority with a known CSCA country: a nationality-only code
    /// (stateless person, refugee), an organisation whose CSCA country is not known here, or the
    /// specimen state `UTO`. The country check cannot be made.
    NoKnownCsca(&'static str),
    /// The code is neither an ISO 3166-1 alpha-3 code nor one of ICAO's own codes.
    Unknown,
}

/// ICAO's own issuing-state codes (ICAO 9303-3 §5) and the CSCA country that signs for them.
const ICAO_CODES: &[(&str, IssuerCountry)] = &[
    ("D", IssuerCountry::Alpha2("DE")),
    // British citizen categories: documents issued by the United Kingdom.
    ("GBD", IssuerCountry::Alpha2("GB")),
    ("GBN", IssuerCountry::Alpha2("GB")),
    ("GBO", IssuerCountry::Alpha2("GB")),
    ("GBP", IssuerCountry::Alpha2("GB")),
    ("GBS", IssuerCountry::Alpha2("GB")),
    // United Nations (organisation, specialised agency, UNMIK for Kosovo): the UN CSCA, C=UN.
    ("UNO", IssuerCountry::Alpha2("UN")),
    ("UNA", IssuerCountry::Alpha2("UN")),
    ("UNK", IssuerCountry::Alpha2("UN")),
    // European Union laissez-passer: the EU CSCA, C=EU.
    ("EUE", IssuerCountry::Alpha2("EU")),
    // Kosovo: its CSCA names itself C=KS.
    ("RKS", IssuerCountry::Alpha2("KS")),
    ("XXA", IssuerCountry::NoKnownCsca("a nationality code (stateless person), not an issuing state")),
    ("XXB", IssuerCountry::NoKnownCsca("a nationality code (refugee, 1951 Convention), not an issuing state")),
    ("XXC", IssuerCountry::NoKnownCsca("a nationality code (refugee, other), not an issuing state")),
    ("XXX", IssuerCountry::NoKnownCsca("a nationality code (unspecified), not an issuing state")),
    ("UTO", IssuerCountry::NoKnownCsca("the ICAO specimen state Utopia")),
    ("XBA", IssuerCountry::NoKnownCsca("an organisation (African Development Bank) whose CSCA country is not known here")),
    ("XIM", IssuerCountry::NoKnownCsca("an organisation (African Export-Import Bank) whose CSCA country is not known here")),
    ("XCC", IssuerCountry::NoKnownCsca("an organisation (Caribbean Community) whose CSCA country is not known here")),
    ("XCE", IssuerCountry::NoKnownCsca("an organisation (Council of Europe) whose CSCA country is not known here")),
    ("XCO", IssuerCountry::NoKnownCsca("an organisation (COMESA) whose CSCA country is not known here")),
    ("XEC", IssuerCountry::NoKnownCsca("an organisation (ECOWAS) whose CSCA country is not known here")),
    ("XPO", IssuerCountry::NoKnownCsca("an organisation (INTERPOL) whose CSCA country is not known here")),
    ("XES", IssuerCountry::NoKnownCsca("an organisation (OECS) whose CSCA country is not known here")),
    ("XMP", IssuerCountry::NoKnownCsca("an organisation (Parliamentary Assembly of the Mediterranean) whose CSCA country is not known here")),
    ("XOM", IssuerCountry::NoKnownCsca("an organisation (Sovereign Military Order of Malta) whose CSCA country is not known here")),
    ("XDC", IssuerCountry::NoKnownCsca("an organisation (SADC) whose CSCA country is not known here")),
];

/// ISO 3166-1 alpha-3 → alpha-2, sorted by alpha-3 (Debian `iso-codes` 4.15.0, 249 entries).
#[rustfmt::skip]
const ISO_3166_1: &[(&str, &str)] = &[
    ("ABW", "AW"), ("AFG", "AF"), ("AGO", "AO"), ("AIA", "AI"), ("ALA", "AX"), ("ALB", "AL"),
    ("AND", "AD"), ("ARE", "AE"), ("ARG", "AR"), ("ARM", "AM"), ("ASM", "AS"), ("ATA", "AQ"),
    ("ATF", "TF"), ("ATG", "AG"), ("AUS", "AU"), ("AUT", "AT"), ("AZE", "AZ"), ("BDI", "BI"),
    ("BEL", "BE"), ("BEN", "BJ"), ("BES", "BQ"), ("BFA", "BF"), ("BGD", "BD"), ("BGR", "BG"),
    ("BHR", "BH"), ("BHS", "BS"), ("BIH", "BA"), ("BLM", "BL"), ("BLR", "BY"), ("BLZ", "BZ"),
    ("BMU", "BM"), ("BOL", "BO"), ("BRA", "BR"), ("BRB", "BB"), ("BRN", "BN"), ("BTN", "BT"),
    ("BVT", "BV"), ("BWA", "BW"), ("CAF", "CF"), ("CAN", "CA"), ("CCK", "CC"), ("CHE", "CH"),
    ("CHL", "CL"), ("CHN", "CN"), ("CIV", "CI"), ("CMR", "CM"), ("COD", "CD"), ("COG", "CG"),
    ("COK", "CK"), ("COL", "CO"), ("COM", "KM"), ("CPV", "CV"), ("CRI", "CR"), ("CUB", "CU"),
    ("CUW", "CW"), ("CXR", "CX"), ("CYM", "KY"), ("CYP", "CY"), ("CZE", "CZ"), ("DEU", "DE"),
    ("DJI", "DJ"), ("DMA", "DM"), ("DNK", "DK"), ("DOM", "DO"), ("DZA", "DZ"), ("ECU", "EC"),
    ("EGY", "EG"), ("ERI", "ER"), ("ESH", "EH"), ("ESP", "ES"), ("EST", "EE"), ("ETH", "ET"),
    ("FIN", "FI"), ("FJI", "FJ"), ("FLK", "FK"), ("FRA", "FR"), ("FRO", "FO"), ("FSM", "FM"),
    ("GAB", "GA"), ("GBR", "GB"), ("GEO", "GE"), ("GGY", "GG"), ("GHA", "GH"), ("GIB", "GI"),
    ("GIN", "GN"), ("GLP", "GP"), ("GMB", "GM"), ("GNB", "GW"), ("GNQ", "GQ"), ("GRC", "GR"),
    ("GRD", "GD"), ("GRL", "GL"), ("GTM", "GT"), ("GUF", "GF"), ("GUM", "GU"), ("GUY", "GY"),
    ("HKG", "HK"), ("HMD", "HM"), ("HND", "HN"), ("HRV", "HR"), ("HTI", "HT"), ("HUN", "HU"),
    ("IDN", "ID"), ("IMN", "IM"), ("IND", "IN"), ("IOT", "IO"), ("IRL", "IE"), ("IRN", "IR"),
    ("IRQ", "IQ"), ("ISL", "IS"), ("ISR", "IL"), ("ITA", "IT"), ("JAM", "JM"), ("JEY", "JE"),
    ("JOR", "JO"), ("JPN", "JP"), ("KAZ", "KZ"), ("KEN", "KE"), ("KGZ", "KG"), ("KHM", "KH"),
    ("KIR", "KI"), ("KNA", "KN"), ("KOR", "KR"), ("KWT", "KW"), ("LAO", "LA"), ("LBN", "LB"),
    ("LBR", "LR"), ("LBY", "LY"), ("LCA", "LC"), ("LIE", "LI"), ("LKA", "LK"), ("LSO", "LS"),
    ("LTU", "LT"), ("LUX", "LU"), ("LVA", "LV"), ("MAC", "MO"), ("MAF", "MF"), ("MAR", "MA"),
    ("MCO", "MC"), ("MDA", "MD"), ("MDG", "MG"), ("MDV", "MV"), ("MEX", "MX"), ("MHL", "MH"),
    ("MKD", "MK"), ("MLI", "ML"), ("MLT", "MT"), ("MMR", "MM"), ("MNE", "ME"), ("MNG", "MN"),
    ("MNP", "MP"), ("MOZ", "MZ"), ("MRT", "MR"), ("MSR", "MS"), ("MTQ", "MQ"), ("MUS", "MU"),
    ("MWI", "MW"), ("MYS", "MY"), ("MYT", "YT"), ("NAM", "NA"), ("NCL", "NC"), ("NER", "NE"),
    ("NFK", "NF"), ("NGA", "NG"), ("NIC", "NI"), ("NIU", "NU"), ("NLD", "NL"), ("NOR", "NO"),
    ("NPL", "NP"), ("NRU", "NR"), ("NZL", "NZ"), ("OMN", "OM"), ("PAK", "PK"), ("PAN", "PA"),
    ("PCN", "PN"), ("PER", "PE"), ("PHL", "PH"), ("PLW", "PW"), ("PNG", "PG"), ("POL", "PL"),
    ("PRI", "PR"), ("PRK", "KP"), ("PRT", "PT"), ("PRY", "PY"), ("PSE", "PS"), ("PYF", "PF"),
    ("QAT", "QA"), ("REU", "RE"), ("ROU", "RO"), ("RUS", "RU"), ("RWA", "RW"), ("SAU", "SA"),
    ("SDN", "SD"), ("SEN", "SN"), ("SGP", "SG"), ("SGS", "GS"), ("SHN", "SH"), ("SJM", "SJ"),
    ("SLB", "SB"), ("SLE", "SL"), ("SLV", "SV"), ("SMR", "SM"), ("SOM", "SO"), ("SPM", "PM"),
    ("SRB", "RS"), ("SSD", "SS"), ("STP", "ST"), ("SUR", "SR"), ("SVK", "SK"), ("SVN", "SI"),
    ("SWE", "SE"), ("SWZ", "SZ"), ("SXM", "SX"), ("SYC", "SC"), ("SYR", "SY"), ("TCA", "TC"),
    ("TCD", "TD"), ("TGO", "TG"), ("THA", "TH"), ("TJK", "TJ"), ("TKL", "TK"), ("TKM", "TM"),
    ("TLS", "TL"), ("TON", "TO"), ("TTO", "TT"), ("TUN", "TN"), ("TUR", "TR"), ("TUV", "TV"),
    ("TWN", "TW"), ("TZA", "TZ"), ("UGA", "UG"), ("UKR", "UA"), ("UMI", "UM"), ("URY", "UY"),
    ("USA", "US"), ("UZB", "UZ"), ("VAT", "VA"), ("VCT", "VC"), ("VEN", "VE"), ("VGB", "VG"),
    ("VIR", "VI"), ("VNM", "VN"), ("VUT", "VU"), ("WLF", "WF"), ("WSM", "WS"), ("YEM", "YE"),
    ("ZAF", "ZA"), ("ZMB", "ZM"), ("ZWE", "ZW"),
];

/// The ISO 3166-1 alpha-2 code of an alpha-3 code (`"NOR"` → `"NO"`), `None` when ISO 3166-1
/// has no such code.
pub fn iso_alpha2(alpha3: &str) -> Option<&'static str> {
    ISO_3166_1
        .binary_search_by(|(a3, _)| (*a3).cmp(alpha3))
        .ok()
        .map(|i| ISO_3166_1[i].1)
}

/// The country (`C=` of the CSCA, ISO 3166-1 alpha-2) that signs documents of this MRZ issuing
/// state. Fillers are ignored (`"D<<"` is `"D"`); the code is compared in upper case.
pub fn csca_country(issuing_state: &str) -> IssuerCountry {
    let code = issuing_state.trim_end_matches('<').trim();
    if code.is_empty() || code.len() > 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return IssuerCountry::Unknown;
    }
    let code = code.to_ascii_uppercase();
    if let Some((_, c)) = ICAO_CODES.iter().find(|(k, _)| *k == code) {
        return *c;
    }
    iso_alpha2(&code).map_or(IssuerCountry::Unknown, IssuerCountry::Alpha2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iso_table_is_sorted_and_unique_so_binary_search_finds_every_code() {
        assert_eq!(ISO_3166_1.len(), 249);
        assert!(ISO_3166_1.windows(2).all(|w| w[0].0 < w[1].0));
        for (a3, a2) in ISO_3166_1 {
            assert_eq!(iso_alpha2(a3), Some(*a2));
        }
    }

    #[test]
    fn icao_codes_are_not_iso_codes() {
        for (code, _) in ICAO_CODES {
            assert_eq!(iso_alpha2(code), None, "{code}");
        }
    }
}
