import Foundation

/// Reads the current value of scope variable `i`.
typealias Fetch = (Int) -> ExprValue
/// A compiled condition: evaluation is closure calls and enum matches, with no name lookups or type dispatch.
typealias Test = (Fetch) -> Bool

/// One side of a comparison: a compile-time constant is captured as-is so the closure does not call out for it.
private enum Operand<T> {
    case constant(T)
    /// Returns nil when the value is missing (or, defensively, of the wrong type).
    case dynamic((Fetch) -> T?)

    var reader: (Fetch) -> T? {
        switch self {
        case .constant(let value): return { _ in value }
        case .dynamic(let read): return read
        }
    }
}

/// Turns a checked condition or number into a tree of closures.
enum Lowering {
    /// A checked number expression as a closure returning nil when the value is missing.
    static func numberReader(_ value: ResolvedValue) -> (Fetch) -> Decimal? {
        number(value).reader
    }

    static func test(_ condition: Condition) -> Test {
        switch condition {
        case .constant(let result):
            return { _ in result }
        case let .and(lhs, rhs):
            let left = test(lhs), right = test(rhs)
            return { fetch in left(fetch) && right(fetch) }
        case let .or(lhs, rhs):
            let left = test(lhs), right = test(rhs)
            return { fetch in left(fetch) || right(fetch) }
        case .not(let inner):
            let operand = test(inner)
            return { fetch in !operand(fetch) }
        case .isTrue(let value):
            return isTrue(value)
        case let .isMissing(value, negated):
            let missing = isMissing(value)
            return negated ? { fetch in !missing(fetch) } : missing
        case let .compare(op, lhs, rhs, type):
            return compare(op, lhs, rhs, type)
        case let .inLiteralList(value, type, items, negated):
            return inLiteralList(value, type, items, negated: negated)
        case let .inList(element, list, elementType, negated):
            func member<T: Equatable>(_ element: Operand<T>, _ list: Operand<[T]>) -> Test {
                let readElement = element.reader, readList = list.reader
                return { fetch in
                    guard let element = readElement(fetch), let list = readList(fetch) else { return false }
                    return list.contains(element) != negated
                }
            }
            return elementType == .number ? member(number(element), numbers(list)) : member(string(element), strings(list))
        case let .text(op, lhs, rhs):
            switch op {
            case .startsWith: return both(string(lhs), string(rhs)) { $0.hasPrefix($1) }
            case .endsWith: return both(string(lhs), string(rhs)) { $0.hasSuffix($1) }
            default: return both(string(lhs), string(rhs)) { $1.isEmpty || containsSubstring($0, $1) }
            }
        case let .matches(value, regex):
            // Search semantics, as in most languages: "^GIFT-" anchors itself, "GIFT" matches anywhere.
            let read = string(value).reader
            return { fetch in
                guard let text = read(fetch) else { return false }
                let whole = NSRange(location: 0, length: text.utf16.count)
                return regex.rangeOfFirstMatch(in: text, options: [], range: whole).location != NSNotFound
            }
        }
    }

    // MARK: - Conditions

    private static func isTrue(_ value: ResolvedValue) -> Test {
        switch value {
        case .variable(let index, _):
            return { fetch in
                if case .bool(true) = fetch(index) { return true }
                return false
            }
        case .condition(let condition):
            return test(condition)
        default:
            let read = bool(value).reader
            return { fetch in read(fetch) ?? false }
        }
    }

    /// A value of the wrong type counts as missing, the same as everywhere else a value is read.
    private static func isMissing(_ value: ResolvedValue) -> Test {
        switch value {
        case let .variable(index, type):
            return { fetch in fetch(index).type != type }
        case .lower(let inner), .upper(let inner), .stringLength(let inner), .listCount(let inner, _):
            return isMissing(inner)
        case .arithmetic, .negate, .sum:
            // Missing when an operand is, or when the result is beyond what Decimal can hold.
            let read = number(value).reader
            return { fetch in read(fetch) == nil }
        case .constant, .condition:
            return { _ in false }
        }
    }

    private static func compare(_ op: ComparisonOperator, _ lhs: ResolvedValue, _ rhs: ResolvedValue,
                                _ type: ExprType) -> Test {
        switch type {
        case .string: return both(string(lhs), string(rhs), ordering(op))
        case .number: return both(number(lhs), number(rhs), ordering(op))
        case .date: return both(date(lhs), date(rhs), ordering(op))
        case .bool: return both(bool(lhs), bool(rhs), equality(op))
        case .stringList: return both(strings(lhs), strings(rhs), equality(op))
        case .numberList: return both(numbers(lhs), numbers(rhs), equality(op))
        }
    }

