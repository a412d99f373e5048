/// One text column of an SQL Account document and how long a value it takes.
public struct FieldLimit: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// Free text a person reads (descriptions, names): may be cut to fit, with a warning.
        case text
        /// A code or key that points at a master record or finds the document again (item code, UOM, customer,
        /// docref1 …): never cut, because a shortened code names a different record.
        case reference
    }

    /// The JSON field name, e.g. `description` or `itemcode`.
    public var field: String
    /// The most characters SQL Account stores, counted as `FieldLimits.length` counts them.
    public var maxLength: Int
    public var kind: Kind
    /// True when the length is our inference rather than documented (docs/sqlaccount-api.md); see the table.
    public var inferred: Bool

    public init(_ field: String, _ maxLength: Int, _ kind: Kind, inferred: Bool = false) {
        self.field = field
        self.maxLength = maxLength
        self.kind = kind
        self.inferred = inferred
    }
}

/// The column lengths of SQL Account's sales invoice (`SL_IV` header, `SL_IVDTL` lines): the one table both the
/// transform (which fits what it writes) and the sandbox (which refuses what SQL Account would) read.
///
/// Documented lengths come from docs/sqlaccount-api.md §9 and §17 (the XLS import template's column widths,
/// which are the Firebird field lengths). The rest are marked `inferred`; where a public Firebird DDL copying
/// SQL Account's sales-document tables gives a size (in UTF8 bytes, four per character) it agrees with every
/// documented width, so its sizes are used; otherwise the value is the smaller, safer guess.
public enum FieldLimits {
    public static let invoiceHeader: [FieldLimit] = [
        FieldLimit("docno", 20, .reference),                      // §9, §17 DOCNO(20)
        FieldLimit("docnoex", 40, .text, inferred: true),         // DDL copy: VARCHAR(160) bytes; the order number, never used as a key
        FieldLimit("code", 10, .reference),                       // §9, §17 CODE(10)
        FieldLimit("companyname", 100, .text),                    // §17 COMPANYNAME(100)
        FieldLimit("address1", 60, .text),                        // §17 ADDRESS1..4(60)
        FieldLimit("address2", 60, .text),
        FieldLimit("address3", 60, .text),
        FieldLimit("address4", 60, .text),
        FieldLimit("agent", 10, .reference, inferred: true),      // DDL copy 40 bytes; pack validation also allows 10
        FieldLimit("terms", 10, .reference),                      // §17 TERMS(10)
        FieldLimit("project", 20, .reference, inferred: true),    // DDL copy 80 bytes; pack validation also allows 20
        FieldLimit("area", 10, .reference, inferred: true),       // DDL copy 40 bytes
        FieldLimit("currencycode", 6, .reference, inferred: true), // DDL copy 24 bytes
        FieldLimit("description", 200, .text),                    // §9, §17 DESCRIPTION(200)
        FieldLimit("docref1", 40, .reference, inferred: true),    // DDL copy VARCHAR(160) bytes; the idempotency key
        FieldLimit("docref2", 40, .text, inferred: true),
        FieldLimit("docref3", 40, .text, inferred: true),
        FieldLimit("docref4", 40, .text, inferred: true),
    ]

    public static let invoiceLine: [FieldLimit] = [
        FieldLimit("itemcode", 30, .reference),                   // §9, §17 _ITEMCODE(30)
        FieldLimit("location", 10, .reference, inferred: true),   // DDL copy says 20; pack validation allows 10, the safer guess
        FieldLimit("project", 20, .reference, inferred: true),
        FieldLimit("description", 200, .text),                    // §17 _DESCRIPTION(200)
        FieldLimit("description2", 200, .text, inferred: true),   // DDL copy 800 bytes
        // description3 (the further description) is a BLOB memo: no length.
        FieldLimit("uom", 10, .reference),                        // §9, §17 _UOM(10)
        FieldLimit("disc", 20, .text),                            // §17 _DISC(20)
        FieldLimit("tax", 10, .reference),                        // §9, §17 _TAX(10)
        FieldLimit("account", 10, .reference),                    // §9, §17 _ACCOUNT(10)
    ]

    /// `sdsdocdetail[].sdsserialnumber[].serialnumber`: not documented anywhere; inferred as wide as an item code.
    public static let serialNumber = FieldLimit("serialnumber", 30, .reference, inferred: true)

    /// The header fields a customer payment (`AR_PM`) shares with the invoice header, same columns and lengths.
    /// `docref1` is left out: payment keys are built elsewhere and their column has not been checked. `docref2…4`
    /// (where an O/R number may go, `payments.or_number_field`) are taken as wide as the invoice's, inferred.
    public static let paymentHeader: [FieldLimit] = invoiceHeader.filter {
        ["docno", "code", "companyname", "address1", "address2", "address3", "address4", "agent", "project", "area",
         "currencycode", "description", "docref2", "docref3", "docref4"].contains($0.field)
    }

