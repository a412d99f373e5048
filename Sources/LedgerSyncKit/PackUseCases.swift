import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import StateStore
import Transform

/// A pack that loaded, with the warnings it still has.
public struct LoadedPack {
    public var graph: TransformGraph
    /// Warnings and notes; a pack with errors does not load.
    public var diagnostics: [Diagnostic]
}

/// `validate`'s answer: the pack when it loads, and every located problem either way.
public struct PackValidation: CommandResult {
    public var packDirectory: String
    public var pack: RulePack?
    public var diagnostics: [Diagnostic]

    public var isValid: Bool { pack != nil }
    public var exitStatus: Int32 { isValid ? ExitStatus.success : ExitStatus.failure }
}

public struct TransformRequest: Sendable {
    public var packDirectory: String
    public var ordersPath: String
    /// The mapping of an order export given as --orders (a name or a file); nil: order JSON, or recognised by its header.
    public var ordersMapping: String? = nil
    public var asOf: CalendarDate

    public init(packDirectory: String, ordersPath: String, asOf: CalendarDate) {
        self.packDirectory = packDirectory
        self.ordersPath = ordersPath
        self.asOf = asOf
    }
}

/// What a transform reports while it runs: the pack's warnings once loaded, then each order's outcome in file order.
public struct TransformEvents {
    public var packLoaded: ([Diagnostic]) -> Void
    /// Takes each outcome over, so one handed to another thread is moved there rather than copied.
    public var outcome: (consuming OrderOutcome) -> Void
    /// After the last outcome, also when the run stops with an error: whatever `outcome` handed elsewhere is done.
    public var finished: () -> Void

    public init(packLoaded: @escaping ([Diagnostic]) -> Void = { _ in }, outcome: @escaping (consuming OrderOutcome) -> Void = { _ in },
                finished: @escaping () -> Void = {}) {
        self.packLoaded = packLoaded
        self.outcome = outcome
        self.finished = finished
    }
}

/// The totals of a transform run; any order in error fails the command.
public struct TransformReport: CommandResult {
    public var tally: OutcomeTally
    public var exitStatus: Int32 { tally.errors > 0 ? ExitStatus.failure : ExitStatus.success }
}

public struct ExplainRequest: Sendable {
    public var packDirectory: String
    public var ordersPath: String
    /// The mapping of an order export given as --orders (a name or a file); nil: order JSON, or recognised by its header.
    public var ordersMapping: String? = nil
    public var orderID: String
    public var asOf: CalendarDate

    public init(packDirectory: String, ordersPath: String, orderID: String, asOf: CalendarDate) {
        self.packDirectory = packDirectory
        self.ordersPath = ordersPath
        self.orderID = orderID
        self.asOf = asOf
    }
}

/// One order's outcome with the provenance of every value, and the store plan that built it.
public struct OrderExplanation: CommandResult {
    public var outcome: OrderOutcome
    public var plan: StorePlan?
    /// The credit note of each of the order's returns, built against the invoice above.
    public var creditNotes: [ReturnOutcome] = []
    public var exitStatus: Int32 { outcome.kind == .error ? ExitStatus.failure : ExitStatus.success }
}

/// The use cases over a pack and an orders file: `validate`, `transform`, `explain`.
public enum PackUseCases {
    /// The pack compiled; its located errors when it does not load.
    public static func load(_ directory: String) throws(CommandFailure) -> LoadedPack {
        let (pack, diagnostics) = RulePackValidator.load(packDirectory: directory)
        guard let pack else { throw .invalidPack(directory: directory, diagnostics: diagnostics) }
        return LoadedPack(graph: TransformGraph(pack: pack), diagnostics: diagnostics)
    }

    /// Order JSON, or an order export read through its import mapping (`OrderInputs`).
    public static func openOrders(_ path: String, mapping: String? = nil, packDirectory: String? = nil) throws(CommandFailure) -> OrderSource {
        try OrderInputs.open(path, mapping: mapping, packDirectory: packDirectory)
    }

    /// The pack, its import mappings (`imports/*.yaml`) and its settlement mappings (`settlements/*.yaml`): a mapping that
    /// does not load makes the pack invalid.
    public static func validate(packDirectory: String) -> PackValidation {
        let (pack, diagnostics) = RulePackValidator.load(packDirectory: packDirectory)
        let mappingProblems = OrderImportUseCase.validatePackMappings(packDirectory) + SettlementMappings.validatePackMappings(packDirectory)
        return PackValidation(packDirectory: packDirectory, pack: mappingProblems.hasErrors ? nil : pack, diagnostics: diagnostics + mappingProblems)
    }

    public static func transform(_ request: TransformRequest, events: TransformEvents) throws(CommandFailure) -> TransformReport {
        defer { events.finished() }
        let loaded = try load(request.packDirectory)
        events.packLoaded(loaded.diagnostics)
        let source = try openOrders(request.ordersPath, mapping: request.ordersMapping, packDirectory: request.packDirectory)
        var session = TransformSession()
        var tally = OutcomeTally()
        let options = TransformOptions(asOf: request.asOf)
        try reporting {
            // Orders are read and decoded on a second thread while this one runs the rules and writes the output.
            try source.forEachReadingAhead { record in
                let outcome = Workflows.run(record, graph: loaded.graph, options: options, session: &session)
                tally.add(outcome)
                events.outcome(outcome)
            }
        }
        return TransformReport(tally: tally)
    }

