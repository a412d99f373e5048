import Foundation
import LedgerCore

/// A type-checked value: every variable is an index and every literal is already converted (dates to day numbers).
indirect enum ResolvedValue {
    case constant(ExprValue)
    case variable(Int, ExprType)
    case lower(ResolvedValue)
    case upper(ResolvedValue)
    case stringLength(ResolvedValue)
    /// The number of items of a list of the given list type.
    case listCount(ResolvedValue, ExprType)
    /// Exact `+ - *`; missing when either side is.
    case arithmetic(ArithmeticOperator, ResolvedValue, ResolvedValue)
    case negate(ResolvedValue)
    /// The sum of a list of numbers; 0 for an empty list.
    case sum(ResolvedValue)
    case condition(Condition)
}

/// A type-checked condition; comparisons carry the one type both sides share.
indirect enum Condition {
    case constant(Bool)
    case and(Condition, Condition)
    case or(Condition, Condition)
    case not(Condition)
    case isTrue(ResolvedValue)
    case isMissing(ResolvedValue, negated: Bool)
    case compare(ComparisonOperator, ResolvedValue, ResolvedValue, ExprType)
    case inLiteralList(ResolvedValue, ExprType, [ExprValue], negated: Bool)
    /// A value in a list-valued variable; `elementType` is `.string` or `.number`.
    case inList(element: ResolvedValue, list: ResolvedValue, elementType: ExprType, negated: Bool)
    case text(ComparisonOperator, ResolvedValue, ResolvedValue)
    case matches(ResolvedValue, NSRegularExpression)
}

/// Type-checks a syntax tree, collecting every error rather than stopping at the first.
struct Checker {
    private let scope: ExpressionScope
    private let text: [Character]
    private let map: SourceMap
    private let keyPath: String
    private(set) var diagnostics: [(offset: Int, diagnostic: Diagnostic)] = []
    private(set) var usedVariables = Set<Int>()

    static let functionNames = ["lower", "upper", "len", "sum"]

    init(scope: ExpressionScope, text: [Character], map: SourceMap, keyPath: String) {
        self.scope = scope
        self.text = text
        self.map = map
        self.keyPath = keyPath
    }

    /// What a sub-expression turned out to be; `invalid` means an error was already reported for it.
    private enum Checked {
        case value(ResolvedValue, ExprType)
        case condition(Condition)
        case null
        /// A list literal and the type its elements share (nil when empty).
        case list([Syntax], ExprType?)
        case invalid

        var asValue: (ResolvedValue, ExprType)? {
            switch self {
            case let .value(value, type): return (value, type)
            case let .condition(condition): return (.condition(condition), .bool)
            default: return nil
            }
        }

        var isInvalid: Bool {
            if case .invalid = self { return true }
            return false
        }
    }

    mutating func checkRoot(_ syntax: Syntax) -> Condition? {
        let checked = check(syntax)
        return condition(checked, syntax, requirement: "the expression must be true or false")
    }

    /// Checks an expression whose value must be a number, such as `(line.price - line.deal_price) * line.qty`.
    mutating func checkNumberRoot(_ syntax: Syntax) -> ResolvedValue? {
        numberOperand(check(syntax), syntax, requirement: "the expression must compute a number")
    }

    // MARK: - Nodes

