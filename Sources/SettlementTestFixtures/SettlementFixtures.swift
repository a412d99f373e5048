import Foundation
import LedgerCore
import Settlements
import Spreadsheets

/// One row of a fixture sheet: its 1-based row number and each cell's text as the sheet shows it.
public struct SettlementFixtureRow: Hashable, Sendable {
    public var number: Int
    public var cells: [String]

    public init(number: Int, cells: [String]) {
        self.number = number
        self.cells = cells
    }
}

/// A settlement workbook as a channel writes it: sheets of cell text, numbers as an xlsx stores them.
public struct SettlementFixtureWorkbook: Sendable {
    public var fileName: String
    public var sheets: [(name: String, rows: [SettlementFixtureRow])]

    public init(fileName: String, sheets: [(name: String, rows: [SettlementFixtureRow])]) {
        self.fileName = fileName
        self.sheets = sheets
    }

    /// The workbook as `SpreadsheetWriter.writeXLSX` takes it: plain numbers as numbers, everything else as text.
    public var sheetValues: [(name: String, rows: [[SheetValue]])] {
        sheets.map { sheet in
            (name: sheet.name, rows: sheet.rows.map { row in
                row.cells.map { text -> SheetValue in
                    if text.isEmpty { return .empty }
                    return Self.isNumber(text) ? .number(text) : .string(text)
                }
            })
        }
    }

    /// The sheets as the xlsx reader hands them over (cells typed, trailing empty cells dropped), held in memory.
    public var source: SettlementSource {
        SettlementSource(fileName: fileName, sheets: sheets.map { sheet in
            SettlementSheet(name: sheet.name, rows: SheetRows(file: fileName, sheet: sheet.name, rows: sheet.rows.map { row in
                var cells = row.cells.map { text -> SheetCell in
                    text.isEmpty ? .empty : SheetCell(kind: Self.isNumber(text) ? .number : .string, text: text)
                }
                while cells.last?.isEmpty == true { cells.removeLast() }
                return SheetRow(number: row.number, cells: cells)
            }))
        })
    }

    /// Writes the workbook as a real xlsx file and opens it the way `payments import` does.
    public func written(to path: String) throws -> SettlementSource {
        try SpreadsheetWriter.writeXLSX(path: path, sheets: sheetValues)
        return try SettlementSource.open(path: path)
    }

    /// The same sheet with its rows transformed (row numbers are the transform's to keep or change).
    public func replacingRows(ofSheet name: String, _ transform: ([SettlementFixtureRow]) -> [SettlementFixtureRow]) -> SettlementFixtureWorkbook {
        var copy = self
        copy.sheets = sheets.map { $0.name == name ? (name: $0.name, rows: transform($0.rows)) : $0 }
        return copy
    }

    /// Plain decimal text (`120`, `-10.8`, `28900000000`): what a spreadsheet program stores as a number.
    static func isNumber(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }
}

/// One order to put into a fixture settlement file.
public struct SettlementFixtureOrder: Hashable, Sendable {
    public var orderID: String
    public var payoutDate: CalendarDate
    public var gross: Money
    /// Deductions by kind (positive = charged, negative = credited), written in `SettlementFeeKind` order.
    public var fees: [SettlementFeeKind: Money]
    /// Shipping the buyer paid (`.buyer`) and the platform's discount on it (`.platform`), passed on with the order.
    public var shipping: [SettlementShippingPayer: Money]
    /// Lazada "Statement Number" / TikTok "Statement ID"; derived from the payout date when nil.
    public var statement: String?

    public init(_ orderID: String, payoutDate: CalendarDate, gross: Money, fees: [SettlementFeeKind: Money] = [:],
                shipping: [SettlementShippingPayer: Money] = [:], statement: String? = nil) {
        self.orderID = orderID
        self.payoutDate = payoutDate
        self.gross = gross
        self.fees = fees
        self.shipping = shipping
        self.statement = statement
    }

    public var totalFees: Money { fees.values.reduce(.zero, +) }
    public var buyerShipping: Money { shipping[.buyer] ?? .zero }
    public var platformShipping: Money { shipping[.platform] ?? .zero }
    public var net: Money { gross + buyerShipping + platformShipping - totalFees }
    /// The fees with a non-zero amount, in `SettlementFeeKind` order.
    public var orderedFees: [(kind: SettlementFeeKind, amount: Money)] {
        SettlementFeeKind.allCases.compactMap { kind in fees[kind].flatMap { $0 == .zero ? nil : (kind, $0) } }
    }
}

