import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import StateStore
import Sync
import Testing

/// `apply --order …` as the pipeline sees it: only the selected orders of the file are imported, staged and sent.
@Suite("apply pipeline with a selection")
struct SelectionPipelineTests {
    static func selection(_ ids: [String]) throws -> ResolvedSelection {
        try OrderSelection(orderIDs: ids).resolve(ApplyPipelineTests.orders(), ordersPath: "2025-09.jsonl")
    }

    @Test("a selection stages only its orders, not the other orders the state store holds pending; the task holds exactly them")
    func onlyTheSelection() async throws {
        let (pipeline, store) = try ApplyPipelineTests.pipeline()
        let books = FakeBooks()
        // A first apply that imported and staged the whole file but sent nothing: 68 orders wait in the store.
        let everything = try pipeline.prepare(.orders(ApplyPipelineTests.orders()))
        #expect(everything.staged.items.count > 3)

        let ticked = ["SG-1000166", "SG-1000101", "SG-1000116"]
        let prepared = try pipeline.prepare(.orders(ApplyPipelineTests.orders(), selection: try Self.selection(ticked)))
        #expect(prepared.imported.orderIDs == ["SG-1000101", "SG-1000116", "SG-1000166"], "only the selected orders are read into the store")
        #expect(prepared.imported.unchanged == 3)
        #expect(prepared.staged.items.map(\.orderID) == ["SG-1000101", "SG-1000116", "SG-1000166"])
        #expect(prepared.selection?.summary == "3 of 68 orders selected (--order)")

        let result = try await pipeline.deliver(prepared, client: Fixture.client(books), sync: ApplyPipelineTests.sync)
        #expect(result.succeeded, "\(result.failures)")
        #expect(result.selection == prepared.selection)
        #expect(Set(books.stored("salesinvoice").compactMap { $0["docref1"]?.stringValue }) == ["LS-SG-1000101", "LS-SG-1000116", "LS-SG-1000166"])
        #expect(result.taskIDs.count == 1)
        let task = try #require(result.taskIDs.first)
        #expect(try store.orders(taskID: task).map(\.id).sorted() == ticked.sorted())
    }

    @Test("a fresh store: the orders not selected are not imported at all")
    func unselectedNotImported() throws {
        let (pipeline, store) = try ApplyPipelineTests.pipeline()
        let prepared = try pipeline.prepare(.orders(ApplyPipelineTests.orders(), selection: try Self.selection(["SG-1000120"])))
        #expect(prepared.imported.new == 1)
        #expect(try store.order("SG-1000120") != nil)
        #expect(try store.order("SG-1000101") == nil)
        #expect(try store.ordersToSync().map(\.id) == ["SG-1000120"])
    }
}
