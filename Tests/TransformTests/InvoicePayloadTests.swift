import LedgerCore
import LedgerJSON
import RulePack
import Testing
import Transform

func stamp(_ text: String) -> Timestamp { Timestamp(parsing: text) ?? Timestamp(parsing: "2025-09-15T10:00:00+08:00")! }
func rm(_ text: String) -> Money { Money(parsing: text) ?? .zero }

func sampleOrder(id: String = "SG-1", store: String = "shop-my", channel: Channel = .shopee, status: OrderStatus = .completed,
                 lines: [OrderLine]? = nil, shipping: ShippingCharge = ShippingCharge(), vouchers: Vouchers = Vouchers(),
                 inclusive: Bool? = true, currency: String = "MYR", paid: String? = "2025-09-15T10:22:10+08:00", sample: Bool = false) -> Order {
    Order(id: id, orderNumber: "250915ABCD", channel: channel, store: store, currency: currency, status: status,
          dates: OrderDates(ordered: stamp("2025-09-14T23:50:00+08:00"), paid: paid.map(stamp), shipped: nil, completed: nil),
          isSample: sample, buyer: Buyer(name: "Tan Ah Kow"),
          lines: lines ?? [OrderLine(sku: "TBL", name: "Round Coffee Table", variation: "Oak", qty: 2, unitPrice: rm("100.00"), sellerDiscount: rm("10.00"), serialNumbers: ["SN-1", "SN-2"])],
          shipping: shipping, vouchers: vouchers, pricesIncludeTax: inclusive, paymentMethod: "ShopeePay")
}

@Suite("Invoice payloads")
struct InvoicePayloadTests {
    @Test("header and line fields follow the settings, matching and order")
    func basicPayload() throws {
        let graph = try compilePack(minimalPack(defaults: "agent: AG1\nissue_date: paid\ntax: {code: SV, rate: 8%}", extra: """
        matching:
          items:
            - {sku: TBL, code: TBL-001, uom: UNIT, serialised: true}
          customers: {shopee: 300-S0001}
        """))
        let outcome = transform(sampleOrder(), with: graph)
        let payload = try #require(outcome.payload)
        #expect(outcome.kind == .document)
        #expect(payload.keys == ["docno", "docnoex", "docdate", "postdate", "taxdate", "code", "agent", "terms", "project", "area", "currencycode", "currencyrate", "description", "docref1", "docamt", "cancelled", "sdsdocdetail"])
        #expect(payload.text("docno") == "")
        #expect(payload.text("docdate") == "2025-09-15")
        #expect(payload.text("code") == "300-S0001")
        #expect(payload.text("agent") == "AG1")
        #expect(payload.text("currencycode") == "----")
        #expect(payload.text("description") == "Shopee order 250915ABCD")
        #expect(payload.text("docref1") == "LS-SG-1")
        #expect(payload.text("docamt") == "190.00")
        let line = try #require(outcome.lines.first)
        #expect(line.text("itemcode") == "TBL-001")
        #expect(line.text("description") == "Round Coffee Table (Oak)")
        #expect(line.text("qty") == "2.00")
        #expect(line.text("unitprice") == "100.00")
        #expect(line.text("disc") == "10.00")
        #expect(line.text("tax") == "SV")
        #expect(line.text("taxrate") == "8%")
        #expect(line.text("taxinclusive") == "true")
        // 190.00 × 8/108 = 14.07407… → 14.07, carved out of the inclusive amount.
        #expect(line.text("taxamt") == "14.07")
        #expect(line.text("amount") == "175.93")
        #expect(line["sdsserialnumber"] == .array([.object(["serialnumber": .string("SN-1")]), .object(["serialnumber": .string("SN-2")])]))
        #expect(outcome.warnings.isEmpty)
    }

    @Test("tax-exclusive stores add tax on top and tie out before tax")
    func exclusive() throws {
        let graph = try compilePack(minimalPack(defaults: "tax: {code: SV, rate: 8%}"))
        let outcome = transform(sampleOrder(store: "web-my", channel: .shopify, inclusive: false), with: graph)
        let line = try #require(outcome.lines.first)
        #expect(line.text("amount") == "190.00")
        #expect(line.text("taxamt") == "15.20")
        #expect(outcome.payload?.text("docamt") == "205.20")
        #expect(outcome.document?.tieOut.tiesOut == true)
        #expect(outcome.document?.tieOut.actual.description == "190.00")
    }

