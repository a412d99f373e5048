import Foundation
import LedgerCore
import RulePack
import Testing
@testable import Settlements

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
private let fixtures = "Tests/SettlementsTests/Fixtures"
private let builtins = root + "/rules/settlements"
private let exampleName = "shopify-payments-transactions-2025-09.csv"
private let examplePath = root + "/examples/settlements/" + exampleName

/// Paths shown relative to the package root, as the CLI shows them when run there.
private let loader = SettlementMappingLoader(displayBase: root, builtinDirectory: builtins)

private func load(_ path: String) throws -> SettlementMapping {
    switch loader.load(path: path) {
    case .success(let mapping): return mapping
    case .failure(let diagnostics):
        Issue.record("\(path) did not load:\n\(diagnostics.map(\.description).joined(separator: "\n"))")
        throw CancellationError()
    }
}

private func problems(_ path: String) -> String {
    guard case .failure(let diagnostics) = loader.load(path: path) else { return "\(path) loaded" }
    return diagnostics.map(\.description).joined(separator: "\n")
}

private func exampleText() throws -> String { try String(contentsOfFile: examplePath, encoding: .utf8) }

private func parse(_ text: String, _ mapping: SettlementMapping, name: String = exampleName) throws -> SettlementMappedParse {
    SettlementMappingParser.parse(try SettlementSource.csv(text: text, fileName: name), mapping: mapping)
}

/// The example file with one cell changed: `column` of the data row whose Order is `order` and Type is `type`.
private func editing(_ text: String, order: String, type: String = "charge", column: String, to value: String) -> String {
    var lines = text.components(separatedBy: "\r\n")
    let header = lines[0].components(separatedBy: ",")
    guard let index = header.firstIndex(of: column) else { return text }
    for (number, line) in lines.enumerated() {
        var cells = line.components(separatedBy: ",")
        guard cells.count == header.count, cells[2] == order, cells[1] == type else { continue }
        cells[index] = value
        lines[number] = cells.joined(separator: ",")
    }
    return lines.joined(separator: "\r\n")
}

private func row(_ orderID: String, _ date: String, _ reference: String?, gross: String, fees: [SettlementFee], net: String, rows: [Int],
                 channel: Channel = .shopify, credits: [SettlementShippingCredit] = [], file: String = exampleName) -> SettlementRow {
    SettlementRow(channel: channel, orderID: orderID, payoutDate: CalendarDate(parsing: date)!, statementReference: reference, currency: "MYR",
                  gross: m(gross), shippingCredits: credits, fees: fees, net: m(net), source: SettlementLocation(file: file, sheet: nil, rows: rows))
}

@Suite("Settlement mappings: loading")
struct SettlementMappingLoaderTests {
    @Test("the fee kinds a mapping may name are the settlement rows' fee kinds")
    func feeKindsAgree() {
        #expect(SettlementMapping.feeKinds == SettlementFeeKind.allCases.map(\.rawValue))
    }

    @Test("the built-in shopify-payments mapping: channel, order reference, fee, skip rules")
    func builtInShopifyPayments() throws {
        let mapping = try load("rules/settlements/shopify-payments.yaml")
        #expect(mapping.name == "shopify-payments")
        #expect(mapping.channel == .shopify)
        #expect(mapping.order.matches == .orderNumber)
        #expect(mapping.order.cells.choices.map(\.headers) == [["Order"]])
        #expect(mapping.fees.map(\.kind) == ["transaction"])
        #expect(mapping.combine == .sum)
        #expect(mapping.skipRows.map(\.warning?.isEmpty) == [nil, false])
        #expect(mapping.readColumns.map(\.column.headers[0]) == ["Order", "Payout Date", "Payout ID", "Currency", "Amount", "Net", "Fee", "Type", "Payout Status"])
    }

    @Test("the built-in zalora template reads one row per fee")
    func builtInZalora() throws {
        let mapping = try load("rules/settlements/zalora.yaml")
        #expect(mapping.channel == .zalora)
        let feeRows = try #require(mapping.feeRows)
        #expect(feeRows.meanings[ImportMappingLoader.normalize("item price credit")] == .gross)
        #expect(feeRows.meanings[ImportMappingLoader.normalize("Payment Fee")] == .fee("transaction"))
        #expect(feeRows.unknown == .other)
        #expect(mapping.amounts.isEmpty)
    }

