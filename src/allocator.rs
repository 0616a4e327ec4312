//! Settings of the C allocator (glibc malloc) for a process that makes and drops megabyte
//! frames in many threads, and a way to give freed memory back after a burst of work.
//! Measured with `cargo bench --bench memory` (docs/benchmarks.md, "Memory").

/// Blocks at least this large are mapped on their own and unmapped when freed.
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Tunes malloc before any thread starts. Two settings, each measured on two sims playing
/// video (RSS after 15 s: 109 MiB with glibc's defaults, 56 MiB with the first, 50 MiB with
/// both):
/// - a fixed mmap threshold: glibc raises its threshold to the size of the first large block
///   freed, after which every frame (2.7 MB at 720p) comes from a heap that keeps the memory
///   once the frame is gone;
/// - as many malloc arenas as cores instead of eight per core: each capture, monitoring and
///   runtime thread would otherwise keep its own heap with its own free memory.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes malloc's parameters; it is called before other threads
        // exist, and a refused value leaves glibc's default in place.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Gives the system back the free memory malloc keeps in its heaps, after a burst of
/// allocations that will not come again (seeding the demo content renders every screen).
pub fn give_back_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks malloc's own free lists; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}
