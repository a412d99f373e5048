import LedgerCore
import LedgerJSON
import RulePack
import Transform

/// `explain`: every field of one order's document with the setting, rule or order field that decided it.
public enum Explanation {
    public static func text(_ outcome: OrderOutcome, plan: StorePlan?) -> String {
        var text = "Order \(outcome.orderID)"
        if let source = outcome.source { text += " (\(source))" }
        text += "\n"
        if let plan {
            text += "  store \(plan.store.id) (\(plan.store.channel.rawValue)), declared at \(plan.store.origin.location?.fileAndLine ?? "?")\n"
            if let preset = plan.preset {
                text += "  preset: \(preset.name) → item \(preset.itemCode) / \(preset.uom) on every line (\(preset.origin.location?.fileAndLine ?? "?"))\n"
            } else {
                text += "  preset: none for this channel or store\n"
            }
        }
        switch outcome.kind {
        case .excluded:
            text += "  outcome: excluded — \(outcome.reason ?? "")\n"
        case .error:
            text += "  outcome: error\n"
            for error in outcome.errors { text += "    \(error)\n" }
        case .document:
            guard let document = outcome.document else { break }
            text += "  outcome: salesinvoice, docref1 \(document.idempotencyKey)\n"
            let width = min(34, (document.provenance.map { displayPath($0.path).count }.max() ?? 10))
            let valueWidth = min(28, (document.provenance.map { $0.value.count }.max() ?? 10))
            var currentLine: String?
            for field in document.provenance {
                let line = lineLabel(field.path)
                if line != currentLine, let line {
                    text += "  \(line)\n"
                }
                currentLine = line
                let indent = line == nil ? "  " : "    "
                let name = displayPath(field.path)
                let value = field.value.isEmpty ? "\"\"" : field.value
                text += indent + pad(name, width) + " = " + pad(value, valueWidth) + "  ← " + field.origin.description + "\n"
            }
            let tie = document.tieOut
            let mark = tie.tiesOut ? "ties out" : "DIFFERS by \(tie.difference)"
            let basis = tie.taxCharged.map { "\(tie.basis) plus tax charged \($0) = \(tie.expected)" } ?? "\(tie.basis) \(tie.expected)"
            text += "  tie-out: \(basis) vs invoice \(tie.taxIncluded ? "total" : "amount before tax") \(tie.actual): \(mark)\n"
        }
        if !outcome.warnings.isEmpty {
            text += "  warnings:\n"
            for warning in outcome.warnings { text += "    \(warning.message)\(warning.keyPath.map { " (at \($0))" } ?? "")\n" }
        }
        return text
    }

    public static func json(_ outcome: OrderOutcome, plan: StorePlan?) -> JSONValue {
        var object = JSONObject()
        object.append("format_version", .int(1))
        object.append("order_id", .string(outcome.orderID))
        object.append("outcome", .string(outcome.kind.rawValue))
        object.append("store", plan.map { .string($0.store.id) } ?? .null)
        object.append("preset", plan?.preset.map { .string($0.name) } ?? .null)
        object.append("reason", outcome.reason.map { .string($0) } ?? .null)
        var fields: [JSONValue] = []
        for field in outcome.document?.provenance ?? [] {
            var entry = JSONObject()
            entry.append("path", .string(field.path))
            entry.append("value", .string(field.value))
            entry.append("source", .string(field.origin.setting))
            if let location = field.origin.location {
                entry.append("file", .string(location.file))
                entry.append("line", location.line > 0 ? .int(location.line) : .null)
            } else {
                entry.append("file", .null)
                entry.append("line", .null)
            }
            fields.append(.object(entry))
        }
        object.append("fields", .array(fields))
        if let document = outcome.document { object.append("payload", .object(document.payload)) }
        object.append("warnings", DiagnosticRendering.json(outcome.warnings))
        object.append("diagnostics", DiagnosticRendering.json(outcome.errors))
        return .object(object)
    }

    /// `sdsdocdetail[2].itemcode` → `line 3`.
    private static func lineLabel(_ path: String) -> String? {
        guard path.hasPrefix("sdsdocdetail["), let close = path.firstIndex(of: "]") else { return nil }
        let number = Int(path[path.index(path.startIndex, offsetBy: 13)..<close]) ?? 0
        return "line \(number + 1) (sdsdocdetail[\(number)])"
    }

    private static func displayPath(_ path: String) -> String {
        guard path.hasPrefix("sdsdocdetail["), let dot = path.firstIndex(of: ".") else { return path }
        return String(path[path.index(after: dot)...])
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