    @Test("an unmatched SKU uses the default product code, keeps the SKU in the description and warns")
    func unmatched() throws {
        let graph = try compilePack(minimalPack())
        let outcome = transform(sampleOrder(), with: graph)
        #expect(outcome.lines.first?.text("itemcode") == "MISC")
        #expect(outcome.lines.first?.text("description") == "TBL Round Coffee Table (Oak)")
        #expect(outcome.warnings.map(\.code) == ["unmatched-sku"])
        #expect(outcome.warnings.first?.message.contains("SKU 'TBL' has no item matching") == true)
    }

    @Test("unmatched_items: error fails the order and names the SKU and line")
    func unmatchedError() throws {
        let graph = try compilePack(minimalPack(defaults: "unmatched_items: error"))
        let outcome = transform(sampleOrder(), with: graph)
        #expect(outcome.kind == .error)
        #expect(outcome.errors.first?.keyPath == "lines[0].sku")
        #expect(outcome.errors.first?.message.contains("SKU 'TBL' has no item matching") == true)
    }

    @Test("a preset forces item code and UOM for its channel over item matching")
    func preset() throws {
        let graph = try compilePack(minimalPack(extra: """
        matching:
          items: [{sku: TBL, code: TBL-001}]
        presets:
          marketplace:
            item_code: ECOM-SALES
            uom: PCS
            tax: {code: SV, rate: 8%}
            enabled_for: [shopee]
        """))
        let shopee = transform(sampleOrder(), with: graph, provenance: true)
        #expect(shopee.lines.first?.text("itemcode") == "ECOM-SALES")
        #expect(shopee.lines.first?.text("uom") == "PCS")
        #expect(shopee.lines.first?.text("tax") == "SV")
        #expect(shopee.document?.provenance.first { $0.path == "sdsdocdetail[0].itemcode" }?.origin.setting.contains("preset 'marketplace'") == true)
        let web = transform(sampleOrder(store: "web-my", channel: .shopify), with: graph)
        #expect(web.lines.first?.text("itemcode") == "TBL-001")
    }

    @Test("precedence: store override beats channel override beats defaults, and rules beat all")
    func precedence() throws {
        let graph = try compilePack(minimalPack(defaults: "project: P-DEFAULT", extra: """
        channels:
          shopee: {defaults: {project: P-CHANNEL, agent: AG-CH}}
        stores:
          shop-my: {defaults: {project: P-STORE}}
        rules:
          - name: big
            when: 'order.revenue >= 190'
            set: {agent: AG-RULE}
        """))
        let outcome = transform(sampleOrder(), with: graph, provenance: true)
        #expect(outcome.payload?.text("project") == "P-STORE")
        #expect(outcome.payload?.text("agent") == "AG-RULE")
        let agent = outcome.document?.provenance.first { $0.path == "agent" }
        #expect(agent?.origin.setting == "rule 'big' set agent")
        #expect(agent?.origin.location?.line == 21)
    }

    @Test("exclusions: store not in profile, TikTok sample, status not synced, rule exclude")
    func exclusions() throws {
        let graph = try compilePack(minimalPack(extra: """
        rules:
          - name: tests
            when: 'order.buyer.name == "Tan Ah Kow" and order.channel == "shopify"'
            exclude: internal test order
        """))
        #expect(transform(sampleOrder(store: "other-store"), with: graph).reason == "store 'other-store' is not in profile.stores")
        #expect(transform(sampleOrder(store: "tt-my", channel: .tiktok, sample: true), with: graph).reason?.hasPrefix("TikTok sample order") == true)
        #expect(transform(sampleOrder(status: .cancelled), with: graph).reason == "status 'cancelled' is not in sync_statuses")
        #expect(transform(sampleOrder(store: "web-my", channel: .shopify), with: graph).reason?.hasPrefix("internal test order (rule 'tests'") == true)
    }

    @Test("bundles expand into zero-priced components without changing the total")
    func bundles() throws {
        let graph = try compilePack(minimalPack(defaults: "show_bundle_items: true", extra: """
        matching:
          items:
            - {sku: SET, code: SET-01, uom: SET}
            - {sku: CHR, code: CHR-01}
        """))
        let kit = OrderLine(sku: "SET", name: "Dining Set", qty: 2, unitPrice: rm("500.00"), bundle: [BundleComponent(sku: "CHR", name: "Chair", qty: 4)])
        let outcome = transform(sampleOrder(lines: [kit]), with: graph)
        #expect(outcome.lines.map { $0.text("itemcode") } == ["SET-01", "CHR-01"])
        #expect(outcome.lines[1].text("qty") == "8.00")
        #expect(outcome.lines[1].text("amount") == "0.00")
        #expect(outcome.payload?.text("docamt") == "1000.00")
    }