    @Test("a gateway mapping: named columns, formulas over them, prefixes to strip, skip rules with and without a warning")
    func customGateway() throws {
        let mapping = try load("\(fixtures)/mappings/paygate.yaml")
        #expect(mapping.name == "paygate")
        #expect(mapping.channel == .woocommerce)
        #expect(mapping.order.stripPrefixes == ["ORD-", "#"])
        guard case .formula(let gross)? = mapping.amounts[.gross] else { Issue.record("gross is not a formula"); return }
        #expect(gross.evaluate { $0 == "gross_total" ? .number(234.70) : $0 == "buyer_shipping" ? .number(10) : .missing } == Decimal(string: "224.70"))
        #expect(Set(gross.readNames) == ["gross_total", "buyer_shipping"])
        guard case .formula(let fee) = mapping.fees[0].value else { Issue.record("the fee is not a formula"); return }
        #expect(fee.source == "mdr + sst_on_mdr")
        #expect(mapping.fees[0].name == "MDR incl. SST")
        #expect(mapping.skipRows.map(\.warning) == [nil, "not settled yet"])
        #expect(mapping.rowScope.map(\.variable).contains("row.txn_type"))
    }

    @Test("extends: a pack mapping changes one field of a built-in and keeps the rest")
    func extendsBuiltIn() throws {
        let mapping = try load("\(fixtures)/mappings/client.yaml")
        #expect(mapping.files == ["rules/settlements/shopify-payments.yaml", "\(fixtures)/mappings/client.yaml"])
        #expect(mapping.name == "shopify-payments", "the base's name is kept")
        guard case .cells(let date) = mapping.payoutDate else { Issue.record("payout_date lost"); return }
        #expect(date.choices.map(\.headers) == [["Payout Date", "Paid Out On"]])
        #expect(mapping.dateFormats.map(\.text) == ["dd/MM/yyyy"])
        guard case .cells(let gross)? = mapping.amounts[.gross] else { Issue.record("gross lost"); return }
        #expect(gross.choices.map(\.headers) == [["Amount"]])
        #expect(mapping.fees.count == 1 && mapping.skipRows.count == 2)
    }