/// A deliberate fault in a fixture file, applied to the order at index `order`.
public enum SettlementFixtureDefect: Hashable, Sendable {
    /// A fee cell reads `SettlementFixtures.badAmountText`: Shopee's commission column, TikTok's
    /// "Transaction fee", Lazada's first fee row of the order (its item-price row when it has no fee).
    case badAmount(order: Int)
    /// The order ID cell is empty (Lazada: on every row of the order).
    case missingOrderID(order: Int)
    /// The payout date cell is empty (Lazada: the order's first row only).
    case missingPayoutDate(order: Int)
    /// The payout column is off by `by` (Shopee, TikTok; a Lazada statement has no payout column).
    case netMismatch(order: Int, by: Money)

    var order: Int {
        switch self {
        case .badAmount(let order), .missingOrderID(let order), .missingPayoutDate(let order), .netMismatch(let order, _): return order
        }
    }
}

/// Settlement files in each channel's real layout (channels doc §3.1–3.3), for tests, end-to-end runs and
/// benchmarks. Shopee and TikTok come as workbooks (numbers as an xlsx stores them: `-10.8`, `120`), to write as
/// xlsx or to hand to the parsers as the xlsx reader would; Lazada as the `;`-separated CSV text the seller downloads.
public enum SettlementFixtures {
    /// The text a `badAmount` defect writes.
    public static let badAmountText = "12.3O"

    /// Whether a channel's fixture can carry a defect: `netMismatch` needs a payout column, which a
    /// Lazada statement lacks (`lazadaStatementCSV` traps on it).
    public static func supports(_ defect: SettlementFixtureDefect, for channel: Channel) -> Bool {
        if case .netMismatch = defect { return channel != .lazada }
        return true
    }

    // MARK: Shopee

    public static let shopeeIncomeHeader: [String] = [
        "Sequence No.", "View By", "Order ID", "refund id", "Product ID", "Product Name", "Order Creation Date",
        "Payout Completed Date", "Release Channel", "Order Type", "Total Released Amount (RM)", "Product Price",
        "Refund Amount", "Shipping Fee Paid by Buyer (excl. SST)", "Shipping Fee Charged by Logistic Provider",
        "Seller Paid Shipping Fee SST", "Shipping Rebate From Shopee", "Reverse Shipping Fee", "Reverse Shipping Fee SST",
        "Return to Seller Fee", "Saver Programme Shipping Fee Savings", "Rebate Provided by Shopee",
        "Voucher Sponsored by Seller", "Cofund Voucher Sponsored by Seller", "Coin Cashback Sponsored by Seller",
        "Commission Fee (incl. SST)", "Service Fee (Incl. SST)", "Transaction Fee (Incl. SST)", "AMS Commission Fee",
        "Saver Programme Fee (Incl. SST)", "Transaction Fee Rate (%)", "Lost Compensation", "Amount Paid By Buyer",
        "Username (Buyer)", "Buyer Payment Method", "Voucher Code From Seller",
    ]

    /// The column the Shopee fixture writes each fee kind into (all in `ShopeeIncomeColumns.standard`).
    public static let shopeeFeeColumns: [SettlementFeeKind: String] = [
        .commission: "Commission Fee (incl. SST)", .service: "Service Fee (Incl. SST)", .transaction: "Transaction Fee (Incl. SST)",
        .shipping: "Shipping Fee Charged by Logistic Provider", .voucher: "Voucher Sponsored by Seller", .refund: "Refund Amount",
        .other: "Lost Compensation",
    ]

