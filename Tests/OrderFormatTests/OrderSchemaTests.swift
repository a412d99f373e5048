import Foundation
import LedgerCore
import LedgerJSON
import OrderImport
import OrderIO
import RulePack
import TestSupport
import Testing

/// `Docs/order.schema.json` and `Docs/OrderFormat.md` describe what `OrderDecoder` accepts. These tests hold
/// the three together: the example orders, every malformed line of `bad-orders.jsonl`, single-field changes
/// of a valid order, and the few documented places where schema and decoder knowingly differ.
@Suite("The documented order format against the decoder and the example orders")
struct OrderSchemaTests {
    static func file(_ relativePath: String) throws -> String {
        let path = (Golden.packageRoot as NSString).appendingPathComponent(relativePath)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    func schema() throws -> SchemaValidator { try SchemaValidator(schemaText: Self.file("Docs/order.schema.json")) }

    func records(_ relativePath: String) throws -> [OrderRecord] {
        let source = try OrderSource(path: (Golden.packageRoot as NSString).appendingPathComponent(relativePath), displayPath: relativePath)
        var all: [OrderRecord] = []
        try source.forEach { all.append($0) }
        return all
    }

    /// The decoder's verdict on one order: nil when it reads, else the key paths it names.
    func decoderPaths(_ json: String) throws -> [String]? {
        var record: OrderRecord?
        try OrderSource(bytes: Array(json.utf8), displayPath: "order.json").forEach { record = record ?? $0 }
        switch try #require(record).result {
        case .success: return nil
        case .failure(let failure): return failure.diagnostics.map { $0.keyPath ?? "" }
        }
    }

    /// The schema's verdict in the same form: nil when valid, else the paths of its violations.
    func schemaPaths(_ json: String, _ validator: SchemaValidator) throws -> [String]? {
        let violations = validator.validate(try JSONParser.parse(json))
        return violations.isEmpty ? nil : violations.map(\.path)
    }

    // MARK: the example files

    @Test("every order of examples/orders/2025-09.jsonl is valid under the schema and reads")
    func exampleOrdersValidate() throws {
        let validator = try schema()
        let all = try records("examples/orders/2025-09.jsonl")
        #expect(all.count == 68)
        for record in all {
            let raw = try #require(record.raw, "\(record.location) is not JSON")
            #expect(validator.validate(raw) == [], "\(record.location)")
            #expect((try? record.result.get()) != nil, "\(record.location) does not decode")
        }
    }

    @Test("every order imported from the example exports is valid under the schema", arguments: [
        ("shopee", "shopee-Order.all.20250901_20250930.xlsx", 17), ("lazada", "lazada-orders-2025-09.xlsx", 11), ("tiktok", "tiktok-orders-2025-09.csv", 9),
        ("shopify", "shopify-orders_export.csv", 6), ("woocommerce", "woocommerce-orders-2025-09.csv", 5),
    ])
    func importedOrdersValidate(mapping name: String, export: String, count: Int) throws {
        let root = Golden.packageRoot
        let loader = ImportMappingLoader(displayBase: root, builtinDirectory: root + "/rules/imports")
        let mapping = try loader.load(path: "rules/acme-living/imports/\(name).yaml").get()
        let importer = try OrderImporter(mapping: mapping, path: root + "/examples/exports/" + export, displayPath: export)
        let validator = try schema()
        var imported = 0
        while let record = try importer.next() {
            let raw = try #require(record.raw, "\(record.location) did not import")
            #expect(validator.validate(raw) == [], "\(record.location)")
            imported += 1
        }
        #expect(imported == count)
    }

    /// bad-orders.README.md: line → the one field that is wrong (nil: a valid order).
    static let badOrderVerdicts: [Int: String?] = [
        1: nil, 2: "lines[0].unit_price", 3: nil, 4: "lines[1].qty", 5: "lines[0].unit_price",
        6: "channel", 7: "id", 9: nil, 10: "lines",
    ]

