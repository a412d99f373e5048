import Foundation
import LedgerCore
import RulePack
import Testing
import TestSupport

/// Finding 5 of issue 12: a few lines of nested anchors and aliases ("billion laughs") stand for billions of
/// nodes. Every YAML file ledgersync reads (pack files, pack tests, `fmt`) refuses aliases that would expand
/// past the node budget, at the alias that crossed it, before anything walks the tree.
@Suite("YAML alias expansion budget")
struct YAMLAliasBudgetTests {
    /// `levels` lines, each a list holding the previous line's list nine times: 9^levels scalars in all.
    /// With the budget at 10,000 nodes, the first alias on line 5 (`a4`) crosses it: lines 2–4 stand for
    /// 8,289 nodes and each `*a3` for 7,381 more.
    static func bomb(levels: Int) -> String {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1..<levels {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A temporary pack folder holding `pack.yaml` (and `tests/` files when given).
    struct TemporaryPack {
        let directory: String

        init(packYAML: String, tests: [String: String] = [:]) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-alias-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory + "/tests", withIntermediateDirectories: true)
            try packYAML.write(toFile: directory + "/pack.yaml", atomically: true, encoding: .utf8)
            for (name, text) in tests { try text.write(toFile: directory + "/tests/" + name, atomically: true, encoding: .utf8) }
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    static func expectRefusedAtLine5(_ diagnostic: Diagnostic, file: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(diagnostic.severity == .error, sourceLocation: sourceLocation)
        #expect(diagnostic.code == "yaml-alias-budget", sourceLocation: sourceLocation)
        #expect(diagnostic.location == PackLocation(file: file, line: 5, column: 10), "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.message.hasPrefix("alias '*a3' takes this file's aliases past 10000 YAML nodes"), "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.message.contains("Write the repeated block out where it is needed, or share a smaller one"), "\(diagnostic)", sourceLocation: sourceLocation)
    }

    @Test("the 8-line nine-fold bomb in pack.yaml is refused at the alias that crosses the budget, and nothing else is reported",
          arguments: [8, 12])
    func packBombRefused(levels: Int) throws {
        let pack = try TemporaryPack(packYAML: Self.bomb(levels: levels))
        defer { pack.remove() }
        let (loaded, diagnostics) = RulePackValidator.load(packDirectory: pack.directory)
        #expect(loaded == nil)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        Self.expectRefusedAtLine5(try #require(diagnostics.first), file: pack.directory + "/pack.yaml")
    }

    @Test("an aliased list used as a mapping key is refused too (composing would hash it in full)")
    func aliasAsKeyRefused() throws {
        let pack = try TemporaryPack(packYAML: Self.bomb(levels: 4) + "? *a3\n: boom\n")
        defer { pack.remove() }
        let (_, diagnostics) = RulePackValidator.load(packDirectory: pack.directory)
        let refusal = try diagnostics.single(code: "yaml-alias-budget")
        #expect(refusal.location == PackLocation(file: pack.directory + "/pack.yaml", line: 5, column: 3))
        #expect(refusal.message.hasPrefix("alias '*a3' takes"))
    }

    @Test("fmt refuses the bomb with the same located error and formats nothing")
    func formatterRefuses() throws {
        let result = PackFormatter.format(Self.bomb(levels: 8), displayPath: "rules/x/pack.yaml")
        guard case .failure(let diagnostic) = result else {
            Issue.record("fmt formatted an alias bomb")
            return
        }
        Self.expectRefusedAtLine5(diagnostic, file: "rules/x/pack.yaml")
    }

    @Test("a pack test file holding the bomb is refused at its alias")
    func packTestFileRefused() throws {
        let pack = try TemporaryPack(packYAML: "pack: {name: t}\n", tests: ["bomb.yaml": Self.bomb(levels: 8)])
        defer { pack.remove() }
        let (file, diagnostics) = PackTestFile.load(path: pack.directory + "/tests/bomb.yaml", packDirectory: pack.directory)
        #expect(file == nil)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        Self.expectRefusedAtLine5(try #require(diagnostics.first), file: pack.directory + "/tests/bomb.yaml")
    }

    @Test("a small shared block (channel defaults behind an anchor) still loads, the alias reading as the anchored values")
    func sharedDefaultsStillWork() throws {
        let pack = try Packs.requireValid("alias-shared-defaults")
        #expect(pack.channelOverrides[.shopee]?.defaults.string(.project) == "MARKET")
        #expect(pack.channelOverrides[.lazada]?.defaults.string(.project) == "MARKET")
        #expect(pack.channelOverrides[.lazada]?.defaults.string(.agent) == "KA-01")
    }

    @Test("aliases within the budget are accepted: four lines of the bomb (aliases standing for 8,289 nodes) format as plain YAML")
    func belowBudgetAccepted() throws {
        let result = PackFormatter.format(Self.bomb(levels: 4), displayPath: "small.yaml")
        guard case .success = result else {
            Issue.record("a document whose aliases stand for 8,289 nodes was refused: \(result)")
            return
        }
    }

    @Test("a redefined anchor counts as its latest definition: many aliases to a small block are fine after a large one")
    func redefinedAnchor() throws {
        let aliases = Array(repeating: "*x", count: 2_000).joined(separator: ", ")
        let text = Self.bomb(levels: 3) + "big: &x [*a2]\nsmall: &x tiny\nmany: [\(aliases)]\n"
        guard case .success = PackFormatter.format(text, displayPath: "pack.yaml") else {
            Issue.record("2,000 aliases to a one-node anchor (after an earlier, large anchor of the same name) were refused")
            return
        }
        // The same aliases to the large block (821 nodes) are refused at the first one past the budget: lines 2–4
        // stand for 1,729 nodes, so the 11th `*x` (column 48) takes the total to 10,760.
        let refused = Self.bomb(levels: 3) + "big: &x [*a2]\nmany: [\(aliases)]\n"
        guard case .failure(let diagnostic) = PackFormatter.format(refused, displayPath: "pack.yaml") else {
            Issue.record("2,000 aliases to an 821-node block were accepted")
            return
        }
        #expect(diagnostic.code == "yaml-alias-budget")
        #expect(diagnostic.location == PackLocation(file: "pack.yaml", line: 5, column: 48), "\(diagnostic)")
    }
}
