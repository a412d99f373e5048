import Foundation
import LedgerCore
import Testing
import Expressions

struct CompileFailed: Error, CustomStringConvertible {
    let diagnostics: [Diagnostic]
    var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

enum Fixture {
    static let scope = ExpressionScope([
        ExprVariable(name: "order.channel", type: .string, summary: "sales channel"),
        ExprVariable(name: "order.revenue", type: .number, summary: "revenue"),
        ExprVariable(name: "order.tags", type: .stringList, summary: "tags"),
        ExprVariable(name: "order.dates.paid", type: .date, summary: "paid date"),
        ExprVariable(name: "order.cod", type: .bool, summary: "cash on delivery"),
        ExprVariable(name: "order.sample", type: .bool, summary: "free sample"),
        ExprVariable(name: "line.sku", type: .string, summary: "SKU"),
        ExprVariable(name: "line.unit_price", type: .number, summary: "unit price"),
        ExprVariable(name: "line.is_bundle", type: .bool, summary: "bundle line"),
        ExprVariable(name: "order.note", type: .string, summary: "buyer note"),
    ])

    /// Where the expression text starts in the pretend pack file.
    static let start = LedgerCore.SourceLocation(file: "packs/acme.yaml", line: 12, column: 11)
    static let keyPath = "rules[0].when"

    /// A typical paid Shopee order; tests override fields or remove them to make them missing.
    static let order: [String: ExprValue] = [
        "order.channel": .string("shopee"),
        "order.revenue": .number(Decimal(string: "100.1")!),
        "order.tags": .stringList(["vip", "gift"]),
        "order.dates.paid": .date(CalendarDate(year: 2024, month: 7, day: 15).daysSinceEpoch),
        "order.cod": .bool(true),
        "order.sample": .bool(false),
        "line.sku": .string("GIFT-001"),
        "line.unit_price": .number(0),
        "line.is_bundle": .bool(false),
        "order.note": .string("Leave at the door"),
    ]

    static func compile(_ source: String, at location: LedgerCore.SourceLocation = start) -> Result<CompiledExpression, [Diagnostic]> {
        ExpressionCompiler.compile(source, at: location, keyPath: keyPath, scope: scope)
    }

    static func compiled(_ source: String) throws -> CompiledExpression {
        switch compile(source) {
        case .success(let expression): return expression
        case .failure(let diagnostics): throw CompileFailed(diagnostics: diagnostics)
        }
    }

    /// Evaluates against `order` with `overrides` applied; a nil override makes the field missing.
    static func evaluate(_ source: String, _ overrides: [String: ExprValue?] = [:]) throws -> Bool {
        var values = order
        for (name, value) in overrides { values[name] = value }
        let expression = try compiled(source)
        return expression.evaluate { index in
            guard scope.variables.indices.contains(index) else { return .missing }
            return values[scope.variables[index].name] ?? .missing
        }
    }

    /// The diagnostics of a source that must not compile.
    static func diagnostics(_ source: String, at location: LedgerCore.SourceLocation = start) -> [Diagnostic] {
        switch compile(source, at: location) {
        case .success: return []
        case .failure(let diagnostics): return diagnostics
        }
    }

    static func onlyDiagnostic(_ source: String, at location: LedgerCore.SourceLocation = start,
                               sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Diagnostic {
        let found = diagnostics(source, at: location)
        #expect(found.count == 1, "expected one diagnostic, got \(found)", sourceLocation: sourceLocation)
        return try #require(found.first, sourceLocation: sourceLocation)
    }
}
