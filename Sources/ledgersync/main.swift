import ArgumentParser
import Foundation
import LedgerCore
import LedgerSyncKit
import OrderIO

/// `ledgersync`: e-commerce orders → SQL Accounting invoices, driven by rule packs.
struct LedgerSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledgersync",
        abstract: "Turn e-commerce orders into SQL Accounting sales invoices, driven by a rule pack.",
        version: "0.1.0",
        subcommands: [Validate.self, Transform.self, Explain.self, Test.self, Fmt.self, PlanCommand.self, Apply.self, DiffCommand.self, Status.self, CheckCommand.self, OrdersCommand.self, TasksCommand.self, MatchCommand.self, MastersCommand.self, PaymentsCommand.self,
                      EInvoiceCommand.self, PurchaseOrderCommand.self, SandboxCommand.self, ConsoleCommand.self])
}

struct PackOption: ParsableArguments {
    @Option(name: .long, help: "Rule pack folder (holds pack.yaml).")
    var pack: String = "."
}

/// `--pack` on commands that read only the state store: a consultant types it everywhere, so it is accepted
/// (and must name a folder) rather than refused.
struct UnusedPackOption: ParsableArguments {
    @Option(name: .long, help: "Rule pack folder; accepted everywhere, though this command reads only the state store.")
    var pack: String?

