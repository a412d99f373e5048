/// A forward-only reader of one JSON document, for a caller that knows the shape it expects and builds its own values
/// from the bytes instead of a `JSONValue` tree (the order decoder's fast path).
///
/// It accepts no more than `JSONParser` accepts: strings, numbers and literals are read by the parser's own code, so
/// escapes, UTF-8, number grammar and nesting depth are checked exactly as there. It explains nothing, though: at
/// anything it does not take, valid JSON or not, it throws `Mismatch`, and the caller parses the bytes with
/// `JSONParser` to learn what is wrong, with the real message and position.
public struct JSONByteScanner {
    /// The input is not JSON, or not in the shape the caller asked for. Carries nothing on purpose: the full parser
    /// is the one place that describes problems.
    public struct Mismatch: Error {
        public init() {}
    }

    /// What kind of value comes next, judged from its first byte.
    public enum Kind {
        case string, number, object, array, bool, null
    }

    /// A member's key as written, without its quotes; valid while the scanned buffer is.
    public struct Key {
        public let bytes: UnsafeBufferPointer<UInt8>

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// Lets `switch key { case "id": … }` compare the key's bytes with a literal. Inlinable so that at each case
        /// the literal's length is a constant and most cases cost one comparison.
        @inlinable
        public static func ~= (name: StaticString, key: Key) -> Bool {
            let count = name.utf8CodeUnitCount
            guard key.bytes.count == count else { return false }
            let expected = name.utf8Start
            for offset in 0..<count where key.bytes[offset] != expected[offset] { return false }
            return true
        }
    }

    private var parser: ByteParser
    /// After `{` or `[`: the next member or element is the container's first, so no ',' comes before it.
    private var atContainerStart = false

    public init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = JSONParser.defaultMaxDepth) {
        parser = ByteParser(bytes: bytes, start: 0, maxDepth: maxDepth)
    }

    /// The kind of the next value, not consumed yet.
    public mutating func peekKind() throws(Mismatch) -> Kind {
        parser.skipWhitespace()
        guard parser.index < parser.bytes.count else { throw Mismatch() }
        switch parser.bytes[parser.index] {
        case ASCII.quote: return .string
        case ASCII.openBrace: return .object
        case ASCII.openBracket: return .array
        case ASCII.minus, ASCII.zero...ASCII.nine: return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: throw Mismatch()
        }
    }

    /// Consumes the `{` of an object; members follow through `nextKey`.
    public mutating func beginObject() throws(Mismatch) {
        guard try peekKind() == .object else { throw Mismatch() }
        do { try parser.enterContainer() } catch { throw Mismatch() }
        parser.index += 1
        atContainerStart = true
    }

    /// The next member's key, with the ':' after it consumed so its value comes next; nil once the object's `}` has
    /// been consumed. Keys are matched as bytes, so a key with an escape or a non-ASCII character (whose `String`
    /// equality is canonical equivalence, not byte equality) is not taken.
    public mutating func nextKey() throws(Mismatch) -> Key? {
        parser.skipWhitespace()
        guard parser.index < parser.bytes.count else { throw Mismatch() }
        if atContainerStart {
            atContainerStart = false
            if parser.bytes[parser.index] == ASCII.closeBrace { return endContainer() }
        } else {
            switch parser.bytes[parser.index] {
            case ASCII.closeBrace: return endContainer()
            case ASCII.comma:
                parser.index += 1
                parser.skipWhitespace()
            default: throw Mismatch()
            }
        }
        let bytes = parser.bytes
        guard parser.index < bytes.count, bytes[parser.index] == ASCII.quote else { throw Mismatch() }
        let start = parser.index + 1
        var position = start
        while true {
            guard position < bytes.count else { throw Mismatch() }
            let byte = bytes[position]
            if byte == ASCII.quote { break }
            if byte == ASCII.backslash || byte < 0x20 || byte >= 0x80 { throw Mismatch() }
            position += 1
        }
        parser.index = position + 1
        parser.skipWhitespace()
        guard parser.index < bytes.count, bytes[parser.index] == ASCII.colon else { throw Mismatch() }
        parser.index += 1
        return Key(bytes: UnsafeBufferPointer(start: bytes.baseAddress.map { $0 + start }, count: position - start))
    }

    /// Consumes the `[` of an array; elements follow through `nextElement`.
    public mutating func beginArray() throws(Mismatch) {
        guard try peekKind() == .array else { throw Mismatch() }
        do { try parser.enterContainer() } catch { throw Mismatch() }
        parser.index += 1
        atContainerStart = true
    }

    /// True when another element follows (its value is next); false once the array's `]` has been consumed.
    public mutating func nextElement() throws(Mismatch) -> Bool {
        parser.skipWhitespace()
        guard parser.index < parser.bytes.count else { throw Mismatch() }
        if atContainerStart {
            atContainerStart = false
            if parser.bytes[parser.index] == ASCII.closeBracket { return endContainer() != nil }
            return true
        }
        switch parser.bytes[parser.index] {
        case ASCII.closeBracket: return endContainer() != nil
        case ASCII.comma:
            parser.index += 1
            return true
        default: throw Mismatch()
        }
    }

    /// Consumes the closing bracket at `index`; nil, so `nextKey` can return it for "no more members".
    private mutating func endContainer() -> Key? {
        parser.index += 1
        parser.depth -= 1
        return nil
    }

    public mutating func readString() throws(Mismatch) -> String {
        guard next(is: ASCII.quote) else { throw Mismatch() }
        do { return try parser.parseString().value } catch { throw Mismatch() }
    }

    /// A number's text exactly as written (JSON number grammar checked).
    public mutating func readNumberText() throws(Mismatch) -> String {
        guard try peekKind() == .number else { throw Mismatch() }
        do { return try parser.parseNumberText() } catch { throw Mismatch() }
    }

    public mutating func readBool() throws(Mismatch) -> Bool {
        guard try peekKind() == .bool else { throw Mismatch() }
        let value = parser.bytes[parser.index] == UInt8(ascii: "t")
        do { try parser.expectLiteral(value ? "true" : "false") } catch { throw Mismatch() }
        return value
    }

    public mutating func readNull() throws(Mismatch) {
        guard try peekKind() == .null else { throw Mismatch() }
        do { try parser.expectLiteral("null") } catch { throw Mismatch() }
    }

    /// Reads past the next value of any kind, checking it as the parser does (nesting depth included).
    public mutating func skipValue() throws(Mismatch) {
        do { _ = try parser.parseValue(.objectMemberValue) } catch { throw Mismatch() }
    }

    /// Whether the next value starts with `byte`: `peekKind` for a caller that already knows what it wants.
    private mutating func next(is byte: UInt8) -> Bool {
        parser.skipWhitespace()
        return parser.index < parser.bytes.count && parser.bytes[parser.index] == byte
    }

    /// Throws unless only whitespace is left after the document.
    public mutating func finish() throws(Mismatch) {
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count, !atContainerStart, parser.depth == 0 else { throw Mismatch() }
    }
}
