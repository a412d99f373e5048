import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import Planner
import RulePack
import Transform

/// What a rule change does to the documents: how a consultant reviews a pack change before merging it.
extension Workflows {
    /// `ledgersync diff --against REV --orders FILE`: the pack as it is at `REV` and as it is now, run over the
    /// same orders; every document that differs, field by field. Exit 0 (also with differences), 1 on an error
    /// (an invalid pack on either side, an unknown revision, an unreadable orders file).
    public static func ruleDiff(packDirectory: String, revision: String, ordersPath: String, ordersMapping: String? = nil, format: OutputFormat, asOf: CalendarDate,
                                console: Console) -> Int32 {
        let text = format == .text
        guard let newGraph = compilePack(packDirectory, console: console, format: text ? .text : .json, quietWarnings: true) else { return ExitStatus.failure }
        let checkout: PackAtRevision
        do {
            checkout = try PackAtRevision(packDirectory: packDirectory, revision: revision)
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
        defer { checkout.remove() }
        let oldConsole = Console.capturing()
        guard let oldGraph = compilePack(checkout.packDirectory, console: oldConsole, quietWarnings: true) else {
            console.err("the pack at \(revision) is invalid:\n" + oldConsole.capturedErr.replacingOccurrences(of: checkout.root + "/", with: "\(revision):"))
            return ExitStatus.failure
        }
        guard var oldOutcomes = outcomes(ordersPath, mapping: ordersMapping, packDirectory: packDirectory, graph: oldGraph, asOf: asOf, console: console),
              var newOutcomes = outcomes(ordersPath, mapping: ordersMapping, packDirectory: packDirectory, graph: newGraph, asOf: asOf, console: console) else { return ExitStatus.failure }

        // Reasons name pack files: both sides relative to their repository, so only real differences show.
        func relativize(_ outcomes: inout [OrderOutcome], _ prefix: String) {
            for index in outcomes.indices {
                outcomes[index].reason = outcomes[index].reason?.replacingOccurrences(of: prefix, with: "")
                for error in outcomes[index].errors.indices {
                    outcomes[index].errors[error].message = outcomes[index].errors[error].message.replacingOccurrences(of: prefix, with: "")
                }
            }
        }
        relativize(&oldOutcomes, checkout.root + "/")
        relativize(&newOutcomes, checkout.repository + "/")
        var differences: [DocumentDifference] = []
        var unchanged = 0
        for (old, new) in zip(oldOutcomes, newOutcomes) {
            let difference = DocumentDifference(old: old, new: new, editPolicy: newGraph.pack.editPolicy)
            if difference.kind == .same { unchanged += 1 } else { differences.append(difference) }
        }
        if text {
            var out = "Rule diff: \(packDirectory) at \(revision) → working tree, over \(ordersPath) (\(newOutcomes.count) orders)\n\n"
            for difference in differences { out += difference.text }
            if !differences.isEmpty { out += "\n" }
            let counts = Dictionary(grouping: differences, by: \.kind).mapValues(\.count)
            out += "Diff: \(counts[.changed] ?? 0) invoice\(counts[.changed] == 1 ? "" : "s") change, \(counts[.nowDocument] ?? 0) newly synced, "
            out += "\(counts[.nowExcluded] ?? 0) newly excluded, \(counts[.nowFailing] ?? 0) newly failing, \(counts[.nowFixed] ?? 0) fixed, \(unchanged) unchanged\n"
            console.out(out)
        } else {
            var object = JSONObject()
            object.append("format_version", .int(1))
            object.append("revision", .string(revision))
            object.append("orders", .string(ordersPath))
            object.append("unchanged", .int(unchanged))
            object.append("differences", .array(differences.map(\.json)))
            console.outJSONDocument(.object(object))
        }
        return ExitStatus.success
    }

    static func outcomes(_ ordersPath: String, mapping: String?, packDirectory: String, graph: TransformGraph, asOf: CalendarDate, console: Console) -> [OrderOutcome]? {
        guard let source = openOrders(ordersPath, mapping: mapping, packDirectory: packDirectory, console: console) else { return nil }
        var session = TransformSession()
        var outcomes: [OrderOutcome] = []
        do {
            try source.forEach { outcomes.append(run($0, graph: graph, options: TransformOptions(asOf: asOf), session: &session)) }
        } catch {
            console.err("\(error)\n")
            return nil
        }
        return outcomes
    }
}

/// One order's document under the old and the new pack.
struct DocumentDifference {
    enum Kind: Hashable { case same, changed, nowDocument, nowExcluded, nowFailing, nowFixed }

    var old: OrderOutcome
    var new: OrderOutcome
    var kind: Kind
    var changes: [FieldChange] = []

    init(old: OrderOutcome, new: OrderOutcome, editPolicy: EditPolicy) {
        self.old = old
        self.new = new
        switch (old.kind, new.kind) {
        case (.document, .document):
            changes = PayloadDiff.changes(from: old.document?.payload ?? JSONObject(), to: new.document?.payload ?? JSONObject(), editPolicy: editPolicy)
            kind = changes.isEmpty ? .same : .changed
        case (_, .document): kind = old.kind == .error ? .nowFixed : .nowDocument
        case (_, .excluded): kind = old.kind == .excluded && old.reason == new.reason ? .same : .nowExcluded
        case (_, .error):
            let same = old.kind == .error && old.errors.map(\.message) == new.errors.map(\.message)
            kind = same ? .same : .nowFailing
        }
    }

