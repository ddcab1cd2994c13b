//! A bounded fuzzing campaign on stable Rust, without libFuzzer: it drives the same targets as
//! `fuzz_targets/` with generated and mutated inputs, one case at a time on one core, and
//! reports cases, escapes, panics and timeouts.
//!
//! ```sh
//! cargo run --release --no-default-features --bin campaign -- 100000 [SEED] [SECONDS]
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use dgen_fuzz::shape::{self, Outcome, Rng};

/// A case slower than this is a timeout.
const SLOW: Duration = Duration::from_secs(2);

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(8) {
        if data.is_empty() {
            data.push(b'x');
        }
        let at = rng.below(data.len());
        match rng.below(6) {
            0 => data[at] = rng.next() as u8,
            1 => {
                data.remove(at);
            }
            2 => {
                let piece = shape::HOSTILE[rng.below(shape::HOSTILE.len())].as_bytes();
                data.splice(at..at, piece.iter().copied());
            }
            3 => {
                // Duplicate a slice (repeated lines, nested structure).
                let end = (at + 1 + rng.below(64)).min(data.len());
                let copy = data[at..end].to_vec();
                data.splice(at..at, copy);
            }
            4 => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at..end);
            }
            _ => {
                let sep = ["\u{2028}", "\u{85}", "\r", "\\\n", "\n#", "\t"][rng.below(6)];
                data.splice(at..at, sep.bytes());
            }
        }
    }
    data
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cases: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(12);
    let budget = Duration::from_secs(args.get(3).and_then(|a| a.parse().ok()).unwrap_or(900));
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng::new(seed);
    let benign = shape::manifest(shape::benign);
    let seeds: Vec<(&str, Vec<u8>)> = {
        let loaded = dgen::manifest::parse(&benign, None).expect("valid");
        let files = dgen::render::render(&loaded.manifest, "dgen.toml").expect("renders");
        let get = |kind| {
            files
                .iter()
                .find(|f| f.kind == kind)
                .unwrap()
                .contents
                .clone()
                .into_bytes()
        };
        use dgen::render::FileKind;
        vec![
            ("manifest_render", benign.clone().into_bytes()),
            ("dockerfile_diff", get(FileKind::Dockerfile)),
            ("compose_compare", get(FileKind::Compose)),
            ("dockerignore_compare", get(FileKind::DockerIgnore)),
        ]
    };
    let start = Instant::now();
    let (mut done, mut refused, mut same, mut escapes, mut panics, mut timeouts) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let mut per_target = [0u64; 5];
    let mut slowest = Duration::ZERO;
    while done < cases && start.elapsed() < budget {
        let pick = rng.below(5);
        let case_start = Instant::now();
        let result = if pick == 4 {
            // The structured property: hostile values in every slot of a manifest.
            let (text, outcome) = shape::case(&mut rng);
            match outcome {
                Outcome::Refused => refused += 1,
                Outcome::Same => same += 1,
                Outcome::Escape(why) => {
                    escapes += 1;
                    eprintln!("ESCAPE: {why}\n{text}");
                }
            }
            Ok(())
        } else {
            let (name, seed) = &seeds[pick];
            let data = mutate(&mut rng, seed);
            let target: fn(&[u8]) = match *name {
                "manifest_render" => dgen_fuzz::manifest_render,
                "dockerfile_diff" => dgen_fuzz::dockerfile_diff,
                "compose_compare" => dgen_fuzz::compose_compare,
                _ => dgen_fuzz::dockerignore_compare,
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| target(&data)));
            if outcome.is_err() {
                eprintln!(
                    "PANIC in {name}: {}",
                    String::from_utf8_lossy(&data).escape_debug()
                );
            }
            outcome
        };
        if result.is_err() {
            panics += 1;
        }
        let took = case_start.elapsed();
        slowest = slowest.max(took);
        if took > SLOW {
            timeouts += 1;
        }
        per_target[pick] += 1;
        done += 1;
    }
    println!(
        "cases {done} in {:.1}s (manifest_render {}, dockerfile_diff {}, compose_compare {}, dockerignore_compare {}, hostile-slot property {}: {same} rendered the benign shape, {refused} refused)",
        start.elapsed().as_secs_f64(),
        per_target[0],
        per_target[1],
        per_target[2],
        per_target[3],
        per_target[4],
    );
    println!(
        "escapes {escapes}, panics {panics}, timeouts (> {}s) {timeouts}, slowest case {:.0} ms",
        SLOW.as_secs(),
        slowest.as_secs_f64() * 1000.0
    );
    if escapes + panics + timeouts > 0 {
        std::process::exit(1);
    }
}
