//! Safe reading of the ZIP containers behind DOCX and ODT.
//!
//! Office files come from e-mail and file shares, so a crafted archive must
//! not exhaust memory: members are read through a counting reader that stops
//! at a total budget and at a suspicious compression ratio. The sizes in the
//! ZIP headers are not trusted, since a zip bomb can lie about them.

use std::io::{Cursor, Read};

use zip::result::ZipError;
use zip::ZipArchive;

use super::types::IngestError;

/// Office files larger than this are refused before they are opened.
pub(crate) const MAX_INPUT_BYTES: u64 = 100 * 1024 * 1024;
/// The most bytes all members of one archive may unpack to together.
pub(crate) const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
/// A member that unpacks to more than this many times its packed size …
const MAX_RATIO: u64 = 100;
/// … is a bomb once it has produced this many bytes. Below that, high ratios
/// are harmless and occur in real files (repetitive XML of empty tables).
const RATIO_FLOOR: u64 = 16 * 1024 * 1024;

pub(crate) struct Package<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    format: &'static str,
    unpacked: u64,
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8], format: &'static str) -> Result<Self, IngestError> {
        check_input_size(bytes)?;
        let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| IngestError::Corrupt {
            format,
            detail: not_a_zip_detail(bytes, &e),
        })?;
        Ok(Package {
            archive,
            format,
            unpacked: 0,
        })
    }

    /// Reads one member completely, or `None` if the archive has no such
    /// member.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, IngestError> {
        let format = self.format;
        let mut member = match self.archive.by_name(name) {
            Ok(member) => member,
            Err(ZipError::FileNotFound) => return Ok(None),
            Err(e) => {
                return Err(IngestError::Corrupt {
                    format,
                    detail: format!("`{name}`: {e}"),
                })
            }
        };
        let packed = member.compressed_size().max(1);
        let mut out = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = member.read(&mut chunk).map_err(|e| IngestError::Corrupt {
                format,
                detail: format!("`{name}` lässt sich nicht entpacken: {e}"),
            })?;
            if n == 0 {
                break;
            }
            self.unpacked += n as u64;
            if self.unpacked > MAX_UNPACKED_BYTES {
                return Err(IngestError::ZipBomb {
                    limit: MAX_UNPACKED_BYTES,
                });
            }
            let produced = out.len() as u64 + n as u64;
            if produced > RATIO_FLOOR && produced / packed > MAX_RATIO {
                return Err(IngestError::ZipBomb { limit: RATIO_FLOOR });
            }
            out.extend_from_slice(&chunk[..n]);
        }
        Ok(Some(out))
    }

    /// Like [`Package::read`], but a missing member is a corrupt file.
    pub fn require(&mut self, name: &str) -> Result<Vec<u8>, IngestError> {
        let format = self.format;
        self.read(name)?.ok_or_else(|| IngestError::Corrupt {
            format,
            detail: format!("der Teil `{name}` fehlt im Archiv"),
        })
    }
}

pub(crate) fn check_input_size(bytes: &[u8]) -> Result<(), IngestError> {
    let size = bytes.len() as u64;
    if size > MAX_INPUT_BYTES {
        return Err(IngestError::TooLarge {
            size,
            limit: MAX_INPUT_BYTES,
        });
    }
    Ok(())
}

/// Explains why a file is not a readable ZIP archive, naming the usual
/// culprits: the old binary Word format and password protection (both are
/// OLE compound files, not ZIP).
fn not_a_zip_detail(bytes: &[u8], error: &ZipError) -> String {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "die Datei ist im alten Binärformat (.doc) oder kennwortgeschützt; \
         bitte ohne Kennwort als .docx bzw. .odt speichern"
            .to_owned()
    } else {
        format!(
            "kein lesbares ZIP-Archiv ({error}); bitte die Datei in Word oder LibreOffice \
             öffnen und erneut speichern"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_members_and_reports_missing_ones() {
        let bytes = archive(&[("a.xml", b"<a/>")]);
        let mut package = Package::open(&bytes, "DOCX-Dokument").unwrap();
        assert_eq!(package.read("a.xml").unwrap().unwrap(), b"<a/>");
        assert!(package.read("b.xml").unwrap().is_none());
        let err = package.require("b.xml").unwrap_err();
        assert!(err.to_string().contains("`b.xml` fehlt"), "{err}");
    }

    #[test]
    fn ole_files_get_a_helpful_message() {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.resize(4096, 0);
        let err = Package::open(&bytes, "DOCX-Dokument").err().unwrap();
        assert!(err.to_string().contains(".doc"), "{err}");
    }

    #[test]
    fn high_ratio_member_is_a_bomb() {
        let zeros = vec![0u8; (RATIO_FLOOR + 1024 * 1024) as usize];
        let bytes = archive(&[("x.xml", &zeros)]);
        let mut package = Package::open(&bytes, "DOCX-Dokument").unwrap();
        assert!(matches!(
            package.read("x.xml"),
            Err(IngestError::ZipBomb { .. })
        ));
    }
}
