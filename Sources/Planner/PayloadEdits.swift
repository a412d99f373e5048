import Foundation
import LedgerJSON
import StateStore

/// Operator edits (`tasks edit`) applied to a built invoice: `agent`, `description`, `sdsdocdetail[2].itemcode`…
public enum PayloadEdits {
    /// Applies `edits`; returns what could not be applied (a line that no longer exists).
    public static func apply(_ edits: [OrderEdit], to payload: inout JSONObject) -> [String] {
        var problems: [String] = []
        for edit in edits {
            guard let target = FieldPath(edit.field) else {
                problems.append("the edit of '\(edit.field)' names no invoice field; remove it with `ledgersync tasks edit --unset \(edit.field)`")
                continue
            }
            if let line = target.line {
                guard var lines = payload["sdsdocdetail"]?.arrayValue, line >= 1, line <= lines.count, var row = lines[line - 1].objectValue else {
                    problems.append("the edit of '\(edit.field)' names line \(target.line ?? 0), but the invoice has \(payload["sdsdocdetail"]?.arrayValue?.count ?? 0) lines now")
                    continue
                }
                row[target.field] = value(edit.value, like: row[target.field])
                lines[line - 1] = .object(row)
                payload["sdsdocdetail"] = .array(lines)
            } else {
                payload[target.field] = value(edit.value, like: payload[target.field])
            }
        }
        return problems
    }

    /// Numbers stay numbers: an edited `qty` of "2" is sent as 2 when the field held a number.
    static func value(_ text: String, like current: JSONValue?) -> JSONValue {
        if case .number? = current, Decimal(string: text) != nil, text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) { return .number(text) }
        return .string(text)
    }
}

/// `agent` or `sdsdocdetail[2].itemcode` (lines counted from 1).
public struct FieldPath: Equatable, Sendable {
    public var field: String
    public var line: Int?

    public init?(_ text: String) {
        if text.hasPrefix("sdsdocdetail[") {
            let rest = text.dropFirst("sdsdocdetail[".count)
            guard let close = rest.firstIndex(of: "]"), let line = Int(rest[..<close]), line >= 1 else { return nil }
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix("."), after.count > 1 else { return nil }
            field = String(after.dropFirst())
            self.line = line
        } else {
            guard !text.isEmpty, !text.contains("."), !text.contains("[") else { return nil }
            field = text
            line = nil
        }
    }

    /// The `edit_policy` name of the field: `sdsdocdetail.itemcode` for any line.
    public var policyName: String { line == nil ? field : "sdsdocdetail.\(field)" }
}
