import Foundation
import LedgerCore
import Testing
@testable import Settlements
import SettlementTestFixtures

@Suite("Amounts, dates and CSV text as settlement reports write them")
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

    @Test("CSV text becomes one unnamed sheet; ';' is sniffed and quoted cells keep their delimiters")
    func csv() throws {
        let source = try SettlementSource.csv(text: "\u{FEFF}Banner line\nA;B;C\n1;\"x; y\";\"say \"\"hi\"\"\"\n", fileName: "s.csv")
        #expect(source.fileName == "s.csv")
        #expect(source.sheets.count == 1 && source.sheets[0].name == nil)
        #expect(try source.sheets[0].rows.readAll().map { SettlementFixtureRow(number: $0.number, cells: $0.cells.map(\.text)) } == [
            SettlementFixtureRow(number: 1, cells: ["Banner line"]),
            SettlementFixtureRow(number: 2, cells: ["A", "B", "C"]),
            SettlementFixtureRow(number: 3, cells: ["1", "x; y", "say \"hi\""]),
        ])
        let commas = try SettlementSource.csv(text: "a,b;c\n", fileName: "c.csv")
        #expect(try commas.sheets[0].rows.readAll().map { $0.cells.map(\.text) } == [["a", "b;c"]])
    }

    @Test("CSV that is not UTF-8 is refused, naming the file and saying to save it as UTF-8")
    func notUTF8() throws {
        let latin1 = Data("Order Number;Fee Name;Amount\n1;Caf".utf8) + Data([0xE9]) + Data("; 1.00\n".utf8)
        let error = try #require(throws: Diagnostic.self) { try SettlementSource.csv(bytes: latin1, fileName: "statement.csv") }
        #expect(error.code == "unreadable-file")
        #expect(error.message == "'statement.csv': not a spreadsheet (it is text that is not UTF-8 (perhaps Windows-1252 or Latin-1); "
                + "save the CSV as UTF-8); expected an .xlsx workbook or a CSV text file")
    }
}
