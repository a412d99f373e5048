import Foundation
import LedgerCore
import Yams
// libyaml's event parser, which Yams is built on (its `CYaml` target). Yams keeps events private, and an alias
// must be counted before `Yams.compose` sees it: composing hashes mapping keys, so an aliased collection used as
// a key is walked in full, and every consumer of the composed tree (our located tree, `fmt`'s meaning check, the
// seed reader) walks the aliases expanded.
import CYaml

/// The one way ledgersync composes YAML (rule packs, pack tests, `fmt`, the sandbox seed): `Yams.compose`
/// behind a budget on alias expansion.
///
/// Yams resolves an alias to the node its anchor names, shared, so composing is cheap, but the tree it
/// returns *means* the anchored block repeated at every alias. A "billion laughs" file (a list of nine
/// aliases to a list of nine aliases to …) is a few lines of text that stands for billions of nodes, and
/// anything that walks the tree walks all of them. Before composing, one pass over libyaml's events counts
/// the nodes the aliases stand for, with the size of each anchored node memoised when it closes, so the
/// check is linear in the file's length and never expands anything.
public enum GuardedYAMLLoader {
    /// The most nodes the aliases of one file may stand for, in total. Sharing a settings block a few times
    /// stays far below it; the 8-line bomb of finding 5 stands for about 48 million.
    public static let aliasNodeBudget = 10_000

    /// The first document of `text`, composed by Yams. Throws `YAMLAliasBudgetExceeded` (with a located
    /// diagnostic) for a file whose aliases stand for more than `aliasNodeBudget` nodes, and Yams' own
    /// `YamlError` for invalid YAML, which each caller turns into its located message.
    public static func compose(yaml text: String, displayPath: String) throws -> Node? {
        if let diagnostic = aliasBudgetViolation(in: text, displayPath: displayPath, budget: aliasNodeBudget) {
            throw YAMLAliasBudgetExceeded(diagnostic: diagnostic)
        }
        return try Yams.compose(yaml: text)
    }

    /// The refusal for the alias that takes the file over `budget`, or nil when the aliases stay within it.
    /// A file libyaml cannot parse is not judged here: composing it reports the syntax error.
    static func aliasBudgetViolation(in text: String, displayPath: String, budget: Int) -> Diagnostic? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> Diagnostic? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)

            var counter = AliasExpansionCounter(budget: budget)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    counter.scalar(anchor: anchorName(event.data.scalar.anchor))
                case YAML_SEQUENCE_START_EVENT:
                    counter.openCollection(anchor: anchorName(event.data.sequence_start.anchor))
                case YAML_MAPPING_START_EVENT:
                    counter.openCollection(anchor: anchorName(event.data.mapping_start.anchor))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    counter.closeCollection()
                case YAML_ALIAS_EVENT:
                    let name = anchorName(event.data.alias.anchor) ?? ""
                    guard counter.alias(anchor: name) else {
                        let at = SourceLocation(file: displayPath, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                        return .error("alias '*\(name)' takes this file's aliases past \(budget) YAML nodes (each alias repeats the whole block its anchor names, so aliases of aliases multiply); ledgersync refuses such files so that a few lines cannot exhaust memory. Write the repeated block out where it is needed, or share a smaller one",
                                      at: at, code: "yaml-alias-budget")
                    }
                default:
                    break
                }
            }
            return nil
        }
    }

    private static func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafePointer($0)) }
    }
}

/// Counts, from parse events, how many nodes a document's aliases stand for, stopping at a budget.
/// Each anchored node's expanded size is recorded when it closes (an alias can only name a node that is
/// already complete), so an alias costs one dictionary look-up however large the block it repeats.
struct AliasExpansionCounter {
    let budget: Int
    /// Nodes the aliases stand for so far, across the document.
    private(set) var expandedByAliases = 0
    /// Expanded size (the node itself and everything under it) of each anchor; a redefined anchor
    /// replaces the earlier one, as it does for Yams.
    private var anchorSizes: [String: Int] = [:]
    /// The collections currently open, innermost last, with their expanded size so far.
    private var open: [(anchor: String?, size: Int)] = []

    init(budget: Int) { self.budget = budget }

    /// Sizes never need to be known past the budget: one more is already a refusal.
    private func capped(_ a: Int, _ b: Int) -> Int { min(a &+ b, budget &+ 1) }

    private mutating func addToParent(_ size: Int) {
        if !open.isEmpty { open[open.count - 1].size = capped(open[open.count - 1].size, size) }
    }

    mutating func scalar(anchor: String?) {
        if let anchor { anchorSizes[anchor] = 1 }
        addToParent(1)
    }

    mutating func openCollection(anchor: String?) {
        open.append((anchor, 1))
    }

    mutating func closeCollection() {
        guard let closed = open.popLast() else { return }
        if let anchor = closed.anchor { anchorSizes[anchor] = closed.size }
        addToParent(closed.size)
    }

    /// False when this alias takes the total past the budget. An alias to an unknown anchor counts as one
    /// node: composing reports it as an error.
    mutating func alias(anchor: String) -> Bool {
        let size = anchorSizes[anchor] ?? 1
        expandedByAliases = capped(expandedByAliases, size)
        addToParent(size)
        return expandedByAliases <= budget
    }
}

/// A YAML file refused because its aliases would expand past `GuardedYAMLLoader.aliasNodeBudget` nodes.
public struct YAMLAliasBudgetExceeded: Error, CustomStringConvertible, Sendable {
    public let diagnostic: Diagnostic
    public var description: String { diagnostic.description }
}
