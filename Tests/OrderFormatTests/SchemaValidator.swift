import Foundation
import LedgerJSON

/// A JSON Schema (draft 2020-12) validator for exactly the keywords `Docs/order.schema.json` uses — no
/// JSON Schema library is available to the package. Any other keyword makes `init` throw, so the schema
/// cannot grow a constraint this validator would silently skip.
///
/// Implemented: `type`, `enum`, `required`, `properties`, `additionalProperties` (boolean or schema),
/// `items` (one schema for every element), `minItems`, `minLength`, `maxLength`, `pattern`, `minimum`,
/// `$ref` (local `#/$defs/NAME` only) and `$defs`. Annotations that never affect validity are accepted
/// and ignored: `$schema`, `$id`, `title`, `description`, `$comment`.
///
/// Two deliberate departures, both matching the order decoder rather than the letter of the spec:
/// - `integer` is a JSON number written as digits with an optional `-` (no fraction, no exponent):
///   the decoder reads `1.0` or `1e2` as "not a whole number", while 2020-12 would call them integers.
/// - `minLength` / `maxLength` count Swift characters (grapheme clusters), as the decoder's currency
///   check does, where the spec counts code points.
struct SchemaValidator {
    struct SchemaError: Error, CustomStringConvertible {
        var description: String
    }

    /// One failed keyword. `path` is written as the decoder writes key paths (`lines[0].unit_price`; the
    /// root is ""), and for `required` it names the missing member, so the two can be compared directly.
    struct Violation: Equatable, CustomStringConvertible {
        var path: String
        var keyword: String
        var message: String
        var description: String { "\(path.isEmpty ? "(root)" : path): \(keyword): \(message)" }
    }

    static let implementedKeywords: Set<String> = [
        "type", "enum", "required", "properties", "additionalProperties", "items", "minItems",
        "minLength", "maxLength", "pattern", "minimum", "$ref", "$defs",
    ]
    static let annotationKeywords: Set<String> = ["$schema", "$id", "title", "description", "$comment"]
    static let typeNames: Set<String> = ["null", "boolean", "object", "array", "number", "string", "integer"]

    private let root: JSONValue
    private var patterns: [String: NSRegularExpression] = [:]

    init(schemaText: String) throws {
        let value: JSONValue
        do { value = try JSONParser.parse(schemaText) } catch { throw SchemaError(description: "the schema is not valid JSON: \(error)") }
        try self.init(schema: value)
    }

    init(schema: JSONValue) throws {
        root = schema
        try check(schema, at: "#")
    }

    // MARK: checking the schema itself, before any instance

    /// Walks every subschema: an unknown keyword, a malformed keyword value, an unresolvable `$ref` or a
    /// pattern that does not compile fails here, even where no instance would reach it.
    private mutating func check(_ schema: JSONValue, at location: String) throws {
        if case .bool = schema { return }
        guard case .object(let object) = schema else { throw SchemaError(description: "\(location) is not a schema (an object or a boolean)") }
        for (keyword, value) in object.entries {
            let here = "\(location)/\(keyword)"
            if Self.annotationKeywords.contains(keyword) { continue }
            guard Self.implementedKeywords.contains(keyword) else {
                throw SchemaError(description: "\(here): keyword '\(keyword)' is not implemented by this validator; implement and test it before the schema uses it")
            }
            switch keyword {
            case "type":
                let names: [JSONValue]
                if case .array(let items) = value { names = items } else { names = [value] }
                for name in names {
                    guard case .string(let text) = name, Self.typeNames.contains(text) else { throw SchemaError(description: "\(here): unknown type \(name)") }
                }
            case "enum":
                guard case .array = value else { throw SchemaError(description: "\(here) must be an array") }
            case "required":
                guard case .array(let names) = value, names.allSatisfy({ $0.stringValue != nil }) else { throw SchemaError(description: "\(here) must be an array of strings") }
            case "properties", "$defs":
                guard case .object(let members) = value else { throw SchemaError(description: "\(here) must be an object") }
                for (name, subschema) in members.entries { try check(subschema, at: "\(here)/\(name)") }
            case "additionalProperties", "items":
                try check(value, at: here)
            case "minItems", "minLength", "maxLength":
                guard case .number(let text) = value, let n = Int(text), n >= 0 else { throw SchemaError(description: "\(here) must be a non-negative integer") }
            case "minimum":
                guard case .number(let text) = value, Decimal(string: text) != nil else { throw SchemaError(description: "\(here) must be a number") }
            case "pattern":
                guard case .string(let text) = value else { throw SchemaError(description: "\(here) must be a string") }
                do { patterns[text] = try NSRegularExpression(pattern: text) } catch { throw SchemaError(description: "\(here): pattern does not compile: \(error)") }
            case "$ref":
                guard case .string(let reference) = value, resolve(reference) != nil else { throw SchemaError(description: "\(here): cannot resolve \(value); only #/$defs/NAME is implemented") }
            default:
                break
            }
        }
    }

