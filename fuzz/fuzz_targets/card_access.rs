//! SecurityInfos (EF.CardAccess, DG14, EF.CardSecurity) on arbitrary bytes, and what the
//! reader derives from them: the PACE parameters (`PaceParams::from_pace_info`, including
//! explicit domain parameters), Chip Authentication key selection, Active Authentication info,
//! and a DER round trip. Asserts only "no panic".
#![no_main]

use emrtd_access::pace::PaceParams;
use emrtd_lds::security_infos::SecurityInfos;
use libfuzzer_sys::fuzz_target;

fn exercise(infos: &SecurityInfos) {
    if let Some(info) = infos.best_pace_info() {
        if let Ok(params) = PaceParams::from_pace_info(info, infos) {
            let _ = params.name();
            let _ = params.oid_dotted();
        }
    }
    for info in infos.pace_infos() {
        let _ = infos.pace_domain_parameters_for(info);
        let _ = PaceParams::from_oid(&info.protocol, info.parameter_id);
    }
    for key in infos.chip_authentication_public_keys() {
        let _ = key.public_key.public_value();
    }
    let _ = infos.chip_authentication_infos().count();
    let _ = infos.active_authentication_info();
    let _ = emrtd_access::aa::find_aa_info(infos);
    let _ = emrtd_access::ca::select(infos);
    for info in &infos.infos {
        let _ = info.protocol();
    }
    let der = infos.to_der();
    let _ = SecurityInfos::parse(&der);
    let _ = SecurityInfos::parse_dg14(&infos.to_dg14());
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let parsed = match selector % 3 {
        0 => SecurityInfos::parse(rest),
        1 => SecurityInfos::parse_dg14(rest),
        _ => SecurityInfos::parse_card_security(rest).map(|(_, infos)| infos),
    };
    if let Ok(infos) = parsed {
        exercise(&infos);
    }
});
