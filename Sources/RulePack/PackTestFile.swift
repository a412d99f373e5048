import Foundation
import LedgerCore

/// A golden test of a pack (`tests/*.yaml`): orders in, expected outcomes and payload fragments out.
public struct PackTestFile: Sendable {
    public struct Expectation: Sendable {
        public var orderID: String
        public var outcome: String?
        /// A substring the exclusion or error reason must contain.
        public var reason: String?
        /// A fragment of the SQL Account payload: listed keys must match, others are not compared.
        public var payload: YAMLNode?
        /// Substrings each of which some warning must contain.
        public var warnings: [String]
        /// When true, the order must produce no warning at all.
        public var noWarnings: Bool
        public var location: SourceLocation
    }

    public var name: String
    public var path: String
    /// Absolute path of an orders file, when the test names one.
    public var ordersFile: String?
    /// Orders written inline in the test.
    public var inlineOrders: [YAMLNode]
    public var asOf: CalendarDate?
    public var expectations: [Expectation]

    public static let topLevelKeys = ["name", "orders", "as_of", "expect"]
    public static let expectationKeys = ["order", "outcome", "reason", "payload", "warnings", "no_warnings"]

    /// Every `*.yaml` under the pack's `tests/` folder, sorted by name.
    public static func discover(packDirectory: String, loader: PackLoader = PackLoader()) -> [String] {
        let directory = (loader.absolutePath(packDirectory) as NSString).appendingPathComponent("tests")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { (directory as NSString).appendingPathComponent($0) }
    }

    public static func load(path: String, packDirectory: String, loader: PackLoader = PackLoader()) -> (PackTestFile?, [Diagnostic]) {
        let shown = loader.displayPath(path)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return (nil, [.error("cannot read test file '\(shown)'", at: SourceLocation(file: shown), code: "unreadable-file")])
        }
        let root: YAMLNode
        switch YAMLTreeReader.read(text: text, displayPath: shown) {
        case .failure(let diagnostic): return (nil, [diagnostic])
        case .success(let node):
            guard let node else { return (nil, [.error("test file '\(shown)' is empty", at: SourceLocation(file: shown), code: "invalid-test")]) }
            root = node
        }
        let reader = NodeReader()
        var test = PackTestFile(name: (shown as NSString).lastPathComponent, path: shown, ordersFile: nil, inlineOrders: [], asOf: nil, expectations: [])
        guard let entries = reader.mapping(root, "", known: topLevelKeys) else { return (nil, reader.diagnostics) }
        let repositoryRoot = PackLoader.gitRepositoryRoot(containing: loader.absolutePath(packDirectory))
        for entry in entries {
            switch entry.key {
            case "name": test.name = reader.string(entry.value, "name") ?? test.name
            case "as_of":
                if let text = reader.string(entry.value, "as_of") {
                    test.asOf = CalendarDate(parsing: text)
                    if test.asOf == nil { reader.error("as_of must be a date like 2025-10-01, found '\(text)'", at: entry.value, "as_of", code: "invalid-value") }
                }
            case "orders":
                if let relative = entry.value.scalar, !entry.value.isNull {
                    let directory = (path as NSString).deletingLastPathComponent
                    var diagnostics: [Diagnostic] = []
                    test.ordersFile = loader.confinedPath(relative, relativeTo: directory, repositoryRoot: repositoryRoot, at: entry.value.location, keyPath: "orders", diagnostics: &diagnostics)
                    reader.diagnostics += diagnostics
                } else if let items = entry.value.items {
                    test.inlineOrders = items
                } else {
                    reader.error("orders must be a path to an orders file or a list of orders", at: entry.value, "orders", code: "invalid-type")
                }
            default:
                guard let items = reader.sequence(entry.value, "expect") else { continue }
                for (index, item) in items.enumerated() {
                    let path = "expect[\(index)]"
                    guard let fields = reader.mapping(item, path, known: expectationKeys) else { continue }
                    let map = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
                    guard let idNode = map["order"], let id = reader.string(idNode, path + ".order") else {
                        if map["order"] == nil { reader.error("each expectation names the order id it checks (order: SG-…)", at: item, path + ".order", code: "missing-key") }
                        continue
                    }
                    let outcome = map["outcome"].flatMap { reader.choice($0, path + ".outcome", ["document", "excluded", "error"]) }
                    let reason = map["reason"].flatMap { reader.string($0, path + ".reason") }
                    var warnings: [String] = []
                    if let w = map["warnings"], let list = reader.sequence(w, path + ".warnings") {
                        warnings = list.compactMap { reader.string($0, path + ".warnings") }
                    }
                    let noWarnings = map["no_warnings"].flatMap { reader.bool($0, path + ".no_warnings") } ?? false
                    test.expectations.append(Expectation(orderID: id, outcome: outcome, reason: reason, payload: map["payload"], warnings: warnings, noWarnings: noWarnings, location: item.location))
                }
            }
        }
        if test.ordersFile == nil && test.inlineOrders.isEmpty && !reader.diagnostics.hasErrors {
            reader.error("a test needs orders: a path to an orders file, or a list of orders", at: root, "orders", code: "missing-key")
        }
        if test.expectations.isEmpty && !reader.diagnostics.hasErrors {
            reader.error("a test needs at least one expectation under expect:", at: root, "expect", code: "missing-key")
        }
        return (reader.diagnostics.hasErrors ? nil : test, reader.diagnostics)
    }
}