    private mutating func check(_ syntax: Syntax) -> Checked {
        switch syntax.kind {
        case .string(let value): return .value(.constant(.string(value)), .string)
        case .number(let value): return .value(.constant(.number(value)), .number)
        case .bool(let value): return .value(.constant(.bool(value)), .bool)
        case .null: return .null
        case .list(let elements): return checkList(elements)
        case .variable(let name): return resolve(name, syntax)
        case let .call(name, arguments): return checkCall(name, arguments, syntax)
        case .group(let inner): return check(inner)
        case .not(let inner):
            let operand = condition(check(inner), inner, requirement: "'not' needs true/false")
            return operand.map { .condition(.not($0)) } ?? .invalid
        case let .and(lhs, rhs):
            let left = condition(check(lhs), lhs, requirement: "'and' needs true/false on both sides")
            let right = condition(check(rhs), rhs, requirement: "'and' needs true/false on both sides")
            guard let left, let right else { return .invalid }
            return .condition(.and(left, right))
        case let .or(lhs, rhs):
            let left = condition(check(lhs), lhs, requirement: "'or' needs true/false on both sides")
            let right = condition(check(rhs), rhs, requirement: "'or' needs true/false on both sides")
            guard let left, let right else { return .invalid }
            return .condition(.or(left, right))
        case let .comparison(op, lhs, rhs, operatorRange):
            return checkComparison(op, lhs, rhs, operatorRange: operatorRange)
        case let .arithmetic(op, lhs, rhs):
            let requirement = "'\(op.rawValue)' needs numbers on both sides"
            let left = numberOperand(check(lhs), lhs, requirement: requirement)
            let right = numberOperand(check(rhs), rhs, requirement: requirement)
            guard let left, let right else { return .invalid }
            return .value(.arithmetic(op, left, right), .number)
        case .negate(let inner):
            let operand = numberOperand(check(inner), inner, requirement: "'-' needs a number")
            return operand.map { .value(.negate($0), .number) } ?? .invalid
        }
    }

    /// The value of an operand that must be a number; nil after reporting what it is instead.
    private mutating func numberOperand(_ checked: Checked, _ syntax: Syntax, requirement: String) -> ResolvedValue? {
        switch checked {
        case .value(let value, .number): return value
        case .invalid: return nil
        default:
            typeError("\(requirement), \(foundPhrase(checked, syntax))\(quotesHint(.number, itemSyntax: [syntax]))",
                      at: syntax.range.lowerBound)
            return nil
        }
    }

    private mutating func condition(_ checked: Checked, _ syntax: Syntax, requirement: String) -> Condition? {
        switch checked {
        case .condition(let condition): return condition
        case .value(let value, .bool): return .isTrue(value)
        case .invalid: return nil
        default:
            typeError("\(requirement), \(foundPhrase(checked, syntax))", at: syntax.range.lowerBound)
            return nil
        }
    }

    private mutating func checkList(_ elements: [Syntax]) -> Checked {
        var elementType: ExprType?
        var first: Syntax?
        for element in elements {
            let type: ExprType
            switch element.kind {
            case .number: type = .number
            case .bool: type = .bool
            default: type = .string
            }
            guard let expected = elementType, let first else {
                elementType = type
                first = element
                continue
            }
            if type != expected {
                typeError("list elements must all have the same type, but \(quote(first)) is \(expected.withArticle) and \(quote(element)) is \(type.withArticle)",
                          at: element.range.lowerBound)
                return .invalid
            }
        }
        return .list(elements, elementType)
    }

    private mutating func resolve(_ name: String, _ syntax: Syntax) -> Checked {
        if let index = scope.index(of: name), scope.variables.indices.contains(index) {
            usedVariables.insert(index)
            let type = scope.variables[index].type
            return .value(.variable(index, type), type)
        }
        report(.error("unknown field '\(name)'", at: map.location(at: syntax.range.lowerBound), keyPath: keyPath,
                      suggestion: suggestField(for: name), code: "unknown-field"),
               at: syntax.range.lowerBound)
        return .invalid
    }

    private func suggestField(for name: String) -> String? {
        if let keyword = Keyword(rawValue: name.lowercased()), [.true, .false, .null].contains(keyword) {
            return keyword.rawValue
        }
        let names = scope.variables.map(\.name)
        if let closest = Suggest.closest(to: name, in: names) { return closest }
        // `chanel` for `order.channel`: the prefix was left off, so compare last segments, if that is unambiguous.
        func lastSegment(_ dotted: String) -> String { String(dotted.split(separator: ".").last ?? Substring(dotted)) }
        guard let segment = Suggest.closest(to: lastSegment(name), in: Set(names.map(lastSegment))) else { return nil }
        let matches = names.filter { lastSegment($0) == segment }
        return matches.count == 1 ? matches[0] : nil
    }