    private func resolve(_ reference: String) -> JSONValue? {
        let prefix = "#/$defs/"
        guard reference.hasPrefix(prefix) else { return nil }
        return root["$defs"]?[String(reference.dropFirst(prefix.count))]
    }

    // MARK: validating an instance

    func validate(_ instance: JSONValue) -> [Violation] {
        var violations: [Violation] = []
        validate(instance, against: root, at: "", into: &violations)
        return violations
    }

    private func validate(_ instance: JSONValue, against schema: JSONValue, at path: String, into violations: inout [Violation]) {
        if case .bool(let allowed) = schema {
            if !allowed { violations.append(Violation(path: path, keyword: "false", message: "no value is allowed here")) }
            return
        }
        guard case .object(let object) = schema else { return }
        func fail(_ keyword: String, _ message: String, at where: String? = nil) {
            violations.append(Violation(path: `where` ?? path, keyword: keyword, message: message))
        }
        for (keyword, value) in object.entries {
            switch keyword {
            case "$ref":
                if let reference = value.stringValue, let target = resolve(reference) { validate(instance, against: target, at: path, into: &violations) }
            case "type":
                let names: [String]
                if case .array(let items) = value { names = items.compactMap(\.stringValue) } else { names = value.stringValue.map { [$0] } ?? [] }
                if !names.contains(where: { Self.instance(instance, hasType: $0) }) {
                    fail("type", "expected \(names.joined(separator: " or ")), found \(instance.typeName)")
                }
            case "enum":
                if case .array(let allowed) = value, !allowed.contains(instance) {
                    fail("enum", "\(Self.display(instance)) is not one of \(allowed.map(Self.display).joined(separator: ", "))")
                }
            case "required":
                guard case .object(let members) = instance, case .array(let names) = value else { continue }
                for name in names.compactMap(\.stringValue) where members[name] == nil {
                    fail("required", "\(name) is missing", at: Self.member(path, name))
                }
            case "properties":
                guard case .object(let members) = instance, case .object(let schemas) = value else { continue }
                for (name, subschema) in schemas.entries {
                    if let member = members[name] { validate(member, against: subschema, at: Self.member(path, name), into: &violations) }
                }
            case "additionalProperties":
                guard case .object(let members) = instance else { continue }
                let declared = Set(object["properties"]?.objectValue?.keys ?? [])
                for (name, member) in members.entries where !declared.contains(name) {
                    validate(member, against: value, at: Self.member(path, name), into: &violations)
                }
            case "items":
                guard case .array(let elements) = instance else { continue }
                for (index, element) in elements.enumerated() { validate(element, against: value, at: "\(path)[\(index)]", into: &violations) }
            case "minItems":
                if case .array(let elements) = instance, case .number(let text) = value, let n = Int(text), elements.count < n {
                    fail("minItems", "has \(elements.count) items, at least \(n) required")
                }
            case "minLength", "maxLength":
                guard case .string(let text) = instance, case .number(let limitText) = value, let limit = Int(limitText) else { continue }
                if keyword == "minLength" ? text.count < limit : text.count > limit {
                    fail(keyword, "\"\(text)\" has \(text.count) characters; \(keyword) is \(limit)")
                }
            case "pattern":
                guard case .string(let text) = instance, let pattern = value.stringValue, let regex = patterns[pattern] else { continue }
                // 2020-12 patterns are unanchored searches; the order schema anchors its own.
                if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                    fail("pattern", "\"\(text)\" does not match \(pattern)")
                }
            case "minimum":
                guard case .number(let text) = instance, case .number(let limitText) = value,
                      let number = Decimal(string: text), let limit = Decimal(string: limitText) else { continue }
                if number < limit { fail("minimum", "\(text) is less than \(limitText)") }
            default:
                break  // annotations and $defs; unknown keywords were refused by init
            }
        }
    }

    static func instance(_ value: JSONValue, hasType name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("number", .number), ("string", .string):
            return true
        case ("integer", .number(let text)):
            let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
            return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        default:
            return false
        }
    }

    static func member(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    static func display(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .number(let n): return n
        case .bool(let b): return String(b)
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
