import LedgerCore
import LedgerJSON
@testable import OrderIO
import Testing

/// `buyer.einvoice` and `flags.einvoice_issued_by_platform` (issue 15): what a user writes, what the order then
/// carries, and the located message for each mistake — read both ways (`OrderByteDecoder` and the full
/// `JSONParser` + `OrderDecoder`), which must agree.
@Suite("The buyer's e-invoice request and identifiers in an order")
struct BuyerEInvoiceDecodingTests {
    static let base = #"{"id":"SG-1","order_number":"N1","channel":"shopee","store":"s","status":"completed","dates":{"ordered":"2025-09-15T10:21:00+08:00"},"flags":{"sample":false},"buyer":{"name":"Tan Ah Kow","address":{"country":"MY"}},"lines":[{"sku":"A","qty":1,"unit_price":"10.00"}]}"#

    /// The base order with `einvoice` as the buyer's e-invoice object (raw JSON text).
    static func withEInvoice(_ einvoice: String) -> String {
        base.replacingOccurrences(of: #""buyer":{"name":"Tan Ah Kow","#, with: #""buyer":{"name":"Tan Ah Kow","einvoice":\#(einvoice),"#)
    }

    static func withFlags(_ flags: String) -> String {
        base.replacingOccurrences(of: #""flags":{"sample":false}"#, with: #""flags":\#(flags)"#)
    }

    /// The order read the full way; also checks the fast way reads the same order or, when it declines, leaves
    /// the record to the full way. `fast` says whether the fast way is expected to take it.
    static func decodeBothWays(_ json: String, fast: Bool? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Result<Order, OrderDecoder.Failure> {
        let full = OrderDecoder().decode(try JSONParser.parse(json), at: SourceLocation(file: "orders.jsonl", line: 1))
        let bytes = Array(json.utf8)
        let fastOrder = bytes.withUnsafeBufferPointer { OrderByteDecoder.decode($0, maxDepth: 512) }
        if let fastOrder {
            #expect(fastOrder == (try? full.get()), "the fast way read an order the full way reads differently or not at all", sourceLocation: sourceLocation)
        }
        if let fast { #expect((fastOrder != nil) == fast, "fast path taken: \(fastOrder != nil)", sourceLocation: sourceLocation) }
        try OrderByteDecoderTests.expectSameBothWays(bytes + [UInt8(ascii: "\n")], json, sourceLocation: sourceLocation)
        return full
    }

    @Test("an order without the object has no e-invoice details and is not issued by the platform")
    func absentByDefault() throws {
        let order = try Self.decodeBothWays(Self.base, fast: true).get()
        #expect(order.buyer.einvoice == nil)
        #expect(order.einvoiceIssuedByPlatform == false)
        let nullObject = try Self.decodeBothWays(Self.withEInvoice("null"), fast: true).get()
        #expect(nullObject.buyer.einvoice == nil)
    }

    @Test("every field reads, the ID type in upper case, and the buyer's other fields stay where they are")
    func readsEveryField() throws {
        let json = Self.withEInvoice(#"{"requested":true,"tin":"IG12345678090","id_type":"nric","id_value":"050101141234","sst_number":"W10-1808-32000123","x":[1]}"#)
        let order = try Self.decodeBothWays(json, fast: true).get()
        #expect(order.buyer.einvoice == BuyerEInvoice(requested: true, tin: "IG12345678090", idType: .nric, idValue: "050101141234",
                                                      sstNumber: "W10-1808-32000123"))
        #expect(order.buyer.einvoice?.idType?.rawValue == "NRIC")
        #expect(order.buyer.name == "Tan Ah Kow")
        #expect(order.buyer.address?.country == "MY")
    }

    @Test("the ID type is read in any case of its letters and kept in upper case", arguments: [
        ("NRIC", EInvoiceIDType.nric), ("Passport", .passport), ("brn", .brn), ("aRmY", .army),
    ])
    func idTypeCase(written: String, expected: EInvoiceIDType) throws {
        let order = try Self.decodeBothWays(Self.withEInvoice(#"{"id_type":"\#(written)"}"#), fast: true).get()
        #expect(order.buyer.einvoice?.idType == expected)
        #expect(order.buyer.einvoice?.idType?.rawValue == written.uppercased())
    }

    @Test("defaults: requested is false when absent or null; null and empty text read as not given")
    func defaults() throws {
        let empty = try Self.decodeBothWays(Self.withEInvoice("{}"), fast: true).get()
        #expect(empty.buyer.einvoice == BuyerEInvoice())
        #expect(empty.buyer.einvoice?.requested == false)
        let nulls = try Self.decodeBothWays(Self.withEInvoice(#"{"requested":null,"tin":null,"id_type":null,"id_value":null,"sst_number":null}"#), fast: true).get()
        #expect(nulls.buyer.einvoice == BuyerEInvoice())
        let blanks = try Self.decodeBothWays(Self.withEInvoice(#"{"requested":false,"tin":"","id_type":"","id_value":"","sst_number":""}"#), fast: true).get()
        #expect(blanks.buyer.einvoice == BuyerEInvoice())
    }

    @Test("TIN formats are not judged when the order is read")
    func noTINValidation() throws {
        let order = try Self.decodeBothWays(Self.withEInvoice(#"{"requested":true,"tin":"not a tin","id_type":"PASSPORT","id_value":"A1234567"}"#), fast: true).get()
        #expect(order.buyer.einvoice?.tin == "not a tin")
        #expect(order.buyer.einvoice?.idType == .passport)
    }

    @Test("flags.einvoice_issued_by_platform reads true, false or null (false)", arguments: [
        (#"{"einvoice_issued_by_platform":true}"#, true), (#"{"einvoice_issued_by_platform":false}"#, false),
        (#"{"einvoice_issued_by_platform":null,"cod":true}"#, false), (#"{"sample":true}"#, false),
        (#"{"einvoice_issued_by_platform":true},"flags":{"cod":true}"#, false),
    ])
    func issuedByPlatform(flags: String, expected: Bool) throws {
        let order = try Self.decodeBothWays(Self.withFlags(flags), fast: true).get()
        #expect(order.einvoiceIssuedByPlatform == expected)
    }

    @Test("a key given twice counts with its last value, both ways")
    func duplicateKeys() throws {
        let idType = try Self.decodeBothWays(Self.withEInvoice(#"{"id_type":"IC","id_type":"brn"}"#)).get()
        #expect(idType.buyer.einvoice?.idType == .brn)
        let object = try Self.decodeBothWays(Self.withEInvoice(#"{"tin":"T1"},"einvoice":null"#), fast: true).get()
        #expect(object.buyer.einvoice == nil)
        let requested = try Self.decodeBothWays(Self.withEInvoice(#"{"requested":true,"requested":null}"#), fast: true).get()
        #expect(requested.buyer.einvoice?.requested == false)
    }

    @Test("each mistake is refused at its line and field, saying what to do; the next order still reads", arguments: [
        (#"{"id_type":"IC"}"#, "order SG-1: buyer.einvoice.id_type 'IC' is not one of NRIC, PASSPORT, BRN, ARMY (did you mean 'NRIC'?); a MyKad number is NRIC, a business registration number BRN", "buyer.einvoice.id_type"),
        (#"{"id_type":"MyKad"}"#, "order SG-1: buyer.einvoice.id_type 'MyKad' is not one of NRIC, PASSPORT, BRN, ARMY; a MyKad number is NRIC, a business registration number BRN", "buyer.einvoice.id_type"),
        (#"{"id_type":"nrıc"}"#, "order SG-1: buyer.einvoice.id_type 'nrıc' is not one of NRIC, PASSPORT, BRN, ARMY (did you mean 'NRIC'?); a MyKad number is NRIC, a business registration number BRN", "buyer.einvoice.id_type"),
        (#"{"id_type":1}"#, "order SG-1: buyer.einvoice.id_type must be a string, found the number 1; write it in quotes, exactly as on the document, so no leading zero is lost", "buyer.einvoice.id_type"),
        (#"{"requested":"yes"}"#, "order SG-1: buyer.einvoice.requested must be true or false, found a string", "buyer.einvoice.requested"),
        (#"{"requested":1}"#, "order SG-1: buyer.einvoice.requested must be true or false, found a number", "buyer.einvoice.requested"),
        (#"{"tin":true}"#, "order SG-1: buyer.einvoice.tin must be a string, found a boolean", "buyer.einvoice.tin"),
        (#"{"tin":["IG1"]}"#, "order SG-1: buyer.einvoice.tin must be a string, found an array", "buyer.einvoice.tin"),
        (#"{"id_value":50101141234}"#, "order SG-1: buyer.einvoice.id_value must be a string, found the number 50101141234; write it in quotes, exactly as on the document, so no leading zero is lost", "buyer.einvoice.id_value"),
        (#"{"sst_number":{}}"#, "order SG-1: buyer.einvoice.sst_number must be a string, found an object", "buyer.einvoice.sst_number"),
        (#""yes""#, "order SG-1: buyer.einvoice must be an object {requested, tin, id_type, id_value, sst_number}, found a string", "buyer.einvoice"),
        (#"true"#, "order SG-1: buyer.einvoice must be an object {requested, tin, id_type, id_value, sst_number}, found a boolean", "buyer.einvoice"),
    ])
    func locatedErrors(einvoice: String, message: String, keyPath: String) throws {
        try expectRefused(Self.withEInvoice(einvoice), message: message, keyPath: keyPath)
    }

    @Test("a flag that is not a boolean is refused at its line and field")
    func flagError() throws {
        try expectRefused(Self.withFlags(#"{"einvoice_issued_by_platform":"yes"}"#),
                          message: "order SG-1: flags.einvoice_issued_by_platform must be true or false, found a string",
                          keyPath: "flags.einvoice_issued_by_platform")
    }

    @Test("every mistake of the object is listed, not only the first")
    func allMistakes() throws {
        let failure = try #require(try Self.decodeBothWays(Self.withEInvoice(#"{"requested":"y","tin":1,"id_type":"X"}"#), fast: false).failure)
        #expect(failure.diagnostics.map(\.keyPath) == ["buyer.einvoice.requested", "buyer.einvoice.tin", "buyer.einvoice.id_type"])
    }

    /// `bad` on line 2 of a file between two good orders: refused with exactly `message` at line 2 and `keyPath`,
    /// both ways, while the orders around it read.
    func expectRefused(_ bad: String, message: String, keyPath: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let failure = try #require(try Self.decodeBothWays(bad, fast: false, sourceLocation: sourceLocation).failure, sourceLocation: sourceLocation)
        #expect(failure.diagnostics.map(\.message) == [message], sourceLocation: sourceLocation)
        let text = Self.base.replacingOccurrences(of: "SG-1", with: "SG-0") + "\n" + bad + "\n" + Self.base.replacingOccurrences(of: "SG-1", with: "SG-2") + "\n"
        try OrderByteDecoderTests.expectSameBothWays(Array(text.utf8), bad, sourceLocation: sourceLocation)
        var records: [OrderRecord] = []
        try OrderSource(bytes: Array(text.utf8), displayPath: "orders.jsonl").forEach { records.append($0) }
        #expect(records.count == 3, sourceLocation: sourceLocation)
        #expect((try? records[0].result.get())?.id == "SG-0", sourceLocation: sourceLocation)
        #expect((try? records[2].result.get())?.id == "SG-2", sourceLocation: sourceLocation)
        let located = try #require(records[1].result.failure, sourceLocation: sourceLocation)
        #expect(located.orderID == "SG-1", sourceLocation: sourceLocation)
        #expect(located.diagnostics.map(\.message) == [message], sourceLocation: sourceLocation)
        #expect(located.diagnostics.map(\.keyPath) == [keyPath], sourceLocation: sourceLocation)
        #expect(located.diagnostics.map(\.location?.description) == ["orders.jsonl:2"], sourceLocation: sourceLocation)
        #expect(located.diagnostics.map(\.code) == ["invalid-order"], sourceLocation: sourceLocation)
        #expect(located.diagnostics.first?.description.contains("orders.jsonl:2: error: \(message) (at \(keyPath))") == true,
                "\(located.diagnostics.first?.description ?? "")", sourceLocation: sourceLocation)
    }
}

private extension Result {
    var failure: Failure? { if case .failure(let error) = self { return error } else { return nil } }
}
