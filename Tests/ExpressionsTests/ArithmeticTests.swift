import Foundation
import LedgerCore
import Testing
import Expressions

/// Arithmetic (`+ - *`, unary minus), lists of numbers with `sum`, and `compileNumber` for derived values.
private enum Arith {
    /// The condition fixture's variables plus the numbers an order-import mapping derives values from.
    static let scope = ExpressionScope(Fixture.scope.variables + [
        ExprVariable(name: "line.qty", type: .number, summary: "quantity"),
        ExprVariable(name: "line.original_price", type: .number, summary: "list price"),
        ExprVariable(name: "line.deal_price", type: .number, summary: "price paid"),
        ExprVariable(name: "order.shipping", type: .number, summary: "shipping fee"),
        ExprVariable(name: "order.discount_amount", type: .number, summary: "order discount"),
        ExprVariable(name: "lines.seller_discount", type: .numberList, summary: "seller discount of each line"),
    ])

    static let values: [String: ExprValue] = Fixture.order.merging([
        "line.qty": .number(10),
        "line.original_price": .number(dec("12.50")),
        "line.deal_price": .number(dec("9.90")),
        "order.shipping": .number(dec("0.1")),
        "order.discount_amount": .number(dec("30")),
        "lines.seller_discount": .numberList([dec("26"), dec("1.5"), dec("0.25")]),
    ]) { _, new in new }

    static func dec(_ text: String) -> Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }

    static func fetch(_ overrides: [String: ExprValue?]) -> (Int) -> ExprValue {
        var current = values
        for (name, value) in overrides { current[name] = value }
        return { index in
            guard scope.variables.indices.contains(index) else { return .missing }
            return current[scope.variables[index].name] ?? .missing
        }
    }

    static func condition(_ source: String, _ overrides: [String: ExprValue?] = [:]) throws -> Bool {
        switch ExpressionCompiler.compile(source, at: Fixture.start, keyPath: Fixture.keyPath, scope: scope) {
        case .success(let expression): return expression.evaluate(fetch(overrides))
        case .failure(let diagnostics): throw CompileFailed(diagnostics: diagnostics)
        }
    }

    static func compiledNumber(_ source: String) throws -> CompiledNumber {
        switch ExpressionCompiler.compileNumber(source, at: Fixture.start, keyPath: "fields.discount", scope: scope) {
        case .success(let number): return number
        case .failure(let diagnostics): throw CompileFailed(diagnostics: diagnostics)
        }
    }

    static func number(_ source: String, _ overrides: [String: ExprValue?] = [:]) throws -> Decimal? {
        try compiledNumber(source).evaluate(fetch(overrides))
    }

    static func conditionDiagnostics(_ source: String) -> [Diagnostic] {
        switch ExpressionCompiler.compile(source, at: Fixture.start, keyPath: Fixture.keyPath, scope: scope) {
        case .success: return []
        case .failure(let diagnostics): return diagnostics
        }
    }

    static func numberDiagnostics(_ source: String, at location: LedgerCore.SourceLocation = Fixture.start) -> [Diagnostic] {
        switch ExpressionCompiler.compileNumber(source, at: location, keyPath: "fields.discount", scope: scope) {
        case .success: return []
        case .failure(let diagnostics): return diagnostics
        }
    }

    /// The file column of the first occurrence of `needle` in a one-line `source` placed at `Fixture.start`.
    static func column(of needle: String, in source: String) -> Int {
        guard let range = source.range(of: needle) else { return -1 }
        return Fixture.start.column + source.distance(from: source.startIndex, to: range.lowerBound)
    }

    static func at(_ column: Int) -> LedgerCore.SourceLocation {
        LedgerCore.SourceLocation(file: Fixture.start.file, line: Fixture.start.line, column: column)
    }
}

