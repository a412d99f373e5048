import Foundation
import LedgerCore
import RulePack
import Testing

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

@Suite struct ImportMappingLoaderTests {
    let loader = ImportMappingLoader(displayBase: fixtures)

    @Test func loadsAPOSMappingWithAliasesFormulaAndSkipCondition() throws {
        let mapping = try loader.load(path: "pos.yaml").get()
        #expect(mapping.name == "acme-pos")
        #expect(mapping.utcOffsetSeconds == 8 * 3600)
        #expect(mapping.dateFormats.map(\.text) == ["dd/MM/yyyy HH:mm"])
        guard case .cells(let sku)? = mapping.fields["lines.sku"] else { Issue.record("lines.sku is not a column"); return }
        #expect(sku.choices.map(\.headers) == [["Item Code", "SKU"]])
        guard case .formula(let formula)? = mapping.fields["lines.seller_discount"] else { Issue.record("no formula"); return }
        let value = formula.evaluate { name in
            switch name {
            case "lines.unit_price": return .number(32)
            case "sold_price": return .number(30)
            case "lines.qty": return .number(3)
            default: return .missing
            }
        }
        #expect(value == 6)
        #expect(Set(formula.readNames) == ["lines.unit_price", "sold_price", "lines.qty"])
        #expect(mapping.statuses[ImportMappingLoader.normalize(" PAID ")] == .completed)
        #expect(mapping.skipRows != nil)
        #expect(mapping.rowScope.contains { $0.variable == "row.sku" })
    }

    @Test func extendsOverridesOneColumnAndKeepsTheRest() throws {
        let mapping = try loader.load(path: "client.yaml").get()
        #expect(mapping.files == ["pos.yaml", "client.yaml"])
        guard case .cells(let sku)? = mapping.fields["lines.sku"] else { Issue.record("lines.sku is not a column"); return }
        #expect(sku.choices.map(\.headers) == [["Product Code"]])
        guard case .cells(let qty)? = mapping.fields["lines.qty"] else { Issue.record("lines.qty lost"); return }
        #expect(qty.choices.map(\.headers) == [["Qty"]])
        #expect(mapping.statuses.count == 2)
    }

    @Test func reportsEveryProblemLocatedWithDidYouMean() {
        guard case .failure(let diagnostics) = loader.load(path: "bad.yaml") else { Issue.record("bad.yaml loaded"); return }
        let text = diagnostics.sortedForDisplay().map(\.description).joined(separator: "\n")
        #expect(text == """
        bad.yaml:2:3: error: unknown key 'nmae' (at mapping.nmae); did you mean 'name'?
        bad.yaml:3:12: error: 'Malaysia' is not a UTC offset; write it like +08:00 (Malaysia), +07:00 or Z (at time_zone)
        bad.yaml:5:3: error: 'fields' lacks 'status', which every order needs; map it to the export's column (at fields.status)
        bad.yaml:5:3: error: 'fields' lacks 'dates.ordered', which every order needs; map it to the export's column (at fields.dates.ordered)
        bad.yaml:6:12: error: 'shoppe' is not a channel; use one of shopee, lazada, tiktok, zalora, shopify, woocommerce, webstore, pos, other (at fields.channel); did you mean 'shopee'?
        bad.yaml:8:3: error: 'dates.orderd' is not a canonical order field (at fields.dates.orderd); did you mean 'dates.ordered'?
        bad.yaml:12:38: error: unknown field 'lines.unit_prize' (at fields.lines.seller_discount.formula); did you mean 'lines.unit_price'?
        bad.yaml:14:9: error: 'complete' is not a valid statuses.Paid; use one of: unpaid, paid, ready_to_ship, shipped, delivered, completed, cancelled, returned (at statuses.Paid); did you mean 'completed'?
        """)
    }
}

@Suite struct ReturnMappingLoaderTests {
    let loader = ImportMappingLoader(displayBase: fixtures)

    @Test func readsEveryReturnsSource() throws {
        let mapping = try loader.load(path: "returns.yaml").get()
        #expect(mapping.readsReturns)
        guard case .fixed(let id)? = mapping.fields["returns.id"] else { Issue.record("returns.id is not fixed"); return }
        #expect(id == "RET-{order_number}")
        #expect(mapping.returnDateFrom == ["dates.completed", "dates.shipped"])
        #expect(mapping.fields["returns.date"] == nil, "from alone reads no column")
        guard case .condition? = mapping.fields["returns.lines.qty"] else { Issue.record("returns.lines.qty is not a condition"); return }
        guard case .formula(let amount)? = mapping.fields["returns.lines.amount"] else { Issue.record("returns.lines.amount is not a formula"); return }
        #expect(amount.readNames == ["refund"])
        guard case .cells(let refunded)? = mapping.fields["returns.refunded"] else { Issue.record("returns.refunded is not a column"); return }
        #expect(refunded.combine == .first)
        #expect(ImportField.byPath["returns.lines.qty"]?.isLine == true && ImportField.byPath["returns.refunded"]?.isLine == false)
        // The mapping's columns: the return's own are read like the sale's.
        #expect(mapping.readColumns.map(\.use).contains("fields.returns.refunded"))
    }

    @Test func reportsReturnsProblemsLocatedWithWhatToWrite() {
        guard case .failure(let diagnostics) = loader.load(path: "returns-bad.yaml") else { Issue.record("returns-bad.yaml loaded"); return }
        let text = diagnostics.sortedForDisplay().map(\.description).joined(separator: "\n")
        #expect(text == """
        returns-bad.yaml:11:3: error: 'returns.qty' is not a canonical order field; returns.lines.qty is read per line (the units of each line that came back): write 'returns.lines.qty' (at fields.returns.qty)
        returns-bad.yaml:12:3: error: 'returns.lines.refunded' is not a canonical order field; returns.refunded is one value per order (the return event), not per line: write 'returns.refunded' (at fields.returns.lines.refunded)
        returns-bad.yaml:13:3: error: 'returns.lines.amount' is what was refunded for a line's returned units; map returns.lines.qty too (how many units came back) (at fields.returns.lines.amount)
        returns-bad.yaml:13:56: error: 'fields.returns.lines.amount.combine' applies to order-level values, which repeat on an order's rows; a line's value is its own row's (at fields.returns.lines.amount.combine)
        returns-bad.yaml:14:46: error: 'dates.complete' is not an order date; use one of dates.ordered, dates.paid, dates.shipped, dates.completed (at fields.returns.date.from[0]); did you mean 'dates.completed'?
        returns-bad.yaml:15:3: error: 'returns.id' describes a return, but the mapping reads none: map returns.lines.qty (the units of each line that came back), returns.shipping or returns.refunded (at fields.returns.id)
        returns-bad.yaml:15:15: error: '{order_no}' is not a placeholder of returns.id; use {id} or {order_number}, or literal text (at fields.returns.id)
        """)
    }
}
