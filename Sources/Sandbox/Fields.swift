import LedgerCore
import LedgerJSON

/// An answer the API gives instead of doing what was asked: a status and the `message` of the JSON body.
struct APIError: Error, Equatable, Sendable {
    var status: Int
    var message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badRequest(_ message: String) -> APIError { APIError(400, message) }
    static func notFound(_ message: String) -> APIError { APIError(404, message) }
    /// SQL Account's own wording for a failed save of a detail row (bad item, UOM or location), as observed.
    static func aborted(_ message: String) -> APIError { APIError(500, "Operation aborted: \(message)") }
    static func noRecord(_ field: String, _ value: String, _ context: String = "") -> APIError {
        APIError(400, "No record found: \(field) '\(value)'\(context)")
    }
}

/// Reads typed values out of request JSON the way the API accepts them: decimals as strings or JSON numbers
/// (a number arrives as its literal text, so nothing is rounded), `null` as absent.
enum Fields {
    /// A text field. Strings as they are, numbers as their literal text; `null` and absent are nil.
    static func text(_ value: JSONValue?, _ name: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .number(let text)?: return text
        case let other?: throw APIError.badRequest("\(name) must be a string, not \(other.typeName)")
        }
    }

    /// An amount with at most two decimals; an empty string is absent.
    static func money(_ value: JSONValue?, _ name: String) throws -> Money? {
        guard let text = try numberText(value, name) else { return nil }
        guard let money = Money(parsing: text) else {
            throw APIError.badRequest("\(name) '\(text)' is not a valid amount (a decimal with at most 2 decimals)")
        }
        return money
    }

    /// A decimal with up to 6 decimals (quantities, prices, rates); an empty string is absent.
    static func decimal(_ value: JSONValue?, _ name: String) throws -> FixedDecimal? {
        guard let text = try numberText(value, name) else { return nil }
        guard let number = FixedDecimal(parsing: text, maxScale: 6) else {
            throw APIError.badRequest("\(name) '\(text)' is not a valid number")
        }
        return number
    }

    private static func numberText(_ value: JSONValue?, _ name: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            let trimmed = text.trimmingSpaces
            return trimmed.isEmpty ? nil : trimmed
        case .number(let text)?: return text
        case let other?: throw APIError.badRequest("\(name) must be a number or a decimal string, not \(other.typeName)")
        }
    }

    static func bool(_ value: JSONValue?, _ name: String) throws -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case let other?: throw APIError.badRequest("\(name) must be true or false, not \(other.typeName)")
        }
    }

    /// An integer given as a JSON number or a string of digits.
    static func int(_ value: JSONValue?, _ name: String) throws -> Int? {
        switch value {
        case nil, .null?: return nil
        case .number(let text)?, .string(let text)?:
            if text.isEmpty { return nil }
            guard let number = Int(text) else { throw APIError.badRequest("\(name) '\(text)' is not an integer") }
            return number
        case let other?: throw APIError.badRequest("\(name) must be an integer, not \(other.typeName)")
        }
    }

    /// A `YYYY-MM-DD` calendar date; empty is absent.
    static func date(_ value: JSONValue?, _ name: String) throws -> String? {
        guard let text = try self.text(value, name), !text.isEmpty else { return nil }
        guard isDate(text) else {
            throw APIError.badRequest("\(name) '\(text)' is not a date in the form YYYY-MM-DD")
        }
        return text
    }

    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard bytes[index] >= 48, bytes[index] <= 57 else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              year >= 1900, (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// A value as list filters compare it: strings as they are, numbers as their text, booleans as true/false.
    static func filterText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: return text
        case .number(let text)?: return text
        case .bool(let flag)?: return flag ? "true" : "false"
        case .null?: return ""
        default: return nil
        }
    }
}

extension FixedDecimal {
    /// The text the sandbox stores and returns for quantities and prices: at least two decimals.
    var apiText: String {
        scale >= 2 ? description : FixedDecimal(units: scaled(to: 2), scale: 2).description
    }

    /// `self × other`, rounded half up to the sen; nil on overflow.
    func timesRoundedToSen(_ other: FixedDecimal) -> Money? {
        let (product, overflow) = units.multipliedReportingOverflow(by: other.units)
        guard !overflow else { return nil }
        let scale = self.scale + other.scale
        if scale <= 2 {
            var value = product
            for _ in scale..<2 {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                value = next
            }
            return Money(minorUnits: value)
        }
        var divisor: Int64 = 1
        for _ in 2..<scale { divisor *= 10 }
        return Money(minorUnits: divideRoundingHalfUp(product, divisor))
    }
}

/// SQL Account's discount expression: terms joined by `+`, each an amount (`3`) or a percentage (`5%`) of what
/// is left after the terms before it. `"10%+5"` on 100.00 is 15.00.
enum DiscountExpression {
    static func discount(_ text: String, on amount: Money) -> Money? {
        let trimmed = text.trimmingSpaces
        if trimmed.isEmpty { return .zero }
        var remaining = amount
        var total = Money.zero
        for rawTerm in trimmed.split(separator: "+", omittingEmptySubsequences: false) {
            let term = rawTerm.trimmingSpaces
            let part: Money
            if term.hasSuffix("%") {
                guard let rate = Rate(parsing: term) else { return nil }
                part = rate.tax(onExclusive: remaining)
            } else {
                guard let money = Money(parsing: term), !money.isNegative else { return nil }
                part = money
            }
            total += part
            remaining -= part
        }
        return total
    }
}