    /// Shopee MY income report: sheets Summary, Income, Service Fee Details. The Income sheet has section
    /// labels on row 1, sub-labels on row 2 and the column names on row 3; each order row (`View By` Order)
    /// is followed by its SKU row (`View By` Sku). Fees are negative numbers.
    public static func shopeeIncome(_ orders: [SettlementFixtureOrder], defects: [SettlementFixtureDefect] = [],
                                    fileName: String = "Income.released.my.20250915_20250921.xlsx") -> SettlementFixtureWorkbook {
        let header = shopeeIncomeHeader
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        var sections = [String](repeating: "", count: header.count)
        sections[0] = "Order Info"; sections[column("Total Released Amount (RM)")] = "Released Amount Details"
        sections[column("Username (Buyer)")] = "Buyer Info"
        var subLabels = [String](repeating: "", count: header.count)
        subLabels[column("Product Price")] = "Merchandise Subtotal"
        subLabels[column("Shipping Fee Paid by Buyer (excl. SST)")] = "Shipping Subtotal"
        subLabels[column("Rebate Provided by Shopee")] = "Vouchers & Rebates"
        subLabels[column("Commission Fee (incl. SST)")] = "Fees & Charges"

        var rows = [SettlementFixtureRow(number: 1, cells: sections), SettlementFixtureRow(number: 2, cells: subLabels),
                    SettlementFixtureRow(number: 3, cells: header)]
        for (index, order) in orders.enumerated() {
            let mine = defects.filter { $0.order == index }
            var cells = [String](repeating: "", count: header.count)
            cells[column("Sequence No.")] = String(index + 1)
            cells[column("View By")] = "Order"
            cells[column("Order ID")] = mine.contains(.missingOrderID(order: index)) ? "" : order.orderID
            cells[column("refund id")] = "-"
            cells[column("Product ID")] = "-"
            cells[column("Product Name")] = "-"
            cells[column("Order Creation Date")] = CalendarDate(daysSinceEpoch: order.payoutDate.daysSinceEpoch - 5).description
            cells[column("Payout Completed Date")] = mine.contains(.missingPayoutDate(order: index)) ? "" : order.payoutDate.description
            cells[column("Release Channel")] = "Seller Balance"
            cells[column("Order Type")] = "Normal Order"
            var net = order.net
            for case .netMismatch(_, let by) in mine { net += by }
            cells[column("Total Released Amount (RM)")] = xlsxNumber(net)
            cells[column("Product Price")] = xlsxNumber(order.gross)
            for name in header[column("Refund Amount")...column("Lost Compensation")] where name != "Transaction Fee Rate (%)" {
                cells[column(name)] = "0"
            }
            cells[column("Transaction Fee Rate (%)")] = "2.16"
            for (kind, amount) in order.orderedFees {
                cells[column(shopeeFeeColumns[kind]!)] = xlsxNumber(-amount)
            }
            cells[column("Shipping Fee Paid by Buyer (excl. SST)")] = xlsxNumber(order.buyerShipping)
            cells[column("Shipping Rebate From Shopee")] = xlsxNumber(order.platformShipping)
            if mine.contains(.badAmount(order: index)) { cells[column("Commission Fee (incl. SST)")] = badAmountText }
            cells[column("Amount Paid By Buyer")] = xlsxNumber(order.gross + order.buyerShipping)
            cells[column("Username (Buyer)")] = "buyer\(index + 1)"
            cells[column("Buyer Payment Method")] = "Online Banking"
            cells[column("Voucher Code From Seller")] = "-"
            rows.append(SettlementFixtureRow(number: rows.count + 1, cells: cells))

            var sku = [String](repeating: "", count: header.count)
            sku[column("Sequence No.")] = String(index + 1)
            sku[column("View By")] = "Sku"
            sku[column("Order ID")] = cells[column("Order ID")]
            sku[column("Product ID")] = String(28_900_000_000 + index)
            sku[column("Product Name")] = "Rattan Side Table"
            sku[column("Product Price")] = xlsxNumber(order.gross)
            rows.append(SettlementFixtureRow(number: rows.count + 1, cells: sku))
        }
        let total = orders.reduce(Money.zero) { $0 + $1.net }
        let summary: [SettlementFixtureRow] = [
            SettlementFixtureRow(number: 1, cells: ["Income Summary"]),
            SettlementFixtureRow(number: 2, cells: ["Released Period", dateRange(orders)]),
            SettlementFixtureRow(number: 3, cells: ["Total Released Amount (RM)", xlsxNumber(total)]),
        ]
        var serviceFees = [SettlementFixtureRow(number: 1, cells: ["Order ID", "Service Fee Type", "Amount"])]
        for order in orders {
            guard let fee = order.fees[.service], fee != .zero else { continue }
            serviceFees.append(SettlementFixtureRow(number: serviceFees.count + 1, cells: [order.orderID, "Free Shipping Programme", xlsxNumber(-fee)]))
        }
        return SettlementFixtureWorkbook(fileName: fileName, sheets: [(name: "Summary", rows: summary), (name: "Income", rows: rows),
                                                             (name: "Service Fee Details", rows: serviceFees)])
    }

