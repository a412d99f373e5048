import Foundation
import Testing
@testable import Sandbox

/// Finding 5 of issue 12 for the sandbox seed: a seed file whose aliases would expand past the YAML node
/// budget is refused at the alias, before the seed reader walks anything.
@Suite("Seed files: alias expansion budget")
struct SeedAliasBudgetTests {
    /// Customers as a list of nine aliases to a list of nine aliases to …: 9^levels entries.
    static func bomb(levels: Int) -> String {
        var lines = ["c0: &c0 [{code: X, name: X}, {code: X, name: X}, {code: X, name: X}, {code: X, name: X}, {code: X, name: X}, {code: X, name: X}, {code: X, name: X}, {code: X, name: X}, {code: X, name: X}]"]
        for level in 1..<levels {
            lines.append("c\(level): &c\(level) [" + Array(repeating: "*c\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        lines.append("customers: *c\(levels - 1)")
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("a seed bomb is one located error naming the budget", arguments: [8, 12])
    func seedBombRefused(levels: Int) throws {
        do {
            _ = try SandboxSeed.parse(yaml: Self.bomb(levels: levels), displayPath: "seed.yaml")
            Issue.record("the seed bomb parsed")
        } catch let error as SandboxSeedError {
            #expect(error.diagnostics.count == 1, "\(error)")
            let refusal = try #require(error.diagnostics.first)
            #expect(refusal.code == "yaml-alias-budget")
            // Each {code, name} mapping is 5 nodes: c0 stands for 46, c1 415, c2 3,736. Lines 2–3 use 4,149 and the
            // second `*c2` of line 4 takes the total to 11,621.
            #expect(refusal.location?.file == "seed.yaml")
            #expect(refusal.location?.line == 4, "\(refusal)")
            #expect(refusal.location?.column == 15, "\(refusal)")
            #expect(refusal.message.hasPrefix("alias '*c2' takes this file's aliases past 10000 YAML nodes"), "\(refusal)")
        }
    }

    @Test("a seed sharing a small block through an alias still loads")
    func smallAliasLoads() throws {
        let seed = try SandboxSeed.parse(yaml: """
            agents: &people [KA-01, KA-02]
            projects: *people
            """, displayPath: "seed.yaml")
        #expect(seed.agents.map(\.code) == ["KA-01", "KA-02"])
        #expect(seed.projects.map(\.code) == ["KA-01", "KA-02"])
    }
}
