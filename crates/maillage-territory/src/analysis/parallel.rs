//! Work split over the machine's cores, with results that do not depend on how many there
//! are: a range of independent items is cut into contiguous chunks, each chunk runs on its
//! own scoped thread (the first on the caller's), and the chunks' results come back in order.
//! Callers only split work whose items do not interact (one query per item), so the output
//! is the same bit for bit on one core or many.

use std::ops::Range;
use std::sync::OnceLock;

/// Upper limit on threads: the analyses are memory-bound beyond a few cores.
const MAX_THREADS: usize = 8;

/// Threads to use: the cores this process may run on (cgroup quotas included), at most
/// [`MAX_THREADS`].
pub(crate) fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS))
}

/// `0..n` cut into contiguous ranges of at least `min_chunk` items, one per thread at most
/// (a single range for small inputs: starting a thread costs tens of microseconds).
pub(crate) fn ranges(n: usize, min_chunk: usize) -> Vec<Range<usize>> {
    let parts = threads().min(n / min_chunk.max(1)).max(1);
    (0..parts).map(|p| (p * n / parts)..((p + 1) * n / parts)).collect()
}

/// `0..load.len()` cut into contiguous ranges carrying about the same total load, one per
/// thread at most, each of at least `min_chunk` items.
pub(crate) fn ranges_by_load(load: &[u64], min_chunk: usize) -> Vec<Range<usize>> {
    let n = load.len();
    let parts = threads().min(n / min_chunk.max(1)).max(1);
    let total: u64 = load.iter().sum();
    let mut out = Vec::with_capacity(parts);
    let (mut start, mut carried) = (0usize, 0u64);
    for (k, &l) in load.iter().enumerate() {
        carried += l;
        let part = out.len() as u64 + 1;
        if part < parts as u64 && carried * parts as u64 >= total * part && k + 1 - start >= min_chunk {
            out.push(start..k + 1);
            start = k + 1;
        }
    }
    out.push(start..n);
    out
}

/// Runs `work` on each item, the first on the caller's thread and each other on a scoped
/// thread of its own, and returns the results in the items' order. Items are typically
/// disjoint slices of one output, so that workers write in place and allocate nothing large
/// (freeing large blocks from several threads costs page faults and TLB shootdowns).
pub(crate) fn each<I: Send, T: Send>(items: Vec<I>, work: impl Fn(I) -> T + Sync) -> Vec<T> {
    let mut items = items.into_iter();
    let Some(first) = items.next() else { return Vec::new() };
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.map(|item| scope.spawn(move || work(item))).collect();
        let mut out = Vec::with_capacity(handles.len() + 1);
        out.push(work(first));
        // A panic in a worker is a bug: it surfaces in the caller as it would have serially.
        out.extend(handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))));
        out
    })
}

/// Runs `work` on the [`ranges`] of `0..n` and returns their results in order.
pub(crate) fn chunks<T: Send>(n: usize, min_chunk: usize, work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    each(ranges(n, min_chunk), work)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_range_in_order_whatever_the_size() {
        for n in [0, 1, 5, 999, 10_000] {
            for min_chunk in [1, 10, 4_000] {
                let parts = chunks(n, min_chunk, |r| r.collect::<Vec<_>>());
                let joined: Vec<usize> = parts.concat();
                assert_eq!(joined, (0..n).collect::<Vec<_>>(), "n = {n}, min_chunk = {min_chunk}");
            }
        }
    }
}
