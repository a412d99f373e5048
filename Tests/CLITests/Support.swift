import Foundation
import Testing
import TestSupport

/// Shared arguments and parsing for the end-to-end tests of the built `ledgersync` binary.
enum Args {
    static let acme = ["--pack", "rules/acme-living"]
    static let september = ["--orders", "examples/orders/2025-09.jsonl"]
    static let badOrders = ["--orders", "examples/orders/bad-orders.jsonl"]
    /// Every test passes --as-of so `issue_date: sync` and "today" never depend on the clock.
    static let asOf = ["--as-of", "2025-10-01"]

    static func fixture(_ name: String) -> String { "Tests/CLITests/Fixtures/\(name)" }
}

enum JSON {
    /// One JSON object; records an issue naming `what` when the text is not one.
    static func object(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let data = Data(text.utf8)
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            Issue.record("\(what) is not valid JSON: \(error)\n\(text.prefix(500))", sourceLocation: sourceLocation)
            throw error
        }
        return try #require(value as? [String: Any], "\(what) is not a JSON object", sourceLocation: sourceLocation)
    }

    /// Each non-empty line of JSON Lines output as an object.
    static func lines(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        try text.split(separator: "\n", omittingEmptySubsequences: true).enumerated().map { index, line in
            try object(String(line), "line \(index + 1)", sourceLocation: sourceLocation)
        }
    }
}

extension CLI.Result {
    /// Both streams, for failure messages.
    var transcript: String { "exit \(status)\n--- stdout\n\(stdout.prefix(4000))\n--- stderr\n\(stderr.prefix(4000))" }
}
