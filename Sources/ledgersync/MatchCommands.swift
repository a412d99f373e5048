import ArgumentParser
import Foundation
import LedgerSyncKit

/// `ledgersync match …`: the bulk item matching sheet, exported for people to fill in and imported back into the pack.
struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match", abstract: "Bulk item matching: export every SKU in the orders with its match, fill in the codes in Excel, import the sheet into the pack.",
        subcommands: [Export.self, Import.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every SKU in the orders (and every SKU of a product catalogue, sold or not) with its current match (sku, name, syncapp_code, syncapp_uom, status…), unmatched SKUs first.")
        @OptionGroup var packOption: PackOption
        @Option(help: "Orders: JSON Lines, a JSON array, or a channel's order export (xlsx/csv).") var orders: String?
        @Option(name: .customLong("catalog"), help: "A product catalogue (xlsx/csv with a SKU and a name column): list every SKU in it, sold or not.") var catalog: String?
        @Option(help: "The import mapping of an order export given as --orders: shopee, lazada, tiktok, shopify, woocommerce, a pack mapping or a file (default: recognised by its header).") var mapping: String?
        @Option(help: "The sheet to write: .xlsx or .csv.") var out: String
        @Option(help: "text or json (the summary).") var format: OutputFormat = .text

        func validate() throws {
            if format == .jsonl { throw ValidationError("--format for match export is text or json") }
            let lowered = out.lowercased()
            if !lowered.hasSuffix(".xlsx") && !lowered.hasSuffix(".csv") { throw ValidationError("--out must end in .xlsx or .csv, found '\(out)'") }
            if orders == nil && catalog == nil { throw ValidationError("give the SKUs to list: --orders FILE, --catalog FILE, or both") }
        }

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.matchExport(packDirectory: packOption.pack, ordersPath: orders, ordersMapping: mapping, cataloguePath: catalog, outPath: out,
                                                format: format, console: console), console)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a filled-in sheet (unknown columns, duplicate SKUs, empty codes; with --sandbox/--endpoint the codes and UOMs against SQL's stock items) and merge it into the pack's item sheet. Any error: nothing is written.")
        @OptionGroup var packOption: PackOption
        @Argument(help: "The filled-in sheet (.xlsx or .csv, told apart by content).") var file: String
        @Option(help: "The pack's item sheet to write, when the pack lists more than one.") var sheet: String?
        @Option(help: "Check codes and UOMs against the stock items at this API base URL.") var endpoint: String?
        @Flag(help: "Check codes and UOMs against the embedded SQL Account sandbox.") var sandbox = false
        @Flag(name: .customLong("dry-run"), help: "Show what would change; write nothing.") var dryRun = false
        @Option(help: "text or json.") var format: OutputFormat = .text

        func validate() throws {
            if format == .jsonl { throw ValidationError("--format for match import is text or json") }
            if sandbox && endpoint != nil { throw ValidationError("give either --sandbox or --endpoint, not both") }
        }

        func run() async throws {
            let console = Console.standard()
            let request = Workflows.MatchImportRequest(packDirectory: packOption.pack, sheetPath: file, target: sheet, endpoint: endpoint,
                                                       sandbox: sandbox, dryRun: dryRun, format: format)
            try finish(await Workflows.matchImport(request, console: console), console)
        }
    }
}