    // MARK: Lazada

    public static let lazadaStatementHeader: [String] = [
        "Statement Period", "Statement Number", "Transaction Date", "Fee Name", "Amount(Include Tax)", "VAT Amount",
        "Release Status", "Release Date", "Comment", "Order Creation Date", "Order Number", "Order Line ID", "Seller SKU",
        "Lazada SKU", "WHT Amount", "WHT included in Amount", "Order Status", "Product Name", "Short Code",
    ]

    /// The fee name the Lazada fixture writes for each kind (all in `LazadaStatementColumns.standard`).
    public static let lazadaFeeNames: [SettlementFeeKind: String] = [
        .commission: "Commission", .service: "Free Shipping Max Fee", .transaction: "Payment Fee",
        .shipping: "Shipping Fee Voucher", .voucher: "Promotional Charges Vouchers", .refund: "Reversal Item Price", .other: "Other Fee",
    ]

    /// A Lazada account statement as the `;`-separated CSV text the seller downloads: a banner row, the
    /// header, then one row per fee per order (the "Item Price Credit" row first, then "Shipping Fee (Paid By
    /// Customer)" when the buyer paid shipping), amounts signed as they move the payout, dates as `15 Sep 2025`.
    /// Lazada's statement has no platform shipping discount row ledgersync reads, so `.platform` shipping traps.
    public static func lazadaStatementCSV(_ orders: [SettlementFixtureOrder], defects: [SettlementFixtureDefect] = []) -> String {
        precondition(!defects.contains { if case .netMismatch = $0 { return true } else { return false } },
                     "a Lazada statement has no payout column: its payout is the sum of the fee rows")
        precondition(orders.allSatisfy { $0.platformShipping == .zero }, "the Lazada fixture writes buyer-paid shipping only")
        let header = lazadaStatementHeader
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        var lines = ["Seller Center Account Statement \(dateRange(orders, lazadaDate))", header.joined(separator: ";")]
        for (index, order) in orders.enumerated() {
            let mine = defects.filter { $0.order == index }
            var fees: [(String, Money)] = [("Item Price Credit", order.gross)]
            if order.buyerShipping != .zero { fees.append(("Shipping Fee (Paid By Customer)", order.buyerShipping)) }
            fees += order.orderedFees.map { (lazadaFeeNames[$0.kind]!, -$0.amount) }
            let badRow = order.orderedFees.isEmpty ? 0 : fees.count - order.orderedFees.count
            for (row, (name, amount)) in fees.enumerated() {
                var cells = [String](repeating: "", count: header.count)
                let end = CalendarDate(daysSinceEpoch: order.payoutDate.daysSinceEpoch + 6)
                cells[column("Statement Period")] = "\(lazadaDate(order.payoutDate)) - \(lazadaDate(end))"
                cells[column("Statement Number")] = order.statement ?? "MY\(compact(order.payoutDate))-W"
                cells[column("Transaction Date")] = lazadaDate(CalendarDate(daysSinceEpoch: order.payoutDate.daysSinceEpoch - 3))
                cells[column("Fee Name")] = name
                cells[column("Amount(Include Tax)")] = mine.contains(.badAmount(order: index)) && row == badRow ? badAmountText : amount.description
                cells[column("VAT Amount")] = "0.00"
                cells[column("Release Status")] = "Released"
                cells[column("Release Date")] = mine.contains(.missingPayoutDate(order: index)) && row == 0 ? "" : lazadaDate(order.payoutDate)
                cells[column("Order Creation Date")] = lazadaDate(CalendarDate(daysSinceEpoch: order.payoutDate.daysSinceEpoch - 8))
                cells[column("Order Number")] = mine.contains(.missingOrderID(order: index)) ? "" : order.orderID
                cells[column("Order Line ID")] = "\(order.orderID)01"
                cells[column("Seller SKU")] = "RTN-SIDE-01"
                cells[column("Lazada SKU")] = "3456789012_MY-1234567890"
                cells[column("WHT Amount")] = "0.00"
                cells[column("WHT included in Amount")] = "No"
                cells[column("Order Status")] = "Delivered"
                cells[column("Product Name")] = "Rattan Side Table; natural"
                lines.append(cells.map(csvField).joined(separator: ";"))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same statement read back through the Spreadsheets CSV reader (one sheet, no name).
    public static func lazadaStatement(_ orders: [SettlementFixtureOrder], defects: [SettlementFixtureDefect] = [],
                                       fileName: String = "lazada-statement-20250915.csv") -> SettlementSource {
        // The fixture's own text is valid CSV; should reading it ever fail, the empty source fails every test that uses it.
        (try? SettlementSource.csv(text: lazadaStatementCSV(orders, defects: defects), fileName: fileName))
            ?? SettlementSource(fileName: fileName, sheets: [])
    }

    // MARK: TikTok

    /// Headers as TikTok writes them, trailing spaces included.
    public static let tiktokOrderDetailsHeader: [String] = [
        "Statement date", "Statement ID", "Payment ID", "Status", "Type ", "Currency", "Order/adjustment ID  ",
        "Related order ID", "SKU ID", "Quantity", "Product name", "SKU name", "Order created time", "Order settled time",
        "Total settlement amount", "Total Revenue", "Subtotal before discounts", "Seller discounts", "Net sales ",
        "Customer payment", "Total Fees", "Transaction fee", "TikTok Shop commission fee", "Seller shipping fee",
        "Actual shipping fee", "Platform shipping fee discount", "Customer shipping fee", "Affiliate Commission",
        "SFP service fee", "Platform support fee", "Adjustment amount", "Adjustment reasons", "Shopping center items",
    ]

    /// The column the TikTok fixture writes each fee kind into; voucher, refund and other have no column
    /// of their own and are written into "Total Fees" only, so they read back as one `other` fee
    /// (`TikTokSettlementColumns.otherFeesName`).
    public static let tiktokFeeColumns: [SettlementFeeKind: String] = [
        .commission: "TikTok Shop commission fee", .service: "SFP service fee", .transaction: "Transaction fee", .shipping: "Seller shipping fee",
    ]

    /// A TikTok Shop settlement export: sheet "Order details", headers on row 1 (some with trailing
    /// spaces), one "Order" row per order; fees negative; voucher, refund and other fees have no column of
    /// their own and are only in "Total Fees".
    public static func tiktokSettlement(_ orders: [SettlementFixtureOrder], defects: [SettlementFixtureDefect] = [],
                                        fileName: String = "tiktok-settlement-20250915.xlsx") -> SettlementFixtureWorkbook {
        let header = tiktokOrderDetailsHeader
        func column(_ name: String) -> Int { header.firstIndex { $0.trimmingSpaces == name }! }
        var rows = [SettlementFixtureRow(number: 1, cells: header)]
        for (index, order) in orders.enumerated() {
            let mine = defects.filter { $0.order == index }
            var cells = [String](repeating: "", count: header.count)
            let statement = order.statement ?? "7\(compact(order.payoutDate))0001"
            cells[column("Statement date")] = mine.contains(.missingPayoutDate(order: index)) ? "" : slashed(order.payoutDate)
            cells[column("Statement ID")] = statement
            cells[column("Payment ID")] = "P" + statement
            cells[column("Status")] = "Paid"
            cells[column("Type")] = "Order"
            cells[column("Currency")] = "MYR"
            cells[column("Order/adjustment ID")] = mine.contains(.missingOrderID(order: index)) ? "" : order.orderID
            cells[column("Related order ID")] = "/"
            cells[column("SKU ID")] = String(1_729_384_756_000 + index)
            cells[column("Quantity")] = "1"
            cells[column("Product name")] = "Rattan Side Table"
            cells[column("SKU name")] = "Natural"
            cells[column("Order created time")] = slashed(CalendarDate(daysSinceEpoch: order.payoutDate.daysSinceEpoch - 7)) + " 14:22:05"
            cells[column("Order settled time")] = slashed(CalendarDate(daysSinceEpoch: order.payoutDate.daysSinceEpoch - 1)) + " 09:00:00"
            var net = order.net
            for case .netMismatch(_, let by) in mine { net += by }
            cells[column("Total settlement amount")] = xlsxNumber(net)
            for name in ["Total Revenue", "Subtotal before discounts", "Net sales"] {
                cells[column(name)] = xlsxNumber(order.gross)
            }
            cells[column("Customer payment")] = xlsxNumber(order.gross + order.buyerShipping)
            for name in ["Seller discounts", "Transaction fee", "TikTok Shop commission fee", "Seller shipping fee", "Actual shipping fee",
                         "Platform shipping fee discount", "Customer shipping fee", "Affiliate Commission", "SFP service fee",
                         "Platform support fee", "Adjustment amount"] {
                cells[column(name)] = "0"
            }
            // The customer's shipping and the platform's discount on it are parts of "Seller shipping fee", and so of Total Fees.
            let credits = order.buyerShipping + order.platformShipping
            cells[column("Total Fees")] = xlsxNumber(credits - order.totalFees)
            cells[column("Customer shipping fee")] = xlsxNumber(order.buyerShipping)
            cells[column("Platform shipping fee discount")] = xlsxNumber(order.platformShipping)
            cells[column("Seller shipping fee")] = xlsxNumber(credits)
            for (kind, amount) in order.orderedFees {
                guard let name = tiktokFeeColumns[kind] else { continue }
                cells[column(name)] = xlsxNumber(kind == .shipping ? credits - amount : -amount)
                if kind == .shipping { cells[column("Actual shipping fee")] = xlsxNumber(-amount) }
            }
            if mine.contains(.badAmount(order: index)) { cells[column("Transaction fee")] = badAmountText }
            cells[column("Adjustment reasons")] = "/"
            cells[column("Shopping center items")] = "\(1_729_384_756_000 + index) * 1;"
            rows.append(SettlementFixtureRow(number: rows.count + 1, cells: cells))
        }
        return SettlementFixtureWorkbook(fileName: fileName, sheets: [(name: "Order details", rows: rows)])
    }

    // MARK: Sample data

    /// `count` varied orders (deterministic for a seed) paid out over a week from `firstPayout`, for
    /// end-to-end runs and benchmarks: gross 5.00–999.99, commission ~8%, transaction ~2%, service on
    /// every third order, shipping on every other, a voucher on every fifth.
    public static func sampleOrders(count: Int, prefix: String = "2509", firstPayout: CalendarDate = CalendarDate(year: 2025, month: 9, day: 15),
                                    seed: UInt64 = 42) -> [SettlementFixtureOrder] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in
            let gross = Int64(500 + random.next() % 99_500)
            var fees: [SettlementFeeKind: Money] = [
                .commission: Money(minorUnits: gross * 8 / 100),
                .transaction: Money(minorUnits: gross * 216 / 10_000),
            ]
            if index % 3 == 0 { fees[.service] = Money(minorUnits: gross * 5 / 100) }
            if index % 2 == 0 { fees[.shipping] = Money(minorUnits: 490) }
            if index % 5 == 0 { fees[.voucher] = Money(minorUnits: 500) }
            let id = "\(prefix)\(String(format6(index)))\(["A", "B", "C", "D"][index % 4])"
            return SettlementFixtureOrder(id, payoutDate: CalendarDate(daysSinceEpoch: firstPayout.daysSinceEpoch + index % 7),
                                          gross: Money(minorUnits: gross), fees: fees)
        }
    }

    // MARK: Formatting

    /// A number as an xlsx stores it: no trailing zeros, no grouping (`-10.8`, `120`, `0.05`).
    public static func xlsxNumber(_ money: Money) -> String {
        var text = money.description
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    static func lazadaDate(_ date: CalendarDate) -> String {
        "\(date.day) \(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][date.month - 1]) \(date.year)"
    }

    static func slashed(_ date: CalendarDate) -> String { date.description.replacingDashes(with: "/") }
    static func compact(_ date: CalendarDate) -> String { date.description.replacingDashes(with: "") }
    static func format6(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 6 - text.count)) + text
    }

    static func dateRange(_ orders: [SettlementFixtureOrder], _ format: (CalendarDate) -> String = \.description) -> String {
        guard let first = orders.map(\.payoutDate).min(), let last = orders.map(\.payoutDate).max() else { return "" }
        return "\(format(first)) - \(format(last))"
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "," }) else { return text }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

extension String {
    func replacingDashes(with replacement: String) -> String {
        split(separator: "-", omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
