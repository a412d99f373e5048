import LedgerCore

/// Reads typed values out of a located YAML tree, recording a diagnostic (never throwing) for
/// everything that is wrong so that validation reports all problems at once.
final class NodeReader {
    var diagnostics: [Diagnostic] = []

    func error(_ message: String, at node: YAMLNode?, _ keyPath: String, code: String = "invalid", suggestion: String? = nil) {
        diagnostics.append(.error(message, at: node?.location, keyPath: keyPath, suggestion: suggestion, code: code))
    }

    func warning(_ message: String, at node: YAMLNode?, _ keyPath: String, code: String = "invalid") {
        diagnostics.append(.warning(message, at: node?.location, keyPath: keyPath, code: code))
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The entries of a mapping whose keys are all known; unknown keys are errors with a suggestion.
    func mapping(_ node: YAMLNode, _ path: String, known: [String]? = nil, what: String = "a mapping") -> [(key: String, keyNode: YAMLNode, value: YAMLNode)]? {
        guard let pairs = node.pairs else {
            if node.isNull { return [] }
            error("\(path.isEmpty ? "this" : "'\(path)'") must be \(what), found \(node.describedForMessage)", at: node, path, code: "invalid-type")
            return nil
        }
        var result: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
        for pair in pairs {
            guard let key = pair.key.scalar else {
                error("keys must be plain names, found \(pair.key.describedForMessage)", at: pair.key, path, code: "invalid-type")
                continue
            }
            if let known, !known.contains(key) {
                let suggestion = Suggest.closest(to: key, in: known)
                let valid = known.count <= 12 ? "; valid keys here: \(known.joined(separator: ", "))" : ""
                error("unknown key '\(key)'\(suggestion == nil ? valid : "")", at: pair.key, Self.join(path, key), code: "unknown-key", suggestion: suggestion)
                continue
            }
            result.append((key: key, keyNode: pair.key, value: pair.value))
        }
        return result
    }

    func sequence(_ node: YAMLNode, _ path: String) -> [YAMLNode]? {
        if let items = node.items { return items }
        if node.isNull { return [] }
        error("'\(path)' must be a list, found \(node.describedForMessage)", at: node, path, code: "invalid-type")
        return nil
    }

    func string(_ node: YAMLNode, _ path: String) -> String? {
        guard case .scalar(let text, _) = node.kind, !node.isNull else {
            error("'\(path)' must be text, found \(node.isNull ? "nothing" : node.describedForMessage)", at: node, path, code: "invalid-type")
            return nil
        }
        return text
    }

    /// A string that may be left empty (`""` or null).
    func optionalString(_ node: YAMLNode, _ path: String) -> String? {
        if node.isNull { return "" }
        return string(node, path)
    }

    func code(_ node: YAMLNode, _ path: String, maxLength: Int, allowEmpty: Bool = true) -> String? {
        guard let text = allowEmpty ? optionalString(node, path) : string(node, path) else { return nil }
        if !allowEmpty && text.isEmpty {
            error("'\(path)' must not be empty", at: node, path, code: "invalid-value")
            return nil
        }
        // Counted as the transform counts before sending (UTF-16 units), so a code the pack accepts is never refused later.
        let length = FieldLimits.length(text)
        if length > maxLength {
            let counted = length == text.count ? "" : " as SQL Account counts them (an accent or emoji counts more than one)"
            error("'\(text)' is \(length) characters\(counted); SQL Account allows at most \(maxLength) for \(path)", at: node, path, code: "invalid-value")
            return nil
        }
        return text
    }

    func bool(_ node: YAMLNode, _ path: String) -> Bool? {
        if case .scalar(let text, true) = node.kind {
            switch text {
            case "true", "True", "TRUE", "yes", "on": return true
            case "false", "False", "FALSE", "no", "off": return false
            default: break
            }
        }
        if case .scalar(let text, false) = node.kind, ["true", "false", "yes", "no"].contains(text.lowercased()) {
            error("'\(path)' must be true or false, found the quoted text '\(text)'; remove the quotes", at: node, path, code: "invalid-type")
            return nil
        }
        error("'\(path)' must be true or false, found \(node.describedForMessage)", at: node, path, code: "invalid-type")
        return nil
    }

    func integer(_ node: YAMLNode, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let text, _) = node.kind, let value = Int(text) else {
            error("'\(path)' must be a whole number, found \(node.describedForMessage)", at: node, path, code: "invalid-type")
            return nil
        }
        guard range.contains(value) else {
            error("'\(path)' must be between \(range.lowerBound) and \(range.upperBound), found \(value)", at: node, path, code: "invalid-value")
            return nil
        }
        return value
    }

    func choice(_ node: YAMLNode, _ path: String, _ choices: [String]) -> String? {
        guard let text = string(node, path) else { return nil }
        guard choices.contains(text) else {
            error("'\(text)' is not a valid \(path); use one of: \(choices.joined(separator: ", "))", at: node, path, code: "invalid-value", suggestion: Suggest.closest(to: text, in: choices))
            return nil
        }
        return text
    }

    func rate(_ node: YAMLNode, _ path: String) -> Rate? {
        guard let text = string(node, path) else { return nil }
        guard let rate = Rate(parsing: text) else {
            error("'\(text)' is not a percentage; write it like 8% or 6.5%", at: node, path, code: "invalid-value")
            return nil
        }
        return rate
    }

    func money(_ node: YAMLNode, _ path: String) -> Money? {
        guard let text = string(node, path) else { return nil }
        guard let value = Money(parsing: text) else {
            error("'\(text)' is not an amount; write it with a point and at most two decimals, e.g. 12.50", at: node, path, code: "invalid-value")
            return nil
        }
        return value
    }

    func origin(_ path: String, _ node: YAMLNode) -> Origin { Origin(path, at: node.location) }
}
