import LedgerCore
import Spreadsheets

/// What a settlement file looks like, from its content (never its name).
public struct SettlementDetection: Hashable, Sendable, CustomStringConvertible {
    public var channel: Channel
    /// The sheet whose rows said so; nil for a CSV.
    public var sheet: String?
    /// The header row that said so; 0 when only sheet names did.
    public var headerRow: Int
    /// The signature columns found on that row, as written, in column order.
    public var matchedColumns: [String]
    /// Why: `columns 'Transaction Type', 'Fee Name', … on row 2`, `columns … on row 3 of sheet 'Income'`,
    /// or `a sheet named 'Order details'`.
    public var reason: String

    public var description: String { "\(SettlementDetector.reportName(channel)) (\(reason))" }
}

/// Recognises a settlement report by its header row: the channel whose signature columns
/// (`ShopeeIncomeColumns.signature` …) appear most on one row within the first 30 rows of a sheet, with at
/// least two of them; failing that, by a telling sheet name.
public enum SettlementDetector {
    public static let supportedChannels: [Channel] = [.shopee, .lazada, .tiktok]

    /// "a Shopee income report", "a Lazada statement", "a TikTok Shop settlement".
    public static func reportName(_ channel: Channel) -> String {
        switch channel {
        case .shopee: return "a \(ShopeeIncomeParser.reportName)"
        case .lazada: return "a \(LazadaStatementParser.reportName)"
        case .tiktok: return "a \(TikTokSettlementParser.reportName)"
        default: return "a \(channel.rawValue) settlement report"
        }
    }

    static func signature(_ channel: Channel) -> [String] {
        switch channel {
        case .shopee: return ShopeeIncomeColumns.standard.signature
        case .lazada: return LazadaStatementColumns.standard.signature
        case .tiktok: return TikTokSettlementColumns.standard.signature
        default: return []
        }
    }

    public static func detect(_ source: SettlementSource) -> SettlementDetection? {
        let signatures = supportedChannels.map { (label: $0, names: signature($0)) }
        var best: SettlementDetection?
        for sheet in source.sheets {
            guard let found = HeaderFinder.recognise(signatures, in: sheet.rows, searchRows: SettlementHeader.searchRows, minimumMatches: 2),
                  found.matched.count > best?.matchedColumns.count ?? 0 else { continue }
            let shown = found.matched.prefix(2).map { "'\($0)'" }.joined(separator: ", ") + (found.matched.count > 2 ? ", …" : "")
            best = SettlementDetection(channel: found.label, sheet: sheet.name, headerRow: found.rowNumber, matchedColumns: found.matched,
                                       reason: "columns \(shown) on \(SettlementHeader.rowPlace(found.rowNumber, sheet: sheet.name))")
        }
        if let best { return best }
        // Sheet names alone.
        let names = source.sheets.map { HeaderFinder.normalize($0.name ?? "") }
        func sheetNamed(_ name: String) -> String? {
            source.sheets.lazy.compactMap(\.name).first { HeaderFinder.normalize($0) == HeaderFinder.normalize(name) }
        }
        if let sheet = sheetNamed("Order details") {
            return SettlementDetection(channel: .tiktok, sheet: sheet, headerRow: 0, matchedColumns: [], reason: "a sheet named '\(sheet)'")
        }
        if let sheet = sheetNamed("Income Overview") {
            return SettlementDetection(channel: .lazada, sheet: sheet, headerRow: 0, matchedColumns: [], reason: "a sheet named '\(sheet)'")
        }
        if names.contains("income"), names.contains("summary"), let sheet = sheetNamed("Income") {
            return SettlementDetection(channel: .shopee, sheet: sheet, headerRow: 0, matchedColumns: [],
                                       reason: "sheets named 'Summary' and '\(sheet)'")
        }
        return nil
    }
}

/// Every problem found in a settlement file, and the rows that parsed cleanly. Product spec §6: an
/// import with errors writes nothing, so `rows` is for the preview and, when `errors` is empty, the import.
public struct SettlementParseResult: Sendable {
    /// The channel the file was parsed as.
    public var channel: Channel?
    public var fileName: String
    /// What the content looked like (set by `SettlementImport`).
    public var detection: SettlementDetection?
    public var rows: [SettlementRow]
    /// Errors and warnings, in file order.
    public var diagnostics: [Diagnostic]

    public init(channel: Channel?, fileName: String, detection: SettlementDetection? = nil, rows: [SettlementRow] = [],
                diagnostics: [Diagnostic] = []) {
        self.channel = channel
        self.fileName = fileName
        self.detection = detection
        self.rows = rows
        self.diagnostics = diagnostics
    }

    public var errors: [Diagnostic] { diagnostics.errors }
    public var warnings: [Diagnostic] { diagnostics.warnings }
    public var hasErrors: Bool { diagnostics.hasErrors }
}

/// The entry point: parse a settlement file as the channel the user said, refusing a file that looks like
/// another channel's report; or detect the channel from the content.
public enum SettlementImport {
    public static func parse(_ source: SettlementSource, expected: Channel) -> SettlementParseResult {
        let detection = SettlementDetector.detect(source)
        guard SettlementDetector.supportedChannels.contains(expected) else {
            return SettlementParseResult(channel: expected, fileName: source.fileName, detection: detection, diagnostics: [.error(
                "settlement reports can be imported for Shopee, Lazada and TikTok Shop; there is no \(expected.rawValue) settlement parser",
                at: SourceLocation(file: source.fileName), code: "settlement-unsupported-channel")])
        }
        if let detection, detection.channel != expected {
            return SettlementParseResult(channel: expected, fileName: source.fileName, detection: detection, diagnostics: [.error(
                "this looks like \(SettlementDetector.reportName(detection.channel)) (\(detection.reason)), not \(SettlementDetector.reportName(expected))",
                at: SourceLocation(file: source.fileName, line: detection.headerRow), code: "settlement-wrong-channel")])
        }
        var result = parser(expected)(source)
        result.detection = detection
        return result
    }

    /// Detects the channel from the content, then parses; an unrecognised file is one error.
    public static func parse(_ source: SettlementSource) -> SettlementParseResult {
        guard let detection = SettlementDetector.detect(source) else {
            let kinds = SettlementDetector.supportedChannels.map { channel in
                "\(SettlementDetector.reportName(channel)) (" + SettlementDetector.signature(channel).prefix(2).map { "'\($0)'" }.joined(separator: ", ") + ")"
            }
            return SettlementParseResult(channel: nil, fileName: source.fileName, diagnostics: [.error(
                "'\(source.fileName)' is not a settlement report ledgersync knows: no row in the first \(SettlementHeader.searchRows) rows of "
                    + "\(source.sheets.count == 1 ? "the file" : "any sheet") has the columns of \(kinds.dropLast().joined(separator: ", ")) or \(kinds.last!)",
                at: SourceLocation(file: source.fileName), code: "settlement-unrecognised")])
        }
        return parse(source, expected: detection.channel)
    }

    static func parser(_ channel: Channel) -> (SettlementSource) -> SettlementParseResult {
        switch channel {
        case .shopee: return { ShopeeIncomeParser.parse($0) }
        case .lazada: return { LazadaStatementParser.parse($0) }
        default: return { TikTokSettlementParser.parse($0) }
        }
    }
}
