import ArgumentParser
import Foundation
import LedgerCore
import LedgerSyncKit

// The read-only views over the state store `apply` fills: `orders list|show|export`, `tasks list|show`.

let stateHelp: ArgumentHelp = "State store (SQLite). Default: $LEDGERSYNC_STATE, else .ledgersync/state.sqlite."

/// `--status` must name a status; a near miss gets a suggestion.
private func checkStatus(_ status: String?) throws {
    guard let status, !Workflows.orderStatuses.contains(status) else { return }
    var message = "--status must be one of \(Workflows.orderStatuses.joined(separator: ", ")), found '\(status)'"
    if let guess = Suggest.closest(to: status, in: Workflows.orderStatuses) { message += "; did you mean '\(guess)'?" }
    throw ValidationError(message)
}

func checkTask(_ task: Int64?, _ flag: String = "--task") throws {
    if let task, task < 1 { throw ValidationError("\(flag) must be a task number (1 or more), found \(task)") }
}

extension ExportFormat: ExpressibleByArgument {}

struct OrdersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders", abstract: "The imported orders in the state store: list, show one, export with their SQL invoice numbers.",
        subcommands: [Import.self, List.self, Show.self, Export.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a channel's order export (Shopee, Lazada, TikTok Shop, Shopify, WooCommerce or a pack mapping) into canonical order JSON Lines. Exit 1 if any order could not be imported.",
            discussion: "Orders with problems are left out and reported file:row:col; the others are written. A whole-file problem writes nothing.")
        @Option(help: "Rule pack folder: the mappings in its imports/ folder are tried before the built-in ones.") var pack: String?
        @Argument(help: "The export: .xlsx or .csv (told apart by content).") var file: String
        @Option(help: "shopee, lazada, tiktok, shopify, woocommerce, a mapping in the pack's imports/ folder, or a mapping file (default: recognised by the export's header).") var mapping: String?
        @Option(name: .customLong("out"), help: "Write the orders (JSON Lines) to this file, replaced only when the import finishes; default: standard output.") var output: String?
        @Flag(name: .customLong("dry-run"), help: "Read and check every order and report on stderr; write no orders (neither --out nor standard output).") var dryRun = false

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.ordersImport(OrderImportRequest(exportPath: file, mapping: mapping, packDirectory: pack, outPath: output, dryRun: dryRun),
                                              console: console), console)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the imported orders with status, SQL invoice number, task, and why any failed or were excluded.")
        @OptionGroup var packOption: UnusedPackOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "Only orders in this status: pending, completed, failed or excluded.") var status: String?
        @Option(help: "Only orders of this store.") var store: String?
        @Option(help: "Only the orders of task N.") var task: Int64?
        @Option(help: "text or json.") var format: OutputFormat = .text

        func validate() throws {
            if format == .jsonl { throw ValidationError("--format for orders list is text or json") }
            try checkStatus(status)
            try checkTask(task)
        }

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.ordersList(statePath: state, status: status, store: store, task: task, format: format, console: console), console)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything about one order: status, SQL invoice, the payload sent, operator edits and every sync attempt.")
        @Argument(help: "The order id.") var orderID: String
        @OptionGroup var packOption: UnusedPackOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "text or json.") var format: OutputFormat = .text

        func validate() throws {
            if format == .jsonl { throw ValidationError("--format for orders show is text or json") }
        }

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.orderShow(statePath: state, orderID: orderID, format: format, console: console), console)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the orders with their written-back SQL invoice numbers as CSV or JSON, to stdout or a file (written atomically).")
        @OptionGroup var packOption: UnusedPackOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "Only orders in this status: pending, completed, failed or excluded.") var status: String?
        @Option(help: "Only orders of this store.") var store: String?
        @Option(help: "Only the orders of task N.") var task: Int64?
        @Option(name: .customLong("out"), help: "Write to this file instead of stdout.") var output: String?
        @Option(help: "csv or json.") var format: ExportFormat = .csv

        func validate() throws {
            try checkStatus(status)
            try checkTask(task)
            if let output, output.isEmpty { throw ValidationError("--out needs a file name") }
        }

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.ordersExport(statePath: state, status: status, store: store, task: task, output: output, format: format, console: console), console)
        }
    }
}

/// `tasks list`; the `tasks` group (with retry, remove, delete, edit) lists it as a subcommand.
struct TasksListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the sync tasks, newest first — invoice tasks (apply) and receipt tasks (payments apply) — with how their orders or receipts stand.")
    @OptionGroup var packOption: UnusedPackOption
    @Option(help: stateHelp) var state: String?
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        if format == .jsonl { throw ValidationError("--format for tasks list is text or json") }
    }

    func run() throws {
        let console = Console.standard()
        try finish(Workflows.tasksList(statePath: state, format: format, console: console), console)
    }
}

/// `tasks show N`; the `tasks` group lists it as a subcommand.
struct TasksShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one task: its orders (or receipts) with status, SQL invoice (or receipt and O/R) number and, for failed ones, the full error.")
    @Argument(help: "The task number.") var taskID: Int64
    @OptionGroup var packOption: UnusedPackOption
    @Option(help: stateHelp) var state: String?
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        if format == .jsonl { throw ValidationError("--format for tasks show is text or json") }
        try checkTask(taskID, "the task number")
    }

    func run() throws {
        let console = Console.standard()
        try finish(Workflows.taskShow(statePath: state, taskID: taskID, format: format, console: console), console)
    }
}
