import LedgerCore
import LedgerJSON

/// A sales invoice or credit note body as typed fields, as the builder made it. Kept typed until something needs it as
/// a JSON object (plan, apply, explain): a bulk transform writes it straight to bytes, without building and freeing a
/// JSON tree and a string per amount for every order.
///
/// A class: an order's outcome is handed from the rules to the writer, and a reference moves where a few hundred bytes of
/// fields would be copied at each step.
public final class InvoiceContent: Sendable {
    /// A member whose key a setting chooses (`cut_description_full_text`, `returns.invoice_reference_field`).
    public struct NamedText: Sendable {
        public var key: String
        public var value: String
    }

    /// An integer member whose key a setting chooses (`einvoice.fields`).
    public struct NamedInt: Sendable {
        public var key: String
        public var value: Int
    }

    /// The MyInvois members of a document (`einvoice:`): its submission type and, on an individual e-invoice, the
    /// buyer's identifiers and bill-to address.
    public struct EInvoiceHeader: Sendable {
        public var submission: NamedInt
        public var tin: NamedText?
        public var idType: NamedInt?
        /// The ID value, SST number and bill-to address members, in payload order.
        public var texts: [NamedText]
    }

    public struct Line: Sendable {
        public var itemCode, location, project, description: String
        /// The full text of a cut description, in the line field the pack names.
        public var fullDescription: NamedText?
        public var qty: Int
        public var uom: String
        /// Already in its final text: a converted unit price keeps up to `unit_price_decimals` decimals.
        public var unitPrice: FixedDecimal
        public var discount: Money
        public var taxCode: String
        /// Nil when the line has no tax code (the payload then carries an empty rate).
        public var taxRate: Rate?
        public var taxInclusive: Bool
        public var taxAmount: Money
        public var amount: Money
        public var account: String
        public var serialNumbers: [String]
        /// The line's MyInvois classification code, when the pack has `einvoice:`.
        public var classification: NamedText? = nil
    }

    public let docno, docnoex: String
    /// `docdate`, `postdate` and `taxdate` alike.
    public let date: String
    public let code: String
    public let companyName: String?
    public let agent, terms, project, area, currencyCode, currencyRate, description, docref1: String
    /// A credit note's reference to the invoice it credits.
    public let invoiceReference: NamedText?
    public let einvoice: EInvoiceHeader?
    public let docamt: Money
    public let lines: [Line]

    init(docno: String, docnoex: String, date: String, code: String, companyName: String?, agent: String, terms: String,
         project: String, area: String, currencyCode: String, currencyRate: String, description: String, docref1: String,
         invoiceReference: NamedText?, einvoice: EInvoiceHeader? = nil, docamt: Money, lines: [Line]) {
        self.docno = docno
        self.docnoex = docnoex
        self.date = date
        self.code = code
        self.companyName = companyName
        self.agent = agent
        self.terms = terms
        self.project = project
        self.area = area
        self.currencyCode = currencyCode
        self.currencyRate = currencyRate
        self.description = description
        self.docref1 = docref1
        self.invoiceReference = invoiceReference
        self.einvoice = einvoice
        self.docamt = docamt
        self.lines = lines
    }

    /// The payload as a JSON object, member for member what `appendJSON` writes.
    public var jsonObject: JSONObject {
        var sink = ObjectSink()
        emit(to: &sink)
        return sink.objects[0]
    }

    /// Appends the payload as compact JSON, byte for byte `JSONWriter.appendCompact(.object(jsonObject))`.
    public func appendJSON(to buffer: inout [UInt8]) {
        var sink = ByteSink(capacity: 2048)
        defer { sink.deallocate() }
        sink.byte(UInt8(ascii: "{"))
        emit(to: &sink)
        sink.byte(UInt8(ascii: "}"))
        sink.append(to: &buffer)
    }

