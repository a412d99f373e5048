import ArgumentParser
import LedgerSyncKit

/// `ledgersync po plan|apply`: SQL Accounting's purchase orders → the store's purchase-order / stock-in records.
struct PurchaseOrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "po",
        abstract: "Pass SQL Accounting's purchase orders on to the store as the pack's purchase_orders: section says (UOM conversion, the store's SKUs), and the goods it received back.",
        subcommands: [Plan.self, Apply.self, Receive.self])

    struct Options: ParsableArguments {
        @OptionGroup var packOption: PackOption
        @Option(help: "API base URL overriding the pack's host, e.g. http://127.0.0.1:8080 for a sandbox.") var endpoint: String?
        @Option(help: "State store (default $LEDGERSYNC_STATE, else .ledgersync/state.sqlite): which purchase orders were passed on, at which SQL version.") var state: String?
        @Option(help: "text or json.") var format: OutputFormat = .text

        func validate() throws {
            if format == .jsonl { throw ValidationError("--format for po is text or json") }
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dry run (only GETs): + new purchase orders with each line as the store gets it (converted quantities, unit costs, SKUs), ~ changed ones field by field, = unchanged (SQL's updatecount and lastmodified as recorded), ! errors (a UOM without a rate, an unknown item). Exit 1 on an error.")
        @OptionGroup var options: Options

        func run() async throws {
            let console = Console.standard()
            let request = PurchaseOrderRequest(packDirectory: options.packOption.pack, statePath: options.state, endpoint: options.endpoint)
            try finish(await Workflows.purchaseOrders(request, apply: false, format: options.format, console: console), console)
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the new and changed purchase orders of the plan to --out (.jsonl, one purchase order a line; .csv or .xlsx, one row a line) for the platform's import, and record them: the next plan shows only what changed in SQL since. Exit 1 on an error (the others are still written).")
        @OptionGroup var options: Options
        @Option(help: ArgumentHelp("Where the records go: FILE.jsonl, FILE.csv or FILE.xlsx.", valueName: "file")) var out: String
        @Option(help: ArgumentHelp("The CSV/xlsx layout: a name in rules/po-exports or a YAML file (default: the pack's purchase_orders.layout, else every field).", valueName: "layout"))
        var layout: String?

        func run() async throws {
            let console = Console.standard()
            let request = PurchaseOrderRequest(packDirectory: options.packOption.pack, statePath: options.state, endpoint: options.endpoint, outPath: out, layout: layout)
            try finish(await Workflows.purchaseOrders(request, apply: true, format: options.format, console: console), console)
        }
    }
}

extension PurchaseOrderCommand {
    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a goods-received file from the store (csv, xlsx or jsonl: po_number, sku or item_code, qty, optional date and reference) and send SQL Accounting one goods received note per purchase order, its lines transferred from the PO's, each exactly once (by docref1; the same file again sends nothing). A row that names an unknown PO or an item not on it stops that PO only. Exit 1 on an error or a failed send.")
        @OptionGroup var options: Options
        @Argument(help: ArgumentHelp("The goods-received file.", valueName: "file")) var file: String
        @Option(name: .customLong("as-of"), help: ArgumentHelp("The date of rows without one (YYYY-MM-DD; default today in Malaysia).", valueName: "date"))
        var asOf: String?

        func run() async throws {
            let console = Console.standard()
            let request = GoodsReceivedRequest(packDirectory: options.packOption.pack, statePath: options.state, endpoint: options.endpoint, filePath: file,
                                               today: try parseAsOf(asOf))
            try finish(await Workflows.goodsReceived(request, format: options.format, console: console), console)
        }
    }
}
