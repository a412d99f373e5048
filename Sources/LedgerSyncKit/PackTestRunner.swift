import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import Transform

/// `ledgersync test`: runs a pack's golden tests and prints a diff for every mismatch.
public enum PackTestRunner {
    public struct Mismatch: Sendable {
        public var location: SourceLocation
        public var orderID: String
        public var path: String
        public var expected: String
        public var actual: String
    }

    public static func run(packDirectory: String, console: Console) -> Int32 {
        guard let graph = Workflows.compilePack(packDirectory, console: console, quietWarnings: true) else { return ExitStatus.failure }
        let files = PackTestFile.discover(packDirectory: packDirectory)
        if files.isEmpty {
            console.err("no tests: add YAML files under \(packDirectory)/tests/ (see Docs/RulePackSpec.md, 'Pack tests')\n")
            return ExitStatus.failure
        }
        var passed = 0, failed = 0
        for file in files {
            let (test, diagnostics) = PackTestFile.load(path: file, packDirectory: packDirectory)
            guard let test else {
                console.out(DiagnosticRendering.text(diagnostics))
                console.out("FAIL \(PackLoader().displayPath(file)): the test file is invalid\n")
                failed += 1
                continue
            }
            let mismatches = check(test, graph: graph)
            if mismatches.isEmpty {
                passed += 1
                console.out("PASS \(test.path): \(test.name) (\(test.expectations.count) expectation\(test.expectations.count == 1 ? "" : "s"))\n")
            } else {
                failed += 1
                console.out("FAIL \(test.path): \(test.name)\n")
                for mismatch in mismatches {
                    console.out("  \(mismatch.location): order \(mismatch.orderID) \(mismatch.path)\n")
                    console.out("    - expected: \(mismatch.expected)\n")
                    console.out("    + actual:   \(mismatch.actual)\n")
                }
            }
        }
        console.out("\(passed) passed, \(failed) failed\n")
        return failed == 0 ? ExitStatus.success : ExitStatus.failure
    }

    public static func check(_ test: PackTestFile, graph: TransformGraph) -> [Mismatch] {
        var outcomes: [String: OrderOutcome] = [:]
        let wanted = Set(test.expectations.map(\.orderID))
        var session = TransformSession()
        let options = TransformOptions(asOf: test.asOf ?? CalendarDate(year: 2025, month: 10, day: 1))
        var mismatches: [Mismatch] = []
        let decoder = OrderDecoder()
        if let file = test.ordersFile {
            do {
                let source = try OrderSource(path: file, displayPath: file)
                try source.forEach { record in
                    let outcome = Workflows.run(record, graph: graph, options: options, session: &session)
                    if wanted.contains(outcome.orderID) { outcomes[outcome.orderID] = outcome }
                }
            } catch {
                return [Mismatch(location: SourceLocation(file: test.path), orderID: "-", path: "orders", expected: "a readable orders file", actual: "\(error)")]
            }
        }
        for node in test.inlineOrders {
            let value = YAMLJSON.value(node)
            let record = OrderRecord(location: node.location, result: decoder.decode(value, at: node.location), raw: value)
            let outcome = Workflows.run(record, graph: graph, options: options, session: &session)
            outcomes[outcome.orderID] = outcome
        }
        for expectation in test.expectations {
            let at = expectation.location
            guard let outcome = outcomes[expectation.orderID] else {
                mismatches.append(Mismatch(location: at, orderID: expectation.orderID, path: "", expected: "the order in the test's orders", actual: "no such order"))
                continue
            }
            if let expected = expectation.outcome, expected != outcome.kind.rawValue {
                let detail = outcome.reason.map { " (\($0))" } ?? ""
                mismatches.append(Mismatch(location: at, orderID: expectation.orderID, path: "outcome", expected: expected, actual: outcome.kind.rawValue + detail))
                continue
            }
            if let reason = expectation.reason, !(outcome.reason ?? "").contains(reason) {
                mismatches.append(Mismatch(location: at, orderID: expectation.orderID, path: "reason", expected: "contains '\(reason)'", actual: outcome.reason ?? "(none)"))
            }
            for fragment in expectation.warnings where !outcome.warnings.contains(where: { $0.message.contains(fragment) }) {
                mismatches.append(Mismatch(location: at, orderID: expectation.orderID, path: "warnings", expected: "a warning containing '\(fragment)'", actual: outcome.warnings.isEmpty ? "no warnings" : outcome.warnings.map(\.message).joined(separator: " | ")))
            }
            if expectation.noWarnings && !outcome.warnings.isEmpty {
                mismatches.append(Mismatch(location: at, orderID: expectation.orderID, path: "warnings", expected: "no warnings", actual: outcome.warnings.map(\.message).joined(separator: " | ")))
            }
            if let fragment = expectation.payload {
                guard let payload = outcome.document?.payload else {
                    let why = outcome.errors.first?.message ?? outcome.reason ?? ""
                    mismatches.append(Mismatch(location: at, orderID: expectation.orderID, path: "payload", expected: "a document", actual: outcome.kind.rawValue + (why.isEmpty ? "" : ": \(why)")))
                    continue
                }
                compare(fragment, .object(payload), path: "payload", orderID: expectation.orderID, into: &mismatches)
            }
        }
        return mismatches
    }

