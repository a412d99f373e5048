import Foundation

enum Keyword: String {
    case and, or, not, `in`, matches, starts_with, ends_with, contains, `true`, `false`, null
}

enum Symbol: String {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case openParen = "(", closeParen = ")", openBracket = "[", closeBracket = "]", comma = ","
    case plus = "+", minus = "-", star = "*"
}

/// The first syntax problem found; offsets count Characters from the start of the expression text.
struct SyntaxError: Error {
    var message: String
    var offset: Int
    var suggestion: String?
}

struct Token {
    enum Kind {
        case name(String)
        /// A string literal, already unescaped.
        case string(String)
        case number(Decimal)
        case keyword(Keyword)
        case symbol(Symbol)
        /// A lexical problem, kept in the token stream so it is reported only if the parser gets that far.
        case invalid(SyntaxError)
        case end
    }

    var kind: Kind
    var range: Range<Int>

    func isKeyword(_ keyword: Keyword) -> Bool {
        if case .keyword(keyword) = kind { return true }
        return false
    }

    func isSymbol(_ symbol: Symbol) -> Bool {
        if case .symbol(symbol) = kind { return true }
        return false
    }
}

/// Splits expression text into tokens; stops at the first lexical problem.
struct Lexer {
    private let text: [Character]
    private var position = 0

    init(text: [Character]) { self.text = text }

    static func tokenize(_ text: [Character]) -> [Token] {
        var lexer = Lexer(text: text)
        var tokens: [Token] = []
        while true {
            let token = lexer.next()
            tokens.append(token)
            switch token.kind {
            case .end, .invalid: return tokens
            default: continue
            }
        }
    }

    private func peek(_ ahead: Int = 0) -> Character? {
        let index = position + ahead
        return index < text.count ? text[index] : nil
    }

    private static func isNameStart(_ c: Character) -> Bool { c.isLetter || c == "_" }
    private static func isNameContinue(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
    private static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }

    private mutating func next() -> Token {
        while let c = peek(), c.isWhitespace { position += 1 }
        let start = position
        guard let c = peek() else { return Token(kind: .end, range: endOffset..<endOffset) }

        if Self.isNameStart(c) { return lexName(from: start) }
        // A number literal never includes a sign: `-` is always an operator, so `a-3` is `a - 3`; the parser folds
        // the minus of `-3` into the literal.
        if Self.isDigit(c) { return lexNumber(from: start) }
        if c == "\"" || c == "'" { return lexString(from: start, quote: c) }

        func symbol(_ symbol: Symbol, length: Int) -> Token {
            position += length
            return Token(kind: .symbol(symbol), range: start..<position)
        }
        func invalid(_ message: String, suggestion: String? = nil) -> Token {
            Token(kind: .invalid(SyntaxError(message: message, offset: start, suggestion: suggestion)),
                  range: start..<start + 1)
        }
        let following = peek(1)
        switch c {
        case "=": return following == "=" ? symbol(.equal, length: 2)
            : invalid("unexpected '='; compare with '=='", suggestion: "==")
        case "!": return following == "=" ? symbol(.notEqual, length: 2)
            : invalid("unexpected '!'; negate with 'not'", suggestion: "not")
        case "<":
            if following == ">" { return invalid("unexpected '<>'; write '!=' for not equal", suggestion: "!=") }
            return following == "=" ? symbol(.lessOrEqual, length: 2) : symbol(.less, length: 1)
        case ">": return following == "=" ? symbol(.greaterOrEqual, length: 2) : symbol(.greater, length: 1)
        case "(": return symbol(.openParen, length: 1)
        case ")": return symbol(.closeParen, length: 1)
        case "[": return symbol(.openBracket, length: 1)
        case "]": return symbol(.closeBracket, length: 1)
        case ",": return symbol(.comma, length: 1)
        case "&": return invalid("unexpected '\(following == "&" ? "&&" : "&")'; combine conditions with 'and'",
                                 suggestion: "and")
        case "|": return invalid("unexpected '\(following == "|" ? "||" : "|")'; combine conditions with 'or'",
                                 suggestion: "or")
        case "+": return symbol(.plus, length: 1)
        case "-": return symbol(.minus, length: 1)
        case "*": return symbol(.star, length: 1)
        case "/": return invalid("unexpected '/'; there is no division: it would round; derive amounts with + - and *")
        case "%": return invalid("unexpected '%'; there is no '%': write a percentage as a factor, as in x * 0.06")
        default: return invalid("unexpected character '\(c)'")
        }
    }

    /// Where "end of expression" is reported: just after the last non-blank character.
    private var endOffset: Int {
        var end = text.count
        while end > 0, text[end - 1].isWhitespace { end -= 1 }
        return end
    }

    private mutating func lexName(from start: Int) -> Token {
        var segments: [String] = []
        while true {
            var segment = ""
            while let c = peek(), Self.isNameContinue(c) { segment.append(c); position += 1 }
            segments.append(segment)
            guard peek() == "." else { break }
            guard let after = peek(1), Self.isNameStart(after) else {
                let error = SyntaxError(message: "expected a field name after '.' in '\(segments.joined(separator: ".")).'",
                                        offset: position + 1)
                return Token(kind: .invalid(error), range: start..<position + 1)
            }
            position += 1
        }
        if segments.count == 1, let keyword = Keyword(rawValue: segments[0]) {
            return Token(kind: .keyword(keyword), range: start..<position)
        }
        return Token(kind: .name(segments.joined(separator: ".")), range: start..<position)
    }

    private mutating func lexNumber(from start: Int) -> Token {
        while let c = peek(), Self.isDigit(c) { position += 1 }
        if peek() == "." {
            guard let after = peek(1), Self.isDigit(after) else {
                let error = SyntaxError(message: "expected digits after the decimal point in '\(String(text[start...position]))'",
                                        offset: position + 1)
                return Token(kind: .invalid(error), range: start..<position + 1)
            }
            position += 1
            while let c = peek(), Self.isDigit(c) { position += 1 }
        }
        let literal = String(text[start..<position])
        // The lexeme is already validated, so the POSIX locale only pins '.' as the decimal separator.
        guard let value = Decimal(string: literal, locale: Locale(identifier: "en_US_POSIX")) else {
            let error = SyntaxError(message: "'\(literal)' is not a number this language can represent", offset: start)
            return Token(kind: .invalid(error), range: start..<position)
        }
        return Token(kind: .number(value), range: start..<position)
    }

    private mutating func lexString(from start: Int, quote: Character) -> Token {
        position += 1
        var value = ""
        while let c = peek() {
            position += 1
            if c == quote { return Token(kind: .string(value), range: start..<position) }
            guard c == "\\", let escaped = peek() else { value.append(c); continue }
            position += 1
            switch escaped {
            case "\\": value.append("\\")
            case "\"": value.append("\"")
            case "'": value.append("'")
            case "n": value.append("\n")
            case "t": value.append("\t")
            // Other sequences stay as written so regex escapes such as \d and \. need no doubling.
            default: value.append("\\"); value.append(escaped)
            }
        }
        let error = SyntaxError(message: "unterminated string: expected a closing \(quote), found end of expression",
                                offset: start)
        return Token(kind: .invalid(error), range: start..<text.count)
    }
}
