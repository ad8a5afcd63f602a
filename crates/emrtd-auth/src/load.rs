//! Loading trust material from bytes and files: ICAO CSCA master lists (the master-list
//! signer checked), PEM, ICAO PKD LDIF, DER certificates and CRLs, files and folders.

use crate::cert::Certificate;
use crate::error::AuthError;
use crate::pa::{verify_signed_data, SignedObjectReport};
use crate::trust::{LoadSummary, TrustStore, MAX_FOLDER_DEPTH, MAX_MASTER_LIST, MAX_TRUST_FILE};
use base64ct::{Base64, Encoding};
use emrtd_lds::sod::{oid, SignedData};
use std::path::{Path, PathBuf};

/// A decoded ICAO CSCA master list.
#[derive(Debug, Clone)]
pub struct MasterList {
    /// The CMS container.
    pub signed_data: SignedData,
    /// `CscaMasterList.version`.
    pub version: i64,
    /// The CSCA and link certificates it lists (undecodable entries are counted in `skipped`).
    pub certificates: Vec<Certificate>,
    /// Entries that could not be decoded, with the reason.
    pub skipped: Vec<String>,
}

impl MasterList {
    /// Decode a master list (`.ml` / `.mls`: CMS SignedData with a CscaMasterList) of at
    /// most [`MAX_MASTER_LIST`] bytes, every certificate decoded. (A trust store loads master
    /// lists without keeping the decoded certificates: [`TrustStore::add_master_list`].)
    pub fn parse(bytes: &[u8]) -> Result<Self, AuthError> {
        let signed_data = master_list_container(bytes)?;
        let (version, entries) = master_list_entries(&signed_data)?;
        let mut certificates = Vec::new();
        let mut skipped = Vec::new();
        for (i, raw) in entries.iter().enumerate() {
            match Certificate::from_der(raw) {
                Ok(c) => certificates.push(c),
                Err(e) => skipped.push(format!("entry {i}: {e}")),
            }
        }
        Ok(MasterList {
            signed_data,
            version,
            certificates,
            skipped,
        })
    }

    /// Verify the master list's own signature and its signer's chain against `roots`
    /// (e.g. a store holding the issuing country's CSCA) at Unix time `now`.
    pub fn verify_signer(&self, roots: &TrustStore, now: i64) -> SignedObjectReport {
        verify_signed_data(
            &self.signed_data,
            oid::CSCA_MASTER_LIST,
            roots,
            &crate::pa::VerifyOptions::at(now),
        )
    }

    /// Does the master list's own CMS signature verify with the signer certificate it
    /// carries, over the content as stored? `Err` says why not. The signer is not chained to
    /// anything here (see [`MasterList::verify_signer`]).
    pub fn verify_own_signature(&self) -> Result<(), String> {
        crate::pa::own_signature_holds(&self.signed_data, oid::CSCA_MASTER_LIST)
    }
}

/// The CMS container of a master list: size bounded, content type checked.
fn master_list_container(bytes: &[u8]) -> Result<SignedData, AuthError> {
    if bytes.len() > MAX_MASTER_LIST {
        return Err(AuthError::MasterListTooLarge {
            size: bytes.len(),
            limit: MAX_MASTER_LIST,
        });
    }
    let sd = SignedData::parse(bytes)?;
    if !emrtd_lds::sod::oid_is(&sd.content_type, oid::CSCA_MASTER_LIST) {
        return Err(AuthError::MasterList(format!(
            "content type {} is not id-icao-cscaMasterList ({})",
            sd.content_type,
            oid::CSCA_MASTER_LIST
        )));
    }
    Ok(sd)
}

/// `CscaMasterList.version` and the DER of each entry of its certList, undecoded.
fn master_list_entries(sd: &SignedData) -> Result<(i64, Vec<&[u8]>), AuthError> {
    let content = sd
        .content
        .as_deref()
        .ok_or_else(|| AuthError::MasterList("no encapsulated content".into()))?;
    let bad = |e: emrtd_tlv::TlvError| AuthError::MasterList(e.to_string());
    let shape = || {
        AuthError::MasterList(
            "CscaMasterList must be SEQUENCE { version INTEGER, certList SET OF Certificate }"
                .into(),
        )
    };
    // The list itself may exceed the TLV layer's 16 MiB cap (master lists reach 32 MiB): its
    // two outer headers are read here, each entry by the TLV layer.
    let (tag, body, rest) = large_tlv(content).ok_or_else(shape)?;
    if tag != 0x30 || !rest.is_empty() {
        return Err(shape());
    }
    let (version, after_version) = emrtd_tlv::parse_one(body).map_err(bad)?;
    let (set_tag, set_value, after_set) = large_tlv(after_version).ok_or_else(shape)?;
    if version.tag != 0x02 || set_tag != 0x31 || !after_set.is_empty() {
        return Err(shape());
    }
    let version = version.value.iter().fold(0i64, |a, b| {
        a.saturating_mul(256).saturating_add(i64::from(*b))
    });
    let entries = emrtd_tlv::parse_all(set_value)
        .map_err(bad)?
        .into_iter()
        .map(|t| t.raw)
        .collect();
    Ok((version, entries))
}

