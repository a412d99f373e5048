import Foundation
import LedgerCore
@testable import OrderIO
import TestSupport
import Testing

/// The fast path (`OrderByteDecoder`, wired into `OrderSource` for JSON Lines) against the full one (`JSONParser`, then
/// `OrderDecoder`): every record must come out the same both ways — the same order, or the same failure with the same
/// diagnostics — and the fast path must have taken the records it is there for.
@Suite("Reading orders straight from bytes")
struct OrderByteDecoderTests {
    /// Every record of `text` read with and without the fast path.
    static func bothWays(_ bytes: [UInt8]) throws -> (fast: [OrderRecord], full: [OrderRecord]) {
        let fast = OrderSource(bytes: bytes, displayPath: "orders.jsonl")
        let full = OrderSource(bytes: bytes, displayPath: "orders.jsonl")
        full.decodesLinesDirectly = false
        var fastRecords: [OrderRecord] = []
        var fullRecords: [OrderRecord] = []
        try fast.forEach { fastRecords.append($0) }
        try full.forEach { fullRecords.append($0) }
        return (fastRecords, fullRecords)
    }

    /// Expects both ways to agree on every record of `bytes`; returns how many records `OrderSource` decoded straight
    /// from their bytes.
    @discardableResult
    static func expectSameBothWays(_ bytes: [UInt8], _ comment: @autoclosure () -> String = "",
                                   sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Int {
        let (fast, full) = try bothWays(bytes)
        #expect(fast.count == full.count, "\(comment())", sourceLocation: sourceLocation)
        for (fastRecord, fullRecord) in zip(fast, full) {
            #expect(fastRecord.location == fullRecord.location, "\(comment())", sourceLocation: sourceLocation)
            #expect(fastRecord.raw == fullRecord.raw, "\(comment())", sourceLocation: sourceLocation)
            switch (fastRecord.result, fullRecord.result) {
            case (.success(let fastOrder), .success(let fullOrder)):
                #expect(fastOrder == fullOrder, "\(comment())", sourceLocation: sourceLocation)
            case (.failure(let fastFailure), .failure(let fullFailure)):
                #expect(fastFailure.orderID == fullFailure.orderID, "\(comment())", sourceLocation: sourceLocation)
                #expect(fastFailure.diagnostics == fullFailure.diagnostics, "\(comment())", sourceLocation: sourceLocation)
            default:
                Issue.record("one way read an order, the other did not: \(comment())", sourceLocation: sourceLocation)
            }
        }
        return fast.filter { $0.unparsedRaw != nil }.count
    }

    static func fastDecodes(_ line: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer { OrderByteDecoder.decode($0, maxDepth: 512) } != nil
    }

    static func lines(of bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map(Array.init)
    }

    /// The `.jsonl` files of the examples and the test fixtures.
    static let orderFiles: [String] = {
        // Only these two folders: walking the package root would walk `.build` too.
        ["examples", "Tests"].flatMap { folder -> [String] in
            let found = FileManager.default.enumerator(atPath: (Golden.packageRoot as NSString).appendingPathComponent(folder))
            return (found?.compactMap { $0 as? String } ?? []).map { "\(folder)/\($0)" }
        }.filter { $0.hasSuffix(".jsonl") && ($0.hasPrefix("examples/") || $0.contains("/Fixtures/")) }.sorted()
    }()

    static let exampleLines: [[UInt8]] = {
        let path = (Golden.packageRoot as NSString).appendingPathComponent("examples/orders/2025-09.jsonl")
        return lines(of: Array(FileManager.default.contents(atPath: path) ?? Data()))
    }()

    @Test("every example and fixture file reads the same both ways, and the fast path takes its good orders")
    func exampleFiles() throws {
        #expect(Self.orderFiles.contains("examples/orders/2025-09.jsonl"))
        #expect(Self.orderFiles.contains("examples/orders/bad-orders.jsonl"))
        #expect(Self.orderFiles.count >= 5)
        for file in Self.orderFiles {
            let bytes = Array(try #require(FileManager.default.contents(atPath: (Golden.packageRoot as NSString).appendingPathComponent(file))))
            let decodedFast = try Self.expectSameBothWays(bytes, file)
            let good = try Self.bothWays(bytes).full.filter { (try? $0.result.get()) != nil }.count
            // Only orders with returns may need the full way.
            let withReturns = Self.lines(of: bytes).filter { String(decoding: $0, as: UTF8.self).contains(#""returns":["#) }.count
            #expect(decodedFast == good - withReturns, "\(file)")
        }
        // The transform's input is mostly orders like these: none of them may need the full way.
        #expect(Self.exampleLines.count == 68)
        #expect(Self.exampleLines.allSatisfy(Self.fastDecodes))
    }

    @Test("raw parses on demand from the kept bytes, and forEachReadingAhead drops it unless asked")
    func rawOnDemand() throws {
        let text = Array((String(decoding: Self.exampleLines[0], as: UTF8.self) + "\n").utf8)
        let record = try #require(try OrderSource(bytes: text, displayPath: "o.jsonl").next())
        #expect(record.raw?["id"]?.stringValue == (try record.result.get()).id)
        var dropped: [OrderRecord] = []
        try OrderSource(bytes: text, displayPath: "o.jsonl").forEachReadingAhead { dropped.append($0) }
        #expect(dropped.count == 1 && dropped[0].raw == nil)
        var kept: [OrderRecord] = []
        try OrderSource(bytes: text, displayPath: "o.jsonl").forEachReadingAhead(keepRaw: true) { kept.append($0) }
        #expect(kept.count == 1 && kept[0].raw == record.raw && kept[0].raw != nil)
    }

    static let base = #"{"id":"T-1","order_number":"N1","channel":"shopee","store":"s","status":"completed","dates":{"ordered":"2025-09-15T10:21:00+08:00"},"lines":[{"sku":"A","qty":1,"unit_price":"10.00"}]}"#

    /// Hand-made records around every rule; `fast` says whether the fast path should take the record itself.
    static let tricky: [(record: String, fast: Bool)] = [
        (base, true),
        (#"{"id":"T-\u00e9","order_number":"N1","channel":"shopee","store":"s\"q\"","status":"completed","dates":{"ordered":"2025-09-15T10:21:00+08:00"},"lines":[{"sku":"A\ud83d\ude00","name":"caf\u00e9 é","qty":1,"unit_price":"10.00"}]}"#, true),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""id":123456"#), true),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""id":-12"#), false),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""id":1.5"#), false),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""id":1e5"#), false),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""id":"""#), false),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""id":null"#), false),
        (base.replacingOccurrences(of: #""id":"T-1","#, with: ""), false),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""id":"T-1","id":"T-2""#), true),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""id":"T-1","id":7"#), true),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""id":"T-1","id":null"#), false),
        (base.replacingOccurrences(of: #""id":"T-1""#, with: #""i\u0064":"T-9","id":"T-1""#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","x":{"a":[1,2,{"b":null}],"c":"\u00e9"},"y":[[],{}],"z":-0.5e+3"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","ключ":1"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","x":[1,]"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","x":01"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","x":"\x""#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","x":"\ud800""#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","x":tru"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","#), false),
        (base + ",", false),
        (base + " x", false),
        (base + "  \t", true),
        ("  " + base, true),
        (base.replacingOccurrences(of: #""channel":"shopee""#, with: #""channel":"shoppe""#), false),
        (base.replacingOccurrences(of: #""channel":"shopee""#, with: #""channel":"Shopee""#), false),
        (base.replacingOccurrences(of: #""status":"completed""#, with: #""status":"done""#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","currency":"SGD""#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","currency":null"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","currency":"SG""#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","currency":""#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","currency":123"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","currency":"e\u0301ab""#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","exchange_rate":"3.1250""#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","exchange_rate":4.25"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","exchange_rate":"0""#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","exchange_rate":"-1""#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","exchange_rate":"1.123456789""#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","exchange_rate":true"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","exchange_rate":null"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","returns":null"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","returns":[]"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","returns":[{"id":"R1","date":"2025-09-20T14:00:00+08:00","lines":[{"sku":"A","qty":1}]}]"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","returns":{}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","flags":{"sample":true,"cod":null,"x":1}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","flags":"yes""#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","flags":{"sample":"yes"}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","flags":{"sample":true},"flags":7"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"name":"A","email":null,"phone":60123,"address":{"line1":"1","postcode":50000,"country":null}}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"name":"A","address":"somewhere"}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":[1]"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"name":true}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"address":{"city":[]}}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":{"requested":true,"tin":"IG12345678090","id_type":"Nric","id_value":"050101141234","sst_number":null,"x":{}}}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":{"tin":"","id_type":"","requested":null}}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":null}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":{"tin":"T"},"einvoice":{}}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":{"id_type":"IC"}}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":{"id_type":"IC","id_type":"army"}}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":{"id_type":"nr\u0131c"}}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":{"requested":"yes"}}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":{"tin":123}}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":{"id_value":false}}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":[]}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":"x","buyer":{"einvoice":"yes"}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","buyer":{"einvoice":"yes"},"buyer":{"name":"A"}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","flags":{"einvoice_issued_by_platform":true}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","flags":{"einvoice_issued_by_platform":"true"}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","flags":{"einvoice_issued_by_platform":true},"flags":{"sample":true}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","shipping":{"fee":"8.00","seller_discount":null,"platform_discount":"3"}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","shipping":{"fee":"-8.00"}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","shipping":{"fee":"-0.00"}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","shipping":{"fee":8.5}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","shipping":{"fee":"8.505"}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","shipping":{"fee":"1,200.00"}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","shipping":null"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","vouchers":{"seller":"1.00","platform":"2.5","coins":null}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","vouchers":{"coins":false}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","tax":{"prices_include_tax":false,"charged":"1.20"}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","tax":{"prices_include_tax":null,"charged":null}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","tax":{"charged":"-1.20"}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","tax":{"prices_include_tax":"yes"}"#), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","payment":{"method":"Card","buyer_paid":"10.00"}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","payment":{"method":7,"buyer_paid":null}"#), true),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","payment":{"buyer_paid":10}"#), false),
        (base.replacingOccurrences(of: #""dates":{"ordered":"2025-09-15T10:21:00+08:00"}"#, with: #""dates":{"ordered":"2025-09-15T10:21:00+08:00","paid":null,"shipped":"2025-09-16","completed":"2025-09-17T10:00:00Z"}"#), true),
        (base.replacingOccurrences(of: #""dates":{"ordered":"2025-09-15T10:21:00+08:00"}"#, with: #""dates":{"ordered":null}"#), false),
        (base.replacingOccurrences(of: #""dates":{"ordered":"2025-09-15T10:21:00+08:00"}"#, with: #""dates":{"paid":"2025-09-15T10:21:00+08:00"}"#), false),
        (base.replacingOccurrences(of: #""dates":{"ordered":"2025-09-15T10:21:00+08:00"}"#, with: #""dates":{"ordered":"15/09/2025"}"#), false),
        (base.replacingOccurrences(of: #""dates":{"ordered":"2025-09-15T10:21:00+08:00"}"#, with: #""dates":"2025-09-15""#), false),
        (base.replacingOccurrences(of: #""dates":{"ordered":"2025-09-15T10:21:00+08:00"}"#, with: #""dates":{"ordered":"2025-09-15T10:21:00+08:00","shipped":5}"#), false),
        (base.replacingOccurrences(of: #""lines":[{"sku":"A","qty":1,"unit_price":"10.00"}]"#, with: #""lines":[]"#), false),
        (base.replacingOccurrences(of: #""lines":[{"sku":"A","qty":1,"unit_price":"10.00"}]"#, with: #""lines":{}"#), false),
        (base.replacingOccurrences(of: #""lines":[{"sku":"A","qty":1,"unit_price":"10.00"}]"#, with: #""lines":[7]"#), false),
        (base.replacingOccurrences(of: #""qty":1"#, with: #""qty":0"#), false),
        (base.replacingOccurrences(of: #""qty":1"#, with: #""qty":-1"#), false),
        (base.replacingOccurrences(of: #""qty":1"#, with: #""qty":1.0"#), false),
        (base.replacingOccurrences(of: #""qty":1"#, with: #""qty":"1""#), false),
        (base.replacingOccurrences(of: #""qty":1"#, with: #""qty":99999999999999999999"#), false),
        (base.replacingOccurrences(of: #""qty":1,"#, with: ""), false),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":null"#), false),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"-10.00""#), false),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","seller_discount":"1.00","platform_discount":null,"variation":12.5,"name":42"#), true),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","name":"""#), true),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","name":4.2"#), false),
        (base.replacingOccurrences(of: #""sku":"A""#, with: #""sku":"""#), false),
        (base.replacingOccurrences(of: #""sku":"A""#, with: #""sku":true"#), false),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","serial_numbers":["S1","S\n2"]"#), true),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","serial_numbers":["S1",2]"#), false),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","serial_numbers":"S1""#), false),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","serial_numbers":null,"bundle":null"#), true),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","bundle":[{"sku":"B","name":"b","qty":2},{"sku":7,"qty":1,"extra":[{}]}]"#), true),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","bundle":[{"sku":"B","qty":0}]"#), false),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","bundle":[{"name":"b","qty":1}]"#), false),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","bundle":["B"]"#), false),
        (base.replacingOccurrences(of: #""unit_price":"10.00""#, with: #""unit_price":"10.00","bundle":{}"#), false),
        (base.replacingOccurrences(of: #""sku":"A""#, with: "\"sku\":\"A\u{09}B\""), false),
        (base.replacingOccurrences(of: #""sku":"A""#, with: #""sku":"A\tB""#), true),
        (#"["not an order"]"#, false),
        (#""just a string""#, false),
        ("{", false),
        ("{}", false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","deep":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600)), false),
        (base.replacingOccurrences(of: #""store":"s""#, with: #""store":"s","deep":"# + String(repeating: "[", count: 500) + String(repeating: "]", count: 500)), true),
    ]

    @Test("hand-made tricky records read the same both ways", arguments: tricky.indices)
    func trickyRecord(_ index: Int) throws {
        let (record, fast) = Self.tricky[index]
        let decodedFast = try Self.expectSameBothWays(Array(record.utf8) + [UInt8(ascii: "\n")], "tricky[\(index)]")
        #expect(decodedFast == (fast ? 1 : 0), "tricky[\(index)] \(record.prefix(200))")
    }

    @Test("invalid UTF-8, a BOM, CRLF and blank lines read the same both ways")
    func bytesAroundRecords() throws {
        let good = Array(Self.base.utf8)
        let store = try #require(Self.base.range(of: #""store":"s""#))
        let before = Array(Self.base[..<store.upperBound].utf8) + Array(#","k":""#.utf8)
        let after = Array(#"""#.utf8) + Array(Self.base[store.upperBound...].utf8)
        let invalid = before + [0xC3, 0x28] + after
        let overlong = before + [0xC0, 0xAF] + after
        #expect(Self.fastDecodes(before + [0xC3, 0xA9] + after))
        #expect(!Self.fastDecodes(invalid))
        #expect(!Self.fastDecodes(overlong))
        let newline = UInt8(ascii: "\n")
        let crlf: [UInt8] = [0x0D, 0x0A]
        let file: [UInt8] = [0xEF, 0xBB, 0xBF] + good + crlf + [newline, UInt8(ascii: " "), newline] + invalid + [newline] + overlong + crlf
            + [0xEF, 0xBB, 0xBF] + good + [newline] + good + [0x0D, 0x0D, newline] + good
        try Self.expectSameBothWays(file)
        let (fast, _) = try Self.bothWays(file)
        #expect(fast.map(\.location.line) == [1, 4, 5, 6, 7, 8])
        #expect(fast.map { (try? $0.result.get()) != nil } == [true, false, false, false, true, true])
    }

    @Test("a JSON array file is read as before, not through the fast path")
    func arrayFile() throws {
        let lines = Self.exampleLines.prefix(5).map { String(decoding: $0, as: UTF8.self) }
        let bytes = Array(("[\n" + lines.joined(separator: ",\n") + "\n]\n").utf8)
        let count = try Self.expectSameBothWays(bytes)
        #expect(count == 0)
        #expect(try Self.bothWays(bytes).fast.compactMap { try? $0.result.get() }.count == 5)
    }

    @Test("seeded mutations of the example orders read the same both ways")
    func mutations() throws {
        var random = SplitMix64(seed: 13)
        let interestingBytes: [UInt8] = Array(#"{}[]:,"\ -.0129eEnulltrfa/u"#.utf8) + [0x00, 0x0A, 0x0D, 0x09, 0x7F, 0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xF0, 0xFF]
        let replacementValues = [#"null"#, #""""#, #""-1.00""#, #"1"#, #"0"#, #"-3"#, #""1.5""#, #"[]"#, #"{}"#, #"true"#, #""abc""#, #""12.345""#,
                                 #""2025-13-01T00:00:00+08:00""#, #""2025-09-01""#, #"[{"sku":"X","qty":1}]"#, #"1e2"#, #""\u00e9""#, #"12345"#]
        var fastTaken = 0
        var fullOnly = 0
        for round in 0..<3000 {
            var line = Self.exampleLines[Int(random.next() % UInt64(Self.exampleLines.count))]
            let edits = 1 + Int(random.next() % 3)
            for _ in 0..<edits where !line.isEmpty {
                let position = Int(random.next() % UInt64(line.count))
                switch random.next() % 5 {
                case 0: line[position] = interestingBytes[Int(random.next() % UInt64(interestingBytes.count))]
                case 1: line.remove(at: position)
                case 2: line.insert(interestingBytes[Int(random.next() % UInt64(interestingBytes.count))], at: position)
                default:
                    // Replace the value after a key (a `":` boundary) with another JSON value, to hit field rules
                    // rather than syntax.
                    guard let colon = line[position...].firstIndex(of: UInt8(ascii: ":")) else { break }
                    var end = colon + 1
                    var depth = 0
                    var inString = false
                    while end < line.count {
                        let byte = line[end]
                        if inString {
                            if byte == UInt8(ascii: "\\") { end += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
                        } else if byte == UInt8(ascii: "\"") {
                            inString = true
                        } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                            depth += 1
                        } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: ",") {
                            if depth == 0 { break }
                            if byte != UInt8(ascii: ",") { depth -= 1 }
                        }
                        end += 1
                    }
                    let value = replacementValues[Int(random.next() % UInt64(replacementValues.count))]
                    line.replaceSubrange((colon + 1)..<min(end, line.count), with: Array(value.utf8))
                }
            }
            if Self.fastDecodes(line) { fastTaken += 1 } else { fullOnly += 1 }
            try Self.expectSameBothWays(line + [UInt8(ascii: "\n")], "mutation \(round): \(String(decoding: line, as: UTF8.self))")
        }
        // Both ways must really have been exercised, not only the fallback.
        #expect(fastTaken > 300)
        #expect(fullOnly > 300)
    }
}
