import Foundation
import LedgerJSON

/// `sandbox serve --preload-invoices N`: N synthetic posted sales invoices stored before the sandbox listens, so a
/// sync's throughput can be measured against a large book without syncing the book first.
public enum SandboxPreload {
    /// Each invoice holds about 2 KB in memory; a million is already far beyond a merchant's year.
    public static let maximum = 1_000_000

    /// docno and docref1 start with this; nothing a rule pack sends does (the example pack's docref1s start with
    /// `LS-`, its docnos are order numbers, and the sandbox's own numbers are `IV-00001`), so an apply into a
    /// preloaded sandbox never meets one of these numbers.
    public static let prefix = "PRELOAD-"

    /// The n-th invoice's docno and docref1: `PRELOAD-00000001` (16 characters; docno's column takes 20).
    static func number(_ n: Int) -> String {
        let digits = String(n)
        return prefix + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The count `--preload-invoices` was given, or an error saying what it takes.
    public static func parseCount(_ text: String) throws -> Int {
        guard let count = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw SandboxPreloadError("--preload-invoices takes a whole number of invoices from 0 to \(maximum), not '\(text)'")
        }
        try validate(count)
        return count
    }

    static func validate(_ count: Int) throws {
        guard (0...maximum).contains(count) else {
            throw SandboxPreloadError("--preload-invoices takes a whole number of invoices from 0 to \(maximum), not \(count)")
        }
    }

    /// One posted invoice: one line of `item` at 10.00, no tax, for `customer`.
    static func invoice(number: String, customer: String, item: String) -> JSONObject {
        [
            "docno": .string(number), "docref1": .string(number), "docdate": .string("2025-01-01"),
            "code": .string(customer), "description": .string("Preloaded by sandbox serve --preload-invoices"),
            "sdsdocdetail": .array([.object([
                "itemcode": .string(item), "qty": .string("1"), "unitprice": .string("10.00"),
            ])]),
        ]
    }
}

/// What was preloaded, for the line `sandbox serve` prints.
public struct SandboxPreloadSummary: Sendable, Equatable {
    public var count: Int
    public var first: String?
    public var last: String?

    public var description: String {
        guard let first, let last else { return "preloaded no sales invoices" }
        return "preloaded \(count) posted sales invoice\(count == 1 ? "" : "s") (docno = docref1, \(first) … \(last))"
    }
}

public struct SandboxPreloadError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