/// One DER TLV with a definite length of up to 4 length bytes: (tag byte, value, rest). For
/// the outer layers of a master list, which may be larger than the TLV layer accepts.
fn large_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = input.get(2..2 + n)?;
        (
            bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b)),
            2 + n,
        )
    };
    let end = header.checked_add(len)?;
    Some((tag, input.get(header..end)?, input.get(end..)?))
}

impl TrustStore {
    /// Add every certificate of a CSCA master list. The master list's own CMS signature must
    /// verify first, with the signer certificate it carries. If `verify_with` is given, its
    /// signer must also chain to that store (trusted master-list signer roots, e.g. the
    /// issuing country's CSCA) at `now` (Unix seconds), or nothing is added; without it the
    /// certificates are added as *unverified anchors* and the summary says so.
    pub fn add_master_list(
        &mut self,
        bytes: &[u8],
        verify_with: Option<(&TrustStore, i64)>,
    ) -> Result<LoadSummary, AuthError> {
        // The entries are decoded one at a time and kept as DER: the whole list is never held
        // decoded (about 2.7 KB a certificate).
        let sd = master_list_container(bytes)?;
        let (_, entries) = master_list_entries(&sd)?;
        crate::pa::own_signature_holds(&sd, oid::CSCA_MASTER_LIST).map_err(|why| {
            AuthError::MasterList(format!(
                "the master list's own signature does not verify, its certificates are not trusted: {why}"
            ))
        })?;
        let verified = match verify_with {
            Some((roots, now)) => {
                let report = verify_signed_data(
                    &sd,
                    oid::CSCA_MASTER_LIST,
                    roots,
                    &crate::pa::VerifyOptions::at(now),
                );
                if report.status != crate::pa::Verdict::Valid {
                    return Err(AuthError::MasterList(format!(
                        "master list signer is not trusted ({}): {}",
                        report.status.as_str(),
                        report.errors.join("; ")
                    )));
                }
                true
            }
            None => false,
        };
        let mut s = LoadSummary {
            master_lists: 1,
            ..LoadSummary::default()
        };
        let mut total = 0;
        for (i, raw) in entries.iter().enumerate() {
            let c = match Certificate::from_der(raw) {
                Ok(c) => c,
                Err(e) => {
                    s.skipped.push(format!("entry {i}: {e}"));
                    continue;
                }
            };
            total += 1;
            // Master-list entries are CSCA or link certificates by definition.
            if self.add_anchor_as(c, verified) {
                s.csca += 1;
                if !verified {
                    s.unverified_anchors += 1;
                }
            }
        }
        s.notes.push(if verified {
            format!("master list of {total} certificate(s): signature verified, signer chains to a trusted root")
        } else {
            format!(
                "master list of {total} certificate(s): signature verified with its own signer certificate, \
                 which was not chained to a trusted master-list signer root: {} unverified anchor(s) added",
                s.unverified_anchors
            )
        });
        Ok(s)
    }

