//! Rendering of results for people (terminal text) and programs (JSON
//! Lines). Computing happens elsewhere; this module only formats.

pub mod ask;
pub mod check;
pub mod indexing;
pub mod models;

/// "1 Textteil", "2 Textteile": a count with the German noun in the right number.
pub fn counted(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// Civil date (year, month, day) of a Unix time in seconds, UTC, without a
/// date library.
pub fn civil_date(secs: u64) -> (i64, u32, u32) {
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Today as `YYYY-MM-DD` (UTC).
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_date(secs);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whether a rule with `gueltig_ab` (`YYYY-MM-DD` or `YYYY-MM`, as in the
/// front matter) is in force on `today` (`YYYY-MM-DD`); `None` when the date
/// is missing or not in that form.
pub fn in_force(gueltig_ab: Option<&str>, today: &str) -> Option<bool> {
    let g = gueltig_ab?.trim();
    let well_formed = |s: &str| {
        s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
    };
    match g.len() {
        10 | 7 if well_formed(g) => Some(g <= &today[..g.len()]),
        _ => None,
    }
}

/// The `gueltig_ab` date of a rule that is not yet in force on `today`.
pub fn pending_since<'a>(gueltig_ab: Option<&'a str>, today: &str) -> Option<&'a str> {
    gueltig_ab.filter(|g| in_force(Some(g), today) == Some(false))
}

/// Terminal styling: ANSI colour only on a terminal and without `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub fn highlight(&self, s: &str) -> String {
        self.wrap("1;33", s)
    }
    pub fn warn(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    pub fn good(&self, s: &str) -> String {
        self.wrap("1;32", s)
    }
}

/// Word-wraps `text` to `width` columns, every line indented by `indent`.
/// ANSI sequences do not count towards the width.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    for para in text.split('\n') {
        let mut line = String::from(indent);
        let mut len = indent.chars().count();
        for word in para.split_whitespace() {
            let wlen = visible_len(word);
            if len > indent.len() && len + 1 + wlen > width {
                out.push_str(line.trim_end());
                out.push('\n');
                line = String::from(indent);
                len = indent.chars().count();
            }
            if len > indent.chars().count() {
                line.push(' ');
                len += 1;
            }
            line.push_str(word);
            len += wlen;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_validity() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(1_795_000_000), (2026, 11, 18));
        assert_eq!(civil_date(951_782_400), (2000, 2, 29));
        assert_eq!(in_force(Some("2026-03-01"), "2026-03-01"), Some(true));
        assert_eq!(in_force(Some("2026-03-02"), "2026-03-01"), Some(false));
        assert_eq!(in_force(Some("2026-04"), "2026-03-31"), Some(false));
        assert_eq!(in_force(Some("2026-03"), "2026-03-01"), Some(true));
        assert_eq!(in_force(Some("1. März 2026"), "2026-03-01"), None);
        assert_eq!(in_force(None, "2026-03-01"), None);
        assert_eq!(today().len(), 10);
    }

    #[test]
    fn wraps_with_indent() {
        assert_eq!(
            wrap("eins zwei drei vier", 12, "  "),
            "  eins zwei\n  drei vier\n"
        );
        let s = Style { color: true };
        let w = wrap(&format!("{} b c", s.bold("aaaa")), 8, "");
        assert_eq!(w.lines().count(), 1, "{w:?}");
    }
}
