import Foundation

/// Collects every problem in a submission at once, so a form can show them all and an API can list them all.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    public mutating func fail(_ field: String, _ message: String) {
        errors.append(FieldError(field: field, message: message))
    }

    /// Trimmed text; an error if it is missing or longer than `max`.
    public mutating func required(_ value: String?, _ field: String, _ label: String, max: Int = 200) -> String {
        guard let text = value?.trimmingWhitespaceAndNewlines(), !text.isEmpty else {
            fail(field, "Enter \(label)")
            return ""
        }
        return limit(text, field, label, max: max)
    }

    /// Trimmed text or `nil` when blank; an error if longer than `max`.
    public mutating func optional(_ value: String?, _ field: String, _ label: String, max: Int = 200) -> String? {
        guard let text = value?.trimmingWhitespaceAndNewlines(), !text.isEmpty else { return nil }
        return limit(text, field, label, max: max)
    }

    /// One of a closed set of codes, or `nil` when blank.
    public mutating func code<T: Labelled>(_ value: String?, _ field: String, _ label: String, as: T.Type) -> T? {
        guard let raw = value?.trimmingWhitespace(), !raw.isEmpty else { return nil }
        guard let parsed = T(rawValue: raw) else {
            fail(field, "Choose a valid \(label)")
            return nil
        }
        return parsed
    }

    public mutating func requiredCode<T: Labelled>(_ value: String?, _ field: String, _ label: String, as type: T.Type)
        -> T?
    {
        guard let raw = value?.trimmingWhitespace(), !raw.isEmpty else {
            fail(field, "Choose \(label)")
            return nil
        }
        return code(raw, field, label, as: type)
    }

    /// A date written `YYYY-MM-DD`, or `nil` when blank. In `Instant.years` unless `anyYear` (a search's open-ended
    /// range, never stored).
    public mutating func date(_ value: String?, _ field: String, _ label: String, anyYear: Bool = false) -> LocalDate? {
        guard let raw = value?.trimmingWhitespace(), !raw.isEmpty else { return nil }
        guard let date = LocalDate(raw) else {
            fail(field, "\(label.prefix(1).uppercased() + label.dropFirst()) must be a real date, like 2024-03-27")
            return nil
        }
        guard anyYear || Instant.years.contains(date.year) else {
            fail(field, "\(label.prefix(1).uppercased() + label.dropFirst()) must be between 1900 and 2199")
            return nil
        }
        return date
    }

    /// An instant with an offset, or `nil` when blank.
    public mutating func instant(_ value: String?, _ field: String, _ label: String) -> Date? {
        guard let raw = value?.trimmingWhitespace(), !raw.isEmpty else { return nil }
        guard let date = Instant.parse(raw) else {
            if Instant.parseAnyYear(raw) != nil {
                fail(field, "\(label.prefix(1).uppercased() + label.dropFirst()) must be between 1900 and 2199")
                return nil
            }
            fail(
                field,
                "\(label.prefix(1).uppercased() + label.dropFirst()) must be a date and time with an offset, like 2025-03-27T14:30:00+00:00"
            )
            return nil
        }
        return date
    }

    public mutating func requiredInstant(_ value: String?, _ field: String, _ label: String) -> Date? {
        guard let raw = value?.trimmingWhitespace(), !raw.isEmpty else {
            fail(field, "Enter \(label)")
            return nil
        }
        return instant(raw, field, label)
    }

    /// How a submission writes times: the API with an explicit offset, web forms in London wall-clock time.
    public enum TimeStyle: Sendable {
        case withOffset
        case londonLocal
    }

    public mutating func time(_ value: String?, _ field: String, _ label: String, style: TimeStyle) -> Date? {
        switch style {
        case .withOffset:
            return instant(value, field, label)
        case .londonLocal:
            guard let raw = value?.trimmingWhitespace(), !raw.isEmpty else { return nil }
            guard let date = London.parseLocal(raw) ?? Instant.parse(raw) else {
                let day = LocalDate(String(raw.prefix(10)))
                if let day, !Instant.years.contains(day.year) {
                    fail(field, "\(label.prefix(1).uppercased() + label.dropFirst()) must be between 1900 and 2199")
                } else {
                    fail(field, "\(label.prefix(1).uppercased() + label.dropFirst()) must be a real date and time")
                }
                return nil
            }
            return date
        }
    }

    public mutating func requiredTime(_ value: String?, _ field: String, _ label: String, style: TimeStyle) -> Date? {
        guard let raw = value?.trimmingWhitespace(), !raw.isEmpty else {
            fail(field, "Enter \(label)")
            return nil
        }
        return time(raw, field, label, style: style)
    }

    /// `yes`/`no`/`true`/`false`/`on` as a form or API might send it; blank is `nil`.
    public mutating func flag(_ value: String?, _ field: String, _ label: String) -> Bool? {
        switch value?.trimmingWhitespace().lowercased() {
        case nil, "": return nil
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default:
            fail(field, "Choose yes or no for \(label)")
            return nil
        }
    }

    public var isValid: Bool { errors.isEmpty }

    /// Throws every collected problem, or returns quietly.
    public func check() throws(DomainError) {
        if !errors.isEmpty { throw DomainError.invalid(errors) }
    }

    private mutating func limit(_ text: String, _ field: String, _ label: String, max: Int) -> String {
        if text.count > max {
            fail(field, "\(label.prefix(1).uppercased() + label.dropFirst()) must be \(max) characters or fewer")
        }
        if text.unicodeScalars.contains(where: {
            $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\r" && $0 != "\t"
        }) {
            fail(field, "\(label.prefix(1).uppercased() + label.dropFirst()) contains characters that cannot be stored")
        }
        return text
    }
}
