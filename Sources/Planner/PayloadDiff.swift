import Foundation
import LedgerJSON
import RulePack

/// One field that differs between two versions of a document.
public struct FieldChange: Sendable, Equatable {
    /// `agent`, `sdsdocdetail[2].qty` (the line's `seq`), or `sdsdocdetail[3]` for a whole line added or removed.
    public var path: String
    /// The `edit_policy` name: `agent`, `sdsdocdetail.qty`, `sdsdocdetail` for whole lines.
    public var policyName: String
    /// nil: absent on that side.
    public var old: JSONValue?
    public var new: JSONValue?
    public var policy: FieldPolicy

    public init(path: String, policyName: String, old: JSONValue?, new: JSONValue?, policy: FieldPolicy) {
        self.path = path
        self.policyName = policyName
        self.old = old
        self.new = new
        self.policy = policy
    }
}

/// Field-by-field differences between two invoice payloads.
///
/// Header fields are compared key by key. Detail lines are paired by `seq` when both sides number their lines,
/// otherwise by item code in order of appearance, and only then by position — so a line inserted in the middle
/// shows as one added line, not as every later line changed. Numbers compare by value (`"1.0"` = `"1.00"` = `1`),
/// since SQL Account answers with its own number formatting.
public enum PayloadDiff {
    public static let linesKey = "sdsdocdetail"
    /// Fields SQL Account adds or owns; never a difference.
    public static let serverFields: Set<String> = ["dockey", "dtlkey", "updatecount", "lastmodified", "docnoex_sys", "ddocno", "companyname_sys"]

    /// What changes from `old` to `new`. With `onlyKeysOf`, fields absent from that object are not compared
    /// (to compare a remote record, which has many more fields, with what was sent).
    public static func changes(from old: JSONObject, to new: JSONObject, editPolicy: EditPolicy, comparingOnly keys: JSONObject? = nil) -> [FieldChange] {
        var changes: [FieldChange] = []
        forEachField(old, new) { key, before, after in
            guard key != linesKey, !serverFields.contains(key) else { return }
            if let keys, keys[key] == nil { return }
            if !same(before, after) {
                changes.append(FieldChange(path: key, policyName: key, old: before, new: after, policy: editPolicy.policy(for: key)))
            }
        }
        let oldLines = lines(old), newLines = lines(new)
        let keyLines = keys.map { lines($0) }
        for pair in pairLines(oldLines, newLines) {
            switch (pair.old, pair.new) {
            case (let before?, let after?):
                forEachField(before, after) { field, old, new in
                    guard !serverFields.contains(field) else { return }
                    if let keyLines, !(keyLines.contains { $0[field] != nil }) { return }
                    if !same(old, new) {
                        let name = "\(linesKey).\(field)"
                        changes.append(FieldChange(path: "\(linesKey)[\(pair.label)].\(field)", policyName: name, old: old, new: new,
                                                   policy: editPolicy.policy(for: name)))
                    }
                }
            case (let before?, nil):
                changes.append(FieldChange(path: "\(linesKey)[\(pair.label)]", policyName: linesKey, old: .object(before), new: nil, policy: .update))
            case (nil, let after?):
                changes.append(FieldChange(path: "\(linesKey)[\(pair.label)]", policyName: linesKey, old: nil, new: .object(after), policy: .update))
            case (nil, nil):
                break
            }
        }
        return changes
    }

    /// Every key of `new` and then every key only `old` has, with both sides' values (nil: absent). The two are
    /// walked in step while their keys line up, as they do for payloads the same pack built, instead of a search of
    /// `old` per key.
    static func forEachField(_ old: JSONObject, _ new: JSONObject, _ body: (_ key: String, _ old: JSONValue?, _ new: JSONValue?) -> Void) {
        var inStep = old.count == new.count
        for index in 0..<new.count {
            let key = new.keys[index]
            if inStep && old.keys[index] == key {
                body(key, old.values[index], new.values[index])
            } else {
                inStep = false
                body(key, old[key], new.values[index])
            }
        }
        // Same count and every key in step: both have exactly the same keys.
        guard !inStep else { return }
        for (index, key) in old.keys.enumerated() where new[key] == nil { body(key, old.values[index], nil) }
    }

