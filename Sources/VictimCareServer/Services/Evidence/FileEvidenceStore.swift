import CoreFoundation
import Foundation
import Glibc
import NIOPosix
import VictimCareDomain

/// Where evidence bytes live: sealed segment records, never plaintext. While an upload is in progress its
/// whole records are written by index and its partial segment (the tail) is replaced atomically; once it is
/// whole, `seal` makes the records one object, read by byte ranges.
protocol EvidenceStore: Sendable {
    /// The smallest segment the store takes (S3: a multipart part's minimum).
    var minimumSegmentSize: Int { get }
    func openWriter(_ item: UUID, recordSize: Int) async throws -> any EvidenceWriter
    /// Bytes of a complete item's stored records (fewer at the end).
    func read(_ item: UUID, at offset: Int64, count: Int) async throws -> Data
    /// The stored size of a complete item (0 when there is nothing).
    func size(_ item: UUID) async throws -> Int64
    func readTail(_ item: UUID) async throws -> Data?
    /// Replaces the tail atomically and durably; nil removes it.
    func writeTail(_ item: UUID, _ record: Data?) async throws
    /// The item is whole: its `records` records become one object (the upload's own parts stay until
    /// `finished`, so a crash before the completion is recorded leaves an upload that can still resume).
    func seal(_ item: UUID, records: Int, recordSize: Int) async throws
    /// The completion is recorded: what only an upload in progress needed goes.
    func finished(_ item: UUID) async throws
    func delete(_ item: UUID) async throws
}

/// Writes one upload's records. Nothing a writer returns from `sync` is only in a cache.
protocol EvidenceWriter: AnyObject, Sendable {
    /// How many whole records are stored (a torn record at the end does not count).
    func wholeRecords() async throws -> Int
    func write(_ record: Data, index: Int) async throws
    func read(index: Int, count: Int) async throws -> Data
    /// Keeps the first `records` records.
    func truncate(records: Int) async throws
    func sync() async throws
    func close()
}

/// The embedded store keeps each item
/// as two files under `data/evidence/objects/<first two hex digits>/`: `<id>.seg`, its records back to back at
/// fixed positions (the last may be short once the item is complete), and `<id>.tail`, the partial segment of
/// an upload still in progress, replaced atomically (written aside, flushed, renamed). Nothing a writer
/// returns from is only in a cache: `sync` flushes the records and the directory to disk.
final class FileEvidenceStore: EvidenceStore {
    let root: String
    let threadPool: NIOThreadPool

    struct IOError: Error, CustomStringConvertible {
        var operation: String
        var code: Int32
        var description: String { "evidence store: \(operation) failed (errno \(code))" }
    }

    init(root: String, threadPool: NIOThreadPool) {
        self.root = root
        self.threadPool = threadPool
    }

    func directory(_ item: UUID) -> String {
        let id = item.uuidString.lowercased()
        return "\(root)/objects/\(id.prefix(2))"
    }

    func segmentPath(_ item: UUID) -> String { "\(directory(item))/\(item.uuidString.lowercased()).seg" }
    func tailPath(_ item: UUID) -> String { "\(directory(item))/\(item.uuidString.lowercased()).tail" }

    private static func check(_ result: Int32, _ operation: String) throws {
        if result < 0 { throw IOError(operation: operation, code: errno) }
    }

    /// Opens (creating) an item's record file for writing.
    func openWriter(_ item: UUID, recordSize: Int) async throws -> any EvidenceWriter {
        let dir = directory(item)
        let path = segmentPath(item)
        return try await threadPool.runIfActive {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            try Self.check(fd, "open")
            return Writer(fd: fd, directory: dir, recordSize: recordSize, threadPool: self.threadPool)
        }
    }

    var minimumSegmentSize: Int { 4096 }

    /// Records live in one file at fixed positions, so sealing has nothing to do.
    func seal(_ item: UUID, records: Int, recordSize: Int) async throws {}

    func finished(_ item: UUID) async throws { try await writeTail(item, nil) }

    final class Writer: EvidenceWriter, @unchecked Sendable {
        let fd: Int32
        let directory: String
        let recordSize: Int
        let threadPool: NIOThreadPool
        private var closed = false

        init(fd: Int32, directory: String, recordSize: Int, threadPool: NIOThreadPool) {
            self.fd = fd
            self.directory = directory
            self.recordSize = recordSize
            self.threadPool = threadPool
        }