    private mutating func checkCall(_ name: String, _ arguments: [Syntax], _ syntax: Syntax) -> Checked {
        guard Self.functionNames.contains(name) else {
            report(.error("unknown function '\(name)()'; the functions are lower(), upper(), len() and sum()",
                          at: map.location(at: syntax.range.lowerBound), keyPath: keyPath,
                          suggestion: Suggest.closest(to: name, in: Self.functionNames), code: "unknown-field"),
                   at: syntax.range.lowerBound)
            return .invalid
        }
        let checkedArguments = arguments.map { check($0) }
        guard arguments.count == 1 else {
            typeError("\(name)() takes one argument, found \(arguments.count)", at: syntax.range.lowerBound)
            return .invalid
        }
        let argument = checkedArguments[0], argumentSyntax = arguments[0]
        if argument.isInvalid { return .invalid }
        switch (name, argument.asValue) {
        case let ("lower", (value, .string)?):
            if case .constant(.string(let constant)) = value { return .value(.constant(.string(constant.lowercased())), .string) }
            return .value(.lower(value), .string)
        case let ("upper", (value, .string)?):
            if case .constant(.string(let constant)) = value { return .value(.constant(.string(constant.uppercased())), .string) }
            return .value(.upper(value), .string)
        case let ("len", (value, .string)?):
            return .value(.stringLength(value), .number)
        case let ("len", (value, listType)?) where listType.isList:
            return .value(.listCount(value, listType), .number)
        case let ("sum", (value, .numberList)?):
            return .value(.sum(value), .number)
        default:
            let needs: String
            switch name {
            case "len": needs = "a string or a list"
            case "sum": needs = "a list of numbers"
            default: needs = "a string"
            }
            typeError("\(name)() needs \(needs), \(foundPhrase(argument, argumentSyntax))", at: argumentSyntax.range.lowerBound)
            return .invalid
        }
    }

    // MARK: - Comparisons

    private mutating func checkComparison(_ op: ComparisonOperator, _ lhs: Syntax, _ rhs: Syntax,
                                          operatorRange: Range<Int>) -> Checked {
        let left = check(lhs)
        let right = check(rhs)
        if left.isInvalid || right.isInvalid { return .invalid }
        let at = operatorRange.lowerBound
        switch op {
        case .equal, .notEqual:
            return checkEquality(op, left, lhs, right, rhs, at: at)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            return checkOrdering(op, left, lhs, right, rhs, at: at)
        case .in, .notIn:
            return checkMembership(negated: op == .notIn, left, lhs, right, rhs, at: at)
        case .startsWith, .endsWith, .contains:
            return checkText(op, left, lhs, right, rhs, at: at)
        case .matches:
            return checkMatches(left, lhs, rhs, at: at)
        }
    }

    private mutating func checkEquality(_ op: ComparisonOperator, _ left: Checked, _ lhs: Syntax,
                                        _ right: Checked, _ rhs: Syntax, at offset: Int) -> Checked {
        if let list = listOperand(left, lhs) ?? listOperand(right, rhs) {
            listMisplaced(list)
            return .invalid
        }
        switch (left, right) {
        case (.null, .null):
            return .condition(.constant(op == .equal))
        case (.null, _), (_, .null):
            guard let (value, _) = (left.asValue ?? right.asValue) else { return .invalid }
            return .condition(.isMissing(value, negated: op == .notEqual))
        default:
            guard let (leftValue, rightValue, type) = unify(op, left, lhs, right, rhs, at: offset) else { return .invalid }
            return .condition(.compare(op, leftValue, rightValue, type))
        }
    }

