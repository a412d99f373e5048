import Foundation
import LedgerCore
import Testing
import Expressions

@Suite struct PrecedenceTests {
    @Test func andBindsTighterThanOr() throws {
        // cod=true, sample=false, is_bundle=false: only "cod or (sample and is_bundle)" is true.
        #expect(try Fixture.evaluate("order.cod or order.sample and line.is_bundle"))
        #expect(try !Fixture.evaluate("(order.cod or order.sample) and line.is_bundle"))
        #expect(try Fixture.evaluate("order.sample and line.is_bundle or order.cod"))
    }

    @Test func notBindsTighterThanAndButLooserThanComparisons() throws {
        let neither: [String: ExprValue?] = ["order.cod": .bool(false), "order.sample": .bool(false)]
        #expect(try !Fixture.evaluate("not order.cod and order.sample", neither))
        #expect(try Fixture.evaluate("not (order.cod and order.sample)", neither))
        // Would be a type error if `not` applied to order.revenue alone.
        #expect(try !Fixture.evaluate("not order.revenue > 5"))
        #expect(try Fixture.evaluate("not order.revenue > 500"))
        #expect(try Fixture.evaluate("not not order.cod"))
    }

    @Test func connectivesChainLeftToRight() throws {
        #expect(try Fixture.evaluate("order.sample or line.is_bundle or order.cod"))
        #expect(try !Fixture.evaluate("order.cod and order.cod and order.sample"))
        #expect(try Fixture.evaluate("order.cod and (order.sample or (line.is_bundle or order.revenue > 1))"))
    }

    @Test func comparisonsBindTighterThanConnectives() throws {
        #expect(try Fixture.evaluate(#"order.channel == "shopee" and order.revenue >= 100 or order.cod == false"#))
        #expect(try Fixture.evaluate(#"order.channel in ["shopee", "lazada"] and order.revenue >= 50"#))
    }
}

