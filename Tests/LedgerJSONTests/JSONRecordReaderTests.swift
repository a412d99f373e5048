import LedgerCore
import Foundation
import Testing
@testable import LedgerJSON

private func records(_ text: String, chunkSize: Int = JSONRecordReader.defaultChunkSize) throws -> [JSONRecord] {
    try JSONRecordReader(bytes: Array(text.utf8), chunkSize: chunkSize).readAll()
}

private func success(_ index: Int, line: Int, _ json: String) throws -> JSONRecord {
    JSONRecord(index: index, line: line, result: .success(try JSONParser.parse(json)))
}

private func failure(_ index: Int, line: Int, _ message: String, _ errorLine: Int, _ column: Int, _ offset: Int) -> JSONRecord {
    JSONRecord(index: index, line: line, result: .failure(
        JSONSyntaxError(message: message, line: errorLine, column: column, offset: offset)))
}

@Suite struct JSONLinesReaderTests {
    @Test func readsOneValuePerLineSkippingBlankLines() throws {
        let reader = JSONRecordReader(bytes: Array("{\"a\":1}\n\n  \n[2]\n\"x\"".utf8))
        #expect(try reader.readAll() == [
            try success(0, line: 1, #"{"a":1}"#),
            try success(1, line: 4, "[2]"),
            try success(2, line: 5, #""x""#),
        ])
        #expect(reader.format == .jsonLines)
    }

    @Test func aBrokenLineDoesNotStopTheFollowingOnes() throws {
        let text = """
            {"id":1}
            {"id":2}

            {"id": 3, "x": }
            {"id":4} trailing
            {"id":5}

            """
        #expect(try records(text) == [
            try success(0, line: 1, #"{"id":1}"#),
            try success(1, line: 2, #"{"id":2}"#),
            failure(2, line: 4, "expected value after ':' in object, found '}'", 4, 16, 34),
            failure(3, line: 5, "expected end of line after JSON value, found 't'", 5, 10, 45),
            try success(4, line: 6, #"{"id":5}"#),
        ])
    }

    @Test func crlfLineEndings() throws {
        let text = "{\"a\":\"x\"}\r\n\r\n[1,\r\n{\"b\":2}\r\n"
        #expect(try records(text) == [
            try success(0, line: 1, #"{"a":"x"}"#),
            failure(1, line: 3, "expected value after ',' in array, found end of input", 3, 4, 16),
            try success(2, line: 4, #"{"b":2}"#),
        ])
    }

    @Test func byteOrderMarkIsSkippedAndNotCountedAsAColumn() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{x}\n1".utf8)
        #expect(try JSONRecordReader(bytes: bytes).readAll() == [
            failure(0, line: 1, "expected string key or '}' in object, found 'x'", 1, 2, 4),
            try success(1, line: 2, "1"),
        ])
    }

    @Test(arguments: ["", "   \n\n\t\r\n", "\u{FEFF}", "\u{FEFF}\n"])
    func emptyFilesHaveNoRecords(text: String) throws {
        let reader = JSONRecordReader(bytes: Array(text.utf8), chunkSize: 2)
        #expect(try reader.readAll() == [])
        #expect(reader.format == nil)
        #expect(try reader.next() == nil)
    }

    @Test func longLinesAcrossManyChunks() throws {
        let long = "{\"text\":\"" + String(repeating: "ab\\\"", count: 500) + "\"}"
        let text = "\(long)\n{\"x\":[1,2,3]}\n\(long)"
        let expected = try records(text)
        #expect(expected.count == 3)
        for chunkSize in [1, 2, 3, 7, 64, 333] {
            #expect(try records(text, chunkSize: chunkSize) == expected, "chunk size \(chunkSize)")
        }
    }

    @Test func depthLimitAppliesPerRecord() throws {
        let reader = JSONRecordReader(bytes: Array("{\"a\":{\"b\":[1]}}\n{\"a\":[1]}\n".utf8), maxDepth: 2)
        let all = try reader.readAll()
        #expect(all.count == 2)
        if case .failure(let error) = all[0].result {
            #expect(error.message == "nesting depth exceeds the limit of 2")
            #expect(error.column == 11)
        } else {
            Issue.record("expected a depth failure")
        }
        #expect(all[1].result == .success(.object(["a": .array([.number("1")])])))
    }
}