    private mutating func checkOrdering(_ op: ComparisonOperator, _ left: Checked, _ lhs: Syntax,
                                        _ right: Checked, _ rhs: Syntax, at offset: Int) -> Checked {
        if let list = listOperand(left, lhs) ?? listOperand(right, rhs) {
            listMisplaced(list)
            return .invalid
        }
        if case .null = left { return nullOrdered(op, at: lhs.range.lowerBound) }
        if case .null = right { return nullOrdered(op, at: rhs.range.lowerBound) }
        guard let (leftValue, rightValue, type) = unify(op, left, lhs, right, rhs, at: offset) else { return .invalid }
        guard [.number, .date, .string].contains(type) else {
            typeError("'\(op.rawValue)' needs numbers, dates or strings, but \(quote(lhs)) is \(type.withArticle)", at: offset)
            return .invalid
        }
        return .condition(.compare(op, leftValue, rightValue, type))
    }

    private mutating func nullOrdered(_ op: ComparisonOperator, at offset: Int) -> Checked {
        typeError("null can only be compared with '==' or '!=', not '\(op.rawValue)'", at: offset)
        return .invalid
    }

    private mutating func checkMembership(negated: Bool, _ left: Checked, _ lhs: Syntax,
                                          _ right: Checked, _ rhs: Syntax, at offset: Int) -> Checked {
        let spelling = negated ? "not in" : "in"
        if let list = listOperand(left, lhs) {
            listMisplaced(list)
            return .invalid
        }
        guard let (element, elementType) = left.asValue else {
            typeError("'\(spelling)' cannot look for null; test for a missing value with '== null'", at: lhs.range.lowerBound)
            return .invalid
        }
        switch right {
        case let .list(items, itemType):
            guard !elementType.isList else {
                let hint = elementType == .stringList ? "; use 'contains' to look inside it" : ""
                typeError("'\(spelling)' looks for one value in a list, but \(quote(lhs)) is \(elementType.withArticle)\(hint)",
                          at: lhs.range.lowerBound)
                return .invalid
            }
            if elementType == .date {
                guard let days = dateItems(items, lookingFor: lhs) else { return .invalid }
                return .condition(.inLiteralList(element, .date, days.map(ExprValue.date), negated: negated))
            }
            if let itemType, itemType != elementType {
                typeError("cannot look for \(quote(lhs)) (\(elementType)) in \(quote(rhs)) (list of \(itemType)s)"
                          + quotesHint(elementType, itemSyntax: items), at: offset)
                return .invalid
            }
            return .condition(.inLiteralList(element, elementType, items.compactMap(literalValue), negated: negated))
        case let .value(list, listType) where listType.isList:
            let itemType: ExprType = listType == .numberList ? .number : .string
            guard elementType == itemType else {
                typeError("cannot look for \(quote(lhs)) (\(elementType)) in \(quote(rhs)) (\(listType))", at: offset)
                return .invalid
            }
            return .condition(.inList(element: element, list: list, elementType: itemType, negated: negated))
        case .value(_, .string):
            report(.error("'\(spelling)' needs a list on the right, but \(quote(rhs)) is a string; to search inside text use 'contains'",
                          at: map.location(at: offset), keyPath: keyPath, suggestion: "contains", code: "expression-type"),
                   at: offset)
            return .invalid
        default:
            typeError("'\(spelling)' needs a list on the right, \(foundPhrase(right, rhs))", at: rhs.range.lowerBound)
            return .invalid
        }
    }

    /// Converts the `"YYYY-MM-DD"` items of a list searched for a date; nil after reporting any bad item.
    private mutating func dateItems(_ items: [Syntax], lookingFor lhs: Syntax) -> [Int]? {
        var days: [Int] = []
        var failed = false
        for item in items {
            guard let text = item.stringLiteral else {
                typeError("cannot look for \(quote(lhs)) (date) in a list containing \(quote(item)) (\(literalType(item)))",
                          at: item.range.lowerBound)
                failed = true
                continue
            }
            switch ExprDate.parse(text) {
            case .valid(let day): days.append(day)
            case .invalid(let reason):
                invalidDate(item, reason)
                failed = true
            case .notADate:
                typeError("cannot look for \(quote(lhs)) (date) in a list containing \(quote(item)) (string); write dates as \"YYYY-MM-DD\"",
                          at: item.range.lowerBound)
                failed = true
            }
        }
        return failed ? nil : days
    }

