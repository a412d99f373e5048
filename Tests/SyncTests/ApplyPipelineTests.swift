import Foundation
import LedgerCore
import OrderIO
import Planner
import RulePack
import SQLAccount
import StateStore
import Sync
import Testing
import TestSupport
import Transform

/// The apply pipeline (prepare → deliver) over a real state store and the example pack, against `FakeBooks`.
@Suite("apply pipeline")
struct ApplyPipelineTests {
    static let ordersPath = Golden.packageRoot + "/examples/orders/2025-09.jsonl"
    static let options = TransformOptions(asOf: CalendarDate(parsing: "2025-10-01")!)
    static let sync = SyncOptions(concurrency: 4, settleDelay: 0)

    static func graph() throws -> TransformGraph {
        let (pack, diagnostics) = RulePackValidator.load(packDirectory: Golden.packageRoot + "/rules/acme-living")
        guard let pack else { throw PipelineTestError(diagnostics.map(\.description).joined(separator: "\n")) }
        return TransformGraph(pack: pack)
    }

    static func pipeline() throws -> (ApplyPipeline, StateStore) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-sync-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try StateStore(path: directory + "/state.sqlite")
        return (ApplyPipeline(graph: try graph(), options: options, store: store), store)
    }

    static func orders(_ path: String = ordersPath) throws -> OrderSource {
        try OrderSource(path: path, displayPath: (path as NSString).lastPathComponent)
    }

    /// How many of the example orders the pack turns into invoices (the rest are excluded).
    static func expectedInvoices() throws -> Int {
        let graph = try graph()
        var session = TransformSession()
        var invoices = 0
        try orders().forEach { record in
            if case .success(let order) = record.result, graph.run(order, options: options, session: &session).kind == .document { invoices += 1 }
        }
        return invoices
    }

    @Test("every syncable order is sent once; a second apply of the same file stages nothing and changes nothing")
    func fullRunThenNoOp() async throws {
        let (pipeline, _) = try Self.pipeline()
        let books = FakeBooks()
        let expected = try Self.expectedInvoices()
        let prepared = try pipeline.prepare(.orders(Self.orders()))
        #expect(prepared.imported.new == 68)
        #expect(prepared.staged.items.count == expected)
        #expect(prepared.changes.isEmpty)

        let result = try await pipeline.deliver(prepared, client: Fixture.client(books), sync: Self.sync)
        #expect(result.succeeded, "\(result.failures)")
        #expect(result.created.count == expected)
        #expect(books.stored("salesinvoice").count == expected)
        // 68 orders in tasks of at most 150: one task, every order of it listed.
        #expect(result.taskIDs.count == 1)

        let again = try pipeline.prepare(.orders(Self.orders()))
        #expect(again.imported.unchanged == 68)
        #expect(again.staged.items.isEmpty)
        #expect(again.changes.isEmpty)
        let second = try await pipeline.deliver(again, client: Fixture.client(books), sync: Self.sync)
        #expect(second.previouslyCompleted == expected)
        #expect(books.posts == expected, "no invoice is posted twice")
    }

    @Test("an order cancelled after its invoice was synced becomes a planned cancel, found in the same single pass that stages new orders")
    func cancelledAfterSync() async throws {
        let (pipeline, store) = try Self.pipeline()
        let books = FakeBooks()
        _ = try await pipeline.deliver(try pipeline.prepare(.orders(Self.orders())), client: Fixture.client(books), sync: Self.sync)

        // The same file a day later: SG-1000101 cancelled, and one new order.
        var lines = try String(contentsOfFile: Self.ordersPath, encoding: .utf8).split(separator: "\n").map(String.init)
        let index = try #require(lines.firstIndex { $0.contains(#""id":"SG-1000101""#) })
        lines[index] = lines[index].replacingOccurrences(of: #""status":"completed""#, with: #""status":"cancelled""#)
        let newOrder = lines[index].replacingOccurrences(of: "SG-1000101", with: "SG-1999999").replacingOccurrences(of: "2509014EAM4Y3J", with: "2509999NEWORDR")
            .replacingOccurrences(of: #""status":"cancelled""#, with: #""status":"completed""#)
        lines.append(newOrder)
        let later = FileManager.default.temporaryDirectory.appendingPathComponent("later-\(UUID().uuidString).jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: later, atomically: true, encoding: .utf8)

        let prepared = try pipeline.prepare(.orders(Self.orders(later)))
        #expect(prepared.imported.new == 1)
        #expect(prepared.imported.changed == 1)
        #expect(prepared.staged.items.map(\.orderID) == ["SG-1999999"])
        #expect(prepared.changes.map(\.orderID) == ["SG-1000101"])
        #expect(prepared.changes.first?.action == .cancel)
        #expect(prepared.changes.first?.reason == "the order is now cancelled")
        #expect(try store.order("SG-1000101")?.status == .completed, "preparing sends nothing and cancels nothing")
    }

    @Test("answers lost after the commit: the invoices are found by docref1 and adopted, never posted twice")
    func lostAnswersAreAdopted() async throws {
        let (pipeline, _) = try Self.pipeline()
        let books = FakeBooks(dropAnswers: 3)
        let prepared = try pipeline.prepare(.orders(Self.orders()))
        let result = try await pipeline.deliver(prepared, client: Fixture.client(books), sync: Self.sync)
        #expect(result.succeeded, "\(result.failures)")
        #expect(result.adopted.count == 3)
        #expect(result.created.count == prepared.staged.items.count - 3)
        let keys = books.stored("salesinvoice").compactMap { $0["docref1"]?.stringValue }
        #expect(keys.count == prepared.staged.items.count)
        #expect(Set(keys).count == keys.count, "one invoice per order")
    }

    @Test("refused credentials: nothing is sent, every invoice stays pending for the next run")
    func deadConnectionSendsNothing() async throws {
        let (pipeline, store) = try Self.pipeline()
        let books = FakeBooks(refuseCredentials: true)
        let prepared = try pipeline.prepare(.orders(Self.orders()))
        await #expect(throws: ConnectionUnavailable.self) {
            _ = try await pipeline.deliver(prepared, client: Fixture.client(books), sync: Self.sync)
        }
        #expect(books.posts == 0)
        #expect(try store.statusCounts()[.completed] ?? 0 == 0)
        #expect(try store.ordersToSync().count >= prepared.staged.items.count)
    }

    @Test("a retry stays in its task, whatever the task size")
    func retryChunk() throws {
        var prepared = PreparedApply()
        prepared.retryTask = 7
        prepared.staged.failed = (1...3).map { ("O-\($0)", "refused") }
        let chunks = ApplyPipeline.chunks(prepared, taskSize: 2)
        #expect(chunks.count == 1)
        #expect(chunks.first?.existingTask == 7)
        #expect(chunks.first?.orderIDs == ["O-1", "O-2", "O-3"])
        prepared.retryTask = nil
        #expect(ApplyPipeline.chunks(prepared, taskSize: 2).map(\.orderIDs) == [["O-1", "O-2"], ["O-3"]])
    }
}

struct PipelineTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
