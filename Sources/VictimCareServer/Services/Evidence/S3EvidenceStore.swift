import Foundation

/// The evidence store for several nodes: any S3-compatible service (`EVIDENCE_S3_ENDPOINT`). While an upload
/// is in progress each whole record is an object of its own (`uploads/<id>/<index>`, durable once the PUT
/// returns) and the tail another (`uploads/<id>/tail`); when the upload is whole, a multipart upload copies
/// the records server-side, as its parts, into one object (`objects/<id>`), which is read by ranges, and the
/// record objects go. Records of at least 5 MiB keep every part but the last within S3's minimum.
struct S3EvidenceStore: EvidenceStore {
    let s3: S3Client

    var minimumSegmentSize: Int { 5 * 1024 * 1024 }

    func objectKey(_ item: UUID) -> String { "objects/\(item.uuidString.lowercased())" }
    func recordPrefix(_ item: UUID) -> String { "uploads/\(item.uuidString.lowercased())/" }
    func recordKey(_ item: UUID, _ index: Int) -> String { recordPrefix(item) + String(format: "%08d", index) }
    func tailKey(_ item: UUID) -> String { recordPrefix(item) + "tail" }

    func openWriter(_ item: UUID, recordSize: Int) async throws -> any EvidenceWriter {
        Writer(store: self, item: item)
    }

    final class Writer: EvidenceWriter, @unchecked Sendable {
        let store: S3EvidenceStore
        let item: UUID

        init(store: S3EvidenceStore, item: UUID) {
            self.store = store
            self.item = item
        }

        func indexes() async throws -> [Int] {
            try await store.s3.list(prefix: store.recordPrefix(item)).compactMap {
                Int($0.key.dropFirst(store.recordPrefix(item).count))
            }.sorted()
        }

        func wholeRecords() async throws -> Int {
            // Records are written in order, so they run 0..<n; a gap (never expected) ends the run.
            var count = 0
            for index in try await indexes() {
                guard index == count else { break }
                count += 1
            }
            return count
        }

        func write(_ record: Data, index: Int) async throws {
            try await store.s3.put(store.recordKey(item, index), record)
        }

        func read(index: Int, count: Int) async throws -> Data {
            try await store.s3.get(store.recordKey(item, index)).map { Data($0.prefix(count)) } ?? Data()
        }

        func truncate(records: Int) async throws {
            for index in try await indexes() where index >= records {
                try await store.s3.delete(store.recordKey(item, index))
            }
        }

        /// A PUT that returned is already durable.
        func sync() async throws {}
        func close() {}
    }

    func read(_ item: UUID, at offset: Int64, count: Int) async throws -> Data {
        guard count > 0 else { return Data() }
        if let data = try await s3.get(objectKey(item), range: offset...(offset + Int64(count) - 1)) { return data }
        throw S3Client.Failure(status: 404, operation: "GetObject", body: "evidence object \(item) is missing")
    }

    func size(_ item: UUID) async throws -> Int64 {
        try await s3.size(objectKey(item)) ?? 0
    }

    func readTail(_ item: UUID) async throws -> Data? {
        try await s3.get(tailKey(item))
    }

    func writeTail(_ item: UUID, _ record: Data?) async throws {
        if let record {
            try await s3.put(tailKey(item), record)
        } else {
            try await s3.delete(tailKey(item))
        }
    }

    func seal(_ item: UUID, records: Int, recordSize: Int) async throws {
        let key = objectKey(item)
        let upload = try await s3.createMultipartUpload(key)
        do {
            var parts: [(Int, String)] = []
            for index in 0..<records {
                parts.append(
                    (
                        index + 1,
                        try await s3.uploadPartCopy(
                            key, uploadID: upload, part: index + 1, source: recordKey(item, index))
                    ))
            }
            try await s3.completeMultipartUpload(key, uploadID: upload, parts: parts)
        } catch {
            try? await s3.abortMultipartUpload(key, uploadID: upload)
            throw error
        }
    }

    func finished(_ item: UUID) async throws {
        for object in try await s3.list(prefix: recordPrefix(item)) { try await s3.delete(object.key) }
    }

    func delete(_ item: UUID) async throws {
        for object in try await s3.list(prefix: recordPrefix(item)) { try await s3.delete(object.key) }
        try await s3.delete(objectKey(item))
    }
}
