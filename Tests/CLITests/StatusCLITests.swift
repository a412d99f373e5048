import Foundation
import Testing
import TestSupport

@Suite("ledgersync status")
struct StatusCLITests {
    /// Keys as SQL Account issues them: the access key contains a '/'.
    static let keys = ["LEDGERSYNC_ACCESS_KEY": "tenant123.sql.my/APIUSER", "LEDGERSYNC_SECRET_KEY": "s3cr3t-status-test-key"]

    @Test("missing keys are Inactive with what to set, exit 1")
    func missingKeys() throws {
        let result = try CLI.run(["status"] + Args.acme + ["--endpoint", "http://127.0.0.1:9"], environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "Inactive")
        #expect(result.stdout.contains("LEDGERSYNC_ACCESS_KEY is not set"))
    }

    @Test("nothing listening is Timeout, exit 1, and the secret never appears")
    func stoppedServer() throws {
        let result = try CLI.run(["status"] + Args.acme + ["--endpoint", "http://127.0.0.1:9"], environment: Self.keys)
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").first == "Timeout")
        #expect(!result.stdout.contains("s3cr3t") && !result.stderr.contains("s3cr3t"))
    }

    @Test("status --format json reports the state for schedulers")
    func json() throws {
        let result = try CLI.run(["status"] + Args.acme + ["--endpoint", "http://127.0.0.1:9", "--format", "json"], environment: Self.keys)
        #expect(result.status == 1)
        let object = try JSON.object(result.stdout, "status json")
        #expect(object["status"] as? String == "Timeout")
        #expect(object["format_version"] as? Int == 1)
    }
}

@Suite("ledgersync sandbox serve")
struct SandboxServeCLITests {
    /// Starts `ledgersync sandbox serve` and returns the process and its URL once it prints `listening on`.
    static func serve(_ extra: [String] = []) throws -> (Process, String) {
        let (process, url, _) = try serveWithOutput(extra)
        return (process, url)
    }

    /// `serve`, with what the sandbox printed up to its `listening on` line.
    static func serveWithOutput(_ extra: [String] = []) throws -> (Process, String, String) {
        try launch(["sandbox", "serve", "--access-key", "tenant123.sql.my/APIUSER", "--secret-key", "serve-test-secret"] + extra, readyAfter: "listening on ")
    }

    /// Starts the CLI as a server and reads its output until a line starting with `marker`; returns the process, the
    /// rest of that line, and everything printed so far.
    static func launch(_ arguments: [String], readyAfter marker: String) throws -> (Process, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: Golden.packageRoot)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: marker), let end = text[range.upperBound...].firstIndex(of: "\n") {
                return (process, String(text[range.upperBound..<end]), text)
            }
        }
        process.terminate()
        throw CLIError(message: "\(arguments.prefix(2).joined(separator: " ")) did not print '\(marker)': \(text)")
    }

    struct CLIError: Error { var message: String }

    @Test("status is Active with the accepted keys and Inactive with wrong ones; the server stops on SIGTERM")
    func statusAgainstServedSandbox() throws {
        let (process, url) = try Self.serve(["--faults", "latency=5"])
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        #expect(url.hasPrefix("http://127.0.0.1:"))
        let good = try CLI.run(["status"] + Args.acme + ["--endpoint", url], environment: ["LEDGERSYNC_ACCESS_KEY": "tenant123.sql.my/APIUSER", "LEDGERSYNC_SECRET_KEY": "serve-test-secret"])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.hasPrefix("Active\n"))
        let bad = try CLI.run(["status"] + Args.acme + ["--endpoint", url], environment: ["LEDGERSYNC_ACCESS_KEY": "tenant123.sql.my/APIUSER", "LEDGERSYNC_SECRET_KEY": "wrong-secret"])
        #expect(bad.status == 1)
        #expect(bad.stdout.hasPrefix("Inactive\n"), "\(bad.stdout)")
        #expect(!bad.stdout.contains("wrong-secret"))
        process.terminate()
        process.waitUntilExit()
        let stopped = try CLI.run(["status"] + Args.acme + ["--endpoint", url], environment: ["LEDGERSYNC_ACCESS_KEY": "tenant123.sql.my/APIUSER", "LEDGERSYNC_SECRET_KEY": "serve-test-secret"])
        #expect(stopped.stdout.hasPrefix("Timeout\n"), "\(stopped.stdout)")
    }

    @Test("status --sandbox starts the embedded sandbox: Active with no account")
    func embedded() throws {
        let result = try CLI.run(["status"] + Args.acme + ["--sandbox"], environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("Active\n"))
    }

    @Test("--preload-invoices N stores N invoices before listening, and says so")
    func preload() throws {
        let (process, url, output) = try Self.serveWithOutput(["--preload-invoices", "25"])
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        #expect(url.hasPrefix("http://127.0.0.1:"))
        #expect(output.contains("sandbox: preloaded 25 posted sales invoices (docno = docref1, PRELOAD-00000001 … PRELOAD-00000025)\n"), "\(output)")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("a bad --preload-invoices is refused saying what it takes", arguments: ["--preload-invoices=-5", "--preload-invoices=lots", "--preload-invoices=2000000"])
    func badPreload(_ option: String) throws {
        let result = try CLI.run(["sandbox", "serve", option])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--preload-invoices takes a whole number of invoices from 0 to 1000000, not "), "\(result.stderr)")
        #expect(!result.stdout.contains("listening on"))
    }

    @Test("a bad fault spec is refused with the part that is wrong")
    func badFaults() throws {
        let result = try CLI.run(["sandbox", "serve", "--faults", "eror500=0.1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("eror500"), "\(result.stderr)")
    }

    @Test("a malformed --einvoice-submission-codes or --einvoice-id-type-codes is refused saying what is wrong")
    func badEInvoiceCodes() throws {
        let submission = try CLI.run(["sandbox", "serve", "--einvoice-submission-codes", "none=0,einvoice=1"])
        #expect(submission.status == 1)
        #expect(submission.stderr.contains("--einvoice-submission-codes: give a code for each of none, einvoice, consolidate (e.g. none=0,einvoice=1,consolidate=2)"),
                "\(submission.stderr)")
        #expect(!submission.stdout.contains("listening on"))
        let idTypes = try CLI.run(["sandbox", "serve", "--einvoice-id-type-codes", "NRIC=1,PASSPORT=x,BRN=3,ARMY=4"])
        #expect(idTypes.status == 1)
        #expect(idTypes.stderr.contains("--einvoice-id-type-codes: PASSPORT=x is not a non-negative whole number"), "\(idTypes.stderr)")
        let offset = try CLI.run(["sandbox", "serve", "--einvoice-clock-offset-hours", "soon"])
        #expect(offset.status == 1)
        #expect(offset.stderr.contains("--einvoice-clock-offset-hours"), "\(offset.stderr)")
    }
}
