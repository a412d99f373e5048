import LedgerCore

/// Amounts as settlement reports write them, read exactly (never through `Double`).
///
/// Accepted, each handled explicitly, in this order:
/// 1. surrounding spaces, tabs and non-breaking spaces are ignored;
/// 2. parentheses around the whole amount mean a negative: `(12.30)`;
/// 3. a leading minus: `-3.20` (also before or after the currency: `-RM 5.00`, `RM -5.00`);
/// 4. a leading currency `RM` or `MYR`, with or without a space: `RM 5.00`, `RM5.00`;
/// 5. thousands separators, only as proper groups of three: `1,234.50` (not `12,34.50`);
/// 6. a spreadsheet's binary-float noise beyond the sen, as an xlsx stores some computed cells:
///    `-1.7000000000000002`, `12.299999999999999`, `2.7755575615628914E-17` — accepted only when the digits
///    after the second decimal start with `0000` or `9999` (within a ten-thousandth of a sen), and rounded.
/// The normalised text is then read with `Money(parsing:)`.
public enum SettlementAmount {
    public enum Problem: Error, Hashable, Sendable, CustomStringConvertible {
        case empty
        case notANumber
        case misplacedThousandsSeparator
        case moreThanTwoDecimals
        case tooLarge

        public var description: String {
            switch self {
            case .empty: return "it is empty"
            case .notANumber: return "it is not a number"
            case .misplacedThousandsSeparator: return "its thousands separators are misplaced"
            case .moreThanTwoDecimals: return "it has more than two decimals"
            case .tooLarge: return "it is too large"
            }
        }
    }

    /// The forms accepted, for messages.
    public static let acceptedForms = "1234.50, 1,234.50, RM 1,234.50, (12.30) or -12.30"

    public static func parse(_ text: String) -> Result<Money, Problem> {
        // Fast path: most cells are already plain (`120`, `-10.8`, `12.30`).
        if let money = Money(parsing: text) { return .success(money) }
        var body = trimmed(text)
        if body.isEmpty { return .failure(.empty) }
        var negative = false
        // 2. Parentheses: accounting negatives.
        if body.hasPrefix("("), body.hasSuffix(")"), body.count >= 2 {
            negative = true
            body = trimmed(String(body.dropFirst().dropLast()))
        }
        // 3. A minus before the currency.
        if body.hasPrefix("-") {
            if negative { return .failure(.notANumber) }
            negative = true
            body = trimmed(String(body.dropFirst()))
        }
        // 4. The currency.
        for currency in ["MYR", "RM"] where body.uppercased().hasPrefix(currency) {
            body = trimmed(String(body.dropFirst(currency.count)))
            break
        }
        // 3. A minus after the currency.
        if body.hasPrefix("-") {
            if negative { return .failure(.notANumber) }
            negative = true
            body = trimmed(String(body.dropFirst()))
        }
        guard !body.isEmpty else { return .failure(.notANumber) }

        // Split off an exponent (only spreadsheet float text has one).
        var mantissa = Substring(body)
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            var exponentText = body[body.index(after: e)...]
            var exponentNegative = false
            if exponentText.first == "+" || exponentText.first == "-" {
                exponentNegative = exponentText.first == "-"
                exponentText = exponentText.dropFirst()
            }
            guard !exponentText.isEmpty, exponentText.count <= 3, exponentText.allSatisfy(\.isASCIIDigit), let value = Int(exponentText)
            else { return .failure(.notANumber) }
            exponent = exponentNegative ? -value : value
        }