    var docno: String { new.document?.docno ?? old.document?.docno ?? "" }

    var text: String {
        switch kind {
        case .same:
            return ""
        case .changed:
            var out = "  ~ \(new.orderID)  salesinvoice \(docno.isEmpty ? "(docno from SQL Account)" : docno)\n"
            for change in changes {
                let effect: String
                switch change.policy {
                case .update: effect = ""
                case .createOnly: effect = "  (create_only: invoices already synced keep theirs)"
                case .ignore: effect = "  (ignore: not sent to invoices already synced)"
                }
                out += "      \(change.path): \(Self.show(change.old)) → \(Self.show(change.new))\(effect)\n"
            }
            return out
        case .nowDocument:
            return "  + \(new.orderID)  now an invoice (\(new.document?.payload["docamt"].map { JSONWriter.compactString($0) } ?? "")); was excluded: \(old.reason ?? "")\n"
        case .nowFixed:
            return "  + \(new.orderID)  now an invoice; failed before: \(old.errors.map(\.message).joined(separator: "; "))\n"
        case .nowExcluded:
            let before = old.kind == .document ? "was invoice \(docno)" : "was excluded: \(old.reason ?? "")"
            return "  - \(new.orderID)  now excluded: \(new.reason ?? "") (\(before))\n"
        case .nowFailing:
            return "  ! \(new.orderID)  now fails: \(new.errors.map(\.message).joined(separator: "; "))\n"
        }
    }

    var json: JSONValue {
        var object = JSONObject()
        object.append("order_id", .string(new.orderID))
        let names: [Kind: String] = [.changed: "changed", .nowDocument: "now_invoice", .nowFixed: "now_invoice", .nowExcluded: "now_excluded",
                                     .nowFailing: "now_failing", .same: "same"]
        object.append("kind", .string(names[kind] ?? "changed"))
        object.append("before", .string(old.kind.rawValue))
        object.append("after", .string(new.kind.rawValue))
        if !changes.isEmpty {
            object.append("changes", .array(changes.map { .object(["path": .string($0.path), "old": $0.old ?? .null, "new": $0.new ?? .null, "policy": .string($0.policy.rawValue)]) }))
        }
        if let reason = new.reason { object.append("reason", .string(reason)) }
        if !new.errors.isEmpty { object.append("errors", .array(new.errors.map { .string($0.message) })) }
        return .object(object)
    }

    static func show(_ value: JSONValue?) -> String {
        guard let value else { return "(none)" }
        return JSONWriter.compactString(value)
    }
}

/// The repository's files as they were at a revision, extracted to a temporary folder (`git archive`), with the
/// pack's folder found at the same place inside it.
struct PackAtRevision {
    let root: String
    let packDirectory: String
    /// The working tree's repository root.
    let repository: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(packDirectory: String, revision: String) throws {
        let absolutePack = URL(fileURLWithPath: packDirectory).standardizedFileURL.path
        // The one command that needs git: the older side of the comparison is read from the repository's history.
        guard let repository = PackLoader.gitRepositoryRoot(containing: absolutePack) else {
            throw Failure(description: "\(packDirectory) is not inside a git repository, so there is no revision '\(revision)' to compare with: "
                + "diff --against reads the older pack from git history. Run it on the pack in its repository, or make this folder one "
                + "(git init; git add -A; git commit -m before) and compare a later change with --against HEAD")
        }
        let temporary = NSTemporaryDirectory() + "ledgersync-diff-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let archive = temporary + ".tar"
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let (status, errorText) = Self.run(["git", "-C", repository, "archive", "--format=tar", "-o", archive, revision])
        guard status == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure(description: "git cannot read revision '\(revision)' of \(repository): \(errorText.trimmingCharacters(in: .whitespacesAndNewlines)); give a commit, branch or tag, e.g. --against HEAD~1")
        }
        let (untar, untarError) = Self.run(["tar", "-x", "-f", archive, "-C", temporary])
        guard untar == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure(description: "cannot unpack revision '\(revision)': \(untarError)")
        }
        // Packs are confined to their repository: mark the extracted tree as one.
        try FileManager.default.createDirectory(atPath: temporary + "/.git", withIntermediateDirectories: true)
        let relative = absolutePack == repository ? "" : String(absolutePack.dropFirst(repository.count + 1))
        root = temporary
        self.repository = repository
        self.packDirectory = relative.isEmpty ? temporary : temporary + "/" + relative
        guard FileManager.default.fileExists(atPath: self.packDirectory) else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure(description: "the pack folder \(relative) does not exist at revision '\(revision)'")
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Runs a tool, returning its exit status and what it wrote to stderr.
    static func run(_ arguments: [String]) -> (Int32, String) {
        let ran = ToolProcess.run(arguments)
        return (ran.status, ran.errors)
    }
}