@Suite struct ArithmeticPrecedenceTests {
    @Test func multiplicationBindsTighterThanAdditionWhichBindsTighterThanComparison() throws {
        #expect(try Arith.condition("1 + 2 * 3 == 7"))
        #expect(try !Arith.condition("1 + 2 * 3 == 9"))
        #expect(try Arith.condition("(1 + 2) * 3 == 9"))
        #expect(try Arith.condition("2 * 3 + 4 * 5 == 26"))
        #expect(try Arith.condition("7 == 1 + 2 * 3"))
        #expect(try Arith.condition("1 + 1 > 1 and 2 * 2 < 5"))
        #expect(try Arith.condition("not 1 + 1 == 3"))
        #expect(try Arith.number("1 + 2 * 3") == 7)
        #expect(try Arith.number("(1 + 2) * 3") == 9)
    }

    @Test func operatorsAssociateToTheLeft() throws {
        #expect(try Arith.number("10 - 3 - 2") == 5)
        #expect(try Arith.number("10 - (3 - 2)") == 9)
        #expect(try Arith.number("2 * 3 * 4") == 24)
        #expect(try Arith.number("1 - 2 + 3") == 2)
    }

    @Test func unaryMinusBindsTighterThanMultiplication() throws {
        #expect(try Arith.number("-2 * 3") == -6)
        #expect(try Arith.number("-line.qty * 2") == -20)
        #expect(try Arith.number("-(line.qty + 2)") == -12)
        #expect(try Arith.number("- -line.qty") == 10)
    }

    @Test func arithmeticInsideConditions() throws {
        // revenue 100.1, shipping 0.1
        #expect(try Arith.condition("order.revenue - order.shipping > 99.9"))
        #expect(try Arith.condition("order.revenue - order.shipping == 100"))
        #expect(try !Arith.condition("order.revenue - order.shipping > 100"))
        #expect(try Arith.condition("order.revenue - order.shipping > 50", ["order.revenue": .number(Arith.dec("150.1"))]))
        #expect(try Arith.condition("line.qty * line.deal_price in [99, 99.0, 99.00]"))
        #expect(try Arith.condition(#"order.channel == "shopee" and line.qty * 2 >= 20"#))
    }
}

@Suite struct MinusTests {
    /// line.qty is 10 in every case.
    static let cases: [(String, Decimal)] = [
        ("line.qty - 3", 7),
        ("line.qty-3", 7),
        ("line.qty -3", 7),
        ("line.qty - -3", 13),
        ("line.qty--3", 13),
        ("line.qty - - 3", 13),
        ("-line.qty", -10),
        ("2 * -line.qty", -20),
        ("2*-line.qty", -20),
        ("-3", -3),
        ("- 3", -3),
        ("-3 - -3", 0),
        ("3-3", 0),
        ("-0", 0),
    ]

    @Test(arguments: cases)
    func subtractionAndNegation(_ source: String, _ expected: Decimal) throws {
        #expect(try Arith.number(source) == expected, "\(source)")
    }

    @Test func negativeLiteralsInComparisonsAndLists() throws {
        #expect(try Arith.condition("line.qty > -3"))
        #expect(try Arith.condition("line.qty>-3"))
        #expect(try Arith.condition("-3 < line.qty"))
        #expect(try Arith.condition("line.qty * -1 in [-10, -20]"))
        #expect(try Arith.condition("line.qty not in [-10, 1]"))
        #expect(try Arith.condition("-line.qty == -10"))
    }

    @Test func aNegativeLiteralIsStillOneLiteralInMessages() throws {
        let diagnostics = Arith.conditionDiagnostics("order.channel > -3")
        #expect(diagnostics.map(\.message) == ["cannot compare order.channel (string) with -3 (number)"])
        let quoted = Arith.conditionDiagnostics(#"line.qty > "-3""#)
        #expect(quoted.map(\.message) == [#"cannot compare line.qty (number) with "-3" (string); remove the quotes to write a number"#])
    }

    @Test func aMinusInAListNeedsANumber() {
        let source = "line.qty in [1, -line.qty]"
        let diagnostics = Arith.conditionDiagnostics(source)
        #expect(diagnostics.map(\.message) == ["expected a number after '-' in the list (list elements must be literals), found 'line.qty'"])
        #expect(diagnostics.map(\.location) == [Arith.at(Arith.column(of: "line.qty]", in: source))])
    }
}

@Suite struct ExactArithmeticTests {
    @Test func decimalsAreExact() throws {
        #expect(try Arith.condition("0.1 + 0.2 == 0.3"))
        #expect(try Arith.number("0.1 + 0.2") == Arith.dec("0.3"))
        #expect(try Arith.number("1.10 * 3") == Arith.dec("3.3"))
        #expect(try Arith.number("0.3 - 0.1 - 0.2") == 0)
        #expect(try Arith.condition("order.revenue - 0.1 == 100"))
    }

