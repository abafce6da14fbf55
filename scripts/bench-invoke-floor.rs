//! The floor for `scripts/bench-invoke`: a Lambda custom runtime that does no work. It reads
//! each event from the Runtime API in full and posts a response prepared before the first
//! invocation (the file `FLOOR_RESPONSE` names, the real binary's response to the same event),
//! so its round trip is what the HTTP exchange alone costs. Standard library only, built by
//! the script with `rustc -O`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

fn main() {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").expect("AWS_LAMBDA_RUNTIME_API");
    let response = std::fs::read(std::env::var("FLOOR_RESPONSE").expect("FLOOR_RESPONSE"))
        .expect("FLOOR_RESPONSE names a readable file");
    let conn = TcpStream::connect(&api).expect("the Runtime API listens");
    conn.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut writer = conn;
    let mut event = Vec::new();
    loop {
        write!(
            writer,
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\n\r\n"
        )
        .unwrap();
        let Some((request_id, len)) = read_head(&mut reader) else {
            return; // the benchmark closed the connection: done
        };
        event.resize(len, 0);
        reader.read_exact(&mut event).unwrap();
        write!(
            writer,
            "POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\nHost: {api}\r\n\
             Content-Length: {}\r\n\r\n",
            response.len()
        )
        .unwrap();
        writer.write_all(&response).unwrap();
        let (_, len) = read_head(&mut reader).expect("an answer to the response");
        let mut rest = vec![0; len];
        reader.read_exact(&mut rest).unwrap();
    }
}

/// A response's status line and headers: the request id and the body's length.
fn read_head(r: &mut impl BufRead) -> Option<(String, usize)> {
    let (mut id, mut len) = (String::new(), 0);
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    loop {
        line.clear();
        r.read_line(&mut line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            return Some((id, len));
        }
        let (k, v) = l.split_once(':')?;
        match k.trim().to_ascii_lowercase().as_str() {
            "lambda-runtime-aws-request-id" => id = v.trim().to_string(),
            "content-length" => len = v.trim().parse().ok()?,
            _ => {}
        }
    }
}
