import Foundation
import LedgerCore
import LedgerJSON
import RulePack
import SQLAccount
import Spreadsheets

/// A filled-in matching sheet merged into the pack's sheet by SKU: rows it names are added, changed or (status
/// `unmatched` with the code cleared) unmatched; rows it does not name stay as they are.
struct ItemSheetMerge {
    enum ChangeKind: String, Hashable {
        case added, changed, removed
        /// A SKU with no code yet, kept in the sheet as work still to do.
        case listed
    }

    struct Change {
        var sku: String
        var kind: ChangeKind
        var before: String
        var after: String
        /// The row of the imported sheet.
        var row: Int
    }

    var rows: [ItemSheetRow]
    var changes: [Change] = []
    var unchanged = 0
    var diagnostics: [Diagnostic] = []
    /// SKUs whose imported code ends up in the pack's sheet: the ones to check against SQL's stock items.
    var checkedSKUs: Set<String> = []

    var hasChanges: Bool { !changes.isEmpty || renamed }
    /// Only names changed: still worth writing, not worth a line each.
    private var renamed = false
    var stillUnmatched: Int { rows.filter { !$0.isMatched }.count }

    static func describe(code: String, uom: String, rate: Int?) -> String {
        var text = code
        if !uom.isEmpty { text += " \(uom)" }
        if let rate { text += " ×\(rate)" }
        return text
    }

    static func merge(incoming: ItemSheetContents, into current: [ItemSheetRow], target: ItemSheetReference, pack: RulePack, incomingPath: String) -> ItemSheetMerge {
        var merge = ItemSheetMerge(rows: current)
        guard !incoming.diagnostics.hasErrors else { return merge }
        let hasRateColumn = incoming.columns.contains("syncapp_rate")
        let codeColumn = incoming.columns.firstIndex(of: "syncapp_code") ?? 1
        let statusColumn = incoming.columns.firstIndex(of: "status")
        var indexOfSKU = Dictionary(current.enumerated().map { ($1.sku, $0) }, uniquingKeysWith: { first, _ in first })
        for row in incoming.rows {
            let codeAt = SourceLocation(file: incomingPath, line: row.row, column: codeColumn + 1)
            let codePlace = "row \(row.row), column \(SheetRow.columnName(codeColumn)) (syncapp_code)"
            let rate = hasRateColumn ? row.rate : nil
            if let effective = pack.matching.items[row.sku], effective.origin.location?.file != target.displayPath {
                // Matched by inline YAML (which beats every sheet) or by another sheet: a row here could not take effect.
                let elsewhere = effective.origin.setting.hasPrefix("item sheet") ? "another item sheet, \(effective.origin.location?.fileAndLine ?? "")"
                                                                                 : "\(effective.origin.description), which beats any item sheet"
                let current = describe(code: effective.code, uom: effective.uom ?? "", rate: effective.rate)
                if row.isMatched {
                    if row.code == effective.code && row.uom == (effective.uom ?? "") && (!hasRateColumn || rate == effective.rate) {
                        merge.unchanged += 1
                    } else {
                        merge.diagnostics.append(.error("\(codePlace): \(describe(code: row.code, uom: row.uom, rate: rate)) for SKU '\(row.sku)' would have no effect: the SKU is matched to \(current) by \(elsewhere); change it there",
                                                        at: codeAt, code: "matched-elsewhere"))
                    }
                } else if row.status == "unmatched" {
                    let at = statusColumn.map { SourceLocation(file: incomingPath, line: row.row, column: $0 + 1) } ?? codeAt
                    merge.diagnostics.append(.error("row \(row.row): SKU '\(row.sku)' cannot be unmatched here: it is matched to \(current) by \(elsewhere); remove it there",
                                                    at: at, code: "matched-elsewhere"))
                }
                continue
            }
            if row.isMatched {
                merge.checkedSKUs.insert(row.sku)
                let after = describe(code: row.code, uom: row.uom, rate: hasRateColumn ? rate : nil)
                if let index = indexOfSKU[row.sku] {
                    var updated = merge.rows[index]
                    let before = updated.isMatched ? describe(code: updated.code, uom: updated.uom, rate: updated.rate) : ""
                    updated.code = row.code
                    updated.uom = row.uom
                    if hasRateColumn { updated.rate = rate }
                    if !row.name.isEmpty { updated.name = row.name }
                    if updated.code == merge.rows[index].code && updated.uom == merge.rows[index].uom && updated.rate == merge.rows[index].rate {
                        merge.unchanged += 1
                        if updated.name != merge.rows[index].name { merge.renamed = true }
                    } else {
                        merge.changes.append(Change(sku: row.sku, kind: before.isEmpty ? .added : .changed, before: before,
                                                    after: describe(code: updated.code, uom: updated.uom, rate: updated.rate), row: row.row))
                    }
                    merge.rows[index] = updated
                } else {
                    indexOfSKU[row.sku] = merge.rows.count
                    merge.rows.append(ItemSheetRow(sku: row.sku, name: row.name, code: row.code, uom: row.uom, rate: rate))
                    merge.changes.append(Change(sku: row.sku, kind: .added, before: "", after: after, row: row.row))
                }
                continue
            }
            // No code in the imported row.
            if let index = indexOfSKU[row.sku] {
                let existing = merge.rows[index]
                if existing.isMatched {
                    let before = describe(code: existing.code, uom: existing.uom, rate: existing.rate)
                    if row.status == "unmatched" {
                        merge.rows[index].code = ""
                        merge.rows[index].uom = ""
                        merge.rows[index].rate = nil
                        merge.changes.append(Change(sku: row.sku, kind: .removed, before: before, after: "", row: row.row))
                        merge.diagnostics.append(.warning("row \(row.row): SKU '\(row.sku)' is no longer matched (was \(before)); its lines will be invoiced as the default product code",
                                                          at: codeAt, code: "match-removed"))
                    } else {
                        merge.diagnostics.append(.error("\(codePlace): empty for SKU '\(row.sku)', which \(target.displayPath) row \(existing.row) matches to \(before); fill in the code, or write unmatched in status to remove the match",
                                                        at: codeAt, code: "empty-code"))
                    }
                } else {
                    merge.unchanged += 1
                    if !row.name.isEmpty && row.name != existing.name {
                        merge.rows[index].name = row.name
                        merge.renamed = true
                    }
                }
            } else if row.status != "matched" {
                // Matched-status rows without a code are SKUs a channel/store row or a preset covers (see matched_by).
                indexOfSKU[row.sku] = merge.rows.count
                merge.rows.append(ItemSheetRow(sku: row.sku, name: row.name))
                merge.changes.append(Change(sku: row.sku, kind: .listed, before: "", after: "", row: row.row))
            }
        }
        return merge
    }
}

