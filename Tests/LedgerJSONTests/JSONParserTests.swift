import LedgerCore
import Testing
@testable import LedgerJSON

/// The error `text` produces, or nil if it parses.
func syntaxError(_ text: String, maxDepth: Int = JSONParser.defaultMaxDepth) -> JSONSyntaxError? {
    do {
        _ = try JSONParser.parse(text, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

func syntaxError(bytes: [UInt8]) -> JSONSyntaxError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

@Suite struct JSONParserValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"s":"x","n":-1.5e3,"t":true,"f":false,"z":null,"a":[1,[]],"o":{}} "#)
        let expected: JSONValue = .object([
            "s": .string("x"), "n": .number("-1.5e3"), "t": .bool(true), "f": .bool(false), "z": .null,
            "a": .array([.number("1"), .array([])]), "o": .object(JSONObject()),
        ])
        #expect(value == expected)
        #expect(value.objectValue?.keys == ["s", "n", "t", "f", "z", "a", "o"])
    }

    @Test(arguments: ["12345678901234567890", "1.10", "100.50", "-0", "0", "0.0", "1e3", "1E+3", "-1.5e-10", "2.50E07"])
    func keepsNumbersVerbatim(literal: String) throws {
        #expect(try JSONParser.parse(literal) == .number(literal))
        #expect(try JSONParser.parse("[\(literal)]") == .array([.number(literal)]))
        #expect(JSONWriter.compactString(.array([.number(literal)])) == "[\(literal)]")
    }

    @Test func decodesEveryEscape() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00 plain""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAé€😀 plain"))
    }

    @Test func keepsRawUTF8AndEscapesInOneString() throws {
        #expect(try JSONParser.parse(#""€ x\n ü""#) == .string("€ x\n ü"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func acceptsWhitespaceAroundValues() throws {
        #expect(try JSONParser.parse(" \t\r\n[ 1 , { \"a\" : null } ]\n") ==
            .array([.number("1"), .object(["a": .null])]))
    }

    @Test func duplicateKeysKeepTheLastValueAtTheFirstPosition() throws {
        let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3,"\u0062":4}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == .number("3"))
        #expect(value["b"] == .number("4"))
    }

    @Test func duplicateKeysInLargeObjects() throws {
        let members = (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let value = try JSONParser.parse("{\(members),\"k7\":\"last\",\"k99\":true}")
        #expect(value.objectValue?.count == 100)
        #expect(value["k7"] == .string("last"))
        #expect(value["k99"] == .bool(true))
        #expect(value.objectValue?.keys.last == "k99")
    }

    @Test func nestedObjectsDoNotShareKeys() throws {
        let value = try JSONParser.parse(#"{"a":{"a":1,"b":{"a":2}},"b":3}"#)
        #expect(value["a"]?["b"]?["a"] == .number("2"))
        #expect(value.objectValue?.keys == ["a", "b"])
    }

    @Test func interleavedArraysAndObjectsKeepTheirOwnMembers() throws {
        let value = try JSONParser.parse(#"[1,2,{"a":1,"b":{"c":[3,{"d":4,"d":5,"a":6}],"a":7}},{"e":[[],{}]},8]"#)
        let expected: JSONValue = .array([
            .number("1"), .number("2"),
            .object([
                "a": .number("1"),
                "b": .object([
                    "c": .array([.number("3"), .object(["d": .number("5"), "a": .number("6")])]),
                    "a": .number("7"),
                ]),
            ]),
            .object(["e": .array([.array([]), .object(JSONObject())])]),
            .number("8"),
        ])
        #expect(value == expected)
    }

    @Test func ignoresALeadingByteOrderMark() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.number("1")]))
        let error = syntaxError(bytes: [0xEF, 0xBB, 0xBF] + Array("[x]".utf8))
        #expect(error == JSONSyntaxError(
            message: "expected value or ']' in array, found 'x'", line: 1, column: 2, offset: 4))
    }

    @Test func parsesFromAnUnsafeBuffer() throws {
        let bytes = Array(#"{"k":[1]}"#.utf8)
        let value = try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in try JSONParser.parse(buffer) }
        #expect(value == .object(["k": .array([.number("1")])]))
        #expect(try JSONValue(parsing: "true") == .bool(true))
    }
}