    private mutating func checkText(_ op: ComparisonOperator, _ left: Checked, _ lhs: Syntax,
                                    _ right: Checked, _ rhs: Syntax, at offset: Int) -> Checked {
        switch (left.asValue, right.asValue) {
        case let ((leftValue, .string)?, (rightValue, .string)?):
            return .condition(.text(op, leftValue, rightValue))
        case let ((list, .stringList)?, (element, .string)?) where op == .contains:
            return .condition(.inList(element: element, list: list, elementType: .string, negated: false))
        default:
            let requirement = op == .contains
                ? "'contains' needs a string or a list of strings on the left and a string on the right"
                : "'\(op.rawValue)' needs strings on both sides"
            let leftIsFine: Bool
            switch left.asValue?.1 {
            case .string?: leftIsFine = true
            case .stringList?: leftIsFine = op == .contains
            default: leftIsFine = false
            }
            let (culprit, culpritSyntax) = leftIsFine ? (right, rhs) : (left, lhs)
            typeError("\(requirement), \(foundPhrase(culprit, culpritSyntax))", at: culpritSyntax.range.lowerBound)
            return .invalid
        }
    }

    private mutating func checkMatches(_ left: Checked, _ lhs: Syntax, _ rhs: Syntax, at offset: Int) -> Checked {
        guard case let (value, .string)? = left.asValue else {
            typeError("'matches' needs a string on the left, \(foundPhrase(left, lhs))", at: lhs.range.lowerBound)
            return .invalid
        }
        guard let pattern = rhs.stringLiteral else {
            typeError("'matches' needs a quoted regular expression on the right", at: rhs.range.lowerBound)
            return .invalid
        }
        do {
            return .condition(.matches(value, try NSRegularExpression(pattern: pattern)))
        } catch {
            report(.error("invalid regular expression \(quote(rhs)): \(RegexHint.explain(pattern))",
                          at: map.location(at: rhs.range.lowerBound), keyPath: keyPath, code: "invalid-regex"),
                   at: rhs.range.lowerBound)
            return .invalid
        }
    }

    // MARK: - Types

    /// Brings both sides of `==`, `!=`, `<`... to one type: equal types, or a date and a `"YYYY-MM-DD"` literal.
    private mutating func unify(_ op: ComparisonOperator, _ left: Checked, _ lhs: Syntax, _ right: Checked,
                                _ rhs: Syntax, at offset: Int) -> (ResolvedValue, ResolvedValue, ExprType)? {
        guard let (leftValue, leftType) = left.asValue, let (rightValue, rightType) = right.asValue else { return nil }
        if leftType == rightType { return (leftValue, rightValue, leftType) }

        var hint = ""
        if leftType == .date || rightType == .date {
            let literalSide = leftType == .date ? rhs : lhs
            if let text = literalSide.stringLiteral {
                switch ExprDate.parse(text) {
                case .valid(let day):
                    return leftType == .date ? (leftValue, .constant(.date(day)), .date)
                                             : (.constant(.date(day)), rightValue, .date)
                case .invalid(let reason):
                    invalidDate(literalSide, reason)
                    return nil
                case .notADate:
                    hint = "; write dates as \"YYYY-MM-DD\""
                }
            }
        }
        if hint.isEmpty { hint = quotesHint(leftType == .string ? rightType : leftType, itemSyntax: [lhs, rhs]) }
        typeError("cannot compare \(quote(lhs)) (\(leftType)) with \(quote(rhs)) (\(rightType))\(hint)", at: offset)
        return nil
    }