    /// The stock item master (`ST_ITEM`, with its UOMs in `ST_ITEM_UOM`): what `masters apply` sends to
    /// `POST /stockitem` and the sandbox refuses beyond. The API doc documents no stock item body; the code and UOM
    /// are the columns an invoice line's `itemcode` and `uom` point at, so they share those lengths.
    public static let stockItem: [FieldLimit] = [
        FieldLimit("code", 30, .reference),                         // = _ITEMCODE(30), §9, §17
        FieldLimit("description", 200, .text, inferred: true),      // as wide as the line description SQL copies it to
        FieldLimit("description2", 200, .text, inferred: true),
        FieldLimit("stockgroup", 10, .reference, inferred: true),   // a master code, like the other 10-character codes
        FieldLimit("sltax", 10, .reference, inferred: true),        // tax codes are 10 (§17 _TAX(10))
        FieldLimit("phtax", 10, .reference, inferred: true),
        FieldLimit("barcode", 30, .reference, inferred: true),
    ]

    /// A stock item's UOM (`sdsuom[].uom`): the column an invoice line's `uom` points at.
    public static let stockItemUOM = FieldLimit("uom", 10, .reference)  // = _UOM(10), §9, §17

    /// The customer master (`AR_CUSTOMER`): what `masters apply` sends to `POST /customer` (API doc §11).
    public static let customer: [FieldLimit] = [
        FieldLimit("code", 10, .reference),                         // the invoice's CODE(10), §9, §17
        FieldLimit("companyname", 100, .text),                      // §17 COMPANYNAME(100)
        FieldLimit("companyname2", 100, .text, inferred: true),
        FieldLimit("creditterm", 10, .reference),                   // a terms code: §17 TERMS(10)
        FieldLimit("currencycode", 6, .reference, inferred: true),  // as the invoice's currencycode
        FieldLimit("controlaccount", 10, .reference),               // a GL account code: §17 _ACCOUNT(10)
        FieldLimit("area", 10, .reference, inferred: true),
        FieldLimit("agent", 10, .reference, inferred: true),
    ]

    private static let stockItemByField = Dictionary(uniqueKeysWithValues: stockItem.map { ($0.field, $0) })
    private static let customerByField = Dictionary(uniqueKeysWithValues: customer.map { ($0.field, $0) })

    public static func stockItem(_ field: String) -> FieldLimit? { stockItemByField[field] }
    public static func customer(_ field: String) -> FieldLimit? { customerByField[field] }

    private static let headerByField = Dictionary(uniqueKeysWithValues: invoiceHeader.map { ($0.field, $0) })
    private static let lineByField = Dictionary(uniqueKeysWithValues: invoiceLine.map { ($0.field, $0) })

    public static func invoiceHeader(_ field: String) -> FieldLimit? { headerByField[field] }
    public static func invoiceLine(_ field: String) -> FieldLimit? { lineByField[field] }

    /// The length of `text` as SQL Account measures it against a column: in UTF-16 code units.
    ///
    /// SQL Account is a Delphi program (UTF-16 strings, field sizes in UTF-16 units) over Firebird UTF8 columns
    /// (sizes in code points). For Latin, Malay and CJK text all of these equal the number of characters a person
    /// sees. They differ only for combining marks (`e` + U+0301 is one character, two code points) and emoji
    /// (👍🏽 is one character, two code points, four UTF-16 units); counting UTF-16 units is never less than either
    /// count, so a value that fits here fits SQL Account whichever layer checks it.
    public static func length(_ text: String) -> Int { text.utf16.count }

    /// `text` cut to at most `limit` (as `length` counts), or nil when it already fits.
    ///
    /// The cut is always between two grapheme clusters (never inside an emoji sequence or a letter with its
    /// accents). When a space falls in the last fifth of the allowed length the cut is made there, so no word is
    /// split, and the spaces and separators left dangling at the end are dropped; otherwise (CJK text, one very
    /// long word) the text is cut hard at the last whole character that fits.
    public static func cut(_ text: String, to limit: Int) -> Cut? {
        guard length(text) > limit else { return nil }
        var used = 0
        var end = text.startIndex
        var lastSpace: String.Index?
        for index in text.indices {
            let character = text[index]
            let width = character.utf16.count
            if used + width > limit {
                if character.isWhitespace { lastSpace = index }
                break
            }
            if character.isWhitespace { lastSpace = index }
            used += width
            end = text.index(after: index)
        }
        let tail = max(1, limit / 5)
        if let space = lastSpace {
            let kept = text[..<space]
            if length(String(kept)) >= limit - tail {
                var trimmed = Substring(kept)
                while let last = trimmed.last, last.isWhitespace || danglingSeparators.contains(last) { trimmed.removeLast() }
                if !trimmed.isEmpty { return Cut(text: String(trimmed), atWordBoundary: true) }
            }
        }
        return Cut(text: String(text[..<end]), atWordBoundary: false)
    }

    /// A value cut by `cut(_:to:)`.
    public struct Cut: Hashable, Sendable {
        public var text: String
        /// False for a hard cut inside a word (no space near the end, e.g. CJK text).
        public var atWordBoundary: Bool
    }

    /// Left at the end of a cut they would only dangle: `Sofa Cover - (Grey` reads better as `Sofa Cover`.
    private static let danglingSeparators: Set<Character> = [",", ";", ":", "-", "–", "—", "/", "|", "(", "[", "+", "&"]
}
