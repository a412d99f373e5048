import Foundation
import LedgerCore
import RulePack

/// Reading one cell of an order export as the kind of value its canonical field holds. Every function returns the
/// value or the reason it is not one, worded to follow "column R (Total Amount) is "…", " in a diagnostic.
enum CellParsing {
    /// Spaces, tabs and line breaks around a value mean nothing (TikTok Shop ends ids and times with a tab so Excel
    /// keeps them as text).
    static func clean(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        // Most cells start and end with a printable ASCII character: nothing to trim, no Unicode tables consulted.
        if first > 0x20 && first < 0x7F && last > 0x20 && last < 0x7F { return text }
        guard let firstScalar = text.unicodeScalars.first, let lastScalar = text.unicodeScalars.last,
              firstScalar.properties.isWhitespace || lastScalar.properties.isWhitespace || firstScalar == "\u{FEFF}" else { return text }
        return text.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{FEFF}")))
    }

    /// `1,234.50`, `RM 12.00`, `-15.00`, `(15.00)`, `377.5`, `399`; more than two decimals only when the extra digits
    /// are zeros (`12.500`). A blank cell is handled by the caller (it is 0).
    static func money(_ raw: String, marks: [String]) -> Result<Money, CellProblem> {
        var text = raw
        // Plain numbers ("377.5", "-15.00") skip the search for currency marks and spaces.
        let plain = raw.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2C }
        for mark in marks where !mark.isEmpty && !plain {
            if let range = text.range(of: mark, options: [.caseInsensitive]) { text.removeSubrange(range) }
        }
        if !plain { text = text.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\u{00A0}", with: "") }
        var negative = false
        if text.hasPrefix("(") && text.hasSuffix(")") && text.count > 2 { negative = true; text = String(text.dropFirst().dropLast()) }
        if text.hasPrefix("-") { negative.toggle(); text.removeFirst() } else if text.hasPrefix("+") { text.removeFirst() }
        if text.hasPrefix("-") || text.hasPrefix("RM") { return .failure(CellProblem("not an amount")) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first else { return .failure(CellProblem("not an amount")) }
        // Thousands separators only in groups of three: "1,234.50" yes, "12,34" (a decimal comma) no.
        let groups = whole.split(separator: ",", omittingEmptySubsequences: false)
        if groups.count > 1 {
            guard (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else {
                return .failure(CellProblem("not an amount (a comma is read only as a thousands separator, as in 1,234.50)"))
            }
        }
        let digits = groups.joined()
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard !digits.isEmpty || !fraction.isEmpty, digits.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit) else {
            return .failure(CellProblem("not an amount"))
        }
        if fraction.count > 2 {
            guard fraction.dropFirst(2).allSatisfy({ $0 == "0" }) else { return .failure(CellProblem("not an amount in sen: it has more than two decimals")) }
            fraction = String(fraction.prefix(2))
        }
        guard digits.count <= 15, let units = Int64((digits.isEmpty ? "0" : digits) + fraction.padding(toLength: 2, withPad: "0", startingAt: 0)) else {
            return .failure(CellProblem("too large an amount"))
        }
        return .success(Money(minorUnits: negative ? -units : units))
    }

    /// A whole number of units: `2`, `2.0` (as Excel may store it); 0 only with `allowZero` (units returned).
    static func quantity(_ text: String, allowZero: Bool = false) -> Result<Int, CellProblem> {
        var digits = text.replacingOccurrences(of: ",", with: "")
        if let dot = digits.firstIndex(of: ".") {
            guard digits[digits.index(after: dot)...].allSatisfy({ $0 == "0" }) else { return .failure(CellProblem("not a whole number of units")) }
            digits = String(digits[..<dot])
        }
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCIIDigit), let value = Int(digits) else { return .failure(CellProblem("not a quantity")) }
        guard value >= 1 || allowZero else { return .failure(CellProblem("not a quantity of 1 or more")) }
        return .success(value)
    }

    /// A local time in one of `formats` (the mapping's `date_formats`), an ISO date cell as the xlsx reader gives it,
    /// or a full ISO 8601 time; written as ISO 8601 with the mapping's UTC offset.
    static func time(_ text: String, formats: [DatePattern], utcOffsetSeconds: Int) -> Result<String, CellProblem> {
        if text.contains("T"), let stamp = Timestamp(parsing: text), text.count > 19 { return .success(stamp.text) }
        var impossible: String?
        for pattern in formats + isoCells {
            switch match(text, pattern) {
            case .time(let parts): return .success(iso(parts, parts.offset ?? utcOffsetSeconds))
            case .impossible(let reason): impossible = impossible ?? reason
            case .otherLayout: continue
            }
        }
        if let impossible { return .failure(CellProblem("not a real moment: \(impossible)")) }
        let expected = formats.isEmpty ? "yyyy-MM-dd HH:mm:ss" : formats.map(\.text).joined(separator: " or ")
        return .failure(CellProblem("not a date and time like \(expected); add its layout to the mapping's date_formats"))
    }