    /// The one place that says which members a payload has and in which order; both representations are walks of it.
    private func emit<Sink: PayloadSink>(to sink: inout Sink) {
        sink.text("docno", docno)
        sink.text("docnoex", docnoex)
        sink.text("docdate", date)
        sink.text("postdate", date)
        sink.text("taxdate", date)
        sink.text("code", code)
        if let companyName { sink.text("companyname", companyName) }
        sink.text("agent", agent)
        sink.text("terms", terms)
        sink.text("project", project)
        sink.text("area", area)
        sink.text("currencycode", currencyCode)
        sink.text("currencyrate", currencyRate)
        sink.text("description", description)
        sink.text("docref1", docref1)
        if let invoiceReference { sink.namedText(invoiceReference.key, invoiceReference.value) }
        if let einvoice {
            sink.namedInt(einvoice.submission.key, einvoice.submission.value)
            if let tin = einvoice.tin { sink.namedText(tin.key, tin.value) }
            if let idType = einvoice.idType { sink.namedInt(idType.key, idType.value) }
            for text in einvoice.texts { sink.namedText(text.key, text.value) }
        }
        sink.decimal("docamt", FixedDecimal(units: docamt.minorUnits, scale: 2))
        sink.bool("cancelled", false)
        sink.openArray("sdsdocdetail")
        for (index, line) in lines.enumerated() {
            sink.openObject()
            sink.int("seq", index + 1)
            sink.text("itemcode", line.itemCode)
            sink.text("location", line.location)
            sink.text("project", line.project)
            sink.text("description", line.description)
            if let full = line.fullDescription { sink.namedText(full.key, full.value) }
            sink.decimal("qty", FixedDecimal(units: Int64(line.qty) * 100, scale: 2))
            sink.text("uom", line.uom)
            sink.decimal("unitprice", line.unitPrice)
            sink.decimal("disc", FixedDecimal(units: line.discount.minorUnits, scale: 2))
            sink.text("tax", line.taxCode)
            sink.text("taxrate", line.taxRate?.description ?? "")
            sink.bool("taxinclusive", line.taxInclusive)
            sink.decimal("taxamt", FixedDecimal(units: line.taxAmount.minorUnits, scale: 2))
            sink.decimal("amount", FixedDecimal(units: line.amount.minorUnits, scale: 2))
            sink.text("account", line.account)
            if let classification = line.classification { sink.namedText(classification.key, classification.value) }
            if !line.serialNumbers.isEmpty {
                sink.openArray("sdsserialnumber")
                for serial in line.serialNumbers {
                    sink.openObject()
                    sink.text("serialnumber", serial)
                    sink.closeObject()
                }
                sink.closeArray()
            }
            sink.closeObject()
        }
        sink.closeArray()
    }
}

/// Receives a payload's members in order; arrays hold objects only (the lines, their serial numbers). Keys are the
/// payload's own names, written as they are, except the ones a setting names (`namedText`).
private protocol PayloadSink {
    mutating func text(_ key: StaticString, _ value: String)
    mutating func namedText(_ key: String, _ value: String)
    mutating func namedInt(_ key: String, _ value: Int)
    /// A decimal amount, written as a JSON string (`"12.50"`), as SQL Account takes amounts.
    mutating func decimal(_ key: StaticString, _ value: FixedDecimal)
    mutating func bool(_ key: StaticString, _ value: Bool)
    mutating func int(_ key: StaticString, _ value: Int)
    mutating func openArray(_ key: StaticString)
    mutating func openObject()
    mutating func closeObject()
    mutating func closeArray()
}

private struct ObjectSink: PayloadSink {
    var objects = [JSONObject(minimumCapacity: 24)]
    var arrays: [(key: String, items: [JSONValue])] = []

    mutating func put(_ key: String, _ value: JSONValue) { objects[objects.count - 1].append(key, value) }
    mutating func text(_ key: StaticString, _ value: String) { put(key.description, .string(value)) }
    mutating func namedText(_ key: String, _ value: String) { put(key, .string(value)) }
    mutating func namedInt(_ key: String, _ value: Int) { put(key, .int(value)) }
    mutating func decimal(_ key: StaticString, _ value: FixedDecimal) { put(key.description, .string(value.description)) }
    mutating func bool(_ key: StaticString, _ value: Bool) { put(key.description, .bool(value)) }
    mutating func int(_ key: StaticString, _ value: Int) { put(key.description, .int(value)) }
    mutating func openArray(_ key: StaticString) { arrays.append((key.description, [])) }
    mutating func openObject() { objects.append(JSONObject(minimumCapacity: 18)) }
    mutating func closeObject() { arrays[arrays.count - 1].items.append(.object(objects.removeLast())) }
    mutating func closeArray() {
        let array = arrays.removeLast()
        put(array.key, .array(array.items))
    }
}