    /// Fragment matching: mapping keys must match recursively, lists element by element with equal length.
    static func compare(_ expected: YAMLNode, _ actual: JSONValue, path: String, orderID: String, into mismatches: inout [Mismatch]) {
        switch expected.kind {
        case .mapping(let pairs):
            guard case .object(let object) = actual else {
                mismatches.append(Mismatch(location: expected.location, orderID: orderID, path: path, expected: "an object", actual: JSONWriter.compactString(actual)))
                return
            }
            for pair in pairs {
                let key = pair.key.scalar ?? ""
                guard let value = object[key] else {
                    mismatches.append(Mismatch(location: pair.key.location, orderID: orderID, path: "\(path).\(key)", expected: YAMLJSON.describe(pair.value), actual: "(field absent)"))
                    continue
                }
                compare(pair.value, value, path: "\(path).\(key)", orderID: orderID, into: &mismatches)
            }
        case .sequence(let items):
            guard case .array(let values) = actual else {
                mismatches.append(Mismatch(location: expected.location, orderID: orderID, path: path, expected: "a list", actual: JSONWriter.compactString(actual)))
                return
            }
            if items.count != values.count {
                mismatches.append(Mismatch(location: expected.location, orderID: orderID, path: path, expected: "\(items.count) item\(items.count == 1 ? "" : "s")", actual: "\(values.count) item\(values.count == 1 ? "" : "s")"))
            }
            for (index, item) in items.enumerated() where index < values.count {
                compare(item, values[index], path: "\(path)[\(index)]", orderID: orderID, into: &mismatches)
            }
        case .scalar(let text, _):
            let actualText: String
            switch actual {
            case .string(let s): actualText = s
            case .number(let n): actualText = n
            case .bool(let b): actualText = b ? "true" : "false"
            case .null: actualText = "null"
            default: actualText = JSONWriter.compactString(actual)
            }
            let expectedText = expected.isNull ? "null" : text
            if expectedText != actualText {
                mismatches.append(Mismatch(location: expected.location, orderID: orderID, path: path, expected: expectedText, actual: actualText))
            }
        }
    }
}

/// YAML written in tests as JSON: plain numbers, booleans and null keep their JSON types.
enum YAMLJSON {
    static func value(_ node: YAMLNode) -> JSONValue {
        switch node.kind {
        case .mapping(let pairs):
            return .object(JSONObject(pairs.map { ($0.key.scalar ?? "", value($0.value)) }))
        case .sequence(let items):
            return .array(items.map(value))
        case .scalar(let text, let plain):
            guard plain else { return .string(text) }
            if node.isNull { return .null }
            if text == "true" { return .bool(true) }
            if text == "false" { return .bool(false) }
            if let _ = Int(text) { return .number(text) }
            if FixedDecimal(parsing: text, maxScale: 12) != nil { return .number(text) }
            return .string(text)
        }
    }

    static func describe(_ node: YAMLNode) -> String {
        if let text = node.scalar { return text }
        return JSONWriter.compactString(value(node))
    }
}
