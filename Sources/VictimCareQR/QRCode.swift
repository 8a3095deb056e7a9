import CQRencode

/// A QR code made by libqrencode: a square of dark and light modules, drawn as PNG or SVG.
public struct QRCode: Sendable {
    /// How much of the code may be damaged and still read. Medium suits a code printed or shown on a phone.
    public enum Correction: Sendable {
        case low, medium, quartile, high

        var level: QRecLevel {
            switch self {
            case .low: QR_ECLEVEL_L
            case .medium: QR_ECLEVEL_M
            case .quartile: QR_ECLEVEL_Q
            case .high: QR_ECLEVEL_H
            }
        }
    }

    public enum Failure: Error, Sendable {
        /// The text is empty or too long for any QR version.
        case cannotEncode
    }

    /// Modules per side.
    public let size: Int
    /// Row by row, `true` for a dark module.
    public let modules: [Bool]

    public init(_ text: String, correction: Correction = .medium) throws {
        guard !text.isEmpty else { throw Failure.cannotEncode }
        // Version 0 lets the library pick the smallest version that holds the text; 8-bit mode keeps every byte.
        guard let code = QRcode_encodeString8bit(text, 0, correction.level) else { throw Failure.cannotEncode }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        // The lowest bit of each byte is the module's colour; the others describe what the module is for.
        size = width
        modules = data.map { $0 & 1 == 1 }
    }

    public func isDark(row: Int, column: Int) -> Bool {
        guard row >= 0, column >= 0, row < size, column < size else { return false }
        return modules[row * size + column]
    }

    /// A one-bit greyscale PNG, `scale` pixels per module, with a quiet zone of `border` modules (the standard
    /// asks for four).
    public func png(scale: Int = 8, border: Int = 4) -> [UInt8] {
        let side = (size + 2 * border) * scale
        let rowBytes = (side + 7) / 8
        var pixels = [UInt8]()
        pixels.reserveCapacity((rowBytes + 1) * side)
        // Each module row is drawn once, then repeated `scale` times; filter type 0 (none) leads each PNG row,
        // and in one-bit greyscale a set bit is white.
        var line = [UInt8](repeating: 0, count: rowBytes + 1)
        for moduleRow in -border..<(size + border) {
            for i in line.indices { line[i] = 0 }
            for x in 0..<side where !isDark(row: moduleRow, column: x / scale - border) {
                line[1 + x / 8] |= 0x80 >> UInt8(x % 8)
            }
            for _ in 0..<scale { pixels += line }
        }
        return PNG.greyscale1(width: side, height: side, filteredRows: pixels)
    }

    /// An SVG of one path, `border` modules of quiet zone, scaling to whatever size it is shown at.
    public func svg(border: Int = 4, title: String? = nil) -> String {
        let side = size + 2 * border
        var path = ""
        path.reserveCapacity(size * size * 4)
        for row in 0..<size {
            var column = 0
            while column < size {
                guard isDark(row: row, column: column) else {
                    column += 1
                    continue
                }
                let start = column
                while column < size, isDark(row: row, column: column) { column += 1 }
                path += "M\(start + border) \(row + border)h\(column - start)v1h-\(column - start)z"
            }
        }
        let label = title.map { "<title>\(escape($0))</title>" } ?? ""
        return
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(side) \(side)\" role=\"img\" shape-rendering=\"crispEdges\">"
            + label
            + "<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/><path fill=\"#000\" d=\"\(path)\"/></svg>"
    }

    private func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
