//! A small element tree over quick-xml for the office formats.
//!
//! DOCX and ODT parts are a few megabytes at most, and their readers need to
//! look ahead (a table's rows, a footnote's body) and to recurse, so a tree
//! is simpler than a streaming state machine. Names are kept without their
//! namespace prefix: Word always writes `w:`, LibreOffice `text:`/`table:`,
//! and the local names of the elements we read do not collide.

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use super::types::IngestError;

/// Nesting deeper than this is treated as a corrupt (or hostile) file, so
/// that the recursive readers cannot overflow the stack.
const MAX_DEPTH: usize = 256;

#[derive(Debug, Default)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// The value of the attribute with this local name.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The first element with this local name in document order, this one
    /// included.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.elements().find_map(|e| e.find(name))
    }

    /// All text below this element, concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }
}

/// Parses a whole XML part into a tree under a nameless root element.
pub(crate) fn parse(xml: &[u8], format: &'static str) -> Result<Element, IngestError> {
    let xml = String::from_utf8_lossy(xml);
    let mut reader = Reader::from_str(&xml);
    let mut stack = vec![Element::default()];
    let corrupt = |detail: String| IngestError::Corrupt { format, detail };
    loop {
        let event = reader.read_event().map_err(|e| {
            corrupt(format!(
                "XML-Fehler an Position {}: {e}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(start) => {
                if stack.len() > MAX_DEPTH {
                    return Err(corrupt(format!(
                        "XML ist tiefer als {MAX_DEPTH} Ebenen verschachtelt"
                    )));
                }
                stack.push(element(&start));
            }
            Event::Empty(start) => {
                let top = stack.last_mut().expect("root stays on the stack");
                top.children.push(Node::Element(element(&start)));
            }
            Event::End(_) => {
                let done = stack.pop().expect("quick-xml checks that tags match");
                let parent = stack
                    .last_mut()
                    .ok_or_else(|| corrupt("unerwartetes End-Tag".into()))?;
                parent.children.push(Node::Element(done));
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content()),
            Event::CData(data) => push_text(&mut stack, &data.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&reference)
                        .unwrap_or_default()
                        .to_owned(),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(corrupt(
            "XML endet mitten in einem Element (abgeschnitten?)".into(),
        ));
    }
    Ok(stack.pop().expect("root"))
}

fn element(start: &quick_xml::events::BytesStart<'_>) -> Element {
    let name = start.local_name().into_inner().to_owned();
    let attrs = start
        .attributes()
        .filter_map(Result::ok)
        .map(|a| {
            let key = a.key.local_name().into_inner().to_owned();
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default();
            (key, value)
        })
        .collect();
    Element {
        name,
        attrs,
        children: Vec::new(),
    }
}

/// Appends text to the open element, merging with a preceding text node so
/// that entity references do not split words.
fn push_text(stack: &mut [Element], text: &str) {
    let top = stack.last_mut().expect("root stays on the stack");
    if let Some(Node::Text(last)) = top.children.last_mut() {
        last.push_str(text);
    } else {
        top.children.push(Node::Text(text.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_attributes_and_entities() {
        let root = parse(
            br#"<w:document xmlns:w="x"><w:p w:val="a&amp;b">Stra&#223;e &amp; Weg<w:br/></w:p></w:document>"#,
            "DOCX-Dokument",
        )
        .unwrap();
        let p = root.find("p").unwrap();
        assert_eq!(p.attr("val"), Some("a&b"));
        assert_eq!(p.text(), "Straße & Weg");
        assert!(p.child("br").is_some());
    }

    #[test]
    fn truncated_xml_is_corrupt() {
        let err = parse(b"<a><b>text</b>", "ODT-Dokument").unwrap_err();
        assert!(matches!(err, IngestError::Corrupt { .. }), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_corrupt() {
        let xml = "<a>".repeat(1000) + &"</a>".repeat(1000);
        assert!(matches!(
            parse(xml.as_bytes(), "ODT-Dokument"),
            Err(IngestError::Corrupt { .. })
        ));
    }
}
