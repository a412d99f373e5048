import ArgumentParser
import Foundation
import LedgerSyncKit

/// `ledgersync tasks …`: the orders synced together by one apply, and what an operator can do with them.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "The sync tasks in the state store — invoices (apply) and receipts (payments apply): view them, edit and retry failed orders, remove orders, delete a task.",
        subcommands: [TasksListCommand.self, TasksShowCommand.self, Retry.self, Edit.self, Remove.self, Delete.self])

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Transform a task's failed orders again (with the current pack and any edits) and sync them, exactly once. Exit 0 when all complete.")
        @Argument(help: "The task number.") var taskID: Int64
        @OptionGroup var packOption: PackOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "API base URL overriding the pack's host.") var endpoint: String?
        @Option(help: "Invoices in flight at once (1–32).") var concurrency: Int = 4
        @Option(name: .customLong("request-timeout"), help: "Seconds to wait for each SQL Account answer.") var requestTimeout: Int?
        @Option(help: "text or json.") var format: OutputFormat = .text
        @Option(name: .customLong("as-of"), help: "Sync date for issue_date: sync (YYYY-MM-DD).") var asOf: String?

        func validate() throws {
            try checkTask(taskID, "the task number")
            if format == .jsonl { throw ValidationError("--format for tasks retry is text or json") }
            guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 32") }
            _ = try parseAsOf(asOf)
        }

        func run() async throws {
            let console = Console.standard()
            let request = ApplyRequest.retry(task: taskID, packDirectory: packOption.pack, statePath: state, endpoint: endpoint, sandbox: false,
                                             concurrency: concurrency, requestTimeout: requestTimeout, format: format, asOf: try parseAsOf(asOf))
            try finish(await Workflows.apply(request, console: console), console)
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Edit a failed order's invoice fields that the pack's edit_policy.editable allows; the edits apply on retry.",
            discussion: "Lines are counted from 1: --set 'sdsdocdetail[2].itemcode=CHAIR-01'. Header fields: --set agent=ALI.")
        @Argument(help: "The task number.") var taskID: Int64
        @Argument(help: "The failed order's id.") var orderID: String
        @Option(name: .customLong("set"), help: "FIELD=VALUE (repeatable).") var sets: [String] = []
        @Option(name: .customLong("unset"), help: "Drop an earlier edit of FIELD (repeatable).") var unsets: [String] = []
        @OptionGroup var packOption: PackOption
        @Option(help: stateHelp) var state: String?

        func validate() throws {
            try checkTask(taskID, "the task number")
            if sets.isEmpty && unsets.isEmpty { throw ValidationError("give at least one --set FIELD=VALUE or --unset FIELD") }
        }

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.tasksEdit(packDirectory: packOption.pack, statePath: state, taskID: taskID, orderID: orderID,
                                           sets: sets, unsets: unsets, console: console), console)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take orders out of a task: they return to pending and sync with the next apply.")
        @Argument(help: "The task number.") var taskID: Int64
        @Argument(help: "The order ids to remove.") var orderIDs: [String]
        @OptionGroup var packOption: UnusedPackOption
        @Option(help: stateHelp) var state: String?

        func validate() throws {
            try checkTask(taskID, "the task number")
            if orderIDs.isEmpty { throw ValidationError("name at least one order id to remove") }
        }

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.tasksRemove(statePath: state, taskID: taskID, orderIDs: orderIDs, console: console), console)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a task: all its orders return to pending. --cancel-remote first cancels in SQL Accounting the invoices it created.")
        @Argument(help: "The task number.") var taskID: Int64
        @Flag(name: .customLong("cancel-remote"), help: "Also cancel in SQL Accounting every invoice this task created.") var cancelRemote = false
        @OptionGroup var packOption: PackOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "API base URL overriding the pack's host (with --cancel-remote).") var endpoint: String?

        func validate() throws {
            try checkTask(taskID, "the task number")
            if endpoint != nil && !cancelRemote { throw ValidationError("--endpoint only matters with --cancel-remote") }
        }

        func run() async throws {
            let console = Console.standard()
            try finish(await Workflows.tasksDelete(packDirectory: packOption.pack, statePath: state, taskID: taskID, cancelRemote: cancelRemote,
                                                   endpoint: endpoint, console: console), console)
        }
    }
}
