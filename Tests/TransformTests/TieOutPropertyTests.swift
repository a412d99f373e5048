import LedgerCore
import Testing
import Transform

@Suite("Tie-out holds for random valid orders")
struct TieOutPropertyTests {
    static let configurations: [(name: String, defaults: String, shipping: Bool)] = [
        ("inclusive 8% per line, voucher line", "tax: {code: SV, rate: 8%}", true),
        ("6% per invoice, spread vouchers", "tax: {code: SV, rate: 6%, rounding: per_invoice}\nvouchers: {treatment: spread}", true),
        ("no tax, no shipping", "", false),
        ("buyer paid basis, 10%", "amount_basis: buyer_paid\ntax: {code: ST, rate: 10%}", true),
        ("buyer paid, spread, per invoice 5%", "amount_basis: buyer_paid\nvouchers: {treatment: spread}\ntax: {code: ST5, rate: 5%, rounding: per_invoice}", true),
    ]

    static func randomOrder(_ index: Int, using rng: inout SplitMix64) -> Order {
        func cents(_ upper: Int64) -> Money { Money(minorUnits: upper <= 0 ? 0 : Int64.random(in: 0...upper, using: &rng)) }
        var lines: [OrderLine] = []
        for lineIndex in 0..<Int.random(in: 1...6, using: &rng) {
            let qty = Int.random(in: 1...7, using: &rng)
            let price = Bool.random(using: &rng) && lineIndex > 0 && Int.random(in: 0...5, using: &rng) == 0 ? Money.zero : cents(150_000)
            let gross = price * qty
            let sellerDiscount = Bool.random(using: &rng) ? cents(gross.minorUnits / 3) : .zero
            let platformDiscount = Bool.random(using: &rng) ? cents((gross - sellerDiscount).minorUnits / 4) : .zero
            lines.append(OrderLine(sku: "SKU-\(Int.random(in: 1...30, using: &rng))", name: "Item \(lineIndex)", qty: qty, unitPrice: price,
                                   sellerDiscount: sellerDiscount, platformDiscount: platformDiscount))
        }
        let revenue = lines.reduce(Money.zero) { $0 + $1.sellerRevenue }
        let afterPlatform = lines.reduce(Money.zero) { $0 + $1.sellerRevenue - $1.platformDiscount }
        let seller = Bool.random(using: &rng) ? cents(afterPlatform.minorUnits / 4) : .zero
        let platform = Bool.random(using: &rng) ? cents((afterPlatform - seller).minorUnits / 4) : .zero
        let coins = Bool.random(using: &rng) ? cents(min(500, (afterPlatform - seller - platform).minorUnits / 4)) : .zero
        let fee = Bool.random(using: &rng) ? cents(3_000) : .zero
        let shippingSeller = cents(fee.minorUnits / 3)
        let shippingPlatform = cents((fee - shippingSeller).minorUnits / 2)
        _ = revenue
        let stores: [(String, Channel)] = [("shop-my", .shopee), ("web-my", .shopify)]
        let (store, channel) = stores[Int.random(in: 0...1, using: &rng)]
        var order = Order(id: "P-\(index)", orderNumber: "N\(index)", channel: channel, store: store, currency: "MYR", status: .completed,
                          dates: OrderDates(ordered: Timestamp(parsing: "2025-09-15T10:00:00+08:00")!), lines: lines,
                          shipping: ShippingCharge(fee: fee, sellerDiscount: shippingSeller, platformDiscount: shippingPlatform),
                          vouchers: Vouchers(seller: seller, platform: platform, coins: coins), pricesIncludeTax: Bool.random(using: &rng))
        order.buyerPaid = order.computedBuyerPaid
        return order
    }

    @Test("invoice totals equal the configured basis to the cent", arguments: Array(configurations.indices))
    func tiesOut(configuration: Int) throws {
        let config = Self.configurations[configuration]
        let shipping = config.shipping ? "matching:\n  shipping:\n    shopee: {enabled: true, code: SHIPPING}\n    shopify: {enabled: true, code: SHIPPING}" : ""
        let graph = try compilePack(minimalPack(defaults: config.defaults, extra: shipping))
        var rng = SplitMix64(seed: UInt64(1_000 + configuration))
        var session = TransformSession()
        let options = TransformOptions(asOf: asOf)
        for index in 0..<1_500 {
            let order = Self.randomOrder(index, using: &rng)
            let outcome = graph.run(order, options: options, session: &session)
            guard outcome.kind == .document, let document = outcome.document else {
                Issue.record("\(config.name): order \(index) did not produce a document: \(outcome.errors.map(\.message))")
                continue
            }
            let lines = outcome.lines
            let sumAmounts = lines.reduce(Money.zero) { $0 + ($1.money("amount") ?? .zero) }
            let sumTax = lines.reduce(Money.zero) { $0 + ($1.money("taxamt") ?? .zero) }
            #expect(outcome.payload?.money("docamt") == sumAmounts + sumTax, "\(config.name): docamt is not Σ amount + tax for order \(index)")
            #expect(document.tieOut.tiesOut, "\(config.name): order \(index) differs by \(document.tieOut.difference)")
            let inclusive = order.pricesIncludeTax ?? true
            let compared = inclusive ? sumAmounts + sumTax : sumAmounts
            #expect(compared == document.tieOut.expected, "\(config.name): order \(index) compared \(compared) vs \(document.tieOut.expected)")
            for line in lines {
                // Each line's tax is the rate applied to its own net, within a cent when rounded per invoice.
                let net = (line.money("amount") ?? .zero) + (inclusive ? (line.money("taxamt") ?? .zero) : .zero)
                guard let rate = line.text("taxrate").flatMap(Rate.init(parsing:)), !rate.isZero else { continue }
                let expectedTax = inclusive ? rate.tax(containedIn: net) : rate.tax(onExclusive: net)
                let delta = abs((line.money("taxamt") ?? .zero).minorUnits - expectedTax.minorUnits)
                #expect(delta <= Int64(lines.count), "\(config.name): order \(index) tax drifted by \(delta) sen")
            }
            #expect(outcome.warnings.filter { $0.code == "tie-out" }.isEmpty)
        }
    }

