import ArgumentParser
import LedgerSyncKit

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every code the pack can emit (customers and their currencies, items and UOMs, agents, areas, projects, terms, locations, GL accounts, tax codes, payment methods) against SQL Accounting's masters; with --orders, also each order's currency against its customer's. Only reads. Exit 0 only when there are no errors.")
    @OptionGroup var packOption: PackOption
    @Option(help: "Orders (JSON Lines, a JSON array, or a channel's order export): also transform them and check each invoice's currency against its customer's.") var orders: String?
    @Option(help: "The import mapping of an order export given as --orders: shopee, lazada, tiktok, shopify, woocommerce, a pack mapping or a file (default: recognised by its header).") var mapping: String?
    @Option(help: "API base URL overriding the pack's host, e.g. http://127.0.0.1:8080 for a sandbox.") var endpoint: String?
    @Flag(help: "Start the SQL Account sandbox in-process on a free port and check against it.") var sandbox = false
    @Option(name: .customLong("resource"), help: "KIND=NAME: read a master from another API resource, e.g. payment_method=paymentmethod (repeatable; KIND: area, project, terms, location, account, tax, payment_method, currency).")
    var resources: [String] = []
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Option(name: .customLong("as-of"), help: "Sync date for issue_date: sync, with --orders (YYYY-MM-DD; default today in Malaysia).") var asOf: String?

    func validate() throws {
        if format == .jsonl { throw ValidationError("--format for check is text or json") }
        if sandbox && endpoint != nil { throw ValidationError("give either --sandbox or --endpoint, not both") }
        _ = try parseAsOf(asOf)
    }

    func run() async throws {
        let console = Console.standard()
        var request = CheckRequest(packDirectory: packOption.pack, ordersPath: orders, endpoint: endpoint, sandbox: sandbox,
                                   resourceOverrides: resources, format: format, asOf: try parseAsOf(asOf))
        request.ordersMapping = mapping
        try finish(await Workflows.check(request, console: console), console)
    }
}
