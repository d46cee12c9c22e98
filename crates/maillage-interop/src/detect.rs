//! Guessing a file's format from its name and first bytes.

use crate::Format;

/// The format of a file, from its extension and content; `None` when neither tells.
pub fn detect_format(file_name: &str, bytes: &[u8]) -> Option<Format> {
    // Read as the import will read it (UTF-16, Windows-1252…), so that the header is seen.
    // The head may end inside a character: a few bytes less are tried before giving up.
    let end = bytes.len().min(4096);
    let decoded = (end.saturating_sub(3)..=end).rev().find_map(|n| crate::row::decode(&bytes[..n]).ok());
    let head: String = match decoded {
        Some((text, _)) => text.into_owned(),
        None => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned()
        }
    };
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let looks_json = head.trim_start().starts_with(['{', '[']);
    let json_kind = || if head.contains("\"FeatureCollection\"") { Format::GeoJson } else { Format::LmnJson };
    let csv_kind = || {
        let header = head.lines().next().unwrap_or("").to_lowercase();
        let cells: Vec<&str> = header.split([',', ';', '\t']).map(|c| c.trim().trim_matches('"')).collect();
        if cells.contains(&"nom") && (cells.contains(&"code_postal") || cells.contains(&"pivot")) {
            Format::LmnCsv
        } else {
            Format::Csv
        }
    };
    match extension.as_str() {
        "geojson" => Some(Format::GeoJson),
        "json" => Some(json_kind()),
        "csv" | "txt" | "tsv" => Some(csv_kind()),
        _ if looks_json => Some(json_kind()),
        _ if head.lines().next().is_some_and(|l| l.contains([',', ';', '\t'])) => Some(csv_kind()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_extension_and_content() {
        assert_eq!(detect_format("lieux.geojson", b"{}"), Some(Format::GeoJson));
        assert_eq!(
            detect_format("lieux.json", br#"{"type":"FeatureCollection","features":[]}"#),
            Some(Format::GeoJson)
        );
        assert_eq!(detect_format("lieux.json", br#"[{"id":"1","nom":"x"}]"#), Some(Format::LmnJson));
        assert_eq!(detect_format("lieux.csv", b"id,nom,commune,code_postal\n"), Some(Format::LmnCsv));
        assert_eq!(detect_format("lieux.CSV", b"\xEF\xBB\xBFid;name;types;postal_code\n"), Some(Format::Csv));
        assert_eq!(detect_format("export", b"  [ ]"), Some(Format::LmnJson));
        assert_eq!(detect_format("notes", b"hello"), None);
        assert_eq!(detect_format("lieux.tsv", b"id\tnom\tcode_postal\tcommune\n"), Some(Format::LmnCsv));
        let utf16: Vec<u8> = b"\xFF\xFE"
            .iter()
            .copied()
            .chain("id;nom;code_postal\r\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            detect_format("export.csv", &utf16),
            Some(Format::LmnCsv),
            "the header of a UTF-16 file is read"
        );
        // A long file whose first 4,096 bytes end inside a character (a surrogate pair).
        let long = format!("id;nom;code_postal\né{}", "😀".repeat(2000));
        let long16: Vec<u8> =
            b"\xFF\xFE".iter().copied().chain(long.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(detect_format("x.csv", &long16), Some(Format::LmnCsv));
    }
}
