import Foundation
import Testing
import TestSupport

@Suite("ledgersync fmt")
struct FmtCLITests {
    /// A temporary git repository holding copies of `rules/acme-living` and the base pack it extends
    /// (packs may only refer to files inside their repository).
    struct Workspace {
        let root: String
        let pack = "rules/acme-living"

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-fmt-cli-\(UUID().uuidString)").path
            let fm = FileManager.default
            try fm.createDirectory(atPath: root + "/rules", withIntermediateDirectories: true)
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            git.arguments = ["git", "init", "-q", root]
            git.standardOutput = FileHandle.nullDevice
            git.standardError = FileHandle.nullDevice
            if (try? git.run()) != nil { git.waitUntilExit() }
            if !fm.fileExists(atPath: root + "/.git") { try fm.createDirectory(atPath: root + "/.git", withIntermediateDirectories: true) }
            for name in ["acme-living", "base"] {
                try fm.copyItem(atPath: Golden.packageRoot + "/rules/" + name, toPath: root + "/rules/" + name)
            }
        }

        func path(_ relative: String) -> String { root + "/" + relative }
        func read(_ relative: String) throws -> String { try String(contentsOfFile: path(relative), encoding: .utf8) }
        func write(_ relative: String, _ text: String) throws { try text.write(toFile: path(relative), atomically: true, encoding: .utf8) }
        func fmt(_ extra: [String] = []) throws -> CLI.Result { try CLI.run(["fmt", "--pack", pack] + extra, in: root) }

        func transform() throws -> CLI.Result {
            try CLI.run(["transform", "--pack", pack, "--orders", Golden.packageRoot + "/examples/orders/2025-09.jsonl", "--format", "jsonl"] + Args.asOf, in: root)
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    /// rules.yaml written carelessly, line for line (so every `file:line` in the output stays the same):
    /// indentation doubled, `-   key`, `#comment`, loose flow spacing, trailing blanks, CRLF, no final newline.
    static func messUp(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let indent = line.prefix { $0 == " " }.count
            var body = String(line.dropFirst(indent))
            if body.hasPrefix("- ") { body = "-   " + body.dropFirst(2) }
            if body.hasPrefix("# ") { body = "#" + body.dropFirst(2) }
            if body.hasPrefix("set: {") { body = body.replacingOccurrences(of: "{", with: "{ ").replacingOccurrences(of: ", ", with: " ,") }
            return String(repeating: " ", count: indent * 2) + body + (body.isEmpty ? "" : "   ")
        }
        if lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\r\n")
    }

    @Test("the example packs are formatted: --check exits 0, fmt changes nothing")
    func cleanPack() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let check = try workspace.fmt(["--check"])
        #expect(check.status == 0, "\(check.transcript)")
        #expect(check.stdout == "5 files formatted\n")
        let fmt = try workspace.fmt()
        #expect(fmt.status == 0, "\(fmt.transcript)")
        #expect(fmt.stdout == "5 files already formatted\n")
    }

    @Test("a messy file: --check shows a diff and exits 1; fmt rewrites only it, keeps its permissions and the pack's output")
    func messyFile() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let file = "rules/acme-living/rules.yaml"
        let clean = try workspace.read(file)
        let before = try workspace.transform()
        #expect(before.status == 0, "\(before.transcript)")

        let messy = Self.messUp(clean)
        try workspace.write(file, messy)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: workspace.path(file))
        let messyOutput = try workspace.transform()
        #expect(messyOutput.stdout == before.stdout, "the messy copy must mean the same")

        let check = try workspace.fmt(["--check"])
        #expect(check.status == 1, "\(check.transcript)")
        #expect(check.stdout.contains("--- \(file)\n+++ \(file) (formatted)\n@@ -1,"))
        #expect(check.stdout.contains("-#Conditional rules"))
        #expect(check.stdout.contains("+# Conditional rules, applied in order after channel and store overrides; later rules win.\n"))
        #expect(check.stdout.contains("+  - name: key-account-orders\n"))
        #expect(check.stdout.contains("+    set: {agent: KA-01}\n"))
        #expect(check.stdout.contains("\\ No newline at end of file"))
        #expect(!check.stdout.contains("pack.yaml") && !check.stdout.contains("matching.yaml"))
        #expect(check.stderr.contains("1 file not formatted (\(file))"))
        #expect(try workspace.read(file) == messy, "--check must not change the file")

        let fmt = try workspace.fmt()
        #expect(fmt.status == 0, "\(fmt.transcript)")
        #expect(fmt.stdout == "formatted \(file)\n")
        #expect(try workspace.read(file) == clean)
        let attributes = try FileManager.default.attributesOfItem(atPath: workspace.path(file))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.path("rules/acme-living")).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")

        let after = try workspace.transform()
        #expect(after.status == 0)
        #expect(after.stdout == before.stdout, "formatting changed what the pack does")

        let again = try workspace.fmt(["--check"])
        #expect(again.status == 0, "\(again.transcript)")
        #expect(again.stdout == "5 files formatted\n")
    }

    @Test("fmt formats the pack's own files only: never the base pack it extends")
    func baseUntouched() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let base = "rules/base/malaysia-marketplaces/pack.yaml"
        let messy = try workspace.read(base).replacingOccurrences(of: "\n  ", with: "\n    ")
        try workspace.write(base, messy)
        let fmt = try workspace.fmt()
        #expect(fmt.status == 0, "\(fmt.transcript)")
        #expect(try workspace.read(base) == messy)
    }

    @Test("a file that is not valid YAML: a located error, exit 1, the file untouched")
    func invalidYAML() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let file = "rules/acme-living/tests/marketplaces.yaml"
        let broken = try workspace.read(file).replacingOccurrences(of: "    outcome: excluded\n    reason: TikTok sample order", with: "    outcome: excluded\n   reason: [TikTok sample order")
        try workspace.write(file, broken)
        for extra in [["--check"], []] {
            let result = try workspace.fmt(extra)
            #expect(result.status == 1, "\(result.transcript)")
            let line = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix(file + ":") }, "\(result.transcript)")
            #expect(line.contains(": error: "))
            let position = line.dropFirst(file.count + 1).split(separator: ":")
            #expect(position.count >= 2 && Int(position[0]) != nil && Int(position[1]) != nil, "not file:line:col: \(line)")
            #expect(try workspace.read(file) == broken)
        }
    }
}
