import LedgerCore
import Testing

@Suite("Money and rates are exact")
struct MoneyTests {
    @Test("plain decimal strings parse to sen", arguments: [
        ("100.00", Int64(10000)), ("0.5", 50), ("12", 1200), ("-3.25", -325), ("0.01", 1), ("999999.99", 99_999_999),
    ])
    func parses(text: String, sen: Int64) {
        #expect(Money(parsing: text)?.minorUnits == sen)
    }

    @Test("anything that would need guessing is rejected", arguments: ["1,200.00", "12.345", "1e3", " 12.00", "12.", ".5", "", "-", "RM12", "12.00 "])
    func rejects(text: String) {
        #expect(Money(parsing: text) == nil)
    }

    @Test("money prints with exactly two decimals")
    func prints() {
        #expect(Money(minorUnits: 5).description == "0.05")
        #expect(Money(minorUnits: -1950).description == "-19.50")
        #expect(Money(minorUnits: 123_456_789).description == "1234567.89")
    }

    @Test("tax on an exclusive amount rounds half up to the sen")
    func exclusiveTax() {
        let sst = Rate(parsing: "8%")
        #expect(sst?.tax(onExclusive: Money(minorUnits: 1_000)).minorUnits == 80)
        // 6% of 0.25 = 0.015 → 0.02 (half up), and of 0.24 = 0.0144 → 0.01.
        #expect(Rate(parsing: "6%")?.tax(onExclusive: Money(minorUnits: 25)).minorUnits == 2)
        #expect(Rate(parsing: "6%")?.tax(onExclusive: Money(minorUnits: 24)).minorUnits == 1)
        #expect(Rate(parsing: "6%")?.tax(onExclusive: Money(minorUnits: -25)).minorUnits == -2)
    }

    @Test("tax contained in an inclusive amount is r/(100+r) of it")
    func inclusiveTax() {
        // 105.00 at 5% inclusive contains exactly 5.00.
        #expect(Rate(parsing: "5%")?.tax(containedIn: Money(minorUnits: 10_500)).minorUnits == 500)
        // 849.00 at 5%: 40.428… → 40.43
        #expect(Rate(parsing: "5%")?.tax(containedIn: Money(minorUnits: 84_900)).minorUnits == 4043)
    }

    @Test("rates print the way SQL Account writes them")
    func rateText() {
        #expect(Rate(parsing: "8")?.description == "8%")
        #expect(Rate(parsing: "6.50%")?.description == "6.5%")
        #expect(Rate(parsing: "-1%") == nil)
        #expect(Rate(parsing: "abc") == nil)
    }
}

@Suite("Order timestamps and document dates")
struct TimestampTests {
    @Test("an order time late at night UTC is the next day in Malaysia")
    func localDate() throws {
        let stamp = try #require(Timestamp(parsing: "2025-09-15T17:30:00Z"))
        #expect(stamp.localDate(utcOffsetSeconds: 8 * 3600).description == "2025-09-16")
        #expect(stamp.localDate(utcOffsetSeconds: 0).description == "2025-09-15")
    }

    @Test("offsets and fractional seconds are understood")
    func offsets() throws {
        let a = try #require(Timestamp(parsing: "2025-09-15T10:21:00+08:00"))
        let b = try #require(Timestamp(parsing: "2025-09-15T02:21:00.250Z"))
        #expect(a.secondsSinceEpoch == b.secondsSinceEpoch)
        #expect(Timestamp(parsing: "2025-09-15T10:21:00+0800")?.secondsSinceEpoch == a.secondsSinceEpoch)
    }

    @Test("invalid times are rejected", arguments: ["2025-02-30T10:00:00+08:00", "2025-09-15T25:00:00Z", "2025-09-15T10:00:00", "15/09/2025", "2025-9-15T10:00:00Z", ""])
    func rejects(text: String) {
        #expect(Timestamp(parsing: text) == nil)
    }

    @Test("calendar dates round-trip through day numbers")
    func dayNumbers() {
        for days in stride(from: -800, through: 30_000, by: 97) {
            let date = CalendarDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
        }
        #expect(CalendarDate(year: 2024, month: 2, day: 29).daysSinceEpoch == 19_782)
        #expect(CalendarDate(parsing: "2024-02-29")?.description == "2024-02-29")
    }
}

@Suite("Did you mean")
struct SuggestTests {
    @Test func closest() {
        #expect(Suggest.closest(to: "defualts", in: ["defaults", "profile", "rules"]) == "defaults")
        #expect(Suggest.closest(to: "shoppe", in: ["shopee", "lazada"]) == "shopee")
        #expect(Suggest.closest(to: "zzzzzz", in: ["shopee", "lazada"]) == nil)
    }

    @Test("diagnostics render compiler style")
    func rendering() {
        let diagnostic = Diagnostic.error("unknown key 'agnet'", at: SourceLocation(file: "rules/x/pack.yaml", line: 12, column: 3), keyPath: "defaults.agnet", suggestion: "agent")
        #expect(diagnostic.description == "rules/x/pack.yaml:12:3: error: unknown key 'agnet' (at defaults.agnet); did you mean 'agent'?")
    }
}