    @Test func sellerDiscountOfALine() throws {
        // (12.50 - 9.90) * 10
        #expect(try Arith.number("(line.original_price - line.deal_price) * line.qty") == 26)
    }

    @Test func orderLevelValueFromAListOfNumbers() throws {
        // 30 - (26 + 1.5 + 0.25)
        #expect(try Arith.number("order.discount_amount - sum(lines.seller_discount)") == Arith.dec("2.25"))
    }
}

@Suite struct MissingOperandTests {
    static let noQty: [String: ExprValue?] = ["line.qty": nil]

    @Test func aMissingOperandMakesComparisonsFalse() throws {
        #expect(try !Arith.condition("line.qty * 2 > 0", Self.noQty))
        #expect(try !Arith.condition("line.qty * 2 <= 0", Self.noQty))
        #expect(try !Arith.condition("line.qty + 1 != 5", Self.noQty))
        #expect(try !Arith.condition("-line.qty < 0", Self.noQty))
        #expect(try Arith.condition("not (line.qty * 2 > 0)", Self.noQty))
        #expect(try !Arith.condition("order.revenue - order.shipping > 0", ["order.shipping": nil]))
    }

    @Test func aMissingOperandMakesTheResultNull() throws {
        #expect(try Arith.condition("line.qty + 1 == null", Self.noQty))
        #expect(try !Arith.condition("line.qty + 1 != null", Self.noQty))
        #expect(try Arith.condition("1 * -line.qty == null", Self.noQty))
        #expect(try !Arith.condition("line.qty + 1 == null"))
        #expect(try Arith.condition("line.qty + 1 != null"))
    }

    @Test func compileNumberGivesNilForAMissingOrWronglyTypedVariable() throws {
        #expect(try Arith.number("(line.original_price - line.deal_price) * line.qty", Self.noQty) == nil)
        #expect(try Arith.number("-line.qty", Self.noQty) == nil)
        #expect(try Arith.number("line.qty", Self.noQty) == nil)
        #expect(try Arith.number("line.qty + 1", ["line.qty": .string("10")]) == nil)
        #expect(try Arith.number("sum(lines.seller_discount)", ["lines.seller_discount": .stringList(["1"])]) == nil)
        #expect(try Arith.compiledNumber("line.qty * 2").evaluate { _ in .missing } == nil)
        #expect(try Arith.compiledNumber("line.qty * 2").evaluate { _ in .bool(true) } == nil)
    }

    @Test func resultsBeyondDecimalAreMissingNotATrap() throws {
        // Foundation's Decimal `*` traps when a product's exponent underflows, and overflows to NaN.
        let expression = try Arith.compiledNumber("line.qty * line.deal_price")
        for (qty, price) in [("1e-100", "1e-100"), ("0.5", "1e-128"), ("1e100", "1e100"), ("1e127", "10")] {
            let values: [String: ExprValue?] = ["line.qty": .number(Decimal(string: qty)!), "line.deal_price": .number(Decimal(string: price)!)]
            #expect(expression.evaluate(Arith.fetch(values)) == nil, "\(qty) * \(price)")
            #expect(try !Arith.condition("line.qty * line.deal_price < 1", values), "\(qty) * \(price)")
            #expect(try Arith.condition("line.qty * line.deal_price == null", values), "\(qty) * \(price)")
        }
        let nan: [String: ExprValue?] = ["line.qty": .number(.nan)]
        #expect(try Arith.number("line.qty + 1", nan) == nil)
        #expect(try Arith.number("-line.qty", nan) == nil)
        #expect(try Arith.number("sum(lines.seller_discount)", ["lines.seller_discount": .numberList([1, .nan])]) == nil)
        #expect(try Arith.number("line.qty * 0", ["line.qty": .number(Decimal(string: "1e-128")!)]) == 0)
    }
}

@Suite struct NumberListTests {
    @Test func sumAddsEveryItemExactly() throws {
        #expect(try Arith.number("sum(lines.seller_discount)") == Arith.dec("27.75"))
        #expect(try Arith.number("sum(lines.seller_discount)", ["lines.seller_discount": .numberList([Arith.dec("0.1"), Arith.dec("0.2")])]) == Arith.dec("0.3"))
        #expect(try Arith.condition("sum(lines.seller_discount) > 27"))
    }