    static func lines(_ payload: JSONObject) -> [JSONObject] {
        payload[linesKey]?.arrayValue?.compactMap(\.objectValue) ?? []
    }

    public struct LinePair: Sendable {
        public var old: JSONObject?
        public var new: JSONObject?
        /// The `seq` shown in paths: the new line's, else the old one's, else the position.
        public var label: String
    }

    /// Pairs old and new lines: by `seq` when every line has one, else by item code in order, else by position.
    public static func pairLines(_ old: [JSONObject], _ new: [JSONObject]) -> [LinePair] {
        func seq(_ line: JSONObject) -> String? {
            switch line["seq"] {
            // A plain whole number ("3") is its own canonical form; anything else ("3.0", "03") goes through Decimal.
            case .number(let text)?, .string(let text)?:
                if let first = text.utf8.first, first != UInt8(ascii: "0"), text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                    return text
                }
                return Decimal(string: text).map { "\($0)" } ?? text
            default: return nil
            }
        }
        let oldSeqs = old.map(seq), newSeqs = new.map(seq)
        if !old.isEmpty, !new.isEmpty, !oldSeqs.contains(nil), !newSeqs.contains(nil),
           Set(oldSeqs).count == old.count, Set(newSeqs).count == new.count {
            var pairs: [LinePair] = []
            var remaining = Dictionary(uniqueKeysWithValues: zip(oldSeqs.map { $0 ?? "" }, old))
            for (index, line) in new.enumerated() {
                let key = newSeqs[index] ?? ""
                pairs.append(LinePair(old: remaining.removeValue(forKey: key), new: line, label: key))
            }
            for (index, line) in old.enumerated() where remaining[oldSeqs[index] ?? ""] != nil {
                pairs.append(LinePair(old: line, new: nil, label: oldSeqs[index] ?? "\(index + 1)"))
            }
            return pairs
        }
        // By item code in order of appearance, then whatever is left by position.
        var used = Set<Int>()
        var pairs: [LinePair] = []
        var unmatchedNew: [Int] = []
        for (index, line) in new.enumerated() {
            if let code = line["itemcode"], let match = old.indices.first(where: { !used.contains($0) && same(old[$0]["itemcode"], code) }) {
                used.insert(match)
                pairs.append(LinePair(old: old[match], new: line, label: "\(index + 1)"))
            } else {
                unmatchedNew.append(index)
            }
        }
        var leftovers = old.indices.filter { !used.contains($0) }
        for index in unmatchedNew {
            if !leftovers.isEmpty {
                pairs.append(LinePair(old: old[leftovers.removeFirst()], new: new[index], label: "\(index + 1)"))
            } else {
                pairs.append(LinePair(old: nil, new: new[index], label: "\(index + 1)"))
            }
        }
        for index in leftovers { pairs.append(LinePair(old: old[index], new: nil, label: "\(index + 1)")) }
        return pairs
    }

    /// Equal as SQL Account would store them: numbers (and numeric strings) by value, the rest exactly.
    public static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (nil, .null?), (.null?, nil): return true
        case (.number(let x)?, .number(let y)?), (.number(let x)?, .string(let y)?), (.string(let x)?, .number(let y)?):
            if x == y { return true }
            if let dx = Decimal(string: x), let dy = Decimal(string: y) { return dx == dy }
            return x == y
        case (.string(let x)?, .string(let y)?):
            if x == y { return true }
            // Amounts ("1.00" vs "1"), not codes ("000123" vs "123").
            if looksNumeric(x), looksNumeric(y), x.contains(".") || y.contains("."), let dx = Decimal(string: x), let dy = Decimal(string: y) { return dx == dy }
            return false
        case (.array(let x)?, .array(let y)?):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x)?, .object(let y)?):
            let keys = Set(x.keys).union(y.keys).subtracting(serverFields)
            return keys.allSatisfy { same(x[$0], y[$0]) }
        case (let x?, let y?):
            return x == y
        default:
            return false
        }
    }

    static func looksNumeric(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" } && text.contains(where: \.isNumber)
    }
}
