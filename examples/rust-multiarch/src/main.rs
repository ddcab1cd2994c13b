//! A std-only HTTP service: one thread per connection, a greeting on /, a health endpoint on
//! /healthz. With no dependencies there is no signal-handling crate: SIGTERM (what `docker stop`
//! sends, which PID 1 would otherwise ignore) ends the process through libc's own `signal`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

unsafe extern "C" {
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
    fn _exit(status: i32) -> !;
}

extern "C" fn on_terminate(_: i32) {
    // Only async-signal-safe calls here: leave at once.
    unsafe { _exit(0) }
}

fn answer(target: &str, word: &str) -> (u16, String) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match path {
        "/healthz" => (200, "ok\n".to_owned()),
        "/" => {
            let name = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("name="))
                .filter(|n| !n.is_empty())
                .unwrap_or("world");
            (200, format!("{word}, {name}!\n"))
        }
        _ => (404, "not found\n".to_owned()),
    }
}

fn serve(mut stream: TcpStream, word: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = answer(target, word);
    let reason = if status == 200 { "OK" } else { "Not Found" };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn main() {
    for signum in [2, 15] {
        // SIGINT, SIGTERM
        unsafe { signal(signum, on_terminate) };
    }
    let addr = std::env::var("LISTEN").unwrap_or_else(|_| "0.0.0.0:8000".to_owned());
    let word: &'static str = std::env::var("GREETING")
        .unwrap_or_else(|_| "Hello".to_owned())
        .leak();
    let listener = TcpListener::bind(&addr).unwrap_or_else(|e| {
        eprintln!("cannot listen on {addr}: {e}");
        std::process::exit(1)
    });
    println!("listening on {addr}");
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            if let Err(e) = serve(stream, word) {
                eprintln!("request failed: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::answer;

    #[test]
    fn answers() {
        assert_eq!(answer("/", "Hi"), (200, "Hi, world!\n".to_owned()));
        assert_eq!(answer("/?name=ferris", "Hi"), (200, "Hi, ferris!\n".to_owned()));
        assert_eq!(answer("/healthz", "Hi").0, 200);
        assert_eq!(answer("/nope", "Hi").0, 404);
    }
}