    @Test func sumOfAnEmptyListIsZero() throws {
        let empty: [String: ExprValue?] = ["lines.seller_discount": .numberList([])]
        #expect(try Arith.number("sum(lines.seller_discount)", empty) == 0)
        #expect(try Arith.condition("sum(lines.seller_discount) == 0", empty))
        #expect(try Arith.number("order.discount_amount - sum(lines.seller_discount)", empty) == 30)
    }

    @Test func sumOfAMissingListIsMissing() throws {
        let missing: [String: ExprValue?] = ["lines.seller_discount": nil]
        #expect(try Arith.number("sum(lines.seller_discount)", missing) == nil)
        #expect(try Arith.number("order.discount_amount - sum(lines.seller_discount)", missing) == nil)
        #expect(try Arith.condition("sum(lines.seller_discount) == null", missing))
        #expect(try !Arith.condition("sum(lines.seller_discount) >= 0", missing))
    }

    @Test func lenCountsTheItems() throws {
        #expect(try Arith.number("len(lines.seller_discount)") == 3)
        #expect(try Arith.number("len(lines.seller_discount)", ["lines.seller_discount": .numberList([])]) == 0)
        #expect(try Arith.number("len(lines.seller_discount)", ["lines.seller_discount": nil]) == nil)
        #expect(try Arith.condition("len(lines.seller_discount) == 3 and len(order.tags) == 2"))
    }

    @Test func membershipAndEquality() throws {
        #expect(try Arith.condition("1.5 in lines.seller_discount"))
        #expect(try Arith.condition("line.qty * 0.15 in lines.seller_discount"))
        #expect(try Arith.condition("2 not in lines.seller_discount"))
        #expect(try !Arith.condition("1.5 in lines.seller_discount", ["lines.seller_discount": nil]))
        #expect(try Arith.condition("lines.seller_discount == lines.seller_discount"))
        #expect(try Arith.condition("lines.seller_discount == null", ["lines.seller_discount": nil]))
    }

