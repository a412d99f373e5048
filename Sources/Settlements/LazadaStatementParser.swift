import LedgerCore
import Spreadsheets

/// Lazada statement (csv, `;`-separated, or an "Income Overview" sheet; channels doc §3.2) → one
/// `SettlementRow` per order per statement and release date. The file has one row per fee per order
/// line, signed as it moves the payout: the item-price rows make the gross, the buyer-paid shipping rows are
/// shipping credits (their amount), every other row is a fee (minus its amount), and the payout is the sum of
/// all of them. A row with an error drops its whole
/// order from that statement (its total would be wrong), after reporting every row's errors. A fee that names no
/// order or order line (an account-level charge: sponsored-discovery top-ups, marketing fees) becomes a channel-level
/// row of its statement and release date, with an empty order id.
public enum LazadaStatementParser {
    public static let reportName = "Lazada statement"

    public static func parse(_ source: SettlementSource, columns: LazadaStatementColumns = .standard,
                             defaultCurrency: String = "MYR") -> SettlementParseResult {
        var result = SettlementParseResult(channel: .lazada, fileName: source.fileName)
        let header: SettlementHeader
        switch SettlementHeader.find(in: source, preferredSheets: columns.sheetNames,
                                     required: [columns.orderID, columns.feeName, columns.amount, columns.payoutDate],
                                     reportName: reportName) {
        case .success(let found): header = found
        case .failure(let diagnostic):
            result.diagnostics.append(diagnostic)
            return result
        }
        let orderIndex = header.index(of: columns.orderID), feeIndex = header.index(of: columns.feeName)
        let amountIndex = header.index(of: columns.amount), dateIndex = header.index(of: columns.payoutDate)
        let statementIndex = header.index(of: columns.statement), statusIndex = header.index(of: columns.releaseStatus)
        let notReleased = Set(columns.notReleasedStatuses.map(HeaderFinder.normalize))
        var statusSeen: [String: Bool] = [:]
        func isNotReleased(_ status: String) -> Bool {
            if let known = statusSeen[status] { return known }
            let answer = notReleased.contains(HeaderFinder.normalize(status))
            statusSeen[status] = answer
            return answer
        }
        let lineMarkerIndexes = columns.orderLineMarkers.compactMap { header.index(of: $0) }
        let classify = columns.classifier()
        var unreleased: (first: SettlementCellReader, status: String, count: Int)?

        struct OrderInStatement: Hashable { var orderID: String; var statement: String? }
        struct GroupKey: Hashable { var order: OrderInStatement; var payoutDate: CalendarDate }
        struct Group {
            var key: GroupKey
            var firstRow: SheetRow
            var gross = Money.zero
            var net = Money.zero
            var fees: [SettlementFee] = []
            var credits: [SettlementShippingCredit] = []
            var rows: [Int] = []
        }
        var groups: [Group] = []                      // in order of first appearance
        var groupIndex: [GroupKey: Int] = [:]
        var failed: Set<OrderInStatement> = []
        var unknownFeesWarned: Set<String> = []
        var charges: [Group] = []                     // account-level charges, per statement and release date
        var chargeIndex: [GroupKey: Int] = [:]

        for row in source.sheets[header.sheetIndex].rows where row.number > header.rowNumber {
            var reader = SettlementCellReader(file: source.fileName, header: header, row: row)
            if reader.isBlank { continue }
            let status = reader.text(statusIndex)
            if !status.isEmpty, isNotReleased(status) {
                if unreleased == nil { unreleased = (reader, status, 0) }
                unreleased!.count += 1
                continue
            }
            if reader.text(orderIndex).isEmpty, lineMarkerIndexes.allSatisfy({ reader.text($0).isEmpty }),
               case .fee(let kind) = classify(reader.text(feeIndex)).meaning {
                // Not an order's fee: an account-level charge that comes off the bank payout but knocks off no invoice.
                // Kept as the payout's channel-level row (no order), one per statement and release date, for
                // `payments.channel_charges` to book.
                let statementText = reader.text(statementIndex)
                let amount = reader.amount(amountIndex, role: columns.amount.role, required: true)
                let payoutDate = reader.payoutDate(dateIndex)
                result.diagnostics += reader.diagnostics
                guard !reader.hasErrors, let amount, let payoutDate else { continue }
                let key = GroupKey(order: OrderInStatement(orderID: "", statement: statementText.isEmpty ? nil : statementText), payoutDate: payoutDate)
                let index: Int
                if let existing = chargeIndex[key] {
                    index = existing
                } else {
                    index = charges.count
                    chargeIndex[key] = index
                    charges.append(Group(key: key, firstRow: row))
                }
                charges[index].rows.append(row.number)
                charges[index].net += amount
                let feeName = reader.text(feeIndex)
                if let existing = charges[index].fees.firstIndex(where: { $0.kind == kind && $0.name == feeName }) {
                    charges[index].fees[existing].amount -= amount
                } else if amount != .zero {
                    charges[index].fees.append(SettlementFee(kind, feeName, -amount))
                }
                continue
            }
            let statementText = reader.text(statementIndex)
            let statement: String? = statementText.isEmpty ? nil : statementText
            let orderID = reader.orderID(orderIndex, role: columns.orderID.role)
            let payoutDate = reader.payoutDate(dateIndex)
            let amount = reader.amount(amountIndex, role: columns.amount.role, required: true)
            let feeName = reader.text(feeIndex)
            let (meaning, known) = classify(feeName)
            if !known, !reader.hasErrors, unknownFeesWarned.insert(HeaderFinder.normalize(feeName)).inserted {
                reader.warning(feeIndex, feeName.isEmpty
                               ? "the fee name is empty; the amount is counted as an 'other' fee"
                               : "fee name '\(feeName)' is not in ledgersync's Lazada fee table; it is counted as an 'other' fee",
                               code: "settlement-unknown-fee")
            }
            result.diagnostics += reader.diagnostics
            guard let orderID else { continue }
            let order = OrderInStatement(orderID: orderID, statement: statement)
            guard !reader.hasErrors, let payoutDate, let amount else {
                failed.insert(order)
                continue
            }
            let key = GroupKey(order: order, payoutDate: payoutDate)
            let index: Int
            if let existing = groupIndex[key] {
                index = existing
            } else {
                index = groups.count
                groupIndex[key] = index
                groups.append(Group(key: key, firstRow: row))
            }
            groups[index].rows.append(row.number)
            groups[index].net += amount
            switch meaning {
            case .fee(let kind):
                let fee = -amount
                if let existing = groups[index].fees.firstIndex(where: { $0.kind == kind && $0.name == feeName }) {
                    groups[index].fees[existing].amount += fee
                } else if fee != .zero {
                    groups[index].fees.append(SettlementFee(kind, feeName, fee))
                }
            case .buyerShipping:
                if let existing = groups[index].credits.firstIndex(where: { $0.name == feeName }) {
                    groups[index].credits[existing].amount += amount
                } else if amount != .zero {
                    groups[index].credits.append(SettlementShippingCredit(.buyer, feeName, amount))
                }
            case .revenue:
                groups[index].gross += amount
            }
        }

        if let (first, status, count) = unreleased {
            var reader = first
            reader.warning(statusIndex, "\(count) row\(count == 1 ? " is" : "s are") not released yet (\(header.name(statusIndex!)) '\(status)'"
                           + "\(count == 1 ? "" : ", the first here")) and left out: they belong to a later payout", code: "settlement-not-released")
            result.diagnostics += reader.diagnostics
        }
        for group in groups where !failed.contains(group.key.order) {
            let settlement = SettlementRow(
                channel: .lazada, orderID: group.key.order.orderID, payoutDate: group.key.payoutDate, statementReference: group.key.order.statement,
                currency: defaultCurrency, gross: group.gross, shippingCredits: group.credits.filter { $0.amount != .zero },
                fees: group.fees.filter { $0.amount != .zero }, net: group.net,
                source: SettlementLocation(file: source.fileName, sheet: header.sheet, rows: group.rows))
            let reader = SettlementCellReader(file: source.fileName, header: header, row: group.firstRow)
            var place = (header.sheet.map { "sheet '\($0)' " } ?? "") + settlement.source.rowsDescription
            if let amountIndex { place += ", column '\(header.name(amountIndex))'" }
            if SettlementChecks.check(settlement, place: place, at: reader.location(amountIndex),
                                      cell: reader.cell(amountIndex), into: &result.diagnostics) {
                result.rows.append(settlement)
            }
        }
        for group in charges where group.fees.contains(where: { $0.amount != .zero }) {
            result.rows.append(SettlementRow(
                channel: .lazada, orderID: "", kind: .adjustment, payoutDate: group.key.payoutDate, statementReference: group.key.order.statement,
                currency: defaultCurrency, gross: .zero, fees: group.fees.filter { $0.amount != .zero }, net: group.net,
                source: SettlementLocation(file: source.fileName, sheet: header.sheet, rows: group.rows)))
        }
        result.diagnostics = result.diagnostics.sortedForDisplay()
        return result
    }
}
