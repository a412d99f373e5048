/// Serialises `JSONValue` to UTF-8: numbers verbatim, keys in stored order, only mandatory escapes.
public enum JSONWriter {
    /// Appends the compact form (no whitespace), e.g. `{"a":1,"b":[true,null]}`.
    public static func appendCompact(_ value: JSONValue, to buffer: inout [UInt8]) {
        switch value {
        case .null: appendASCII("null", to: &buffer)
        case .bool(let flag): appendASCII(flag ? "true" : "false", to: &buffer)
        case .number(let text): buffer.append(contentsOf: text.utf8)
        case .string(let text): appendQuoted(text, to: &buffer)
        case .array(let elements):
            buffer.append(ASCII.openBracket)
            var isFirst = true
            for element in elements {
                if !isFirst { buffer.append(ASCII.comma) }
                isFirst = false
                appendCompact(element, to: &buffer)
            }
            buffer.append(ASCII.closeBracket)
        case .object(let object):
            buffer.append(ASCII.openBrace)
            var isFirst = true
            for (key, member) in object.entries {
                if !isFirst { buffer.append(ASCII.comma) }
                isFirst = false
                appendQuoted(key, to: &buffer)
                buffer.append(ASCII.colon)
                appendCompact(member, to: &buffer)
            }
            buffer.append(ASCII.closeBrace)
        }
    }

    /// Appends the pretty form: 2-space indent, `": "` between key and value, `[]`/`{}` when empty.
    /// No trailing newline; `indentLevel` is the nesting level the value starts at.
    public static func appendPretty(_ value: JSONValue, to buffer: inout [UInt8], indentLevel: Int = 0) {
        switch value {
        case .null, .bool, .number, .string:
            appendCompact(value, to: &buffer)
        case .array(let elements):
            guard !elements.isEmpty else { return appendASCII("[]", to: &buffer) }
            buffer.append(ASCII.openBracket)
            for (position, element) in elements.enumerated() {
                if position > 0 { buffer.append(ASCII.comma) }
                appendNewline(indentLevel: indentLevel + 1, to: &buffer)
                appendPretty(element, to: &buffer, indentLevel: indentLevel + 1)
            }
            appendNewline(indentLevel: indentLevel, to: &buffer)
            buffer.append(ASCII.closeBracket)
        case .object(let object):
            guard !object.isEmpty else { return appendASCII("{}", to: &buffer) }
            buffer.append(ASCII.openBrace)
            for position in 0..<object.count {
                if position > 0 { buffer.append(ASCII.comma) }
                appendNewline(indentLevel: indentLevel + 1, to: &buffer)
                appendQuoted(object.keys[position], to: &buffer)
                buffer.append(ASCII.colon)
                buffer.append(ASCII.space)
                appendPretty(object.values[position], to: &buffer, indentLevel: indentLevel + 1)
            }
            appendNewline(indentLevel: indentLevel, to: &buffer)
            buffer.append(ASCII.closeBrace)
        }
    }

    /// The compact form as bytes.
    public static func compactBytes(_ value: JSONValue) -> [UInt8] {
        var buffer: [UInt8] = []
        appendCompact(value, to: &buffer)
        return buffer
    }

    /// The pretty form as bytes, without a trailing newline.
    public static func prettyBytes(_ value: JSONValue) -> [UInt8] {
        var buffer: [UInt8] = []
        appendPretty(value, to: &buffer)
        return buffer
    }

    /// The compact form as a String.
    public static func compactString(_ value: JSONValue) -> String {
        String(decoding: compactBytes(value), as: UTF8.self)
    }

    /// The pretty form as a String, without a trailing newline.
    public static func prettyString(_ value: JSONValue) -> String {
        String(decoding: prettyBytes(value), as: UTF8.self)
    }

    /// Appends `text` as a quoted JSON string, escaping only `"`, `\` and control characters.
    public static func appendQuoted(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(ASCII.quote)
        var text = text  // withUTF8 is mutating; it only copies if the string is not already contiguous UTF-8
        text.withUTF8 { utf8 in
            var runStart = 0
            for position in 0..<utf8.count {
                let byte = utf8[position]
                guard byte < 0x20 || byte == ASCII.quote || byte == ASCII.backslash else { continue }
                if runStart < position {
                    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position]))
                }
                appendEscape(for: byte, to: &buffer)
                runStart = position + 1
            }
            if runStart < utf8.count {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            }
        }
        buffer.append(ASCII.quote)
    }

    private static func appendEscape(for byte: UInt8, to buffer: inout [UInt8]) {
        buffer.append(ASCII.backslash)
        switch byte {
        case ASCII.quote: buffer.append(ASCII.quote)
        case ASCII.backslash: buffer.append(ASCII.backslash)
        case ASCII.newline: buffer.append(UInt8(ascii: "n"))
        case ASCII.tab: buffer.append(UInt8(ascii: "t"))
        case ASCII.carriageReturn: buffer.append(UInt8(ascii: "r"))
        case 0x08: buffer.append(UInt8(ascii: "b"))
        case 0x0C: buffer.append(UInt8(ascii: "f"))
        default:
            let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
            buffer.append(UInt8(ascii: "u"))
            buffer.append(ASCII.zero)
            buffer.append(ASCII.zero)
            buffer.append(hexDigits[Int(byte >> 4)])
            buffer.append(hexDigits[Int(byte & 0x0F)])
        }
    }

    private static func appendNewline(indentLevel: Int, to buffer: inout [UInt8]) {
        buffer.append(ASCII.newline)
        buffer.append(contentsOf: repeatElement(ASCII.space, count: 2 * indentLevel))
    }

    private static func appendASCII(_ literal: StaticString, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
