import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import StateStore

/// The plan as versioned JSON: what `plan --format json` prints and `plan --out FILE` saves for `apply FILE`.
public enum PlanCodec {
    public static func encode(_ plan: Plan, includePayloads: Bool = true) -> JSONValue {
        var root = JSONObject(head(plan, tally: plan.tally))
        root.append("entries", .array(plan.entries.map { encode($0, includePayload: includePayloads) }))
        if includePayloads { root.append("sequences", sequences(plan.sequences)) }
        root.append("excluded", .array(plan.excluded.map { encodeExclusion(orderID: $0.orderID, reason: $0.reason) }))
        return .object(root)
    }

    /// The fields before `entries`: what the plan was made from and its summary.
    static func head(_ plan: Plan, tally: PlanTally) -> [(String, JSONValue)] {
        var summary = JSONObject()
        for action in PlanAction.allCases { summary.append(action.rawValue, .int(tally.count(action))) }
        summary.append("excluded", .int(tally.excluded))
        return [("format_version", .int(Plan.formatVersion)), ("created_at", .string(plan.createdAt)), ("pack", .string(plan.packDirectory)),
                ("orders", .string(plan.ordersPath)), ("selection", plan.selection?.json ?? .null), ("as_of", .string(plan.asOf)),
                ("refreshed", .bool(plan.refreshed)),
                ("fingerprints", .object(["pack": .string(plan.packFingerprint), "orders": .string(plan.ordersFingerprint),
                                          "state": .string(plan.stateFingerprint)])),
                ("summary", .object(summary))]
    }

    /// What apply PLAN needs besides the payloads: the sequences its creates' numbers came from.
    static func sequences(_ sequences: [String: Int]) -> JSONValue {
        .object(JSONObject(sequences.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))
    }

    static func encodeExclusion(orderID: String, reason: String) -> JSONValue {
        .object(["order_id": .string(orderID), "reason": .string(reason)])
    }

    static func encode(_ entry: PlanEntry, includePayload: Bool) -> JSONValue {
        var object = JSONObject()
        object.append("order_id", .string(entry.orderID))
        object.append("action", .string(entry.action.rawValue))
        object.append("type", .string(entry.documentType))
        if let returnID = entry.returnID { object.append("return_id", .string(returnID)) }
        if let knockOff = entry.knockOff { object.append("knock_off", .string(knockOff.description)) }
        if includePayload, let credited = entry.creditedReturn { object.append("credited_return", .string(credited)) }
        if let key = entry.idempotencyKey { object.append("docref1", .string(key)) }
        if let docno = entry.remoteDocno { object.append("docno", .string(docno)) }
        if let dockey = entry.remoteDockey { object.append("dockey", .number(String(dockey))) }
        if let id = entry.documentID { object.append("document_id", .number(String(id))) }
        if let reason = entry.reason { object.append("reason", .string(reason)) }
        if !entry.changes.isEmpty { object.append("changes", .array(entry.changes.map(encode))) }
        if !entry.drift.isEmpty { object.append("drift", .array(entry.drift.map(encode))) }
        if !entry.warnings.isEmpty { object.append("warnings", .array(entry.warnings.map(encode))) }
        if includePayload, let payload = entry.payload { object.append("payload", .object(payload)) }
        return .object(object)
    }

    static func encode(_ change: FieldChange) -> JSONValue {
        .object(["path": .string(change.path), "policy_field": .string(change.policyName), "old": change.old ?? .null,
                 "new": change.new ?? .null, "policy": .string(change.policy.rawValue)])
    }

    /// A warning as `transform --format jsonl` writes one (severity, code, message, file, line, column, key_path).
    static func encode(_ diagnostic: Diagnostic) -> JSONValue {
        var object = JSONObject()
        object.append("severity", .string(diagnostic.severity.rawValue))
        object.append("code", .string(diagnostic.code))
        object.append("message", .string(diagnostic.message))
        object.append("file", diagnostic.location.map { .string($0.file) } ?? .null)
        object.append("line", diagnostic.location.flatMap { $0.line > 0 ? .int($0.line) : nil } ?? .null)
        object.append("column", diagnostic.location.flatMap { $0.column > 0 ? .int($0.column) : nil } ?? .null)
        object.append("key_path", diagnostic.keyPath.map { .string($0) } ?? .null)
        return .object(object)
    }

    static func decodeDiagnostic(_ value: JSONValue) -> Diagnostic? {
        guard let object = value.objectValue, let message = object["message"]?.stringValue,
              let severity = object["severity"]?.stringValue.flatMap(Diagnostic.Severity.init(rawValue:)) else { return nil }
        func int(_ key: String) -> Int { if case .number(let text)? = object[key] { return Int(text) ?? 0 } else { return 0 } }
        let location = object["file"]?.stringValue.map { SourceLocation(file: $0, line: int("line"), column: int("column")) }
        return Diagnostic(severity, message, at: location, keyPath: object["key_path"]?.stringValue, code: object["code"]?.stringValue ?? "invalid")
    }

