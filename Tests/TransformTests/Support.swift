import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import TestSupport
import Transform

/// Builds a pack in a fresh temporary folder from YAML text and compiles it.
func compilePack(_ yaml: String, extraFiles: [String: String] = [:]) throws -> TransformGraph {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-pack-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try yaml.write(toFile: directory + "/pack.yaml", atomically: true, encoding: .utf8)
    for (name, text) in extraFiles {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    let (pack, diagnostics) = RulePackValidator.load(packDirectory: directory, loader: PackLoader(displayBase: directory))
    guard let pack else { throw PackError(diagnostics: diagnostics) }
    return TransformGraph(pack: pack)
}

struct PackError: Error, CustomStringConvertible {
    var diagnostics: [Diagnostic]
    var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Compiles one of the packs under `rules/`.
func examplePack(_ name: String = "acme-living") throws -> TransformGraph {
    let directory = Golden.packageRoot + "/rules/" + name
    let (pack, diagnostics) = RulePackValidator.load(packDirectory: directory, loader: PackLoader(displayBase: Golden.packageRoot))
    guard let pack else { throw PackError(diagnostics: diagnostics) }
    return TransformGraph(pack: pack)
}

func decodeOrder(_ json: String) throws -> Order {
    let value = try JSONParser.parse(json)
    return try OrderDecoder().decode(value, at: nil).get()
}

let asOf = CalendarDate(year: 2025, month: 10, day: 1)

func transform(_ order: Order, with graph: TransformGraph, provenance: Bool = false) -> OrderOutcome {
    var session = TransformSession()
    return graph.run(order, options: TransformOptions(asOf: asOf, recordProvenance: provenance), session: &session)
}

extension OrderOutcome {
    var payload: JSONObject? { document?.payload }
    var lines: [JSONObject] { payload?["sdsdocdetail"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
}

extension JSONObject {
    func text(_ key: String) -> String? {
        switch self[key] {
        case .string(let s)?: return s
        case .number(let n)?: return n
        case .bool(let b)?: return b ? "true" : "false"
        default: return nil
        }
    }

    func money(_ key: String) -> Money? { text(key).flatMap(Money.init(parsing:)) }
}

/// A minimal valid client pack; `extra` is appended YAML (top-level sections or more defaults).
func minimalPack(defaults: String = "", extra: String = "") -> String {
    """
    profile:
      company: Test Sdn Bhd
      stores:
        shop-my: {channel: shopee}
        web-my: {channel: shopify}
        tt-my: {channel: tiktok}
      connection:
        access_key: {env: LEDGERSYNC_ACCESS_KEY}
        secret_key: {env: LEDGERSYNC_SECRET_KEY}
    defaults:
      customer_code: 300-C0001
      product_code: MISC
    \(defaults.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    \(extra)
    """
}
