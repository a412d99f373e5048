import LedgerCore
import OrderIO
import Testing

@Suite("Reading canonical orders")
struct OrderDecoderTests {
    static let good = #"{"id":"SG-1","order_number":"250915ABCD","channel":"shopee","store":"shopee-acme-my","currency":"MYR","status":"completed","dates":{"ordered":"2025-09-15T10:21:00+08:00","paid":null},"flags":{"sample":false,"cod":false},"buyer":{"name":"Tan Ah Kow"},"lines":[{"sku":"TBL-RND-OAK","name":"Round Coffee Table","variation":"Oak","qty":2,"unit_price":"100.00","seller_discount":"10.00","platform_discount":"0.00","serial_numbers":["SN-001","SN-002"],"bundle":null}],"shipping":{"fee":"8.00","seller_discount":"0.00","platform_discount":"3.00"},"vouchers":{"seller":"0.00","platform":"5.00","coins":"0.00"},"tax":{"prices_include_tax":true},"payment":{"method":"ShopeePay","buyer_paid":"190.00"},"platform_extras":{"x":1}}"#

    func records(_ text: String) throws -> [OrderRecord] {
        let source = OrderSource(bytes: Array(text.utf8), displayPath: "orders.jsonl")
        var all: [OrderRecord] = []
        try source.forEach { all.append($0) }
        return all
    }

    @Test("the product spec's example order reads with every field and unknown fields tolerated")
    func readsExample() throws {
        let record = try #require(try records(Self.good).first)
        let order = try record.result.get()
        #expect(order.id == "SG-1")
        #expect(order.lines[0].serialNumbers == ["SN-001", "SN-002"])
        #expect(order.sellerRevenue.description == "190.00")
        #expect(order.computedBuyerPaid.description == "190.00")
        #expect(order.dates.paid == nil)
        #expect(order.pricesIncludeTax == true)
        #expect(record.location.description == "orders.jsonl:1")
    }

    @Test("each malformed field is named with the order id, and the next order still reads", arguments: [
        (#""unit_price":"100.00""#, #""unit_price":100.5"#, "order SG-1: lines[0].unit_price is the number 100.5; money must be a decimal string like \"100.50\" so no precision is lost", "lines[0].unit_price"),
        (#""qty":2"#, #""qty":-2"#, "order SG-1: lines[0].qty is -2; quantities must be at least 1 (returned units go in returns[])", "lines[0].qty"),
        (#""qty":2"#, #""qty":"2""#, "order SG-1: lines[0].qty must be a number, found the string \"2\"", "lines[0].qty"),
        (#""channel":"shopee""#, #""channel":"shoppe""#, "order SG-1: channel 'shoppe' is not one of shopee, lazada, tiktok, zalora, shopify, woocommerce, webstore, pos, other (did you mean 'shopee'?); map it in the importer or use 'other'", "channel"),
        (#""status":"completed""#, #""status":"done""#, "order SG-1: status 'done' is not one of unpaid, paid, ready_to_ship, shipped, delivered, completed, cancelled, returned", "status"),
        (#""ordered":"2025-09-15T10:21:00+08:00""#, #""ordered":"15/09/2025""#, "order SG-1: dates.ordered is \"15/09/2025\", not an ISO-8601 time with offset like 2025-09-15T10:21:00+08:00", "dates.ordered"),
        (#""fee":"8.00""#, #""fee":"8,00""#, "order SG-1: shipping.fee is \"8,00\", not an amount; write a decimal string with a point and at most two decimals, e.g. \"1200.00\"", "shipping.fee"),
    ])
    func namesTheField(original: String, replacement: String, message: String, keyPath: String) throws {
        let bad = Self.good.replacingOccurrences(of: original, with: replacement)
        #expect(bad != Self.good)
        let all = try records(bad + "\n" + Self.good.replacingOccurrences(of: "SG-1", with: "SG-2"))
        #expect(all.count == 2)
        guard case .failure(let failure) = all[0].result else {
            Issue.record("expected the order to be rejected")
            return
        }
        #expect(failure.orderID == "SG-1")
        #expect(failure.diagnostics.map(\.message) == [message])
        #expect(failure.diagnostics.first?.keyPath == keyPath)
        #expect((try? all[1].result.get())?.id == "SG-2")
    }

    @Test("a line that is not JSON is reported at its line and column; the rest still read")
    func syntaxError() throws {
        let all = try records(Self.good + "\n{\"id\": \"SG-9\", \n" + Self.good.replacingOccurrences(of: "SG-1", with: "SG-3"))
        #expect(all.count == 3)
        guard case .failure(let failure) = all[1].result else {
            Issue.record("expected a syntax error")
            return
        }
        #expect(failure.diagnostics.first?.location?.line == 2)
        #expect(failure.diagnostics.first?.message.hasPrefix("order SG-9 (record 2) is not valid JSON") == true)
        #expect(failure.orderID == "SG-9")
        #expect((try? all[2].result.get())?.id == "SG-3")
    }

    @Test("a JSON array of orders reads the same as JSON Lines")
    func arrayFile() throws {
        let all = try records("[" + Self.good + ",\n" + Self.good.replacingOccurrences(of: "SG-1", with: "SG-2") + "]")
        #expect(all.compactMap { try? $0.result.get().id } == ["SG-1", "SG-2"])
    }
}