    @Test func typesDescribeThemselves() {
        #expect(ExprType.numberList.description == "list of numbers")
        #expect(ExprType.numberList.isList && ExprType.stringList.isList && !ExprType.number.isList)
        #expect(ExprValue.numberList([1]).type == .numberList)
    }
}

@Suite struct ArithmeticDiagnosticTests {
    @Test func aStringOperandIsLocatedAndNamed() throws {
        let source = "order.channel + 1 > 2"
        let diagnostics = Arith.conditionDiagnostics(source)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostics.count == 1)
        #expect(diagnostic.message == "'+' needs numbers on both sides, but order.channel is a string")
        #expect(diagnostic.code == "expression-type")
        #expect(diagnostic.location == Arith.at(11))
        #expect(diagnostic.description
            == "packs/acme.yaml:12:11: error: '+' needs numbers on both sides, but order.channel is a string (at rules[0].when)")
    }

    static let messages: [(source: String, message: String, at: String)] = [
        ("order.revenue * order.cod > 1", "'*' needs numbers on both sides, but order.cod is true/false", "order.cod"),
        ("order.dates.paid - 1 > 0", "'-' needs numbers on both sides, but order.dates.paid is a date", "order.dates.paid"),
        ("1 + order.tags > 0", "'+' needs numbers on both sides, but order.tags is a list of strings", "order.tags"),
        ("1 + lines.seller_discount > 0", "'+' needs numbers on both sides, but lines.seller_discount is a list of numbers", "lines.seller_discount"),
        (#"line.qty * "2" > 1"#, #"'*' needs numbers on both sides, but "2" is a string; remove the quotes to write a number"#, "\"2\""),
        ("line.qty + null == 1", "'+' needs numbers on both sides, found null", "null"),
        ("line.qty + [1, 2] > 1", "'+' needs numbers on both sides, found the list [1, 2]", "[1"),
        ("(line.qty > 1) * 2 > 1", "'*' needs numbers on both sides, but (line.qty > 1) is true/false", "("),
        ("-order.channel == 1", "'-' needs a number, but order.channel is a string", "order.channel"),
        ("sum(order.revenue) > 1", "sum() needs a list of numbers, but order.revenue is a number", "order.revenue"),
        ("sum(order.tags) > 1", "sum() needs a list of numbers, but order.tags is a list of strings", "order.tags"),
        ("len(order.cod) > 1", "len() needs a string or a list, but order.cod is true/false", "order.cod"),
        ("order.revenue in lines.seller_discount + 1", "'+' needs numbers on both sides, but lines.seller_discount is a list of numbers", "lines."),
        (#""x" in lines.seller_discount"#, #"cannot look for "x" (string) in lines.seller_discount (list of numbers)"#, "in"),
        ("lines.seller_discount in [1]", "'in' looks for one value in a list, but lines.seller_discount is a list of numbers", "lines."),
        ("lines.seller_discount > 1", "cannot compare lines.seller_discount (list of numbers) with 1 (number)", ">"),
    ]

    @Test(arguments: messages)
    func typeErrorMessage(_ source: String, _ message: String, _ anchor: String) throws {
        let diagnostics = Arith.conditionDiagnostics(source)
        #expect(diagnostics.map(\.message) == [message], "\(source)")
        #expect(diagnostics.map(\.code) == ["expression-type"], "\(source)")
        #expect(diagnostics.map(\.location) == [Arith.at(Arith.column(of: anchor, in: source))], "\(source)")
    }

    @Test func bothBadOperandsAreReportedInSourceOrder() {
        let source = "order.channel * order.cod > 1"
        let diagnostics = Arith.conditionDiagnostics(source)
        #expect(diagnostics.map(\.message) == [
            "'*' needs numbers on both sides, but order.channel is a string",
            "'*' needs numbers on both sides, but order.cod is true/false",
        ])
        #expect(diagnostics.map(\.location) == [Arith.at(11), Arith.at(Arith.column(of: "order.cod", in: source))])
    }

    @Test func divisionIsRefusedAtTheSlash() throws {
        let source = "(line.original_price - line.deal_price) / line.qty"
        for diagnostics in [Arith.numberDiagnostics(source), Arith.conditionDiagnostics(source + " > 1")] {
            #expect(diagnostics.count == 1)
            let diagnostic = try #require(diagnostics.first)
            #expect(diagnostic.message == "unexpected '/'; there is no division: it would round; derive amounts with + - and *")
            #expect(diagnostic.code == "expression-syntax")
            #expect(diagnostic.location == Arith.at(Arith.column(of: "/", in: source)))
            #expect(diagnostic.location == Arith.at(51))
        }
    }
}

