import LedgerCore
import LedgerJSON
import OrderIO
import Testing
import Transform

/// A return's credit note is built by the same compiled graph as the invoice: the returned units at their sold price
/// less what is not refunded, the shipping and other refunds on their items, numbered and keyed per return event.
@Suite("Credit notes of returns")
struct CreditNoteTests {
    let graph: TransformGraph

    init() throws {
        graph = try compilePack(minimalPack(extra: """
            matching:
              items:
                - {sku: MUG-01, code: MUG}
              shipping:
                shopee: {enabled: true, code: SHIP, uom: UNIT}
            returns:
              other_item: REFUND
              credit_note_number: {source: custom, prefix: "CN-{store}-", digits: 4}
            """))
    }

    func order(_ returns: String) throws -> Order {
        try decodeOrder("""
            {"id":"SG-1","order_number":"2509A","channel":"shopee","store":"shop-my","status":"completed",
             "dates":{"ordered":"2025-09-01T10:00:00+08:00"},
             "lines":[{"sku":"MUG-01","name":"Mug","qty":3,"unit_price":"30.00","seller_discount":"3.00"}],
             "shipping":{"fee":"5.00"},
             "returns":\(returns)}
            """)
    }

    func creditNotes(_ order: Order) -> [ReturnOutcome] {
        var session = TransformSession()
        return graph.creditNotes(for: order, invoiceKey: "LS-SG-1", invoiceDocno: "IV-00007",
                                 options: TransformOptions(asOf: asOf, recordProvenance: true), session: &session)
    }

    @Test("1 of 3 units: its share of the line, the invoice's item, the return's date, its own key and number")
    func partialReturn() throws {
        let outcomes = creditNotes(try order(#"[{"id":"R1","date":"2025-10-03T09:00:00+08:00","reason":"broken","lines":[{"sku":"MUG-01","qty":1}]}]"#))
        let outcome = try #require(outcomes.first)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let payload = try #require(outcome.document?.payload)
        #expect(payload.text("docno") == "CN-shop-my-0001")
        #expect(payload.text("docdate") == "2025-10-03")
        #expect(payload.text("docref1") == "LS-SG-1-RR1")
        #expect(payload.text("docref2") == "IV-00007")
        #expect(payload.text("description") == "Return R1 of Shopee order 2509A")
        #expect(payload.money("docamt") == Money(parsing: "29.00"))
        let line = try #require(payload["sdsdocdetail"]?.arrayValue?.first?.objectValue)
        #expect(line.text("itemcode") == "MUG" && line.text("qty") == "1.00" && line.text("unitprice") == "30.00" && line.text("disc") == "1.00")
        #expect(outcome.document?.tieOut.tiesOut == true)
        #expect(outcome.document?.provenance.contains { $0.path == "sdsdocdetail[0].qty" && $0.origin.setting.contains("returns[0].lines[0].qty") } == true)
    }

    @Test("a second return is a second credit note with the next number; shipping and goodwill go on their items")
    func twoReturns() throws {
        let outcomes = creditNotes(try order("""
            [{"id":"R1","date":"2025-10-03T09:00:00+08:00","lines":[{"sku":"MUG-01","qty":1,"amount":"25.00"}]},
             {"id":"R2","date":"2025-10-05T09:00:00+08:00","shipping":"5.00","other":[{"description":"Goodwill","amount":"2.50"}],"refunded":"7.50"}]
            """))
        #expect(outcomes.count == 2)
        let second = try #require(outcomes.last?.document?.payload)
        #expect(outcomes.first?.document?.payload.text("docno") == "CN-shop-my-0001")
        #expect(second.text("docno") == "CN-shop-my-0002")
        #expect(second.text("docref1") == "LS-SG-1-RR2")
        let lines = second["sdsdocdetail"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(lines.map { $0.text("itemcode") } == ["SHIP", "REFUND"])
        #expect(lines.map { $0.text("amount") } == ["5.00", "2.50"])
        #expect(second.money("docamt") == Money(parsing: "7.50"))
        #expect(outcomes.last?.warnings.isEmpty == true, "\(outcomes.last?.warnings ?? [])")
    }

    @Test("a credit note key that fits but leaves no room for its refund's -F fails the return, naming returns.idempotency_key")
    func refundKeyTooLong() throws {
        var session = TransformSession()
        // 39 characters with the default {key}-R{return_id}: the credit note's docref1 fits, the refund's would not.
        let key = "LS-" + String(repeating: "9", count: 32)
        let outcomes = graph.creditNotes(for: try order(#"[{"id":"R1","date":"2025-10-03T09:00:00+08:00","lines":[{"sku":"MUG-01","qty":1}]}]"#),
                                         invoiceKey: key, invoiceDocno: "IV-00007", options: TransformOptions(asOf: asOf), session: &session)
        let outcome = try #require(outcomes.first)
        #expect(outcome.document == nil)
        let error = try #require(outcome.errors.first)
        #expect(error.message.hasPrefix("order SG-1 return R1: docref1 '\(key)-RR1' is 39 characters, and its customer refund's ('\(key)-RR1-F') would be 41; SQL Account allows 40: shorten returns.idempotency_key"), "\(error.message)")
        #expect(error.keyPath == "docref1")
    }

    @Test("a goodwill refund with no returns.other_item is an error naming the setting")
    func missingOtherItem() throws {
        let bare = try compilePack(minimalPack())
        var session = TransformSession()
        let outcomes = bare.creditNotes(for: try order(#"[{"id":"G1","date":"2025-10-03T09:00:00+08:00","other":[{"description":"Goodwill","amount":"2.50"}]}]"#),
                                        invoiceKey: "LS-SG-1", invoiceDocno: nil, options: TransformOptions(asOf: asOf), session: &session)
        let error = try #require(outcomes.first?.errors.first)
        #expect(error.message == "order SG-1 return G1: the return refunds 2.50 for 'Goodwill', which is neither goods nor shipping; set returns.other_item (a non-stock item such as REFUND) to credit it to")
        #expect(error.keyPath == "returns[0].other[0]")
    }

    @Test("returning more units than were sold, over all returns, is refused at the order")
    func overReturn() throws {
        let value = try JSONParser.parse("""
            {"id":"SG-1","order_number":"2509A","channel":"shopee","store":"shop-my","status":"completed",
             "dates":{"ordered":"2025-09-01T10:00:00+08:00"},
             "lines":[{"sku":"MUG-01","name":"Mug","qty":3,"unit_price":"30.00"}],
             "returns":[{"id":"R1","date":"2025-10-03T09:00:00+08:00","lines":[{"sku":"MUG-01","qty":2}]},
                        {"id":"R2","date":"2025-10-04T09:00:00+08:00","lines":[{"sku":"MUG-1","qty":2}]}]}
            """)
        guard case .failure(let failure) = OrderDecoder().decode(value, at: nil) else { Issue.record("decoded"); return }
        #expect(failure.diagnostics.map(\.message) == ["order SG-1: returns[1].lines[0].sku 'MUG-1' is not on any line of the order (did you mean 'MUG-01'?)"])
    }

    @Test("an order whose every unit came back before it was invoiced gets no invoice")
    func fullyReturnedBeforeInvoice() throws {
        let outcome = transform(try order(#"[{"id":"R1","date":"2025-09-03T09:00:00+08:00","lines":[{"sku":"MUG-01","qty":3}]}]"#), with: graph)
        #expect(outcome.kind == .excluded)
        #expect(outcome.reason?.hasPrefix("every unit was returned") == true)
    }
}