    private struct DateParts {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        var offset: Int?
    }

    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private enum Match { case time(DateParts), impossible(String), otherLayout }

    /// The xlsx reader's date cells and ISO times, tried after the mapping's own layouts.
    private static let isoCells = [DatePattern("yyyy-MM-ddTHH:mm:ss")!, DatePattern("yyyy-MM-dd HH:mm:ss")!, DatePattern("yyyy-MM-dd HH:mm")!, DatePattern("yyyy-MM-dd")!]

    private static let fullMonthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    private static func match(_ text: String, _ pattern: DatePattern) -> Match {
        guard let parts = shape(text, pattern) else { return .otherLayout }
        guard (1...12).contains(parts.month) else { return .impossible("there is no month \(parts.month)") }
        let days = CalendarDate.daysIn(month: parts.month, year: parts.year)
        guard parts.day >= 1, parts.day <= days else { return .impossible("\(fullMonthNames[parts.month - 1]) \(parts.year) has \(days) days") }
        guard parts.hour < 24, parts.minute < 60, parts.second < 60 else { return .impossible("the time of day is past 23:59:59") }
        return .time(parts)
    }

    /// The parts of `text` laid out as `pattern`, not yet checked to be a real day and time.
    private static func shape(_ text: String, _ pattern: DatePattern) -> DateParts? {
        let chars = Array(text)
        var index = 0
        var parts = DateParts()
        for (token, width) in pattern.tokens {
            switch token {
            case .monthName:
                guard index + 3 <= chars.count, let month = monthNames.firstIndex(of: String(chars[index..<index + 3]).lowercased()) else { return nil }
                parts.month = month + 1
                index += 3
            case .offset:
                if index < chars.count, chars[index] == "Z" { parts.offset = 0; index += 1; continue }
                guard index < chars.count, chars[index] == "+" || chars[index] == "-" else { return nil }
                let sign = chars[index] == "-" ? -1 : 1
                index += 1
                var digits: [Int] = []
                while index < chars.count, digits.count < 4 {
                    if chars[index] == ":" && digits.count == 2 { index += 1; continue }
                    guard let d = chars[index].wholeNumberValue, chars[index].isASCII else { break }
                    digits.append(d); index += 1
                }
                guard digits.count == 4 else { return nil }
                parts.offset = sign * ((digits[0] * 10 + digits[1]) * 3600 + (digits[2] * 10 + digits[3]) * 60)
            case .literal(let c):
                // "T" and " " between a date and a time are interchangeable; so are the xlsx reader's ISO cells.
                guard index < chars.count, chars[index] == c || (c == " " && chars[index] == "T") || (c == "T" && chars[index] == " ") else { return nil }
                index += 1
            default:
                var digits = 0, value = 0
                let maximum = token == .year ? 4 : 2
                while index < chars.count, digits < maximum, let d = chars[index].wholeNumberValue, chars[index].isASCII {
                    value = value * 10 + d; digits += 1; index += 1
                }
                guard digits >= (token == .year ? 4 : width) else { return nil }
                switch token {
                case .year: parts.year = value
                case .month: parts.month = value
                case .day: parts.day = value
                case .hour: parts.hour = value
                case .minute: parts.minute = value
                case .second: parts.second = value
                case .literal, .monthName, .offset: break
                }
            }
        }
        // A time part the pattern leaves out may follow (":ss" of an xlsx date-time cell); anything else is not a match.
        let rest = String(chars[index...])
        if !rest.isEmpty, !(rest.hasPrefix(":") && rest.count == 3 && rest.dropFirst().allSatisfy(\.isASCIIDigit)) { return nil }
        if !rest.isEmpty { parts.second = Int(rest.dropFirst()) ?? 0 }
        return parts
    }

    private static func iso(_ p: DateParts, _ offset: Int) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return "\(p.year)-\(two(p.month))-\(two(p.day))T\(two(p.hour)):\(two(p.minute)):\(two(p.second))\(sign)\(two(magnitude / 3600)):\(two(magnitude % 3600 / 60))"
    }

    static func flag(_ text: String) -> Result<Bool, CellProblem> {
        switch text.lowercased() {
        case "true", "yes", "y", "1": return .success(true)
        case "false", "no", "n", "0": return .success(false)
        default: return .failure(CellProblem("not true/false (yes/no, Y/N, 1/0)"))
        }
    }
}

/// Why a cell is not the value its field needs, e.g. "not an amount".
struct CellProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
