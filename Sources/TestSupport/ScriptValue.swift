import Foundation

/// A JSON value going to or coming from the browser: the arguments and result of `BrowserSession.execute`, and the
/// bodies of WebDriver commands. An element travels as `.element(id)` (WebDriver's element reference), so a script
/// can take an element found with `find(css:)` and return elements that `BrowserSession.element(_:)` wraps again.
///
/// Literals work as arguments: `try await browser.execute("return arguments[0] + 1", 41)`.
public enum ScriptValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ScriptValue])
    case object([String: ScriptValue])
    /// A WebDriver element reference (the id chromedriver gave it).
    case element(String)

    /// The key WebDriver puts an element reference under (W3C WebDriver, "web element identifier").
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ScriptValue].self) {
            self = .array(value)
        } else {
            let object = try container.decode([String: ScriptValue].self)
            if object.count == 1, case .string(let id)? = object[Self.elementKey] {
                self = .element(id)
            } else {
                self = .object(object)
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .element(let id): try container.encode([Self.elementKey: id])
        }
    }

    /// The value as JSON text, for messages and for comparing in a test.
    public var description: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "\(self)" }
        return String(decoding: data, as: UTF8.self)
    }

    public var string: String? { if case .string(let value) = self { return value } else { return nil } }
    public var bool: Bool? { if case .bool(let value) = self { return value } else { return nil } }
    public var number: Double? { if case .number(let value) = self { return value } else { return nil } }
    public var array: [ScriptValue]? { if case .array(let value) = self { return value } else { return nil } }
    public var object: [String: ScriptValue]? { if case .object(let value) = self { return value } else { return nil } }
    public var isNull: Bool { self == .null }

    /// The member `key` of an object (nil for a missing key or a value that is not an object).
    public subscript(key: String) -> ScriptValue? { object?[key] }
    /// The item at `index` of an array (nil when out of range or not an array).
    public subscript(index: Int) -> ScriptValue? {
        guard let items = array, items.indices.contains(index) else { return nil }
        return items[index]
    }
}

extension ScriptValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: ScriptValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, ScriptValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
