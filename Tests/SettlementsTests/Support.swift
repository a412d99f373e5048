import LedgerCore
import Settlements
import SettlementTestFixtures

/// Money from exact text, for readable expectations.
func m(_ text: String) -> Money {
    guard let money = Money(parsing: text) else { fatalError("bad money literal \(text)") }
    return money
}

let sep15 = CalendarDate(year: 2025, month: 9, day: 15)
let sep16 = CalendarDate(year: 2025, month: 9, day: 16)

/// Three orders used by every channel's fixture: a plain one, a large one with shipping and a voucher,
/// and a refunded one whose payout is negative.
let standardOrders = [
    SettlementFixtureOrder("250910ABC123", payoutDate: sep15, gross: m("120.00"),
                           fees: [.commission: m("10.80"), .service: m("6.00"), .transaction: m("2.59")]),
    SettlementFixtureOrder("250911DEF456", payoutDate: sep16, gross: m("1234.50"),
                           fees: [.commission: m("111.11"), .transaction: m("26.67"), .shipping: m("4.90"), .voucher: m("10.00")]),
    SettlementFixtureOrder("250912GHI789", payoutDate: sep16, gross: m("15.00"),
                           fees: [.commission: m("1.35"), .refund: m("15.00")]),
]

/// A diagnostic reduced to what the tests pin down.
struct Seen: Hashable, CustomStringConvertible {
    var severity: Diagnostic.Severity
    var message: String
    var line: Int
    var column: Int
    var cell: String?
    var code: String

    init(_ severity: Diagnostic.Severity, _ message: String, line: Int, column: Int, cell: String?, code: String) {
        self.severity = severity
        self.message = message
        self.line = line
        self.column = column
        self.cell = cell
        self.code = code
    }

    init(_ diagnostic: Diagnostic) {
        self.init(diagnostic.severity, diagnostic.message, line: diagnostic.location?.line ?? -1,
                  column: diagnostic.location?.column ?? -1, cell: diagnostic.keyPath, code: diagnostic.code)
    }

    var description: String { "\(severity) \(line):\(column) [\(cell ?? "-")] \(code): \(message)" }
}

func seen(_ result: SettlementParseResult) -> [Seen] { result.diagnostics.map(Seen.init) }

let badAmountWhy = "'12.3O' is not an amount (it is not a number); write amounts like 1234.50, 1,234.50, RM 1,234.50, (12.30) or -12.30"

// The parsers read a fixture workbook as the xlsx reader would hand it over (`SettlementFixtureWorkbook.source`).
extension ShopeeIncomeParser {
    static func parse(_ workbook: SettlementFixtureWorkbook) -> SettlementParseResult { parse(workbook.source) }
}

extension TikTokSettlementParser {
    static func parse(_ workbook: SettlementFixtureWorkbook) -> SettlementParseResult { parse(workbook.source) }
}

extension SettlementImport {
    static func parse(_ workbook: SettlementFixtureWorkbook, expected: Channel) -> SettlementParseResult { parse(workbook.source, expected: expected) }
    static func parse(_ workbook: SettlementFixtureWorkbook) -> SettlementParseResult { parse(workbook.source) }
}

extension SettlementDetector {
    static func detect(_ workbook: SettlementFixtureWorkbook) -> SettlementDetection? { detect(workbook.source) }
}