/// Writes the payload's bytes through a pointer, into room made once per field rather than checked per byte (an array's
/// `append` checks its capacity and uniqueness for every byte, and a bulk transform writes a hundred million).
private struct ByteSink: PayloadSink {
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    /// Whether the next member or element follows another in the same object or array.
    private var needsComma = false

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    func append(to buffer: inout [UInt8]) { buffer.append(contentsOf: UnsafeBufferPointer(start: base, count: count)) }

    func deallocate() { base.deallocate() }

    /// Makes room for `needed` more bytes.
    private mutating func reserve(_ needed: Int) {
        guard count + needed > capacity else { return }
        let grown = max(capacity * 2, count + needed)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.moveInitialize(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = grown
    }

    mutating func byte(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// `,"key":` — the payload's keys are plain ASCII names, copied without looking for anything to escape.
    private mutating func key(_ key: StaticString) {
        reserve(key.utf8CodeUnitCount + 4)
        if needsComma {
            base[count] = UInt8(ascii: ",")
            count += 1
        }
        base[count] = UInt8(ascii: "\"")
        (base + count + 1).initialize(from: key.utf8Start, count: key.utf8CodeUnitCount)
        count += key.utf8CodeUnitCount + 1
        base[count] = UInt8(ascii: "\"")
        base[count + 1] = UInt8(ascii: ":")
        count += 2
        needsComma = true
    }

    private mutating func quoted(_ value: String) {
        var value = value  // withUTF8 is mutating; it only copies a string that is not already contiguous UTF-8
        value.withUTF8 { utf8 in
            reserve(JSONWriter.quotedCapacity(utf8.count))
            count += JSONWriter.writeQuoted(utf8, to: base + count)
        }
    }

    private mutating func literal(_ text: StaticString) {
        reserve(text.utf8CodeUnitCount)
        (base + count).initialize(from: text.utf8Start, count: text.utf8CodeUnitCount)
        count += text.utf8CodeUnitCount
    }

    private mutating func number(_ value: FixedDecimal) {
        reserve(value.maximumTextLength)
        count += value.writeText(to: base + count)
    }

    mutating func text(_ key: StaticString, _ value: String) {
        self.key(key)
        quoted(value)
    }

    /// A key a setting chose, written as text since it is not known at compile time.
    private mutating func namedKey(_ key: String) {
        if needsComma { byte(UInt8(ascii: ",")) }
        quoted(key)
        byte(UInt8(ascii: ":"))
        needsComma = true
    }

    mutating func namedText(_ key: String, _ value: String) {
        namedKey(key)
        quoted(value)
    }

    mutating func namedInt(_ key: String, _ value: Int) {
        namedKey(key)
        number(FixedDecimal(units: Int64(value), scale: 0))
    }

    mutating func decimal(_ key: StaticString, _ value: FixedDecimal) {
        self.key(key)
        byte(UInt8(ascii: "\""))
        number(value)
        byte(UInt8(ascii: "\""))
    }

    mutating func bool(_ key: StaticString, _ value: Bool) {
        self.key(key)
        literal(value ? "true" : "false")
    }

    mutating func int(_ key: StaticString, _ value: Int) {
        self.key(key)
        number(FixedDecimal(units: Int64(value), scale: 0))
    }

    mutating func openArray(_ key: StaticString) {
        self.key(key)
        byte(UInt8(ascii: "["))
        needsComma = false
    }

    mutating func openObject() {
        if needsComma { byte(UInt8(ascii: ",")) }
        byte(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func closeObject() {
        byte(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func closeArray() {
        byte(UInt8(ascii: "]"))
        needsComma = true
    }
}