    @Test("bad-orders.jsonl: the valid lines pass, each structural fault is rejected at the field the decoder names")
    func badOrders() throws {
        let validator = try schema()
        let all = try records("examples/orders/bad-orders.jsonl")
        #expect(all.count == 10)
        for (index, record) in all.enumerated() {
            let line = index + 1
            guard let raw = record.raw else {
                // Line 8 is truncated JSON: there is no value for a schema to judge. The reader rejects it first.
                #expect(line == 8)
                let failure = try #require(record.result.failure)
                #expect(failure.diagnostics.map(\.code) == ["invalid-json"])
                continue
            }
            let expected = try #require(Self.badOrderVerdicts[line], "line \(line) is not in the table")
            let found = validator.validate(raw).map(\.path)
            switch (expected, record.result) {
            case (nil, .success):
                #expect(found == [], "line \(line)")
            case (let path?, .failure(let failure)):
                #expect(found == [path], "line \(line): \(validator.validate(raw))")
                #expect(failure.diagnostics.map { $0.keyPath ?? "" } == [path], "line \(line): the decoder names another field")
            default:
                Issue.record("line \(line): the decoder's verdict \(record.result) disagrees with bad-orders.README.md")
            }
        }
    }

    // MARK: single-field changes: the schema says what the decoder says

    static let base = #"{"id":"SG-1000901","order_number":"2509106WYKMKF9","channel":"shopee","store":"shopee-acme-my","currency":"MYR","status":"completed","dates":{"ordered":"2025-09-10T16:37:12+08:00","paid":"2025-09-10T16:47:43+08:00","shipped":"2025-09-11T16:10:11+08:00","completed":"2025-09-14T11:42:19+08:00"},"flags":{"sample":false,"cod":false},"buyer":{"name":"Chan Wai Kit","email":"chan.wai@example.com","phone":"+60169894593","address":{"line1":"90, Jalan Song","city":"Kuching","state":"Sarawak","postcode":"93350","country":"MY"}},"lines":[{"sku":"CUSH-45-BLU","name":"Cushion 45cm Blue","variation":"45x45cm / Blue","qty":2,"unit_price":"25.50","seller_discount":"0.00","platform_discount":"0.00","serial_numbers":[],"bundle":null}],"shipping":{"fee":"4.90","seller_discount":"0.00","platform_discount":"4.90"},"vouchers":{"seller":"0.00","platform":"2.00","coins":"0.50"},"tax":{"prices_include_tax":true},"payment":{"method":"ShopeePay","buyer_paid":"77.50"}}"#

    static func changed(_ original: String, _ replacement: String) -> String {
        guard let range = base.range(of: original) else { return "(\(original) is not in the base order)" }
        return base.replacingCharacters(in: range, with: replacement)
    }

