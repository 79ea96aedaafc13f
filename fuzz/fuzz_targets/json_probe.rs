//! The JSON field scanner against serde_json: on arbitrary bytes (mostly JSON-shaped, from the
//! seeds and the dictionary-free mutations), whenever the scanner answers, its answer must be
//! exactly what the serde path finds. `bash fuzz/run.sh json_probe`.
#![no_main]

use hookgate_core::FieldPath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let paths: Vec<FieldPath> =
        ["id", "type", "data.eventId", "data.object.id"].iter().map(|p| FieldPath::parse(p).unwrap()).collect();
    for n in [1, 2, 4] {
        let (scanned, serde) = hookgate_core::probe_differential(body, &paths[..n]);
        if let Some(scanned) = scanned {
            assert_eq!(scanned, serde, "scanner and serde disagree on {:?}", String::from_utf8_lossy(body));
        }
    }
});
