import Foundation
import LedgerCore
import LedgerJSON
import PurchaseOrders
import RulePack
import Testing
import TestSupport

/// Purchase orders from SQL Account turned into the store's stock-in records: the seed's UOM conversion (quantity ×
/// rate, cost ÷ rate to the sen, the line amount kept), the filters, the store's SKUs, and located errors.
@Suite("purchase orders → stock-in records")
struct PurchaseOrderConverterTests {
    static let rates = ItemUOMRates(stockItems: [
        ["code": .string("CANDLE-01"), "sdsuom": .array([.object(["uom": .string("PCS"), "rate": .string("1")]),
                                                         .object(["uom": .string("CTN"), "rate": .string("24")])])],
        ["code": .string("MUG-01"), "sdsuom": .array([.object(["uom": .string("PCS"), "rate": .number("1")]),
                                                      .object(["uom": .string("BOX"), "rate": .number("6")])])],
        ["code": .string("RUG-160"), "sdsuom": .array([.object(["uom": .string("UNIT"), "rate": .string("1")])])],
    ])

    static func order(_ lines: [JSONObject], docno: String = "PO-00001") throws -> SQLPurchaseOrder {
        let record: JSONObject = ["dockey": .number("7"), "docno": .string(docno), "docdate": .string("2025-10-02"), "code": .string("400-A0001"),
                                  "companyname": .string("CANDLE CRAFT SDN BHD"), "project": .string("----"), "docref1": .string("REQ-88"),
                                  "updatecount": .number("2"), "lastmodified": .number("1759400000"), "sdsdocdetail": .array(lines.map(JSONValue.object))]
        let read = SQLPurchaseOrder.read(record)
        #expect(read.problems.isEmpty, "\(read.problems)")
        return try #require(read.order)
    }

    static func line(_ item: String, _ qty: String, _ uom: String, _ price: String, amount: String, location: String = "PJ-WH", dtlkey: Int = 1) -> JSONObject {
        ["dtlkey": .number(String(dtlkey)), "itemcode": .string(item), "description": .string(item), "qty": .string(qty), "uom": .string(uom),
         "unitprice": .string(price), "amount": .string(amount), "location": .string(location)]
    }

    static func settings(_ yaml: String) throws -> PurchaseOrderSettings {
        try #require(try packWith(yaml).purchaseOrders)
    }

    static func packWith(_ yaml: String) throws -> RulePack {
        let directory = try TemporaryPack.make(files: ["pack.yaml": """
            pack: {name: po-test}
            profile:
              company: Acme
              stores:
                shopify-acme: {channel: shopify}
              connection:
                access_key: {env: LEDGERSYNC_ACCESS_KEY}
                secret_key: {env: LEDGERSYNC_SECRET_KEY}
            defaults: {customer_code: 300-C0001, product_code: MISC}
            matching:
              items:
                - {sku: CANDLE-LAV, code: CANDLE-01}
                - {sku: MUG-6PACK, code: MUG-01, uom: PCS, rate: 6}
            \(yaml)
            """])
        let (pack, diagnostics) = RulePackValidator.load(packDirectory: directory)
        #expect(!diagnostics.hasErrors, "\(diagnostics.map(\.description))")
        return try #require(pack)
    }

    @Test("a line in cartons becomes base units: 2 CTN of 24 at 100.00 is 48 PCS at 4.17, the 200.00 kept and the 0.16 reported")
    func cartonsToBaseUnits() throws {
        let settings = try Self.settings("purchase_orders: {uom_conversion: true, store: shopify-acme}")
        let order = try Self.order([Self.line("CANDLE-01", "2.00", "CTN", "100.00", amount: "200.00"),
                                    Self.line("RUG-160", "3.00", "UNIT", "80.00", amount: "240.00", dtlkey: 2)])
        let pack = try Self.packWith("purchase_orders: {uom_conversion: true, store: shopify-acme}")
        let outcome = PurchaseOrderConverter.convert(order, settings: settings, rates: Self.rates, skus: PurchaseOrderConverter.skuIndex(pack: pack, store: "shopify-acme"))
        #expect(outcome.errors.isEmpty)
        let record = try #require(outcome.record)
        let candle = try #require(record.lines.first)
        #expect(candle.sku == "CANDLE-LAV", "the store's SKU, from item matching read backwards")
        #expect(candle.qty.trimmed == "48" && candle.uom == "PCS")
        #expect(candle.unitCost == Money(parsing: "4.17"))
        #expect(candle.amount == Money(parsing: "200.00"))
        #expect(candle.converted?.qty.trimmed == "2" && candle.converted?.uom == "CTN" && candle.converted?.rate.trimmed == "24")
        #expect(outcome.notes == ["purchase order PO-00001 line 1 (CANDLE-01): 2 CTN at 100.00 is 48 PCS at 4.17 (100.00 ÷ 24, to the sen), which comes to 200.16: +0.16 against the line's 200.00, which is kept as the line amount"])
        let rug = record.lines[1]
        #expect(rug.sku == "RUG-160" && rug.qty.trimmed == "3" && rug.uom == "UNIT" && rug.converted == nil, "already in base units; no SKU: the item code")
        #expect(record.total == Money(parsing: "440.00"))
        let json = JSONWriter.compactString(.object(record.json))
        #expect(json.contains(#""sku":"CANDLE-LAV","item_code":"CANDLE-01","name":"CANDLE-01","warehouse":"PJ-WH","qty":"48","uom":"PCS","unit_cost":"4.17","amount":"200.00","outstanding_qty":"48","sql_qty":"2","sql_uom":"CTN","uom_rate":"24""#), "\(json)")
    }