@Suite struct JSONArrayReaderTests {
    @Test func readsElementsOfATopLevelArray() throws {
        let text = """

            [
              {"id": 1, "lines": [{"sku": "A"}]},
              {"id": 2},
              "three", 4, null
            ]

            """
        let reader = JSONRecordReader(bytes: Array(text.utf8))
        #expect(try reader.readAll() == [
            try success(0, line: 3, #"{"id": 1, "lines": [{"sku": "A"}]}"#),
            try success(1, line: 4, #"{"id": 2}"#),
            try success(2, line: 5, #""three""#),
            try success(3, line: 5, "4"),
            try success(4, line: 5, "null"),
        ])
        #expect(reader.format == .array)
    }

    @Test func chunkBoundariesInsideStringsAndNumbers() throws {
        let text = #"[{"s":"a,]\"}{[\\","n":12345.678e-9},"\u00e9\ud83d\ude00 é",[[],{}],-0.5,true,"x\\"]"#
        let expected = try JSONParser.parse(text).arrayValue ?? []
        #expect(expected.count == 6)
        for chunkSize in 1...40 {
            let values = try records(text, chunkSize: chunkSize).map { try $0.result.get() }
            #expect(values == expected, "chunk size \(chunkSize)")
        }
    }

    @Test func brokenElementInTheMiddle() throws {
        let text = "[\n  {\"id\": 1},\n  {\"id\": tru},\n  {\"id\": 3}\n]"
        #expect(try records(text) == [
            try success(0, line: 2, #"{"id": 1}"#),
            failure(1, line: 3, "expected 'true', found 'tru'", 3, 10, 24),
            try success(2, line: 4, #"{"id": 3}"#),
        ])
    }

    @Test func brokenElementsRecoverAtTheNextComma() throws {
        let text = #"[1 2, {"a":[1,}, "x"], {"b":"]"} 5, 6]"#
        let all = try records(text, chunkSize: 3)
        #expect(all.map(\.index) == [0, 1, 2, 3])
        #expect(all[0].result == .failure(JSONSyntaxError(
            message: "expected ',' or ']' after array element, found '2'", line: 1, column: 4, offset: 3)))
        #expect(all[1].result == .failure(JSONSyntaxError(
            message: "expected value after ',' in array, found '}'", line: 1, column: 15, offset: 14)))
        #expect(all[2].result == .failure(JSONSyntaxError(
            message: "expected ',' or ']' after array element, found '5'", line: 1, column: 34, offset: 33)))
        #expect(all[3].result == .success(.number("6")))
    }

    @Test func unterminatedElementEndsWithAFinalFailure() throws {
        #expect(try records(#"[1, "abc, 2]"#, chunkSize: 4) == [
            try success(0, line: 1, "1"),
            failure(1, line: 1, "expected '\"' to end string, found end of input", 1, 13, 12),
        ])
    }

    @Test func missingCloseBracket() throws {
        #expect(try records("[1,\n2\n", chunkSize: 2) == [
            try success(0, line: 1, "1"),
            try success(1, line: 2, "2"),
            failure(2, line: 3, "expected ',' or ']' after array element, found end of input", 3, 1, 6),
        ])
        #expect(try records("[", chunkSize: 2) == [
            failure(0, line: 1, "expected value or ']' in array, found end of input", 1, 2, 1),
        ])
    }

    @Test func trailingAndDoubledCommas() throws {
        #expect(try records("[1,,2,]") == [
            try success(0, line: 1, "1"),
            failure(1, line: 1, "expected value after ',' in array, found ','", 1, 4, 3),
            try success(2, line: 1, "2"),
            failure(3, line: 1, "expected value after ',' in array, found ']'", 1, 7, 6),
        ])
    }

    @Test func contentAfterTheArray() throws {
        #expect(try records("[1]\n x") == [
            try success(0, line: 1, "1"),
            failure(1, line: 2, "expected end of input after JSON array, found 'x'", 2, 2, 5),
        ])
    }

    @Test func emptyArrayWithBOMAndCRLF() throws {
        let reader = JSONRecordReader(bytes: [0xEF, 0xBB, 0xBF] + Array(" [ \r\n ] \r\n".utf8), chunkSize: 1)
        #expect(try reader.readAll() == [])
        #expect(reader.format == .array)
    }

    @Test func crlfArrayPositions() throws {
        #expect(try records("[\r\n1,\r\n x\r\n]") == [
            try success(0, line: 2, "1"),
            failure(1, line: 3, "expected value after ',' in array, found 'x'", 3, 2, 8),
        ])
    }

    /// A document with a single error must be reported at the same place as by the whole-document parser,
    /// whatever the chunk size — columns included, on one long line that spans many chunks.
    @Test func singleErrorPositionsMatchTheDocumentParserAtEveryChunkSize() throws {
        let prefix = (0..<30).map { #"{"n":\#($0),"s":"é,\"]"}"# }.joined(separator: ",")
        let documents = [
            "[\(prefix),{\"bad\":x}]",
            "[\(prefix),\n  {\"bad\":\n  [1,2,}]",
            "[\(prefix),\"\\q\"]",
            "[\(prefix) , 01]",
            "[\(prefix),{\"a\":\"ü\u{1}\"}]",
        ]
        for document in documents {
            guard let expected = syntaxError(document) else {
                Issue.record("document unexpectedly parsed")
                continue
            }
            for chunkSize in [1, 2, 5, 17, 64, 4096] {
                let failures = try records(document, chunkSize: chunkSize).compactMap { record -> JSONSyntaxError? in
                    if case .failure(let error) = record.result { return error } else { return nil }
                }
                #expect(failures == [expected], "chunk size \(chunkSize)")
            }
        }
    }

    @Test func randomChunkSizesAndMutationsNeverCrash() throws {
        var random = SplitMix64(seed: 42)
        let document = Array(#"[{"id":"A,1","l":[{"q":2,"p":"1.50"}]},"x\"]",[1,[2]],{"e":1e5},null]"#.utf8)
        let interesting: [UInt8] = Array(#"{}[]",:\ 1-e"#.utf8) + [0x0A, 0x0D, 0xFF]
        for _ in 0..<2_000 {
            var mutated = document
            let position = Int(random.next() % UInt64(mutated.count))
            mutated[position] = interesting[Int(random.next() % UInt64(interesting.count))]
            let chunkSize = 1 + Int(random.next() % 20)
            let all = try JSONRecordReader(bytes: mutated, chunkSize: chunkSize).readAll()
            #expect(all.map(\.index) == Array(all.indices))
            let oneChunk = try JSONRecordReader(bytes: mutated).readAll()
            #expect(all == oneChunk, "chunk size \(chunkSize) differs on \(String(decoding: mutated, as: UTF8.self))")
        }
    }

    @Test func memoryStaysFlatInTheNumberOfRecords() throws {
        let element = #"{"id":"ORD-000001","lines":[{"sku":"SKU-1","qty":3,"price":"19.99"}]}"#
        let text = "[" + Array(repeating: element, count: 5_000).joined(separator: ",\n") + "]"
        let reader = JSONRecordReader(bytes: Array(text.utf8), chunkSize: 256)
        var count = 0
        var largestWindow = 0
        while let record = try reader.next() {
            #expect(throws: Never.self) { try record.result.get() }
            count += 1
            largestWindow = max(largestWindow, reader.bufferedByteCount)
        }
        #expect(count == 5_000)
        #expect(largestWindow <= 2 * 256 + element.utf8.count)
    }
}

@Suite struct JSONRecordReaderFileTests {
    @Test func readsAFileFromDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerjson-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = (0..<1_000).map { #"{"id":\#($0),"amount":"\#($0).50"}"# }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))

        let reader = try JSONRecordReader(path: path, chunkSize: 100)
        var seen = 0
        try reader.forEach { record throws in
            #expect(record.index == seen)
            #expect(record.line == seen + 1)
            #expect(try record.result.get()["amount"] == .string("\(seen).50"))
            seen += 1
        }
        #expect(seen == 1_000)
    }

    @Test func missingFileNamesThePath() {
        let path = "/nonexistent-ledgerjson/orders.jsonl"
        #expect(throws: JSONRecordReaderError(
            path: path, message: "cannot open '\(path)': No such file or directory")) {
            try JSONRecordReader(path: path)
        }
    }

    @Test func directoryIsRejected() {
        let path = FileManager.default.temporaryDirectory.path
        #expect(throws: JSONRecordReaderError(path: path, message: "cannot read '\(path)': it is a directory")) {
            try JSONRecordReader(path: path)
        }
    }
}