    public static func explain(_ request: ExplainRequest) throws(CommandFailure) -> OrderExplanation {
        let graph = try load(request.packDirectory).graph
        let source = try openOrders(request.ordersPath, mapping: request.ordersMapping, packDirectory: request.packDirectory)
        return try explain(request.orderID, in: source, named: request.ordersPath, graph: graph, asOf: request.asOf, session: TransformSession())
    }

    /// `explain` of an order the state store holds (the console's invoice preview): its stored JSON through the pack
    /// as it is now, continuing the store's custom invoice numbers and keeping a number the order was given.
    public static func explainStored(packDirectory: String, statePath: String?, orderID: String, asOf: CalendarDate) throws(CommandFailure) -> OrderExplanation {
        let graph = try load(packDirectory).graph
        let state = try StateViews.openExisting(statePath)
        let (stored, session) = try reporting { () throws -> (StoredOrder?, TransformSession) in
            var session = TransformSession()
            session.nextCustomNumber = try state.sequences(prefix: "invoice_number:")
            if let document = try state.document(orderID: orderID),
               let docno = (try? JSONParser.parse(document.payloadJSON))?["docno"]?.stringValue, !docno.isEmpty {
                session.assignedCustomNumbers[orderID] = docno
            }
            return (try state.order(orderID), session)
        }
        guard let stored else {
            throw .message("order '\(orderID)' is not in the state store \(state.path)")
        }
        let source = OrderSource(bytes: Array(stored.rawJSON.utf8), displayPath: "state store order \(orderID)")
        return try explain(orderID, in: source, named: state.path, graph: graph, asOf: asOf, session: session)
    }

    private static func explain(_ orderID: String, in source: OrderSource, named sourceName: String, graph: TransformGraph, asOf: CalendarDate,
                                session start: TransformSession) throws(CommandFailure) -> OrderExplanation {
        var session = start
        let options = TransformOptions(asOf: asOf, recordProvenance: true)
        var found: (OrderOutcome, Order?)?
        var seenIDs: [String] = []
        try reporting {
            // Earlier orders still run so custom invoice numbers match a full transform.
            try source.forEach { record in
                guard found == nil else { return }
                let outcome = Workflows.run(record, graph: graph, options: options, session: &session)
                if outcome.orderID == orderID {
                    found = (outcome, try? record.result.get())
                } else if seenIDs.count < 100_000 {
                    seenIDs.append(outcome.orderID)
                }
            }
        }
        guard let (outcome, order) = found else {
            var message = "order '\(orderID)' is not in \(sourceName)"
            if let guess = Suggest.closest(to: orderID, in: seenIDs) { message += "; did you mean '\(guess)'?" }
            throw .message(message)
        }
        var creditNotes: [ReturnOutcome] = []
        if let order, !order.returns.isEmpty, let invoice = outcome.document {
            let docno = invoice.payload["docno"]?.stringValue ?? ""
            creditNotes = graph.creditNotes(for: order, invoiceKey: invoice.idempotencyKey, invoiceDocno: docno.isEmpty ? nil : docno,
                                            source: outcome.source, options: options, session: &session)
        }
        return OrderExplanation(outcome: outcome, plan: order.flatMap { graph.plan(forStore: $0.store) }, creditNotes: creditNotes)
    }
}

/// `validate`, `transform` and `explain` results as text or JSON.
public enum PackRendering {
    public static func render(_ validation: PackValidation, format: OutputFormat) -> Rendered {
        let diagnostics = validation.diagnostics
        guard format == .text else {
            var object = JSONObject()
            object.append("format_version", .int(1))
            object.append("valid", .bool(validation.isValid))
            object.append("pack", validation.pack.map { .string($0.name) } ?? .null)
            object.append("errors", .int(diagnostics.errors.count))
            object.append("warnings", .int(diagnostics.warnings.count))
            object.append("diagnostics", DiagnosticRendering.json(diagnostics))
            return .document(.object(object))
        }
        var out = DiagnosticRendering.text(diagnostics)
        if let pack = validation.pack {
            let stores = pack.profile?.stores.count ?? 0
            out += "pack '\(pack.name)' is valid (\(pack.kind.rawValue) pack, \(pack.files.isEmpty ? 1 : pack.files.count) file\(pack.files.count == 1 ? "" : "s"), \(stores) store\(stores == 1 ? "" : "s"), \(pack.matching.items.count) matched SKUs, \(pack.rules.count) rules): \(DiagnosticRendering.summary(diagnostics))\n"
        } else {
            out += "pack '\(validation.packDirectory)' is invalid: \(DiagnosticRendering.summary(diagnostics))\n"
        }
        return .text(out)
    }

    /// The closing tally; on stderr in JSON Lines mode, so stdout stays one record per line.
    public static func render(_ report: TransformReport, format: OutputFormat) -> Rendered {
        format == .text ? .text(report.tally.summary + "\n") : .error(report.tally.summary + "\n")
    }

    public static func render(_ explanation: OrderExplanation, format: OutputFormat) -> Rendered {
        format == .text ? .text(Explanation.text(explanation.outcome, plan: explanation.plan, creditNotes: explanation.creditNotes))
            : .document(Explanation.json(explanation.outcome, plan: explanation.plan, creditNotes: explanation.creditNotes))
    }
}
