import ArgumentParser
import LedgerSyncKit

/// `ledgersync masters plan|apply`: the stock items and customers the pack's `masters:` section lets ledgersync create.
struct MastersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masters",
        abstract: "Create the stock items (for unmatched SKUs) and customers (of the stores) SQL Accounting lacks, as the pack's masters: section says; never change one SQL holds.",
        subcommands: [Plan.self, Apply.self])

    struct Options: ParsableArguments {
        @OptionGroup var packOption: PackOption
        @Option(help: "Orders (JSON Lines, a JSON array, or a channel's order export): their unmatched SKUs need stock items.") var orders: String?
        @Option(help: "The import mapping of an order export given as --orders (default: recognised by its header).") var mapping: String?
        @Option(name: .customLong("catalog"), help: "A product catalogue (xlsx/csv with a SKU and a name column): its unmatched SKUs need stock items, sold or not.") var catalog: String?
        @Option(help: "API base URL overriding the pack's host, e.g. http://127.0.0.1:8080 for a sandbox.") var endpoint: String?
        @Flag(help: "Use the SQL Account sandbox started in-process on a free port (its masters last for this run only).") var sandbox = false
        @Option(help: "State store (default $LEDGERSYNC_STATE, else .ledgersync/state.sqlite): where apply records what it created.") var state: String?
        @Option(help: "text or json.") var format: OutputFormat = .text

        func validate() throws {
            if format == .jsonl { throw ValidationError("--format for masters is text or json") }
            if sandbox && endpoint != nil { throw ValidationError("give either --sandbox or --endpoint, not both") }
        }

        func request(sheet: String? = nil) -> MastersRequest {
            MastersRequest(packDirectory: packOption.pack, ordersPath: orders, ordersMapping: mapping, cataloguePath: catalog, endpoint: endpoint,
                           sandbox: sandbox, statePath: state, sheet: sheet, format: format)
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dry run: read SQL Accounting's masters (only GETs) and list + to create, = already there, ! clash, each with the setting that made its code and the SKUs, orders or stores that need it. Exit 1 on a clash or an error.")
        @OptionGroup var options: Options

        func run() async throws {
            let console = Console.standard()
            try finish(await Workflows.mastersPlan(options.request(), console: console), console)
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create exactly the + of the plan, exactly once (each looked up by code first and after any unclear answer, adopted if SQL has it), record them in the state store, and write the new stock items' SKU → code matches into the pack's item sheet. Exit 1 on a clash or a failure.")
        @OptionGroup var options: Options
        @Option(help: "The pack's item sheet to write the new matches to, when it lists more than one.") var sheet: String?

        func run() async throws {
            let console = Console.standard()
            try finish(await Workflows.mastersApply(options.request(sheet: sheet), console: console), console)
        }
    }
}
