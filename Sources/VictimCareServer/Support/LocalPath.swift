import Foundation

/// A redirect target taken from a form or query (`next`, `returnTo`): only a path on this site. Browsers read
/// `/\evil.example` and `/<tab>/evil.example` as another site, so the text is parsed, not prefix-checked: no
/// scheme, no host, no backslash, no control character, a path starting with exactly one slash (2026-11-30,
/// issue 12).
enum LocalPath {
    static func parse(_ raw: String?, maxLength: Int = 300) -> String? {
        guard let raw, !raw.isEmpty, raw.count <= maxLength else { return nil }
        if raw.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) { return nil }
        guard raw.hasPrefix("/"), !raw.hasPrefix("//"),
            let components = URLComponents(string: raw),
            components.scheme == nil, components.host == nil, components.user == nil, components.port == nil,
            components.path.hasPrefix("/"), !components.path.hasPrefix("//")
        else { return nil }
        return raw
    }

    static func parse(_ raw: String?, or fallback: String) -> String {
        parse(raw) ?? fallback
    }
}
