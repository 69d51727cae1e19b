//! Rendering of results for people (terminal text) and programs (JSON
//! Lines). Computing happens elsewhere; this module only formats.

pub mod ask;
pub mod check;
pub mod indexing;
pub mod models;

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
