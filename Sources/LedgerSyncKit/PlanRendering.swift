import Foundation
import LedgerJSON
import OrderIO
import Planner
import RulePack

/// `plan` as a person reads it: one line per order that changes, every changed field old → new with the policy
/// that decided it, and a summary line. Colour only on a terminal.
public struct PlanRendering {
    public var colour: Bool

    public init(colour: Bool) {
        self.colour = colour
    }

    enum Colour: String {
        case green = "32", yellow = "33", red = "31", dim = "2", bold = "1"
    }

    func paint(_ text: String, _ colour: Colour) -> String {
        self.colour ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    func colour(for action: PlanAction) -> Colour {
        switch action {
        case .create: return .green
        case .update: return .yellow
        case .cancel, .error: return .red
        case .unchanged: return .dim
        }
    }

    public func text(_ plan: Plan, statePath: String?) -> String {
        var out = header(plan, statePath: statePath)
        var quiet = QuietCounts()
        for entry in plan.entries { out += body(entry, quiet: &quiet) }
        return out + footer(plan.tally, quiet: quiet)
    }

    /// Entries shown only as a count at the end: unchanged, with nothing kept or drifted.
    public struct QuietCounts {
        var invoices = 0
        var returnDocuments = 0

        public init() {}
    }

    /// What the plan compares: the first lines, before any entry. `plan`'s entries are not read.
    public func header(_ plan: Plan, statePath: String?) -> String {
        var out = "Plan for \(plan.ordersPath) with pack \(plan.packDirectory)"
        out += statePath.map { " against \($0)" } ?? " (no state store yet: every invoice is new)"
        out += plan.refreshed ? ", refreshed from SQL Accounting\n" : "\n"
        if let selection = plan.selection {
            out += "\(selection.summary); the other \(selection.notSelected) of the file are not planned\n"
        }
        return out + "\n"
    }

    /// One entry's lines; nothing for an entry only counted in the footer.
    public func body(_ entry: PlanEntry, quiet: inout QuietCounts) -> String {
        if entry.action == .unchanged && entry.reason == nil && entry.changes.isEmpty && entry.drift.isEmpty {
            if Plan.isReturnDocument(entry.documentType) { quiet.returnDocuments += 1 } else { quiet.invoices += 1 }
            return ""
        }
        return line(entry)
    }

    /// The counts of what went unshown and the summary line.
    public func footer(_ tally: PlanTally, quiet: QuietCounts) -> String {
        var out = ""
        let unchanged = quiet.invoices, returnsUnchanged = quiet.returnDocuments
        if unchanged > 0 { out += paint("  = \(unchanged) invoice\(unchanged == 1 ? "" : "s") unchanged\n", .dim) }
        if returnsUnchanged > 0 { out += paint("  = \(returnsUnchanged) credit note\(returnsUnchanged == 1 ? "" : "s") and refund\(returnsUnchanged == 1 ? "" : "s") already in SQL Accounting\n", .dim) }
        if tally.excluded > 0 { out += paint("  \(tally.excluded) order\(tally.excluded == 1 ? "" : "s") excluded by the pack (ledgersync transform shows why)\n", .dim) }
        return out + "\n" + summary(tally) + "\n"
    }

    public func summary(_ tally: PlanTally) -> String {
        var text = "Plan: \(tally.count(.create, returns: false)) to create, \(tally.count(.update, returns: false)) to update, \(tally.count(.cancel, returns: false)) to cancel, "
        let errors = tally.count(.error, returns: false)
        text += "\(errors) error\(errors == 1 ? "" : "s") (sales invoices); \(tally.count(.unchanged, returns: false)) unchanged, \(tally.excluded) excluded"
        let credits = tally.creditNotesToCreate
        let refunds = tally.refundsToCreate
        let returnErrors = tally.count(.error, returns: true)
        if credits + refunds + returnErrors > 0 {
            text += "; returns: \(credits) credit note\(credits == 1 ? "" : "s") and \(refunds) refund\(refunds == 1 ? "" : "s") to create"
            if returnErrors > 0 { text += ", \(returnErrors) error\(returnErrors == 1 ? "" : "s")" }
        }
        if tally.drifted > 0 { text += "; \(tally.drifted) edited in SQL Accounting since sync" }
        if !tally.hasChanges && !tally.hasErrors { text += ". No changes: SQL Accounting matches the orders." }
        return text
    }

    func line(_ entry: PlanEntry) -> String {
        let symbol = paint(entry.action.symbol, colour(for: entry.action))
        var out = "  \(symbol) \(entry.orderID)  "
        switch entry.action {
        case .create:
            out += describe(entry.payload, docno: entry.remoteDocno, type: entry.documentType)
            if let returnID = entry.returnID { out += "  return \(returnID)" }
            if let reason = entry.reason { out += "\n      " + paint("(\(reason))", .dim) }
            out += "\n"
        case .update:
            out += "\(entry.documentType) \(entry.remoteDocno ?? "dockey \(entry.remoteDockey ?? 0)")\n"
            out += fieldLines(entry)
        case .cancel:
            out += "\(entry.documentType) \(entry.remoteDocno ?? "dockey \(entry.remoteDockey ?? 0)") will be cancelled in SQL Accounting: \(entry.reason ?? "")\n"
        case .unchanged:
            out += "\(entry.documentType) \(entry.remoteDocno ?? "") unchanged"
            if let reason = entry.reason { out += " — " + reason }
            out += "\n" + fieldLines(entry)
        case .error:
            out += paint("error: ", .red) + (entry.reason ?? "") + "\n"
        }
        out += warningLines(entry)
        return out
    }

    /// The transform's warnings under the entry, as `transform` prints them but without the orders-file position.
    func warningLines(_ entry: PlanEntry) -> String {
        entry.warnings.map { warning in
            "      " + paint("warning: ", .yellow) + warning.message + (warning.keyPath.map { " (at \($0))" } ?? "") + "\n"
        }.joined()
    }

    /// The changed fields, and any drift found by `--refresh`.
    func fieldLines(_ entry: PlanEntry) -> String {
        var out = ""
        for change in entry.drift {
            out += "      " + paint("! edited in SQL Accounting: ", .red) + "\(change.path): \(show(change.old)) → \(show(change.new))\n"
        }
        for change in entry.changes {
            switch change.policy {
            case .update:
                out += "      " + paint("~", .yellow) + " \(change.path): \(show(change.old)) → \(show(change.new))\n"
            case .createOnly:
                out += "      " + paint("= \(change.path): \(show(change.old)) → \(show(change.new)) (create_only: kept as \(show(change.old)))", .dim) + "\n"
            case .ignore:
                out += "      " + paint("= \(change.path): \(show(change.old)) → \(show(change.new)) (ignore: not sent)", .dim) + "\n"
            }
        }
        return out
    }

    /// `salesinvoice 2509014EAM4Y3J  300-S0001  2025-09-01  394.00  3 lines`.
    func describe(_ payload: JSONObject?, docno known: String?, type: String = "salesinvoice") -> String {
        guard let payload else { return type }
        var parts = [type]
        let docno = payload["docno"]?.stringValue ?? ""
        parts.append(docno.isEmpty ? (known ?? "(docno known after apply)") : docno)
        for key in ["code", "docdate", "docamt"] {
            if let value = payload[key], case .string(let text) = value { parts.append(text) }
        }
        if let lines = payload["sdsdocdetail"]?.arrayValue?.count {
            parts.append("\(lines) line\(lines == 1 ? "" : "s")")
        }
        if payload["sdsdocdetail"] == nil, let rows = payload["sdsknockoff"]?.arrayValue {
            parts.append("\(rows.count) knock-off\(rows.count == 1 ? "" : "s")")
        }
        return parts.joined(separator: "  ")
    }

    /// A value as it would be written in JSON; a whole line as `{itemcode X, qty N, amount A}`; absent as `(none)`.
    func show(_ value: JSONValue?) -> String {
        guard let value else { return "(none)" }
        if case .object(let line) = value {
            let fields = ["itemcode", "qty", "uom", "amount"].compactMap { key -> String? in
                guard let field = line[key] else { return nil }
                return "\(key) \(JSONWriter.compactString(field))"
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        return JSONWriter.compactString(value)
    }
}
