import Foundation
import Testing
import TestSupport

@Suite("ledgersync diff --against")
struct DiffCLITests {
    /// A scratch git repository holding a copy of `rules/`, committed, so the working tree can then change.
    static func repository() throws -> String {
        let directory = try scratchDirectory("diff")
        let root = Golden.packageRoot
        try FileManager.default.copyItem(atPath: root + "/rules", toPath: directory + "/rules")
        for arguments in [["init", "-q"], ["add", "."], ["-c", "user.name=ledgersync tests", "-c", "user.email=tests@example.invalid", "commit", "-q", "-m", "v1"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", directory] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "git \(arguments)")
        }
        return directory
    }

    static func diff(_ directory: String, _ extra: [String] = []) async throws -> CLI.Result {
        try await CLI.run(["diff", "--pack", directory + "/rules/acme-living", "--orders", "examples/orders/2025-09.jsonl"] + Args.asOf + extra)
    }

    @Test("a rule change shows, per document and field, what it does; the edit policy says what synced invoices keep")
    func ruleChange() async throws {
        let directory = try Self.repository()
        let unchanged = try await Self.diff(directory, ["--against", "HEAD"])
        #expect(unchanged.status == 0, "\(unchanged.transcript)")
        #expect(unchanged.stdout.contains("Diff: 0 invoices change, 0 newly synced, 0 newly excluded, 0 newly failing, 0 fixed, 68 unchanged"), "\(unchanged.stdout)")

        // The consultant's change: name the store in the description, date invoices at shipping, sync cancelled orders' refunds no more…
        let pack = directory + "/rules/acme-living/pack.yaml"
        var text = try String(contentsOfFile: pack, encoding: .utf8)
        text = text.replacingOccurrences(of: "defaults:\n  customer_code: 300-C0001", with: "defaults:\n  description: \"{channel} order {order_number} ({store})\"\n  issue_date: shipped\n  customer_code: 300-C0001")
        text = text.replacingOccurrences(of: "    lazada-acme-my: {channel: lazada, name: Acme Living (LazMall)}\n", with: "")
        try text.write(toFile: pack, atomically: true, encoding: .utf8)

        let result = try await Self.diff(directory, ["--against", "HEAD"])
        #expect(result.status == 0, "\(result.transcript)")
        if let mismatch = Golden.mismatch(result.stdout.replacingOccurrences(of: directory, with: "$TMP"), goldenFile: "Tests/CLITests/Golden/diff-rule-change.txt") {
            Issue.record("\(mismatch)")
        }
        let json = try JSON.object(try await Self.diff(directory, ["--against", "HEAD", "--format", "json"]).stdout, "diff --format json")
        let differences = try #require(json["differences"] as? [[String: Any]])
        #expect(differences.contains { $0["order_id"] as? String == "SG-1000102" && $0["kind"] as? String == "now_excluded" })
    }

    @Test("an unknown revision exits 1 and says what to give")
    func unknownRevision() async throws {
        let directory = try Self.repository()
        let result = try await Self.diff(directory, ["--against", "no-such-branch"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("git cannot read revision 'no-such-branch'"), "\(result.stderr)")
        #expect(result.stderr.contains("e.g. --against HEAD~1"))
    }
}