@Suite struct JSONParserErrorTests {
    @Test(arguments: [
        ("", "expected a JSON value, found end of input", 1, 1, 0),
        ("  \n ", "expected a JSON value, found end of input", 2, 2, 4),
        ("{} x", "expected end of input after JSON value, found 'x'", 1, 4, 3),
        ("[1,2,]", "expected value after ',' in array, found ']'", 1, 6, 5),
        ("[1 2]", "expected ',' or ']' after array element, found '2'", 1, 4, 3),
        ("[", "expected value or ']' in array, found end of input", 1, 2, 1),
        (#"{"a":1,}"#, "expected string key after ',' in object, found '}'", 1, 8, 7),
        (#"{"a":1 x}"#, "expected ',' or '}' after object member, found 'x'", 1, 8, 7),
        ("{\n  \"a\": 1\n  \"b\": 2\n}", "expected ',' or '}' after object member, found '\"'", 3, 3, 13),
        (#"{"a" 1}"#, "expected ':' after object key, found '1'", 1, 6, 5),
        (#"{"a":}"#, "expected value after ':' in object, found '}'", 1, 6, 5),
        ("{1:2}", "expected string key or '}' in object, found '1'", 1, 2, 1),
        (#"["é", x]"#, "expected value after ',' in array, found 'x'", 1, 7, 7),
        ("[é]", "expected value or ']' in array, found 'é'", 1, 2, 1),
        ("[\u{1}]", "expected value or ']' in array, found control character U+0001", 1, 2, 1),
        ("\u{C}1", "expected a JSON value, found control character U+000C", 1, 1, 0),
        ("'a'", "expected a JSON value, found '''", 1, 1, 0),
        ("tru", "expected 'true', found end of input", 1, 4, 3),
        ("[nul,1]", "expected 'null', found 'nul'", 1, 2, 1),
        ("[falsy]", "expected 'false', found 'falsy'", 1, 2, 1),
        ("[nlull]", "expected 'null', found 'nl'", 1, 2, 1),
        ("[truex]", "expected ',' or ']' after array element, found 'x'", 1, 6, 5),
        ("NaN", "expected a JSON value, found 'N'", 1, 1, 0),
    ] as [(String, String, Int, Int, Int)])
    func structuralErrors(text: String, message: String, line: Int, column: Int, offset: Int) {
        #expect(syntaxError(text) == JSONSyntaxError(message: message, line: line, column: column, offset: offset))
    }

    @Test(arguments: [
        ("01", "numbers must not have leading zeros", 1, 2, 1),
        ("-", "expected digit after '-', found end of input", 1, 2, 1),
        ("-a", "expected digit after '-', found 'a'", 1, 2, 1),
        ("[1.]", "expected digit after '.' in number, found ']'", 1, 4, 3),
        ("1e", "expected digit in exponent, found end of input", 1, 3, 2),
        ("1e+x", "expected digit in exponent, found 'x'", 1, 4, 3),
        (".5", "expected a JSON value, found '.'", 1, 1, 0),
        ("+1", "expected a JSON value, found '+'", 1, 1, 0),
        ("1.5.2", "expected end of input after JSON value, found '.'", 1, 4, 3),
    ] as [(String, String, Int, Int, Int)])
    func numberErrors(text: String, message: String, line: Int, column: Int, offset: Int) {
        #expect(syntaxError(text) == JSONSyntaxError(message: message, line: line, column: column, offset: offset))
    }

    @Test(arguments: [
        (#""abc"#, "expected '\"' to end string, found end of input", 1, 5, 4),
        ("\"a\nb\"", "unescaped control character in string, found line break", 1, 3, 2),
        ("\"a\tb\"", "unescaped control character in string, found tab", 1, 3, 2),
        (#""\x""#, #"invalid escape '\x' in string"#, 1, 2, 1),
        (#""\"#, #"expected escape character after '\', found end of input"#, 1, 3, 2),
        (#""\u12G4""#, #"expected 4 hex digits after '\u', found 'G'"#, 1, 6, 5),
        (#""\u12"#, #"expected 4 hex digits after '\u', found end of input"#, 1, 6, 5),
        (#""\ud83d""#, #"expected '\u' low surrogate after high surrogate '\uD83D', found '"'"#, 1, 8, 7),
        (#""\ud83d\n""#, #"expected '\u' low surrogate after high surrogate '\uD83D', found 'n'"#, 1, 9, 8),
        (#""\ud83d\u0041""#, #"invalid low surrogate '\u0041' after high surrogate '\uD83D'"#, 1, 8, 7),
        (#""\ude00""#, #"unpaired low surrogate '\uDE00'"#, 1, 2, 1),
    ] as [(String, String, Int, Int, Int)])
    func stringErrors(text: String, message: String, line: Int, column: Int, offset: Int) {
        #expect(syntaxError(text) == JSONSyntaxError(message: message, line: line, column: column, offset: offset))
    }

    @Test(arguments: [
        ([0x22, 0x61, 0xFF, 0x22], 2),          // never valid in UTF-8
        ([0x22, 0xC0, 0x80, 0x22], 1),          // overlong NUL
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),    // encoded surrogate
        ([0x22, 0xE2, 0x82, 0x22], 1),          // truncated sequence
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1), // above U+10FFFF
        ([0x22, 0x5C, 0x6E, 0x80, 0x22], 3),    // stray continuation after an escape
    ] as [([UInt8], Int)])
    func rejectsInvalidUTF8InStrings(bytes: [UInt8], badOffset: Int) {
        let error = syntaxError(bytes: bytes)
        #expect(error?.offset == badOffset)
        #expect(error?.message == "invalid UTF-8 byte 0x\(JSONParser.hex(bytes[badOffset], width: 2)) in string")
    }

    @Test func invalidUTF8OutsideStringsIsNamed() {
        #expect(syntaxError(bytes: [0x5B, 0xFF, 0x5D])?.message == "expected value or ']' in array, found invalid UTF-8 byte 0xFF")
    }

    @Test func descriptionShowsPosition() {
        #expect(syntaxError("[1,]")?.description == "line 1, column 4: expected value after ',' in array, found ']'")
    }

    @Test func depthLimit() throws {
        let limit = JSONParser.defaultMaxDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(syntaxError(deepest) == nil)
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(syntaxError(tooDeep) == JSONSyntaxError(
            message: "nesting depth exceeds the limit of 512", line: 1, column: limit + 1, offset: limit))
        #expect(syntaxError(#"{"a":{"b":[1]}}"#, maxDepth: 2)?.message == "nesting depth exceeds the limit of 2")
        #expect(syntaxError(#"{"a":{"b":1}}"#, maxDepth: 2) == nil)
    }

    @Test func hostileNestingFailsWithoutCrashing() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(syntaxError(bytes: bytes)?.message == "nesting depth exceeds the limit of 512")
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(syntaxError(objects)?.offset == 512 * 5)
    }

    @Test func everyProperPrefixOfADocumentFails() {
        let document = Array(#"{"id":"A-1","n":[1.5e-3,-0,true,false,null],"s":"\u00e9\ud83d\ude00\n","o":{"x":{}}}"#.utf8)
        #expect(syntaxError(bytes: document) == nil)
        for length in 0..<document.count {
            let error = syntaxError(bytes: Array(document[..<length]))
            #expect(error != nil, "prefix of length \(length) parsed")
            if let error { #expect(error.offset <= length) }
        }
    }

    @Test func randomMutationsNeverCrash() {
        var random = SplitMix64(seed: 0x5EED)
        let document = Array(#"{"id":"A-1","lines":[{"sku":"X\"1","qty":2,"price":"10.50"}],"ok":true,"n":null,"e":1e-3}"#.utf8)
        let interesting: [UInt8] = Array(#"{}[]",:\ u0123456789.eE+-tfn"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        for _ in 0..<5_000 {
            var mutated = document
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let position = Int(random.next() % UInt64(mutated.count))
                switch random.next() % 3 {
                case 0: mutated[position] = interesting[Int(random.next() % UInt64(interesting.count))]
                case 1: mutated.remove(at: position)
                default: mutated.insert(interesting[Int(random.next() % UInt64(interesting.count))], at: position)
                }
                if mutated.isEmpty { mutated = [0x20] }
            }
            if let error = syntaxError(bytes: mutated) {
                #expect(error.offset >= 0 && error.offset <= mutated.count)
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }
}

