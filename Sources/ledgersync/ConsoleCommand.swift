import ArgumentParser
import Foundation
import LedgerSyncKit
import WebConsole

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Serve the web console for operations staff on 127.0.0.1 until interrupted: orders by status, tasks, sync with live progress. Prints the link to open (with its session token).")
    @OptionGroup var packOption: PackOption
    @Option(help: "State store (default: .ledgersync/state.sqlite, or $LEDGERSYNC_STATE).") var state: String?
    @Option(help: "Send to this SQL Account API URL instead of the pack's host (e.g. a sandbox already running).") var endpoint: String?
    @Flag(help: "Start a sandbox with the console and sync to it for as long as the console runs (no account needed).") var sandbox = false
    @Option(help: "Port to listen on (0 picks a free one).") var port: Int = 0
    @Option(name: .customLong("token-file"), help: ArgumentHelp("Read the session token from this file, or write a new one to it (owner-only) when it is missing.", valueName: "file"))
    var tokenFile: String?
    @Option(name: .customLong("as-of"), help: "Sync date (YYYY-MM-DD) for issue_date: sync; default today in Malaysia.") var asOf: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if sandbox && endpoint != nil { throw ValidationError("give --sandbox or --endpoint, not both") }
        if let asOf { _ = try parseAsOf(asOf) }
    }

    func run() async throws {
        let console = Console.standard()
        let token: String
        do {
            token = try tokenFile.map { try ConsoleToken.load(orCreateAt: $0) } ?? ConsoleConfiguration.randomToken()
        } catch {
            console.err("\(error)\n")
            try finish(ExitStatus.failure, console)
        }
        let configuration = ConsoleConfiguration(packDirectory: packOption.pack, statePath: state, endpoint: endpoint, sandbox: sandbox,
                                                 asOf: try asOf.map(parseAsOf), token: token)
        do {
            try await ConsoleServer(configuration: configuration).run(port: port)
        } catch {
            console.err("cannot start the console: \(error)\n")
            try finish(ExitStatus.failure, console)
        }
    }
}
