//! Helpers shared by the unit tests and (through `#[path]`) the integration tests.

/// Uniform numbers in [0, 1) from a seed (xorshift): the same sequence on every machine.
pub(crate) fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}