    /// "remove the quotes" when a quoted literal spells a value of the type that was wanted.
    private func quotesHint(_ wanted: ExprType, itemSyntax: [Syntax]) -> String {
        let literals = itemSyntax.compactMap(\.stringLiteral)
        guard !literals.isEmpty else { return "" }
        switch wanted {
        case .number where literals.allSatisfy({ Self.looksNumeric($0) }):
            return "; remove the quotes to write a number"
        case .bool where literals.allSatisfy({ $0 == "true" || $0 == "false" }):
            return "; write true or false without quotes"
        default:
            return ""
        }
    }

    /// `"500"`, `"12.50"` or `"-3"`: text that, unquoted, would be a number literal.
    private static func looksNumeric(_ text: String) -> Bool {
        var lexed = Lexer.tokenize(Array(text))
        let signed = lexed.first?.isSymbol(.minus) == true && lexed.first?.range == 0..<1
        if signed { lexed.removeFirst() }
        guard lexed.count == 2, case .number = lexed[0].kind, lexed[0].range == (signed ? 1 : 0)..<text.count else { return false }
        return true
    }

    private func literalValue(_ syntax: Syntax) -> ExprValue? {
        switch syntax.kind {
        case .string(let value): return .string(value)
        case .number(let value): return .number(value)
        case .bool(let value): return .bool(value)
        default: return nil
        }
    }

    private func literalType(_ syntax: Syntax) -> ExprType {
        switch syntax.kind {
        case .number: return .number
        case .bool: return .bool
        default: return .string
        }
    }

    private func listOperand(_ checked: Checked, _ syntax: Syntax) -> Syntax? {
        if case .list = checked { return syntax }
        return nil
    }

    private mutating func listMisplaced(_ list: Syntax) {
        typeError("a list like \(quote(list)) can only appear on the right of 'in' or 'not in'", at: list.range.lowerBound)
    }

    // MARK: - Reporting

    /// "but order.revenue is a number", or "found null" when there is no value to name.
    private func foundPhrase(_ checked: Checked, _ syntax: Syntax) -> String {
        switch checked {
        case .value(_, let type): return "but \(quote(syntax)) is \(type.withArticle)"
        case .condition: return "but \(quote(syntax)) is true/false"
        case .null: return "found null"
        case .list: return "found the list \(quote(syntax))"
        case .invalid: return "found \(quote(syntax))"
        }
    }

    private func quote(_ syntax: Syntax) -> String { Excerpt.text(text, syntax.range) }

    private mutating func invalidDate(_ literal: Syntax, _ reason: String) {
        report(.error("invalid date \(quote(literal)): \(reason)", at: map.location(at: literal.range.lowerBound),
                      keyPath: keyPath, code: "invalid-date"),
               at: literal.range.lowerBound)
    }

    private mutating func typeError(_ message: String, at offset: Int) {
        report(.error(message, at: map.location(at: offset), keyPath: keyPath, code: "expression-type"), at: offset)
    }

    private mutating func report(_ diagnostic: Diagnostic, at offset: Int) {
        diagnostics.append((offset, diagnostic))
    }
}

/// NSRegularExpression says only "the value is invalid", so name the usual culprits ourselves.
enum RegexHint {
    static func explain(_ pattern: String) -> String {
        var depth = 0
        var inClass = false
        var previous: Character?
        var escaped = false
        for character in pattern {
            defer { previous = escaped ? nil : character }
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if inClass {
                if character == "]" { inClass = false }
                continue
            }
            switch character {
            case "[": inClass = true
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth < 0 { return "')' has no matching '('" }
            case "*", "+", "?":
                // `(?` opens a flag or non-capturing group, so only `*` and `+` are suspicious right after `(`.
                let opensGroup = previous == "(" && character != "?"
                if previous == nil || previous == "|" || opensGroup {
                    return "'\(character)' has nothing before it to repeat; write \\\(character) for a literal '\(character)'"
                }
            default: break
            }
        }
        if escaped { return "the pattern ends with a lone backslash" }
        if inClass { return "'[' is never closed with ']'" }
        if depth > 0 { return "'(' is never closed with ')'" }
        return "check brackets, parentheses, quantifiers and backslash escapes"
    }
}
