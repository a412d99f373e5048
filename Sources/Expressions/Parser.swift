import Foundation
import LedgerCore

enum ComparisonOperator: String {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in` = "in", notIn = "not in", matches = "matches"
    case startsWith = "starts_with", endsWith = "ends_with", contains = "contains"

    var isOrdering: Bool { [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
}

/// The arithmetic on numbers; there is deliberately no division, since it would have to round.
enum ArithmeticOperator: String {
    case add = "+", subtract = "-", multiply = "*"
}

/// The parsed, not yet type-checked expression; ranges are Character offsets into the source.
struct Syntax {
    indirect enum Kind {
        case string(String)
        case number(Decimal)
        case bool(Bool)
        case null
        case list([Syntax])
        case variable(String)
        case call(String, [Syntax])
        case not(Syntax)
        case and(Syntax, Syntax)
        case or(Syntax, Syntax)
        case comparison(ComparisonOperator, Syntax, Syntax, operatorRange: Range<Int>)
        case arithmetic(ArithmeticOperator, Syntax, Syntax)
        /// Unary minus of anything but a number literal (`-3` is folded into the literal while parsing).
        case negate(Syntax)
        case group(Syntax)
    }

    var kind: Kind
    var range: Range<Int>

    /// The string literal this node spells, looking through parentheses.
    var stringLiteral: String? {
        switch kind {
        case .string(let value): return value
        case .group(let inner): return inner.stringLiteral
        default: return nil
        }
    }
}

/// Maps Character offsets in the expression text to positions in the file the text came from.
///
/// Columns count Unicode scalars, as libyaml (and so Yams) does for the location the caller passes in;
/// a Character such as an emoji with a variation selector therefore advances the column by two.
struct SourceMap {
    let base: SourceLocation
    private let lineStarts: [Int]
    /// Unicode scalars before each Character offset, one extra entry for the end.
    private let scalarOffsets: [Int]

    init(base: SourceLocation, text: [Character]) {
        self.base = base
        var starts = [0]
        var scalars = [0]
        scalars.reserveCapacity(text.count + 1)
        for (offset, character) in text.enumerated() {
            if character == "\n" || character == "\r\n" { starts.append(offset + 1) }
            scalars.append(scalars[offset] + character.unicodeScalars.count)
        }
        lineStarts = starts
        scalarOffsets = scalars
    }

    func location(at offset: Int) -> SourceLocation {
        let offset = Swift.max(0, Swift.min(offset, scalarOffsets.count - 1))
        var lineIndex = 0
        while lineIndex + 1 < lineStarts.count, lineStarts[lineIndex + 1] <= offset { lineIndex += 1 }
        let line = base.line > 0 ? base.line + lineIndex : base.line
        let width = scalarOffsets[offset] - scalarOffsets[lineStarts[lineIndex]]
        let column = base.column > 0 ? base.column + width : base.column
        return SourceLocation(file: base.file, line: line, column: column)
    }

    /// "column 12" or "line 3, column 5", for messages that refer back to an earlier token.
    func describe(_ offset: Int) -> String {
        let location = location(at: offset)
        if location.column <= 0 { return "character \(offset + 1) of the expression" }
        if location.line != base.line { return "line \(location.line), column \(location.column)" }
        return "column \(location.column)"
    }
}

/// Recursive descent over the grammar, lowest precedence first:
/// or → and → not → comparison → sum (`+ -`) → product (`*`) → unary minus → operand
/// (literal, list, name, call, parenthesised expression). The binary operators associate to the left.
struct Parser {
    private let tokens: [Token]
    private let text: [Character]
    private let map: SourceMap
    private var index = 0
    /// What an empty expression is told it lacks.
    private var emptyMessage = "the expression is empty: expected a condition such as order.revenue >= 500"

    /// Parses `text`; `emptyMessage`, when given, replaces the message for an empty expression, which by default
    /// asks for a condition.
    static func parse(_ text: [Character], map: SourceMap, emptyMessage: String? = nil) -> Result<Syntax, SyntaxError> {
        var parser = Parser(tokens: Lexer.tokenize(text), text: text, map: map)
        if let emptyMessage { parser.emptyMessage = emptyMessage }
        do {
            return .success(try parser.parseRoot())
        } catch {
            return .failure(error)
        }
    }

    private init(tokens: [Token], text: [Character], map: SourceMap) {
        self.tokens = tokens
        self.text = text
        self.map = map
    }

    private var current: Token { tokens[Swift.min(index, tokens.count - 1)] }

    private func lookahead(_ distance: Int) -> Token { tokens[Swift.min(index + distance, tokens.count - 1)] }

    @discardableResult
    private mutating func advance() -> Token {
        let token = current
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private mutating func parseRoot() throws(SyntaxError) -> Syntax {
        if case .end = current.kind {
            throw SyntaxError(message: emptyMessage, offset: current.range.lowerBound)
        }
        let root = try parseOr(after: nil)
        switch current.kind {
        case .end: return root
        case .symbol(.closeParen):
            throw SyntaxError(message: "unexpected ')' without a matching '('", offset: current.range.lowerBound)
        default:
            throw unexpected("expected 'and', 'or' or end of expression")
        }
    }

    private mutating func parseOr(after context: String?) throws(SyntaxError) -> Syntax {
        var lhs = try parseAnd(after: context)
        while current.isKeyword(.or) {
            advance()
            let rhs = try parseAnd(after: "'or'")
            lhs = Syntax(kind: .or(lhs, rhs), range: lhs.range.lowerBound..<rhs.range.upperBound)
        }
        return lhs
    }

    private mutating func parseAnd(after context: String?) throws(SyntaxError) -> Syntax {
        var lhs = try parseNot(after: context)
        while current.isKeyword(.and) {
            advance()
            let rhs = try parseNot(after: "'and'")
            lhs = Syntax(kind: .and(lhs, rhs), range: lhs.range.lowerBound..<rhs.range.upperBound)
        }
        return lhs
    }

    private mutating func parseNot(after context: String?) throws(SyntaxError) -> Syntax {
        guard current.isKeyword(.not) else { return try parseComparison(after: context) }
        let notToken = advance()
        let operand = try parseNot(after: "'not'")
        return Syntax(kind: .not(operand), range: notToken.range.lowerBound..<operand.range.upperBound)
    }

    private mutating func parseComparison(after context: String?) throws(SyntaxError) -> Syntax {
        let lhs = try parseSum(after: context)
        guard let (op, operatorRange) = try comparisonOperator() else {
            try requireEndOfOperand(after: lhs, isComparison: false)
            return lhs
        }
        let rhs = op == .matches ? try parsePattern() : try parseSum(after: "'\(op.rawValue)'")
        let comparison = Syntax(kind: .comparison(op, lhs, rhs, operatorRange: operatorRange),
                                range: lhs.range.lowerBound..<rhs.range.upperBound)
        if case let (chained, chainedRange)? = peekComparisonOperator() {
            throw SyntaxError(
                message: "comparisons cannot be chained: found '\(chained.rawValue)' after '\(excerpt(comparison.range))'; combine comparisons with 'and'",
                offset: chainedRange.lowerBound, suggestion: "and")
        }
        try requireEndOfOperand(after: comparison, isComparison: true)
        return comparison
    }

    /// After an operand only a connective, a closing bracket or the end may follow; anything else is reported here,
    /// where the message can say what the operand was.
    private func requireEndOfOperand(after syntax: Syntax, isComparison: Bool) throws(SyntaxError) {
        switch current.kind {
        case .end, .keyword(.and), .keyword(.or), .symbol(.closeParen), .symbol(.closeBracket), .symbol(.comma):
            return
        case .keyword(.not):
            throw unexpected("expected 'and' or 'or' after '\(excerpt(syntax.range))'")
        default:
            let expected = isComparison ? "expected 'and' or 'or'" : "expected an operator"
            throw unexpected("\(expected) after '\(excerpt(syntax.range))'")
        }
    }

    private func peekComparisonOperator() -> (ComparisonOperator, Range<Int>)? {
        let token = current
        switch token.kind {
        case .symbol(.equal): return (.equal, token.range)
        case .symbol(.notEqual): return (.notEqual, token.range)
        case .symbol(.less): return (.less, token.range)
        case .symbol(.lessOrEqual): return (.lessOrEqual, token.range)
        case .symbol(.greater): return (.greater, token.range)
        case .symbol(.greaterOrEqual): return (.greaterOrEqual, token.range)
        case .keyword(.in): return (.in, token.range)
        case .keyword(.matches): return (.matches, token.range)
        case .keyword(.starts_with): return (.startsWith, token.range)
        case .keyword(.ends_with): return (.endsWith, token.range)
        case .keyword(.contains): return (.contains, token.range)
        case .keyword(.not):
            let next = lookahead(1)
            return next.isKeyword(.in) ? (.notIn, token.range.lowerBound..<next.range.upperBound) : nil
        default: return nil
        }
    }

    private mutating func comparisonOperator() throws(SyntaxError) -> (ComparisonOperator, Range<Int>)? {
        guard let found = peekComparisonOperator() else {
            if current.isKeyword(.not) {
                advance()
                throw unexpected("expected 'in' after 'not' (as in x not in [...])")
            }
            return nil
        }
        advance()
        if found.0 == .notIn { advance() }
        return found
    }

    // MARK: - Arithmetic

    /// `a + b - c`, left to right.
    private mutating func parseSum(after context: String?) throws(SyntaxError) -> Syntax {
        var lhs = try parseProduct(after: context)
        while true {
            let op: ArithmeticOperator
            switch current.kind {
            case .symbol(.plus): op = .add
            case .symbol(.minus): op = .subtract
            default: return lhs
            }
            advance()
            let rhs = try parseProduct(after: "'\(op.rawValue)'")
            lhs = Syntax(kind: .arithmetic(op, lhs, rhs), range: lhs.range.lowerBound..<rhs.range.upperBound)
        }
    }

    /// `a * b * c`, left to right.
    private mutating func parseProduct(after context: String?) throws(SyntaxError) -> Syntax {
        var lhs = try parseUnary(after: context)
        while current.isSymbol(.star) {
            advance()
            let rhs = try parseUnary(after: "'*'")
            lhs = Syntax(kind: .arithmetic(.multiply, lhs, rhs), range: lhs.range.lowerBound..<rhs.range.upperBound)
        }
        return lhs
    }

    /// `-x`; the minus of a number literal becomes part of the literal, so `x > -3` compares with the number -3.
    private mutating func parseUnary(after context: String?) throws(SyntaxError) -> Syntax {
        guard current.isSymbol(.minus) else { return try parseOperand(after: context) }
        let minus = advance()
        let operand = try parseUnary(after: "'-'")
        let range = minus.range.lowerBound..<operand.range.upperBound
        if case .number(let value) = operand.kind { return Syntax(kind: .number(-value), range: range) }
        return Syntax(kind: .negate(operand), range: range)
    }

    // MARK: - Operands

    private mutating func parseOperand(after context: String?) throws(SyntaxError) -> Syntax {
        let token = current
        switch token.kind {
        case .string(let value):
            advance()
            return Syntax(kind: .string(value), range: token.range)
        case .number(let value):
            advance()
            return Syntax(kind: .number(value), range: token.range)
        case .keyword(.true), .keyword(.false):
            advance()
            return Syntax(kind: .bool(token.isKeyword(.true)), range: token.range)
        case .keyword(.null):
            advance()
            return Syntax(kind: .null, range: token.range)
        case .symbol(.openBracket):
            return try parseList()
        case .symbol(.openParen):
            advance()
            let inner = try parseOr(after: "'('")
            guard current.isSymbol(.closeParen) else {
                throw unexpected("expected ')' to close the '(' at \(map.describe(token.range.lowerBound))")
            }
            let close = advance()
            return Syntax(kind: .group(inner), range: token.range.lowerBound..<close.range.upperBound)
        case .name(let name):
            advance()
            if current.isSymbol(.openParen) { return try parseCall(name, nameRange: token.range) }
            return Syntax(kind: .variable(name), range: token.range)
        default:
            throw unexpected(context.map { "expected an operand after \($0)" } ?? "expected an expression")
        }
    }

    private mutating func parseCall(_ name: String, nameRange: Range<Int>) throws(SyntaxError) -> Syntax {
        advance()
        var arguments: [Syntax] = []
        if !current.isSymbol(.closeParen) {
            while true {
                arguments.append(try parseOr(after: arguments.isEmpty ? "'\(name)('" : "','"))
                if current.isSymbol(.comma) { advance(); continue }
                if current.isSymbol(.closeParen) { break }
                throw unexpected("expected ',' or ')' in the call to \(name)(")
            }
        }
        let close = advance()
        return Syntax(kind: .call(name, arguments), range: nameRange.lowerBound..<close.range.upperBound)
    }

    private mutating func parseList() throws(SyntaxError) -> Syntax {
        let open = advance()
        var elements: [Syntax] = []
        while !current.isSymbol(.closeBracket) {
            let token = current
            switch token.kind {
            case .string(let value): elements.append(Syntax(kind: .string(value), range: token.range))
            case .number(let value): elements.append(Syntax(kind: .number(value), range: token.range))
            case .symbol(.minus):
                advance()
                guard case .number(let value) = current.kind else {
                    throw unexpected("expected a number after '-' in the list (list elements must be literals)")
                }
                elements.append(Syntax(kind: .number(-value), range: token.range.lowerBound..<current.range.upperBound))
            case .keyword(.true), .keyword(.false):
                elements.append(Syntax(kind: .bool(token.isKeyword(.true)), range: token.range))
            default:
                throw unexpected("expected a string, number, true or false in the list (list elements must be literals)")
            }
            advance()
            if current.isSymbol(.comma) { advance(); continue }
            if current.isSymbol(.closeBracket) { break }
            throw unexpected("expected ',' or ']' in the list opened at \(map.describe(open.range.lowerBound))")
        }
        let close = advance()
        return Syntax(kind: .list(elements), range: open.range.lowerBound..<close.range.upperBound)
    }

    private mutating func parsePattern() throws(SyntaxError) -> Syntax {
        let token = current
        guard case .string(let pattern) = token.kind else {
            throw unexpected("expected a quoted regular expression after 'matches'")
        }
        advance()
        return Syntax(kind: .string(pattern), range: token.range)
    }

    private func unexpected(_ expected: String) -> SyntaxError {
        let token = current
        if case .invalid(let lexicalError) = token.kind { return lexicalError }
        var suggestion: String?
        if case .name(let name) = token.kind, let keyword = Keyword(rawValue: name.lowercased()) {
            suggestion = keyword.rawValue
        }
        return SyntaxError(message: "\(expected), found \(describe(token))", offset: token.range.lowerBound,
                           suggestion: suggestion)
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: return "end of expression"
        case .string: return excerpt(token.range)
        default: return "'\(excerpt(token.range))'"
        }
    }

    private func excerpt(_ range: Range<Int>) -> String { Excerpt.text(text, range) }
}

enum Excerpt {
    /// Source text for quoting in messages, on one line and cut short so long expressions stay readable.
    static func text(_ text: [Character], _ range: Range<Int>) -> String {
        let clamped = range.clamped(to: 0..<text.count)
        let words = String(text[clamped]).split(whereSeparator: { $0.isWhitespace })
        let flat = words.joined(separator: " ")
        return flat.count > 48 ? String(flat.prefix(45)) + "..." : flat
    }
}
