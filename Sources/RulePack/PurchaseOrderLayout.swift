import Foundation
import LedgerCore

/// How `po apply` writes purchase orders as CSV or xlsx for a platform's import: one row a line, each column a
/// header and a template of the record's fields. Declared in YAML (`rules/po-exports/<name>.yaml`, or a file of the
/// pack's), so a platform whose import wants other headers or another order needs no code.
public struct PurchaseOrderLayout: Sendable {
    public struct Column: Sendable {
        public var header: String
        /// `{po_number}`, `{qty} {uom}`, or fixed text.
        public var value: String
    }

    public var name: String
    public var description: String
    public var columns: [Column]
    /// The files it was read from, for messages.
    public var file: String

    /// The fields a column may use: the purchase order's and its line's.
    public static let fields = ["po_number", "date", "supplier_code", "supplier_name", "reference", "project", "description", "total",
                                "warehouse", "sku", "item_code", "name", "qty", "uom", "unit_cost", "amount", "outstanding_qty",
                                "sql_qty", "sql_uom", "uom_rate"]

    /// The layout written when the pack names none: every field of a line, headed by its own name.
    public static let standard = PurchaseOrderLayout(
        name: "standard", description: "every field of the record, one row a purchase-order line",
        columns: ["po_number", "date", "supplier_code", "supplier_name", "reference", "warehouse", "sku", "item_code", "name", "qty", "uom",
                  "unit_cost", "amount", "sql_qty", "sql_uom", "uom_rate"].map { Column(header: $0, value: "{\($0)}") },
        file: "built-in")

    /// Fills `template` with `values` (a field without a value, such as `sql_qty` of a line not converted, is empty).
    public static func render(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var name: String?
        for character in template {
            if character == "{" {
                if let pending = name { out += "{" + pending }
                name = ""
            } else if character == "}", let field = name {
                out += values[field] ?? ""
                name = nil
            } else if name != nil {
                name?.append(character)
            } else {
                out.append(character)
            }
        }
        if let pending = name { out += "{" + pending }
        return out
    }

    /// Reads and checks a layout file; every problem is a located diagnostic.
    public static func load(path: String, displayPath: String) -> Result<PurchaseOrderLayout, [Diagnostic]> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure([.error("cannot read the purchase-order layout '\(displayPath)'; give a file, or the name of one in rules/po-exports",
                                    at: SourceLocation(file: displayPath), code: "layout-not-found")])
        }
        let tree: YAMLNode
        switch YAMLTreeReader.read(text: String(decoding: data, as: UTF8.self), displayPath: displayPath) {
        case .failure(let error): return .failure([error])
        case .success(nil): return .failure([.error("the purchase-order layout '\(displayPath)' is empty", at: SourceLocation(file: displayPath), code: "empty-layout")])
        case .success(let node?): tree = node
        }
        let reader = NodeReader()
        var layout = PurchaseOrderLayout(name: ((displayPath as NSString).lastPathComponent as NSString).deletingPathExtension, description: "", columns: [], file: displayPath)
        guard let entries = reader.mapping(tree, "", known: ["layout", "columns"]) else { return .failure(reader.diagnostics) }
        var sawColumns = false
        for entry in entries {
            switch entry.key {
            case "layout":
                guard let fields = reader.mapping(entry.value, "layout", known: ["name", "description"]) else { continue }
                for field in fields {
                    guard let text = reader.string(field.value, "layout.\(field.key)") else { continue }
                    if field.key == "name" { layout.name = text } else { layout.description = text }
                }
            default:
                sawColumns = true
                guard let items = reader.sequence(entry.value, "columns") else { continue }
                var headers: Set<String> = []
                for (index, item) in items.enumerated() {
                    let path = "columns[\(index)]"
                    guard let fields = reader.mapping(item, path, known: ["header", "value"]) else { continue }
                    var header: String?
                    var value: String?
                    for field in fields {
                        guard let text = reader.string(field.value, "\(path).\(field.key)") else { continue }
                        if field.key == "header" {
                            if text.isEmpty { reader.error("\(path).header must not be empty: the platform's import finds the column by it", at: field.value, "\(path).header", code: "invalid-value") }
                            else if !headers.insert(text).inserted { reader.error("the header '\(text)' is given twice; a platform's import could not tell the columns apart", at: field.value, "\(path).header", code: "duplicate-column") }
                            else { header = text }
                        } else {
                            var ok = true
                            for name in Template.placeholders(in: text) where !Self.fields.contains(name) {
                                reader.error("unknown placeholder {\(name)} in \(path).value; available: \(Self.fields.map { "{\($0)}" }.joined(separator: ", "))",
                                             at: field.value, "\(path).value", code: "unknown-placeholder", suggestion: Suggest.closest(to: name, in: Self.fields).map { "{\($0)}" })
                                ok = false
                            }
                            if ok { value = text }
                        }
                    }
                    if fields.contains(where: { $0.key == "header" }) == false {
                        reader.error("\(path) has no header", at: item, path, code: "missing-key")
                    }
                    if fields.contains(where: { $0.key == "value" }) == false {
                        reader.error("\(path) has no value: give a field such as \"{sku}\", or fixed text", at: item, path, code: "missing-key")
                    }
                    if let header, let value { layout.columns.append(Column(header: header, value: value)) }
                }
            }
        }
        if !sawColumns {
            reader.error("a purchase-order layout needs columns: a list of {header, value}", at: tree, "columns", code: "missing-key")
        } else if layout.columns.isEmpty && !reader.diagnostics.hasErrors {
            reader.error("columns is empty: list at least one {header, value}", at: tree["columns"], "columns", code: "missing-key")
        }
        if reader.diagnostics.hasErrors { return .failure(reader.diagnostics) }
        return .success(layout)
    }
}