    @Test("UOM conversion is off on sales invoices unless the pack turns it on: the rate is then not applied")
    func uomConversionOffByDefault() throws {
        let graph = try compilePack(minimalPack(extra: "matching:\n  items: [{sku: MUG, code: MUG-01, uom: PCS, rate: 6}]"))
        let outcome = transform(sampleOrder(lines: [OrderLine(sku: "MUG", name: "Mug 6-pack", qty: 2, unitPrice: rm("59.00"))]), with: graph)
        let line = try #require(outcome.lines.first)
        #expect(line.text("itemcode") == "MUG-01")
        #expect(line.text("qty") == "2.00")
        #expect(line.text("unitprice") == "59.00")
        #expect(line.text("amount") == "118.00")
    }

    @Test("UOM conversion, turned on, multiplies qty and divides the unit price, keeping the amount")
    func uomConversion() throws {
        let graph = try compilePack(minimalPack(defaults: "uom_conversion: true", extra: "matching:\n  items: [{sku: MUG, code: MUG-01, uom: PCS, rate: 6}]"))
        let outcome = transform(sampleOrder(lines: [OrderLine(sku: "MUG", name: "Mug 6-pack", qty: 2, unitPrice: rm("59.00"))]), with: graph)
        let line = try #require(outcome.lines.first)
        #expect(line.text("qty") == "12.00")
        #expect(line.text("unitprice") == "9.8333")
        #expect(line.text("amount") == "118.00")
        #expect(outcome.warnings.isEmpty)
    }

    @Test("seller vouchers: one negative line, or spread over goods lines to the cent")
    func vouchers() throws {
        let lines = [OrderLine(sku: "A", name: "A", qty: 1, unitPrice: rm("33.33")), OrderLine(sku: "B", name: "B", qty: 2, unitPrice: rm("33.33"))]
        let asLine = try compilePack(minimalPack())
        let outcome = transform(sampleOrder(lines: lines, vouchers: Vouchers(seller: rm("10.00"), platform: rm("5.00"))), with: asLine)
        #expect(outcome.lines.last?.text("itemcode") == "VOUCHER")
        #expect(outcome.lines.last?.text("unitprice") == "-10.00")
        #expect(outcome.payload?.text("docamt") == "89.99")

        let spread = try compilePack(minimalPack(defaults: "vouchers: {treatment: spread}"))
        let spreadOutcome = transform(sampleOrder(lines: lines, vouchers: Vouchers(seller: rm("10.00"))), with: spread)
        #expect(spreadOutcome.lines.count == 2)
        #expect(spreadOutcome.lines.map { $0.text("disc") } == ["3.33", "6.67"])
        #expect(spreadOutcome.payload?.text("docamt") == "89.99")
    }

    @Test("shipping is invoiced only where shipping matching is enabled")
    func shipping() throws {
        let graph = try compilePack(minimalPack(extra: """
        matching:
          shipping:
            shopee: {enabled: true, code: SHIPPING, uom: UNIT}
        """))
        let order = sampleOrder(shipping: ShippingCharge(fee: rm("8.00"), sellerDiscount: rm("2.00"), platformDiscount: rm("3.00")))
        let outcome = transform(order, with: graph)
        #expect(outcome.lines.last?.text("itemcode") == "SHIPPING")
        #expect(outcome.lines.last?.text("disc") == "2.00")
        #expect(outcome.payload?.text("docamt") == "196.00")
        #expect(outcome.document?.tieOut.tiesOut == true)
        let web = transform(sampleOrder(store: "web-my", channel: .shopify, shipping: ShippingCharge(fee: rm("8.00"))), with: graph)
        #expect(web.lines.count == 1)
    }

    @Test("buyer_paid basis takes platform discounts and vouchers off the invoice")
    func buyerPaidBasis() throws {
        let graph = try compilePack(minimalPack(defaults: "amount_basis: buyer_paid", extra: "matching:\n  shipping:\n    shopee: {enabled: true, code: SHIPPING}"))
        let line = OrderLine(sku: "TBL", name: "Table", qty: 2, unitPrice: rm("100.00"), sellerDiscount: rm("10.00"), platformDiscount: rm("5.00"))
        let order = sampleOrder(lines: [line], shipping: ShippingCharge(fee: rm("8.00"), platformDiscount: rm("3.00")), vouchers: Vouchers(seller: rm("2.00"), platform: rm("5.00"), coins: rm("1.00")))
        let outcome = transform(order, with: graph)
        #expect(outcome.payload?.text("docamt") == order.computedBuyerPaid.description)
        #expect(outcome.document?.tieOut.tiesOut == true)
    }

