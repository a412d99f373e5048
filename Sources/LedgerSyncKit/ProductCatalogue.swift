import Foundation
import LedgerCore
import RulePack
import Spreadsheets

/// A product catalogue (CSV or xlsx, told apart by content): every SKU the client sells or may sell, with its
/// name — a channel's product export, a PIM download, a sheet someone keeps. `match export --catalog` lists each
/// SKU with its current match, sold or not; `masters plan|apply --catalog` creates stock items for the unmatched.
///
/// The header is the first row, within the first 20 non-empty ones, naming a SKU column and a name column (banner
/// rows above it are skipped), each under any of the names channels give it.
public struct ProductCatalogue: Sendable {
    public struct Product: Sendable, Equatable {
        public var sku: String
        public var name: String
        /// The row in the file, for messages.
        public var row: Int
    }

    public var path: String
    /// In file order, each SKU once (its first row).
    public var products: [Product]
    /// Rows left out, with why (no SKU, a SKU repeated).
    public var skipped: [Diagnostic]

    /// Accepted header names, preferred first; compared as `HeaderFinder.normalize` does.
    public static let skuColumn = HeaderColumn(["sku", "seller sku", "product sku", "variation sku", "variant sku", "item sku", "sku code",
                                                "parent sku", "sku id"])
    public static let nameColumn = HeaderColumn(["name", "product name", "item name", "title", "product title", "variation name",
                                                 "product", "description"])

    /// Reads the catalogue at `path`; throws a located diagnostic when the file or its header cannot be read.
    public static func read(path: String) throws -> ProductCatalogue {
        let rows: SheetRows
        do {
            rows = try SpreadsheetReader(path: path).rows()
        } catch let error as SpreadsheetError {
            throw Diagnostic.error("cannot read the product catalogue: \(error.description.replacingOccurrences(of: "'\(path)': ", with: ""))",
                                   at: SourceLocation(file: path), code: "unreadable-file")
        }
        let header: HeaderMatch
        do {
            header = try HeaderFinder.find([skuColumn, nameColumn], in: rows)
        } catch let error as SpreadsheetError {
            if case .headerNotFound(_, let searched, let preview, let closest) = error.reason {
                var message = "the product catalogue has no header row naming a SKU column (\(skuColumn.names.prefix(4).joined(separator: ", ")), …) "
                    + "and a name column (\(nameColumn.names.prefix(4).joined(separator: ", ")), …) in its first \(searched) rows"
                if let closest { message += "; \(closest)" }
                if let first = preview.first { message += "; it starts: \(first)" }
                throw Diagnostic.error(message, at: SourceLocation(file: path, line: 1, column: 1), code: "invalid-catalogue")
            }
            throw Diagnostic.error("cannot read the product catalogue: \(error.description.replacingOccurrences(of: "'\(path)': ", with: ""))",
                                   at: SourceLocation(file: path), code: "unreadable-file")
        }
        let skuIndex = header.index(of: skuColumn) ?? 0
        let nameIndex = header.index(of: nameColumn) ?? 1
        var products: [Product] = []
        var skipped: [Diagnostic] = []
        var firstRow: [String: Int] = [:]
        do {
            var iterator = rows.makeIterator()
            while let row = try iterator.nextRow() {
                guard row.number > header.rowNumber, !row.isEmpty else { continue }
                let sku = ItemSheet.cellText(row[skuIndex].text).trimmingCharacters(in: .whitespaces)
                let name = ItemSheet.cellText(row[nameIndex].text).trimmingCharacters(in: .whitespaces)
                let at = SourceLocation(file: path, line: row.number, column: skuIndex + 1)
                if sku.isEmpty {
                    skipped.append(.warning("row \(row.number) has no SKU (column \(SheetRow.columnName(skuIndex))); left out", at: at, code: "catalogue-row-skipped"))
                    continue
                }
                if let first = firstRow[sku] {
                    skipped.append(.warning("SKU '\(sku)' appears again on row \(row.number) (first on row \(first)); the first row is used", at: at, code: "catalogue-row-skipped"))
                    continue
                }
                firstRow[sku] = row.number
                products.append(Product(sku: sku, name: name, row: row.number))
            }
        } catch let error as SpreadsheetError {
            throw Diagnostic.error("cannot read the product catalogue: \(error.description.replacingOccurrences(of: "'\(path)': ", with: ""))",
                                   at: SourceLocation(file: path), code: "unreadable-file")
        }
        return ProductCatalogue(path: path, products: products, skipped: skipped)
    }
}
