import Foundation
import Testing
import TestSupport

/// A `ledgersync sandbox serve` process with its documents kept in a state file the tests read back.
final class ServedSandbox {
    static let keys = ["LEDGERSYNC_ACCESS_KEY": "tenant123.sql.my/APIUSER", "LEDGERSYNC_SECRET_KEY": "serve-test-secret"]

    let process: Process
    let url: String
    let statePath: String

    init(directory: String, faults: String? = nil, seed: String? = nil, extra more: [String] = []) throws {
        statePath = directory + "/sandbox.json"
        var extra = ["--state", statePath] + more
        if let faults { extra += ["--faults", faults] }
        if let seed { extra += ["--seed", seed] }
        (process, url) = try SandboxServeCLITests.serve(extra)
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// The sales invoices the sandbox holds now.
    func invoices() throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: statePath) else { return [] }
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let book = try #require(root["salesinvoice"] as? [String: Any])
        return try #require(book["records"] as? [[String: Any]])
    }

    /// docref1 → how many invoices carry it.
    func invoiceCountsByKey() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for invoice in try invoices() { counts[invoice["docref1"] as? String ?? "", default: 0] += 1 }
        return counts
    }
}

/// A fresh folder for one test's state store and sandbox file.
func scratchDirectory(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "ledgersync-\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

enum Sync {
    /// The 51 invoices the example orders yield (68 orders, 17 excluded).
    static let syncableOrders = 51

    static func apply(_ sandbox: ServedSandbox, state: String, _ extra: [String] = [], environment: [String: String] = ServedSandbox.keys) async throws -> CLI.Result {
        try await CLI.run(["apply"] + Args.acme + Args.september + Args.asOf + ["--endpoint", sandbox.url, "--state", state] + extra, environment: environment)
    }

    /// Exactly one invoice per syncable order: 51 distinct docref1 values, none twice.
    static func expectExactlyOnce(_ sandbox: ServedSandbox, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let counts = try sandbox.invoiceCountsByKey()
        let twice = counts.filter { $0.value > 1 }
        #expect(twice.isEmpty, "orders with more than one invoice: \(twice)", sourceLocation: sourceLocation)
        #expect(counts.count == syncableOrders, "\(counts.count) distinct docref1 values in the sandbox", sourceLocation: sourceLocation)
    }
}

@Suite("ledgersync apply", .serialized)
struct ApplyCLITests {
    @Test("--sandbox run from another folder still has the example masters: every syncable order is created")
    func embeddedSandboxFromAnotherFolder() async throws {
        let elsewhere = try scratchDirectory("elsewhere")
        let root = Golden.packageRoot
        let result = try await CLI.run(["apply", "--pack", root + "/rules/acme-living", "--orders", root + "/examples/orders/2025-09.jsonl"] + Args.asOf
                                       + ["--sandbox", "--state", elsewhere + "/state.sqlite"],
                                       in: elsewhere, environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("51 created, 0 adopted, 0 failed, 17 excluded"), "\(result.stdout)")
    }

    @Test("the README's command: a full sync into the embedded sandbox with a temporary state store, no account needed")
    func embeddedSandbox() async throws {
        let result = try await CLI.run(["apply"] + Args.acme + Args.september + Args.asOf + ["--sandbox"], environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("into a temporary state store: 68 new"))
        #expect(result.stdout.contains("51 created, 0 adopted, 0 failed, 17 excluded (task 1,"), "\(result.stdout)")
        // Invoice numbers from the platform, the order number and the custom POS sequence, as the pack says.
        #expect(result.stdout.contains("  + SG-1000101 → 2509014EAM4Y3J  394.00\n"))
        #expect(result.stdout.contains(" → PJ-001201 "))
        #expect(result.stdout.contains("7 × status 'cancelled' is not in sync_statuses"))
        #expect(!FileManager.default.fileExists(atPath: Golden.packageRoot + "/.ledgersync/state.sqlite"), "a sandbox run must not leave a state store behind")
    }

    @Test("a full sync, then a re-run that creates nothing; the docno and dockey are written back")
    func fullSyncThenRerun() async throws {
        let directory = try scratchDirectory("rerun")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"

        let first = try await Sync.apply(sandbox, state: state)
        #expect(first.status == 0, "\(first.transcript)")
        #expect(first.stdout.contains("51 created, 0 adopted, 0 failed, 17 excluded"), "\(first.stdout)")
        try Sync.expectExactlyOnce(sandbox)
        let invoice = try #require(try sandbox.invoices().first { $0["docref1"] as? String == "LS-SG-1000101" })
        #expect(invoice["docno"] as? String == "2509014EAM4Y3J")
        #expect(invoice["docamt"] as? String == "394.00")

        let second = try await Sync.apply(sandbox, state: state, ["--format", "json"])
        #expect(second.status == 0, "\(second.transcript)")
        let summary = try JSON.object(second.stdout, "apply --format json")
        #expect(summary["created"] as? Int == 0)
        #expect(summary["adopted"] as? Int == 0)
        #expect(summary["synced_before"] as? Int == 51)
        #expect(summary["excluded"] as? Int == 17)
        #expect(second.stderr.isEmpty, "json mode prints no progress: \(second.stderr)")
        try Sync.expectExactlyOnce(sandbox)

        let export = try await CLI.run(["orders", "export", "--state", state, "--format", "json"])
        #expect(export.status == 0, "\(export.transcript)")
        let exported = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]])
        #expect(exported.count == 68)
        let row = try #require(exported.first { $0["order_id"] as? String == "SG-1000101" })
        #expect(row["sql_docno"] as? String == "2509014EAM4Y3J")
        #expect(row["status"] as? String == "completed")

        // A later file: the POS custom sequence continues after September's PJ-001207 instead of restarting.
        let october = try await CLI.run(["apply"] + Args.acme + ["--orders", Args.fixture("pos-october.jsonl")] + Args.asOf + ["--endpoint", sandbox.url, "--state", state],
                                  environment: ServedSandbox.keys)
        #expect(october.status == 0, "\(october.transcript)")
        #expect(october.stdout.contains("  + SG-1001001 → PJ-001208 "), "\(october.stdout)")
        #expect(october.stdout.contains("1 created, 0 adopted, 0 failed, 17 excluded, 51 synced before"), "\(october.stdout)")

        // The state store never holds the keys.
        let bytes = try #require(FileManager.default.contents(atPath: state))
        #expect(bytes.range(of: Data("serve-test-secret".utf8)) == nil)
        #expect(bytes.range(of: Data("Signature=".utf8)) == nil)
    }

    /// Each fault run is repeated (as an operator would re-run apply) until it exits 0; what matters is the end:
    /// exactly one invoice per syncable order, whatever the sandbox did on the way.
    @Test("fault runs end with exactly one invoice per syncable order", arguments: [
        "error500=0.3,seed=11",
        "ratelimit429=0.4,seed=12",
        "timeout=0.2,hold=3000,seed=13",
        "commit-drop=0.4,seed=14",
        "error500=0.15,ratelimit429=0.15,timeout=0.1,hold=3000,commit-drop=0.25,seed=15",
    ])
    func faultRun(faults: String) async throws {
        let directory = try scratchDirectory("faults")
        let sandbox = try ServedSandbox(directory: directory, faults: faults)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        var runs: [CLI.Result] = []
        for _ in 1...4 {
            // Retries wait a fiftieth of the production backoff: the same retry paths, without a minute of sleeping.
            let run = try await Sync.apply(sandbox, state: state, ["--concurrency", "8", "--request-timeout", "1"],
                                           environment: ServedSandbox.keys.merging(["LEDGERSYNC_RETRY_DELAY_SCALE": "0.02"]) { $1 })
            runs.append(run)
            if run.status == 0 { break }
            // Only the documented failure: no clear answer, and a lookup that finds nothing.
            #expect(!run.stdout.contains("Internal error"), "\(run.transcript)")
        }
        let last = try #require(runs.last)
        #expect(last.status == 0, "after \(runs.count) runs with \(faults):\n\(runs.map(\.transcript).joined(separator: "\n"))")
        try Sync.expectExactlyOnce(sandbox)
        if faults.hasPrefix("commit-drop") {
            // A dropped answer after a commit is found by lookup and adopted, never posted again.
            #expect(runs[0].stdout.contains("was already in SQL Account: adopted"), "\(runs[0].stdout)")
        }
    }

    @Test("an order SQL Account refuses fails with the API's message, the others complete, and a fixed re-run completes it once")
    func refusedOrdersDoNotBlockTheTask() async throws {
        let directory = try scratchDirectory("refused")
        let state = directory + "/state.sqlite"
        let partial = try ServedSandbox(directory: directory, seed: Args.fixture("sandbox/seed-without-lazada.yaml"))
        let first = try await Sync.apply(partial, state: state)
        partial.stop()
        #expect(first.status == 1, "\(first.transcript)")
        #expect(first.stdout.contains("! SG-1000102: SQL Account refused the request (HTTP 400"), "\(first.stdout)")
        #expect(first.stdout.contains("300-L0001"), "the API's message names the missing customer: \(first.stdout)")
        let failed = first.stdout.split(separator: "\n").filter { $0.hasPrefix("  ! ") }.count
        #expect(failed > 0)
        #expect(first.stdout.contains("\(Sync.syncableOrders - failed) created, 0 adopted, \(failed) failed"), "\(first.stdout)")
        #expect(first.stdout.contains("ledgersync tasks retry 1"))

        // The customer now exists in SQL Account: the same state store and books, the full seed.
        let fixed = try ServedSandbox(directory: directory)
        defer { fixed.stop() }
        let second = try await Sync.apply(fixed, state: state)
        #expect(second.status == 0, "\(second.transcript)")
        #expect(second.stdout.contains("\(failed) created, 0 adopted, 0 failed"), "\(second.stdout)")
        try Sync.expectExactlyOnce(fixed)
    }

    @Test("two applies on one state store: the second waits for the first, or refuses with --no-wait; nothing is created twice")
    func concurrentApplies() async throws {
        let directory = try scratchDirectory("concurrent")
        let sandbox = try ServedSandbox(directory: directory, faults: "latency=40")
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        // Two applies started 0.3 s apart, and a third, impatient one while the first still holds the lock.
        async let first = Sync.apply(sandbox, state: state, ["--concurrency", "2"])
        try await Task.sleep(nanoseconds: 300_000_000)
        async let second = Sync.apply(sandbox, state: state, ["--concurrency", "2"])
        try await Task.sleep(nanoseconds: 300_000_000)
        let impatient = try await Sync.apply(sandbox, state: state, ["--no-wait"])
        let both = [try await first, try await second]
        #expect(impatient.status == 1)
        #expect(impatient.stderr.contains("is syncing with this state store"), "\(impatient.transcript)")
        #expect(impatient.stderr.contains("pid "), "names the holder: \(impatient.stderr)")
        #expect(both.allSatisfy { $0.status == 0 }, "\(both.map(\.transcript))")
        #expect(both.contains { $0.stderr.contains("waiting: another ledgersync process") }, "\(both.map(\.stderr))")
        let created = both.map { $0.stdout.contains("51 created") }
        #expect(created.filter { $0 }.count == 1, "exactly one run creates the invoices: \(both.map(\.stdout))")
        try Sync.expectExactlyOnce(sandbox)
    }

    @Test("an apply killed mid-sync is resumed by the next one without a second invoice")
    func killedApplyResumes() async throws {
        let directory = try scratchDirectory("killed")
        let sandbox = try ServedSandbox(directory: directory, faults: "latency=60")
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["apply"] + Args.acme + Args.september + Args.asOf + ["--endpoint", sandbox.url, "--state", state, "--concurrency", "3"]
        process.currentDirectoryURL = URL(fileURLWithPath: Golden.packageRoot)
        process.environment = ProcessInfo.processInfo.environment.merging(ServedSandbox.keys) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (try? sandbox.invoices().count) ?? 0 < 10 { try await Task.sleep(nanoseconds: 50_000_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let before = try sandbox.invoices().count
        #expect(before >= 10 && before < Sync.syncableOrders, "killed after \(before) invoices")

        let resumed = try await Sync.apply(sandbox, state: state)
        #expect(resumed.status == 0, "\(resumed.transcript)")
        try Sync.expectExactlyOnce(sandbox)
    }

    @Test("wrong keys stop before anything is sent: Inactive with the reason, orders stay pending")
    func badCredentials() async throws {
        let directory = try scratchDirectory("badkeys")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let result = try await Sync.apply(sandbox, state: directory + "/state.sqlite", environment: ["LEDGERSYNC_ACCESS_KEY": "tenant123.sql.my/APIUSER", "LEDGERSYNC_SECRET_KEY": "wrong-secret"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Inactive: credentials rejected"), "\(result.transcript)")
        #expect(result.stderr.contains("nothing was sent — 51 invoices stay pending"))
        #expect(!(result.stdout + result.stderr).contains("wrong-secret"))
        #expect(try sandbox.invoices().isEmpty)
    }

    @Test("a stopped SQL Account is Timeout, nothing is sent, exit 1")
    func stoppedServer() async throws {
        let directory = try scratchDirectory("stopped")
        let sandbox = try ServedSandbox(directory: directory)
        sandbox.stop()
        let result = try await Sync.apply(sandbox, state: directory + "/state.sqlite")
        #expect(result.status == 1)
        #expect(result.stderr.contains("Timeout: connection refused"), "\(result.transcript)")
    }

    @Test("usage errors exit 1 and name the flag")
    func usage() async throws {
        let both = try await CLI.run(["apply"] + Args.acme + Args.september + ["--sandbox", "--endpoint", "http://127.0.0.1:1"])
        #expect(both.status == 1)
        #expect(both.stderr.contains("give either --sandbox or --endpoint"))
        let concurrency = try await CLI.run(["apply"] + Args.acme + Args.september + ["--sandbox", "--concurrency", "0"])
        #expect(concurrency.status == 1)
        #expect(concurrency.stderr.contains("--concurrency must be between 1 and 32"))
    }
}
