#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dgen_fuzz::dockerignore_compare(data));