    private static func inLiteralList(_ value: ResolvedValue, _ type: ExprType, _ items: [ExprValue],
                                      negated: Bool) -> Test {
        func member<T>(_ operand: Operand<T>, _ contains: @escaping (T) -> Bool) -> Test {
            let read = operand.reader
            return { fetch in
                guard let value = read(fetch) else { return false }
                return contains(value) != negated
            }
        }
        switch type {
        case .string:
            let set = Set(items.compactMap { item -> String? in
                if case .string(let text) = item { return text }
                return nil
            })
            return member(string(value)) { set.contains($0) }
        case .number:
            let numbers = items.compactMap { item -> Decimal? in
                if case .number(let number) = item { return number }
                return nil
            }
            return member(number(value)) { numbers.contains($0) }
        case .date:
            let days = Set(items.compactMap { item -> Int? in
                if case .date(let day) = item { return day }
                return nil
            })
            return member(date(value)) { days.contains($0) }
        case .bool:
            let flags = items.compactMap { item -> Bool? in
                if case .bool(let flag) = item { return flag }
                return nil
            }
            return member(bool(value)) { flags.contains($0) }
        case .stringList, .numberList:
            return { _ in false }
        }
    }

    /// Applies `holds` when both sides have a value; a missing side makes the comparison false.
    private static func both<T>(_ lhs: Operand<T>, _ rhs: Operand<T>,
                                _ holds: @escaping (T, T) -> Bool) -> Test {
        switch (lhs, rhs) {
        case let (.constant(left), .constant(right)):
            let result = holds(left, right)
            return { _ in result }
        case let (.dynamic(left), .constant(right)):
            return { fetch in
                guard let value = left(fetch) else { return false }
                return holds(value, right)
            }
        case let (.constant(left), .dynamic(right)):
            return { fetch in
                guard let value = right(fetch) else { return false }
                return holds(left, value)
            }
        case let (.dynamic(left), .dynamic(right)):
            return { fetch in
                guard let leftValue = left(fetch), let rightValue = right(fetch) else { return false }
                return holds(leftValue, rightValue)
            }
        }
    }

    private static func ordering<T: Comparable>(_ op: ComparisonOperator) -> (T, T) -> Bool {
        switch op {
        case .less: return { $0 < $1 }
        case .lessOrEqual: return { $0 <= $1 }
        case .greater: return { $0 > $1 }
        case .greaterOrEqual: return { $0 >= $1 }
        default: return equality(op)
        }
    }

    private static func equality<T: Equatable>(_ op: ComparisonOperator) -> (T, T) -> Bool {
        op == .notEqual ? { $0 != $1 } : { $0 == $1 }
    }

    // MARK: - Values

    private static func string(_ value: ResolvedValue) -> Operand<String> {
        switch value {
        case .constant(.string(let text)):
            return .constant(text)
        case .variable(let index, _):
            return .dynamic { fetch in
                if case .string(let text) = fetch(index) { return text }
                return nil
            }
        case .lower(let inner):
            let read = string(inner).reader
            return .dynamic { fetch in read(fetch)?.lowercased() }
        case .upper(let inner):
            let read = string(inner).reader
            return .dynamic { fetch in read(fetch)?.uppercased() }
        default:
            return .dynamic { _ in nil }
        }
    }

    private static func number(_ value: ResolvedValue) -> Operand<Decimal> {
        switch value {
        case .constant(.number(let number)):
            return .constant(number)
        case .variable(let index, _):
            return .dynamic { fetch in
                if case .number(let number) = fetch(index) { return number }
                return nil
            }
        case .stringLength(let inner):
            let read = string(inner).reader
            return .dynamic { fetch in read(fetch).map { Decimal($0.count) } }
        case .listCount(let inner, .numberList):
            let read = numbers(inner).reader
            return .dynamic { fetch in read(fetch).map { Decimal($0.count) } }
        case .listCount(let inner, _):
            let read = strings(inner).reader
            return .dynamic { fetch in read(fetch).map { Decimal($0.count) } }
        case let .arithmetic(op, lhs, rhs):
            let apply: (Decimal, Decimal) -> Decimal?
            switch op {
            case .add: apply = ExactArithmetic.add
            case .subtract: apply = ExactArithmetic.subtract
            case .multiply: apply = ExactArithmetic.multiply
            }
            switch (number(lhs), number(rhs)) {
            case let (.constant(left), .constant(right)):
                let result = apply(left, right)
                return result.map { .constant($0) } ?? .dynamic { _ in nil }
            case let (left, right):
                let readLeft = left.reader, readRight = right.reader
                return .dynamic { fetch in
                    guard let left = readLeft(fetch), let right = readRight(fetch) else { return nil }
                    return apply(left, right)
                }
            }
        case .negate(let inner):
            switch number(inner) {
            case .constant(let value):
                return ExactArithmetic.negate(value).map { .constant($0) } ?? .dynamic { _ in nil }
            case .dynamic(let read):
                return .dynamic { fetch in read(fetch).flatMap(ExactArithmetic.negate) }
            }
        case .sum(let inner):
            let read = numbers(inner).reader
            return .dynamic { fetch in read(fetch).flatMap(ExactArithmetic.sum) }
        default:
            return .dynamic { _ in nil }
        }
    }

