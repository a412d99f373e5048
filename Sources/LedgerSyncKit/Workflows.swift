import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import Transform

/// Exit codes shared by every command (product spec §7).
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let changesPresent: Int32 = 2
}

/// The use cases behind the CLI commands. Each takes plain values, writes to a `Console` and returns an exit status.
public enum Workflows {
    /// Loads and compiles the pack, printing its diagnostics; nil when it has errors.
    public static func compilePack(_ directory: String, console: Console, format: OutputFormat = .text, quietWarnings: Bool = false) -> TransformGraph? {
        let (pack, diagnostics) = RulePackValidator.load(packDirectory: directory)
        guard let pack else {
            if format == .text {
                console.err(DiagnosticRendering.text(diagnostics))
                console.err("pack '\(directory)' is invalid: \(DiagnosticRendering.summary(diagnostics))\n")
            } else {
                var object = JSONObject()
                object.append("valid", .bool(false))
                object.append("diagnostics", DiagnosticRendering.json(diagnostics))
                console.err(JSONWriter.compactString(.object(object)) + "\n")
            }
            return nil
        }
        if !quietWarnings && !diagnostics.isEmpty && format == .text { console.err(DiagnosticRendering.text(diagnostics)) }
        return TransformGraph(pack: pack)
    }

    // MARK: validate

    public static func validate(packDirectory: String, format: OutputFormat, console: Console) -> Int32 {
        let (pack, diagnostics) = RulePackValidator.load(packDirectory: packDirectory)
        let valid = pack != nil
        if format == .text {
            console.out(DiagnosticRendering.text(diagnostics))
            if let pack {
                let stores = pack.profile?.stores.count ?? 0
                console.out("pack '\(pack.name)' is valid (\(pack.kind.rawValue) pack, \(pack.files.isEmpty ? 1 : pack.files.count) file\(pack.files.count == 1 ? "" : "s"), \(stores) store\(stores == 1 ? "" : "s"), \(pack.matching.items.count) matched SKUs, \(pack.rules.count) rules): \(DiagnosticRendering.summary(diagnostics))\n")
            } else {
                console.out("pack '\(packDirectory)' is invalid: \(DiagnosticRendering.summary(diagnostics))\n")
            }
        } else {
            var object = JSONObject()
            object.append("format_version", .int(1))
            object.append("valid", .bool(valid))
            object.append("pack", pack.map { .string($0.name) } ?? .null)
            object.append("errors", .int(diagnostics.errors.count))
            object.append("warnings", .int(diagnostics.warnings.count))
            object.append("diagnostics", DiagnosticRendering.json(diagnostics))
            console.outJSONDocument(.object(object))
        }
        return valid ? ExitStatus.success : ExitStatus.failure
    }

    // MARK: transform

    /// Streams every order of `ordersPath` through the pack; exit 1 if any order errored.
    public static func transform(packDirectory: String, ordersPath: String, format: OutputFormat, asOf: CalendarDate, console: Console) -> Int32 {
        guard let graph = compilePack(packDirectory, console: console, format: format == .text ? .text : .json) else { return ExitStatus.failure }
        guard let source = openOrders(ordersPath, console: console) else { return ExitStatus.failure }
        var session = TransformSession()
        var tally = OutcomeTally()
        let options = TransformOptions(asOf: asOf)
        do {
            try source.forEach { record in
                let outcome = run(record, graph: graph, options: options, session: &session)
                tally.add(outcome)
                if format == .text { console.out(OutcomeRendering.text(outcome)) } else { console.outJSONLine(OutcomeRendering.json(outcome)) }
            }
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
        if format == .text { console.out(tally.summary + "\n") } else { console.err(tally.summary + "\n") }
        return tally.errors > 0 ? ExitStatus.failure : ExitStatus.success
    }

    /// Opens an orders file, printing why when it cannot be read.
    static func openOrders(_ path: String, console: Console) -> OrderSource? {
        do {
            return try OrderSource(path: path, displayPath: path)
        } catch {
            console.err("\(error)\n")
            return nil
        }
    }

    /// One record → one outcome: a record that could not be read becomes an error outcome.
    public static func run(_ record: OrderRecord, graph: TransformGraph, options: TransformOptions, session: inout TransformSession) -> OrderOutcome {
        switch record.result {
        case .success(let order):
            return graph.run(order, source: record.location, options: options, session: &session)
        case .failure(let failure):
            return .failed(failure.orderID, failure.diagnostics, source: record.location)
        }
    }

    // MARK: explain

    public static func explain(packDirectory: String, ordersPath: String, orderID: String, format: OutputFormat, asOf: CalendarDate, console: Console) -> Int32 {
        guard let graph = compilePack(packDirectory, console: console, format: format, quietWarnings: true) else { return ExitStatus.failure }
        guard let source = openOrders(ordersPath, console: console) else { return ExitStatus.failure }
        var session = TransformSession()
        let options = TransformOptions(asOf: asOf, recordProvenance: true)
        var found: (OrderOutcome, Order?)?
        var seenIDs: [String] = []
        do {
            // Earlier orders still run so custom invoice numbers match a full transform.
            try source.forEach { record in
                guard found == nil else { return }
                let outcome = run(record, graph: graph, options: options, session: &session)
                if outcome.orderID == orderID {
                    found = (outcome, try? record.result.get())
                } else if seenIDs.count < 100_000 {
                    seenIDs.append(outcome.orderID)
                }
            }
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
        guard let (outcome, order) = found else {
            var message = "order '\(orderID)' is not in \(ordersPath)"
            if let guess = Suggest.closest(to: orderID, in: seenIDs) { message += "; did you mean '\(guess)'?" }
            console.err(message + "\n")
            return ExitStatus.failure
        }
        let plan = order.flatMap { graph.plan(forStore: $0.store) }
        if format == .text {
            console.out(Explanation.text(outcome, plan: plan))
        } else {
            console.outJSONDocument(Explanation.json(outcome, plan: plan))
        }
        return outcome.kind == .error ? ExitStatus.failure : ExitStatus.success
    }

    /// Today's date in Malaysia, the default "sync date".
    public static func today(utcOffsetSeconds: Int = 8 * 3600) -> CalendarDate {
        let seconds = Int64(Date().timeIntervalSince1970)
        let local = seconds + Int64(utcOffsetSeconds)
        return CalendarDate(daysSinceEpoch: Int(local / 86_400))
    }
}
