import Testing
@testable import LedgerJSON

@Suite struct JSONWriterTests {
    let order: JSONValue = .object([
        "id": .string("A-1"),
        "total": .number("100.50"),
        "paid": .bool(true),
        "note": .null,
        "tags": .array([]),
        "meta": .object(JSONObject()),
        "lines": .array([
            .object(["sku": .string("X1"), "qty": .number("2")]),
            .array([.number("1"), .array([.bool(false)])]),
        ]),
    ])

    @Test func compactForm() {
        #expect(JSONWriter.compactString(.object(["a": .number("1"), "b": .array([.bool(true), .null])]))
            == #"{"a":1,"b":[true,null]}"#)
        #expect(JSONWriter.compactString(order)
            == #"{"id":"A-1","total":100.50,"paid":true,"note":null,"tags":[],"meta":{},"lines":[{"sku":"X1","qty":2},[1,[false]]]}"#)
    }

    @Test func prettyForm() {
        let expected = """
            {
              "id": "A-1",
              "total": 100.50,
              "paid": true,
              "note": null,
              "tags": [],
              "meta": {},
              "lines": [
                {
                  "sku": "X1",
                  "qty": 2
                },
                [
                  1,
                  [
                    false
                  ]
                ]
              ]
            }
            """
        #expect(JSONWriter.prettyString(order) == expected)
    }

    @Test func prettyScalarsAndEmptyContainers() {
        #expect(JSONWriter.prettyString(.array([])) == "[]")
        #expect(JSONWriter.prettyString(.object(JSONObject())) == "{}")
        #expect(JSONWriter.prettyString(.string("x")) == #""x""#)
        #expect(JSONWriter.prettyString(.number("1e3")) == "1e3")
    }

    @Test func prettyAtAnIndentLevel() {
        var buffer = Array("  \"k\": ".utf8)
        JSONWriter.appendPretty(.array([.null]), to: &buffer, indentLevel: 1)
        #expect(String(decoding: buffer, as: UTF8.self) == "  \"k\": [\n    null\n  ]")
    }

    @Test func escapesOnlyWhatJSONRequires() {
        let text = "quote\" backslash\\ slash/ é € 😀 \n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}"
        #expect(JSONWriter.compactString(.string(text))
            == #""quote\" backslash\\ slash/ é € 😀 \n\r\t\b\f\u0000\u001f"# + "\u{7F}\"")
    }

    @Test func everyControlCharacterRoundTrips() throws {
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let written = JSONWriter.compactString(.string(controls))
        #expect(!written.utf8.contains { $0 < 0x20 })
        #expect(try JSONParser.parse(written) == .string(controls))
    }

    @Test func keysAreEscapedToo() {
        #expect(JSONWriter.compactString(.object(["a\"b\n": .number("1")])) == #"{"a\"b\n":1}"#)
    }

    @Test func appendsToAnExistingBuffer() {
        var buffer = Array("x=".utf8)
        JSONWriter.appendCompact(.array([.number("1"), .string("y")]), to: &buffer)
        buffer.append(UInt8(ascii: ";"))
        #expect(String(decoding: buffer, as: UTF8.self) == #"x=[1,"y"];"#)
        #expect(JSONWriter.compactBytes(.null) == Array("null".utf8))
        #expect(JSONWriter.prettyBytes(.bool(false)) == Array("false".utf8))
    }

    @Test func valueRoundTrips() throws {
        #expect(try JSONParser.parse(JSONWriter.compactString(order)) == order)
        #expect(try JSONParser.parse(JSONWriter.prettyString(order)) == order)
        #expect(try JSONParser.parse(JSONWriter.compactBytes(order)) == order)
    }

    @Test(arguments: [
        #"{"a":1,"b":[true,null]}"#,
        #"[12345678901234567890,1.10,-0,1E+3,"\\\"\n\u0001/é😀"]"#,
        #"{"z":{},"y":[],"x":[[[]]],"w":""}"#,
        #""plain""#,
        "null",
    ])
    func canonicalTextRoundTripsByteForByte(text: String) throws {
        #expect(JSONWriter.compactString(try JSONParser.parse(text)) == text)
    }

    @Test func escapedInputIsWrittenCanonically() throws {
        #expect(JSONWriter.compactString(try JSONParser.parse(#"[ "\u0041\/\u00e9\ud83d\ude00" ]"#)) == #"["A/é😀"]"#)
    }
}
