import Foundation
import LedgerCore

/// The static type of a scope variable or of a sub-expression.
public enum ExprType: Equatable, Hashable, Sendable, CustomStringConvertible {
    case string, number, bool, date, stringList, numberList

    /// The name used in diagnostics, e.g. `cannot compare order.revenue (number) with "abc" (string)`.
    public var description: String {
        switch self {
        case .string: return "string"
        case .number: return "number"
        case .bool: return "bool"
        case .date: return "date"
        case .stringList: return "list of strings"
        case .numberList: return "list of numbers"
        }
    }

    /// True for the list types, which hold many values rather than one.
    public var isList: Bool { self == .stringList || self == .numberList }

    /// The name with an article, for sentences such as "but order.revenue is a number".
    var withArticle: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "true/false"
        case .date: return "a date"
        case .stringList: return "a list of strings"
        case .numberList: return "a list of numbers"
        }
    }
}

/// A run-time value of a scope variable; `.missing` when the order simply has no such value.
public enum ExprValue: Equatable, Sendable {
    case string(String)
    case number(Decimal)
    case bool(Bool)
    /// A calendar date as days since 1970-01-01, i.e. `CalendarDate.daysSinceEpoch`.
    case date(Int)
    case stringList([String])
    /// Such as one amount per order line, for `sum(...)`.
    case numberList([Decimal])
    case missing

    /// The type of the value, or nil for `.missing`.
    public var type: ExprType? {
        switch self {
        case .string: return .string
        case .number: return .number
        case .bool: return .bool
        case .date: return .date
        case .stringList: return .stringList
        case .numberList: return .numberList
        case .missing: return nil
        }
    }
}

/// A name an expression may read, such as `order.channel`, with its type and a one-line summary for docs.
public struct ExprVariable: Equatable, Sendable {
    public let name: String
    public let type: ExprType
    public let summary: String

    public init(name: String, type: ExprType, summary: String) {
        self.name = name
        self.type = type
        self.summary = summary
    }
}

/// The variables visible to an expression; compiled expressions refer to them by index.
public struct ExpressionScope: Sendable {
    /// The variables in index order; when a name repeats, the first one wins.
    public var variables: [ExprVariable] {
        didSet { indexByName = Self.makeIndex(variables) }
    }

    private var indexByName: [String: Int]

    public init(_ variables: [ExprVariable]) {
        self.variables = variables
        self.indexByName = Self.makeIndex(variables)
    }

    /// The index of the variable called `name`, or nil when the scope has none.
    public func index(of name: String) -> Int? { indexByName[name] }

    private static func makeIndex(_ variables: [ExprVariable]) -> [String: Int] {
        var index: [String: Int] = [:]
        for (position, variable) in variables.enumerated() where index[variable.name] == nil {
            index[variable.name] = position
        }
        return index
    }
}

/// Reads `"YYYY-MM-DD"` date literals, explaining impossible days; day numbers come from LedgerCore's
/// `CalendarDate` so expressions and the engine count days the same way.
enum ExprDate {
    enum ParseResult: Equatable {
        case valid(Int)
        /// Not shaped like `YYYY-MM-DD` at all, so it is an ordinary string.
        case notADate
        /// Shaped like a date but naming a day that does not exist; the text says why.
        case invalid(String)
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]

    static func parse(_ text: String) -> ParseResult {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 10, scalars[4] == "-", scalars[7] == "-" else { return .notADate }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard let digit = Int(exactly: scalars[index].value), (48...57).contains(digit) else { return nil }
                value = value * 10 + digit - 48
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return .notADate }
        guard (1...12).contains(month) else { return .invalid("month must be between 01 and 12") }
        let length = CalendarDate.daysIn(month: month, year: year)
        guard (1...length).contains(day) else {
            return .invalid("\(monthNames[month - 1]) \(year) has \(length) days")
        }
        return .valid(CalendarDate(year: year, month: month, day: day).daysSinceEpoch)
    }
}
