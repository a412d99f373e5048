import Foundation
import LedgerCore
import Testing
import Expressions

/// The file column of the first occurrence of `needle` in a single-line `source` placed at `Fixture.start`.
private func column(of needle: String, in source: String, occurrence: Int = 1) -> Int {
    var searchStart = source.startIndex
    var found = source.startIndex
    for _ in 0..<occurrence {
        guard let range = source.range(of: needle, range: searchStart..<source.endIndex) else { return -1 }
        found = range.lowerBound
        searchStart = range.upperBound
    }
    return Fixture.start.column + source.distance(from: source.startIndex, to: found)
}

private func at(_ column: Int, line: Int = Fixture.start.line) -> LedgerCore.SourceLocation {
    LedgerCore.SourceLocation(file: Fixture.start.file, line: line, column: column)
}

@Suite struct UnknownNameTests {
    @Test func unknownFieldSuggestsTheClosestName() throws {
        let diagnostic = try Fixture.onlyDiagnostic(#"order.chanel == "shopee""#)
        #expect(diagnostic.message == "unknown field 'order.chanel'")
        #expect(diagnostic.code == "unknown-field")
        #expect(diagnostic.suggestion == "order.channel")
        #expect(diagnostic.severity == .error)
        #expect(diagnostic.keyPath == "rules[0].when")
        #expect(diagnostic.location == at(11))
        #expect(diagnostic.description
            == "packs/acme.yaml:12:11: error: unknown field 'order.chanel' (at rules[0].when); did you mean 'order.channel'?")
    }

    @Test func unknownFieldInTheMiddle() throws {
        let source = "order.revenue > 5 and ordr.cod"
        let diagnostic = try Fixture.onlyDiagnostic(source)
        #expect(diagnostic.message == "unknown field 'ordr.cod'")
        #expect(diagnostic.suggestion == "order.cod")
        #expect(diagnostic.location == at(column(of: "ordr", in: source)))
    }

    @Test func missingPrefixIsSuggested() throws {
        #expect(try Fixture.onlyDiagnostic(#"chanel == "x""#).suggestion == "order.channel")
        #expect(try Fixture.onlyDiagnostic(#"unit_price > 1"#).suggestion == "line.unit_price")
    }

    @Test func noSuggestionWhenNothingIsClose() throws {
        let diagnostic = try Fixture.onlyDiagnostic("order.warehouse_code == 1")
        #expect(diagnostic.message == "unknown field 'order.warehouse_code'")
        #expect(diagnostic.suggestion == nil)
    }

    @Test func capitalisedLiteralsSuggestTheKeyword() throws {
        let diagnostic = try Fixture.onlyDiagnostic("order.cod == TRUE")
        #expect(diagnostic.message == "unknown field 'TRUE'")
        #expect(diagnostic.suggestion == "true")
    }

    @Test func everyUnknownFieldIsReported() {
        let source = "ordr.cod or line.skuu == order.channel"
        let found = Fixture.diagnostics(source)
        #expect(found.map(\.message) == ["unknown field 'ordr.cod'", "unknown field 'line.skuu'"])
        #expect(found.map(\.location) == [at(11), at(column(of: "line.skuu", in: source))])
    }

    @Test func unknownFunction() throws {
        let source = #"lowr(order.channel) == "x""#
        let diagnostic = try Fixture.onlyDiagnostic(source)
        #expect(diagnostic.message == "unknown function 'lowr()'; the functions are lower(), upper(), len() and sum()")
        #expect(diagnostic.code == "unknown-field")
        #expect(diagnostic.suggestion == "lower")
        #expect(diagnostic.location == at(11))
    }
}

@Suite struct TypeErrorTests {
    @Test func mismatchedComparison() throws {
        let source = #"order.revenue == "abc""#
        let diagnostic = try Fixture.onlyDiagnostic(source)
        #expect(diagnostic.message == #"cannot compare order.revenue (number) with "abc" (string)"#)
        #expect(diagnostic.code == "expression-type")
        #expect(diagnostic.location == at(column(of: "==", in: source)))
        #expect(diagnostic.location == at(25))
    }

