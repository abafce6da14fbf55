//! Reading input line by line into one reused buffer. Memory stays constant whatever the input
//! size.

use std::io::{self, Read};

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// 1-based number of the line last returned.
    pub line_no: u64,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: vec![0; 1 << 20],
            start: 0,
            end: 0,
            eof: false,
            line_no: 0,
        }
    }

    /// The next line without its `\n`, or `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        loop {
            if let Some(p) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                let (s, e) = (self.start, self.start + p);
                self.start = e + 1;
                self.line_no += 1;
                return Ok(Some(&self.buf[s..e]));
            }
            if self.eof {
                if self.start < self.end {
                    let (s, e) = (self.start, self.end);
                    self.start = self.end;
                    self.line_no += 1;
                    return Ok(Some(&self.buf[s..e]));
                }
                return Ok(None);
            }
            // Keep the partial line, then read more; grow only for lines longer than the buffer.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let n = self.inner.read(&mut self.buf[self.end..])?;
            if n == 0 {
                self.eof = true;
            }
            self.end += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<Vec<u8>> {
        let mut r = LineReader::new(input);
        r.buf = vec![0; 4]; // force refills and growth
        let mut v = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            v.push(l.to_vec());
        }
        v
    }

    #[test]
    fn splits_lines_across_refills() {
        assert_eq!(
            all(b"first line\nsecond\n\nlast without newline"),
            vec![
                b"first line".to_vec(),
                b"second".to_vec(),
                vec![],
                b"last without newline".to_vec()
            ]
        );
        assert_eq!(all(b""), Vec::<Vec<u8>>::new());
        assert_eq!(all(b"x\n"), vec![b"x".to_vec()]);
    }
}
