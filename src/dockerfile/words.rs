//! Word-level lexing, after BuildKit's parser: splitting into words with quotes, flag
//! extraction, quote removal, whitespace collapsing and the JSON (exec) form.

/// Splits on whitespace outside quotes, keeping quotes and escapes inside the words
/// (BuildKit's `parseWords`, used for ENV, LABEL, ARG, COPY, heredoc markers).
pub(crate) fn split_words(s: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut blank_ok = false;
    let mut chars = s.chars();
    while let Some(ch) = chars.next() {
        if let Some(q) = quote {
            if ch == q {
                quote = None;
                word.push(ch);
            } else if ch == escape && q != '\'' {
                match chars.next() {
                    Some(n) => {
                        word.push(ch);
                        word.push(n);
                    }
                    None => quote = None,
                }
            } else {
                word.push(ch);
            }
            continue;
        }
        if ch.is_whitespace() {
            if in_word && (blank_ok || !word.is_empty()) {
                words.push(std::mem::take(&mut word));
            }
            in_word = false;
            blank_ok = false;
            continue;
        }
        in_word = true;
        if ch == '\'' || ch == '"' {
            quote = Some(ch);
            blank_ok = true;
            word.push(ch);
        } else if ch == escape {
            if let Some(n) = chars.next() {
                word.push(ch);
                word.push(n);
            }
        } else {
            word.push(ch);
        }
    }
    if in_word && (blank_ok || !word.is_empty()) {
        words.push(word);
    }
    words
}

/// Takes the leading `--flag[=value]` words off a line (BuildKit's `extractBuilderFlags`):
/// returns the flag words (`--name=value`, quotes removed, `\` escapes resolved; a lone `--`
/// ends the flags) and the rest of the line.
pub(crate) fn extract_flags(line: &str) -> (Vec<String>, &str) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote(char),
    }
    let mut words = Vec::new();
    let mut word = String::new();
    let mut phase = Phase::Spaces;
    let mut blank_ok = false;
    let mut it = line.char_indices().peekable();
    while let Some(&(pos, ch)) = it.peek() {
        match phase {
            Phase::Spaces => {
                if ch.is_whitespace() {
                    it.next();
                    continue;
                }
                if !line[pos..].starts_with("--") {
                    return (words, &line[pos..]);
                }
                phase = Phase::Word;
            }
            Phase::Word => {
                it.next();
                if ch.is_whitespace() {
                    if word == "--" {
                        return (words, line[pos..].trim_start());
                    }
                    if blank_ok || !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    blank_ok = false;
                    phase = Phase::Spaces;
                } else if ch == '\'' || ch == '"' {
                    blank_ok = true;
                    phase = Phase::Quote(ch);
                } else if ch == '\\' {
                    if let Some((_, n)) = it.next() {
                        word.push(n);
                    }
                } else {
                    word.push(ch);
                }
            }
            Phase::Quote(q) => {
                it.next();
                if ch == q {
                    phase = Phase::Word;
                } else if ch == '\\' {
                    match it.next() {
                        Some((_, n)) => word.push(n),
                        None => phase = Phase::Word,
                    }
                } else {
                    word.push(ch);
                }
            }
        }
    }
    if phase != Phase::Spaces && word != "--" && (blank_ok || !word.is_empty()) {
        words.push(word);
    }
    (words, "")
}

/// Removes quotes and resolves escapes as the shell lexer would, without expanding
/// variables: `"v 2"` → `v 2`, `'a'b` → `ab`, `\$x` → `$x`.
pub(crate) fn unquote(word: &str, escape: char) -> String {
    unquote_impl(word, escape, false)
}

/// Like [`unquote`], but keeps the difference between a `$` that expands and a literal one:
/// literal `$` and `\` come out as `\$` and `\\`. Used for comparison keys, so that
/// `'$HOME'` and `"$HOME"` stay different while `"a"` and `a` are equal.
pub(crate) fn canonical(word: &str, escape: char) -> String {
    unquote_impl(word, escape, true)
}

