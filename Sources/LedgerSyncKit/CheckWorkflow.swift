import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import Sandbox
import SQLAccount
import Transform

/// What `ledgersync check` was asked to do.
public struct CheckRequest: Sendable {
    public var packDirectory: String
    /// Orders to transform and check per order (currency against the customer's).
    public var ordersPath: String?
    /// The mapping of an order export given as --orders (a name or a file); nil: order JSON, or recognised by its header.
    public var ordersMapping: String? = nil
    public var endpoint: String?
    public var sandbox: Bool
    /// `KIND=NAME` overrides of the master resource names (`payment_method=paymentmethod`).
    public var resourceOverrides: [String]
    public var format: OutputFormat
    public var asOf: CalendarDate

    public init(packDirectory: String, ordersPath: String? = nil, endpoint: String? = nil, sandbox: Bool = false,
                resourceOverrides: [String] = [], format: OutputFormat = .text, asOf: CalendarDate = Workflows.today()) {
        self.packDirectory = packDirectory
        self.ordersPath = ordersPath
        self.endpoint = endpoint
        self.sandbox = sandbox
        self.resourceOverrides = resourceOverrides
        self.format = format
        self.asOf = asOf
    }
}

extension Workflows {
    /// `ledgersync check`: every code the pack can emit (and, with orders, every order's currency against its
    /// customer's) checked against SQL Accounting's masters; only GETs are sent. Exit 0 only without errors.
    public static func check(_ request: CheckRequest, console: Console,
                             environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        let text = request.format == .text
        guard let graph = compilePack(request.packDirectory, console: console, format: text ? .text : .json, quietWarnings: true) else { return ExitStatus.failure }
        let pack = graph.pack
        guard let profile = pack.profile else {
            console.err("pack '\(request.packDirectory)' is a base pack without a profile; run check on a client pack\n")
            return ExitStatus.failure
        }
        let resources: MasterResourceNames
        switch MasterResourceNames.standard.overridden(by: request.resourceOverrides) {
        case .success(let names): resources = names
        case .failure(let diagnostic):
            console.err(diagnostic.description + "\n")
            return ExitStatus.failure
        }
        var source: OrderSource?
        if let ordersPath = request.ordersPath {
            guard let opened = openOrders(ordersPath, mapping: request.ordersMapping, packDirectory: request.packDirectory, console: console) else { return ExitStatus.failure }
            source = opened
        }

        var embedded: SandboxServer?
        let apiClient: SQLAccountClient
        let target: String
        do {
            if request.sandbox {
                let started = try await EmbeddedSandbox.start(for: profile.connection, environment: environment)
                embedded = started.server
                apiClient = started.client
                target = "the embedded sandbox"
            } else {
                apiClient = try client(for: profile.connection, endpoint: request.endpoint, environment: environment)
                target = request.endpoint ?? "https://\(profile.connection.host.value)"
            }
        } catch let diagnostic as Diagnostic {
            console.err(diagnostic.description + "\n")
            return ExitStatus.failure
        } catch {
            console.err("cannot connect to SQL Accounting: \(error)\n")
            return ExitStatus.failure
        }

        var report: MasterCheck.Report
        do {
            let catalog: MasterCatalog
            (report, catalog) = try await MasterCheck.check(pack: pack, client: apiClient, resources: resources)
            if let source {
                report.diagnostics += try checkOrders(source, graph: graph, catalog: catalog, asOf: request.asOf, report: &report)
            }
        } catch {
            if let embedded { await embedded.stop() }
            console.err("check stopped: \(error)\n")
            return ExitStatus.failure
        }
        if let embedded { await embedded.stop() }

        let diagnostics = report.diagnostics
        let verdict = diagnostics.isEmpty ? "no problems" : DiagnosticRendering.summary(diagnostics)
        if text {
            console.out(DiagnosticRendering.text(diagnostics))
            console.out("\(report.checkedSummary) against \(target): \(verdict)\n")
        } else {
            var checked = JSONObject()
            for kind in MasterKind.allCases { if let count = report.checked[kind] { checked.append(kind.rawValue, .int(count)) } }
            var object = JSONObject()
            object.append("format_version", .int(1))
            object.append("endpoint", .string(target))
            object.append("checked", .object(checked))
            object.append("orders", report.orders.map { .int($0) } ?? .null)
            object.append("errors", .int(diagnostics.errors.count))
            object.append("warnings", .int(diagnostics.warnings.count))
            object.append("diagnostics", DiagnosticRendering.json(diagnostics))
            console.outJSONDocument(.object(object))
        }
        return diagnostics.hasErrors ? ExitStatus.failure : ExitStatus.success
    }

    /// Transforms every order and checks each invoice's currency against its customer's. An order that fails to
    /// transform is reported too: it would fail at apply just the same.
    static func checkOrders(_ source: OrderSource, graph: TransformGraph, catalog: MasterCatalog, asOf: CalendarDate,
                            report: inout MasterCheck.Report) throws -> [Diagnostic] {
        var session = TransformSession()
        let options = TransformOptions(asOf: asOf)
        var found: [Diagnostic] = []
        var orders = 0
        try source.forEach { record in
            orders += 1
            let outcome = run(record, graph: graph, options: options, session: &session)
            switch outcome.kind {
            case .error:
                for error in outcome.errors.errors {
                    var located = error
                    if located.location == nil { located.location = outcome.source }
                    // Decoding errors already name the order; transform errors name only the field.
                    if !located.message.hasPrefix("order ") { located.message = "order \(outcome.orderID): " + located.message }
                    found.append(located)
                }
            case .document:
                guard let document = outcome.document else { return }
                let store = try? record.result.get().store
                if let problem = MasterCheck.currencyProblem(orderID: outcome.orderID, store: store, payload: document.payload,
                                                             orderLocation: outcome.source, customers: catalog, graph: graph) {
                    found.append(problem)
                }
            case .excluded:
                break
            }
        }
        report.orders = orders
        return found
    }
}
