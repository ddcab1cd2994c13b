//! Diagnostics: problems found in a manifest, with the byte span they point at.
//!
//! The library only collects diagnostics; [`render`] turns them into text (with the file, line
//! and column, the offending line and a caret), and the binary decides where that text goes.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config, Styles, StylesWriter, termcolor};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported, but the manifest is still rendered.
    Warning,
    /// The manifest is refused; nothing is written.
    Error,
}

/// One problem in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// A stable, kebab-case identifier of the rule, e.g. `unknown-key` or `port-ssh`.
    pub code: &'static str,
    /// The headline.
    pub message: String,
    /// The bytes of the manifest it points at, when it points at something.
    pub span: Option<Range<usize>>,
    /// The text under the caret.
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span)
        }
    }

    /// Sets the text under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the advice.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this diagnostic refuses the manifest.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Renders diagnostics about the file `name` holding `text`, in the rustc/cargo style:
///
/// ```text
/// error[port-ssh]: port 22 (SSH) must not be exposed
///   ┌─ dgen.toml:6:10
///   │
/// 6 │ ports = [22]
///   │          ^^ ...
/// ```
pub fn render(name: &str, text: &str, diagnostics: &[Diagnostic], color: bool) -> String {
    let file = SimpleFile::new(name, text);
    let config = Config {
        chars: term::Chars::ascii(),
        ..Config::default()
    };
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let styles = Styles::default();
    for diagnostic in diagnostics {
        let converted = convert(diagnostic, text);
        let mut writer = StylesWriter::new(&mut buffer, &styles);
        // Rendering into a memory buffer from a file we hold cannot fail.
        term::emit_to_write_style(&mut writer, &config, &file, &converted)
            .expect("rendering a diagnostic into memory");
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn convert(diagnostic: &Diagnostic, text: &str) -> CsDiagnostic<()> {
    let severity = match diagnostic.severity {
        Severity::Warning => CsSeverity::Warning,
        Severity::Error => CsSeverity::Error,
    };
    let mut converted = CsDiagnostic::new(severity)
        .with_code(diagnostic.code)
        .with_message(&diagnostic.message);
    if let Some(span) = &diagnostic.span {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
        converted = converted.with_labels(vec![
            Label::primary((), start..end).with_message(&diagnostic.label),
        ]);
    }
    if let Some(help) = &diagnostic.help {
        converted = converted.with_notes(vec![format!("help: {help}")]);
    }
    converted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_in_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // Byte 10 is the `=` of line 2: its 4th character, though its 5th byte.
        assert_eq!(line_col(text, 10), (2, 4));
    }

    #[test]
    fn render_shows_file_line_column_and_caret() {
        let text = "name = \"x\"\nports = [22]\n";
        let diagnostic = Diagnostic::error(
            "port-ssh",
            "port 22 (SSH) must not be exposed",
            Some(20..22),
        )
        .with_label("SSH")
        .with_help("remove it");
        let out = render("dgen.toml", text, &[diagnostic], false);
        assert!(
            out.contains("error[port-ssh]: port 22 (SSH) must not be exposed"),
            "{out}"
        );
        assert!(out.contains("dgen.toml:2:10"), "{out}");
        assert!(out.contains("^^ SSH"), "{out}");
        assert!(out.contains("help: remove it"), "{out}");
    }
}
