import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import TestSupport
import Testing
import Transform

/// `transform` writes a payload straight from its typed fields, while plan, apply and explain read it as a JSON
/// object: the two must be the same document, byte for byte.
@Suite("Typed invoice payloads")
struct InvoiceContentTests {
    func expectSameBytes(_ document: SalesInvoiceDocument, _ comment: Comment? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        var direct: [UInt8] = Array("prefix ".utf8)
        document.appendPayloadJSON(to: &direct)
        let viaObject = Array("prefix ".utf8) + JSONWriter.compactBytes(.object(document.payload))
        #expect(String(decoding: direct, as: UTF8.self) == String(decoding: viaObject, as: UTF8.self), comment, sourceLocation: sourceLocation)
    }

    @Test("every example order's invoice is written the same straight from its fields as through its JSON object")
    func exampleOrders() throws {
        let graph = try examplePack()
        var session = TransformSession()
        var documents = 0
        try OrderSource(path: Golden.packageRoot + "/examples/orders/2025-09.jsonl").forEach { record in
            guard case .success(let order) = record.result else { return }
            let outcome = graph.run(order, source: record.location, options: TransformOptions(asOf: asOf), session: &session)
            guard let document = outcome.document else { return }
            documents += 1
            expectSameBytes(document, "order \(order.id)")
        }
        #expect(documents > 40)
    }

    @Test("a cut description kept in full, escaped text, a company name, serial numbers and negative amounts")
    func unusualFields() throws {
        let graph = try compilePack(minimalPack(defaults: "company_name: \"Acme \\\"Living\\\" {store}\"", extra: """
            matching:
              items:
                - {sku: TBL, code: "TBL\\\\01"}
            """))
        let name = "Table \"Oak\"\n\t\u{01} 桌子 " + longProductName
        let order = sampleOrder(lines: [OrderLine(sku: "TBL", name: name, variation: nil, qty: 2, unitPrice: rm("100.00"),
                                                  sellerDiscount: rm("10.00"), serialNumbers: ["SN-1", "SN\"2"])],
                                vouchers: Vouchers(seller: rm("5.00")))
        let outcome = transform(order, with: graph)
        let document = try #require(outcome.document)
        let line = try #require(outcome.lines.first)
        #expect(line.text("description3") == name)
        #expect(outcome.payload?.text("companyname") == "Acme \"Living\" shop-my")
        #expect(outcome.lines.contains { $0.text("unitprice") == "-5.00" })
        expectSameBytes(document)
    }

    @Test("a credit note's invoice reference, and a payload changed as a JSON object is written as changed")
    func creditNoteAndChangedPayload() throws {
        let graph = try compilePack(minimalPack(extra: """
            matching:
              items:
                - {sku: MUG-01, code: MUG}
            returns:
              other_item: REFUND
            """))
        let order = try decodeOrder("""
            {"id":"SG-1","order_number":"2509A","channel":"shopee","store":"shop-my","status":"completed",
             "dates":{"ordered":"2025-09-01T10:00:00+08:00"},
             "lines":[{"sku":"MUG-01","name":"Mug","qty":3,"unit_price":"30.00","seller_discount":"3.00"}],
             "returns":[{"id":"R1","date":"2025-10-03T09:00:00+08:00","lines":[{"sku":"MUG-01","qty":1}]}]}
            """)
        var session = TransformSession()
        let outcomes = graph.creditNotes(for: order, invoiceKey: "LS-SG-1", invoiceDocno: "IV-00007",
                                         options: TransformOptions(asOf: asOf), session: &session)
        var document = try #require(outcomes.first?.document)
        #expect(document.payload["docref2"] == .string("IV-00007"))
        #expect(document.docamt == rm("29.00"))
        expectSameBytes(document)

        document.payload["sdsknockoff"] = .array([.object(["doctype": .string("IV"), "koamt": .string("29.00")])])
        document.payload["docamt"] = .string("28.00")
        #expect(document.docamt == rm("28.00"))
        var written: [UInt8] = []
        document.appendPayloadJSON(to: &written)
        let text = String(decoding: written, as: UTF8.self)
        #expect(text.hasSuffix(#","sdsknockoff":[{"doctype":"IV","koamt":"29.00"}]}"#))
        #expect(text.contains(#""docamt":"28.00""#))
    }

    @Test("templates fill placeholders, keep an unclosed one as written, and read non-ASCII text whole",
          arguments: [
              ("{channel} order {order_number}", "Shopee order 250915ABCD"),
              ("{a{id}x", "SG-1x"),
              ("{store} {unclosed", "shop-my {unclosed"),
              ("a}b{id}", "a}bSG-1"),
              ("订单 {order_number} ✓ {buyer_name}/{payment_method}", "订单 250915ABCD ✓ Tan Ah Kow/ShopeePay"),
              ("{store}:{currency}:{status}", "shop-my:MYR:completed"),
          ])
    func templates(template: String, expected: String) throws {
        let graph = try compilePack(minimalPack(defaults: "description: \"\(template)\""))
        #expect(transform(sampleOrder(), with: graph).payload?.text("description") == expected)
        // A rule's value is a template too, split when the pack was compiled like the defaults.
        let ruled = try compilePack(minimalPack(extra: """
            rules:
              - name: all
                when: 'order.channel == "shopee"'
                set: {description: "\(template)"}
            """))
        #expect(transform(sampleOrder(), with: ruled).payload?.text("description") == expected)
    }
}
