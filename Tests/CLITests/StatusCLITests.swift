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
