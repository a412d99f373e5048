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
        var text = text  // withUTF8 is mutating; it only copies if the string is not already contiguous UTF-8
        text.withUTF8 { utf8 in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: quotedCapacity(utf8.count)) { output in
                let written = writeQuoted(utf8, to: output.baseAddress!)
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: output[0..<written]))
            }
        }
    }

    /// The most bytes `writeQuoted` writes for `count` bytes of UTF-8: each may become `\u00XX`, plus the quotes.
    public static func quotedCapacity(_ count: Int) -> Int { count * 6 + 2 }

    /// Writes `utf8` as a JSON string, quotes included, at `output`, which has room for `quotedCapacity(utf8.count)`
    /// bytes; returns how many it wrote. The one escaping rule of every writer here: `\"`, `\\`, the short escapes
    /// of `\n \t \r \b \f`, `\u00xx` for the other control characters; everything else as it is.
    public static func writeQuoted(_ utf8: UnsafeBufferPointer<UInt8>, to output: UnsafeMutablePointer<UInt8>) -> Int {
        output[0] = ASCII.quote
        var written = 1
        var runStart = 0
        for position in 0..<utf8.count {
            let byte = utf8[position]
            guard byte < 0x20 || byte == ASCII.quote || byte == ASCII.backslash else { continue }
            if runStart < position {
                (output + written).initialize(from: utf8.baseAddress! + runStart, count: position - runStart)
                written += position - runStart
            }
            written += writeEscape(for: byte, to: output + written)
            runStart = position + 1
        }
        if runStart < utf8.count {
            (output + written).initialize(from: utf8.baseAddress! + runStart, count: utf8.count - runStart)
            written += utf8.count - runStart
        }
        output[written] = ASCII.quote
        return written + 1
    }

    private static func writeEscape(for byte: UInt8, to output: UnsafeMutablePointer<UInt8>) -> Int {
        output[0] = ASCII.backslash
        switch byte {
        case ASCII.quote: output[1] = ASCII.quote
        case ASCII.backslash: output[1] = ASCII.backslash
        case ASCII.newline: output[1] = UInt8(ascii: "n")
        case ASCII.tab: output[1] = UInt8(ascii: "t")
        case ASCII.carriageReturn: output[1] = UInt8(ascii: "r")
        case 0x08: output[1] = UInt8(ascii: "b")
        case 0x0C: output[1] = UInt8(ascii: "f")
        default:
            let hexDigits: StaticString = "0123456789abcdef"
            output[1] = UInt8(ascii: "u")
            output[2] = ASCII.zero
            output[3] = ASCII.zero
            output[4] = hexDigits.utf8Start[Int(byte >> 4)]
            output[5] = hexDigits.utf8Start[Int(byte & 0x0F)]
            return 6
        }
        return 2
    }

    private static func appendNewline(indentLevel: Int, to buffer: inout [UInt8]) {
        buffer.append(ASCII.newline)
        buffer.append(contentsOf: repeatElement(ASCII.space, count: 2 * indentLevel))
    }

    private static func appendASCII(_ literal: StaticString, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
