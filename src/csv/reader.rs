//! A streaming RFC 4180 reader that knows, for every field, whether it was quoted.
//!
//! The binding needs more than a generic CSV parser gives: the physical line each record
//! starts on (for error messages), a distinction between an empty field (`,,`, no value) and
//! a quoted empty field (`,"",`, an empty string — the PostgreSQL `COPY` convention, which lets
//! an export keep empty strings), and refusal of what the binding forbids (bare carriage
//! returns, stray quotes, invalid UTF-8).

use std::io::BufRead;

/// The longest record accepted, in bytes: far beyond any real row (twice the REST API's default
/// body limit, so what REST stores can be exported and imported again), and what keeps a
/// broken or hostile file (one huge field) from taking memory in proportion to its size.
pub const MAX_RECORD_BYTES: usize = 32 << 20;

/// One record: its fields, stored back to back, with their quoting.
#[derive(Debug, Default)]
pub struct RawRecord {
    data: String,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    quoted: Vec<bool>,
    /// The physical line (1-based) the record starts on.
    pub line: u64,
}

impl RawRecord {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i` as text.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    /// Whether field `i` was written between quotes.
    pub fn quoted(&self, i: usize) -> bool {
        self.quoted[i]
    }

    /// Whether the record is a blank line (one empty, unquoted field).
    pub fn is_blank_line(&self) -> bool {
        self.ends.len() == 1 && self.ends[0] == 0 && !self.quoted[0]
    }

    fn clear(&mut self) {
        self.data.clear();
        self.bytes.clear();
        self.ends.clear();
        self.quoted.clear();
    }
}

/// What is wrong with the text of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u64,
    /// 1-based field position, when known.
    pub field: Option<usize>,
    pub message: String,
}

fn io_error(line: u64, e: std::io::Error) -> SyntaxError {
    SyntaxError {
        line,
        field: None,
        message: format!("cannot read the file: {e}"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Reads records from a byte stream.
pub struct CsvReader<R> {
    inner: R,
    /// The current physical line.
    line: u64,
    at_start: bool,
    done: bool,
    /// Bytes read so far (for progress reporting).
    pub bytes_read: u64,
}

impl<R: BufRead> CsvReader<R> {
    pub fn new(inner: R) -> CsvReader<R> {
        CsvReader {
            inner,
            line: 1,
            at_start: true,
            done: false,
            bytes_read: 0,
        }
    }

    /// Reads the next record into `rec`; `Ok(false)` at the end of the input.
    pub fn read(&mut self, rec: &mut RawRecord) -> Result<bool, SyntaxError> {
        rec.clear();
        if self.done {
            return Ok(false);
        }
        if self.at_start {
            self.at_start = false;
            self.skip_bom()?;
        }
        rec.line = self.line;
        let mut state = State::FieldStart;
        let mut field_quoted = false;
        let mut saw_anything = false;
        loop {
            let line = self.line;
            let buf = self.inner.fill_buf().map_err(|e| io_error(line, e))?;
            if buf.is_empty() {
                self.done = true;
                if state == State::Quoted {
                    return Err(SyntaxError {
                        line: rec.line,
                        field: Some(rec.ends.len() + 1),
                        message: "a quoted field is not closed before the end of the file".into(),
                    });
                }
                if !saw_anything {
                    return Ok(false);
                }
                self.end_field(rec, field_quoted);
                return self.finish(rec).map(|_| true);
            }
            saw_anything = true;
            let mut i = 0;
            let n = buf.len();
            let mut end_of_record = false;
            while i < n {
                let b = buf[i];
                match state {
                    State::FieldStart => match b {
                        b'"' => {
                            state = State::Quoted;
                            field_quoted = true;
                            i += 1;
                        }
                        _ => {
                            state = State::Unquoted;
                        }
                    },
                    State::Unquoted => {
                        // Copy a run of ordinary bytes at once.
                        let run = buf[i..]
                            .iter()
                            .position(|&c| matches!(c, b',' | b'\n' | b'\r' | b'"'))
                            .unwrap_or(n - i);
                        rec.bytes.extend_from_slice(&buf[i..i + run]);
                        i += run;
                        if i == n {
                            break;
                        }
                        match buf[i] {
                            b',' => {
                                Self::push_field(rec, field_quoted);
                                field_quoted = false;
                                state = State::FieldStart;
                                i += 1;
                            }
                            b'\n' => {
                                self.line += 1;
                                i += 1;
                                end_of_record = true;
                                break;
                            }
                            b'\r' => {
                                if buf.get(i + 1) == Some(&b'\n') {
                                    self.line += 1;
                                    i += 2;
                                    end_of_record = true;
                                    break;
                                }
                                if i + 1 == n {
                                    // The LF may be in the next buffer: look ahead.
                                    self.consume(i + 1);
                                    return self.after_cr(rec, field_quoted);
                                }
                                return Err(self.bare_cr(rec));
                            }
                            _ => {
                                return Err(SyntaxError {
                                    line: self.line,
                                    field: Some(rec.ends.len() + 1),
                                    message: "a quote (\") inside an unquoted field; quote the whole field and double the quote"
                                        .into(),
                                });
                            }
                        }
                    }
                    State::Quoted => {
                        let run = buf[i..]
                            .iter()
                            .position(|&c| c == b'"' || c == b'\n')
                            .unwrap_or(n - i);
                        rec.bytes.extend_from_slice(&buf[i..i + run]);
                        i += run;
                        if i == n {
                            break;
                        }
                        if buf[i] == b'\n' {
                            self.line += 1;
                            rec.bytes.push(b'\n');
                        } else {
                            state = State::QuoteInQuoted;
                        }
                        i += 1;
                    }
                    State::QuoteInQuoted => match b {
                        b'"' => {
                            rec.bytes.push(b'"');
                            state = State::Quoted;
                            i += 1;
                        }
                        b',' => {
                            Self::push_field(rec, field_quoted);
                            field_quoted = false;
                            state = State::FieldStart;
                            i += 1;
                        }
                        b'\n' => {
                            self.line += 1;
                            i += 1;
                            end_of_record = true;
                            break;
                        }
                        b'\r' => {
                            if buf.get(i + 1) == Some(&b'\n') {
                                self.line += 1;
                                i += 2;
                                end_of_record = true;
                                break;
                            }
                            if i + 1 == n {
                                self.consume(i + 1);
                                return self.after_cr(rec, field_quoted);
                            }
                            return Err(self.bare_cr(rec));
                        }
                        _ => {
                            return Err(SyntaxError {
                                line: self.line,
                                field: Some(rec.ends.len() + 1),
                                message: "text after the closing quote of a quoted field".into(),
                            });
                        }
                    },
                }
            }
            self.consume(i);
            if rec.bytes.len() > MAX_RECORD_BYTES {
                self.done = true;
                return Err(SyntaxError {
                    line: rec.line,
                    field: Some(rec.ends.len() + 1),
                    message: format!(
                        "the record is longer than {MAX_RECORD_BYTES} bytes, the most a row may have"
                    ),
                });
            }
            if end_of_record {
                self.end_field(rec, field_quoted);
                return self.finish(rec).map(|_| true);
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.bytes_read += n as u64;
    }

    /// A CR ended a buffer: the record is complete only if an LF follows.
    fn after_cr(&mut self, rec: &mut RawRecord, quoted: bool) -> Result<bool, SyntaxError> {
        let line = self.line;
        let buf = self.inner.fill_buf().map_err(|e| io_error(line, e))?;
        if buf.first() == Some(&b'\n') {
            self.consume(1);
            self.line += 1;
            self.end_field(rec, quoted);
            return self.finish(rec).map(|_| true);
        }
        Err(self.bare_cr(rec))
    }

    fn bare_cr(&self, rec: &RawRecord) -> SyntaxError {
        SyntaxError {
            line: self.line,
            field: Some(rec.ends.len() + 1),
            message:
                "a carriage return not followed by a line feed; lines must end with LF or CRLF"
                    .into(),
        }
    }

    fn skip_bom(&mut self) -> Result<(), SyntaxError> {
        let line = self.line;
        let buf = self.inner.fill_buf().map_err(|e| io_error(line, e))?;
        if buf.starts_with(b"\xEF\xBB\xBF") {
            self.consume(3);
        }
        Ok(())
    }

    fn push_field(rec: &mut RawRecord, quoted: bool) {
        rec.ends.push(rec.bytes.len());
        rec.quoted.push(quoted);
    }

    fn end_field(&mut self, rec: &mut RawRecord, quoted: bool) {
        Self::push_field(rec, quoted);
    }

    /// Checks the record is UTF-8 without NUL characters (which no text column can store)
    /// and moves it into its text buffer.
    fn finish(&mut self, rec: &mut RawRecord) -> Result<(), SyntaxError> {
        if let Some(at) = rec.bytes.iter().position(|&b| b == 0) {
            let field = rec.ends.iter().position(|&end| end > at).unwrap_or(0) + 1;
            return Err(SyntaxError {
                line: rec.line,
                field: Some(field),
                message: "the text holds a NUL character".into(),
            });
        }
        match std::str::from_utf8(&rec.bytes) {
            Ok(s) => {
                rec.data.push_str(s);
                Ok(())
            }
            Err(e) => {
                let at = e.valid_up_to();
                let field = rec.ends.iter().position(|&end| end > at).unwrap_or(0) + 1;
                Err(SyntaxError {
                    line: rec.line,
                    field: Some(field),
                    message: "the text is not valid UTF-8".into(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, [(field, quoted)]) of every record.
    type Records = Vec<(u64, Vec<(String, bool)>)>;

    fn read_all(input: &[u8]) -> Result<Records, SyntaxError> {
        // A tiny buffer exercises every buffer boundary.
        let mut r = CsvReader::new(std::io::BufReader::with_capacity(3, input));
        let mut rec = RawRecord::default();
        let mut out = Vec::new();
        while r.read(&mut rec)? {
            out.push((
                rec.line,
                (0..rec.len())
                    .map(|i| (rec.get(i).to_string(), rec.quoted(i)))
                    .collect(),
            ));
        }
        Ok(out)
    }

    fn fields(input: &[u8]) -> Vec<Vec<String>> {
        read_all(input)
            .unwrap()
            .into_iter()
            .map(|(_, f)| f.into_iter().map(|(s, _)| s).collect())
            .collect()
    }

    #[test]
    fn reads_rfc4180() {
        assert_eq!(
            fields(b"a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\n"),
            vec![vec!["a", "b", "c"], vec!["1", "x,y", "say \"hi\""]]
        );
        assert_eq!(fields(b"a,b"), vec![vec!["a", "b"]]);
        assert_eq!(fields(b"\xEF\xBB\xBFa\n"), vec![vec!["a"]]);
        assert_eq!(fields(b""), Vec::<Vec<String>>::new());
        assert_eq!(fields(b"a,\n"), vec![vec!["a", ""]]);
    }

    #[test]
    fn tells_empty_from_quoted_empty_and_counts_lines() {
        let recs = read_all(b"h1,h2\n,\"\"\n\"multi\nline\",x\nlast,\"\"\r\n").unwrap();
        assert_eq!(recs[1].0, 2);
        assert_eq!(
            recs[1].1,
            vec![("".to_string(), false), ("".to_string(), true)]
        );
        assert_eq!(recs[2].0, 3);
        assert_eq!(recs[2].1[0].0, "multi\nline");
        assert_eq!(recs[3].0, 5);
    }

    #[test]
    fn refuses_a_record_longer_than_the_limit_while_reading_it() {
        let mut input = b"a,b\n1,\"".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
        input.extend_from_slice(b"\"\n2,y\n");
        let mut r = CsvReader::new(std::io::BufReader::with_capacity(4096, &input[..]));
        let mut rec = RawRecord::default();
        assert!(r.read(&mut rec).unwrap());
        let e = r.read(&mut rec).unwrap_err();
        assert_eq!((e.line, e.field), (2, Some(2)));
        assert!(e.message.contains("longer than"), "{}", e.message);
        // Read no further than the limit and one buffer past it.
        assert!(
            r.bytes_read <= (MAX_RECORD_BYTES + 2 * 4096) as u64,
            "{}",
            r.bytes_read
        );
        // A record at the limit is read.
        let mut input = b"1,".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES - 1));
        input.push(b'\n');
        let mut r = CsvReader::new(&input[..]);
        assert!(r.read(&mut rec).unwrap());
        assert_eq!(rec.get(1).len(), MAX_RECORD_BYTES - 1);
    }

    #[test]
    fn refuses_what_the_binding_forbids() {
        for (input, line, what) in [
            (&b"a,b\rc,d\n"[..], 1, "carriage return"),
            (b"a,b\nc\"d,e\n", 2, "quote"),
            (b"a\n\"abc\"x\n", 2, "after the closing quote"),
            (b"a\n\"abc\n", 2, "not closed"),
            (b"a\nb\xff\n", 2, "UTF-8"),
            (b"a\nb\x00c\n", 2, "NUL"),
            (b"a,b\r", 1, "carriage return"),
        ] {
            let err = read_all(input).unwrap_err();
            assert_eq!(err.line, line, "{input:?}");
            assert!(err.message.contains(what), "{input:?}: {}", err.message);
        }
    }
}