fn unquote_impl(word: &str, escape: char, canon: bool) -> String {
    fn lit(out: &mut String, c: char, canon: bool) {
        if canon && (c == '$' || c == '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            if let Some(n) = chars.next() {
                lit(&mut out, n, canon);
            }
        } else if c == '\'' {
            for c in chars.by_ref() {
                if c == '\'' {
                    break;
                }
                lit(&mut out, c, canon);
            }
        } else if c == '"' {
            while let Some(c) = chars.next() {
                if c == '"' {
                    break;
                } else if c == escape {
                    match chars.next() {
                        Some(n) if n == '"' || n == '$' || n == escape => lit(&mut out, n, canon),
                        Some(n) => {
                            lit(&mut out, escape, canon);
                            lit(&mut out, n, canon);
                        }
                        None => lit(&mut out, escape, canon),
                    }
                } else if c == '$' {
                    out.push('$');
                } else {
                    lit(&mut out, c, canon);
                }
            }
        } else if c == '$' {
            out.push('$');
        } else {
            lit(&mut out, c, canon);
        }
    }
    out
}

/// Collapses each run of whitespace outside quotes to one space and trims the ends.
/// Quoted text is kept as is. With unbalanced quotes every run is collapsed.
pub(crate) fn collapse_ws(s: &str, escape: char) -> String {
    let mut out = String::with_capacity(s.len());
    collapse_ws_into(&mut out, s, escape);
    out
}

/// [`collapse_ws`] appending to `out`.
pub(crate) fn collapse_ws_into(out: &mut String, s: &str, escape: char) {
    let start = out.len();
    let mut quote: Option<char> = None;
    let mut pending_space = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            } else if c == escape
                && q != '\''
                && let Some(n) = chars.next()
            {
                out.push(n);
            }
            continue;
        }
        if c.is_whitespace() {
            pending_space = out.len() > start;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
        if c == '\'' || c == '"' {
            quote = Some(c);
        } else if c == escape
            && let Some(n) = chars.next()
        {
            out.push(n);
        }
    }
    if quote.is_some() {
        out.truncate(start);
        for (i, w) in s.split_whitespace().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
}

/// Parses a JSON array of strings (the exec form). `None` when `s` is anything else.
pub(crate) fn parse_json_array(s: &str) -> Option<Vec<String>> {
    let mut p = Json {
        s: s.trim().as_bytes(),
        i: 0,
    };
    p.expect(b'[')?;
    let mut out = Vec::new();
    p.ws();
    if p.peek() == Some(b']') {
        p.i += 1;
    } else {
        loop {
            p.ws();
            out.push(p.string()?);
            p.ws();
            match p.next()? {
                b',' => continue,
                b']' => break,
                _ => return None,
            }
        }
    }
    p.ws();
    (p.i == p.s.len()).then_some(out)
}

struct Json<'a> {
    s: &'a [u8],
    i: usize,
}

impl Json<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }
    fn expect(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn hex4(&mut self) -> Option<u16> {
        let h = self.s.get(self.i..self.i + 4)?;
        let h = std::str::from_utf8(h).ok()?;
        let v = u16::from_str_radix(h, 16).ok()?;
        self.i += 4;
        Some(v)
    }
    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut buf: Vec<u8> = Vec::new();
        loop {
            match self.next()? {
                b'"' => break,
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let u = self.hex4()?;
                            let mut units = vec![u];
                            if (0xD800..0xDC00).contains(&u) && self.s[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                match self.hex4() {
                                    Some(lo) if (0xDC00..0xE000).contains(&lo) => units.push(lo),
                                    _ => self.i = save,
                                }
                            }
                            char::decode_utf16(units)
                                .next()
                                .and_then(Result::ok)
                                .unwrap_or(char::REPLACEMENT_CHARACTER)
                        }
                        _ => return None,
                    };
                    let mut tmp = [0u8; 4];
                    buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
                b if b < 0x20 => return None,
                b => buf.push(b),
            }
        }
        // The input is a &str and escapes add whole characters: this cannot fail.
        String::from_utf8(buf).ok()
    }
}

