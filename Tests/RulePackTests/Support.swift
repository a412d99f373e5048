import Foundation
import LedgerCore
import RulePack
import Testing
import TestSupport

/// Loads packs the way `ledgersync validate` does, with file names shown relative to the package root.
enum Packs {
    static let loader = PackLoader(displayBase: Golden.packageRoot)

    /// `Tests/RulePackTests/Fixtures/<name>`, relative to the package root.
    static func fixturePath(_ name: String) -> String { "Tests/RulePackTests/Fixtures/\(name)" }

    static func loadFixture(_ name: String) -> (RulePack?, [Diagnostic]) {
        RulePackValidator.load(packDirectory: fixturePath(name), loader: loader)
    }

    static func loadExample(_ relativePath: String) -> (RulePack?, [Diagnostic]) {
        RulePackValidator.load(packDirectory: relativePath, loader: loader)
    }

    /// Loads a fixture that must be valid; records the diagnostics as the failure otherwise.
    static func requireValid(_ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> RulePack {
        let (pack, diagnostics) = loadFixture(name)
        #expect(diagnostics.errors.isEmpty, "\(rendered(diagnostics))", sourceLocation: sourceLocation)
        return try #require(pack, sourceLocation: sourceLocation)
    }

    /// The compiler-style listing `ledgersync validate` prints, one diagnostic a line.
    /// The absolute package root (which only appears where a message names the repository folder)
    /// is replaced by `<package root>` so the golden files do not depend on where the checkout lives.
    static func rendered(_ diagnostics: [Diagnostic]) -> String {
        let text = diagnostics.map(\.description).joined(separator: "\n") + "\n"
        return text.replacingOccurrences(of: Golden.packageRoot, with: "<package root>")
    }

    static func golden(_ name: String) -> String { "Tests/RulePackTests/Golden/\(name).txt" }
}

extension Array where Element == Diagnostic {
    /// The only diagnostic with `code`; records an issue when there is not exactly one.
    func single(code: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Diagnostic {
        let matching = filter { $0.code == code }
        #expect(matching.count == 1, "expected one '\(code)' diagnostic, got:\n\(Packs.rendered(self))", sourceLocation: sourceLocation)
        return try #require(matching.first, sourceLocation: sourceLocation)
    }
}

extension SettingLayer {
    func string(_ key: SettingKey) -> String? {
        if case .string(let text)? = self[key]?.value { return text }
        return nil
    }
}

/// A position in a pack file (Testing has its own `SourceLocation`).
typealias PackLocation = LedgerCore.SourceLocation
