import Crypto
import Foundation
import Glibc
import VictimCareDomain

/// The master keys that wrap each evidence item's data key. The current key (`EVIDENCE_MASTER_KEY`, 32 bytes
/// in base64) wraps new items; earlier keys (`EVIDENCE_PREVIOUS_MASTER_KEYS`, comma-separated) still unwrap
/// items not yet rewrapped by `victimcare evidence rotate-key`. A key's id is the first 16 hex digits of the
/// SHA-256 of the key, so no id is configured separately and none says anything about the key. With nothing
/// set, a single machine keeps a key in `<evidence directory>/master.key` (mode 0600) and says so at start.
struct EvidenceKeys: Sendable {
    struct MasterKey: Sendable {
        var id: String
        var key: SymmetricKey
    }

    var current: MasterKey
    var previous: [MasterKey]

    enum KeyError: Error, CustomStringConvertible {
        case invalid(String)
        case unknownKey(String)
        case unwrapFailed

        var description: String {
            switch self {
            case .invalid(let why): "Evidence master key: \(why)"
            case .unknownKey(let id): "No master key with id \(id) is configured (EVIDENCE_PREVIOUS_MASTER_KEYS)."
            case .unwrapFailed: "An evidence data key did not unwrap: the master key or the stored key is wrong."
            }
        }
    }

    static func masterKey(base64: String) throws -> MasterKey {
        guard let data = Data(base64Encoded: base64.trimmingWhitespaceAndNewlines()),
            data.count == 32
        else { throw KeyError.invalid("expected 32 bytes in base64") }
        let id = Secrets.hex(SHA256.hash(data: data).prefix(8))
        return MasterKey(id: id, key: SymmetricKey(data: data))
    }

    /// From the environment, or the single machine's key file (made on first use).
    static func load(environment env: [String: String], directory: String) throws -> (EvidenceKeys, fromFile: Bool) {
        let previous = try (env["EVIDENCE_PREVIOUS_MASTER_KEYS"] ?? "").split(separator: ",").map {
            try masterKey(base64: String($0))
        }
        if let current = env["EVIDENCE_MASTER_KEY"], !current.isEmpty {
            return (EvidenceKeys(current: try masterKey(base64: current), previous: previous), false)
        }
        let path = directory + "/master.key"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Made only if absent (O_EXCL): two nodes starting together on a fresh directory end with one key.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            let written = fresh.withCString { write(fd, $0, strlen($0)) }
            fsync(fd)
            close(fd)
            guard written == fresh.utf8.count else { throw KeyError.invalid("cannot write \(path)") }
        } else if errno != EEXIST {
            throw KeyError.invalid("cannot create \(path) (errno \(errno))")
        }
        // Whatever is there now; an error reading it stops the start rather than making a new key.
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KeyError.invalid("cannot read \(path): \(error)")
        }
        return (EvidenceKeys(current: try masterKey(base64: text), previous: previous), true)
    }

    func master(_ id: String) throws -> MasterKey {
        if current.id == id { return current }
        guard let key = previous.first(where: { $0.id == id }) else { throw KeyError.unknownKey(id) }
        return key
    }

    /// A fresh data key for one item, and the same wrapped by the current master key.
    func newDataKey() throws -> (key: SymmetricKey, wrapped: String, keyID: String) {
        let key = SymmetricKey(size: .bits256)
        let wrapped = try AES.KeyWrap.wrap(key, using: current.key)
        return (key, wrapped.base64EncodedString(), current.id)
    }

    func unwrap(_ wrapped: String, keyID: String) throws -> SymmetricKey {
        guard let data = Data(base64Encoded: wrapped) else { throw KeyError.unwrapFailed }
        do {
            return try AES.KeyWrap.unwrap(data, using: try master(keyID).key)
        } catch let error as KeyError {
            throw error
        } catch {
            throw KeyError.unwrapFailed
        }
    }

    /// The data key wrapped again by the current master key (rotation: the media is not touched).
    func rewrap(_ wrapped: String, keyID: String) throws -> (wrapped: String, keyID: String) {
        let key = try unwrap(wrapped, keyID: keyID)
        return (try AES.KeyWrap.wrap(key, using: current.key).base64EncodedString(), current.id)
    }
}

/// AES-256-GCM over fixed-size segments of an item's bytes, so any range can be read by decrypting only the
/// segments it touches. Each stored segment is `nonce (12) ‖ ciphertext ‖ tag (16)`; the nonce is random for
/// every write (a segment rewritten is never sealed twice under one nonce), and the associated data binds the
/// segment to its item and position, so segments cannot be swapped or moved between items unnoticed.
enum SegmentCipher {
    static let overhead = 12 + 16

    static func associatedData(item: UUID, index: Int) -> Data {
        var data = Data(item.uuidString.lowercased().utf8)
        withUnsafeBytes(of: UInt64(index).bigEndian) { data.append(contentsOf: $0) }
        return data
    }

    static func seal(_ plaintext: some DataProtocol, key: SymmetricKey, item: UUID, index: Int) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: associatedData(item: item, index: index))
        guard let combined = box.combined else { throw EvidenceKeys.KeyError.invalid("sealing failed") }
        return combined
    }

    static func open(_ record: Data, key: SymmetricKey, item: UUID, index: Int) throws -> Data {
        let box = try AES.GCM.SealedBox(combined: record)
        return try AES.GCM.open(box, using: key, authenticating: associatedData(item: item, index: index))
    }
}
