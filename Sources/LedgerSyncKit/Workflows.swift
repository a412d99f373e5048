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

/// The command entry points the CLI calls: thin adapters from a use case (`PackUseCases`, `StateViews`, …)
/// through its renderer to a `Console` and an exit status.
public enum Workflows {
    /// Loads and compiles the pack, printing its diagnostics; nil when it has errors.
    public static func compilePack(_ directory: String, console: Console, format: OutputFormat = .text, quietWarnings: Bool = false) -> TransformGraph? {
        do throws(CommandFailure) {
            let loaded = try PackUseCases.load(directory)
            if !quietWarnings && !loaded.diagnostics.isEmpty && format == .text { console.err(DiagnosticRendering.text(loaded.diagnostics)) }
            return loaded.graph
        } catch {
            console.err(FailureRendering.text(error, format: format == .text ? .text : .json))
            return nil
        }
    }

    // MARK: validate

    public static func validate(packDirectory: String, format: OutputFormat, console: Console) -> Int32 {
        respond(format: format, console: console, render: { PackRendering.render($0, format: format) }) {
            PackUseCases.validate(packDirectory: packDirectory)
        }
    }

    // MARK: transform

    /// Streams every order of `ordersPath` through the pack; exit 1 if any order errored.
    public static func transform(packDirectory: String, ordersPath: String, ordersMapping: String? = nil, format: OutputFormat, asOf: CalendarDate, console: Console) -> Int32 {
        let text = format == .text
        // Each order is shown as it comes out, so a large file never sits in memory. JSON lines are written on a
        // thread of their own, in order, while the rules run over the next orders; it is done before anything else is shown.
        let lines = text ? nil : OutcomeLineWriter(console: console)
        let events = TransformEvents(packLoaded: { diagnostics in
            if text && !diagnostics.isEmpty { console.err(DiagnosticRendering.text(diagnostics)) }
        }, outcome: { outcome in
            if let lines { lines.add(outcome) } else { console.out(OutcomeRendering.text(outcome)) }
        }, finished: {
            lines?.finish()
        })
        return respond(format: text ? .text : .json, console: console, render: { PackRendering.render($0, format: format) }) {
            var request = TransformRequest(packDirectory: packDirectory, ordersPath: ordersPath, asOf: asOf)
            request.ordersMapping = ordersMapping
            return try PackUseCases.transform(request, events: events)
        }
    }

    /// Opens an orders file, printing why when it cannot be read.
    static func openOrders(_ path: String, mapping: String? = nil, packDirectory: String? = nil, console: Console) -> OrderSource? {
        do throws(CommandFailure) {
            return try PackUseCases.openOrders(path, mapping: mapping, packDirectory: packDirectory)
        } catch {
            console.err(FailureRendering.text(error, format: .text))
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

    public static func explain(packDirectory: String, ordersPath: String, ordersMapping: String? = nil, orderID: String, format: OutputFormat, asOf: CalendarDate, console: Console) -> Int32 {
        respond(format: format, console: console, render: { PackRendering.render($0, format: format) }) {
            var request = ExplainRequest(packDirectory: packDirectory, ordersPath: ordersPath, orderID: orderID, asOf: asOf)
            request.ordersMapping = ordersMapping
            return try PackUseCases.explain(request)
        }
    }

    /// Today's date in Malaysia, the default "sync date".
    public static func today(utcOffsetSeconds: Int = 8 * 3600) -> CalendarDate {
        let seconds = Int64(Date().timeIntervalSince1970)
        let local = seconds + Int64(utcOffsetSeconds)
        return CalendarDate(daysSinceEpoch: Int(local / 86_400))
    }
}

/// Writes `transform --format jsonl` records on a second thread: outcomes go over in batches, in order, and are
/// encoded and written to the console there; `finish` waits until the last one is written. The console is the writer
/// thread's alone between the first batch and `finish`.
final class OutcomeLineWriter: @unchecked Sendable {
    private let console: Console
    private let pipe = BatchPipe<OrderOutcome>(capacity: 8)
    private var batch: [OrderOutcome] = []
    private let batchSize = 512
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    init(console: Console) {
        self.console = console
        batch.reserveCapacity(batchSize)
    }

    func add(_ outcome: consuming OrderOutcome) {
        batch.append(outcome)
        guard batch.count >= batchSize else { return }
        start()
        pipe.put(batch)
        batch = []
        batch.reserveCapacity(batchSize)
    }

    func finish() {
        guard thread != nil else {
            // Too few orders to be worth a thread.
            for outcome in batch { console.outBytes { OutcomeRendering.appendJSONLine(outcome, to: &$0) } }
            batch = []
            return
        }
        pipe.finish(batch, failure: nil)
        batch = []
        done.wait()
        thread = nil
    }

    private func start() {
        guard thread == nil else { return }
        let thread = Thread { [pipe, console, done] in
            while let outcomes = pipe.take() {
                for outcome in outcomes { console.outBytes { OutcomeRendering.appendJSONLine(outcome, to: &$0) } }
                // Freed by the transform thread, which allocated them (see BatchPipe.giveBack).
                pipe.giveBack(outcomes)
            }
            done.signal()
        }
        self.thread = thread
        thread.start()
    }
}