    @Test("conversion off (the default), or off for one item: the line goes as SQL Account has it")
    func conversionOff() throws {
        let order = try Self.order([Self.line("CANDLE-01", "2", "CTN", "100.00", amount: "200.00"), Self.line("MUG-01", "1", "BOX", "30.00", amount: "30.00", dtlkey: 2)])
        let off = PurchaseOrderConverter.convert(order, settings: try Self.settings("purchase_orders: {}"), rates: Self.rates, skus: [:])
        #expect(off.record?.lines.map { "\($0.qty.trimmed) \($0.uom)" } == ["2 CTN", "1 BOX"])
        let perItem = PurchaseOrderConverter.convert(order, settings: try Self.settings("purchase_orders: {uom_conversion: true, convert: {MUG-01: false}}"), rates: Self.rates, skus: [:])
        #expect(perItem.record?.lines.map { "\($0.qty.trimmed) \($0.uom) @ \($0.unitCost)" } == ["48 PCS @ 4.17", "1 BOX @ 30.00"])
        #expect(perItem.notes.count == 1)
    }

    @Test("a UOM without a rate in SQL Account stops the purchase order, naming the PO, line, item, UOM and what to do")
    func missingRate() throws {
        let order = try Self.order([Self.line("CANDLE-01", "1", "BOX", "50.00", amount: "50.00")])
        let outcome = PurchaseOrderConverter.convert(order, settings: try Self.settings("purchase_orders: {uom_conversion: true}"), rates: Self.rates, skus: [:])
        #expect(outcome.record == nil)
        #expect(outcome.errors == ["purchase order PO-00001 line 1 (CANDLE-01): UOM 'BOX' has no rate in SQL Account's stock item CANDLE-01 (its UOMs: CTN 24, PCS 1); add the UOM with its rate there, or set purchase_orders.convert.CANDLE-01: false"])
        let unknown = PurchaseOrderConverter.convert(try Self.order([Self.line("LAMP-9", "1", "UNIT", "5.00", amount: "5.00")]),
                                                     settings: try Self.settings("purchase_orders: {uom_conversion: true}"), rates: Self.rates, skus: [:])
        #expect(unknown.errors.first?.contains("SQL Account has no stock item LAMP-9") == true)
    }

    @Test("filters: suppliers, projects and the date take whole purchase orders; locations take lines")
    func filters() throws {
        let settings = try Self.settings("""
            purchase_orders:
              suppliers: [400-A0001]
              projects: ["----", WEB]
              locations: [PJ-WH]
              since: 2025-10-01
            """)
        #expect(settings.takes(supplier: "400-A0001", project: "----", date: CalendarDate(parsing: "2025-10-02")))
        #expect(!settings.takes(supplier: "400-B0001", project: "----", date: CalendarDate(parsing: "2025-10-02")))
        #expect(!settings.takes(supplier: "400-A0001", project: "POS", date: CalendarDate(parsing: "2025-10-02")))
        #expect(!settings.takes(supplier: "400-A0001", project: "WEB", date: CalendarDate(parsing: "2025-09-30")))
        let order = try Self.order([Self.line("RUG-160", "1", "UNIT", "80.00", amount: "80.00"), Self.line("RUG-160", "1", "UNIT", "80.00", amount: "80.00", location: "PJ-SR", dtlkey: 2)])
        let outcome = PurchaseOrderConverter.convert(order, settings: settings, rates: Self.rates, skus: [:])
        #expect(outcome.record?.lines.count == 1)
        #expect(outcome.notes == ["purchase order PO-00001 line 2 (RUG-160) goes to location PJ-SR, which purchase_orders.locations leaves out"])
    }

    @Test("received quantities are converted too: what is outstanding, in base units")
    func outstanding() throws {
        var line = Self.line("CANDLE-01", "3", "CTN", "96.00", amount: "288.00")
        line["transferredqty"] = .string("1")
        let outcome = PurchaseOrderConverter.convert(try Self.order([line]), settings: try Self.settings("purchase_orders: {uom_conversion: true}"), rates: Self.rates, skus: [:])
        let converted = try #require(outcome.record?.lines.first)
        #expect(converted.qty.trimmed == "72" && converted.outstanding.trimmed == "48" && converted.unitCost == Money(parsing: "4.00"))
        #expect(outcome.notes.isEmpty, "96.00 ÷ 24 is exact")
    }
}

/// A pack written to a fresh temporary folder.
enum TemporaryPack {
    static func make(files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-po-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        return directory
    }
}