        func wholeRecords() async throws -> Int {
            try await threadPool.runIfActive {
                let end = lseek(self.fd, 0, SEEK_END)
                if end < 0 { throw IOError(operation: "seek", code: errno) }
                return Int(end) / self.recordSize
            }
        }

        func write(_ record: Data, index: Int) async throws {
            try await write(record, at: Int64(index) * Int64(recordSize))
        }

        func read(index: Int, count: Int) async throws -> Data {
            try await read(at: Int64(index) * Int64(recordSize), count: count)
        }

        func truncate(records: Int) async throws {
            try await truncate(to: Int64(records) * Int64(recordSize))
        }

        func write(_ record: Data, at offset: Int64) async throws {
            try await threadPool.runIfActive {
                try record.withUnsafeBytes { raw in
                    var done = 0
                    while done < raw.count {
                        let n = pwrite(self.fd, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done))
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw IOError(operation: "write", code: errno)
                        }
                        done += n
                    }
                }
            }
        }

        func read(at offset: Int64, count: Int) async throws -> Data {
            try await threadPool.runIfActive { try FileEvidenceStore.readFully(self.fd, at: offset, count: count) }
        }

        func truncate(to size: Int64) async throws {
            try await threadPool.runIfActive {
                try FileEvidenceStore.check(ftruncate(self.fd, off_t(size)), "truncate")
            }
        }

        /// Flushes the records and the directory entry to disk.
        func sync() async throws {
            try await threadPool.runIfActive {
                try FileEvidenceStore.check(fsync(self.fd), "fsync")
                let dirFD = open(self.directory, O_RDONLY | O_CLOEXEC)
                if dirFD >= 0 {
                    _ = fsync(dirFD)
                    _ = Glibc.close(dirFD)
                }
            }
        }

        func close() {
            guard !closed else { return }
            closed = true
            _ = Glibc.close(fd)
        }

        deinit { close() }
    }

    static func readFully(_ fd: Int32, at offset: Int64, count: Int) throws -> Data {
        var data = Data(count: count)
        let got = try data.withUnsafeMutableBytes { raw -> Int in
            var done = 0
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IOError(operation: "read", code: errno)
                }
                if n == 0 { break }
                done += n
            }
            return done
        }
        return got == count ? data : data.prefix(got)
    }

    /// Reads `count` bytes of an item's record file from `offset` (fewer at the end of the file).
    func read(_ item: UUID, at offset: Int64, count: Int) async throws -> Data {
        let path = segmentPath(item)
        return try await threadPool.runIfActive {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            try Self.check(fd, "open")
            defer { close(fd) }
            return try Self.readFully(fd, at: offset, count: count)
        }
    }

    func size(_ item: UUID) async throws -> Int64 {
        let path = segmentPath(item)
        return try await threadPool.runIfActive {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { return errno == ENOENT ? 0 : -1 }
            defer { close(fd) }
            return Int64(lseek(fd, 0, SEEK_END))
        }
    }

    /// The partial segment of an upload in progress, as stored (sealed), if any.
    func readTail(_ item: UUID) async throws -> Data? {
        let path = tailPath(item)
        return try await threadPool.runIfActive { FileManager.default.contents(atPath: path) }
    }

    /// Replaces the partial segment atomically and durably; nil removes it.
    func writeTail(_ item: UUID, _ record: Data?) async throws {
        let path = tailPath(item)
        let dir = directory(item)
        try await threadPool.runIfActive {
            guard let record else {
                if unlink(path) != 0, errno != ENOENT { throw IOError(operation: "unlink", code: errno) }
                return
            }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let temporary = path + ".\(UUID.random().uuidString.prefix(8)).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            try Self.check(fd, "open")
            do {
                try record.withUnsafeBytes { raw in
                    var done = 0
                    while done < raw.count {
                        let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw IOError(operation: "write", code: errno)
                        }
                        done += n
                    }
                }
                try Self.check(fsync(fd), "fsync")
                close(fd)
            } catch {
                close(fd)
                unlink(temporary)
                throw error
            }
            try Self.check(rename(temporary, path), "rename")
            let dirFD = open(dir, O_RDONLY | O_CLOEXEC)
            if dirFD >= 0 {
                _ = fsync(dirFD)
                close(dirFD)
            }
        }
    }

    func delete(_ item: UUID) async throws {
        let paths = [segmentPath(item), tailPath(item)]
        try await threadPool.runIfActive {
            for path in paths where unlink(path) != 0 && errno != ENOENT {
                throw IOError(operation: "unlink", code: errno)
            }
        }
    }
}
