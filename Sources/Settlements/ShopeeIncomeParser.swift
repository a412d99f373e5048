import LedgerCore
import Spreadsheets

/// Shopee MY "Income" report (xlsx; channels doc §3.1) → one `SettlementRow` per `Order` row.
/// `Sku` detail rows are skipped; every fee column present is read (fee = minus the cell, since the
/// report writes fees negative), and the buyer-paid shipping and Shopee's shipping rebate as shipping credits
/// (the cell itself); `Total Released Amount (RM)` must equal `Product Price` + shipping credits − fees.
public enum ShopeeIncomeParser {
    public static let reportName = "Shopee income report"

    public static func parse(_ source: SettlementSource, columns: ShopeeIncomeColumns = .standard,
                             defaultCurrency: String = "MYR") -> SettlementParseResult {
        var result = SettlementParseResult(channel: .shopee, fileName: source.fileName)
        let header: SettlementHeader
        switch SettlementHeader.find(in: source, preferredSheets: columns.sheetNames,
                                     required: [columns.orderID, columns.payoutDate, columns.net], reportName: reportName) {
        case .success(let found): header = found
        case .failure(let diagnostic):
            result.diagnostics.append(diagnostic)
            return result
        }
        let orderIndex = header.index(of: columns.orderID), dateIndex = header.index(of: columns.payoutDate)
        let netIndex = header.index(of: columns.net), grossIndex = header.index(of: columns.gross)
        let viewByIndex = header.index(of: columns.viewBy)
        let feeColumns = columns.fees.compactMap { fee in header.index(of: fee.column).map { (fee, $0) } }.sorted { $0.1 < $1.1 }
        let creditColumns = columns.shippingCredits.compactMap { credit in header.index(of: credit.column).map { (credit, $0) } }.sorted { $0.1 < $1.1 }
        let currency = currencyOf(netHeader: header.name(netIndex!)) ?? defaultCurrency

        var duplicates = SettlementDuplicates()
        for row in source.sheets[header.sheetIndex].rows where row.number > header.rowNumber {
            var reader = SettlementCellReader(file: source.fileName, header: header, row: row)
            if reader.isBlank { continue }
            if HeaderFinder.normalize(reader.text(viewByIndex)) == "sku" { continue }
            let orderID = reader.orderID(orderIndex, role: columns.orderID.role)
            let payoutDate = reader.payoutDate(dateIndex)
            let net = reader.amount(netIndex, role: columns.net.role, required: true)
            let gross = reader.amount(grossIndex, role: columns.gross.role)
            var credits: [SettlementShippingCredit] = []
            for (credit, index) in creditColumns {
                if let cell = reader.amount(index, role: credit.column.role), cell != .zero {
                    credits.append(SettlementShippingCredit(credit.payer, header.name(index), cell))
                }
            }
            var fees: [SettlementFee] = []
            for (fee, index) in feeColumns {
                if let cell = reader.amount(index, role: fee.column.role), cell != .zero {
                    fees.append(SettlementFee(fee.kind, header.name(index), -cell))
                }
            }
            result.diagnostics += reader.diagnostics
            guard !reader.hasErrors, let orderID, let payoutDate, let net, let gross else { continue }
            let settlement = SettlementRow(
                channel: .shopee, orderID: orderID, payoutDate: payoutDate, statementReference: nil, currency: currency,
                gross: gross, shippingCredits: credits, fees: fees, net: net,
                source: SettlementLocation(file: source.fileName, sheet: header.sheet, rows: [row.number]))
            if SettlementChecks.check(settlement, place: reader.place(netIndex), at: reader.location(netIndex),
                                      cell: reader.cell(netIndex), into: &result.diagnostics) {
                duplicates.check(settlement, place: reader.place(orderIndex), at: reader.location(orderIndex),
                                 cell: reader.cell(orderIndex), into: &result.diagnostics)
                result.rows.append(settlement)
            }
        }
        result.diagnostics = result.diagnostics.sortedForDisplay()
        return result
    }

    /// `Total Released Amount (RM)` → MYR, `(SGD)` → SGD; nil when the header does not say.
    static func currencyOf(netHeader: String) -> String? {
        let key = HeaderFinder.normalize(netHeader)
        if key.hasSuffix("(rm)") || key.hasSuffix("(myr)") { return "MYR" }
        if key.hasSuffix("(sgd)") || key.hasSuffix("(s$)") { return "SGD" }
        return nil
    }
}
