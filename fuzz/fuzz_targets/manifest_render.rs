#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dgen_fuzz::manifest_render(data));
