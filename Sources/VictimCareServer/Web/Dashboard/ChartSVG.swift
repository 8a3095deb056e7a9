import Foundation

/// Line charts drawn on the server as SVG: no script, readable by a screen reader through the title and
/// description (the page puts the same figures in a table beside it), and the series told apart by line style
/// and marker shape as well as colour.
enum ChartSVG {
    struct Series: Sendable {
        var name: String
        /// Shares from 0 to 1; nil where there was nothing to count.
        var values: [Double?]
    }

    private static let styles: [(colour: String, dash: String, square: Bool)] = [
        ("#1d70b8", "", false), ("#0b0c0c", "6 4", true), ("#d4351c", "2 3", false),
    ]

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func lines(id: String, title: String, description: String, labels: [String], series: [Series]) -> String {
        let width = 720.0
        let height = 300.0
        let left = 48.0
        let right = 16.0
        let top = 16.0
        let bottom = 64.0
        let plotW = width - left - right
        let plotH = height - top - bottom
        let n = max(labels.count, 1)
        func x(_ i: Int) -> Double { left + (n == 1 ? plotW / 2 : plotW * Double(i) / Double(n - 1)) }
        func y(_ v: Double) -> Double { top + plotH * (1 - min(max(v, 0), 1)) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-labelledby="\(id)-title \(id)-desc" class="chart" focusable="false">\
            <title id="\(id)-title">\(escape(title))</title><desc id="\(id)-desc">\(escape(description))</desc>
            """
        for step in 0...4 {
            let v = Double(step) / 4
            svg +=
                "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(v)))\" y2=\"\(f(y(v)))\" stroke=\"#b1b4b6\" stroke-width=\"1\"/>"
            svg +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\" font-size=\"12\" fill=\"#0b0c0c\">\(step * 25)%</text>"
        }
        for (i, label) in labels.enumerated() where i % 3 == 0 || i == labels.count - 1 {
            svg +=
                "<text x=\"\(f(x(i)))\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#0b0c0c\">\(escape(label))</text>"
        }
        for (s, line) in series.enumerated() {
            let style = styles[s % styles.count]
            // A gap where a month has nothing to count, rather than a line drawn through it.
            var path = ""
            var pen = false
            for (i, value) in line.values.enumerated() {
                guard let value else {
                    pen = false
                    continue
                }
                path += "\(pen ? "L" : "M")\(f(x(i))),\(f(y(value))) "
                pen = true
            }
            if !path.isEmpty {
                svg +=
                    "<path d=\"\(path)\" fill=\"none\" stroke=\"\(style.colour)\" stroke-width=\"2.5\""
                    + (style.dash.isEmpty ? "" : " stroke-dasharray=\"\(style.dash)\"") + "/>"
            }
            for (i, value) in line.values.enumerated() {
                guard let value else { continue }
                svg +=
                    style.square
                    ? "<rect x=\"\(f(x(i) - 3.5))\" y=\"\(f(y(value) - 3.5))\" width=\"7\" height=\"7\" fill=\"\(style.colour)\"/>"
                    : "<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(value)))\" r=\"3.5\" fill=\"\(style.colour)\"/>"
            }
            // The legend, in the chart as well as beside it.
            let lx = left + Double(s) * 240
            let ly = height - 18
            svg +=
                "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 28))\" y1=\"\(f(ly))\" y2=\"\(f(ly))\" stroke=\"\(style.colour)\" stroke-width=\"2.5\""
                + (style.dash.isEmpty ? "" : " stroke-dasharray=\"\(style.dash)\"") + "/>"
            svg +=
                "<text x=\"\(f(lx + 34))\" y=\"\(f(ly + 4))\" font-size=\"12\" fill=\"#0b0c0c\">\(escape(line.name))</text>"
        }
        return svg + "</svg>"
    }
}

/// A table shown on a page and offered as CSV, built once so the download is exactly what is on the screen.
struct ReportTable: Encodable, Sendable {
    struct Cell: Encodable, Sendable {
        var text: String
        var href: String?
        /// Red, amber or green, for a status cell (its text always says it too).
        var status: String?
        /// A row heading rather than data.
        var header = false
    }

    var id: String
    var caption: String
    var headings: [String]
    var rows: [[Cell]]
    /// Where the same table downloads as CSV.
    var csvHref: String

    var csv: String {
        var out = CSV.line(headings) + "\r\n"
        for row in rows { out += CSV.line(row.map(\.text)) + "\r\n" }
        return out
    }
}