        // 5. Integer and fraction parts; thousands separators in the integer part only.
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return .failure(.notANumber) }
        var integerPart = parts[0]
        let fractionPart = parts.count == 2 ? parts[1] : ""
        if parts.count == 2 && fractionPart.isEmpty { return .failure(.notANumber) }
        if integerPart.contains(",") {
            guard exponent == 0 else { return .failure(.notANumber) }
            let groups = integerPart.split(separator: ",", omittingEmptySubsequences: false)
            guard groups.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else { return .failure(.notANumber) }
            guard let first = groups.first, (1...3).contains(first.count), groups.dropFirst().allSatisfy({ $0.count == 3 })
            else { return .failure(.misplacedThousandsSeparator) }
            integerPart = Substring(groups.joined())
        }
        guard !integerPart.isEmpty, integerPart.allSatisfy(\.isASCIIDigit), fractionPart.allSatisfy(\.isASCIIDigit)
        else { return .failure(.notANumber) }

        // The value is digits × 10^-scale.
        var digits = String(integerPart) + String(fractionPart)
        var scale = fractionPart.count - exponent
        if scale < 0 {
            digits += String(repeating: "0", count: -scale)
            scale = 0
        }
        // 6. Keep two decimals; anything beyond must be float noise.
        var roundUp = false
        if scale > 2 {
            let extra = scale - 2
            if digits.count < extra { digits = String(repeating: "0", count: extra - digits.count) + digits }
            let beyond = digits.suffix(extra)
            digits = String(digits.dropLast(extra))
            scale = 2
            if beyond.allSatisfy({ $0 == "0" }) {
                // exactly representable: 12.300
            } else if beyond.count >= 4 && beyond.hasPrefix("0000") {
                // noise above the value: round down
            } else if beyond.count >= 4 && beyond.hasPrefix("9999") {
                roundUp = true
            } else {
                return .failure(.moreThanTwoDecimals)
            }
        }
        while scale < 2 { digits += "0"; scale += 1 }
        let significant = digits.drop { $0 == "0" }
        guard significant.count <= 15 else { return .failure(.tooLarge) }
        guard var sen = Int64(significant.isEmpty ? "0" : String(significant)) else { return .failure(.notANumber) }
        if roundUp { sen += 1 }
        if negative { sen = -sen }
        // The canonical text goes through Money's own strict parser.
        guard let money = Money(parsing: Money(minorUnits: sen).description) else { return .failure(.notANumber) }
        return .success(money)
    }

    /// The amount, or nil when `parse` would fail.
    public static func money(_ text: String) -> Money? {
        if case .success(let money) = parse(text) { return money }
        return nil
    }

    static func trimmed(_ text: String) -> String {
        // Fast path: nothing to trim (the first and last bytes are not ASCII whitespace or a multi-byte space).
        if let first = text.utf8.first, let last = text.utf8.last, first > 32, first < 128, last > 32, last < 128 { return text }
        var scalars = Substring(text)
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\u{00A0}" || c == "\u{202F}" || c == "\n" || c == "\r" }
        while let first = scalars.first, isSpace(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, isSpace(last) { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

/// Payout dates as settlement reports write them. Accepted:
/// `2025-09-15`, `2025-09-15T10:21:00`, `2025-09-15 10:21:00` (the xlsx reader's and Shopee's form),
/// `2025/09/15` and `2025/09/15 10:21:00` (TikTok), `15/09/2025` (day first, as Malaysia writes it),
/// `15 Sep 2025`, `15-Sep-2025` and `15 Sep 2025 10:21` (Lazada). A time of day is ignored: the date is
/// taken as written, never shifted between time zones.
public enum SettlementDate {
    public static let acceptedForms = "YYYY-MM-DD, YYYY/MM/DD, DD/MM/YYYY or 15 Sep 2025"

    public static func parse(_ text: String) -> CalendarDate? {
        // Byte-level: this runs for every row of a large statement.
        var bytes = Array(SettlementAmount.trimmed(text).utf8)
        let dash = UInt8(ascii: "-"), slash = UInt8(ascii: "/"), space = UInt8(ascii: " ")
        // Cut off a time of day after the date: `…T10:21:00` (ISO) or `… 10:21:00` after a dashed or slashed date.
        if bytes.count > 10, bytes[10] == UInt8(ascii: "T") || bytes[10] == space, bytes[..<10].contains(where: { $0 == dash || $0 == slash }) {
            guard bytes.count > 11, isDigit(bytes[11]) else { return nil }
            bytes.removeSubrange(10...)
        } else if let cut = bytes.firstIndex(of: space), bytes[..<cut].contains(where: { $0 == dash || $0 == slash }) {
            guard cut + 1 < bytes.count, isDigit(bytes[cut + 1]) else { return nil }
            bytes.removeSubrange(cut...)
        }
        var parts = bytes.split(whereSeparator: { $0 == dash || $0 == slash || $0 == space })
        // `15 Sep 2025 10:21`: drop a trailing time field.
        if parts.count == 4, parts[3].contains(UInt8(ascii: ":")) { parts.removeLast() }
        guard parts.count == 3 else { return nil }
        func number(_ field: ArraySlice<UInt8>, _ counts: ClosedRange<Int>) -> Int? {
            guard counts.contains(field.count), field.allSatisfy(isDigit) else { return nil }
            return field.reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        var year: Int?, month: Int?, day: Int?
        if let y = number(parts[0], 4...4) {
            year = y; month = number(parts[1], 1...2); day = number(parts[2], 1...2)     // YYYY-MM-DD, YYYY/MM/DD
        } else if let y = number(parts[2], 4...4) {
            day = number(parts[0], 1...2)
            year = y
            if let m = number(parts[1], 1...2) {
                month = m                                                                 // DD/MM/YYYY
            } else {
                let name = String(decoding: parts[1], as: UTF8.self).lowercased()        // 15 Sep 2025, 15-September-2025
                if let m = monthNames.firstIndex(of: name) ?? fullMonthNames.firstIndex(of: name) { month = m + 1 }
            }
        }
        guard let year, let month, let day, CalendarDate.isValid(year: year, month: month, day: day) else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let fullMonthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                                 "october", "november", "december"]
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
