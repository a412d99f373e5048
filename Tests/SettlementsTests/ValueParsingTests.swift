import LedgerCore
import Testing
@testable import Settlements

@Suite("Amounts, dates and header names as settlement reports write them")
struct ValueParsingTests {
    @Test("amounts in every written form read to the exact sen", arguments: [
        ("1,234.50", Int64(123_450)), ("(12.30)", -1230), ("RM 5.00", 500), ("-3.20", -320),
        ("RM5", 500), ("rm 5.5", 550), ("-RM 5.00", -500), ("RM -5.00", -500), ("(RM 1,234.50)", -123_450),
        ("MYR 10", 1000), (" 7.5 ", 750), ("\u{00A0}12\u{00A0}", 1200), ("1,234,567.89", 123_456_789), ("0", 0),
        ("120", 12_000), ("-10.8", -1080), ("12.300", 1230),
        // Binary-float noise an xlsx keeps for computed cells.
        ("-1.7000000000000002", -170), ("12.299999999999999", 1230), ("0.30000000000000004", 30),
        ("2.7755575615628914E-17", 0), ("1E+3", 100_000), ("1.5e2", 15_000),
    ])
    func amounts(text: String, sen: Int64) {
        #expect(SettlementAmount.parse(text) == .success(Money(minorUnits: sen)))
    }

    @Test("amounts that would need guessing are refused, each with its reason", arguments: [
        ("", SettlementAmount.Problem.empty), ("   ", .empty), ("abc", .notANumber), ("12.3O", .notANumber),
        ("12,34.50", .misplacedThousandsSeparator), ("1,2345.00", .misplacedThousandsSeparator), (",123", .misplacedThousandsSeparator),
        ("12.345", .moreThanTwoDecimals), ("12.34501", .moreThanTwoDecimals), ("--5", .notANumber), ("(-5)", .notANumber),
        ("1.2.3", .notANumber), ("12.", .notANumber), (".5", .notANumber), ("RM", .notANumber), ("1,234.5E2", .notANumber),
        ("5 RM", .notANumber), ("1 234.50", .notANumber), ("9999999999999999", .tooLarge),
    ])
    func refused(text: String, problem: SettlementAmount.Problem) {
        #expect(SettlementAmount.parse(text) == .failure(problem))
    }

    @Test("payout dates in the reports' forms", arguments: [
        "2025-09-15", "2025-09-15T10:21:00", "2025-09-15 10:21:00", "2025/09/15", "2025/09/15 09:00:00",
        "15/09/2025", "15 Sep 2025", "15-Sep-2025", "15 September 2025", "15 SEP 2025 10:21", " 2025-09-15 ",
    ])
    func dates(text: String) {
        #expect(SettlementDate.parse(text) == sep15)
    }

    @Test("text that is not a date is refused", arguments: [
        "", "2025-02-30", "2025-09-15T", "2025-09-15 x", "15/09/2025 at noon", "Sep 15 2025", "45915", "15/13/2025", "2025-09-15Z", "15-OCTO-2025", "2025-9", "15.09.2025",
    ])
    func notDates(text: String) {
        #expect(SettlementDate.parse(text) == nil)
    }

    @Test("header names match case-insensitively with whitespace collapsed")
    func headers() {
        let n = SettlementHeaderName.normalised
        #expect(n("Order/adjustment ID  ") == n("order / adjustment  id"))
        #expect(n("Amount (Include Tax)") == n("Amount(Include Tax)"))
        #expect(n(" Total Released Amount\n(RM) ") == n("total released amount (rm)"))
        #expect(n("Type ") == "type")
        #expect(n("Order ID") != n("OrderID"))
    }

    @Test("CSV text becomes one unnamed sheet; ';' is sniffed and quoted cells keep their delimiters")
    func csv() throws {
        let source = try SettlementSource.csv(text: "\u{FEFF}Banner line\nA;B;C\n1;\"x; y\";\"say \"\"hi\"\"\"\n", fileName: "s.csv")
        #expect(source.fileName == "s.csv")
        #expect(source.sheets.count == 1 && source.sheets[0].name == "")
        #expect(source.sheets[0].rows == [
            SettlementSourceRow(number: 1, cells: ["Banner line"]),
            SettlementSourceRow(number: 2, cells: ["A", "B", "C"]),
            SettlementSourceRow(number: 3, cells: ["1", "x; y", "say \"hi\""]),
        ])
        let commas = try SettlementSource.csv(text: "a,b;c\n", fileName: "c.csv")
        #expect(commas.sheets[0].rows[0].cells == ["a", "b;c"])
    }
}
