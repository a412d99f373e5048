import Foundation
import GuardedYAML
import LedgerCore
import Yams

/// A YAML node with the file position it was written at. Layering (`extends`, `includes`) merges these
/// trees, so every value keeps the location of the file that actually set it.
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        /// `plain` is false for quoted scalars: `"true"` is a string, `true` a boolean.
        case scalar(String, plain: Bool)
        case mapping([(key: YAMLNode, value: YAMLNode)])
        case sequence([YAMLNode])
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public var scalar: String? { if case .scalar(let text, _) = kind { return text } else { return nil } }

    public var isNull: Bool {
        if case .scalar(let text, let plain) = kind { return plain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL") }
        return false
    }

    public var pairs: [(key: YAMLNode, value: YAMLNode)]? { if case .mapping(let p) = kind { return p } else { return nil } }
    public var items: [YAMLNode]? { if case .sequence(let s) = kind { return s } else { return nil } }

    /// The value for a scalar key of a mapping.
    public subscript(key: String) -> YAMLNode? { pairs?.first { $0.key.scalar == key }?.value }

    /// How the node reads in a message: `a mapping`, `a list`, or the quoted scalar.
    public var describedForMessage: String {
        switch kind {
        case .scalar(let text, _): return "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

enum YAMLTreeReader {
    /// Parses one YAML file into a located tree; a syntax error, or aliases that would expand past the
    /// budget, becomes a located diagnostic.
    static func read(text: String, displayPath: String) -> Result<YAMLNode?, Diagnostic> {
        do {
            guard let node = try GuardedYAMLLoader.compose(yaml: text, displayPath: displayPath) else { return .success(nil) }
            return .success(convert(node, file: displayPath))
        } catch let refused as YAMLAliasBudgetExceeded {
            return .failure(refused.diagnostic)
        } catch let error as YamlError {
            return .failure(diagnostic(for: error, file: displayPath))
        } catch {
            return .failure(.error("cannot read YAML: \(error)", at: SourceLocation(file: displayPath), code: "yaml-syntax"))
        }
    }

    /// The next line after `mark` where `key:` starts at the same column, for block mappings.
    private static func repeatedKeyLine(_ key: String, after mark: Mark, in text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let indent = String(repeating: " ", count: max(0, mark.column - 1))
        var index = mark.line
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix(indent + key + ":") || line.hasPrefix(indent + "\"" + key + "\":") { return index + 1 }
            index += 1
        }
        return nil
    }

    private static func convert(_ node: Node, file: String) -> YAMLNode {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        switch node {
        case .scalar(let scalar):
            return YAMLNode(.scalar(scalar.string, plain: scalar.style == .plain), at: location)
        case .mapping(let mapping):
            return YAMLNode(.mapping(mapping.map { (key: convert($0.key, file: file), value: convert($0.value, file: file)) }), at: location)
        case .sequence(let sequence):
            return YAMLNode(.sequence(sequence.map { convert($0, file: file) }), at: location)
        case .alias:
            // Yams resolves aliases while composing (to the anchored node, shared); an unresolved alias reads as null.
            return YAMLNode(.scalar("", plain: true), at: location)
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "YAML syntax error: \(problem)"
            if let context { message += " (\(context.text))" }
            message += "; fix the indentation or quoting at this position"
            return .error(message, at: SourceLocation(file: file, line: mark.line, column: mark.column), code: "yaml-syntax")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let first = SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
            // libyaml marks the first occurrence; point at the repeat, where the edit usually belongs.
            if let key = duplicates.first, let repeatLine = repeatedKeyLine(key, after: context.mark, in: context.text) {
                return .error("key \(names) appears twice in the same mapping (first at line \(first.line)); keep one", at: SourceLocation(file: file, line: repeatLine, column: context.mark.column), keyPath: key, code: "duplicate-key")
            }
            return .error("key \(names) appears twice in the same mapping; keep one", at: first, keyPath: duplicates.first, code: "duplicate-key")
        case .reader(let problem, _, _, _):
            return .error("cannot read the file as UTF-8 text: \(problem)", at: SourceLocation(file: file), code: "yaml-syntax")
        default:
            return .error("cannot read YAML: \(error)", at: SourceLocation(file: file), code: "yaml-syntax")
        }
    }
}

/// Deep merge used by layering: mappings merge key by key (the overlay wins), keyed lists merge by
/// their key field, every other value is replaced whole by the overlay.
enum YAMLMerge {
    /// Lists whose items are identified by a field, so a client pack can replace one base entry.
    static func identityField(forListAt path: [String]) -> String? {
        guard let last = path.last else { return nil }
        switch last {
        case "items": return "sku"
        case "rules": return "name"
        default: return nil
        }
    }

    /// Mappings that are one value, not a set of settings: a client's `secret_key: {file: …}` replaces
    /// the base's `{env: …}` instead of being merged into an "env and file" mixture.
    static let wholeValueKeys: Set<String> = ["access_key", "secret_key"]

    static func merge(base: YAMLNode, overlay: YAMLNode, path: [String] = []) -> YAMLNode {
        if let last = path.last, wholeValueKeys.contains(last) { return overlay }
        switch (base.kind, overlay.kind) {
        case (.mapping(let basePairs), .mapping(let overlayPairs)):
            var merged = basePairs
            for pair in overlayPairs {
                if let index = merged.firstIndex(where: { $0.key.scalar != nil && $0.key.scalar == pair.key.scalar }) {
                    let key = pair.key.scalar ?? ""
                    merged[index] = (key: pair.key, value: merge(base: merged[index].value, overlay: pair.value, path: path + [key]))
                } else {
                    merged.append(pair)
                }
            }
            return YAMLNode(.mapping(merged), at: overlay.location)
        case (.sequence(let baseItems), .sequence(let overlayItems)):
            guard let field = identityField(forListAt: path) else { return overlay }
            var merged = baseItems
            for item in overlayItems {
                if let id = item[field]?.scalar, let index = merged.firstIndex(where: { $0[field]?.scalar == id }) {
                    merged[index] = item
                } else {
                    merged.append(item)
                }
            }
            return YAMLNode(.sequence(merged), at: overlay.location)
        default:
            return overlay
        }
    }
}
