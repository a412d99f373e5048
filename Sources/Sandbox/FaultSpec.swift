import Foundation
import LedgerCore

/// Which faults the sandbox injects, parsed from a compact spec such as
/// `latency=100,error500=0.1,ratelimit429=0.2,timeout=0.05,commit-drop=0.2`.
///
/// | part | meaning |
/// |---|---|
/// | `latency=MS` | delay every response by MS milliseconds |
/// | `error500=P` | with probability P answer 500 without doing anything |
/// | `ratelimit429=P` | with probability P answer 429 with nginx's HTML page (not JSON) |
/// | `timeout=P` | with probability P hold the request for `hold` without doing anything, then answer 504 |
/// | `commit-drop=P` | with probability P, after a POST/PUT has been committed, close the connection without a response |
/// | `hold=MS` | how long `timeout` holds a request (default 60000); a stopping server releases it at once |
/// | `seed=N` | draw from a seeded generator, so a run of requests sees the same faults every time |
/// | `scope=documents` / `scope=all` | which routes the probabilistic faults hit (default: the document routes) |
///
/// The probabilistic faults are drawn independently, in the order 429, 500, timeout (before the request is
/// authenticated, as a proxy in front of the API would), and commit-drop only after a successful write.
public struct FaultSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Scope: String, Sendable, Equatable {
        /// The document resources only: `salesinvoice`, `customerpayment`, `salescreditnote`, `customerrefund`,
        /// `purchaseorder`, `purchasegoodsreceived`.
        case documents
        /// Every route, including `/version`, `/profile` and the masters.
        case all
    }

    public var latencyMilliseconds: Int = 0
    public var error500: Double = 0
    public var rateLimit429: Double = 0
    public var timeout: Double = 0
    public var commitDrop: Double = 0
    public var holdMilliseconds: Int = 60_000
    public var seed: UInt64?
    public var scope: Scope = .documents

    public init(latencyMilliseconds: Int = 0, error500: Double = 0, rateLimit429: Double = 0, timeout: Double = 0,
                commitDrop: Double = 0, holdMilliseconds: Int = 60_000, seed: UInt64? = nil,
                scope: Scope = .documents) {
        self.latencyMilliseconds = latencyMilliseconds
        self.error500 = error500
        self.rateLimit429 = rateLimit429
        self.timeout = timeout
        self.commitDrop = commitDrop
        self.holdMilliseconds = holdMilliseconds
        self.seed = seed
        self.scope = scope
    }

    /// No faults at all.
    public static let none = FaultSpec()

    public var isNone: Bool {
        latencyMilliseconds == 0 && error500 == 0 && rateLimit429 == 0 && timeout == 0 && commitDrop == 0
    }

    static let keys = ["latency", "error500", "ratelimit429", "timeout", "commit-drop", "hold", "seed", "scope"]

    /// Parses the comma-separated spec; an empty string means no faults. Errors name the offending part.
    public static func parse(_ text: String) throws -> FaultSpec {
        var spec = FaultSpec()
        var seen: Set<String> = []
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "none" { return spec }
        for rawPart in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let part = rawPart.trimmingCharacters(in: .whitespaces)
            guard !part.isEmpty else {
                throw FaultSpecError(part: part, message: "empty part (two commas in a row, or a trailing comma)")
            }
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else {
                throw FaultSpecError(part: part, message: "expected name=value, e.g. error500=0.1")
            }
            let key = pieces[0].trimmingCharacters(in: .whitespaces).lowercased()
            let value = pieces[1].trimmingCharacters(in: .whitespaces)
            guard keys.contains(key) else {
                var message = "unknown fault '\(key)'; known: \(keys.joined(separator: ", "))"
                if let guess = Suggest.closest(to: key, in: keys) { message += "; did you mean '\(guess)'?" }
                throw FaultSpecError(part: part, message: message)
            }
            guard seen.insert(key).inserted else {
                throw FaultSpecError(part: part, message: "'\(key)' is given twice")
            }
            switch key {
            case "latency": spec.latencyMilliseconds = try milliseconds(value, part: part)
            case "hold": spec.holdMilliseconds = try milliseconds(value, part: part)
            case "error500": spec.error500 = try probability(value, part: part)
            case "ratelimit429": spec.rateLimit429 = try probability(value, part: part)
            case "timeout": spec.timeout = try probability(value, part: part)
            case "commit-drop": spec.commitDrop = try probability(value, part: part)
            case "seed":
                guard let seed = UInt64(value) else {
                    throw FaultSpecError(part: part, message: "the seed must be a non-negative integer")
                }
                spec.seed = seed
            case "scope":
                guard let scope = Scope(rawValue: value.lowercased()) else {
                    throw FaultSpecError(part: part, message: "scope must be 'documents' or 'all'")
                }
                spec.scope = scope
            default: break
            }
        }
        return spec
    }

    private static func probability(_ value: String, part: String) throws -> Double {
        // Plain decimals only: no exponents, signs, inf or nan.
        let allowed = value.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ".") }
        guard allowed, !value.isEmpty, let number = Double(value), number >= 0, number <= 1 else {
            throw FaultSpecError(part: part, message: "the probability must be a number from 0 to 1, e.g. 0.2")
        }
        return number
    }

    private static func milliseconds(_ value: String, part: String) throws -> Int {
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let number = Int(value),
              number <= 3_600_000 else {
            throw FaultSpecError(part: part, message: "expected whole milliseconds from 0 to 3600000, e.g. 100")
        }
        return number
    }

    /// The canonical spec text (parses back to an equal value).
    public var description: String {
        var parts: [String] = []
        if latencyMilliseconds > 0 { parts.append("latency=\(latencyMilliseconds)") }
        if error500 > 0 { parts.append("error500=\(error500)") }
        if rateLimit429 > 0 { parts.append("ratelimit429=\(rateLimit429)") }
        if timeout > 0 { parts.append("timeout=\(timeout)") }
        if commitDrop > 0 { parts.append("commit-drop=\(commitDrop)") }
        if holdMilliseconds != 60_000 { parts.append("hold=\(holdMilliseconds)") }
        if let seed { parts.append("seed=\(seed)") }
        if scope != .documents { parts.append("scope=\(scope.rawValue)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}

/// A fault spec that cannot be parsed; `part` is the offending `name=value` text.
public struct FaultSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var part: String
    public var message: String

    public var description: String { "invalid fault spec part '\(part)': \(message)" }
}

/// The faults in force and the random generator they draw from. Thread-safe; replaceable while running.
final class FaultState: @unchecked Sendable {
    private let lock = NSLock()
    private var spec: FaultSpec
    private var generator: SplitMix64

    init(_ spec: FaultSpec) {
        self.spec = spec
        self.generator = SplitMix64(seed: spec.seed ?? UInt64.random(in: 0...UInt64.max))
    }

    var current: FaultSpec { lock.withLock { spec } }

    func replace(_ newSpec: FaultSpec) {
        lock.withLock {
            spec = newSpec
            generator = SplitMix64(seed: newSpec.seed ?? UInt64.random(in: 0...UInt64.max))
        }
    }

    /// True with probability `probability` (never for 0, always for 1).
    func draw(_ probability: KeyPath<FaultSpec, Double>) -> Bool {
        lock.withLock {
            let p = spec[keyPath: probability]
            if p <= 0 { return false }
            if p >= 1 { return true }
            return generator.nextUnit() < p
        }
    }
}