    @Test func quotedNumbersGetAHint() throws {
        let diagnostic = try Fixture.onlyDiagnostic(#"order.revenue >= "500""#)
        #expect(diagnostic.message == #"cannot compare order.revenue (number) with "500" (string); remove the quotes to write a number"#)
    }

    @Test func everyTypeErrorIsReportedInSourceOrder() {
        let source = #"order.revenue == "abc" or order.channel > 5 or order.cod == "yes""#
        let found = Fixture.diagnostics(source)
        #expect(found.map(\.message) == [
            #"cannot compare order.revenue (number) with "abc" (string)"#,
            "cannot compare order.channel (string) with 5 (number)",
            #"cannot compare order.cod (bool) with "yes" (string)"#,
        ])
        #expect(found.map(\.location) == [
            at(column(of: "==", in: source)), at(column(of: ">", in: source)), at(column(of: "==", in: source, occurrence: 2)),
        ])
        #expect(found.allSatisfy { $0.code == "expression-type" })
    }

    static let messages: [(String, String)] = [
        ("order.revenue", "the expression must be true or false, but order.revenue is a number"),
        ("order.revenue and order.cod", "'and' needs true/false on both sides, but order.revenue is a number"),
        ("order.cod or line.sku", "'or' needs true/false on both sides, but line.sku is a string"),
        ("not order.channel", "'not' needs true/false, but order.channel is a string"),
        ("order.cod < true", "'<' needs numbers, dates or strings, but order.cod is true/false"),
        ("order.tags >= order.tags", "'>=' needs numbers, dates or strings, but order.tags is a list of strings"),
        ("order.revenue < null", "null can only be compared with '==' or '!=', not '<'"),
        (#"order.revenue in ["a", "b"]"#, #"cannot look for order.revenue (number) in ["a", "b"] (list of strings)"#),
        (#"order.revenue in ["1", "2"]"#, #"cannot look for order.revenue (number) in ["1", "2"] (list of strings); remove the quotes to write a number"#),
        ("order.channel in [1, 2]", "cannot look for order.channel (string) in [1, 2] (list of numbers)"),
        (#"order.channel in ["a", 1]"#, #"list elements must all have the same type, but "a" is a string and 1 is a number"#),
        ("order.revenue in order.tags", "cannot look for order.revenue (number) in order.tags (list of strings)"),
        ("order.tags in [\"a\"]", "'in' looks for one value in a list, but order.tags is a list of strings; use 'contains' to look inside it"),
        ("order.channel in order.revenue", "'in' needs a list on the right, but order.revenue is a number"),
        ("null in order.tags", "'in' cannot look for null; test for a missing value with '== null'"),
        (#"order.channel == ["a"]"#, #"a list like ["a"] can only appear on the right of 'in' or 'not in'"#),
        ("order.revenue starts_with \"1\"", "'starts_with' needs strings on both sides, but order.revenue is a number"),
        ("line.sku ends_with 1", "'ends_with' needs strings on both sides, but 1 is a number"),
        ("order.tags contains 1", "'contains' needs a string or a list of strings on the left and a string on the right, but 1 is a number"),
        ("order.revenue matches \"1\"", "'matches' needs a string on the left, but order.revenue is a number"),
        ("lower(order.revenue) == \"x\"", "lower() needs a string, but order.revenue is a number"),
        ("len(order.revenue) > 1", "len() needs a string or a list, but order.revenue is a number"),
        ("upper(line.sku, order.channel) == \"x\"", "upper() takes one argument, found 2"),
        ("order.dates.paid == order.channel", "cannot compare order.dates.paid (date) with order.channel (string)"),
        (#"order.dates.paid > "yesterday""#, #"cannot compare order.dates.paid (date) with "yesterday" (string); write dates as "YYYY-MM-DD""#),
        (#"order.cod == "true""#, #"cannot compare order.cod (bool) with "true" (string); write true or false without quotes"#),
    ]

    @Test(arguments: messages)
    func typeErrorMessage(_ source: String, _ message: String) throws {
        let diagnostic = try Fixture.onlyDiagnostic(source)
        #expect(diagnostic.message == message)
        #expect(diagnostic.code == "expression-type")
    }

    @Test func substringSearchWithInSuggestsContains() throws {
        let diagnostic = try Fixture.onlyDiagnostic(#""door" in order.note"#)
        #expect(diagnostic.message == "'in' needs a list on the right, but order.note is a string; to search inside text use 'contains'")
        #expect(diagnostic.suggestion == "contains")
    }

    @Test func nonBoolOperandOfAndIsLocatedAtTheOperand() throws {
        let source = "order.cod and order.revenue"
        #expect(try Fixture.onlyDiagnostic(source).location == at(column(of: "order.revenue", in: source)))
    }
}

@Suite struct RegexAndDateDiagnosticTests {
    @Test func invalidRegexIsLocatedAtThePattern() throws {
        let source = #"line.sku matches "([A-Z""#
        let diagnostic = try Fixture.onlyDiagnostic(source)
        #expect(diagnostic.message == #"invalid regular expression "([A-Z": '[' is never closed with ']'"#)
        #expect(diagnostic.code == "invalid-regex")
        #expect(diagnostic.location == at(column(of: "\"", in: source)))
        #expect(diagnostic.location == at(28))
    }

    @Test func regexHints() throws {
        #expect(try Fixture.onlyDiagnostic(#"line.sku matches "*GIFT""#).message
            == #"invalid regular expression "*GIFT": '*' has nothing before it to repeat; write \* for a literal '*'"#)
        #expect(try Fixture.onlyDiagnostic(#"line.sku matches "(GIFT""#).message
            == #"invalid regular expression "(GIFT": '(' is never closed with ')'"#)
        #expect(try Fixture.onlyDiagnostic(#"line.sku matches "GIFT)""#).message
            == #"invalid regular expression "GIFT)": ')' has no matching '('"#)
    }

    @Test func impossibleDay() throws {
        let source = #"order.dates.paid >= "2024-02-30""#
        let diagnostic = try Fixture.onlyDiagnostic(source)
        #expect(diagnostic.message == #"invalid date "2024-02-30": February 2024 has 29 days"#)
        #expect(diagnostic.code == "invalid-date")
        #expect(diagnostic.location == at(column(of: "\"", in: source)))
    }

    @Test func impossibleMonthOnEitherSide() throws {
        let diagnostic = try Fixture.onlyDiagnostic(#""2023-13-01" < order.dates.paid"#)
        #expect(diagnostic.message == #"invalid date "2023-13-01": month must be between 01 and 12"#)
        #expect(diagnostic.location == at(11))
    }

    @Test func badDatesInAList() {
        let source = #"order.dates.paid in ["2023-02-29", "2024-02-29", "soon"]"#
        let found = Fixture.diagnostics(source)
        #expect(found.map(\.code) == ["invalid-date", "expression-type"])
        #expect(found.map(\.message) == [
            #"invalid date "2023-02-29": February 2023 has 28 days"#,
            #"cannot look for order.dates.paid (date) in a list containing "soon" (string); write dates as "YYYY-MM-DD""#,
        ])
        #expect(found.map(\.location) == [at(column(of: "\"2023", in: source)), at(column(of: "\"soon", in: source))])
    }
}

@Suite struct SyntaxErrorTests {
    static let cases: [(source: String, message: String, at: String?, suggestion: String?)] = [
        // `at: nil` means the end of the expression.
        (#"order.channel == "shopee" and"#, "expected an operand after 'and', found end of expression", nil, nil),
        ("order.revenue >=   ", "expected an operand after '>=', found end of expression", nil, nil),
        ("order.revenue >= and order.cod", "expected an operand after '>=', found 'and'", "and", nil),
        ("(order.cod or order.sample and line.is_bundle",
         "expected ')' to close the '(' at column 11, found end of expression", nil, nil),
        ("order.cod)", "unexpected ')' without a matching '('", ")", nil),
        (#"order.channel = "shopee""#, "unexpected '='; compare with '=='", "=", "=="),
        ("order.cod && order.sample", "unexpected '&&'; combine conditions with 'and'", "&&", "and"),
        ("!order.cod", "unexpected '!'; negate with 'not'", "!", "not"),
        ("order.cod AND order.sample", "expected an operator after 'order.cod', found 'AND'", "AND", "and"),
        (#"order.channel == "a" OR order.cod"#, #"expected 'and' or 'or' after 'order.channel == "a"', found 'OR'"#, "OR", "or"),
        (#"order.channel "shopee""#, #"expected an operator after 'order.channel', found "shopee""#, "\"", nil),
        (#"order.channel == "shopee"#, #"unterminated string: expected a closing ", found end of expression"#, "\"", nil),
        ("order.revenue > 1 < 2", "comparisons cannot be chained: found '<' after 'order.revenue > 1'; combine comparisons with 'and'", "<", "and"),
        ("line.sku matches order.channel", "expected a quoted regular expression after 'matches', found 'order.channel'", "order.channel", nil),
        (#"order.channel in ["a", order.note]"#, "expected a string, number, true or false in the list (list elements must be literals), found 'order.note'", "order.note", nil),
        (#"order.channel in ["a" "b"]"#, #"expected ',' or ']' in the list opened at column 28, found "b""#, "\"b", nil),
        (#"order.channel not "x""#, #"expected 'in' after 'not' (as in x not in [...]), found "x""#, "\"x", nil),
        ("order.cod and not", "expected an operand after 'not', found end of expression", nil, nil),
        ("order.revenue > 12.", "expected digits after the decimal point in '12.'", nil, nil),
        ("order.revenue / 2 > 1", "unexpected '/'; there is no division: it would round; derive amounts with + - and *", "/", nil),
        ("order.revenue * 6% > 1", "unexpected '%'; there is no '%': write a percentage as a factor, as in x * 0.06", "%", nil),
        ("order.revenue > 1 +", "expected an operand after '+', found end of expression", nil, nil),
        ("order.revenue * * 2 > 1", "expected an operand after '*', found '*'", "* 2", nil),
        ("order.revenue 5", "expected an operator after 'order.revenue', found '5'", "5", nil),
        ("order. == 1", "expected a field name after '.' in 'order.'", " ", nil),
        ("lower(order.channel", "expected ',' or ')' in the call to lower(, found end of expression", nil, nil),
        ("== 1", "expected an expression, found '=='", "==", nil),
        ("   ", "the expression is empty: expected a condition such as order.revenue >= 500", nil, nil),
        ("order.cod ,", "expected 'and', 'or' or end of expression, found ','", ",", nil),
    ]

    @Test(arguments: cases)
    func syntaxError(_ source: String, _ message: String, _ anchor: String?, _ suggestion: String?) throws {
        let diagnostic = try Fixture.onlyDiagnostic(source)
        #expect(diagnostic.message == message)
        #expect(diagnostic.code == "expression-syntax")
        #expect(diagnostic.suggestion == suggestion)
        let trimmedLength = source.count - source.reversed().prefix { $0.isWhitespace }.count
        let expected = anchor.map { column(of: $0, in: source) } ?? Fixture.start.column + trimmedLength
        #expect(diagnostic.location == at(expected), "\(source)")
    }

    @Test func onlyTheFirstSyntaxErrorIsReported() {
        let found = Fixture.diagnostics("ordr.cod and and ==")
        #expect(found.map(\.message) == ["expected an operand after 'and', found 'and'"])
    }

    @Test func lexicalErrorsAfterAParseErrorAreNotReported() {
        let found = Fixture.diagnostics("order.cod and or = 3")
        #expect(found.map(\.message) == ["expected an operand after 'and', found 'or'"])
    }
}

@Suite struct SourcePositionTests {
    /// A YAML block scalar: the text lines start at `column` of consecutive file lines.
    static let blockStart = LedgerCore.SourceLocation(file: "packs/acme.yaml", line: 20, column: 7)

    @Test func typeErrorOnALaterLine() throws {
        let source = "order.channel == \"shopee\"\n  and order.revenue >= \"abc\"\n"
        let diagnostic = try Fixture.onlyDiagnostic(source, at: Self.blockStart)
        #expect(diagnostic.location == LedgerCore.SourceLocation(file: "packs/acme.yaml", line: 21, column: 7 + 20))
    }

    @Test func unknownFieldOnTheThirdLineWithWindowsLineEndings() throws {
        let source = "order.cod\r\nor order.sample\r\nor line.is_bundel\r\n"
        let diagnostic = try Fixture.onlyDiagnostic(source, at: Self.blockStart)
        #expect(diagnostic.message == "unknown field 'line.is_bundel'")
        #expect(diagnostic.suggestion == "line.is_bundle")
        #expect(diagnostic.location == LedgerCore.SourceLocation(file: "packs/acme.yaml", line: 22, column: 10))
    }

    @Test func endOfExpressionIsAfterTheLastToken() throws {
        let source = "order.cod and\n  order.sample or\n\n"
        let diagnostic = try Fixture.onlyDiagnostic(source, at: Self.blockStart)
        #expect(diagnostic.message == "expected an operand after 'or', found end of expression")
        #expect(diagnostic.location == LedgerCore.SourceLocation(file: "packs/acme.yaml", line: 21, column: 7 + 17))
    }

    @Test func unclosedParenthesisNamesItsLine() throws {
        let source = "order.cod and\n  (order.sample or line.is_bundle"
        let diagnostic = try Fixture.onlyDiagnostic(source, at: Self.blockStart)
        #expect(diagnostic.message == "expected ')' to close the '(' at line 21, column 9, found end of expression")
    }

    @Test func unknownColumnsStayUnknown() throws {
        let diagnostic = try Fixture.onlyDiagnostic("order.cod == ordr.sample",
                                                    at: LedgerCore.SourceLocation(file: "packs/acme.yaml", line: 4))
        #expect(diagnostic.location == LedgerCore.SourceLocation(file: "packs/acme.yaml", line: 4, column: 0))
    }

    @Test func columnsCountUnicodeScalars() throws {
        let source = #"order.note == "café ☕️" and ordr.cod"#
        let diagnostic = try Fixture.onlyDiagnostic(source)
        // Columns count Unicode scalars like libyaml: the coffee emoji carries a variation selector.
        #expect(diagnostic.location == at(11 + 28))
    }
}