    func validate() throws {
        var isDirectory: ObjCBool = false
        if let pack, !(FileManager.default.fileExists(atPath: pack, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw ValidationError("--pack '\(pack)' is not a folder")
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

/// The merchant's ticks for `plan` and `apply`: which orders of `--orders` to take. Checked before anything runs;
/// the selecting itself is `OrderSelection`'s.
struct SelectionOptions: ParsableArguments {
    @Option(name: .customLong("order"), help: ArgumentHelp("Take only this order of --orders (repeatable; the ids are a set).", valueName: "id"))
    var orders: [String] = []
    @Option(name: .customLong("orders-from"), help: ArgumentHelp("Take only the orders named in this file, one order id a line (blank lines and # comments ignored).", valueName: "file"))
    var ordersFrom: String?
    @Option(name: .customLong("status"), help: ArgumentHelp("Take only orders with this canonical status (repeatable, or a comma list): \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "status"))
    var statuses: [String] = []
    @Option(name: .customLong("store"), help: ArgumentHelp("Take only orders of this store id (repeatable).", valueName: "store"))
    var stores: [String] = []
    @Option(help: ArgumentHelp("Take only orders placed on or after this date in Malaysia time (YYYY-MM-DD).", valueName: "date"))
    var from: String?
    @Option(help: ArgumentHelp("Take only orders placed on or before this date in Malaysia time (YYYY-MM-DD).", valueName: "date"))
    var to: String?

    /// nil when no flag was given: every order of the file.
    func selection() throws -> OrderSelection? {
        do {
            return try Workflows.orderSelection(orders: orders, ordersFrom: ordersFrom, statuses: statuses, stores: stores, from: from, to: to)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func validate() throws {
        _ = try selection()
    }
}

/// Runs a workflow and exits with its status; never lets a workflow crash the process.
func finish(_ status: Int32, _ console: Console) throws -> Never {
    console.flush()
    throw ExitCode(status)
}

func parseAsOf(_ text: String?) throws -> CalendarDate {
    guard let text else { return Workflows.today() }
    guard let date = CalendarDate(parsing: text) else { throw ValidationError("--as-of must be a date like 2025-10-01, found '\(text)'") }
    return date
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load and validate a rule pack, reporting every problem at once. Exit 0 valid, 1 invalid.")
    @OptionGroup var packOption: PackOption
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        if format == .jsonl { throw ValidationError("--format for validate is text or json") }
    }

    func run() throws {
        let console = Console.standard()
        try finish(Workflows.validate(packDirectory: packOption.pack, format: format, console: console), console)
    }
}

struct Transform: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Turn orders into SQL Account documents (no state, no network). Exit 1 if any order errored.")
    @OptionGroup var packOption: PackOption
    @Option(help: "Orders: JSON Lines, a JSON array, or a channel's order export (xlsx/csv).") var orders: String
    @Option(help: "The import mapping of an order export given as --orders: shopee, lazada, tiktok, shopify, woocommerce, a pack mapping or a file (default: recognised by its header).") var mapping: String?
    @Option(help: "text or jsonl (one JSON object per order).") var format: OutputFormat = .text
    @Option(name: .customLong("as-of"), help: "Sync date for issue_date: sync (YYYY-MM-DD; default today in Malaysia).") var asOf: String?

    func validate() throws {
        if format == .json { throw ValidationError("--format for transform is text or jsonl") }
        _ = try parseAsOf(asOf)
    }

    func run() throws {
        let console = Console.standard()
        try finish(Workflows.transform(packDirectory: packOption.pack, ordersPath: orders, ordersMapping: mapping, format: format, asOf: try parseAsOf(asOf), console: console), console)
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every field of one order's invoice with the setting, rule or matching row (file:line) that decided it.")
    @OptionGroup var packOption: PackOption
    @Option(help: "Orders: JSON Lines, a JSON array, or a channel's order export (xlsx/csv).") var orders: String
    @Option(help: "The import mapping of an order export given as --orders: shopee, lazada, tiktok, shopify, woocommerce, a pack mapping or a file (default: recognised by its header).") var mapping: String?
    @Option(help: "The order id to explain.") var order: String
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Option(name: .customLong("as-of"), help: "Sync date for issue_date: sync (YYYY-MM-DD).") var asOf: String?

    func validate() throws {
        if format == .jsonl { throw ValidationError("--format for explain is text or json") }
        _ = try parseAsOf(asOf)
    }

    func run() throws {
        let console = Console.standard()
        try finish(Workflows.explain(packDirectory: packOption.pack, ordersPath: orders, ordersMapping: mapping, orderID: order, format: format, asOf: try parseAsOf(asOf), console: console), console)
    }
}

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the pack's golden tests (tests/*.yaml). Exit 1 on any failure, with a diff.")
    @OptionGroup var packOption: PackOption

    func run() throws {
        let console = Console.standard()
        try finish(PackTestRunner.run(packDirectory: packOption.pack, console: console), console)
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the SQL Account connection: prints Active, Inactive or Timeout on the first line, then why. Exit 0 only when Active.")
    @OptionGroup var packOption: PackOption
    @Option(help: "API base URL overriding the pack's host, e.g. http://127.0.0.1:8080 for a sandbox.") var endpoint: String?
    @Flag(help: "Start the SQL Account sandbox in-process on a free port and check against it.") var sandbox = false
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        if format == .jsonl { throw ValidationError("--format for status is text or json") }
        if sandbox && endpoint != nil { throw ValidationError("give either --sandbox or --endpoint, not both") }
    }

    func run() async throws {
        let console = Console.standard()
        try finish(await Workflows.status(packDirectory: packOption.pack, endpoint: endpoint, sandbox: sandbox, format: format, console: console), console)
    }
}

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import orders, turn them into invoices and sync them to SQL Account exactly once, in tasks of at most 150 (or carry out a saved plan). Exit 0 when every syncable order is completed, 1 if any failed.")
    @Argument(help: "A plan saved by `ledgersync plan --out`: carry out exactly that plan (refused if the pack, the orders or the state moved).") var planFile: String?
    @OptionGroup var packOption: PackOption
    @Option(help: "Orders: JSON Lines, a JSON array, or a channel's order export (xlsx/csv).") var orders: String?
    @Option(help: "The import mapping of an order export given as --orders: shopee, lazada, tiktok, shopify, woocommerce, a pack mapping or a file (default: recognised by its header).") var mapping: String?
    @OptionGroup(title: "Selecting orders (default: all of the file)") var select: SelectionOptions
    @Option(help: "State store (SQLite). Default: $LEDGERSYNC_STATE, else .ledgersync/state.sqlite; with --sandbox a temporary one.") var state: String?
    @Option(help: "API base URL overriding the pack's host, e.g. http://127.0.0.1:8080 for a sandbox.") var endpoint: String?
    @Flag(help: "Sync into the SQL Account sandbox started in-process on a free port (no account needed).") var sandbox = false
    @Option(name: .customLong("sandbox-faults"), help: "With --sandbox: faults to inject, e.g. latency=100,commit-drop=0.2") var sandboxFaults: String?
    @Option(help: "Invoices in flight at once (1–32).") var concurrency: Int = 4
    @Option(name: .customLong("request-timeout"), help: "Seconds to wait for each SQL Account answer (default: the pack's connection.timeout_seconds).") var requestTimeout: Int?
    @Flag(name: .customLong("no-wait"), help: "Refuse at once, instead of waiting, when another apply is using the state store.") var noWait = false
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Option(name: .customLong("as-of"), help: "Sync date for issue_date: sync (YYYY-MM-DD; default today in Malaysia).") var asOf: String?

    func validate() throws {
        if format == .jsonl { throw ValidationError("--format for apply is text or json") }
        if planFile == nil && orders == nil { throw ValidationError("give the orders to sync with --orders FILE, or a saved plan: ledgersync apply PLAN") }
        if planFile != nil && orders != nil { throw ValidationError("a saved plan names its own orders file; give either PLAN or --orders, not both") }
        if planFile != nil, let selection = try select.selection() {
            throw ValidationError("a saved plan carries out its own selection; give \(selection.label) to `ledgersync plan`, not to `apply PLAN`")
        }
        if sandbox && endpoint != nil { throw ValidationError("give either --sandbox or --endpoint, not both") }
        if sandboxFaults != nil && !sandbox { throw ValidationError("--sandbox-faults needs --sandbox; for a separate sandbox use `ledgersync sandbox serve --faults`") }
        guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 32") }
        if let requestTimeout, !(1...600).contains(requestTimeout) { throw ValidationError("--request-timeout must be between 1 and 600 seconds") }
        _ = try parseAsOf(asOf)
    }

    func run() async throws {
        let console = Console.standard()
        var request = ApplyRequest(packDirectory: packOption.pack, ordersPath: orders, statePath: state, endpoint: endpoint, sandbox: sandbox,
                                   sandboxFaults: sandboxFaults, concurrency: concurrency, requestTimeout: requestTimeout, waitForLock: !noWait,
                                   format: format, asOf: try parseAsOf(asOf))
        request.planPath = planFile
        request.ordersMapping = mapping
        request.selection = try select.selection()
        try finish(await Workflows.apply(request, console: console), console)
    }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Dry run: what apply would create (+), update (~, field by field), cancel (-), leave (=) or fail on (!). Nothing is sent or written.",
        discussion: "Exit 0 no changes (or changes without --detailed-exitcode), 1 error, 2 changes present with --detailed-exitcode.")
    @OptionGroup var packOption: PackOption
    @Option(help: "Orders: JSON Lines, a JSON array, or a channel's order export (xlsx/csv).") var orders: String
    @Option(help: "The import mapping of an order export given as --orders: shopee, lazada, tiktok, shopify, woocommerce, a pack mapping or a file (default: recognised by its header).") var mapping: String?
    @OptionGroup(title: "Selecting orders (default: all of the file)") var select: SelectionOptions
    @Option(help: "State store (SQLite). Default: $LEDGERSYNC_STATE, else .ledgersync/state.sqlite.") var state: String?
    @Flag(help: "Also compare with SQL Accounting's own copies of synced invoices (shows edits made there).") var refresh = false
    @Option(help: "API base URL overriding the pack's host (with --refresh).") var endpoint: String?
    @Option(name: .customLong("out"), help: "Save the plan to this file for `ledgersync apply PLAN`.") var out: String?
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 2 when the plan has changes.") var detailedExitCode = false
    @Option(name: .customLong("as-of"), help: "Sync date for issue_date: sync (YYYY-MM-DD; default today in Malaysia).") var asOf: String?

    func validate() throws {
        if format == .jsonl { throw ValidationError("--format for plan is text or json") }
        if endpoint != nil && !refresh { throw ValidationError("--endpoint only matters with --refresh") }
        _ = try parseAsOf(asOf)
    }

    func run() async throws {
        let console = Console.standard()
        var request = PlanRequest(packDirectory: packOption.pack, ordersPath: orders, statePath: state, refresh: refresh, endpoint: endpoint,
                                  outPath: out, format: format, detailedExitCode: detailedExitCode, asOf: try parseAsOf(asOf))
        request.ordersMapping = mapping
        request.selection = try select.selection()
        try finish(await Workflows.plan(request, console: console), console)
    }
}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Review a rule change: the pack as it is at a git revision and as it is now, run over the same orders; every document that differs, field by field.")
    @OptionGroup var packOption: PackOption
    @Option(help: "The git revision to compare with: a commit, branch or tag (e.g. HEAD, main, HEAD~1).") var against: String
    @Option(help: "Orders: JSON Lines, a JSON array, or a channel's order export (xlsx/csv).") var orders: String
    @Option(help: "The import mapping of an order export given as --orders: shopee, lazada, tiktok, shopify, woocommerce, a pack mapping or a file (default: recognised by its header).") var mapping: String?
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Option(name: .customLong("as-of"), help: "Sync date for issue_date: sync (YYYY-MM-DD).") var asOf: String?

    func validate() throws {
        if format == .jsonl { throw ValidationError("--format for diff is text or json") }
        _ = try parseAsOf(asOf)
    }

    func run() throws {
        let console = Console.standard()
        try finish(Workflows.ruleDiff(packDirectory: packOption.pack, revision: against, ordersPath: orders, ordersMapping: mapping, format: format,
                                      asOf: try parseAsOf(asOf), console: console), console)
    }
}

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sandbox", abstract: "The local SQL Account API emulator.", subcommands: [Serve.self])

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the SQL Account sandbox on 127.0.0.1 until interrupted; prints the accepted access key and 'listening on http://127.0.0.1:PORT'.")
        @Option(help: "Port to listen on (0 picks a free one).") var port: Int = 0
        @Option(help: "Master data YAML (default: examples/sandbox/acme-living-seed.yaml, found here, above here, or above the executable).") var seed: String?
        @Option(name: .customLong("access-key"), help: "Access key to accept (default: $LEDGERSYNC_ACCESS_KEY, else the sandbox's own).") var accessKey: String?
        @Option(name: .customLong("secret-key"), help: "Secret key to accept (default: $LEDGERSYNC_SECRET_KEY, else the sandbox's own).") var secretKey: String?
        @Option(help: "SigV4 region to accept.") var region: String = "ap-southeast-5"
        @Option(help: "SigV4 service to accept.") var service: String = "sqlaccount"
        @Option(help: "Faults, e.g. latency=100,error500=0.1,ratelimit429=0.2,timeout=0.05,commit-drop=0.2") var faults: String?
        @Option(help: "Keep the sandbox's documents in this JSON file (default: memory only).") var state: String?
        @Option(help: "Append one line per request (METHOD path status) to this file.") var log: String?
        @Option(name: .customLong("preload-invoices"),
                help: ArgumentHelp("Before listening, store N posted sales invoices (docno = docref1 = PRELOAD-00000001 …; the seed's first customer and stock item), to measure a sync against a large book.", valueName: "N"),
                transform: { text in
                    do { return try Workflows.sandboxPreloadCount(text) } catch { throw ValidationError("\(error)") }
                })
        var preloadInvoices: Int = 0
        @Option(name: .customLong("einvoice-submission-codes"),
                help: ArgumentHelp("The sandbox's own submissiontype codes (SQL Account's are undocumented).", valueName: "none=0,einvoice=1,consolidate=2"),
                transform: { text in
                    do { return try Workflows.sandboxEInvoiceSubmissionCodes(text) } catch { throw ValidationError("\(error)") }
                })
        var einvoiceSubmissionCodes: String?
        @Option(name: .customLong("einvoice-id-type-codes"),
                help: ArgumentHelp("The sandbox's own idtype codes (SQL Account's are undocumented).", valueName: "NRIC=1,PASSPORT=2,BRN=3,ARMY=4"),
                transform: { text in
                    do { return try Workflows.sandboxEInvoiceIDTypeCodes(text) } catch { throw ValidationError("\(error)") }
                })
        var einvoiceIdTypeCodes: String?
        @Option(name: .customLong("einvoice-clock-offset-hours"), parsing: .unconditional,
                help: ArgumentHelp("Hours (may be negative) added to the sandbox's clock for e-invoice timestamps and the 72-hour cancel window only.", valueName: "N"))
        var einvoiceClockOffsetHours: Int = 0

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            let limit = Workflows.sandboxEInvoiceClockOffsetLimit
            guard (-limit...limit).contains(einvoiceClockOffsetHours) else {
                throw ValidationError("--einvoice-clock-offset-hours must be between -\(limit) and \(limit) (100 years), not \(einvoiceClockOffsetHours)")
            }
            if (accessKey == nil) != (secretKey == nil) { throw ValidationError("give --access-key and --secret-key together") }
        }

        func run() async throws {
            let console = Console.standard()
            try finish(await Workflows.serveSandbox(port: port, seedPath: seed, accessKey: accessKey, secretKey: secretKey, region: region, service: service,
                                                    faults: faults, statePath: state, requestLogPath: log, preloadInvoices: preloadInvoices,
                                                    einvoiceSubmissionCodes: einvoiceSubmissionCodes, einvoiceIDTypeCodes: einvoiceIdTypeCodes,
                                                    einvoiceClockOffsetHours: einvoiceClockOffsetHours, console: console), console)
        }
    }
}

/// Parses the command line and runs the command. An explicitly async function, so that `run()` resolves to the
/// commands' async `run` (in top-level code the synchronous requirement, which only prints help, would win).
func runCommandLine() async {
    do {
        var command = try LedgerSync.parseAsRoot()
        if var asynchronous = command as? AsyncParsableCommand {
            try await asynchronous.run()
        } else {
            try command.run()
        }
    } catch {
        // Usage errors exit 1 like every other error: exit 2 is reserved for "changes present".
        if LedgerSync.exitCode(for: error) == .validationFailure {
            FileHandle.standardError.write(Data((LedgerSync.fullMessage(for: error) + "\n").utf8))
            exit(ExitStatus.failure)
        }
        LedgerSync.exit(withError: error)
    }
}

await runCommandLine()
