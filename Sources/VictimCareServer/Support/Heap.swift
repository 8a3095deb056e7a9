#if canImport(CJemalloc)
    import CJemalloc
#endif

/// The process's memory allocator: jemalloc, linked in from Debian in place of glibc's malloc. An import spent a
/// fifth of its CPU in glibc's malloc consolidating and unlinking freed chunks (the models, cells and binds of every
/// chunk are freed together); with jemalloc the same import took 16% less CPU and a quarter less memory
/// (BENCHMARKS.md, issue 17). Its own statistics go to `/metrics`, so an operator sees the heap, not only the RSS.
enum Heap {
    /// jemalloc's version, or nil if the process is not running on it.
    static var version: String? {
        #if canImport(CJemalloc)
            return jemallocVersion
        #else
            return nil
        #endif
    }

    /// Bytes the application holds (`allocated`) and the memory jemalloc holds for it (`resident`, an upper bound
    /// by jemalloc's own documentation), as of now; nil off Linux.
    static func statistics() -> (allocated: Int, resident: Int)? {
        #if canImport(CJemalloc)
            return jemallocStatistics()
        #else
            return nil
        #endif
    }

    #if canImport(CJemalloc)
        private static var jemallocVersion: String? {
            var text: UnsafePointer<CChar>?
            var size = MemoryLayout<UnsafePointer<CChar>?>.size
            guard mallctl("version", &text, &size, nil, 0) == 0, let text else { return nil }
            return String(cString: text)
        }

        private static func jemallocStatistics() -> (allocated: Int, resident: Int)? {
            // The statistics are a snapshot taken when the epoch moves on.
            var epoch: UInt64 = 1
            guard mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size) == 0 else { return nil }
            func read(_ name: String) -> Int? {
                var value = 0
                var size = MemoryLayout<Int>.size
                return mallctl(name, &value, &size, nil, 0) == 0 ? value : nil
            }
            guard let allocated = read("stats.allocated"), let resident = read("stats.resident") else { return nil }
            return (allocated, resident)
        }
    #endif

    /// The Prometheus text for the heap: the allocator and its two figures.
    static func render() -> String {
        guard let version, let stats = statistics() else { return "" }
        let label = version.filter { $0.isLetter || $0.isNumber || "-._".contains($0) }
        return """
            # TYPE victimcare_allocator_info gauge
            victimcare_allocator_info{name="jemalloc",version="\(label)"} 1
            # TYPE victimcare_heap_allocated_bytes gauge
            victimcare_heap_allocated_bytes \(stats.allocated)
            # TYPE victimcare_heap_resident_bytes gauge
            victimcare_heap_resident_bytes \(stats.resident)

            """
    }
}