    public struct DecodeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads a saved plan; throws a message naming what is wrong with the file.
    public static func decode(_ value: JSONValue, path: String) throws -> Plan {
        func fail(_ what: String) -> DecodeError { DecodeError(description: "\(path) is not a ledgersync plan: \(what); make it again with `ledgersync plan --out`") }
        guard let root = value.objectValue else { throw fail("not a JSON object") }
        guard case .number(let version)? = root["format_version"] else { throw fail("no format_version") }
        guard Int(version) == Plan.formatVersion else {
            throw DecodeError(description: "\(path) is a plan of format \(version); this ledgersync reads format \(Plan.formatVersion); make it again with `ledgersync plan --out`")
        }
        func string(_ object: JSONObject, _ key: String) throws -> String {
            guard let text = object[key]?.stringValue else { throw fail("'\(key)' is missing") }
            return text
        }
        func int64(_ object: JSONObject, _ key: String) -> Int64? {
            if case .number(let text)? = object[key] { return Int64(text) }
            return nil
        }
        guard let fingerprints = root["fingerprints"]?.objectValue else { throw fail("'fingerprints' is missing") }
        var entries: [PlanEntry] = []
        for (index, item) in (root["entries"]?.arrayValue ?? []).enumerated() {
            guard let object = item.objectValue else { throw fail("entry \(index + 1) is not an object") }
            guard let action = PlanAction(rawValue: try string(object, "action")) else { throw fail("entry \(index + 1) has an unknown action") }
            var changes: [FieldChange] = []
            var drift: [FieldChange] = []
            for (key, target) in [("changes", 0), ("drift", 1)] {
                for change in object[key]?.arrayValue ?? [] {
                    guard let fields = change.objectValue, let path = fields["path"]?.stringValue,
                          let policy = fields["policy"]?.stringValue.flatMap(FieldPolicy.init(rawValue:)) else { throw fail("a change of entry \(index + 1) is malformed") }
                    let old = fields["old"].flatMap { $0.isNull ? nil : $0 }
                    let new = fields["new"].flatMap { $0.isNull ? nil : $0 }
                    let change = FieldChange(path: path, policyName: fields["policy_field"]?.stringValue ?? path, old: old, new: new, policy: policy)
                    if target == 0 { changes.append(change) } else { drift.append(change) }
                }
            }
            var warnings: [Diagnostic] = []
            for warning in object["warnings"]?.arrayValue ?? [] {
                guard let diagnostic = decodeDiagnostic(warning) else { throw fail("a warning of entry \(index + 1) is malformed") }
                warnings.append(diagnostic)
            }
            entries.append(PlanEntry(orderID: try string(object, "order_id"), action: action, documentType: object["type"]?.stringValue ?? "salesinvoice",
                                     idempotencyKey: object["docref1"]?.stringValue, payload: object["payload"]?.objectValue, changes: changes,
                                     drift: drift, documentID: int64(object, "document_id"), remoteDockey: int64(object, "dockey"),
                                     remoteDocno: object["docno"]?.stringValue, reason: object["reason"]?.stringValue, warnings: warnings,
                                     returnID: object["return_id"]?.stringValue, knockOff: object["knock_off"]?.stringValue.flatMap(Money.init(parsing:)),
                                     creditedReturn: object["credited_return"]?.stringValue))
        }
        let excluded = (root["excluded"]?.arrayValue ?? []).compactMap { item -> (String, String)? in
            guard let object = item.objectValue, let id = object["order_id"]?.stringValue else { return nil }
            return (id, object["reason"]?.stringValue ?? "")
        }
        var sequences: [String: Int] = [:]
        for (name, value) in root["sequences"]?.objectValue?.entries ?? JSONObject().entries {
            guard case .number(let text) = value, let next = Int(text) else { throw fail("sequence '\(name)' is not a number") }
            sequences[name] = next
        }
        var selection: ResolvedSelection?
        if let value = root["selection"], !value.isNull {
            guard let decoded = ResolvedSelection(json: value) else { throw fail("'selection' is malformed") }
            selection = decoded
        }
        var plan = Plan(entries: entries, excluded: excluded, packDirectory: try string(root, "pack"), ordersPath: try string(root, "orders"),
                        packFingerprint: try string(fingerprints, "pack"), ordersFingerprint: try string(fingerprints, "orders"),
                        stateFingerprint: try string(fingerprints, "state"), refreshed: root["refreshed"]?.boolValue ?? false,
                        asOf: try string(root, "as_of"), createdAt: try string(root, "created_at"), selection: selection)
        plan.sequences = sequences
        return plan
    }
}

/// Fingerprints of a plan's inputs: if any moved, the saved plan no longer says what apply would do.
public enum Fingerprint {
    /// Every YAML file the pack loaded and every CSV sheet in its folder, by content.
    public static func pack(_ pack: RulePack) -> String {
        var paths = Set(pack.files)
        if let enumerator = FileManager.default.enumerator(atPath: pack.directory) {
            for case let path as String in enumerator where path.hasSuffix(".csv") || path.hasSuffix(".xlsx") {
                paths.insert((pack.directory as NSString).appendingPathComponent(path))
            }
        }
        var text = ""
        for path in paths.sorted() {
            let content = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "<missing>"
            text += "\(path)\n\(ContentHash.hex(content))\n"
        }
        return ContentHash.hex(text)
    }

    /// The file's bytes, hashed a megabyte at a time: an orders file of a million orders is never held.
    public static func file(_ path: String) -> String {
        ContentHash.hex(fileAt: path)?.hex ?? "missing"
    }

    /// The orders and documents the state store holds; "empty" when there is no store yet.
    public static func state(_ store: StateStore?) throws -> String {
        guard let store else { return "empty" }
        return try store.fingerprint()
    }
}
