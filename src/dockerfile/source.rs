//! From bytes to lines: byte-order marks, UTF-16, invalid UTF-8, CRLF.

use std::borrow::Cow;

use super::model::{Encoding, LineEnding, Problem};

/// At most this many "not valid UTF-8" problems are reported one by one.
const MAX_ENCODING_PROBLEMS: usize = 20;

/// The decoded text of a file and what decoding found.
pub(crate) struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub bom: bool,
    pub encoding: Encoding,
    pub problems: Vec<Problem>,
}

/// Decodes bytes as Docker does (UTF-8, a UTF-8 BOM skipped), but never fails: UTF-16 with a
/// BOM is decoded and reported, invalid UTF-8 is replaced by U+FFFD and reported per line.
pub(crate) fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        let mut d = decode_utf8(rest);
        d.bom = true;
        return d;
    }
    for (bom, le, encoding) in [
        ([0xFF, 0xFE], true, Encoding::Utf16Le),
        ([0xFE, 0xFF], false, Encoding::Utf16Be),
    ] {
        if let Some(rest) = bytes.strip_prefix(&bom) {
            return decode_utf16(rest, le, encoding);
        }
    }
    decode_utf8(bytes)
}

fn decode_utf8(bytes: &[u8]) -> Decoded<'_> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded {
            text: Cow::Borrowed(s),
            bom: false,
            encoding: Encoding::Utf8,
            problems: Vec::new(),
        },
        Err(_) => {
            let mut problems = Vec::new();
            let mut bad = 0usize;
            for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
                if std::str::from_utf8(line).is_err() {
                    bad += 1;
                    if bad <= MAX_ENCODING_PROBLEMS {
                        problems.push(Problem {
                            line: i + 1,
                            message: "line is not valid UTF-8: invalid bytes replaced by U+FFFD"
                                .to_string(),
                        });
                    }
                }
            }
            if bad > MAX_ENCODING_PROBLEMS {
                problems.push(Problem {
                    line: problems.last().map_or(1, |p| p.line),
                    message: format!(
                        "{} more lines are not valid UTF-8",
                        bad - MAX_ENCODING_PROBLEMS
                    ),
                });
            }
            Decoded {
                text: Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
                bom: false,
                encoding: Encoding::Utf8Lossy,
                problems,
            }
        }
    }
}

fn decode_utf16(bytes: &[u8], le: bool, encoding: Encoding) -> Decoded<'_> {
    let units = bytes.chunks(2).map(|c| match (c, le) {
        ([a, b], true) => u16::from_le_bytes([*a, *b]),
        ([a, b], false) => u16::from_be_bytes([*a, *b]),
        _ => 0xFFFD,
    });
    let text: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Decoded {
        text: Cow::Owned(text),
        bom: true,
        encoding,
        problems: vec![Problem {
            line: 1,
            message: "file is UTF-16 encoded: Docker reads a Dockerfile as UTF-8".to_string(),
        }],
    }
}

/// The physical lines of a text, without their line endings.
pub(crate) struct Lines<'a> {
    pub lines: Vec<&'a str>,
    pub line_ending: LineEnding,
    pub final_newline: bool,
}

/// Splits on `\n`, dropping one `\r` at the end of each line (as Go's `bufio.ScanLines` does).
pub(crate) fn split_lines(text: &str) -> Lines<'_> {
    let (body, final_newline) = match text.strip_suffix('\n') {
        Some(b) => (b, true),
        None => (text, false),
    };
    let mut lines = Vec::new();
    let (mut crlf, mut lf) = (0usize, 0usize);
    if !text.is_empty() {
        let count = body.split('\n').count();
        for (i, line) in body.split('\n').enumerate() {
            let has_newline = final_newline || i + 1 < count;
            match line.strip_suffix('\r') {
                Some(l) => {
                    crlf += usize::from(has_newline);
                    lines.push(l);
                }
                None => {
                    lf += usize::from(has_newline);
                    lines.push(line);
                }
            }
        }
    }
    let line_ending = match (crlf, lf) {
        (0, 0) => LineEnding::None,
        (0, _) => LineEnding::Lf,
        (_, 0) => LineEnding::Crlf,
        _ => LineEnding::Mixed,
    };
    Lines {
        lines,
        line_ending,
        final_newline,
    }
}

/// FNV-1a, 64 bit.
pub(crate) fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_is_stripped() {
        let d = decode(b"\xEF\xBB\xBFFROM x\n");
        assert!(d.bom);
        assert_eq!(d.text, "FROM x\n");
        assert_eq!(d.encoding, Encoding::Utf8);
        assert!(d.problems.is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced_and_reported_per_line() {
        let d = decode(b"FROM x\nRUN echo \xFF\xFE\nUSER a\n");
        assert_eq!(d.encoding, Encoding::Utf8Lossy);
        assert_eq!(d.text, "FROM x\nRUN echo \u{FFFD}\u{FFFD}\nUSER a\n");
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].line, 2);
    }

    #[test]
    fn many_invalid_lines_are_summarized() {
        let bytes: Vec<u8> = b"\xFF\n".repeat(30);
        let d = decode(&bytes);
        assert_eq!(d.problems.len(), MAX_ENCODING_PROBLEMS + 1);
        assert_eq!(
            d.problems.last().unwrap().message,
            "10 more lines are not valid UTF-8"
        );
    }

    #[test]
    fn utf16_is_decoded_and_reported() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "FROM x\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        bytes.push(0x41); // odd trailing byte
        let d = decode(&bytes);
        assert_eq!(d.encoding, Encoding::Utf16Le);
        assert_eq!(d.text, "FROM x\n\u{FFFD}");
        assert_eq!(d.problems.len(), 1);

        let mut be = vec![0xFE, 0xFF];
        for u in "FROM y".encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode(&be).text, "FROM y");
    }

    #[test]
    fn line_endings() {
        let l = split_lines("a\r\nb\r\n");
        assert_eq!(l.lines, ["a", "b"]);
        assert_eq!(l.line_ending, LineEnding::Crlf);
        assert!(l.final_newline);

        let l = split_lines("a\nb\r\nc");
        assert_eq!(l.lines, ["a", "b", "c"]);
        assert_eq!(l.line_ending, LineEnding::Mixed);
        assert!(!l.final_newline);

        let l = split_lines("");
        assert!(l.lines.is_empty());
        assert_eq!(l.line_ending, LineEnding::None);

        // Like Go's bufio.ScanLines, a \r is dropped from an unterminated last line too,
        // but it is not counted as a line ending.
        let l = split_lines("a\r");
        assert_eq!(l.lines, ["a"]);
        assert_eq!(l.line_ending, LineEnding::None);

        let l = split_lines("\n\n");
        assert_eq!(l.lines, ["", ""]);
        assert_eq!(l.line_ending, LineEnding::Lf);
    }

    #[test]
    fn fingerprint_differs() {
        assert_ne!(fingerprint(b"a\n"), fingerprint(b"a\r\n"));
        assert_eq!(fingerprint(b""), 0xcbf2_9ce4_8422_2325);
    }
}
