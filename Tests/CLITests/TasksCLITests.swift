import Foundation
import Testing
import TestSupport

@Suite("ledgersync tasks: edit, retry, remove, delete", .serialized)
struct TasksCLITests {
    /// An apply against a sandbox that lacks the plant pot POT-M: five orders are refused, 46 complete.
    static func failedRun(_ directory: String) async throws -> (ServedSandbox, String) {
        let sandbox = try ServedSandbox(directory: directory, seed: Args.fixture("sandbox/seed-without-pot.yaml"))
        let state = directory + "/state.sqlite"
        let result = try await Sync.apply(sandbox, state: state)
        #expect(result.status == 1)
        #expect(result.stdout.contains("46 created, 0 adopted, 5 failed, 17 excluded"), "\(result.stdout)")
        #expect(result.stdout.contains("! SG-1000151: SQL Account refused the invoice (HTTP 500: Operation aborted: Item code 'POT-M' not found (sdsdocdetail line 1)); a lookup by docref1 'LS-SG-1000151' confirms nothing was created."), "\(result.stdout)")
        return (sandbox, state)
    }

    static func tasks(_ arguments: [String], state: String, sandbox: ServedSandbox? = nil) async throws -> CLI.Result {
        var extra = ["--state", state]
        if let sandbox, arguments.first == "retry" || arguments.contains("--cancel-remote") { extra += ["--endpoint", sandbox.url] }
        if arguments.first == "retry" { extra += Args.asOf }
        let needsPack = ["retry", "edit", "delete"].contains(arguments.first ?? "")
        return try await CLI.run(["tasks"] + arguments + (needsPack ? Args.acme : []) + extra, environment: ServedSandbox.keys)
    }

    @Test("edit a failed order's editable item code, retry the task: that order completes, the others fail again with the API's message")
    func editAndRetry() async throws {
        let directory = try scratchDirectory("edit")
        let (sandbox, state) = try await Self.failedRun(directory)
        defer { sandbox.stop() }

        let notEditable = try await Self.tasks(["edit", "1", "SG-1000151", "--set", "docdate=2025-01-01"], state: state)
        #expect(notEditable.status == 1)
        #expect(notEditable.stderr.contains("'docdate' is not editable; the pack's edit_policy.editable (rules/base/malaysia-marketplaces/pack.yaml:66) allows: agent, terms"), "\(notEditable.stderr)")
        let noLine = try await Self.tasks(["edit", "1", "SG-1000151", "--set", "sdsdocdetail.itemcode=VASE-01"], state: state)
        #expect(noLine.stderr.contains("needs a line number: write sdsdocdetail[1].itemcode"), "\(noLine.stderr)")
        let completed = try await Self.tasks(["edit", "1", "SG-1000101", "--set", "agent=KA-01"], state: state)
        #expect(completed.status == 1)
        #expect(completed.stderr.contains("is completed, not failed"), "\(completed.stderr)")

        // A code SQL Account would refuse for its length is refused here, before the retry sends it.
        let tooLong = try await Self.tasks(["edit", "1", "SG-1000151", "--set", "sdsdocdetail[1].itemcode=VASE-01-HANDMADE-CERAMIC-BLUE-XL"], state: state)
        #expect(tooLong.status == 1)
        #expect(tooLong.stderr.contains("--set sdsdocdetail[1].itemcode: 'VASE-01-HANDMADE-CERAMIC-BLUE-XL' is 32 characters, SQL Account allows 30 for sdsdocdetail.itemcode; shorten it"), "\(tooLong.stderr)")

        let edit = try await Self.tasks(["edit", "1", "SG-1000151", "--set", "sdsdocdetail[1].itemcode=VASE-01"], state: state)
        #expect(edit.status == 0, "\(edit.transcript)")
        #expect(edit.stdout.contains("SG-1000151: sdsdocdetail[1].itemcode 'POT-M' → 'VASE-01'"), "\(edit.stdout)")

        let retry = try await Self.tasks(["retry", "1"], state: state, sandbox: sandbox)
        #expect(retry.status == 1, "four orders still sell POT-M: \(retry.transcript)")
        #expect(retry.stdout.contains("retrying 5 orders of task 1"))
        #expect(retry.stdout.contains("1 created, 0 adopted, 4 failed, 0 excluded, 46 synced before (task 1,"), "\(retry.stdout)")
        let edited = try #require(try sandbox.invoices().first { $0["docref1"] as? String == "LS-SG-1000151" })
        let lines = try #require(edited["sdsdocdetail"] as? [[String: Any]])
        #expect(lines.first?["itemcode"] as? String == "VASE-01")
        #expect(try sandbox.invoiceCountsByKey().count == 47)

        let shown = try await Self.tasks(["show", "1"], state: state)
        #expect(shown.stdout.contains("47 completed, 4 failed"), "\(shown.stdout)")
    }

    @Test("remove a failed order (back to pending), refuse a completed one; delete the task and the next apply adopts what exists and creates the rest once")
    func removeDeleteAndResync() async throws {
        let directory = try scratchDirectory("delete")
        let (partial, state) = try await Self.failedRun(directory)

        let removeCompleted = try await Self.tasks(["remove", "1", "SG-1000101"], state: state)
        #expect(removeCompleted.status == 1)
        #expect(removeCompleted.stderr.contains("order 'SG-1000101' is completed"), "\(removeCompleted.stderr)")
        let remove = try await Self.tasks(["remove", "1", "SG-1000120"], state: state)
        #expect(remove.status == 0, "\(remove.transcript)")
        let pending = try await CLI.run(["orders", "list", "--state", state, "--status", "pending"])
        #expect(pending.stdout.contains("SG-1000120"), "\(pending.stdout)")

        let delete = try await Self.tasks(["delete", "1"], state: state)
        #expect(delete.status == 0, "\(delete.transcript)")
        #expect(delete.stdout.contains("the 46 invoices it created stay in SQL Accounting and the next apply adopts them"), "\(delete.stdout)")
        partial.stop()

        // POT-M now exists in SQL Account: the same books and state store with the full seed.
        let full = try ServedSandbox(directory: directory)
        defer { full.stop() }
        let resync = try await Sync.apply(full, state: state)
        #expect(resync.status == 0, "\(resync.transcript)")
        #expect(resync.stdout.contains("5 created, 46 adopted, 0 failed"), "\(resync.stdout)")
        try Sync.expectExactlyOnce(full)
    }

    @Test("delete --cancel-remote cancels in SQL Accounting what the task created, and the orders are pending again")
    func deleteCancelRemote() async throws {
        let directory = try scratchDirectory("cancel")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        let delete = try await Self.tasks(["delete", "1", "--cancel-remote"], state: state, sandbox: sandbox)
        #expect(delete.status == 0, "\(delete.transcript)")
        #expect(delete.stdout.contains("  - SG-1000101: cancelled 2509014EAM4Y3J in SQL Accounting"), "\(delete.stdout)")
        #expect(delete.stdout.contains("51 invoices cancelled in SQL Accounting"))
        let invoices = try sandbox.invoices()
        #expect(invoices.count == 51)
        #expect(invoices.allSatisfy { $0["cancelled"] as? Bool == true }, "every invoice cancelled")
        let list = try await CLI.run(["orders", "list", "--state", state])
        #expect(list.stdout.contains("68 orders: 51 pending, 17 excluded"), "\(list.stdout)")
        let unknown = try await Self.tasks(["delete", "1"], state: state)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("task 1 is not in the state store"), "\(unknown.stderr)")
    }
}