    /// Add every certificate and CRL in PEM text.
    pub fn add_pem(&mut self, text: &str) -> Result<LoadSummary, AuthError> {
        let mut s = LoadSummary::default();
        let mut rest = text;
        let mut found = false;
        while let Some(start) = rest.find("-----BEGIN ") {
            let block = &rest[start..];
            let label_end = block[11..]
                .find("-----")
                .ok_or_else(|| AuthError::Pem("unterminated BEGIN line".into()))?;
            let label = &block[11..11 + label_end];
            let end_marker = format!("-----END {label}-----");
            let end = block
                .find(&end_marker)
                .ok_or_else(|| AuthError::Pem(format!("missing {end_marker}")))?;
            let pem = &block[..end + end_marker.len()];
            let (label, der) = pem_rfc7468::decode_vec(pem.as_bytes())
                .map_err(|e| AuthError::Pem(format!("{label}: {e}")))?;
            found = true;
            match label {
                "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    self.add_cert_counted(Certificate::from_der(&der)?, &mut s)
                }
                "X509 CRL" => s.merge(self.add_crl_der(&der)?),
                "CMS" | "PKCS7" => s.merge(self.add_master_list(&der, None)?),
                other => s.skipped.push(format!("PEM block {other} ignored")),
            }
            rest = &block[end + end_marker.len()..];
        }
        if !found {
            return Err(AuthError::Pem("no PEM block found".into()));
        }
        Ok(s)
    }

    /// Add the certificates, master lists and CRLs of an ICAO PKD LDIF file.
    pub fn add_ldif(&mut self, text: &str) -> Result<LoadSummary, AuthError> {
        let mut s = LoadSummary::default();
        for (line, name, value) in ldif_attributes(text)? {
            let lname = name.to_ascii_lowercase();
            let attr = lname.split(';').next().unwrap_or_default();
            let result = match attr {
                "usercertificate" | "cacertificate" => {
                    Certificate::from_der(&value).map(|c| self.add_cert_counted(c, &mut s))
                }
                "cscamasterlistdata" | "pkdmasterlistcontent" => {
                    self.add_master_list(&value, None).map(|m| s.merge(m))
                }
                "certificaterevocationlist" => self.add_crl_der(&value).map(|m| s.merge(m)),
                _ => Ok(()),
            };
            if let Err(e) = result {
                s.skipped.push(format!("LDIF line {line} ({name}): {e}"));
            }
        }
        Ok(s)
    }

    /// Load a file or a folder (recursively). Files are recognised by extension and content:
    /// `.ldif`, `.ml`/`.mls` master lists, `.crl`, PEM, or DER (certificate, master list or CRL).
    /// In a folder, unrecognised files are listed in `skipped`; a single unrecognised file is an
    /// error.
    pub fn load_path(&mut self, path: &Path) -> Result<LoadSummary, AuthError> {
        self.load_path_depth(path, 0)
    }

    fn load_path_depth(&mut self, path: &Path, depth: usize) -> Result<LoadSummary, AuthError> {
        let io = |source| AuthError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_dir() {
            return self.load_file(path);
        }
        if depth >= MAX_FOLDER_DEPTH {
            return Err(AuthError::File {
                path: path.to_path_buf(),
                reason: format!("folders nested deeper than {MAX_FOLDER_DEPTH}"),
            });
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        let mut s = LoadSummary::default();
        for e in entries {
            let hidden = e
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            match self.load_path_depth(&e, depth + 1) {
                Ok(sub) => s.merge(sub),
                Err(err) => s.skipped.push(err.to_string()),
            }
        }
        Ok(s)
    }

    /// Load one file (see [`TrustStore::load_path`]).
    pub fn load_file(&mut self, path: &Path) -> Result<LoadSummary, AuthError> {
        let file_err = |reason: String| AuthError::File {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|source| AuthError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if meta.len() > MAX_TRUST_FILE {
            return Err(file_err(format!(
                "{} bytes is larger than the {MAX_TRUST_FILE} accepted",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|source| AuthError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let text = std::str::from_utf8(&bytes).ok();
        let wrap = |e: AuthError| file_err(e.to_string());
        if ext == "ldif" {
            let text = text.ok_or_else(|| file_err("LDIF file is not UTF-8".into()))?;
            return self.add_ldif(text).map_err(wrap);
        }
        if let Some(t) = text.filter(|t| t.contains("-----BEGIN ")) {
            return self.add_pem(t).map_err(wrap);
        }
        match ext.as_str() {
            "ml" | "mls" => return self.add_master_list(&bytes, None).map_err(wrap),
            "crl" => return self.add_crl_der(&bytes).map_err(wrap),
            _ => {}
        }
        if let Ok(c) = Certificate::from_der(&bytes) {
            let mut s = LoadSummary::default();
            self.add_cert_counted(c, &mut s);
            return Ok(s);
        }
        if let Ok(s) = self.add_master_list(&bytes, None) {
            return Ok(s);
        }
        if let Ok(s) = self.add_crl_der(&bytes) {
            return Ok(s);
        }
        Err(file_err(
            "not a certificate, CRL, master list, PEM or LDIF file".into(),
        ))
    }
}

/// `(line number, attribute name, decoded value)` of every attribute in LDIF text, with line
/// folding undone and `::` values base64-decoded.
fn ldif_attributes(text: &str) -> Result<Vec<(usize, String, Vec<u8>)>, AuthError> {
    // Unfold: a line starting with one space continues the previous one.
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(cont) = line.strip_prefix(' ') {
            match logical.last_mut() {
                Some((_, l)) => l.push_str(cont),
                None => {
                    return Err(AuthError::Ldif {
                        line: i + 1,
                        reason: "continuation line without a preceding line".into(),
                    })
                }
            }
        } else {
            logical.push((i + 1, line.to_string()));
        }
    }
    let mut out = Vec::new();
    for (line, l) in logical {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some(colon) = l.find(':') else {
            return Err(AuthError::Ldif {
                line,
                reason: "attribute line without ':'".into(),
            });
        };
        let name = l[..colon].to_string();
        let rest = &l[colon + 1..];
        let value = if let Some(b64) = rest.strip_prefix(':') {
            let b64: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
            Base64::decode_vec(&b64).map_err(|e| AuthError::Ldif {
                line,
                reason: format!("bad base64 in {name}: {e}"),
            })?
        } else {
            rest.trim_start().as_bytes().to_vec()
        };
        out.push((line, name, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldif_folding_and_base64() {
        let text = "version: 1\n\n# comment\ndn: cn=x,o=ml\nuserCertificate;binary:: QUJD\n REVG\ncn: plain value\n";
        let attrs = ldif_attributes(text).unwrap();
        assert_eq!(attrs[0].1, "version");
        assert_eq!(attrs[2].1, "userCertificate;binary");
        assert_eq!(attrs[2].2, b"ABCDEF");
        assert_eq!(attrs[2].0, 5);
        assert_eq!(attrs[3].2, b"plain value");
        assert!(ldif_attributes(" leading continuation").is_err());
        assert!(ldif_attributes("x:: !!!").is_err());
    }
}
