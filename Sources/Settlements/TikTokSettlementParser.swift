import LedgerCore
import Spreadsheets

/// TikTok Shop settlement export (xlsx; channels doc §3.3), sheet "Order details" → one `SettlementRow`
/// per Order or Adjustment row. Headers may carry trailing spaces. Fees are minus the cells; whatever
/// "Total Fees" holds beyond the named fee columns becomes one `other` fee ("Total Fees (rest)"), so
/// `Total settlement amount` must equal `Total Revenue` + `Total Fees` + `Adjustment amount`. The customer's
/// shipping and the platform's discount on it are shipping credits carved out of "Seller shipping fee" (out of
/// the rest of Total Fees when that column is absent), so what stays a shipping fee is the logistics charge.
public enum TikTokSettlementParser {
    public static let reportName = "TikTok Shop settlement"

    public static func parse(_ source: SettlementSource, columns: TikTokSettlementColumns = .standard,
                             defaultCurrency: String = "MYR") -> SettlementParseResult {
        var result = SettlementParseResult(channel: .tiktok, fileName: source.fileName)
        let header: SettlementHeader
        switch SettlementHeader.find(in: source, preferredSheets: columns.sheetNames,
                                     required: [columns.orderID, columns.payoutDate, columns.net], reportName: reportName) {
        case .success(let found): header = found
        case .failure(let diagnostic):
            result.diagnostics.append(diagnostic)
            return result
        }
        let typeIndex = header.index(of: columns.type), orderIndex = header.index(of: columns.orderID)
        let relatedIndex = header.index(of: columns.relatedOrderID), dateIndex = header.index(of: columns.payoutDate)
        let statementIndex = header.index(of: columns.statement), currencyIndex = header.index(of: columns.currency)
        let netIndex = header.index(of: columns.net), grossIndex = header.index(of: columns.gross)
        let totalFeesIndex = header.index(of: columns.totalFees)
        let feeColumns = columns.fees.compactMap { fee in header.index(of: fee.column).map { (fee, $0) } }.sorted { $0.1 < $1.1 }
        let creditColumns = columns.shippingCredits.compactMap { credit in header.index(of: credit.column).map { (credit, $0) } }.sorted { $0.1 < $1.1 }
        let sellerShippingIndex = header.index(of: columns.sellerShippingFee)

        var duplicates = SettlementDuplicates()
        var charges: [SettlementRow] = []
        var chargeIndex: [String: Int] = [:]
        for row in source.sheets[header.sheetIndex].rows where row.number > header.rowNumber {
            var reader = SettlementCellReader(file: source.fileName, header: header, row: row)
            if reader.isBlank { continue }
            let type = HeaderFinder.normalize(reader.text(typeIndex))
            guard type.isEmpty || type == "order" || type == "adjustment" else {
                reader.warning(typeIndex, "type '\(reader.text(typeIndex))' is neither Order nor Adjustment; the row is skipped",
                               code: "settlement-skipped-row")
                result.diagnostics += reader.diagnostics
                continue
            }
            let ownID = reader.orderID(orderIndex, role: columns.orderID.role)
            let payoutDate = reader.payoutDate(dateIndex)
            let net = reader.amount(netIndex, role: columns.net.role, required: true)
            let gross = reader.amount(grossIndex, role: columns.gross.role)
            var credits: [SettlementShippingCredit] = []
            for (credit, index) in creditColumns {
                if let cell = reader.amount(index, role: credit.column.role), cell != .zero {
                    credits.append(SettlementShippingCredit(credit.payer, header.name(index), cell))
                }
            }
            let creditTotal = credits.reduce(Money.zero) { $0 + $1.amount }
            var fees: [SettlementFee] = []
            var namedInTotal = Money.zero
            for (fee, index) in feeColumns {
                guard var cell = reader.amount(index, role: fee.column.role) else { continue }
                if fee.inTotalFees { namedInTotal += -cell }
                // The credits are inside "Seller shipping fee": what remains of it is the seller's logistics charge.
                if index == sellerShippingIndex { cell -= creditTotal }
                if cell != .zero { fees.append(SettlementFee(fee.kind, header.name(index), -cell)) }
            }
            // Without a "Seller shipping fee" column the credits are in the rest of Total Fees: take them out of it.
            if sellerShippingIndex == nil { namedInTotal -= creditTotal }
            if let totalFeesIndex, let total = reader.amount(totalFeesIndex, role: columns.totalFees.role) {
                let rest = -total - namedInTotal
                if rest != .zero { fees.append(SettlementFee(.other, TikTokSettlementColumns.otherFeesName, rest)) }
            }
            result.diagnostics += reader.diagnostics
            guard !reader.hasErrors, let ownID, let payoutDate, let net, let gross else { continue }
            let isAdjustment = type == "adjustment"
            let related = reader.text(relatedIndex)
            let statement = reader.text(statementIndex)
            let currency = reader.text(currencyIndex).uppercased()
            if isAdjustment && related.isEmpty && gross == .zero && credits.isEmpty && net.isNegative {
                // An adjustment that names no order and only takes money (a penalty, an ads charge): an account-level
                // charge, kept as its payout's channel-level row (empty order id), one per payout date and statement.
                let key = "\(payoutDate)|\(statement)"
                let charged = fees.isEmpty ? [SettlementFee(.other, "Adjustment \(ownID)", Money.zero - net)] : fees
                if let index = chargeIndex[key] {
                    charges[index].fees += charged
                    charges[index].net += net
                    charges[index].source.rows.append(row.number)
                } else {
                    chargeIndex[key] = charges.count
                    charges.append(SettlementRow(channel: .tiktok, orderID: "", kind: .adjustment, payoutDate: payoutDate,
                                                 statementReference: statement.isEmpty ? nil : statement,
                                                 currency: currency.isEmpty ? defaultCurrency : currency, gross: .zero, fees: charged, net: net,
                                                 source: SettlementLocation(file: source.fileName, sheet: header.sheet, rows: [row.number])))
                }
                continue
            }
            let settlement = SettlementRow(
                channel: .tiktok, orderID: isAdjustment && !related.isEmpty ? related : ownID,
                kind: isAdjustment ? .adjustment : .order, adjustmentID: isAdjustment ? ownID : nil,
                payoutDate: payoutDate, statementReference: statement.isEmpty ? nil : statement,
                currency: currency.isEmpty ? defaultCurrency : currency, gross: gross, shippingCredits: credits, fees: fees, net: net,
                source: SettlementLocation(file: source.fileName, sheet: header.sheet, rows: [row.number]))
            if SettlementChecks.check(settlement, place: reader.place(netIndex), at: reader.location(netIndex),
                                      cell: reader.cell(netIndex), into: &result.diagnostics) {
                duplicates.check(settlement, place: reader.place(orderIndex), at: reader.location(orderIndex),
                                 cell: reader.cell(orderIndex), into: &result.diagnostics)
                result.rows.append(settlement)
            }
        }
        // A charge whose fee columns do not add up to its net keeps the net: the difference is an 'other' fee.
        for var charge in charges {
            let rest = Money.zero - charge.net - charge.totalFees
            if rest != .zero { charge.fees.append(SettlementFee(.other, TikTokSettlementColumns.otherFeesName, rest)) }
            result.rows.append(charge)
        }
        result.diagnostics = result.diagnostics.sortedForDisplay()
        return result
    }
}
