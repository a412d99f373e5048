import ArgumentParser
import LedgerSyncKit

/// `ledgersync einvoice consolidate`: the month's consolidated e-invoice for MyInvois.
struct EInvoiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "einvoice",
        abstract: "MyInvois e-invoicing: the monthly consolidated e-invoice of the orders the pack's einvoice: section consolidates.",
        subcommands: [Consolidate.self])

    struct Consolidate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan (or, with --apply, send once) the month's consolidated e-invoice: one document per store or per company, built from the invoices as synced with submission type consolidate, every order listed; individual and platform-issued e-invoices are left out. Exit 1 while orders of the month are not synced, on --apply before the month has ended, or when a send failed.")
        @OptionGroup var packOption: PackOption
        @Option(help: ArgumentHelp("The month to consolidate (YYYY-MM), by the orders' dates in Malaysia time.", valueName: "month")) var month: String
        @Flag(help: "Send the planned documents (each looked up by docref1 first; a month already consolidated is left as it is).") var apply = false
        @Option(help: "API base URL overriding the pack's host, e.g. http://127.0.0.1:8080 for a sandbox.") var endpoint: String?
        @Option(help: "State store (default $LEDGERSYNC_STATE, else .ledgersync/state.sqlite).") var state: String?
        @Option(help: "text or json.") var format: OutputFormat = .text
        @Option(name: .customLong("as-of"), help: ArgumentHelp("Today, for what is due and whether the month has ended (YYYY-MM-DD; default today in Malaysia).", valueName: "date"))
        var asOf: String?

        func validate() throws {
            if format == .jsonl { throw ValidationError("--format for einvoice consolidate is text or json") }
            if endpoint != nil && !apply { throw ValidationError("--endpoint is used only with --apply: the plan reads the state store alone") }
        }

        func run() async throws {
            let console = Console.standard()
            let request = ConsolidationRequest(packDirectory: packOption.pack, statePath: state, month: month, apply: apply, endpoint: endpoint,
                                               today: try parseAsOf(asOf))
            try finish(await Workflows.einvoiceConsolidate(request, format: format, console: console), console)
        }
    }
}