@Suite struct OperatorTests {
    static let cases: [(String, Bool)] = [
        (#"order.channel == "shopee""#, true),
        (#"order.channel == 'shopee'"#, true),
        (#"order.channel != "shopee""#, false),
        (#"order.channel != "lazada""#, true),
        (#"order.channel < "tiktok""#, true),
        (#"order.channel > "tiktok""#, false),
        (#"order.channel <= "shopee""#, true),
        (#"order.channel >= "shopef""#, false),
        ("order.revenue < 100.2", true),
        ("order.revenue <= 100.1", true),
        ("order.revenue > 100.1", false),
        ("order.revenue >= 100.1", true),
        ("order.revenue > -3", true),
        ("order.revenue != 100", true),
        ("100.1 == order.revenue", true),
        ("order.revenue == line.unit_price", false),
        ("line.unit_price == 0", true),
        ("line.unit_price == 0.00", true),
        ("order.cod == true", true),
        ("order.cod != order.sample", true),
        ("order.cod", true),
        ("order.sample", false),
        ("true", true),
        ("false or order.cod", true),
        (#"line.sku starts_with "GIFT-""#, true),
        (#"line.sku starts_with "gift-""#, false),
        (#"line.sku ends_with "001""#, true),
        (#"line.sku ends_with "GIFT""#, false),
        (#"order.note contains "the door""#, true),
        (#"order.note contains "window""#, false),
        (#"order.note contains """#, true),
        (#"order.tags contains "vip""#, true),
        (#"order.tags contains "vi""#, false),
        (#""door" in ["door", "window"]"#, true),
        (#"order.channel in ["shopee", "lazada"]"#, true),
        (#"order.channel in ["tiktok", "lazada"]"#, false),
        (#"order.channel not in ["tiktok", "lazada"]"#, true),
        (#"order.channel not in ["shopee"]"#, false),
        (#"order.channel in []"#, false),
        (#"order.channel in ["shopee",]"#, true),
        ("order.revenue in [100, 100.10, 200]", true),
        ("order.revenue in [1, 2, 3]", false),
        ("order.cod in [true]", true),
        (#""vip" in order.tags"#, true),
        (#""VIP" in order.tags"#, false),
        (#""vip" not in order.tags"#, false),
        (#"line.sku in order.tags"#, false),
        (#"order.tags == order.tags"#, true),
        ("(order.revenue > 1) == order.cod", true),
        (#"line.sku matches "^GIFT-\d+$""#, true),
        (#"line.sku matches "FT-0""#, true),
        (#"line.sku matches "^FT-0""#, false),
        (#"line.sku matches "(?i)^gift-""#, true),
        (#"order.note matches "door$""#, true),
    ]

    @Test(arguments: cases)
    func operatorEvaluates(_ source: String, _ expected: Bool) throws {
        #expect(try Fixture.evaluate(source) == expected, "\(source)")
    }

    @Test func functions() throws {
        #expect(try Fixture.evaluate(#"upper(order.channel) == "SHOPEE""#))
        #expect(try Fixture.evaluate(#"lower(line.sku) starts_with "gift-""#))
        #expect(try Fixture.evaluate(#"lower("ShopEE") == order.channel"#))
        #expect(try Fixture.evaluate(#"lower(order.channel) in ["shopee", "lazada"]"#, ["order.channel": .string("Shopee")]))
        #expect(try Fixture.evaluate("len(order.channel) == 6"))
        #expect(try Fixture.evaluate("len(order.tags) == 2"))
        #expect(try Fixture.evaluate("len(order.tags) > 0", ["order.tags": .stringList([])]) == false)
        #expect(try Fixture.evaluate(#"len("héllo") == 5"#))
        #expect(try Fixture.evaluate("len(upper(line.sku)) >= 8"))
    }

    @Test func stringEscapes() throws {
        #expect(try Fixture.evaluate(#"order.note == "say \"hi\"""#, ["order.note": .string(#"say "hi""#)]))
        #expect(try Fixture.evaluate(#"order.note == 'it\'s'"#, ["order.note": .string("it's")]))
        #expect(try Fixture.evaluate(#"order.note == "a\\b""#, ["order.note": .string(#"a\b"#)]))
        #expect(try Fixture.evaluate(#"order.note == "a\tb\nc""#, ["order.note": .string("a\tb\nc")]))
        #expect(try Fixture.evaluate(#"order.note == 'say "hi"'"#, ["order.note": .string(#"say "hi""#)]))
        // Unknown escapes are kept so regexes need no doubled backslashes.
        #expect(try Fixture.evaluate(#"order.note matches "^\d+\.\d{2}$""#, ["order.note": .string("12.50")]))
        #expect(try Fixture.evaluate(#"order.note matches "^\\d+$""#, ["order.note": .string("12")]))
    }

    @Test func decimalComparisonsAreExact() throws {
        #expect(try Fixture.evaluate("order.revenue == 100.10"))
        #expect(try Fixture.evaluate("order.revenue == 100.1000"))
        #expect(try !Fixture.evaluate("order.revenue == 100.11"))
        #expect(try Fixture.evaluate("order.revenue > 100.0999999999999999999"))
        #expect(try Fixture.evaluate("order.revenue == 0.3", ["order.revenue": .number(Decimal(string: "0.30")!)]))
        #expect(try Fixture.evaluate("order.revenue in [0.1, 0.3]", ["order.revenue": .number(Decimal(string: "0.3")!)]))
    }
}

@Suite struct MissingValueTests {
    static let missingChannel: [String: ExprValue?] = ["order.channel": nil]

    static let cases: [(String, Bool)] = [
        ("order.channel == null", true),
        ("null == order.channel", true),
        ("order.channel != null", false),
        (#"order.channel == "shopee""#, false),
        (#"order.channel != "shopee""#, false),
        (#"not (order.channel == "shopee")"#, true),
        (#"not (order.channel != "shopee")"#, true),
        (#"order.channel < "z""#, false),
        (#"order.channel in ["shopee"]"#, false),
        (#"order.channel not in ["shopee"]"#, false),
        (#"not (order.channel in ["shopee"])"#, true),
        (#"order.channel starts_with "s""#, false),
        (#"order.channel contains """#, false),
        (#"order.channel matches ".*""#, false),
        (#"lower(order.channel) == "shopee""#, false),
        ("lower(order.channel) == null", true),
        ("len(order.channel) == null", true),
        ("len(order.channel) >= 0", false),
        ("order.channel == line.sku", false),
        (#"order.channel == null or order.channel != "lazada""#, true),
    ]

    @Test(arguments: cases)
    func missingChannel(_ source: String, _ expected: Bool) throws {
        #expect(try Fixture.evaluate(source, Self.missingChannel) == expected, "\(source)")
    }

    @Test func presentValuesAreNotNull() throws {
        #expect(try !Fixture.evaluate("order.channel == null"))
        #expect(try Fixture.evaluate("order.channel != null"))
        #expect(try Fixture.evaluate("order.dates.paid != null"))
        #expect(try Fixture.evaluate("null == null"))
    }

    @Test func twoMissingValuesAreNotEqual() throws {
        #expect(try !Fixture.evaluate("order.channel == line.sku", ["order.channel": nil, "line.sku": nil]))
    }

    @Test func missingPaidDate() throws {
        let unpaid: [String: ExprValue?] = ["order.dates.paid": nil]
        #expect(try Fixture.evaluate("order.dates.paid == null", unpaid))
        #expect(try !Fixture.evaluate(#"order.dates.paid >= "2024-01-01""#, unpaid))
        #expect(try !Fixture.evaluate(#"order.dates.paid < "2024-01-01""#, unpaid))
        #expect(try Fixture.evaluate(#"not (order.dates.paid >= "2024-01-01")"#, unpaid))
    }

    @Test func missingBoolsAndLists() throws {
        #expect(try !Fixture.evaluate("order.cod", ["order.cod": nil]))
        #expect(try Fixture.evaluate("not order.cod", ["order.cod": nil]))
        #expect(try !Fixture.evaluate("order.cod == false", ["order.cod": nil]))
        #expect(try !Fixture.evaluate(#""vip" in order.tags"#, ["order.tags": nil]))
        #expect(try !Fixture.evaluate(#""vip" not in order.tags"#, ["order.tags": nil]))
        #expect(try !Fixture.evaluate("len(order.tags) == 0", ["order.tags": nil]))
        #expect(try Fixture.evaluate("order.tags == null", ["order.tags": nil]))
    }

    @Test func wrongTypedValuesCountAsMissingWithoutTrapping() throws {
        let confused: [String: ExprValue?] = [
            "order.channel": .number(5), "order.revenue": .string("x"), "order.tags": .bool(true),
            "order.dates.paid": .string("2024-07-15"), "order.cod": .number(1),
        ]
        #expect(try !Fixture.evaluate(#"order.channel == "5""#, confused))
        #expect(try Fixture.evaluate("order.channel == null", confused))
        #expect(try !Fixture.evaluate("order.revenue > 0", confused))
        #expect(try !Fixture.evaluate(#""vip" in order.tags"#, confused))
        #expect(try !Fixture.evaluate(#"order.dates.paid == "2024-07-15""#, confused))
        #expect(try !Fixture.evaluate("order.cod", confused))
        #expect(try !Fixture.evaluate(#"order.channel matches "5""#, confused))
    }
}

@Suite struct DateTests {
    @Test func literalStringsBecomeDatesNextToDateFields() throws {
        #expect(try Fixture.evaluate(#"order.dates.paid == "2024-07-15""#))
        #expect(try Fixture.evaluate(#"order.dates.paid >= "2024-07-01" and order.dates.paid < "2024-08-01""#))
        #expect(try Fixture.evaluate(#""2024-07-14" < order.dates.paid"#))
        #expect(try !Fixture.evaluate(#""2024-07-16" <= order.dates.paid"#))
        #expect(try Fixture.evaluate(#"order.dates.paid in ["2024-07-14", "2024-07-15"]"#))
        #expect(try Fixture.evaluate(#"order.dates.paid not in ["2024-02-29"]"#))
        #expect(try Fixture.evaluate(#"order.dates.paid > ("1999-12-31")"#))
    }

    @Test func leapDaysAndYearBoundaries() throws {
        #expect(try Fixture.evaluate(#"order.dates.paid == "2024-02-29""#, ["order.dates.paid": .date(CalendarDate(year: 2024, month: 2, day: 29).daysSinceEpoch)]))
        #expect(try Fixture.evaluate(#"order.dates.paid > "2023-12-31""#, ["order.dates.paid": .date(CalendarDate(year: 2024, month: 1, day: 1).daysSinceEpoch)]))
    }

    @Test func dateLiteralsUseTheEnginesDayNumbers() throws {
        // Day numbers are CalendarDate.daysSinceEpoch, which the engine supplies for date fields.
        for text in ["1970-01-01", "1969-12-31", "2000-02-29", "2024-07-15", "2099-12-31"] {
            let day = try #require(CalendarDate(parsing: text)).daysSinceEpoch
            #expect(try Fixture.evaluate("order.dates.paid == \"\(text)\"", ["order.dates.paid": .date(day)]), "\(text)")
            #expect(try !Fixture.evaluate("order.dates.paid == \"\(text)\"", ["order.dates.paid": .date(day + 1)]), "\(text)")
        }
        #expect(CalendarDate(year: 2024, month: 7, day: 15).daysSinceEpoch == 19_919)
    }

    @Test func plainStringsStayStrings() throws {
        #expect(try Fixture.evaluate(#"order.note == "2024-07-15""#, ["order.note": .string("2024-07-15")]))
    }
}

@Suite struct CompiledExpressionTests {
    @Test func reportsOnlyTheVariablesItReads() throws {
        let expression = try Fixture.compiled(#"line.sku matches "^GIFT-" or (order.channel == "shopee" and line.sku != null)"#)
        #expect(expression.variableIndices == [0, 6])
        #expect(try Fixture.compiled("true").variableIndices.isEmpty)
    }

    @Test func evaluationReadsNoOtherVariables() throws {
        let expression = try Fixture.compiled(#"order.revenue > 10 and "vip" in order.tags"#)
        var read = Set<Int>()
        _ = expression.evaluate { index in
            read.insert(index)
            return Fixture.order[Fixture.scope.variables[index].name] ?? .missing
        }
        #expect(read.isSubset(of: Set(expression.variableIndices)))
    }

    @Test func keepsTheSource() throws {
        let source = #"order.channel == "shopee""#
        #expect(try Fixture.compiled(source).source == source)
    }

    @Test func evaluatesConcurrently() async throws {
        let expression = try Fixture.compiled(#"line.sku matches "^GIFT-\d+$" and order.revenue >= 100"#)
        let values = Fixture.scope.variables.map { Fixture.order[$0.name] ?? .missing }
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<500).allSatisfy { _ in expression.evaluate { values.indices.contains($0) ? values[$0] : .missing } }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
    }

    @Test func outOfRangeIndicesFromTheCallerAreHarmless() throws {
        let expression = try Fixture.compiled(#"order.channel == "shopee""#)
        #expect(expression.evaluate { _ in .missing } == false)
    }

    @Test func languageReferenceCoversTheEssentials() {
        let reference = ExpressionCompiler.describeLanguage()
        for needle in ["`a or b`", "`a and b`", "`not a`", "not in", "matches", "starts_with", "ends_with", "contains",
                       "lower(s)", "upper(s)", "len(x)", "sum(x)", "`a + b`", "`a * b`", "list of numbers", "no division",
                       "== null", "YYYY-MM-DD", "Missing values", "Examples"] {
            #expect(reference.contains(needle), "describeLanguage() should mention \(needle)")
        }
    }

    @Test func scopeLooksUpByName() {
        var scope = Fixture.scope
        #expect(scope.index(of: "order.revenue") == 1)
        #expect(scope.index(of: "order.nope") == nil)
        scope.variables.append(ExprVariable(name: "order.extra", type: .string, summary: ""))
        #expect(scope.index(of: "order.extra") == Fixture.scope.variables.count)
    }
}