/// SQL Accounting's stock items (`GET /stockitem`, 50 a page), to check a sheet's codes and UOMs before they are
/// written: an unknown code or UOM would only surface later, as a refused invoice.
struct StockItemCatalog {
    struct Item {
        var code: String
        var description: String?
        var defaultUOM: String?
        var active: Bool?
    }

    let client: SQLAccountClient
    private(set) var items: [String: Item] = [:]
    var count: Int { items.count }

    static func load(_ client: SQLAccountClient) async throws -> StockItemCatalog {
        var catalog = StockItemCatalog(client: client)
        for record in try await client.listAll(.stockItem) {
            guard let code = record["code"]?.stringValue, !code.isEmpty else { continue }
            let active: Bool? = record["isactive"].flatMap { value in
                if case .bool(let flag) = value { return flag }
                return value.stringValue.map { $0 == "T" || $0 == "1" || $0.lowercased() == "true" }
            }
            catalog.items[code] = Item(code: code, description: record["description"]?.stringValue, defaultUOM: record["defaultuom"]?.stringValue, active: active)
        }
        return catalog
    }

    /// The UOMs of one item from its detail (`sdsuom`); nil when the server does not list them.
    private func uoms(of code: String) async throws -> [String]? {
        guard let record = try await client.get(.stockItem, code: code) else { return nil }
        guard let rows = record["sdsuom"]?.arrayValue else { return nil }
        return rows.compactMap { $0.objectValue?["uom"]?.stringValue }
    }

    /// Errors for codes SQL does not have and UOMs the item does not have; warnings for inactive items. A row without
    /// a UOM is checked against every store's `uom` (`defaultUOMs`), since each store's lines get its own.
    func check(_ rows: [ItemSheetRow], columns: [String], sheetPath: String, defaultUOMs: [String]) async -> [Diagnostic] {
        let codeColumn = columns.firstIndex(of: "syncapp_code") ?? 1
        let uomColumn = columns.firstIndex(of: "syncapp_uom") ?? 2
        var diagnostics: [Diagnostic] = []
        var uomCache: [String: [String]?] = [:]
        for row in rows where row.isMatched {
            let codeAt = SourceLocation(file: sheetPath, line: row.row, column: codeColumn + 1)
            let uomAt = SourceLocation(file: sheetPath, line: row.row, column: uomColumn + 1)
            guard let item = items[row.code] else {
                let caseInsensitive = items.keys.first { $0.caseInsensitiveCompare(row.code) == .orderedSame }
                diagnostics.append(.error("row \(row.row), column \(SheetRow.columnName(codeColumn)) (syncapp_code): '\(row.code)' for SKU '\(row.sku)' is not a stock item in SQL Accounting; create it there or correct the code",
                                          at: codeAt, suggestion: caseInsensitive ?? Suggest.closest(to: row.code, in: items.keys), code: "unknown-item"))
                continue
            }
            if item.active == false {
                diagnostics.append(.warning("row \(row.row): stock item '\(row.code)' (SKU '\(row.sku)') is inactive in SQL Accounting; invoices for it may be refused",
                                            at: codeAt, code: "inactive-item"))
            }
            let wanted = (row.uom.isEmpty ? defaultUOMs : [row.uom]).filter { $0 != item.defaultUOM }
            guard !wanted.isEmpty else { continue }
            let known: [String]?
            if let cached = uomCache[row.code] {
                known = cached
            } else {
                do {
                    known = try await uoms(of: row.code)
                } catch {
                    diagnostics.append(.error("row \(row.row): cannot read the UOMs of stock item '\(row.code)': \(error)", at: uomAt, code: "stock-check-failed"))
                    continue
                }
                uomCache[row.code] = known
            }
            let listed = known ?? item.defaultUOM.map { [$0] } ?? []
            guard let uom = wanted.first(where: { !listed.contains($0) }) else { continue }
            let have = listed.isEmpty ? "SQL lists none" : "its UOMs: \(listed.joined(separator: ", "))"
            if row.uom.isEmpty {
                diagnostics.append(.error("row \(row.row), column \(SheetRow.columnName(uomColumn)) (syncapp_uom): empty, so invoices use the pack's uom '\(uom)', which stock item '\(row.code)' does not have (\(have)); fill in syncapp_uom",
                                          at: uomAt, suggestion: listed.first, code: "unknown-uom"))
            } else {
                diagnostics.append(.error("row \(row.row), column \(SheetRow.columnName(uomColumn)) (syncapp_uom): '\(uom)' is not a UOM of stock item '\(row.code)' (\(have))",
                                          at: uomAt, suggestion: Suggest.closest(to: uom, in: listed) ?? listed.first, code: "unknown-uom"))
            }
        }
        return diagnostics
    }
}
