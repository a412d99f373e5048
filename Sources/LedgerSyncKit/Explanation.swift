import LedgerCore
import LedgerJSON
import RulePack
import Transform

/// `explain`: every field of one order's document with the setting, rule or order field that decided it.
public enum Explanation {
    public static func text(_ outcome: OrderOutcome, plan: StorePlan?, creditNotes: [ReturnOutcome] = []) -> String {
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
            text += fieldsText(document)
            text += tieOutText(document.tieOut, document: "invoice")
        }
        text += warningsText(outcome.warnings)
        for creditNote in creditNotes {
            text += "Return \(creditNote.returnID) (returns[\(creditNote.sequence - 1)], \(creditNote.date))\n"
            if let document = creditNote.document {
                text += "  outcome: salescreditnote, docref1 \(document.idempotencyKey)\n"
                text += fieldsText(document)
                text += tieOutText(document.tieOut, document: "credit note")
            } else {
                text += "  outcome: error\n"
                for error in creditNote.errors { text += "    \(error)\n" }
            }
            text += warningsText(creditNote.warnings)
        }
        if !creditNotes.isEmpty {
            text += "(explain reads no state store: plan decides whether each return is credited or already was, the credit note's number when SQL Account numbers it, and what it knocks off)\n"
        }
        return text
    }

    /// Each field of a document with what decided it, grouped by line.
    private static func fieldsText(_ document: SalesInvoiceDocument) -> String {
        var text = ""
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
        return text
    }

    private static func tieOutText(_ tie: TieOut, document: String) -> String {
        let mark = tie.tiesOut ? "ties out" : "DIFFERS by \(tie.difference)"
        let basis = tie.taxCharged.map { "\(tie.basis) plus tax charged \($0) = \(tie.expected)" } ?? "\(tie.basis) \(tie.expected)"
        return "  tie-out: \(basis) vs \(document) \(tie.taxIncluded ? "total" : "amount before tax") \(tie.actual): \(mark)\n"
    }

    private static func warningsText(_ warnings: [Diagnostic]) -> String {
        guard !warnings.isEmpty else { return "" }
        return "  warnings:\n" + warnings.map { "    \($0.message)\($0.keyPath.map { " (at \($0))" } ?? "")\n" }.joined()
    }

    public static func json(_ outcome: OrderOutcome, plan: StorePlan?, creditNotes: [ReturnOutcome] = []) -> JSONValue {
        var object = JSONObject()
        object.append("format_version", .int(1))
        object.append("order_id", .string(outcome.orderID))
        object.append("outcome", .string(outcome.kind.rawValue))
        object.append("store", plan.map { .string($0.store.id) } ?? .null)
        object.append("preset", plan?.preset.map { .string($0.name) } ?? .null)
        object.append("reason", outcome.reason.map { .string($0) } ?? .null)
        object.append("fields", fieldsJSON(outcome.document))
        if let document = outcome.document { object.append("payload", .object(document.payload)) }
        object.append("warnings", DiagnosticRendering.json(outcome.warnings))
        object.append("diagnostics", DiagnosticRendering.json(outcome.errors))
        if !creditNotes.isEmpty {
            object.append("credit_notes", .array(creditNotes.map { creditNote in
                var entry = JSONObject()
                entry.append("return_id", .string(creditNote.returnID))
                entry.append("outcome", .string(creditNote.document == nil ? "error" : "document"))
                entry.append("docref1", creditNote.document.map { .string($0.idempotencyKey) } ?? .null)
                entry.append("fields", fieldsJSON(creditNote.document))
                entry.append("payload", creditNote.document.map { .object($0.payload) } ?? .null)
                entry.append("warnings", DiagnosticRendering.json(creditNote.warnings))
                entry.append("diagnostics", DiagnosticRendering.json(creditNote.errors))
                return .object(entry)
            }))
        }
        return .object(object)
    }

    private static func fieldsJSON(_ document: SalesInvoiceDocument?) -> JSONValue {
        var fields: [JSONValue] = []
        for field in document?.provenance ?? [] {
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
        return .array(fields)
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
