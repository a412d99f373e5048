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
        guard case .column(let sku)? = mapping.fields["lines.sku"] else { Issue.record("lines.sku is not a column"); return }
        #expect(sku.headers == ["Item Code", "SKU"])
        guard case .formula(let formula)? = mapping.fields["lines.seller_discount"] else { Issue.record("no formula"); return }
        let value = formula.evaluate { name in
            switch name {
            case "lines.unit_price": return .money(Money(minorUnits: 3200))
            case "sold_price": return .money(Money(minorUnits: 3000))
            case "lines.qty": return .count(3)
            default: return nil
            }
        }
        #expect(value == .money(Money(minorUnits: 600)))
        #expect(mapping.statuses[ImportMappingLoader.normalize(" PAID ")] == .completed)
        #expect(mapping.skipRows != nil)
        #expect(mapping.skipRowsScope.contains { $0.variable == "row.sku" })
    }

    @Test func extendsOverridesOneColumnAndKeepsTheRest() throws {
        let mapping = try loader.load(path: "client.yaml").get()
        #expect(mapping.files == ["pos.yaml", "client.yaml"])
        guard case .column(let sku)? = mapping.fields["lines.sku"] else { Issue.record("lines.sku is not a column"); return }
        #expect(sku.headers == ["Product Code"])
        guard case .column(let qty)? = mapping.fields["lines.qty"] else { Issue.record("lines.qty lost"); return }
        #expect(qty.headers == ["Qty"])
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
        bad.yaml:12:36: error: the formula 'lines.unit_price * lines.unit_price' multiplies two amounts; multiply an amount by a quantity (at fields.lines.seller_discount.formula)
        bad.yaml:14:9: error: 'complete' is not a valid statuses.Paid; use one of: unpaid, paid, ready_to_ship, shipped, delivered, completed, cancelled, returned (at statuses.Paid); did you mean 'completed'?
        """)
    }
}