    /// (text in the base order, its replacement, the path both must name; nil = both accept)
    static let agreements: [(String, String, String?)] = [
        (#""qty":2"#, #""qty":"2""#, "lines[0].qty"),
        (#""qty":2"#, #""qty":1.5"#, "lines[0].qty"),
        (#""qty":2"#, #""qty":2.0"#, "lines[0].qty"),
        (#""qty":2"#, #""qty":0"#, "lines[0].qty"),
        (#""qty":2,"#, "", "lines[0].qty"),
        (#""unit_price":"25.50""#, #""unit_price":"-25.50""#, "lines[0].unit_price"),
        (#""unit_price":"25.50""#, #""unit_price":"25.505""#, "lines[0].unit_price"),
        (#""unit_price":"25.50""#, #""unit_price":".50""#, "lines[0].unit_price"),
        (#""unit_price":"25.50""#, #""unit_price":"25.""#, "lines[0].unit_price"),
        (#""unit_price":"25.50""#, #""unit_price":"25""#, nil),
        (#""unit_price":"25.50""#, #""unit_price":"25.5""#, nil),
        (#""unit_price":"25.50""#, #""unit_price":null"#, "lines[0].unit_price"),
        (#""seller_discount":"0.00""#, #""seller_discount":null"#, nil),
        (#""platform_discount":"0.00","#, "", nil),
        (#""currency":"MYR""#, #""currency":"RM""#, "currency"),
        (#""currency":"MYR""#, #""currency":"""#, "currency"),
        (#""currency":"MYR","#, "", nil),
        (#""currency":"MYR""#, #""currency":null"#, nil),
        (#""currency":"MYR""#, #""currency":"SGD""#, nil),
        (#""status":"completed""#, #""status":"done""#, "status"),
        (#""status":"completed""#, #""status":"Completed""#, "status"),
        (#""channel":"shopee""#, #""channel":"Shopee""#, "channel"),
        (#""channel":"shopee""#, #""channel":"other""#, nil),
        (#""id":"SG-1000901""#, #""id":"""#, "id"),
        (#""id":"SG-1000901""#, #""id":1000901"#, nil),
        (#""id":"SG-1000901""#, #""id":-1000901"#, "id"),
        (#""id":"SG-1000901""#, #""id":null"#, "id"),
        (#""order_number":"2509106WYKMKF9","#, "", "order_number"),
        (#""store":"shopee-acme-my""#, #""store":true"#, "store"),
        (#""ordered":"2025-09-10T16:37:12+08:00""#, #""ordered":"2025-09-10T16:37:12""#, "dates.ordered"),
        (#""ordered":"2025-09-10T16:37:12+08:00""#, #""ordered":"10/09/2025""#, "dates.ordered"),
        (#""ordered":"2025-09-10T16:37:12+08:00""#, #""ordered":"2025-09-10T24:00:00+08:00""#, "dates.ordered"),
        (#""ordered":"2025-09-10T16:37:12+08:00""#, #""ordered":"2025-09-10""#, nil),
        (#""ordered":"2025-09-10T16:37:12+08:00""#, #""ordered":"2025-09-10 16:37Z""#, nil),
        (#""ordered":"2025-09-10T16:37:12+08:00""#, #""ordered":"2025-09-10T16:37:12.250+0800""#, nil),
        (#""ordered":"2025-09-10T16:37:12+08:00","#, "", "dates.ordered"),
        (#""paid":"2025-09-10T16:47:43+08:00""#, #""paid":null"#, nil),
        (#""paid":"2025-09-10T16:47:43+08:00""#, #""paid":20250910"#, "dates.paid"),
        (#""sku":"CUSH-45-BLU""#, #""sku":["CUSH-45-BLU"]"#, "lines[0].sku"),
        (#""sku":"CUSH-45-BLU""#, #""sku":"""#, "lines[0].sku"),
        (#""name":"Cushion 45cm Blue""#, #""name":45"#, nil),
        (#""name":"Cushion 45cm Blue""#, #""name":4.5"#, "lines[0].name"),
        (#""name":"Cushion 45cm Blue""#, #""name":"""#, nil),
        (#""variation":"45x45cm / Blue""#, #""variation":45"#, nil),
        (#""variation":"45x45cm / Blue""#, #""variation":true"#, "lines[0].variation"),
        (#""serial_numbers":[]"#, #""serial_numbers":["SN-1",2]"#, "lines[0].serial_numbers[1]"),
        (#""serial_numbers":[]"#, #""serial_numbers":"SN-1""#, "lines[0].serial_numbers"),
        (#""serial_numbers":[]"#, #""serial_numbers":null"#, nil),
        (#""bundle":null"#, #""bundle":[{"sku":"CUSH-45-BLU","name":"Cushion","qty":2}]"#, nil),
        (#""bundle":null"#, #""bundle":[{"sku":"CUSH-45-BLU","qty":2}]"#, nil),
        (#""bundle":null"#, #""bundle":[{"sku":"CUSH-45-BLU","name":"Cushion"}]"#, "lines[0].bundle[0].qty"),
        (#""bundle":null"#, #""bundle":[{"sku":"CUSH-45-BLU","qty":0}]"#, "lines[0].bundle[0].qty"),
        (#""bundle":null"#, #""bundle":[{"name":"Cushion","qty":1}]"#, "lines[0].bundle[0].sku"),
        (#""bundle":null"#, #""bundle":["CUSH-45-BLU"]"#, "lines[0].bundle[0]"),
        (#""bundle":null"#, #""bundle":{}"#, "lines[0].bundle"),
        (#""lines":["#, #""lines":["oops","#, "lines[0]"),
        (#""sample":false"#, #""sample":"no""#, "flags.sample"),
        (#""cod":false"#, #""cod":null"#, nil),
        (#""prices_include_tax":true"#, #""prices_include_tax":"yes""#, "tax.prices_include_tax"),
        (#""prices_include_tax":true"#, #""prices_include_tax":null"#, nil),
        (#""buyer_paid":"77.50""#, #""buyer_paid":77.5"#, "payment.buyer_paid"),
        (#""buyer_paid":"77.50""#, #""buyer_paid":null"#, nil),
        (#""buyer_paid":"77.50""#, #""buyer_paid":"70.00""#, nil),
        (#""method":"ShopeePay""#, #""method":{}"#, "payment.method"),
        (#""phone":"+60169894593""#, #""phone":60169894593"#, nil),
        (#""postcode":"93350""#, #""postcode":["93350"]"#, "buyer.address.postcode"),
        (#""address":{"#, #""address":null,"old_address":{"#, nil),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"requested":true,"tin":"IG12345678090","id_type":"passport","id_value":"A1234567","sst_number":"W10-1808-32000123"},"name":"Chan Wai Kit""#, nil),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"requested":null,"tin":null,"id_type":null,"id_value":null,"sst_number":null},"name":"Chan Wai Kit""#, nil),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"tin":"","id_type":"","id_value":""},"name":"Chan Wai Kit""#, nil),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"id_type":"ArMy","x":1},"name":"Chan Wai Kit""#, nil),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":null,"name":"Chan Wai Kit""#, nil),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"id_type":"IC"},"name":"Chan Wai Kit""#, "buyer.einvoice.id_type"),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"id_type":"NRIC "},"name":"Chan Wai Kit""#, "buyer.einvoice.id_type"),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"id_type":7},"name":"Chan Wai Kit""#, "buyer.einvoice.id_type"),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"requested":"yes"},"name":"Chan Wai Kit""#, "buyer.einvoice.requested"),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"tin":123456789},"name":"Chan Wai Kit""#, "buyer.einvoice.tin"),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"id_value":50101141234},"name":"Chan Wai Kit""#, "buyer.einvoice.id_value"),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":{"sst_number":[]},"name":"Chan Wai Kit""#, "buyer.einvoice.sst_number"),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":"yes","name":"Chan Wai Kit""#, "buyer.einvoice"),
        (#""buyer":{"name":"Chan Wai Kit""#, #""buyer":{"einvoice":[],"name":"Chan Wai Kit""#, "buyer.einvoice"),
        (#""cod":false"#, #""cod":false,"einvoice_issued_by_platform":true"#, nil),
        (#""cod":false"#, #""cod":false,"einvoice_issued_by_platform":null"#, nil),
        (#""cod":false"#, #""cod":false,"einvoice_issued_by_platform":1"#, "flags.einvoice_issued_by_platform"),
        (#""fee":"4.90""#, #""fee":"4,90""#, "shipping.fee"),
        (#""coins":"0.50""#, #""coins":"-0.50""#, "vouchers.coins"),
        (#","payment":{"#, #","exchange_rate":"3.1250","payment":{"#, nil),
        (#","payment":{"#, #","exchange_rate":"0.00","payment":{"#, "exchange_rate"),
        (#","payment":{"#, #","exchange_rate":"-3","payment":{"#, "exchange_rate"),
        (#","payment":{"#, #","exchange_rate":true,"payment":{"#, "exchange_rate"),
        (#","payment":{"#, #","platform_extras":{"anything":[1,2]},"payment":{"#, nil),
    ]

    @Test("a single-field change is accepted or rejected at the same path by schema and decoder", arguments: agreements)
    func schemaAgreesWithDecoder(original: String, replacement: String, path: String?) throws {
        let json = Self.changed(original, replacement)
        #expect(json != Self.base)
        let expected = path.map { [$0] }
        #expect(try decoderPaths(json) == expected, "decoder on \(replacement)")
        #expect(try schemaPaths(json, schema()) == expected, "schema on \(replacement)")
    }

    /// Docs/OrderFormat.md, "Where the schema and the decoder differ": each case, who accepts it, and the
    /// value as the document shows it.
    static let knownDifferences: [(original: String, replacement: String, decoderAccepts: Bool, schemaAccepts: Bool, shown: String)] = [
        // The decoder ignores a non-object flags/buyer/shipping/vouchers/tax/payment; the schema refuses it,
        // because silently dropping the shipping or vouchers of an order changes its money.
        (#""shipping":{"fee":"4.90","seller_discount":"0.00","platform_discount":"4.90"}"#, #""shipping":"free""#, true, false, #""shipping": "free""#),
        (#""flags":{"sample":false,"cod":false}"#, #""flags":true"#, true, false, #""flags": true"#),
        // The decoder reads a digits-only number where it wants text; for a currency that is a number, not a code.
        (#""currency":"MYR""#, #""currency":458"#, true, false, #""currency": 458"#),
        // The decoder takes exchange_rate as a number too; the schema asks for the string, like money.
        (#","payment":{"#, #","exchange_rate":3.125,"payment":{"#, true, false, #""exchange_rate": 3.125"#),
        // Calendar dates and magnitudes a pattern cannot check: the decoder refuses, the schema lets through.
        (#""ordered":"2025-09-10T16:37:12+08:00""#, #""ordered":"2025-02-30T16:37:12+08:00""#, false, true, "2025-02-30"),
        (#""unit_price":"25.50""#, #""unit_price":"10000000000000.00""#, false, true, #""10000000000000.00""#),
        (#""qty":2"#, #""qty":99999999999999999999"#, false, true, "99999999999999999999"),
    ]

    @Test("the documented differences between schema and decoder are exactly as documented", arguments: knownDifferences)
    func knownDifference(original: String, replacement: String, decoderAccepts: Bool, schemaAccepts: Bool, shown: String) throws {
        let json = Self.changed(original, replacement)
        #expect(json != Self.base)
        #expect(try (decoderPaths(json) == nil) == decoderAccepts, "decoder on \(replacement)")
        #expect(try (schemaPaths(json, schema()) == nil) == schemaAccepts, "schema on \(replacement)")
        #expect(try Self.file("Docs/OrderFormat.md").contains(shown), "Docs/OrderFormat.md does not list \(shown)")
    }

    // MARK: the document itself

    @Test("the complete example order in Docs/OrderFormat.md is valid, reads, and obeys the money rule")
    func documentedExample() throws {
        let doc = try Self.file("Docs/OrderFormat.md")
        let start = try #require(doc.range(of: "```json\n"))
        let end = try #require(doc.range(of: "\n```", range: start.upperBound..<doc.endIndex))
        let json = String(doc[start.upperBound..<end.lowerBound])
        #expect(try schemaPaths(json, schema()) == nil)
        // Pretty-printed over many lines, so it is one JSON document rather than a JSON Lines record.
        let order = try OrderDecoder().decode(JSONParser.parse(json), at: nil).get()
        #expect(order.buyerPaid == order.computedBuyerPaid)
        #expect(order.lines.count == 2 && order.lines[1].bundle.count == 2)
    }

    @Test("Docs/OrderFormat.md quotes each message the decoder gives for bad-orders.jsonl word for word")
    func documentedMessages() throws {
        let doc = try Self.file("Docs/OrderFormat.md")
        var count = 0
        for record in try records("examples/orders/bad-orders.jsonl") {
            for diagnostic in record.result.failure?.diagnostics ?? [] {
                count += 1
                #expect(doc.contains(diagnostic.message), "missing from the doc: \(diagnostic.message)")
            }
        }
        #expect(count == 7)
    }
}

extension Result {
    var failure: Failure? { if case .failure(let error) = self { return error } else { return nil } }
}