    @Test("every problem at once, each at file:line:col with its key path and a did-you-mean")
    func locatedProblems() {
        #expect(problems("\(fixtures)/mappings/bad.yaml") == """
        \(fixtures)/mappings/bad.yaml:2:3: error: unknown key 'nmae' (at mapping.nmae); did you mean 'name'?
        \(fixtures)/mappings/bad.yaml:3:10: error: 'shopfy' is not a channel; use one of shopee, lazada, tiktok, zalora, shopify, woocommerce, webstore, pos, other (at channel); did you mean 'shopify'?
        \(fixtures)/mappings/bad.yaml:4:10: error: 'add' is not a valid combine; use one of: sum, reject (at combine)
        \(fixtures)/mappings/bad.yaml:6:3: error: 'fields' lacks 'payout_date': the column holding the day the money was paid out (the receipt's date) (at fields.payout_date)
        \(fixtures)/mappings/bad.yaml:6:35: error: 'number' is not a valid fields.order.matches; use one of: order_number, id (at fields.order.matches)
        \(fixtures)/mappings/bad.yaml:7:3: error: unknown key 'payout_dat' (at fields.payout_dat); did you mean 'payout_date'?
        \(fixtures)/mappings/bad.yaml:8:30: error: unknown field 'buyer_shiping' (at fields.gross.formula); did you mean 'buyer_shipping'?
        \(fixtures)/mappings/bad.yaml:10:32: error: 'fields.net.optional' must be true or false, found 'maybe' (at fields.net.optional)
        \(fixtures)/mappings/bad.yaml:14:3: error: 'gross' is the name of a field, which formulas and row conditions already read; name the column otherwise (at columns.gross)
        \(fixtures)/mappings/bad.yaml:16:12: error: 'bank' is not a valid fees[0].kind; use one of: commission, service, transaction, shipping, voucher, refund, other (at fees[0].kind)
        \(fixtures)/mappings/bad.yaml:17:5: error: 'fees[1]' needs 'kind': one of commission, service, transaction, shipping, voucher, refund, other (at fees[1].kind)
        \(fixtures)/mappings/bad.yaml:18:13: error: unknown field 'row.typ' (at skip_rows); did you mean 'row.type'?
        """)
    }

    @Test("an unknown built-in named by extends, with a did-you-mean")
    func unknownBuiltIn() {
        #expect(problems("\(fixtures)/mappings/typo-extends.yaml") == """
        \(fixtures)/mappings/typo-extends.yaml:1:10: error: 'extends: shopify-payment' is not a built-in settlement mapping; the built-in ones are shopify-payments, zalora (at extends); did you mean 'shopify-payments'?
        """)
    }

    @Test("fee rows and amount columns do not mix; a fee name means one thing; fee kinds are checked")
    func feeRowsConflicts() {
        #expect(problems("\(fixtures)/mappings/mixed.yaml") == """
        \(fixtures)/mappings/mixed.yaml:6:3: error: 'fields.gross' and 'fee_rows' do not go together: with one row per fee, the fee names say what is item revenue and shipping, and the payout is their sum (at fields.gross)
        \(fixtures)/mappings/mixed.yaml:12:30: error: fee name 'Item Price Credit' is listed under both fee_rows.gross and fee_rows.fees.commission; a fee row means one thing (at fee_rows.fees.commission[1])
        \(fixtures)/mappings/mixed.yaml:13:5: error: unknown key 'bonus'; valid keys here: commission, service, transaction, shipping, voucher, refund, other (at fee_rows.fees.bonus)
        """)
    }
}

@Suite("Settlement mappings: reading reports")
struct SettlementMappingParserTests {
    let shopify: SettlementMapping
    init() throws { shopify = try load("rules/settlements/shopify-payments.yaml") }

    var exampleRows: [SettlementRow] {
        let fee = { (amount: String) in [SettlementFee(.transaction, "Fee", m(amount))] }
        return [
            row("#1047", "2025-09-29", "925092901", gross: "274.81", fees: fee("7.37"), net: "267.44", rows: [2]),
            row("#1046", "2025-09-29", "925092901", gross: "209.58", fees: fee("5.74"), net: "203.84", rows: [3]),
            // The cancelled order: charged and refunded in one payout; the fee stays with Shopify.
            row("#1045", "2025-09-22", "925092201", gross: "0.00", fees: fee("5.44"), net: "-5.44", rows: [4, 5]),
            row("#1044", "2025-09-22", "925092201", gross: "909.56", fees: fee("23.24"), net: "886.32", rows: [6]),
            row("#1042", "2025-09-08", "925090801", gross: "475.45", fees: fee("12.39"), net: "463.06", rows: [7]),
        ]
    }

    @Test("the example Shopify Payments export: one exact row per order per payout, to the sen; a charge and its refund add up")
    func exampleExport() throws {
        let parsed = SettlementMappingParser.parse(try SettlementSource.open(path: examplePath), mapping: shopify)
        #expect(parsed.result.rows == exampleRows)
        #expect(parsed.headerRow == 1)
        #expect(parsed.skippedRows == 0)
        #expect(seen(parsed.result) == [
            Seen(.warning, "rows 4–5, column L (Net): order '#1045' pays out -5.44: a refund or adjustment taken back by the channel, not a payment of the invoice",
                 line: 4, column: 12, cell: "L4", code: "settlement-negative-payout"),
        ])
        #expect(parsed.result.rows.allSatisfy { $0.imbalance == .zero })
    }

    @Test("the example export fits the shopify-payments mapping completely, and not the zalora one")
    func detection() throws {
        let source = try SettlementSource.open(path: examplePath)
        let fit = try #require(SettlementMappingParser.fit(source, mapping: shopify))
        #expect(fit.isComplete && fit.headerRow == 1 && fit.needed == 6)
        #expect(fit.description == "the shopify-payments settlement mapping (row 1 has 6 of the 6 columns it needs)")
        let zalora = try load("rules/settlements/zalora.yaml")
        #expect(SettlementMappingParser.fit(source, mapping: zalora)?.isComplete != true)
    }

    @Test("a bad amount is an error at its cell, with the column letter and header; that order is left out")
    func badAmount() throws {
        let text = editing(try exampleText(), order: "#1044", column: "Amount", to: "909.5O")
        let parsed = try parse(text, shopify)
        #expect(parsed.result.hasErrors)
        #expect(parsed.result.errors.map(Seen.init) == [Seen(.error, "row 6, column J (Amount): '909.5O' is not an amount (it is not a number) for fields.gross; write amounts like 1234.50, 1,234.50, RM 1,234.50, (12.30) or -12.30",
                                                  line: 6, column: 10, cell: "J6", code: "settlement-bad-amount")])
        #expect(!parsed.result.rows.contains { $0.orderID == "#1044" })
    }

    @Test("a net that is not gross + shipping − fees is an error naming both figures")
    func netMismatch() throws {
        let text = editing(try exampleText(), order: "#1042", column: "Net", to: "463.60")
        let parsed = try parse(text, shopify)
        #expect(parsed.result.errors.map(Seen.init) == [
            Seen(.error, "row 7, column L (Net): order '#1042' pays out 463.60, but gross 475.45 − fees 12.39 = 463.06 (a difference of 0.54); the row's amounts do not add up, or the report has a fee column ledgersync does not read",
                 line: 7, column: 12, cell: "L7", code: "settlement-net-mismatch"),
        ])
        #expect(parsed.result.rows.count == 4)
    }

    @Test("a missing column is one whole-file error naming it, with the closest header and where the mapping asks for it")
    func missingColumn() throws {
        let text = try exampleText().replacingOccurrences(of: ",Fee,Net,", with: ",Fee,Nett,")
        let parsed = try parse(text, shopify)
        #expect(parsed.result.rows.isEmpty && parsed.headerRow == nil)
        #expect(parsed.result.diagnostics.map(\.description) == ["""
        \(exampleName):1: error: '\(exampleName)' row 1 looks like the header the shopify-payments settlement mapping reads (5 of 6 columns found) but lacks a column it needs; nothing was imported:
          - 'Net' for fields.net; did you mean 'Nett'? [rules/settlements/shopify-payments.yaml:32:8]
        Rename the column in the mapping (or add an alias), or mark it optional: true
        """])
        let other = try parse("Date,Description,Debit,Credit\r\n2025-09-01,x,1.00,\r\n", shopify, name: "bank.csv")
        #expect(other.result.errors.map(\.code) == ["settlement-header-not-found"])
    }

    @Test("a payout not made yet is left out with one warning; a row without an order is reported and left out")
    func pendingAndOrderless() throws {
        var text = editing(try exampleText(), order: "#1047", column: "Payout Status", to: "pending")
        text = editing(text, order: "#1047", column: "Payout ID", to: "")
        text += "2025-09-29 09:00:00 +0800,adjustment,,,,paid,2025-09-29,925092901,2025-09-29,-3.00,0.00,-3.00,,,,MYR,MYR\r\n"
        let parsed = try parse(text, shopify)
        #expect(parsed.result.rows.map(\.orderID) == ["#1046", "#1045", "#1044", "#1042"])
        #expect(parsed.skippedRows == 1)
        #expect(seen(parsed.result).filter { $0.code != "settlement-negative-payout" } == [
            Seen(.warning, "row 2: 1 row is left out by skip_rows 'row.payout_status in [\"pending\", \"failed\", \"canceled\", \"cancelled\"]': not paid out (Payout Status pending, failed or canceled); the row belongs to a later payout — import that export when it is paid",
                 line: 2, column: 0, cell: nil, code: "settlement-rows-skipped"),
            Seen(.warning, "row 8, column C (Order): the row of -3.00 has no order reference, so it is left out: it is not part of any order's payout and no receipt covers it; record it in SQL Accounting yourself, or leave such rows out with skip_rows",
                 line: 8, column: 3, cell: "C8", code: "settlement-row-without-order"),
        ])
    }

    @Test("rows without an order that are nothing but fees are their payout's channel charge (empty order id), added up per payout")
    func orderlessFees() throws {
        var text = try exampleText()
        text += "2025-09-29 09:00:00 +0800,adjustment,,,,paid,2025-09-29,925092901,2025-09-29,0.00,3.00,-3.00,,,,MYR,MYR\r\n"
        text += "2025-09-29 10:00:00 +0800,adjustment,,,,paid,2025-09-29,925092901,2025-09-29,0.00,1.50,-1.50,,,,MYR,MYR\r\n"
        let parsed = try parse(text, shopify)
        let charge = try #require(parsed.result.rows.first { $0.orderID.isEmpty })
        #expect(parsed.result.rows.filter { $0.orderID.isEmpty }.count == 1)
        #expect(charge.statementReference == "925092901" && charge.gross == .zero && charge.net == m("-4.50") && charge.totalFees == m("4.50"))
        #expect(!seen(parsed.result).contains { $0.code == "settlement-row-without-order" || $0.message.contains("order ''") })
    }

    @Test("a gateway report through a custom mapping: prefixes stripped, gross and fee from formulas, shipping credited, skipped rows")
    func gatewayReport() throws {
        let mapping = try load("\(fixtures)/mappings/paygate.yaml")
        let parsed = SettlementMappingParser.parse(try SettlementSource.open(path: root + "/\(fixtures)/paygate-2025-09.csv"), mapping: mapping)
        let file = "paygate-2025-09.csv"
        let fee = { (amount: String) in [SettlementFee(.transaction, "MDR incl. SST", m(amount))] }
        let shipping = { (amount: String) in [SettlementShippingCredit(.buyer, "Shipping", m(amount))] }
        #expect(parsed.result.rows == [
            row("WC-5521", "2025-09-12", "B-0912", gross: "224.70", fees: fee("5.07"), net: "229.63", rows: [3], channel: .woocommerce, credits: shipping("10.00"), file: file),
            row("WC-5548", "2025-09-19", "B-0919", gross: "188.53", fees: fee("4.29"), net: "194.24", rows: [5], channel: .woocommerce, credits: shipping("10.00"), file: file),
            row("WC-5558", "2025-09-19", "B-0919", gross: "861.45", fees: fee("20.34"), net: "921.11", rows: [6], channel: .woocommerce, credits: shipping("80.00"), file: file),
        ])
        #expect(parsed.skippedRows == 2, "the VOID row silently, the PENDING one with a warning")
        #expect(seen(parsed.result) == [
            Seen(.warning, "row 7: 1 row is left out by skip_rows 'row.txn_type == \"PENDING\"': not settled yet", line: 7, column: 0, cell: nil, code: "settlement-rows-skipped"),
        ])
    }

    @Test("combine: reject refuses a second row of one order in one payout")
    func combineReject() throws {
        let directory = NSTemporaryDirectory() + "settlement-mapping-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "extends: \(root)/\(fixtures)/mappings/paygate.yaml\ncombine: reject\n".write(toFile: directory + "/strict.yaml", atomically: true, encoding: .utf8)
        let mapping = try load(directory + "/strict.yaml")
        var text = try String(contentsOfFile: root + "/\(fixtures)/paygate-2025-09.csv", encoding: .utf8)
        text += "19/09/2025,B-0919,SALE,ORD-WC-5558,10.00,0.00,0.20,0.02,9.78\n"
        let parsed = try parse(text, mapping, name: "paygate.csv")
        #expect(parsed.result.errors.map(Seen.init) == [
            Seen(.error, "row 8, column D (Merchant Ref): order 'WC-5558' is also on row 6 of the same payout (2025-09-19, B-0919); the mapping reads one row per order (combine: reject) — remove the repeated row, or set combine: sum if the report splits an order over rows",
                 line: 8, column: 4, cell: "D8", code: "settlement-duplicate-order"),
        ])
        #expect(parsed.result.rows.map(\.orderID) == ["WC-5521", "WC-5548"])
    }

    @Test("the zalora template: one row per fee summed per order and statement, an unknown fee name counted as other, unpaid rows left out")
    func zaloraTemplate() throws {
        let mapping = try load("rules/settlements/zalora.yaml")
        let parsed = SettlementMappingParser.parse(try SettlementSource.open(path: root + "/\(fixtures)/zalora-statement-2025-09.csv"), mapping: mapping)
        let file = "zalora-statement-2025-09.csv"
        #expect(parsed.result.rows == [
            row("ZMY-2509-004411", "2025-09-15", "MY-2025-09-A", gross: "102.60", fees: [
                SettlementFee(.commission, "Commission", m("15.39")),
                SettlementFee(.transaction, "Payment Fee", m("2.05")),
                SettlementFee(.other, "Marketing Fee", m("1.00")),
            ], net: "84.16", rows: [2, 3, 4, 5, 6, 7], channel: .zalora, file: file),
        ])
        #expect(seen(parsed.result).map(\.code) == ["settlement-unknown-fee", "settlement-rows-skipped"])
        #expect(seen(parsed.result).first?.message == "row 7, column C (Fee Name): fee name 'Marketing Fee' is not in the mapping's fee_rows; it is counted as an 'other' fee (list it under fee_rows to say what it is)")
    }

    @Test("payout dates in the mapping's layouts, an impossible day named as such")
    func dates() throws {
        let client = try load("\(fixtures)/mappings/client.yaml")
        var text = editing(try exampleText(), order: "#1042", column: "Payout Date", to: "08/09/2025")
        text = editing(text, order: "#1044", column: "Payout Date", to: "31/09/2025")
        let parsed = try parse(text, client)
        #expect(parsed.result.rows.first { $0.orderID == "#1042" }?.payoutDate == CalendarDate(year: 2025, month: 9, day: 8))
        #expect(parsed.result.errors.map(Seen.init) == [
            Seen(.error, "row 6, column G (Payout Date): '31/09/2025' is not a real day: September 2025 has 30 days", line: 6, column: 7, cell: "G6", code: "settlement-bad-date"),
        ])
    }
}