    /// Returns of the same random orders: a credit note of every unit (the order returned whole) totals exactly its
    /// invoice, and one of a random part is Σ its lines, ties out to its parts and never exceeds the invoice.
    @Test("credit notes of returns tie out; a whole return credits exactly the invoice", arguments: Array(configurations.indices))
    func returnsTieOut(configuration: Int) throws {
        let config = Self.configurations[configuration]
        let shipping = config.shipping ? "matching:\n  shipping:\n    shopee: {enabled: true, code: SHIPPING}\n    shopify: {enabled: true, code: SHIPPING}" : ""
        let graph = try compilePack(minimalPack(defaults: config.defaults, extra: shipping))
        let buyerPaid = config.defaults.contains("buyer_paid")
        var rng = SplitMix64(seed: UInt64(2_000 + configuration))
        var session = TransformSession()
        let options = TransformOptions(asOf: asOf)
        let date = Timestamp(parsing: "2025-10-03T10:00:00+08:00")!
        for index in 0..<600 {
            var order = Self.randomOrder(index, using: &rng)
            guard let invoice = graph.run(order, options: options, session: &session).document?.payload.money("docamt") else {
                Issue.record("\(config.name): order \(index) has no invoice")
                continue
            }
            // Everything back: every unit, the shipping the invoice billed, the vouchers it took off.
            let billedShipping = config.shipping ? order.shipping.fee - order.shipping.sellerDiscount - (buyerPaid ? order.shipping.platformDiscount : .zero) : .zero
            let vouchers = order.vouchers.seller + (buyerPaid ? order.vouchers.platform + order.vouchers.coins : .zero)
            order.returns = [OrderReturn(id: "ALL", date: date, lines: order.lines.indices.map { ReturnedLine(line: $0, qty: order.lines[$0].qty) },
                                         shipping: order.shipping.fee == .zero ? .zero : billedShipping, voucher: vouchers)]
            let whole = try #require(graph.creditNotes(for: order, invoiceKey: "K", invoiceDocno: "IV", options: options, session: &session).first)
            #expect(whole.errors.isEmpty, "\(config.name): order \(index): \(whole.errors.map(\.message))")
            #expect(whole.amount == invoice, "\(config.name): order \(index) returned whole credits \(whole.amount), its invoice is \(invoice)")

            // A random part: some units of some lines, maybe some shipping.
            var returned: [ReturnedLine] = []
            for line in order.lines.indices where Bool.random(using: &rng) {
                returned.append(ReturnedLine(line: line, qty: Int.random(in: 1...order.lines[line].qty, using: &rng)))
            }
            if returned.isEmpty { returned = [ReturnedLine(line: 0, qty: 1)] }
            order.returns = [OrderReturn(id: "PART", date: date, lines: returned)]
            let part = try #require(graph.creditNotes(for: order, invoiceKey: "K", invoiceDocno: "IV", options: options, session: &session).first)
            guard let payload = part.document?.payload else {
                Issue.record("\(config.name): order \(index) partial return failed: \(part.errors.map(\.message))")
                continue
            }
            let lines = payload["sdsdocdetail"]?.arrayValue?.compactMap(\.objectValue) ?? []
            let total = lines.reduce(Money.zero) { $0 + ($1.money("amount") ?? .zero) + ($1.money("taxamt") ?? .zero) }
            #expect(payload.money("docamt") == total, "\(config.name): order \(index) credit note docamt is not Σ amount + tax")
            #expect(part.document?.tieOut.tiesOut == true, "\(config.name): order \(index) credit note differs by \(part.document?.tieOut.difference ?? .zero)")
            // Never more than all the goods credited with nothing kept back (tax rounds per line: a sen a line at most).
            order.returns = [OrderReturn(id: "GOODS", date: date, lines: order.lines.indices.map { ReturnedLine(line: $0, qty: order.lines[$0].qty) })]
            let goods = try #require(graph.creditNotes(for: order, invoiceKey: "K", invoiceDocno: "IV", options: options, session: &session).first)
            #expect(part.amount.minorUnits <= goods.amount.minorUnits + Int64(order.lines.count), "\(config.name): order \(index) credits \(part.amount) of goods worth \(goods.amount)")
        }
    }
}
