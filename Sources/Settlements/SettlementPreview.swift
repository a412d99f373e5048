import LedgerCore

/// The `--preview` table: the first rows of a parse as aligned text, the shipping the buyer's side paid
/// ("Shipping paid", when a shown row has any: it pays the invoice's shipping line), one column per fee kind
/// that any shown row has, then the totals of all rows per currency. With `importStatus`, a last column `Import`
/// says what importing each row would do (`new`, or `known` when the state store has it already).
///
///     Row  Order ID      Payout date  Statement  Gross   Commission  Transaction  Net
///       4  250901AAA111  2025-09-15   -          120.00       10.80         2.40  106.80
///     … 3 more rows
///     Total of 5 rows (MYR): gross 600.00, fees 70.00, net 530.00
public enum SettlementPreview {
    public static func render(_ rows: [SettlementRow], limit: Int = 10, importStatus: [String]? = nil) -> String {
        guard !rows.isEmpty else { return "No settlement rows." }
        let shown = Array(rows.prefix(max(0, limit)))
        let kinds = SettlementFeeKind.allCases.filter { kind in shown.contains { $0.fees.contains { $0.kind == kind } } }
        let showStatement = shown.contains { $0.statementReference != nil }
        let showKind = shown.contains { $0.kind == .adjustment }
        let showShipping = shown.contains { !$0.shippingCredits.isEmpty }

        var header = ["Row", "Order ID"]
        var rightAligned: Set<Int> = [0]
        if showKind { header.append("Type") }
        header.append("Payout date")
        if showStatement { header.append("Statement") }
        rightAligned.insert(header.count); header.append("Gross")
        if showShipping { rightAligned.insert(header.count); header.append("Shipping paid") }
        for kind in kinds {
            rightAligned.insert(header.count)
            header.append(kind.rawValue.prefix(1).uppercased() + kind.rawValue.dropFirst())
        }
        rightAligned.insert(header.count); header.append("Net")
        if importStatus != nil { header.append("Import") }

        var table = [header]
        for (index, row) in shown.enumerated() {
            var cells = [String(row.source.rowsDescription.drop { $0 != " " }.dropFirst()), row.orderID.isEmpty ? "(channel charge)" : row.orderID]
            if showKind { cells.append(row.kind.rawValue) }
            cells.append(row.payoutDate.description)
            if showStatement { cells.append(row.statementReference ?? "-") }
            cells.append(row.gross.description)
            if showShipping { cells.append(row.totalShippingCredits.description) }
            for kind in kinds { cells.append(row.fees(of: kind).description) }
            cells.append(row.net.description)
            if let importStatus { cells.append(index < importStatus.count ? importStatus[index] : "-") }
            table.append(cells)
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        var lines = table.map { cells in
            cells.enumerated().map { column, text in
                let pad = String(repeating: " ", count: widths[column] - text.count)
                return rightAligned.contains(column) ? pad + text : text + pad
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
        if rows.count > shown.count { lines.append("… \(rows.count - shown.count) more row\(rows.count - shown.count == 1 ? "" : "s")") }
        var currencies: [String] = []
        for row in rows where !currencies.contains(row.currency) { currencies.append(row.currency) }
        for currency in currencies {
            let subset = rows.filter { $0.currency == currency }
            let gross = subset.reduce(Money.zero) { $0 + $1.gross }
            let shipping = subset.reduce(Money.zero) { $0 + $1.totalShippingCredits }
            let fees = subset.reduce(Money.zero) { $0 + $1.totalFees }
            let net = subset.reduce(Money.zero) { $0 + $1.net }
            let shippingText = shipping == .zero ? "" : ", shipping paid \(shipping)"
            lines.append("Total of \(subset.count) row\(subset.count == 1 ? "" : "s") (\(currency)): gross \(gross)\(shippingText), fees \(fees), net \(net)")
        }
        return lines.joined(separator: "\n")
    }
}

extension SettlementParseResult {
    /// The first `limit` parsed rows as an aligned table, for `--preview`.
    public func preview(limit: Int = 10, importStatus: [String]? = nil) -> String {
        SettlementPreview.render(rows, limit: limit, importStatus: importStatus)
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
