import Foundation
import LedgerCore
import LedgerJSON

/// Field value → the dockeys of the records holding it, ascending: the answer to `GET /<resource>?docref1=…` without a
/// scan of the book (a sync looks every invoice up by docref1 before posting it, so a scan made each POST O(n)).
struct LookupIndex: Sendable {
    private var dockeys: [String: [Int]] = [:]

    /// Ascending, like the scan it replaces.
    func dockeys(_ value: String) -> [Int] { dockeys[value] ?? [] }

    func first(_ value: String) -> Int? { dockeys[value]?.first }

    mutating func insert(_ value: String, _ dockey: Int) {
        // Mutated in place through the dictionary's modify accessor: no copy of the list, let alone the dictionary.
        dockeys[value, default: []].insertSorted(dockey)
    }

    mutating func remove(_ value: String, _ dockey: Int) {
        guard var list = dockeys.removeValue(forKey: value) else { return }
        list.removeSorted(dockey)
        if !list.isEmpty { dockeys[value] = list }
    }
}

extension Array where Element == Int {
    /// Inserts `value` into an ascending array unless it is there. A new document's dockey is the largest, so the
    /// usual case is an append.
    mutating func insertSorted(_ value: Int) {
        if let last, last < value { return append(value) }
        let index = partitioningIndex { $0 >= value }
        if index < count, self[index] == value { return }
        insert(value, at: index)
    }

    mutating func removeSorted(_ value: Int) {
        let index = partitioningIndex { $0 >= value }
        if index < count, self[index] == value { remove(at: index) }
    }