    private static func date(_ value: ResolvedValue) -> Operand<Int> {
        switch value {
        case .constant(.date(let day)):
            return .constant(day)
        case .variable(let index, _):
            return .dynamic { fetch in
                if case .date(let day) = fetch(index) { return day }
                return nil
            }
        default:
            return .dynamic { _ in nil }
        }
    }

    private static func bool(_ value: ResolvedValue) -> Operand<Bool> {
        switch value {
        case .constant(.bool(let flag)):
            return .constant(flag)
        case .variable(let index, _):
            return .dynamic { fetch in
                if case .bool(let flag) = fetch(index) { return flag }
                return nil
            }
        case .condition(let condition):
            let holds = test(condition)
            return .dynamic { fetch in holds(fetch) }
        default:
            return .dynamic { _ in nil }
        }
    }

    private static func numbers(_ value: ResolvedValue) -> Operand<[Decimal]> {
        switch value {
        case .constant(.numberList(let list)):
            return .constant(list)
        case .variable(let index, _):
            return .dynamic { fetch in
                if case .numberList(let list) = fetch(index) { return list }
                return nil
            }
        default:
            return .dynamic { _ in nil }
        }
    }

    private static func strings(_ value: ResolvedValue) -> Operand<[String]> {
        switch value {
        case .constant(.stringList(let list)):
            return .constant(list)
        case .variable(let index, _):
            return .dynamic { fetch in
                if case .stringList(let list) = fetch(index) { return list }
                return nil
            }
        default:
            return .dynamic { _ in nil }
        }
    }
}

/// Exact Decimal arithmetic that never traps: Foundation's `*` traps when the exponent of a product underflows
/// (`0.5 * 1e-128`), and a result too large to hold comes back as NaN, which would compare as less than
/// everything. Either way the result here is nil, which callers treat as a missing value.
enum ExactArithmetic {
    static func add(_ lhs: Decimal, _ rhs: Decimal) -> Decimal? {
        guard !lhs.isNaN, !rhs.isNaN else { return nil }
        return finite(lhs + rhs)
    }

    static func subtract(_ lhs: Decimal, _ rhs: Decimal) -> Decimal? {
        guard !lhs.isNaN, !rhs.isNaN else { return nil }
        return finite(lhs - rhs)
    }

    static func multiply(_ lhs: Decimal, _ rhs: Decimal) -> Decimal? {
        guard !lhs.isNaN, !rhs.isNaN else { return nil }
        if lhs.isZero || rhs.isZero { return 0 }
        // The product's exponent starts as the sum of the two; below Decimal's smallest exponent Foundation traps.
        guard lhs.exponent + rhs.exponent >= Int(Int8.min) else { return nil }
        return finite(lhs * rhs)
    }

    static func negate(_ value: Decimal) -> Decimal? {
        guard !value.isNaN else { return nil }
        return value.isZero ? 0 : -value
    }

    /// The sum of every item, 0 for none; nil if any item or partial sum is not a number.
    static func sum(_ items: [Decimal]) -> Decimal? {
        var total: Decimal = 0
        for item in items {
            guard let next = add(total, item) else { return nil }
            total = next
        }
        return total
    }

    private static func finite(_ value: Decimal) -> Decimal? { value.isNaN ? nil : value }
}

/// Substring search on UTF-8 bytes. Foundation's `contains` bridges through NSString on Linux, which
/// costs microseconds per call; rule conditions run for every order.
func containsSubstring(_ haystack: String, _ needle: String) -> Bool {
    var haystack = haystack, needle = needle
    return haystack.withUTF8 { h in
        needle.withUTF8 { n in
            guard n.count <= h.count, let first = n.first else { return n.isEmpty }
            var index = 0
            let last = h.count - n.count
            while index <= last {
                if h[index] == first {
                    var matched = 1
                    while matched < n.count && h[index + matched] == n[matched] { matched += 1 }
                    if matched == n.count { return true }
                }
                index += 1
            }
            return false
        }
    }
}
