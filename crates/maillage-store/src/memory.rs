//! Giving freed memory back to the system.
//!
//! glibc's allocator keeps the memory a program frees in its arenas, for the next
//! allocations. After a bulk index rebuild (hundreds of megabytes of rows read, parsed and
//! dropped) that is memory the server will not need again soon: without this, a server
//! that indexed 200,000 places kept ~400 MB it did not use.

/// Return the allocator's free memory to the system (glibc on Linux; elsewhere the
/// allocator does it by itself or not at all, and this does nothing).
#[cfg_attr(all(target_os = "linux", target_env = "gnu"), expect(unsafe_code, reason = "malloc_trim FFI"))]
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only walks the allocator's own free lists; it has no
    // precondition and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Arenas glibc may create. By default it opens up to eight per core, one for each thread
/// that meets contention; memory freed in one arena is only reused by the threads of that
/// arena, so a server whose index rebuild and exports ran on many blocking threads keeps
/// the fragmented leftovers of each. Two arenas keep that small for a small cost in
/// contention (the allocator is not this server's bottleneck).
const ARENAS: i32 = 2;

/// Blocks from this size are mapped on their own and unmapped when freed. glibc raises its
/// threshold by itself (up to 32 MB) each time such a block is freed, after which the
/// large buffers of exports and of the map come from the heap, where what they leave is
/// kept; a fixed threshold keeps them out of it.
const MMAP_THRESHOLD: i32 = 1 << 20;

/// Limit the allocator's arenas (see [`ARENAS`]) and fix its mapping threshold (see
/// [`MMAP_THRESHOLD`]). Call first thing in `main`, before any thread starts. Does nothing
/// off glibc.
#[cfg_attr(all(target_os = "linux", target_env = "gnu"), expect(unsafe_code, reason = "mallopt FFI"))]
pub fn limit_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` takes two integers and only changes the allocator's settings; glibc
    // serialises it with the allocator's own calls.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}
