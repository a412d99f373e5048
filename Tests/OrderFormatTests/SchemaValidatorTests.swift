import LedgerJSON
import Testing

/// The order schema is only as trustworthy as the validator that checks it: each keyword it implements
/// must accept what it should and reject what it should, and anything else must be refused.
@Suite("JSON Schema validator for the order schema")
struct SchemaValidatorTests {
    func violations(_ schema: String, _ instance: String) throws -> [SchemaValidator.Violation] {
        try SchemaValidator(schemaText: schema).validate(JSONParser.parse(instance))
    }

    /// (schema, instance, the paths of its violations; empty = valid)
    static let keywordCases: [(String, String, [String])] = [
        (#"{"type": "string"}"#, #""x""#, []),
        (#"{"type": "string"}"#, "12", [""]),
        (#"{"type": ["string", "null"]}"#, "null", []),
        (#"{"type": ["string", "null"]}"#, "true", [""]),
        (#"{"type": "integer"}"#, "-12", []),
        (#"{"type": "integer"}"#, "1.0", [""]),
        (#"{"type": "integer"}"#, "1e2", [""]),
        (#"{"type": "number"}"#, "1.5e2", []),
        (#"{"type": "boolean"}"#, "0", [""]),
        (#"{"type": "object"}"#, "[]", [""]),
        (#"{"type": "array"}"#, "{}", [""]),
        (#"{"enum": ["paid", "completed"]}"#, #""paid""#, []),
        (#"{"enum": ["paid", "completed"]}"#, #""done""#, [""]),
        (#"{"required": ["id", "lines"]}"#, #"{"id": "A", "lines": null}"#, []),
        (#"{"required": ["id", "lines"]}"#, #"{"lines": []}"#, ["id"]),
        (#"{"required": ["id"]}"#, #""not an object""#, []),
        (#"{"properties": {"a": {"properties": {"b": {"type": "string"}}}}}"#, #"{"a": {"b": 1}}"#, ["a.b"]),
        (#"{"properties": {"a": {"type": "string"}}}"#, #"{"z": 1}"#, []),
        (#"{"properties": {"a": {"type": "string"}}}"#, "7", []),
        (#"{"properties": {"a": {}}, "additionalProperties": false}"#, #"{"a": 1, "b": 2}"#, ["b"]),
        (#"{"properties": {"a": {}}, "additionalProperties": true}"#, #"{"a": 1, "b": 2}"#, []),
        (#"{"additionalProperties": {"type": "string"}}"#, #"{"a": "x", "b": 2}"#, ["b"]),
        (#"{"items": {"type": "integer"}}"#, "[1, 2, \"3\", 4.5]", ["[2]", "[3]"]),
        (#"{"properties": {"l": {"items": {"required": ["q"]}}}}"#, #"{"l": [{"q": 1}, {}]}"#, ["l[1].q"]),
        (#"{"minItems": 1}"#, "[0]", []),
        (#"{"minItems": 1}"#, "[]", [""]),
        (#"{"minLength": 1}"#, #""""#, [""]),
        (#"{"minLength": 3, "maxLength": 3}"#, #""MYR""#, []),
        (#"{"minLength": 3, "maxLength": 3}"#, #""RM""#, [""]),
        (#"{"maxLength": 3}"#, #""MYRS""#, [""]),
        (#"{"minLength": 3}"#, "12", []),
        (#"{"pattern": "^[0-9]+(\\.[0-9]{1,2})?$"}"#, #""1200.50""#, []),
        (#"{"pattern": "^[0-9]+(\\.[0-9]{1,2})?$"}"#, #""1,200.00""#, [""]),
        (#"{"pattern": "[0-9]"}"#, #""abc1""#, []),
        (#"{"pattern": "[0-9]"}"#, "12", []),
        (#"{"minimum": 1}"#, "1", []),
        (#"{"minimum": 1}"#, "0.5", [""]),
        (#"{"minimum": 0}"#, "-3", [""]),
        (#"{"minimum": 0}"#, #""-3""#, []),
        (##"{"$defs": {"m": {"type": "string"}}, "properties": {"p": {"$ref": "#/$defs/m"}}}"##, #"{"p": 5}"#, ["p"]),
        (##"{"$defs": {"m": {"type": "string"}}, "properties": {"p": {"$ref": "#/$defs/m"}}}"##, #"{"p": "5"}"#, []),
        (#"{"title": "t", "description": "d", "$comment": "c", "$schema": "s", "$id": "i"}"#, "1", []),
        (#"{"properties": {"never": false}}"#, #"{"never": 1}"#, ["never"]),
    ]

    @Test("each keyword accepts a conforming value and rejects the others at the right path", arguments: keywordCases)
    func keyword(schema: String, instance: String, expectedPaths: [String]) throws {
        let found = try violations(schema, instance)
        #expect(found.map(\.path) == expectedPaths, "\(schema) on \(instance): \(found)")
    }

    @Test("a keyword it does not implement is refused when the schema is loaded, wherever it is", arguments: [
        #"{"oneOf": [{"type": "string"}]}"#,
        #"{"format": "date-time"}"#,
        #"{"properties": {"a": {"maximum": 3}}}"#,
        #"{"$defs": {"unused": {"patternProperties": {}}}}"#,
        #"{"items": {"uniqueItems": true}}"#,
        #"{"additionalProperties": {"const": 1}}"#,
    ])
    func refusesUnimplementedKeyword(schema: String) {
        #expect(throws: SchemaValidator.SchemaError.self) { try SchemaValidator(schemaText: schema) }
    }

    @Test("a malformed schema is refused rather than half-applied", arguments: [
        #"{"type": "decimal"}"#,
        ##"{"$ref": "#/$defs/missing"}"##,
        #"{"$ref": "other.json#/x"}"#,
        #"{"pattern": "([0-9]"}"#,
        #"{"required": "id"}"#,
        #"{"items": [{"type": "string"}]}"#,
        #"{"minItems": -1}"#,
        #"[]"#,
    ])
    func refusesMalformedSchema(schema: String) {
        #expect(throws: SchemaValidator.SchemaError.self) { try SchemaValidator(schemaText: schema) }
    }
}