    /// The first index whose element satisfies `predicate`, which must be false then true along the array.
    func partitioningIndex(where predicate: (Int) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// The saved documents of one resource, in dockey order, with docno and docref1 indexes. The collections change only
/// through `store` and `remove`, so the indexes never disagree with the records.
struct DocumentBook: Sendable {
    /// What a save hands out. A save works on a copy and commits it with the record, so a refused save uses none.
    struct Counters: Sendable, Equatable {
        var nextDockey = 1
        var nextDtlkey = 1
        var nextNumber = 1
    }

    private(set) var records: [Int: JSONObject] = [:]
    /// Dockeys ascending (they are handed out in increasing order).
    private(set) var order: [Int] = []
    private(set) var docnoIndex = LookupIndex()
    /// docref1 need not be unique (the real API does not enforce it), so each value keeps every dockey.
    private(set) var docref1Index = LookupIndex()
    var counters = Counters()

    /// The document numbered `docno` (the lowest dockey should a hand-edited state file hold two).
    func dockey(docno: String) -> Int? { docnoIndex.first(docno) }

    /// Saves `record` under `dockey` (new, or replacing what is there) and moves its index entries. Keys are the
    /// text a filter compares with (`Fields.filterText`), so an indexed lookup matches exactly what a scan matched.
    mutating func store(_ record: JSONObject, dockey: Int) {
        let previous = records.updateValue(record, forKey: dockey)
        if previous == nil { order.insertSorted(dockey) }
        Self.reindex(&docnoIndex, "docno", from: previous, to: record, dockey: dockey)
        Self.reindex(&docref1Index, "docref1", from: previous, to: record, dockey: dockey)
    }

    /// Takes a record out with its index entries (undoing the creation of a document whose save failed).
    mutating func remove(dockey: Int) {
        guard let previous = records.removeValue(forKey: dockey) else { return }
        order.removeSorted(dockey)
        Self.reindex(&docnoIndex, "docno", from: previous, to: nil, dockey: dockey)
        Self.reindex(&docref1Index, "docref1", from: previous, to: nil, dockey: dockey)
    }

    private static func reindex(_ index: inout LookupIndex, _ field: String, from old: JSONObject?, to new: JSONObject?,
                                dockey: Int) {
        let oldKey = Fields.filterText(old?[field])
        let newKey = Fields.filterText(new?[field])
        guard oldKey != newKey else { return }
        if let oldKey { index.remove(oldKey, dockey) }
        if let newKey { index.insert(newKey, dockey) }
    }

    /// The dockeys, ascending, of the records that can match every filter: those an indexed field's filter names,
    /// else all. Each record must still be checked against every filter.
    func candidates(_ filters: [(String, String)]) -> [Int] {
        for (field, value) in filters {
            switch field {
            case "docno": return docnoIndex.dockeys(value)
            case "docref1": return docref1Index.dockeys(value)
            default: continue
            }
        }
        return order
    }
}

/// The sandbox's database: documents per resource and what each document is knocked off by. An actor, and no method
/// awaits inside, so every create or update is checked and committed atomically (document numbering and
/// docno uniqueness hold under concurrent POSTs).
actor SandboxStore {
    /// The seed's masters and the stock items and customers created since.
    private(set) var masters: Masters
    var rules: DocumentRules { DocumentRules(masters: masters) }
    let behavior: SandboxBehavior
    let statePath: String?
    private var books = SandboxStore.emptyBooks
    /// Document → Σ koamt of the documents (not cancelled) that knock it off: invoices by payments and credit
    /// notes, credit notes and payments by refunds. Kept in step with every commit, rebuilt on load.
    private var knockedOff: DocumentRules.Contributions = [:]
    /// Purchase order line → what the goods received notes (not cancelled) took from it, in base units. Kept in
    /// step with every commit, rebuilt on load, as `knockedOff` is.
    private var received: Receipts = [:]

    private static var emptyBooks: [SandboxDocumentKind: DocumentBook] {
        Dictionary(uniqueKeysWithValues: SandboxDocumentKind.allCases.map { ($0, DocumentBook()) })
    }

    init(masters: Masters, behavior: SandboxBehavior, statePath: String?) {
        self.masters = masters
        self.behavior = behavior
        self.statePath = statePath
    }

    // MARK: Reading

    /// A record with its details and its derived balance (`outstanding` for invoices, `unappliedamt` otherwise).
    func record(_ kind: SandboxDocumentKind, dockey: Int) -> JSONObject? {
        books[kind]!.records[dockey].map { present(kind, $0, details: true) }
    }

    /// A page of records whose fields equal every filter, in dockey order. Without details, only master fields.
    /// A docno or docref1 filter picks the candidates from the book's index; the other filters are checked on them.
    func query(_ kind: SandboxDocumentKind, filters: [(String, String)], offset: Int, limit: Int,
               details: Bool) -> [JSONObject] {
        guard limit > 0 else { return [] }
        let book = books[kind]!
        if filters.isEmpty {
            // Every record matches: go straight to the page instead of presenting the ones before it.
            return book.order.dropFirst(offset).prefix(limit).map { present(kind, book.records[$0]!, details: details) }
        }
        var skipped = 0
        var page: [JSONObject] = []
        for dockey in book.candidates(filters) {
            let record = present(kind, book.records[dockey]!, details: details)
            guard filters.allSatisfy({ Fields.filterText(record[$0.0]) == $0.1 }) else { continue }
            if skipped < offset {
                skipped += 1
                continue
            }
            page.append(record)
            if page.count == limit { break }
        }
        return page
    }

    var documentCount: Int { books.values.reduce(0) { $0 + $1.records.count } }

    private func present(_ kind: SandboxDocumentKind, _ stored: JSONObject, details: Bool) -> JSONObject {
        var record = stored
        // What was received against a purchase order (`transferredqty`, `transferable`, `status`) is derived too, from
        // the lines, before a list leaves them out.
        if kind == .purchaseOrder, let dockey = Int(Fields.filterText(stored["dockey"]) ?? "") {
            record = DocumentRules.withReceipts(stored, dockey: dockey, received: received)
        }
        var result = JSONObject()
        var detailFields: [(String, JSONValue)] = []
        for (key, value) in record.entries {
            if key.hasPrefix("sds") {
                if details { detailFields.append((key, value)) }
            } else {
                result.append(key, value)
            }
        }
        // Derived on every read: the stored copy of `unappliedamt` (if any) is replaced in place, so a state file
        // edited by hand, or written before refunds could change a payment, never shows a stale balance.
        if let field = kind.balanceField, let dockey = Int(Fields.filterText(record["dockey"]) ?? "") {
            result[field] = .string(balance(kind, dockey: dockey, record: record).description)
        }
        for (key, value) in detailFields { result.append(key, value) }
        return result
    }

    /// What is left of a document: docamt less what it knocks off and what knocks it off. Nothing is left of a
    /// cancelled document.
    private func balance(_ kind: SandboxDocumentKind, dockey: Int, record: JSONObject) -> Money {
        if record["cancelled"]?.boolValue == true { return .zero }
        let docamt = record["docamt"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero
        var used = knockedOff[KnockoffTarget(kind: kind, dockey: dockey)] ?? .zero
        for amount in DocumentRules.contributions(of: kind, record).values { used = used.adding(amount) ?? .largest }
        return docamt - used
    }

    // MARK: Writing

    /// `POST /<resource>`: validate, number, save. Returns the saved record (with details).
    func create(_ kind: SandboxDocumentKind, body: JSONObject, now: Date) -> Result<JSONObject, APIError> {
        Result { try createOrThrow(kind, body: body, now: now) }.mapError { $0 as? APIError ?? APIError(500, "\($0)") }
    }

    /// `PUT /<resource>/{dockey}`: check `updatecount`, merge, validate, save.
    func update(_ kind: SandboxDocumentKind, dockey: Int, body: JSONObject, now: Date) -> Result<JSONObject, APIError> {
        Result { try updateOrThrow(kind, dockey: dockey, body: body, now: now) }.mapError { $0 as? APIError ?? APIError(500, "\($0)") }
    }

    /// Fields the sandbox sets, whatever a client sends (a record fetched and sent back carries them all).
    private static let serverFields: Set<String> = ["dockey", "updatecount", "lastmodified", "outstanding", "unappliedamt"]

    /// `POST /stockitem` or `POST /customer`: validate, save, and from then on accept the code on documents. A code
    /// that exists is refused; nothing is ever changed.
    func createMaster(_ resource: Masters.Resource, body: JSONObject, now: Date) -> Result<JSONObject, APIError> {
        Result {
            var nextDtlkey = masters.nextDtlkey(resource)
            let dockey = masters.nextDockey(resource)
            let record: JSONObject
            switch resource {
            case .stockitem: record = try MasterRules.newStockItem(body, masters: masters, dockey: dockey, nextDtlkey: &nextDtlkey, now: now)
            case .customer: record = try MasterRules.newCustomer(body, masters: masters, dockey: dockey, nextDtlkey: &nextDtlkey, now: now)
            default: throw APIError(405, "\(resource.rawValue) records cannot be created here")
            }
            let saved = masters
            masters.register(resource, record)
            do {
                try persist()
            } catch {
                masters = saved
                throw APIError(500, "Operation aborted: the sandbox could not write its state file: \(error)")
            }
            return record
        }.mapError { $0 as? APIError ?? APIError(500, "\($0)") }
    }

    /// Every record of a master resource (the seed's, then the created ones), with details.
    func masterRecords(_ resource: Masters.Resource) -> [JSONObject] { masters.records(resource) }

    /// The record `GET /<resource>/{key}` names.
    func masterRecord(_ resource: Masters.Resource, key: String) -> JSONObject? { masters.record(resource, key: key) }

    private func createOrThrow(_ kind: SandboxDocumentKind, body: JSONObject, now: Date,
                               persisting: Bool = true) throws -> JSONObject {
        guard !body.isEmpty else { throw APIError.aborted("the request body is empty") }
        // Only the counters are copied: the book itself is changed in place by `commit`, once the record is valid.
        var counters = books[kind]!.counters
        var master = JSONObject()
        for (key, value) in body.entries where !key.hasPrefix("sds") && !Self.serverFields.contains(key) {
            master.append(key, value)
        }
        let dockey = counters.nextDockey
        let lines = try pendingLines(body["sdsdocdetail"], existing: nil)
        let saved = try build(kind, master: master, body: body, lines: lines, dockey: dockey, existing: nil,
                              counters: &counters, updatecount: 0, now: now)
        counters.nextDockey += 1
        return try commit(kind, counters: counters, record: saved, dockey: dockey, persisting: persisting)
    }

    private func updateOrThrow(_ kind: SandboxDocumentKind, dockey: Int, body: JSONObject, now: Date) throws -> JSONObject {
        var counters = books[kind]!.counters
        guard let existing = books[kind]!.records[dockey] else {
            throw APIError.notFound("Record not found: \(kind.rawValue) dockey \(dockey)")
        }
        guard !body.isEmpty else { throw APIError.aborted("the request body is empty") }
        let stored = Int(Fields.filterText(existing["updatecount"]) ?? "") ?? 0
        let sent = try Fields.int(body["updatecount"], "updatecount")
        let accepted: Bool
        switch behavior.updateCountRule {
        case .storedPlusOne: accepted = sent == stored + 1
        case .storedOrPlusOne: accepted = sent == stored + 1 || sent == stored
        case .ignored: accepted = true
        }
        guard accepted else { throw APIError(behavior.conflictStatus, "Record has been changed by another user") }

        var master = JSONObject()
        for (key, value) in existing.entries where !key.hasPrefix("sds") && !Self.serverFields.contains(key) {
            master.append(key, value)
        }
        for (key, value) in body.entries where !key.hasPrefix("sds") && !Self.serverFields.contains(key) {
            if key == "docno", (try Fields.text(value, "docno") ?? "").isEmpty { continue }
            master[key] = value
        }
        // New lines without a new docamt: the total follows the lines.
        if body["sdsdocdetail"] != nil, body["docamt"] == nil, kind.hasLines { master["docamt"] = nil }
        let lines: [PendingLine]
        if let sentLines = body["sdsdocdetail"] {
            lines = try pendingLines(sentLines, existing: existing["sdsdocdetail"]?.arrayValue ?? [])
        } else {
            lines = (existing["sdsdocdetail"]?.arrayValue ?? []).compactMap(\.objectValue).map {
                PendingLine(fields: $0, dtlkey: Int(Fields.filterText($0["dtlkey"]) ?? ""))
            }
        }
        var merged = body
        if body["sdsknockoff"] == nil, let rows = existing["sdsknockoff"] { merged["sdsknockoff"] = rows }
        let saved = try build(kind, master: master, body: merged, lines: lines, dockey: dockey, existing: existing,
                              counters: &counters, updatecount: stored + 1, now: now)
        return try commit(kind, counters: counters, record: saved, dockey: dockey)
    }

    /// The rows of `sdsdocdetail` with the `dtlkey` each keeps: a known dtlkey (first use) updates that row,
    /// anything else (absent, -1, 0, unknown, repeated) is an insert; stored rows not sent are deleted.
    private func pendingLines(_ value: JSONValue?, existing: [JSONValue]?) throws -> [PendingLine] {
        guard let value, !value.isNull else { return [] }
        guard let rows = value.arrayValue else {
            throw APIError.badRequest("sdsdocdetail must be an array, not \(value.typeName)")
        }
        var known: Set<Int> = []
        for row in existing ?? [] {
            if let key = Int(Fields.filterText(row["dtlkey"]) ?? "") { known.insert(key) }
        }
        var used: Set<Int> = []
        return try rows.enumerated().map { index, row in
            guard var fields = row.objectValue else {
                throw APIError.badRequest("sdsdocdetail line \(index + 1) must be an object, not \(row.typeName)")
            }
            var keep: Int?
            if let key = try Fields.int(fields["dtlkey"], "sdsdocdetail line \(index + 1) dtlkey"), known.contains(key),
               used.insert(key).inserted {
                keep = key
            }
            fields["dtlkey"] = nil
            return PendingLine(fields: fields, dtlkey: keep)
        }
    }

    /// Validates and assembles the record to save; allocates docno and dtlkeys in `counters`. Changes nothing else.
    private func build(_ kind: SandboxDocumentKind, master input: JSONObject, body: JSONObject, lines: [PendingLine],
                       dockey: Int, existing: JSONObject?, counters: inout DocumentBook.Counters, updatecount: Int,
                       now: Date) throws -> JSONObject {
        var master = input
        let customer = try rules.normalizeMaster(kind, &master)
        var details: [(String, JSONValue)] = []
        let docamt: Money
        switch kind {
        case .salesInvoice, .salesCreditNote:
            let einvoice = EInvoiceRules(settings: behavior.einvoice)
            let submission = try einvoice.normalize(&master)
            try einvoice.applyStatus(&master, submission: submission, existing: existing, kind: kind, dockey: dockey, now: now)
            // A credit note credits something: with no line it would be a docamt of 0.00 that books nothing.
            if kind == .salesCreditNote, lines.isEmpty {
                throw APIError.badRequest("A sales credit note needs at least one line (sdsdocdetail)")
            }
            let normalizedLines = try rules.normalizeInvoice(&master, lines: lines, dockey: dockey,
                                                             nextDtlkey: &counters.nextDtlkey)
            details.append(("sdsdocdetail", .array(normalizedLines.map(JSONValue.object))))
            docamt = master["docamt"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero
        case .customerPayment, .customerRefund:
            try rules.checkPaymentFields(kind, body)
            docamt = try rules.normalizePaymentMaster(kind, &master)
            if let sentDetail = body["sdsdocdetail"] { details.append(("sdsdocdetail", sentDetail)) }
        case .purchaseOrder:
            // Derived from the goods received (`withReceipts` below); placed here so they sit among the master fields.
            master["transferable"] = .bool(true)
            master["status"] = .string("open")
            let normalizedLines = try rules.normalizePurchaseOrder(&master, lines: lines, dockey: dockey, existing: existing,
                                                                   nextDtlkey: &counters.nextDtlkey, received: received)
            details.append(("sdsdocdetail", .array(normalizedLines.map(JSONValue.object))))
            docamt = master["docamt"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero
        case .purchaseGoodsReceived:
            // An update re-receives its own lines: what this note took before is available to it again.
            let previous = existing.map { DocumentRules.receipts(of: kind, $0) } ?? [:]
            let normalizedLines = try rules.normalizeGoodsReceived(
                &master, lines: lines, dockey: dockey, supplier: customer, orders: books[.purchaseOrder]!,
                nextDtlkey: &counters.nextDtlkey, received: { key in
                    let total = self.received[key] ?? Quantity.zero
                    return previous[key].flatMap { Quantity.difference(total, $0) } ?? total
                })
            details.append(("sdsdocdetail", .array(normalizedLines.map(JSONValue.object))))
            docamt = master["docamt"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero
        }

        var applied = Money.zero
        if !kind.knockoffTargets.isEmpty {
            let previous = existing.map { DocumentRules.contributions(of: kind, $0) } ?? [:]
            var rows: [JSONValue] = []
            if let sent = body["sdsknockoff"], !sent.isNull {
                guard let array = sent.arrayValue else {
                    throw APIError.badRequest("sdsknockoff must be an array, not \(sent.typeName)")
                }
                rows = array
            }
            let (normalizedRows, contributions) = try rules.normalizeKnockoffs(
                rows, of: kind, customer: customer, docamt: docamt, cancelled: master["cancelled"]?.boolValue == true,
                books: books, available: { target in
                    guard let record = self.books[target.kind]?.records[target.dockey] else { return .zero }
                    return self.balance(target.kind, dockey: target.dockey, record: record) + (previous[target] ?? .zero)
                })
            // normalizeKnockoffs held the total to docamt, so it adds up.
            applied = contributions.values.reduce(Money.zero) { $0.adding($1) ?? .largest }
            details.append(("sdsknockoff", .array(normalizedRows.map(JSONValue.object))))
        }
        let against = knockedOff[KnockoffTarget(kind: kind, dockey: dockey)] ?? .zero
        if let existing {
            try checkKnockedOff(existing, master: master, docamt: docamt, applied: applied, against: against, by: kind)
        }
        if let field = kind.storedBalanceField {
            let used = applied.adding(against) ?? .largest
            master[field] = .string((master["cancelled"]?.boolValue == true ? .zero : docamt - used).description)
        }

        // docno: as sent and unique, or the next free auto number.
        let oldDocno = existing?["docno"]?.stringValue
        var docno = master["docno"]?.stringValue ?? ""
        if docno.isEmpty {
            if let oldDocno {
                docno = oldDocno
            } else {
                repeat {
                    docno = kind.autoNumber(counters.nextNumber)
                    counters.nextNumber += 1
                } while books[kind]!.dockey(docno: docno) != nil
            }
        } else if docno != oldDocno, books[kind]!.dockey(docno: docno) != nil {
            throw APIError.badRequest("duplicate docno '\(docno)': violation of PRIMARY or UNIQUE KEY constraint "
                                      + "\"UNQ_\(kind.table)_DOCNO\" on table \"\(kind.table)\" (document no already exists)")
        }

        var record = JSONObject()
        record.append("dockey", .int(dockey))
        record.append("docno", .string(docno))
        for (key, value) in master.entries where key != "docno" { record.append(key, value) }
        record.append("updatecount", .int(updatecount))
        record.append("lastmodified", .int(Int(now.timeIntervalSince1970)))
        for (key, value) in details { record.append(key, value) }
        // Any other sds… arrays sent (sdsserialnumber at master level, …) are kept as sent.
        for (key, value) in body.entries where key.hasPrefix("sds") && record[key] == nil { record.append(key, value) }
        if let existing {
            for (key, value) in existing.entries where key.hasPrefix("sds") && record[key] == nil { record.append(key, value) }
        }
        if kind == .purchaseOrder { record = DocumentRules.withReceipts(record, dockey: dockey, received: received) }
        return record
    }

    /// A document others knock off keeps its customer, stays live, and keeps a docamt that covers what they
    /// apply on top of what it applies itself.
    /// `against` is what the others knock off, `applied` what the document now knocks off itself.
    private func checkKnockedOff(_ existing: JSONObject, master: JSONObject, docamt: Money, applied: Money,
                                 against: Money, by kind: SandboxDocumentKind) throws {
        guard against.minorUnits > 0, let by = kind.knockedOffBy else { return }
        let docno = existing["docno"]?.stringValue ?? ""
        if master["code"] != existing["code"] {
            throw APIError.badRequest("\(docno) has been knocked off by \(by); its customer cannot change")
        }
        if master["cancelled"]?.boolValue == true {
            throw APIError.badRequest("\(docno) has been knocked off by \(by) (\(against)); cancel or change them first")
        }
        let used = applied.adding(against) ?? .largest
        guard used > docamt else { return }
        if applied.minorUnits == 0 {
            throw APIError.badRequest("docamt \(docamt) is less than the \(against) already knocked off by \(by)")
        }
        throw APIError.badRequest("The knock-off total \(applied) and the \(against) already knocked off by \(by) "
                                  + "exceed the \(kind.amountName) (docamt) \(docamt)")
    }

    /// Saves a validated record in place and brings the knock-off totals and stored balances up to date. Should the
    /// state file not be written, every change is undone (record, index entries, counters, totals, balances), so
    /// the book is as it was: no half-written record, no stale index entry.
    ///
    /// Nothing here copies a whole book: a copy kept for the rollback would make the first write after it copy every
    /// record and index (copy-on-write), which is what made each save O(n).
    private func commit(_ kind: SandboxDocumentKind, counters: DocumentBook.Counters, record: JSONObject, dockey: Int,
                        persisting: Bool = true) throws -> JSONObject {
        let previousCounters = books[kind]!.counters
        let previousRecord = books[kind]!.records[dockey]
        let previous: DocumentRules.Contributions = previousRecord.map { DocumentRules.contributions(of: kind, $0) } ?? [:]
        let contributions = DocumentRules.contributions(of: kind, record)
        let targets = Set(previous.keys).union(contributions.keys)
        // What the rollback puts back: the totals and the records whose stored balance this commit changes.
        let savedTotals = targets.map { ($0, knockedOff[$0]) }
        let savedTargets = targets.compactMap { target in books[target.kind]?.records[target.dockey].map { (target, $0) } }
        // Likewise for goods received: the purchase order lines it takes stock from, and the orders holding them.
        let previousReceipts = previousRecord.map { DocumentRules.receipts(of: kind, $0) } ?? [:]
        let receipts = DocumentRules.receipts(of: kind, record)
        let receiptKeys = Set(previousReceipts.keys).union(receipts.keys)
        let savedReceipts = receiptKeys.map { ($0, received[$0]) }
        let orders = Set(receiptKeys.map(\.dockey))
        let savedOrders = orders.compactMap { dockey in books[.purchaseOrder]!.records[dockey].map { (dockey, $0) } }

        books[kind]!.counters = counters
        books[kind]!.store(record, dockey: dockey)
        for (target, amount) in previous {
            let left = (knockedOff[target] ?? .zero) - amount
            knockedOff[target] = left.minorUnits == 0 ? nil : left
        }
        for (target, amount) in contributions {
            knockedOff[target] = (knockedOff[target] ?? .zero).adding(amount) ?? .largest
        }
        for target in targets { refreshStoredBalance(target) }
        for (key, quantity) in previousReceipts {
            let left = (received[key] ?? Quantity.zero)
            received[key] = Quantity.difference(left, quantity).flatMap { $0.units == 0 ? nil : $0 }
        }
        for (key, quantity) in receipts {
            received[key] = Quantity.sum(received[key] ?? Quantity.zero, quantity) ?? received[key]
        }
        for dockey in orders { refreshStoredReceipts(dockey) }
        guard persisting else { return present(kind, record, details: true) }
        do {
            try persist()
        } catch {
            for (dockey, saved) in savedOrders { books[.purchaseOrder]!.store(saved, dockey: dockey) }
            for (key, quantity) in savedReceipts { received[key] = quantity }
            for (target, saved) in savedTargets { books[target.kind]!.store(saved, dockey: target.dockey) }
            for (target, total) in savedTotals { knockedOff[target] = total }
            if let previousRecord {
                books[kind]!.store(previousRecord, dockey: dockey)
            } else {
                books[kind]!.remove(dockey: dockey)
            }
            books[kind]!.counters = previousCounters
            throw APIError(500, "Operation aborted: the sandbox could not write its state file: \(error)")
        }
        return present(kind, record, details: true)
    }

    /// Brings the balance saved in a record that this commit knocks off (or stops knocking off) up to date.
    private func refreshStoredBalance(_ target: KnockoffTarget) {
        guard let field = target.kind.storedBalanceField, var record = books[target.kind]?.records[target.dockey] else { return }
        record[field] = .string(balance(target.kind, dockey: target.dockey, record: record).description)
        books[target.kind]!.store(record, dockey: target.dockey)
    }

    /// Brings what a purchase order's saved record says was received (`transferredqty`, `status` …) up to date
    /// after a goods received note changed it, so the state file shows it; its updatecount and lastmodified stay,
    /// as an invoice's do when a payment knocks it off.
    private func refreshStoredReceipts(_ dockey: Int) {
        guard let record = books[.purchaseOrder]!.records[dockey] else { return }
        books[.purchaseOrder]!.store(DocumentRules.withReceipts(record, dockey: dockey, received: received), dockey: dockey)
    }

    // MARK: Seeded purchase orders

    /// Stores the seed's `purchase_orders` through the same validation as a POST, each unless a document with its
    /// docno is already there (a state file's copy, with what was received against it, is kept). `lastmodified`
    /// is midnight UTC of the docdate, so a seeded order reads the same on every start. Nothing is written to the
    /// state file until the first change (which writes them with it).
    func seedPurchaseOrders() throws {
        for order in masters.seed.purchaseOrders where books[.purchaseOrder]!.dockey(docno: order.docno) == nil {
            var body: JSONObject = [
                "docno": .string(order.docno), "docdate": .string(order.docdate), "code": .string(order.code),
                "description": .string(order.description),
            ]
            if let docref1 = order.docref1 { body["docref1"] = .string(docref1) }
            if let project = order.project { body["project"] = .string(project) }
            body["sdsdocdetail"] = .array(order.lines.map { line in
                var object: JSONObject = ["itemcode": .string(line.itemcode), "qty": .string(line.qty)]
                if let uom = line.uom { object["uom"] = .string(uom) }
                object["unitprice"] = .string(line.unitprice)
                if let location = line.location { object["location"] = .string(location) }
                if let description = line.description { object["description"] = .string(description) }
                return .object(object)
            })
            let midnight = Self.midnightUTC(order.docdate) ?? Date(timeIntervalSince1970: 0)
            do {
                _ = try createOrThrow(.purchaseOrder, body: body, now: midnight, persisting: false)
            } catch let error as APIError {
                throw SandboxSeedError(diagnostics: [
                    .error("purchase order '\(order.docno)' is not a valid purchase order: \(error.message)", code: "seed-invalid"),
                ])
            }
        }
    }

    /// `YYYY-MM-DD` at 00:00 UTC.
    static func midnightUTC(_ date: String) -> Date? {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    // MARK: Preloading

    /// Stores `count` posted sales invoices through the same validation as a POST (so they are what a client would
    /// have saved), numbered `PRELOAD-…`, skipping numbers a loaded state file already holds; the state file is
    /// written once at the end, not once per invoice. Needs a seed with a customer and a stock item.
    func preloadInvoices(_ count: Int, now: Date) throws -> SandboxPreloadSummary {
        try SandboxPreload.validate(count)
        var summary = SandboxPreloadSummary(count: 0)
        guard count > 0 else { return summary }
        guard let customer = masters.seed.customers.first?.code, let item = masters.seed.stockItems.first?.code else {
            throw SandboxPreloadError("--preload-invoices needs a seed with at least one customer and one stock item; "
                                      + "give one with --seed")
        }
        var serial = 0
        while summary.count < count {
            serial += 1
            let number = SandboxPreload.number(serial)
            if books[.salesInvoice]!.dockey(docno: number) != nil { continue }
            do {
                _ = try createOrThrow(.salesInvoice, body: SandboxPreload.invoice(number: number, customer: customer, item: item),
                                      now: now, persisting: false)
            } catch let error as APIError {
                throw SandboxPreloadError("--preload-invoices: the seed's customer \(customer) and stock item \(item) "
                                          + "do not make a valid invoice: \(error.message)")
            }
            if summary.first == nil { summary.first = number }
            summary.last = number
            summary.count += 1
        }
        do {
            try persist()
        } catch {
            throw SandboxPreloadError("--preload-invoices: the sandbox could not write its state file: \(error)")
        }
        return summary
    }

    // MARK: State file

    static let stateFormat = "ledgersync-sandbox-state"
    static let creatableResources: [Masters.Resource] = [.stockitem, .customer]

    /// Writes the whole state as JSON to `statePath` (`AtomicFile`: a reader never sees half, a failed write keeps the old state).
    private func persist() throws {
        guard let statePath else { return }
        var root = JSONObject()
        root.append("format", .string(Self.stateFormat))
        root.append("version", .int(1))
        for kind in SandboxDocumentKind.allCases {
            let book = books[kind]!
            root.append(kind.rawValue, .object([
                "next_dockey": .int(book.counters.nextDockey),
                "next_dtlkey": .int(book.counters.nextDtlkey),
                "next_number": .int(book.counters.nextNumber),
                "records": .array(book.order.map { .object(book.records[$0]!) }),
            ]))
        }
        // The masters created through the API (the seed's are not repeated: the seed file holds them).
        for resource in Self.creatableResources {
            root.append(resource.rawValue, .object(["records": .array((masters.created[resource] ?? []).map(JSONValue.object))]))
        }
        var bytes = JSONWriter.prettyBytes(.object(root))
        bytes.append(UInt8(ascii: "\n"))
        try AtomicFile.write(bytes, to: statePath)
    }

    /// Loads `statePath` if it exists (a missing file is an empty sandbox).
    func loadState() throws {
        guard let statePath, FileManager.default.fileExists(atPath: statePath) else { return }
        func fail(_ message: String) -> SandboxStateError { SandboxStateError(path: statePath, message: message) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: statePath)) } catch {
            throw fail("cannot read it: \(error.localizedDescription)")
        }
        let root: JSONValue
        do { root = try JSONParser.parse(Array(data)) } catch { throw fail("it is not valid JSON: \(error)") }
        guard root["format"]?.stringValue == Self.stateFormat else {
            throw fail("it is not a sandbox state file (no \"format\": \"\(Self.stateFormat)\")")
        }
        var loaded: [SandboxDocumentKind: DocumentBook] = [:]
        for kind in SandboxDocumentKind.allCases {
            var book = DocumentBook()
            guard let section = root[kind.rawValue]?.objectValue else {
                loaded[kind] = book
                continue
            }
            func int(_ key: String) throws -> Int {
                guard let value = Int(Fields.filterText(section[key]) ?? "") else { throw fail("\(kind.rawValue).\(key) is missing") }
                return value
            }
            book.counters.nextDockey = try int("next_dockey")
            book.counters.nextDtlkey = try int("next_dtlkey")
            book.counters.nextNumber = try int("next_number")
            for (index, value) in (section["records"]?.arrayValue ?? []).enumerated() {
                guard let record = value.objectValue, let dockey = Int(Fields.filterText(record["dockey"]) ?? ""),
                      record["docno"]?.stringValue != nil else {
                    throw fail("\(kind.rawValue).records[\(index)] has no dockey or docno")
                }
                guard book.records[dockey] == nil else { throw fail("\(kind.rawValue) dockey \(dockey) appears twice") }
                book.store(record, dockey: dockey)
                book.counters.nextDockey = max(book.counters.nextDockey, dockey + 1)
            }
            loaded[kind] = book
        }
        // Created masters first in the file's order; a state file written before masters could be created has none.
        var loadedMasters = Masters(seed: masters.seed)
        for resource in Self.creatableResources {
            for (index, value) in (root[resource.rawValue]?["records"]?.arrayValue ?? []).enumerated() {
                guard let record = value.objectValue, let code = record["code"]?.stringValue, !code.isEmpty else {
                    throw fail("\(resource.rawValue).records[\(index)] has no code")
                }
                let exists = resource == .customer ? loadedMasters.customers[code] != nil : loadedMasters.items[code] != nil
                guard !exists else { throw fail("\(resource.rawValue) '\(code)' appears twice (or is also in the seed)") }
                loadedMasters.register(resource, record)
            }
        }
        masters = loadedMasters
        books = loaded
        // Derived, so not in the file: recounted from every document's knock-offs (a state file written before
        // credit notes and refunds has no sections for them, and loads as none).
        var totals: DocumentRules.Contributions = [:]
        for kind in SandboxDocumentKind.allCases {
            for record in loaded[kind]!.records.values {
                for (target, amount) in DocumentRules.contributions(of: kind, record) {
                    totals[target] = (totals[target] ?? .zero).adding(amount) ?? .largest
                }
            }
        }
        knockedOff = totals
        var receipts: Receipts = [:]
        for record in loaded[.purchaseGoodsReceived]!.records.values {
            for (key, quantity) in DocumentRules.receipts(of: .purchaseGoodsReceived, record) {
                receipts[key] = Quantity.sum(receipts[key] ?? Quantity.zero, quantity) ?? receipts[key]
            }
        }
        received = receipts
    }
}

/// A state file that cannot be loaded.
public struct SandboxStateError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String { "sandbox state file \(path): \(message)" }
}
