import Foundation
import Testing
import TestSupport

/// Finding 5 of issue 12, end to end: the 8-line nine-fold "billion laughs" file (and a deeper one) is refused
/// by every command that reads YAML, with the file:line:col of the alias that crossed the budget.
@Suite("YAML alias bombs are refused by every command")
struct YAMLAliasBombCLITests {
    /// `levels` lines, each a list holding the previous line's list nine times. The first alias of line 5
    /// (`*a3`, column 10) takes the aliases past the 10,000-node budget.
    static func bomb(levels: Int) -> String {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1..<levels {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let refusal = ":5:10: error: alias '*a3' takes this file's aliases past 10000 YAML nodes"

    /// A temporary repository holding the example packs, so a bomb can sit in a pack of its own or in a pack test.
    struct Workspace {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-alias-cli-\(UUID().uuidString)").path

        init() throws {
            let fm = FileManager.default
            try fm.createDirectory(atPath: root + "/rules/bomb", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: root + "/.git", withIntermediateDirectories: true)
            for name in ["acme-living", "base"] {
                try fm.copyItem(atPath: Golden.packageRoot + "/rules/" + name, toPath: root + "/rules/" + name)
            }
        }

        func write(_ relative: String, _ text: String) throws {
            try text.write(toFile: root + "/" + relative, atomically: true, encoding: .utf8)
        }

        func run(_ arguments: [String]) async throws -> CLI.Result { try await CLI.run(arguments, in: root) }
        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test("validate and fmt refuse a pack.yaml bomb at its alias", arguments: [8, 12])
    func validateAndFmt(levels: Int) async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.write("rules/bomb/pack.yaml", Self.bomb(levels: levels))

        let validate = try await workspace.run(["validate", "--pack", "rules/bomb"])
        #expect(validate.status == 1, "\(validate.transcript)")
        #expect(validate.stdout.contains("rules/bomb/pack.yaml" + Self.refusal), "\(validate.transcript)")
        #expect(!validate.transcript.contains("unknown key"), "nothing past the refusal is read\n\(validate.transcript)")

        let fmt = try await workspace.run(["fmt", "--pack", "rules/bomb"])
        #expect(fmt.status == 1, "\(fmt.transcript)")
        #expect(fmt.transcript.contains("rules/bomb/pack.yaml" + Self.refusal), "\(fmt.transcript)")
        let check = try await workspace.run(["fmt", "--pack", "rules/bomb", "--check"])
        #expect(check.status == 1, "\(check.transcript)")
        #expect(check.transcript.contains("rules/bomb/pack.yaml" + Self.refusal), "\(check.transcript)")
    }

    @Test("test refuses a pack test file that is a bomb, at its alias")
    func packTest() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.write("rules/acme-living/tests/bomb.yaml", Self.bomb(levels: 8))
        let result = try await workspace.run(["test", "--pack", "rules/acme-living"])
        #expect(result.status != 0, "\(result.transcript)")
        #expect(result.transcript.contains("rules/acme-living/tests/bomb.yaml" + Self.refusal), "\(result.transcript)")
    }

    @Test("sandbox serve refuses a seed bomb before it listens")
    func sandboxSeed() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        // Keys the seed does not know make it invalid anyway, so that without the budget `serve` would exit
        // with unknown-key errors (failing this test) rather than start listening and never return.
        try workspace.write("seed.yaml", Self.bomb(levels: 8))
        let result = try await workspace.run(["sandbox", "serve", "--seed", "seed.yaml"])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.contains("seed.yaml" + Self.refusal), "\(result.transcript)")
    }
}