    @Test("invoice numbers: order number, platform id, custom sequence, store suffix, duplicates and length")
    func invoiceNumbers() throws {
        let orderSource = try compilePack(minimalPack(defaults: "invoice_number: {source: order}", extra: "stores:\n  web-my: {defaults: {invoice_number: {store_suffix: always}}}"))
        var session = TransformSession()
        let options = TransformOptions(asOf: asOf)
        let first = orderSource.run(sampleOrder(id: "SG-1"), options: options, session: &session)
        #expect(first.payload?.text("docno") == "250915ABCD")
        let suffixed = orderSource.run(sampleOrder(id: "SG-2", store: "web-my", channel: .shopify), options: options, session: &session)
        #expect(suffixed.payload?.text("docno") == "250915ABCD-b-my")
        let duplicate = orderSource.run(sampleOrder(id: "SG-3"), options: options, session: &session)
        #expect(duplicate.kind == .error)
        #expect(duplicate.errors.first?.message.contains("already used by order SG-1 in this run") == true)

        let custom = try compilePack(minimalPack(defaults: "invoice_number: {source: custom, prefix: EC-, digits: 5, start: 42}"))
        var customSession = TransformSession()
        #expect(custom.run(sampleOrder(id: "A"), options: options, session: &customSession).payload?.text("docno") == "EC-00042")
        #expect(custom.run(sampleOrder(id: "B"), options: options, session: &customSession).payload?.text("docno") == "EC-00043")

        let platform = try compilePack(minimalPack(defaults: "invoice_number: {source: platform}\nuppercase: true"))
        #expect(transform(sampleOrder(id: "sg-lower-1"), with: platform).payload?.text("docno") == "SG-LOWER-1")
        #expect(transform(sampleOrder(id: "sg-lower-1"), with: platform).payload?.text("docref1") == "LS-sg-lower-1")

        let long = try compilePack(minimalPack(defaults: "invoice_number: {source: platform}"))
        let tooLong = transform(sampleOrder(id: "SG-123456789012345678901"), with: long)
        #expect(tooLong.errors.first?.code == "docno-too-long")
    }

    @Test("the chosen issue date falls back to the ordered date with a warning")
    func issueDateFallback() throws {
        let graph = try compilePack(minimalPack(defaults: "issue_date: paid"))
        let outcome = transform(sampleOrder(paid: nil), with: graph)
        #expect(outcome.payload?.text("docdate") == "2025-09-14")
        #expect(outcome.warnings.contains { $0.code == "date-fallback" })
    }

    @Test("a foreign currency needs currency matching and a rate")
    func currency() throws {
        let withRate = try compilePack(minimalPack(extra: "matching:\n  currencies:\n    SGD: {code: SGD, rate: \"3.1250\"}"))
        let outcome = transform(sampleOrder(currency: "SGD"), with: withRate)
        #expect(outcome.payload?.text("currencycode") == "SGD")
        #expect(outcome.payload?.text("currencyrate") == "3.1250")
        let without = try compilePack(minimalPack())
        let failed = transform(sampleOrder(currency: "SGD"), with: without)
        #expect(failed.kind == .error)
        #expect(failed.errors.first?.message == "order SG-1: no currency matching for SGD; add matching.currencies.SGD: {code: SGD, rate: …}")
    }

    @Test("per-invoice tax rounding puts the cent difference on the first taxed line")
    func perInvoiceRounding() throws {
        let lines = (0..<3).map { OrderLine(sku: "S\($0)", name: "Item", qty: 1, unitPrice: rm("0.25")) }
        let perLine = try compilePack(minimalPack(defaults: "tax: {code: SV, rate: 6%}"))
        let perInvoice = try compilePack(minimalPack(defaults: "tax: {code: SV, rate: 6%, rounding: per_invoice}"))
        let a = transform(sampleOrder(store: "web-my", channel: .shopify, lines: lines, inclusive: false), with: perLine)
        let b = transform(sampleOrder(store: "web-my", channel: .shopify, lines: lines, inclusive: false), with: perInvoice)
        // Per line: 3 × round(0.015) = 0.06; on the total: round(0.045) = 0.05.
        #expect(a.lines.map { $0.text("taxamt") } == ["0.02", "0.02", "0.02"])
        #expect(b.lines.map { $0.text("taxamt") } == ["0.01", "0.02", "0.02"])
        #expect(b.payload?.text("docamt") == "0.80")
    }
}
