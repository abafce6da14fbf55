//! Any bytes as a Firehose event: `Event::parse` (the fast reader, serde_json behind it) and
//! serde_json alone read it the same way, or both refuse it.
#![no_main]

use accesslog::event::Event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match (Event::parse(data), serde_json::from_slice::<Event>(data)) {
        (Ok(ours), Ok(reference)) => assert_eq!(ours, reference),
        (Err(_), Err(_)) => {}
        (ours, reference) => panic!(
            "read differently: Event::parse {:?}, serde_json {:?}",
            ours.map(|_| ()),
            reference.map(|_| ())
        ),
    }
});
