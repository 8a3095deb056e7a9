import Crypto
import FluentKit
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Writes and reads an item's plaintext through the cipher and the store: the one place that knows the layout
/// (records of `segmentSize` plaintext bytes at fixed positions, a partial tail while uploading).
struct EvidenceVault: Sendable {
    let store: any EvidenceStore
    let keys: EvidenceKeys
    /// Each node's running SHA-256 of uploads it is receiving, by item and offset: an upload that moves to
    /// another node (or outlives a restart) is re-hashed from its stored bytes, once.
    let hashers: HasherCache

    final class HasherCache: Sendable {
        private let entries = NIOLockedValueBox([UUID: (offset: Int64, hasher: SHA256)]())

        func take(_ item: UUID, at offset: Int64) -> SHA256? {
            entries.withLockedValue { entries in
                guard let entry = entries[item], entry.offset == offset else { return nil }
                return entry.hasher
            }
        }

        func keep(_ item: UUID, at offset: Int64, _ hasher: SHA256) {
            entries.withLockedValue { entries in
                if entries.count > 10_000 { entries.removeAll() }
                entries[item] = (offset, hasher)
            }
        }

        func forget(_ item: UUID) {
            _ = entries.withLockedValue { $0.removeValue(forKey: item) }
        }
    }

    static let defaultSegmentSize = 1 << 20

    struct Layout {
        var segmentSize: Int
        var recordSize: Int { segmentSize + SegmentCipher.overhead }
        func position(_ index: Int) -> Int64 { Int64(index) * Int64(recordSize) }
    }

    enum VaultError: Error, CustomStringConvertible {
        /// Fewer bytes are stored than the database says were acknowledged.
        case missingBytes(item: UUID, stored: Int64, acknowledged: Int64)
        /// A segment failed authentication: changed or damaged on disk.
        case segmentAltered(item: UUID, index: Int)

        var description: String {
            switch self {
            case .missingBytes(let item, let stored, let acknowledged):
                "evidence item \(item): \(stored) bytes stored, \(acknowledged) acknowledged"
            case .segmentAltered(let item, let index):
                "evidence item \(item): segment \(index) fails authentication (changed or damaged)"
            }
        }
    }

    func dataKey(_ item: EvidenceItem) throws -> SymmetricKey {
        try keys.unwrap(item.wrappedKey, keyID: item.keyID)
    }

    func open(_ record: Data, key: SymmetricKey, item: UUID, index: Int) throws -> Data {
        do {
            return try SegmentCipher.open(record, key: key, item: item, index: index)
        } catch {
            throw VaultError.segmentAltered(item: item, index: index)
        }
    }

    // MARK: writing an upload

    /// One PATCH's worth of writing: brings the stored bytes back to the acknowledged offset (a write that was
    /// cut off before its offset moved left more), then takes bytes, sealing each whole segment as it fills.
    final class Session: @unchecked Sendable {
        let vault: EvidenceVault
        let item: UUID
        let key: SymmetricKey
        let layout: Layout
        let writer: any EvidenceWriter
        /// Whole segments stored.
        private(set) var segments: Int
        /// Plaintext not yet in a whole segment (the tail).
        private(set) var pending: Data
        private(set) var hasher: SHA256
        private(set) var written: Int64 = 0

        fileprivate init(
            vault: EvidenceVault, item: UUID, key: SymmetricKey, layout: Layout, writer: any EvidenceWriter,
            segments: Int, pending: Data, hasher: SHA256
        ) {
            self.vault = vault
            self.item = item
            self.key = key
            self.layout = layout
            self.writer = writer
            self.segments = segments
            var buffer = Data(capacity: layout.segmentSize)
            buffer.append(pending)
            self.pending = buffer
            self.hasher = hasher
        }

        var offset: Int64 { Int64(segments) * Int64(layout.segmentSize) + Int64(pending.count) }

        func append(_ buffer: ByteBuffer) async throws {
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            written += Int64(buffer.readableBytes)
            // The segment buffer is filled in place and emptied keeping its memory: no new megabyte per segment.
            var rest = buffer
            while rest.readableBytes > 0 {
                let take = min(layout.segmentSize - pending.count, rest.readableBytes)
                rest.withUnsafeReadableBytes { raw in
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw.prefix(take)))
                }
                rest.moveReaderIndex(forwardBy: take)
                if pending.count == layout.segmentSize {
                    let record = try SegmentCipher.seal(pending, key: key, item: item, index: segments)
                    try await writer.write(record, index: segments)
                    segments += 1
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }

        /// Makes everything appended durable: the whole segments flushed, then the tail replaced. Returns the
        /// new offset, which the caller may now acknowledge.
        func commit() async throws -> Int64 {
            try await writer.sync()
            try await vault.store.writeTail(
                item, pending.isEmpty ? nil : try SegmentCipher.seal(pending, key: key, item: item, index: segments))
            vault.hashers.keep(item, at: offset, hasher)
            return offset
        }

        /// The upload is whole: the tail becomes the last (short) record, and the SHA-256 of every byte.
        func finish() async throws -> String {
            var records = segments
            if !pending.isEmpty {
                let record = try SegmentCipher.seal(pending, key: key, item: item, index: segments)
                try await writer.write(record, index: segments)
                records += 1
            }
            try await writer.sync()
            try await vault.store.seal(item, records: records, recordSize: layout.recordSize)
            vault.hashers.forget(item)
            return Secrets.hex(hasher.finalize())
        }

        func close() { writer.close() }
    }

