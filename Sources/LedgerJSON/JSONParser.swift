/// A JSON syntax error: what was expected, what was found, and where.
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was expected and found, e.g. "expected ',' or '}' after object member, found 'x'".
    public var message: String
    /// 1-based line of the error.
    public var line: Int
    /// 1-based column of the error, counted in Unicode scalars from the start of its line.
    public var column: Int
    /// 0-based byte offset of the error in the input.
    public var offset: Int

    /// Creates an error at an explicit position.
    public init(message: String, line: Int, column: Int, offset: Int) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// "line L, column C: message".
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 parser working directly on UTF-8 bytes; numbers keep their literal text.
public enum JSONParser {
    /// The nesting depth of arrays and objects accepted unless a caller asks otherwise.
    public static let defaultMaxDepth = 512

    /// Error messages look at no byte further than this past the error offset (an escape's character
    /// or a literal's first 5 letters, a 4-byte UTF-8 character). The record reader relies on it to know
    /// when a chunk boundary could have changed a message.
    static let errorContextLength = 8

    /// Parses one JSON document; a leading UTF-8 byte order mark is ignored.
    public static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth
    ) throws(JSONSyntaxError) -> JSONValue {
        try parseDocumentSkippingBOM(bytes, maxDepth: maxDepth).get()
    }

    /// Parses one JSON document; a leading UTF-8 byte order mark is ignored.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONSyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { parseDocumentSkippingBOM($0, maxDepth: maxDepth) }.get()
    }

    /// Parses one JSON document; a leading byte order mark is ignored.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONSyntaxError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parseDocumentSkippingBOM($0, maxDepth: maxDepth) }.get()
    }

    private static func parseDocumentSkippingBOM(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int
    ) -> Result<JSONValue, JSONSyntaxError> {
        // RFC 8259 §8.1 lets parsers ignore a BOM; columns on line 1 are then counted after it.
        let start = startsWithUTF8BOM(bytes) ? 3 : 0
        var parser = ByteParser(bytes: bytes, start: start, maxDepth: maxDepth)
        return parser.parseDocument(trailingExpectation: "expected end of input after JSON value")
            .mapError { syntaxError($0, in: bytes, countingFrom: start) }
    }

    // MARK: Entry points for the record reader (offsets relative to the buffer, no BOM handling)

    /// Parses a buffer that must hold exactly one value plus whitespace.
    static func parseComplete(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, trailingExpectation: String
    ) -> Result<JSONValue, ParseFailure> {
        var parser = ByteParser(bytes: bytes, start: 0, maxDepth: maxDepth)
        return parser.parseDocument(trailingExpectation: trailingExpectation)
    }

    /// Parses the value at the start of a buffer and reports the offset just past it; later bytes are ignored.
    static func parseLeadingValue(
        _ bytes: UnsafeBufferPointer<UInt8>, context: ValueContext, maxDepth: Int
    ) -> (result: Result<JSONValue, ParseFailure>, end: Int) {
        var parser = ByteParser(bytes: bytes, start: 0, maxDepth: maxDepth)
        do throws(ParseFailure) {
            let value = try parser.parseValue(context)
            return (.success(value), parser.index)
        } catch {
            return (.failure(error), parser.index)
        }
    }

    static func startsWithUTF8BOM(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// Converts a byte offset into 1-based line and column, counting from `start` (line 1, column 1).
    static func syntaxError(
        _ failure: ParseFailure, in bytes: UnsafeBufferPointer<UInt8>, countingFrom start: Int
    ) -> JSONSyntaxError {
        let end = min(max(failure.offset, start), bytes.count)
        var line = 1
        var lineStart = start
        var index = start
        while index < end {
            if bytes[index] == ASCII.newline {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        let column = 1 + scalarCount(in: bytes, from: lineStart, to: end)
        return JSONSyntaxError(message: failure.message, line: line, column: column, offset: failure.offset)
    }

    /// Counts Unicode scalars by counting bytes that are not UTF-8 continuation bytes.
    static func scalarCount(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var count = 0
        var index = start
        while index < end {
            if bytes[index] & 0xC0 != 0x80 { count += 1 }
            index += 1
        }
        return count
    }

    /// Names the byte at `index` for an error message: "'x'", "line break", "end of input", ...
    static func describeByte(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> String {
        guard index >= 0, index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        switch byte {
        case ASCII.newline: return "line break"
        case ASCII.carriageReturn: return "carriage return"
        case ASCII.tab: return "tab"
        case 0x20...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0x00..<0x20, 0x7F: return "control character U+\(hex(byte, width: 4))"
        default:
            if let scalar = UTF8Validation.decodeScalar(in: bytes, at: index, end: bytes.count) {
                return "'\(Character(scalar))'"
            }
            return "invalid UTF-8 byte 0x\(hex(byte, width: 2))"
        }
    }

    static func hex(_ value: some BinaryInteger, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension JSONValue {
    /// Parses JSON text (see `JSONParser.parse`).
    public init(parsing text: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws(JSONSyntaxError) {
        self = try JSONParser.parse(text, maxDepth: maxDepth)
    }
}

/// A syntax error before its offset is turned into a line and column.
struct ParseFailure: Error, Equatable {
    var message: String
    var offset: Int
}

enum ASCII {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let period: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let lowerE: UInt8 = 0x65
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D

    @inline(__always) static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == newline || byte == carriageReturn || byte == tab
    }

    /// One comparison: bytes below '0' wrap around to large values.
    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }
}

/// Where a value is expected; decides the wording of "expected ..., found ..." messages.
enum ValueContext {
    case topLevel, firstArrayElement, arrayElementAfterComma, objectMemberValue

    var expectation: String {
        switch self {
        case .topLevel: return "expected a JSON value"
        case .firstArrayElement: return "expected value or ']' in array"
        case .arrayElementAfterComma: return "expected value after ',' in array"
        case .objectMemberValue: return "expected value after ':' in object"
        }
    }
}

/// Recursive descent over a byte buffer. Every read is preceded by an `index < bytes.count` check.
struct ByteParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int
    let maxDepth: Int
    var depth = 0
    /// Members of the containers being built, innermost last. Collecting them here and copying them
    /// out once per container avoids regrowing a fresh array for every array and object.
    private var valueStack: [JSONValue] = []
    /// Keys of the objects being built, innermost last; member `i` of an object has its key at
    /// `keyBase + i` here and its value at `base + i` in `valueStack`.
    private var keyStack: [String] = []
    /// Where each key in `keyStack` sits in the input, for cheap duplicate detection.
    private var keySpans: [KeySpan] = []

    /// Objects with more members than this switch duplicate detection from a linear scan to hashing.
    private static let linearKeyScanLimit = 32

    private struct KeySpan {
        var start: Int
        /// Byte length of the raw key, or -1 when the key held escapes and must be compared as a String.
        var length: Int
    }

    init(bytes: UnsafeBufferPointer<UInt8>, start: Int, maxDepth: Int) {
        self.bytes = bytes
        self.index = start
        self.maxDepth = maxDepth
    }

    mutating func parseDocument(trailingExpectation: String) -> Result<JSONValue, ParseFailure> {
        do throws(ParseFailure) {
            let value = try parseValue(.topLevel)
            skipWhitespace()
            if index < bytes.count { throw failure(trailingExpectation, at: index) }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    // MARK: Values

    mutating func parseValue(_ context: ValueContext) throws(ParseFailure) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw failure(context.expectation, at: index) }
        switch bytes[index] {
        case ASCII.quote: return .string(try parseString().value)
        case ASCII.openBrace: return try parseObject()
        case ASCII.openBracket: return try parseArray()
        case ASCII.minus, ASCII.zero...ASCII.nine: return try parseNumber()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw failure(context.expectation, at: index)
        }
    }

    private mutating func parseArray() throws(ParseFailure) -> JSONValue {
        try enterContainer()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == ASCII.closeBracket {
            index += 1
            depth -= 1
            return .array([])
        }
        let base = valueStack.count
        var context = ValueContext.firstArrayElement
        while true {
            let element = try parseValue(context)
            valueStack.append(element)
            skipWhitespace()
            guard index < bytes.count else {
                throw failure("expected ',' or ']' after array element", at: index)
            }
            switch bytes[index] {
            case ASCII.comma:
                index += 1
                context = .arrayElementAfterComma
            case ASCII.closeBracket:
                index += 1
                depth -= 1
                return .array(popValues(from: base))
            default:
                throw failure("expected ',' or ']' after array element", at: index)
            }
        }
    }

    private mutating func parseObject() throws(ParseFailure) -> JSONValue {
        try enterContainer()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == ASCII.closeBrace {
            index += 1
            depth -= 1
            return .object(JSONObject())
        }
        let base = valueStack.count
        let keyBase = keyStack.count
        var keyLookup: [String: Int]?
        var keyExpectation = "expected string key or '}' in object"
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == ASCII.quote else { throw failure(keyExpectation, at: index) }
            let keyStart = index + 1
            let (key, hadEscapes) = try parseString()
            let span = KeySpan(start: keyStart, length: hadEscapes ? -1 : index - 1 - keyStart)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == ASCII.colon else {
                throw failure("expected ':' after object key", at: index)
            }
            index += 1
            let value = try parseValue(.objectMemberValue)

            // Duplicate keys: the last value wins, at the position of the first occurrence.
            let existing = keyLookup.map { $0[key] } ?? indexOfKey(key, span: span, keyBase: keyBase)
            if let existing {
                valueStack[base + existing] = value
            } else {
                keyStack.append(key)
                valueStack.append(value)
                keySpans.append(span)
                let memberCount = valueStack.count - base
                if keyLookup != nil {
                    keyLookup?[key] = memberCount - 1
                } else if memberCount > Self.linearKeyScanLimit {
                    keyLookup = Dictionary(uniqueKeysWithValues: zip(keyStack[keyBase...], 0..<memberCount))
                }
            }

            skipWhitespace()
            guard index < bytes.count else { throw failure("expected ',' or '}' after object member", at: index) }
            switch bytes[index] {
            case ASCII.comma:
                index += 1
                keyExpectation = "expected string key after ',' in object"
            case ASCII.closeBrace:
                index += 1
                depth -= 1
                let keys = Array(keyStack[keyBase...])
                keyStack.removeSubrange(keyBase...)
                keySpans.removeSubrange(keyBase...)
                return .object(JSONObject(uniqueKeys: keys, values: popValues(from: base)))
            default:
                throw failure("expected ',' or '}' after object member", at: index)
            }
        }
    }

    /// Moves the values of the container being finished off the shared stack into an exactly sized array.
    private mutating func popValues(from base: Int) -> [JSONValue] {
        let values = Array(valueStack[base...])
        valueStack.removeSubrange(base...)
        return values
    }

    /// Compares raw key bytes where possible: cheaper than String equality, and lengths rarely match.
    private func indexOfKey(_ key: String, span: KeySpan, keyBase: Int) -> Int? {
        for position in 0..<(keySpans.count - keyBase) {
            let other = keySpans[keyBase + position]
            if span.length < 0 || other.length < 0 {
                if keyStack[keyBase + position] == key { return position }
            } else if other.length == span.length, bytesEqual(other.start, span.start, count: span.length) {
                return position
            }
        }
        return nil
    }

    private func bytesEqual(_ first: Int, _ second: Int, count: Int) -> Bool {
        var offset = 0
        while offset < count {
            if bytes[first + offset] != bytes[second + offset] { return false }
            offset += 1
        }
        return true
    }

    mutating func enterContainer() throws(ParseFailure) {
        depth += 1
        if depth > maxDepth {
            throw ParseFailure(message: "nesting depth exceeds the limit of \(maxDepth)", offset: index)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(ParseFailure) {
        let start = index
        let length = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        for offset in 0..<length {
            let position = start + offset
            guard position < bytes.count else {
                throw failure("expected '\(literal)'", at: position)
            }
            if bytes[position] != expected[offset] {
                // Name the word only up to the mismatch, so the message never depends on bytes beyond
                // `errorContextLength` (the record reader may not have read them yet).
                let wordEnd = isLetter(bytes[position]) ? position + 1 : position
                let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<wordEnd]), as: UTF8.self)
                throw ParseFailure(message: "expected '\(literal)', found '\(word)'", offset: start)
            }
        }
        index = start + length
    }

    private func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- UInt8(ascii: "a") < 26 }

    private mutating func parseNumber() throws(ParseFailure) -> JSONValue {
        .number(try parseNumberText())
    }

    /// The number at `index` as written.
    mutating func parseNumberText() throws(ParseFailure) -> String {
        let start = index
        var position = index
        if bytes[position] == ASCII.minus {
            position += 1
            guard position < bytes.count, ASCII.isDigit(bytes[position]) else {
                throw failure("expected digit after '-'", at: position)
            }
        }
        if bytes[position] == ASCII.zero {
            position += 1
            if position < bytes.count, ASCII.isDigit(bytes[position]) {
                throw ParseFailure(message: "numbers must not have leading zeros", offset: position)
            }
        } else {
            while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == ASCII.period {
            position += 1
            guard position < bytes.count, ASCII.isDigit(bytes[position]) else {
                throw failure("expected digit after '.' in number", at: position)
            }
            while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] | 0x20 == ASCII.lowerE {
            position += 1
            if position < bytes.count, bytes[position] == ASCII.plus || bytes[position] == ASCII.minus { position += 1 }
            guard position < bytes.count, ASCII.isDigit(bytes[position]) else {
                throw failure("expected digit in exponent", at: position)
            }
            while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
        }
        index = position
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    // MARK: Strings

    /// Parses the string whose opening quote is at `index`; reports whether it contained escapes.
    mutating func parseString() throws(ParseFailure) -> (value: String, hadEscapes: Bool) {
        let start = index + 1
        var position = start
        var unionOfBytes: UInt8 = 0
        while position < bytes.count {
            let byte = bytes[position]
            if byte == ASCII.quote {
                try validateUTF8(from: start, to: position, unionOfBytes: unionOfBytes)
                index = position + 1
                return (String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self), false)
            }
            if byte == ASCII.backslash {
                return (try parseEscapedString(contentStart: start, firstEscape: position), true)
            }
            if byte < 0x20 { throw failure("unescaped control character in string", at: position) }
            unionOfBytes |= byte
            position += 1
        }
        throw failure("expected '\"' to end string", at: position)
    }

    private mutating func parseEscapedString(contentStart: Int, firstEscape: Int) throws(ParseFailure) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(firstEscape - contentStart + 16)
        decoded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[contentStart..<firstEscape]))
        var position = firstEscape
        var unionOfBytes: UInt8 = 0
        for offset in contentStart..<firstEscape { unionOfBytes |= bytes[offset] }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == ASCII.quote {
                try validateUTF8(from: contentStart, to: position, unionOfBytes: unionOfBytes)
                index = position + 1
                return String(decoding: decoded, as: UTF8.self)
            }
            if byte == ASCII.backslash {
                position = try decodeEscape(at: position, into: &decoded)
                continue
            }
            if byte < 0x20 { throw failure("unescaped control character in string", at: position) }
            unionOfBytes |= byte
            decoded.append(byte)
            position += 1
        }
        throw failure("expected '\"' to end string", at: position)
    }

    /// Decodes the escape whose backslash is at `backslash`; returns the offset after it.
    private func decodeEscape(at backslash: Int, into decoded: inout [UInt8]) throws(ParseFailure) -> Int {
        let escapeCharacter = backslash + 1
        guard escapeCharacter < bytes.count else {
            throw failure("expected escape character after '\\'", at: escapeCharacter)
        }
        let replacement: UInt8
        switch bytes[escapeCharacter] {
        case ASCII.quote: replacement = ASCII.quote
        case ASCII.backslash: replacement = ASCII.backslash
        case ASCII.slash: replacement = ASCII.slash
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "n"): replacement = ASCII.newline
        case UInt8(ascii: "r"): replacement = ASCII.carriageReturn
        case UInt8(ascii: "t"): replacement = ASCII.tab
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: backslash, into: &decoded)
        default:
            throw ParseFailure(
                message: "invalid escape '\\\(describeEscapeCharacter(at: escapeCharacter))' in string",
                offset: backslash)
        }
        decoded.append(replacement)
        return escapeCharacter + 1
    }

    private func describeEscapeCharacter(at position: Int) -> String {
        let byte = bytes[position]
        if (0x21...0x7E).contains(byte) { return String(Character(Unicode.Scalar(byte))) }
        return JSONParser.describeByte(in: bytes, at: position)
    }

    private func decodeUnicodeEscape(at backslash: Int, into decoded: inout [UInt8]) throws(ParseFailure) -> Int {
        let first = try hexQuad(at: backslash + 2)
        var end = backslash + 6
        let scalarValue: UInt32
        switch first {
        case 0xD800...0xDBFF:
            guard end + 1 < bytes.count, bytes[end] == ASCII.backslash, bytes[end + 1] == UInt8(ascii: "u") else {
                let found = end < bytes.count && bytes[end] == ASCII.backslash ? end + 1 : end
                throw failure(
                    "expected '\\u' low surrogate after high surrogate '\\u\(JSONParser.hex(first, width: 4))'",
                    at: found)
            }
            let second = try hexQuad(at: end + 2)
            guard (0xDC00...0xDFFF).contains(second) else {
                let low = JSONParser.hex(second, width: 4)
                let high = JSONParser.hex(first, width: 4)
                throw ParseFailure(
                    message: "invalid low surrogate '\\u\(low)' after high surrogate '\\u\(high)'", offset: end)
            }
            scalarValue = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            end += 6
        case 0xDC00...0xDFFF:
            throw ParseFailure(
                message: "unpaired low surrogate '\\u\(JSONParser.hex(first, width: 4))'", offset: backslash)
        default:
            scalarValue = first
        }
        appendUTF8(scalarValue, to: &decoded)
        return end
    }

    private func hexQuad(at start: Int) throws(ParseFailure) -> UInt32 {
        var value: UInt32 = 0
        for position in start..<(start + 4) {
            guard position < bytes.count else { throw failure("expected 4 hex digits after '\\u'", at: position) }
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte - ASCII.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected 4 hex digits after '\\u'", at: position)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func appendUTF8(_ scalar: UInt32, to decoded: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            decoded.append(UInt8(scalar))
        case 0x80..<0x800:
            decoded.append(UInt8(0xC0 | scalar >> 6))
            decoded.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            decoded.append(UInt8(0xE0 | scalar >> 12))
            decoded.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            decoded.append(UInt8(0x80 | scalar & 0x3F))
        default:
            decoded.append(UInt8(0xF0 | scalar >> 18))
            decoded.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            decoded.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            decoded.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Raw string bytes must be valid UTF-8; pure ASCII (the common case) needs no check.
    private func validateUTF8(from start: Int, to end: Int, unionOfBytes: UInt8) throws(ParseFailure) {
        guard unionOfBytes & 0x80 != 0 else { return }
        if let invalid = UTF8Validation.firstInvalidOffset(in: bytes, from: start, to: end) {
            let byte = JSONParser.hex(bytes[invalid], width: 2)
            throw ParseFailure(message: "invalid UTF-8 byte 0x\(byte) in string", offset: invalid)
        }
    }

    // MARK: Helpers

    @inline(__always) mutating func skipWhitespace() {
        while index < bytes.count, ASCII.isWhitespace(bytes[index]) { index += 1 }
    }

    private func failure(_ expectation: String, at offset: Int) -> ParseFailure {
        ParseFailure(message: "\(expectation), found \(JSONParser.describeByte(in: bytes, at: offset))", offset: offset)
    }
}

/// UTF-8 well-formedness per Unicode Table 3-7 (no overlongs, surrogates, or scalars above U+10FFFF).
enum UTF8Validation {
    static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var position = start
        while position < end {
            if bytes[position] < 0x80 {
                position += 1
                continue
            }
            guard let length = sequenceLength(in: bytes, at: position, end: end) else { return position }
            position += length
        }
        return nil
    }

    static func decodeScalar(in bytes: UnsafeBufferPointer<UInt8>, at position: Int, end: Int) -> Unicode.Scalar? {
        guard let length = sequenceLength(in: bytes, at: position, end: end) else { return nil }
        let lead = UInt32(bytes[position])
        var value: UInt32
        switch length {
        case 1: return Unicode.Scalar(lead)
        case 2: value = lead & 0x1F
        case 3: value = lead & 0x0F
        default: value = lead & 0x07
        }
        for offset in 1..<length { value = value << 6 | UInt32(bytes[position + offset] & 0x3F) }
        return Unicode.Scalar(value)
    }

    /// The length of the well-formed sequence starting at `position`, or nil.
    static func sequenceLength(in bytes: UnsafeBufferPointer<UInt8>, at position: Int, end: Int) -> Int? {
        let lead = bytes[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return nil
        }
        guard position + length <= end, secondRange.contains(bytes[position + 1]) else { return nil }
        for offset in 2..<length where bytes[position + offset] & 0xC0 != 0x80 { return nil }
        return length
    }
}
