//! Chat template rendering with minijinja. Message contents are replaced by sentinels during
//! rendering so that template markers (tokenized with special-token parsing) stay separate from
//! content (always tokenized as plain text).

use minijinja::{context, Environment, Error, ErrorKind, Value};

use super::{Message, Role};

/// Private-use code points that never occur in template text.
const SENT_OPEN: char = '\u{F8F0}';
const SENT_CLOSE: char = '\u{F8F1}';

pub(crate) const CHATML_TEMPLATE: &str = "{%- for message in messages %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{% endfor %}{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

pub(crate) const LLAMA3_TEMPLATE: &str = "{{- bos_token }}{%- for message in messages %}<|start_header_id|>{{ message.role }}<|end_header_id|>\n\n{{ message.content }}<|eot_id|>{% endfor %}{%- if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}";

/// A rendered prompt segment.
pub(crate) enum Segment<'a> {
    /// Template text: special-token strings become control tokens.
    Template(String),
    /// Message content: always plain text.
    Content(&'a str),
}

pub(crate) struct ChatTemplate {
    source: String,
    bos: String,
    eos: String,
}

impl ChatTemplate {
    pub fn new(source: String, bos: String, eos: String) -> Self {
        Self { source, bos, eos }
    }

    fn env(&self) -> Environment<'_> {
        let mut env = Environment::new();
        // Hugging Face renders chat templates with these jinja2 settings.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        minijinja_contrib::add_to_environment(&mut env);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", |msg: String| -> Result<Value, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, msg))
        });
        env.add_function("strftime_now", |_fmt: String| -> Result<Value, Error> {
            Ok(Value::from("1 January 2026"))
        });
        env
    }

    fn render_with(&self, messages: &[Message], contents: &[String]) -> Result<String, String> {
        let env = self.env();
        let tmpl = env
            .template_from_str(&self.source)
            .map_err(|e| e.to_string())?;
        let msgs: Vec<Value> = messages
            .iter()
            .zip(contents)
            .map(|(m, c)| {
                let role = match m.role {
                    Role::System => "system",
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                context! { role => role, content => c }
            })
            .collect();
        tmpl.render(context! {
            messages => msgs,
            add_generation_prompt => true,
            bos_token => self.bos.clone(),
            eos_token => self.eos.clone(),
            enable_thinking => false,
        })
        .map_err(|e| {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(inner) = src {
                s.push_str(&format!(": {inner}"));
                src = inner.source();
            }
            s
        })
    }

    /// Render for display (contents inserted verbatim).
    pub fn render(&self, messages: &[Message]) -> Result<String, String> {
        let contents: Vec<String> = messages.iter().map(|m| m.content.clone()).collect();
        self.render_with(messages, &contents)
    }

    /// Render with sentinels and split into template and content segments.
    pub fn render_segments<'a>(&self, messages: &'a [Message]) -> Result<Vec<Segment<'a>>, String> {
        let contents: Vec<String> = (0..messages.len())
            .map(|i| format!("{SENT_OPEN}{i}{SENT_CLOSE}"))
            .collect();
        let rendered = self.render_with(messages, &contents)?;
        let mut segs = Vec::new();
        let mut rest = rendered.as_str();
        while let Some(start) = rest.find(SENT_OPEN) {
            let after = &rest[start + SENT_OPEN.len_utf8()..];
            let Some(end) = after.find(SENT_CLOSE) else {
                break;
            };
            let Ok(idx) = after[..end].parse::<usize>() else {
                break;
            };
            if idx >= messages.len() {
                break;
            }
            if start > 0 {
                segs.push(Segment::Template(rest[..start].to_string()));
            }
            segs.push(Segment::Content(&messages[idx].content));
            rest = &after[end + SENT_CLOSE.len_utf8()..];
        }
        if !rest.is_empty() {
            // Any stray sentinel characters are removed from template text.
            let cleaned: String = rest
                .chars()
                .filter(|c| *c != SENT_OPEN && *c != SENT_CLOSE)
                .collect();
            segs.push(Segment::Template(cleaned));
        }
        Ok(segs)
    }
}