    /// Opens an upload at its acknowledged offset, repairing the store to it.
    func resume(_ item: EvidenceItem) async throws -> Session {
        let id = try item.requireID()
        let key = try dataKey(item)
        let layout = Layout(segmentSize: item.segmentSize)
        let acknowledged = item.received
        let whole = Int(acknowledged / Int64(layout.segmentSize))
        let tailLength = Int(acknowledged % Int64(layout.segmentSize))
        let writer = try await store.openWriter(id, recordSize: layout.recordSize)
        do {
            let onDisk = try await writer.wholeRecords()
            var pending = Data()
            if onDisk > whole {
                // A write went on past the last acknowledged offset: the tail is the start of the next segment.
                if tailLength > 0 {
                    let record = try await writer.read(index: whole, count: layout.recordSize)
                    pending = try open(record, key: key, item: id, index: whole).prefix(tailLength)
                }
                // The tail first, durably, so a crash between here and the truncation leaves a state this
                // same repair reads again.
                try await store.writeTail(
                    id, pending.isEmpty ? nil : try SegmentCipher.seal(pending, key: key, item: id, index: whole))
            } else if onDisk == whole {
                if tailLength > 0 {
                    guard let record = try await store.readTail(id) else {
                        throw VaultError.missingBytes(
                            item: id, stored: Int64(whole) * Int64(layout.segmentSize), acknowledged: acknowledged)
                    }
                    let plain = try open(record, key: key, item: id, index: whole)
                    guard plain.count >= tailLength else {
                        throw VaultError.missingBytes(
                            item: id, stored: Int64(whole) * Int64(layout.segmentSize) + Int64(plain.count),
                            acknowledged: acknowledged)
                    }
                    pending = plain.prefix(tailLength)
                }
            } else {
                throw VaultError.missingBytes(
                    item: id, stored: Int64(onDisk) * Int64(layout.segmentSize), acknowledged: acknowledged)
            }
            try await writer.truncate(records: whole)
            let hasher: SHA256
            if let cached = hashers.take(id, at: acknowledged) {
                hasher = cached
            } else {
                var fresh = SHA256()
                for index in 0..<whole {
                    let record = try await writer.read(index: index, count: layout.recordSize)
                    try open(record, key: key, item: id, index: index).withUnsafeBytes {
                        fresh.update(bufferPointer: $0)
                    }
                }
                pending.withUnsafeBytes { fresh.update(bufferPointer: $0) }
                hasher = fresh
            }
            return Session(
                vault: self, item: id, key: key, layout: layout, writer: writer, segments: whole,
                pending: Data(pending), hasher: hasher)
        } catch {
            writer.close()
            throw error
        }
    }

    // MARK: reading a complete item

    /// The plaintext of `range` of a complete item, one segment at a time.
    func read(_ item: EvidenceItem, range: ClosedRange<Int64>, key: SymmetricKey? = nil) -> AsyncThrowingStream<
        Data, any Error
    > {
        let layout = Layout(segmentSize: item.segmentSize)
        let length = item.length ?? item.received
        let id = item.id!
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let key = try key ?? dataKey(item)
                    let first = Int(range.lowerBound / Int64(layout.segmentSize))
                    let last = Int(range.upperBound / Int64(layout.segmentSize))
                    for index in first...last {
                        try Task.checkCancellation()
                        let start = Int64(index) * Int64(layout.segmentSize)
                        let plainLength = Int(min(Int64(layout.segmentSize), length - start))
                        let record = try await store.read(
                            id, at: layout.position(index), count: plainLength + SegmentCipher.overhead)
                        let plain = try open(record, key: key, item: id, index: index)
                        let from = Int(max(range.lowerBound, start) - start)
                        let to = Int(min(range.upperBound, start + Int64(plain.count) - 1) - start)
                        continuation.yield(plain.subdata(in: from..<(to + 1)))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Re-reads every byte of a complete item: each segment must authenticate, the records must be exactly
    /// as long as the item, and the SHA-256 must be the one recorded. Returns what is wrong, if anything.
    func verify(_ item: EvidenceItem) async -> String? {
        guard let id = item.id, let expected = item.sha256 else { return nil }
        let layout = Layout(segmentSize: item.segmentSize)
        let length = item.length ?? item.received
        do {
            let key = try dataKey(item)
            let count = length == 0 ? 0 : Int((length - 1) / Int64(layout.segmentSize)) + 1
            let expectedSize =
                count == 0
                ? 0
                : layout.position(count - 1) + (length - Int64(count - 1) * Int64(layout.segmentSize))
                    + Int64(SegmentCipher.overhead)
            let size = try await store.size(id)
            if size != expectedSize {
                return "media: the stored file is \(size) bytes, \(expectedSize) expected (truncated or extended)"
            }
            var hasher = SHA256()
            for index in 0..<count {
                let start = Int64(index) * Int64(layout.segmentSize)
                let plainLength = Int(min(Int64(layout.segmentSize), length - start))
                let record = try await store.read(
                    id, at: layout.position(index), count: plainLength + SegmentCipher.overhead)
                guard let plain = try? SegmentCipher.open(record, key: key, item: id, index: index) else {
                    return
                        "media: segment \(index) (bytes \(start)–\(start + Int64(plainLength) - 1)) fails authentication"
                }
                plain.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
            let actual = Secrets.hex(hasher.finalize())
            return actual == expected ? nil : "media: SHA-256 is \(actual), recorded \(expected)"
        } catch {
            return "media: \(error)"
        }
    }
}