/// Shortens `s` to at most `max` characters, ending in `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if s[i..].chars().nth(1).is_some() => format!("{}…", &s[..i]),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_words_keeps_quotes() {
        assert_eq!(
            split_words(r#"a=1 b="x y"  c='p q'd"#, '\\'),
            ["a=1", "b=\"x y\"", "c='p q'd"]
        );
        assert_eq!(split_words(r"a\ b c", '\\'), [r"a\ b", "c"]);
        assert_eq!(split_words("a` b c", '`'), ["a` b", "c"]);
        assert_eq!(split_words(r#""" x"#, '\\'), ["\"\"", "x"]);
        assert_eq!(split_words("  ", '\\'), Vec::<String>::new());
        assert_eq!(split_words("\"unterminated x", '\\'), ["\"unterminated x"]);
        assert_eq!(split_words("trailing\\", '\\'), ["trailing"]);
    }

    #[test]
    fn extract_flags_like_buildkit() {
        let (f, rest) = extract_flags("--from=builder --chown=\"a b\" /x /y");
        assert_eq!(f, ["--from=builder", "--chown=a b"]);
        assert_eq!(rest, "/x /y");
        let (f, rest) = extract_flags("--link -- --not-a-flag");
        assert_eq!(f, ["--link"]);
        assert_eq!(rest, "--not-a-flag");
        let (f, rest) = extract_flags("--mount=type=cache,target=/root/.cache");
        assert_eq!(f, ["--mount=type=cache,target=/root/.cache"]);
        assert_eq!(rest, "");
        let (f, rest) = extract_flags("echo --x");
        assert!(f.is_empty());
        assert_eq!(rest, "echo --x");
        let (f, rest) = extract_flags("-x");
        assert!(f.is_empty());
        assert_eq!(rest, "-x");
        let (f, _) = extract_flags("--a=\\");
        assert_eq!(f, ["--a="]);
    }

    #[test]
    fn unquote_and_canonical() {
        assert_eq!(unquote(r#""v 2""#, '\\'), "v 2");
        assert_eq!(unquote(r#"'a'b"c""#, '\\'), "abc");
        assert_eq!(unquote(r"a\ b", '\\'), "a b");
        assert_eq!(unquote(r#""a\"b""#, '\\'), "a\"b");
        assert_eq!(unquote(r#""a\nb""#, '\\'), "a\\nb");
        assert_eq!(unquote("a` b", '`'), "a b");
        assert_eq!(canonical("'$HOME'", '\\'), "\\$HOME");
        assert_eq!(canonical("\"$HOME\"", '\\'), "$HOME");
        assert_eq!(canonical("$HOME", '\\'), "$HOME");
        assert_eq!(canonical(r"\$HOME", '\\'), "\\$HOME");
        assert_ne!(canonical("'$A'", '\\'), canonical("$A", '\\'));
        assert_eq!(canonical("\"x\"", '\\'), canonical("x", '\\'));
        assert_eq!(unquote("\"open", '\\'), "open");
    }

    #[test]
    fn collapse_ws_is_quote_aware() {
        assert_eq!(collapse_ws("  a \t b  ", '\\'), "a b");
        assert_eq!(collapse_ws("echo 'a   b'   c", '\\'), "echo 'a   b' c");
        assert_eq!(
            collapse_ws("echo \"a \\\"  b\"  c", '\\'),
            "echo \"a \\\"  b\" c"
        );
        assert_eq!(collapse_ws("echo don't   stop", '\\'), "echo don't stop");
        assert_eq!(collapse_ws("", '\\'), "");
    }

    #[test]
    fn json_arrays() {
        assert_eq!(
            parse_json_array(r#" ["a", "b c" ,"\u00e9\n"] "#).unwrap(),
            ["a", "b c", "é\n"]
        );
        assert_eq!(parse_json_array("[]").unwrap(), Vec::<String>::new());
        assert_eq!(parse_json_array(r#"["\ud83d\ude00"]"#).unwrap(), ["😀"]);
        assert_eq!(parse_json_array(r#"["\ud83d"]"#).unwrap(), ["\u{FFFD}"]);
        assert_eq!(parse_json_array(r#"["é"]"#).unwrap(), ["é"]);
        for bad in [
            "",
            "[",
            "[\"a\"",
            "[\"a\",]",
            "[1]",
            "[\"a\"] x",
            "echo",
            "[\"\\x\"]",
            "[\"\\u12\"]",
            "[\"a\" \"b\"]",
            "[\"\t\"]",
        ] {
            assert_eq!(parse_json_array(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn truncate_on_char_boundaries() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(truncate("ééééé", 3), "éé…");
        assert_eq!(truncate("", 3), "");
    }
}