@Suite struct CompileNumberTests {
    static let rejected: [(source: String, message: String)] = [
        ("order.channel", "the expression must compute a number, but order.channel is a string"),
        ("order.cod", "the expression must compute a number, but order.cod is true/false"),
        ("line.qty > 5", "the expression must compute a number, but line.qty > 5 is true/false"),
        ("order.dates.paid", "the expression must compute a number, but order.dates.paid is a date"),
        ("lines.seller_discount", "the expression must compute a number, but lines.seller_discount is a list of numbers"),
        (#""12.50""#, #"the expression must compute a number, but "12.50" is a string; remove the quotes to write a number"#),
        ("lower(order.channel)", "the expression must compute a number, but lower(order.channel) is a string"),
        ("null", "the expression must compute a number, found null"),
    ]

    @Test(arguments: rejected)
    func aNonNumberResultIsATypeError(_ source: String, _ message: String) throws {
        let diagnostics = Arith.numberDiagnostics(source)
        #expect(diagnostics.map(\.message) == [message])
        #expect(diagnostics.map(\.code) == ["expression-type"])
        #expect(diagnostics.map(\.keyPath) == ["fields.discount"])
        #expect(diagnostics.map(\.location) == [Arith.at(11)])
    }

    @Test func errorsInsideAreLocatedInTheExpressionText() throws {
        let source = "line.qty * line.dael_price"
        let diagnostic = try #require(Arith.numberDiagnostics(source).first)
        #expect(diagnostic.message == "unknown field 'line.dael_price'")
        #expect(diagnostic.suggestion == "line.deal_price")
        #expect(diagnostic.location == Arith.at(Arith.column(of: "line.dael", in: source)))

        let start = LedgerCore.SourceLocation(file: "mappings/shopee.yaml", line: 30, column: 7)
        let multiline = "line.qty\n  * order.channel"
        let located = try #require(Arith.numberDiagnostics(multiline, at: start).first)
        #expect(located.message == "'*' needs numbers on both sides, but order.channel is a string")
        #expect(located.location == LedgerCore.SourceLocation(file: "mappings/shopee.yaml", line: 31, column: 11))
    }

    @Test func anEmptyExpressionAsksForANumber() {
        #expect(Arith.numberDiagnostics("  ").map(\.message) == ["the expression is empty: expected a number such as line.qty * line.unit_price"])
        #expect(Arith.numberDiagnostics("  ").map(\.code) == ["expression-syntax"])
    }

    @Test func keepsTheSourceAndTheVariablesItReads() throws {
        let source = "order.discount_amount - sum(lines.seller_discount) + line.qty * 0"
        let number = try Arith.compiledNumber(source)
        #expect(number.source == source)
        let names = number.variableIndices.map { Arith.scope.variables[$0].name }
        #expect(names == ["line.qty", "order.discount_amount", "lines.seller_discount"])
        var read = Set<Int>()
        _ = number.evaluate { index in
            read.insert(index)
            return Arith.fetch([:])(index)
        }
        #expect(read.isSubset(of: Set(number.variableIndices)))
        #expect(try Arith.compiledNumber("2 * 3").variableIndices.isEmpty)
    }

    @Test func evaluatesConcurrently() async throws {
        let number = try Arith.compiledNumber("(line.original_price - line.deal_price) * line.qty")
        let fetch = Arith.fetch([:])
        let values = Arith.scope.variables.indices.map { fetch($0) }
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<500).allSatisfy { _ in number.evaluate { values.indices.contains($0) ? values[$0] : .missing } == 26 }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
    }
}

@Suite struct LanguageReferenceExampleTests {
    /// The rule variables the reference's examples use, with their types in rule packs.
    static let scope = ExpressionScope([
        ExprVariable(name: "order.channel", type: .string, summary: ""),
        ExprVariable(name: "order.revenue", type: .number, summary: ""),
        ExprVariable(name: "order.shipping_fee", type: .number, summary: ""),
        ExprVariable(name: "order.skus", type: .stringList, summary: ""),
        ExprVariable(name: "order.dates.paid", type: .date, summary: ""),
        ExprVariable(name: "line.sku", type: .string, summary: ""),
        ExprVariable(name: "line.qty", type: .number, summary: ""),
        ExprVariable(name: "line.unit_price", type: .number, summary: ""),
        ExprVariable(name: "line.seller_discount", type: .number, summary: ""),
    ])

    @Test func everyExampleCompiles() throws {
        let reference = ExpressionCompiler.describeLanguage()
        let examples = try #require(reference.components(separatedBy: "### Examples").last)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("```") }
        let whens = reference.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("when: '"), trimmed.hasSuffix("'") else { return nil }
            return String(trimmed.dropFirst("when: '".count).dropLast())
        }
        #expect(examples.count >= 8 && whens.count >= 4)
        for example in examples + whens {
            if case .failure(let diagnostics) = ExpressionCompiler.compile(example, at: Fixture.start, keyPath: "", scope: Self.scope) {
                Issue.record("\(example): \(diagnostics)")
            }
        }
        let derived = "line.qty * line.unit_price - line.seller_discount"
        #expect(reference.contains(derived))
        if case .failure(let diagnostics) = ExpressionCompiler.compileNumber(derived, at: Fixture.start, keyPath: "", scope: Self.scope) {
            Issue.record("\(derived): \(diagnostics)")
        }
    }
}
