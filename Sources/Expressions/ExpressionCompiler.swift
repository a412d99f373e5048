import Foundation
import LedgerCore

/// A type-checked rule condition, ready to evaluate against many orders; immutable, so safe to share across threads.
public final class CompiledExpression: @unchecked Sendable {
    /// The expression text exactly as written in the pack.
    public let source: String
    /// Indices (into the scope) of the variables the expression reads, so callers can fetch only those.
    public let variableIndices: [Int]
    private let test: Test

    init(source: String, variableIndices: [Int], test: @escaping Test) {
        self.source = source
        self.variableIndices = variableIndices
        self.test = test
    }

    /// Evaluates the condition; `value(i)` returns the current value of scope variable `i`.
    ///
    /// Missing values follow two-valued logic: `x == null` is true and `x != null` false when `x` is missing,
    /// while every other comparison involving a missing value is false, including `!=`, `not in`,
    /// `starts_with`, `contains` and `matches`. A bare bool variable that is missing counts as false.
    /// Since `not` simply negates, `not (order.channel == "shopee")` is true for an order without a channel,
    /// whereas `order.channel != "shopee"` is false for it. A value of the wrong type is treated as missing, and
    /// arithmetic with a missing value is missing. Never traps, whatever `value` returns.
    public func evaluate(_ value: (Int) -> ExprValue) -> Bool {
        test(value)
    }
}

/// A type-checked expression whose value is a number, such as `(line.original_price - line.deal_price) * line.qty`;
/// immutable, so safe to share across threads.
public final class CompiledNumber: @unchecked Sendable {
    /// The expression text exactly as written.
    public let source: String
    /// Indices (into the scope) of the variables the expression reads, so callers can fetch only those.
    public let variableIndices: [Int]
    private let read: (Fetch) -> Decimal?

    init(source: String, variableIndices: [Int], read: @escaping (Fetch) -> Decimal?) {
        self.source = source
        self.variableIndices = variableIndices
        self.read = read
    }

    /// Computes the number exactly; `value(i)` returns the current value of scope variable `i`.
    ///
    /// nil when a variable it reads is missing (or of the wrong type); never traps. A result beyond what
    /// `Decimal` can hold also gives nil rather than a wrong number.
    public func evaluate(_ value: (Int) -> ExprValue) -> Decimal? {
        read(value)
    }
}

/// Compiles rule conditions and number expressions written in the expression language (see `describeLanguage()`).
public enum ExpressionCompiler {
    /// Parses, type-checks and compiles `source`; on failure returns the first syntax error or every type error.
    ///
    /// `location` is where the first character of `source` sits in its file; diagnostics are placed relative to it.
    public static func compile(_ source: String, at location: SourceLocation, keyPath: String,
                               scope: ExpressionScope) -> Result<CompiledExpression, [Diagnostic]> {
        check(source, at: location, keyPath: keyPath, scope: scope, emptyMessage: nil) { checker, syntax in
            checker.checkRoot(syntax)
        }.map { condition, variableIndices in
            CompiledExpression(source: source, variableIndices: variableIndices, test: Lowering.test(condition))
        }
    }

    /// Parses and type-checks `source` as an expression whose value is a number.
    ///
    /// Diagnostics follow `compile`: `location` is where the first character of `source` sits in its file, and a
    /// result that is not a number (a condition, a string variable…) is an `expression-type` error.
    public static func compileNumber(_ source: String, at location: SourceLocation, keyPath: String,
                                     scope: ExpressionScope) -> Result<CompiledNumber, [Diagnostic]> {
        let empty = "the expression is empty: expected a number such as line.qty * line.unit_price"
        return check(source, at: location, keyPath: keyPath, scope: scope, emptyMessage: empty) { checker, syntax in
            checker.checkNumberRoot(syntax)
        }.map { value, variableIndices in
            CompiledNumber(source: source, variableIndices: variableIndices, read: Lowering.numberReader(value))
        }
    }

    /// Parses `source` and runs `root` over it; the first syntax error, or every type error in source order.
    private static func check<Root>(_ source: String, at location: SourceLocation, keyPath: String,
                                       scope: ExpressionScope, emptyMessage: String?,
                                       root: (inout Checker, Syntax) -> Root?)
        -> Result<(Root, variableIndices: [Int]), [Diagnostic]> {
        let text = Array(source)
        let map = SourceMap(base: location, text: text)
        let syntax: Syntax
        switch Parser.parse(text, map: map, emptyMessage: emptyMessage) {
        case .success(let parsed):
            syntax = parsed
        case .failure(let error):
            return .failure([.error(error.message, at: map.location(at: error.offset), keyPath: keyPath,
                                    suggestion: error.suggestion, code: "expression-syntax")])
        }

        var checker = Checker(scope: scope, text: text, map: map, keyPath: keyPath)
        let checked = root(&checker, syntax)
        guard let checked, checker.diagnostics.isEmpty else {
            let ordered = checker.diagnostics.enumerated().sorted {
                ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset)
            }
            return .failure(ordered.map(\.element.diagnostic))
        }
        return .success((checked, checker.usedVariables.sorted()))
    }

    /// A short markdown reference of the expression language, for embedding in the docs.
    public static func describeLanguage() -> String {
        LanguageReference.markdown
    }
}
