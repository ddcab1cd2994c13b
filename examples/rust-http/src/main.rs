//! A small HTTP service: a greeting on /, a health endpoint on /healthz, and a clean exit on
//! SIGTERM (what `docker stop` sends; as PID 1 without a handler the process would ignore it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rust_http::{greeting, path_and_param};
use tiny_http::{Header, Response, Server};

fn main() {
    let addr = std::env::var("LISTEN").unwrap_or_else(|_| "0.0.0.0:8080".to_owned());
    let word = std::env::var("GREETING").unwrap_or_default();
    let server = Server::http(&addr).unwrap_or_else(|e| {
        eprintln!("cannot listen on {addr}: {e}");
        std::process::exit(1)
    });
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).expect("a signal handler");
    }
    let text = Header::from_bytes("Content-Type", "text/plain; charset=utf-8").expect("a header");
    println!("listening on {addr}");
    while !stop.load(Ordering::Relaxed) {
        let request = match server.recv_timeout(Duration::from_millis(250)) {
            Ok(Some(request)) => request,
            Ok(None) => continue,
            Err(e) => {
                eprintln!("accept failed: {e}");
                break;
            }
        };
        let (path, name) = path_and_param(request.url(), "name");
        let response = match path {
            "/" => Response::from_string(greeting(&word, name) + "\n"),
            "/healthz" => Response::from_string("ok\n"),
            _ => Response::from_string("not found\n").with_status_code(404),
        };
        if let Err(e) = request.respond(response.with_header(text.clone())) {
            eprintln!("respond failed: {e}");
        }
    }
    println!("shutting down");
}
