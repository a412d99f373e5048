import Foundation
import LedgerCore
import LedgerJSON
import PurchaseOrders
import RulePack
import SQLAccount
import Spreadsheets
import StateStore
import Sync

/// `ledgersync po receive FILE`: the goods the store received against purchase orders, sent to SQL Accounting as
/// one goods received note per purchase order (its lines transferred from the PO's), each exactly once.
public struct GoodsReceivedRequest: Sendable {
    public var packDirectory: String
    public var statePath: String?
    public var endpoint: String?
    public var filePath: String
    /// The date of rows without one (YYYY-MM-DD).
    public var today: CalendarDate

    public init(packDirectory: String, statePath: String?, endpoint: String?, filePath: String, today: CalendarDate) {
        self.packDirectory = packDirectory
        self.statePath = statePath
        self.endpoint = endpoint
        self.filePath = filePath
        self.today = today
    }
}

public struct GoodsReceivedReport: CommandResult, Sendable {
    public struct Note: Sendable {
        public var poNumber: String
        public var rows: String
        public var idempotencyKey: String
        public var lines: Int
        /// What happened: created, adopted, already sent before, failed, or why it was not sent.
        public var outcome: String
        public var succeeded: Bool
        /// After the send: whether SQL Accounting now has the whole purchase order received.
        public var closesOrder: Bool?
    }

    public var notes: [Note] = []
    /// Rows that could not be used, each `file:row: message`; their purchase order is not sent.
    public var errors: [String] = []

    public var exitStatus: Int32 { errors.isEmpty && notes.allSatisfy(\.succeeded) ? ExitStatus.success : ExitStatus.failure }
}

public enum GoodsReceivedUseCases {
    static let goodsReceived = SQLAccountResource("purchasegoodsreceived")

    struct Row {
        var number: Int
        var poNumber: String
        var sku: String
        var qty: FixedDecimal
        var date: String?
        var reference: String
    }

    public static func receive(_ request: GoodsReceivedRequest, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(CommandFailure) -> GoodsReceivedReport {
        let (graph, settings, client) = try PurchaseOrderUseCases.prepare(PurchaseOrderRequest(packDirectory: request.packDirectory, statePath: request.statePath,
                                                                                              endpoint: request.endpoint), environment: environment)
        var report = GoodsReceivedReport()
        let rows = try read(request.filePath, errors: &report.errors)
        let state = try reporting { try StateStore(path: StateLocation.resolve(request.statePath, environment: environment)) }
        let lock = try reporting { try StateLock.acquire(statePath: state.path, command: "ledgersync po receive", wait: true) { _ in } }
        defer { lock.release() }
        let file = (request.filePath as NSString).lastPathComponent
        let passedOn = Dictionary(try reporting { try state.purchaseOrders() }.values.map { ($0.docno, $0) }) { first, _ in first }
        let skus = PurchaseOrderConverter.skuIndex(pack: graph.pack, store: settings.store?.value)
        var byPO: [String: [Row]] = [:]
        var order: [String] = []
        for row in rows {
            if byPO[row.poNumber] == nil { order.append(row.poNumber) }
            byPO[row.poNumber, default: []].append(row)
        }
        for poNumber in order {
            let poRows = byPO[poNumber] ?? []
            let rowList = poRows.map { String($0.number) }.joined(separator: ", ")
            guard let recorded = passedOn[poNumber] else {
                let known = passedOn.keys.sorted()
                let hint = Suggest.closest(to: poNumber, in: known).map { "; did you mean '\($0)'?" } ?? ""
                report.errors.append("\(file):\(poRows[0].number): purchase order '\(poNumber)' was never passed on to the store (ledgersync po apply)\(hint); its rows (\(rowList)) are not sent")
                continue
            }
            do {
                try await receiveOne(poNumber: poNumber, dockey: recorded.dockey, rows: poRows, file: file, settings: settings, skus: skus, client: client,
                                     state: state, today: request.today, report: &report)
            } catch {
                report.errors.append("\(file): purchase order \(poNumber): \(error)")
            }
        }
        return report
    }

    /// One purchase order's goods received note: built from SQL's current purchase order, sent once.
    static func receiveOne(poNumber: String, dockey: Int64, rows: [Row], file: String, settings: PurchaseOrderSettings, skus: [String: String],
                           client: SQLAccountClient, state: StateStore, today: CalendarDate, report: inout GoodsReceivedReport) async throws {
        let rowList = rows.map { String($0.number) }.joined(separator: ", ")
        guard let record = try await client.get(PurchaseOrderUseCases.resource, dockey: Int(dockey)) else {
            report.errors.append("\(file):\(rows[0].number): purchase order \(poNumber) (dockey \(dockey)) is no longer in SQL Accounting; its rows (\(rowList)) are not sent")
            return
        }
        let read = SQLPurchaseOrder.read(record.object)
        guard let order = read.order else {
            report.errors.append("\(file):\(rows[0].number): " + read.problems.joined(separator: "; "))
            return
        }
        let bySKU = Dictionary(skus.map { ($0.value, $0.key) }) { first, _ in first }
        var lines: [JSONValue] = []
        var problems: [String] = []
        var remaining = Dictionary(order.lines.map { ($0.dtlkey, $0) }) { first, _ in first }
        var baseUOMs: [String: String] = [:]
        for row in rows {
            let itemCode = bySKU[row.sku] ?? row.sku
            guard let line = order.lines.first(where: { $0.itemCode == itemCode && remaining[$0.dtlkey] != nil }) else {
                let onPO = order.lines.map { skus[$0.itemCode] ?? $0.itemCode }
                problems.append("\(file):\(row.number): '\(row.sku)' is not on purchase order \(poNumber) (its lines: \(onPO.joined(separator: ", ")))")
                continue
            }
            remaining[line.dtlkey] = nil
            // The store counts in what it was given: the base UOM when the line was converted, else the PO's.
            var uom = line.uom
            if settings.converts(itemCode: itemCode).value {
                if baseUOMs[itemCode] == nil, let item = try await client.get(.stockItem, code: itemCode) {
                    baseUOMs[itemCode] = ItemUOMRates(stockItems: [item.object]).baseUOM(of: itemCode)
                }
                uom = baseUOMs[itemCode] ?? line.uom
            }
            var detail = JSONObject()
            detail.append("seq", .int(lines.count + 1))
            detail.append("itemcode", .string(itemCode))
            detail.append("qty", .string(row.qty.description))
            detail.append("uom", .string(uom))
            if !line.location.isEmpty { detail.append("location", .string(line.location)) }
            detail.append("fromdoctype", .string("PO"))
            detail.append("fromdockey", .int(Int(dockey)))
            detail.append("fromdtlkey", .int(Int(line.dtlkey)))
            lines.append(.object(detail))
        }
        guard problems.isEmpty else {
            report.errors += problems.map { $0 + "; nothing of purchase order \(poNumber) is sent" }
            return
        }
        let reference = rows.first { !$0.reference.isEmpty }?.reference
        let fingerprint = ContentHash.hex(poNumber + "|" + rows.map { "\($0.sku)=\($0.qty.description)@\($0.date ?? "")" }.joined(separator: ";")).prefix(8)
        let key = "LS-GR-\(poNumber)-\(reference ?? String(fingerprint))"
        let date = rows.compactMap(\.date).max() ?? today.description
        var payload = JSONObject()
        payload.append("docno", .string(""))
        payload.append("docdate", .string(date))
        payload.append("postdate", .string(date))
        payload.append("code", .string(order.supplier))
        payload.append("description", .string(String("Goods received for \(poNumber) (\(file))".prefix(FieldLimits.invoiceHeader("description")?.maxLength ?? 200))))
        payload.append("docref1", .string(String(key.prefix(FieldLimits.invoiceHeader("docref1")?.maxLength ?? 40))))
        payload.append("sdsdocdetail", .array(lines))
        let planned = StoredGoodsReceived(poDockey: dockey, poDocno: poNumber, idempotencyKey: payload["docref1"]?.stringValue ?? key,
                                          payloadJSON: JSONWriter.compactString(.object(payload)), source: "\(file) rows \(rowList)")
        let stored = try state.recordGoodsReceived(planned)
        var note = GoodsReceivedReport.Note(poNumber: poNumber, rows: rowList, idempotencyKey: stored.idempotencyKey, lines: lines.count, outcome: "", succeeded: true)
        if stored.state == .created {
            note.outcome = "received before as \(stored.remoteDocno ?? "dockey \(stored.remoteDockey ?? 0)") (\(stored.source)); nothing sent"
            report.notes.append(note)
            return
        }
        guard let id = stored.id else { return }
        let sentPayload = (try? JSONParser.parse(stored.payloadJSON))?.objectValue ?? payload
        let engine = SyncEngine(ledger: GoodsReceivedLedger(store: state), client: client, options: SyncOptions(concurrency: 1), resource: goodsReceived)
        let result = await engine.sync(taskID: 0, items: [SyncItem(documentID: id, orderID: poNumber, idempotencyKey: stored.idempotencyKey, payload: sentPayload,
                                                                    writeBackDocno: false)]).first?.outcome ?? .skipped(reason: engine.stopReason ?? "not sent")
        switch result {
        case .created(let docno, let dockey): note.outcome = "created \(docno ?? "dockey \(dockey)")"
        case .adopted(let docno, let dockey, _): note.outcome = "found in SQL Accounting as \(docno ?? "dockey \(dockey)") and adopted, not sent again"
        case .failed(let message): note.outcome = "failed: \(message)"
        case .unknown(let message): note.outcome = "in doubt: \(message); the next po receive of this file looks it up first"
        case .skipped(let reason): note.outcome = "not sent: \(reason)"
        }
        note.succeeded = result.isSuccess
        if result.isSuccess, let after = try await client.get(PurchaseOrderUseCases.resource, dockey: Int(dockey)) {
            note.closesOrder = after["status"]?.stringValue == "closed" || after["transferable"]?.boolValue == false
        }
        report.notes.append(note)
    }

    /// The goods-received file: CSV, xlsx or JSON Lines with `po_number`, `sku` (or `item_code`), `qty`, and optionally
    /// `date` and `reference`. A bad row is an error at its row; the others are read.
    static func read(_ path: String, errors: inout [String]) throws(CommandFailure) -> [Row] {
        let file = (path as NSString).lastPathComponent
        var rows: [Row] = []
        func add(_ number: Int, _ values: [String: String]) {
            let po = values["po_number"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let sku = (values["sku"] ?? values["item_code"] ?? "").trimmingCharacters(in: .whitespaces)
            let qtyText = values["qty"]?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !po.isEmpty else { errors.append("\(file):\(number): po_number is empty"); return }
            guard !sku.isEmpty else { errors.append("\(file):\(number): sku (or item_code) is empty"); return }
            guard let qty = FixedDecimal(parsing: qtyText, maxScale: 4), qty.units > 0 else {
                errors.append("\(file):\(number): qty '\(qtyText)' is not a positive number")
                return
            }
            var date: String?
            if let text = values["date"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                guard let parsed = CalendarDate(parsing: String(text.prefix(10))) else {
                    errors.append("\(file):\(number): date '\(text)' is not a date (YYYY-MM-DD)")
                    return
                }
                date = parsed.description
            }
            rows.append(Row(number: number, poNumber: po, sku: sku, qty: qty, date: date, reference: values["reference"]?.trimmingCharacters(in: .whitespaces) ?? ""))
        }
        if (path as NSString).pathExtension.lowercased() == "jsonl" {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .message("cannot read \(path)") }
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let object = (try? JSONParser.parse(String(line)))?.objectValue else {
                    errors.append("\(file):\(index + 1): not a JSON object")
                    continue
                }
                var values: [String: String] = [:]
                for (key, value) in object.entries {
                    switch value {
                    case .string(let text): values[key] = text
                    case .number(let text): values[key] = text
                    default: break
                    }
                }
                add(index + 1, values)
            }
            return rows
        }
        do {
            let reader = try SpreadsheetReader(path: path)
            let sheetRows = Array(try reader.rows())
            let header = try HeaderFinder.find(required: ["po_number", "qty"], in: sheetRows)
            guard header.index(of: "sku") != nil || header.index(of: "item_code") != nil else {
                throw CommandFailure.message("\(file):\(header.rowNumber): the header has no sku (or item_code) column")
            }
            for row in sheetRows where row.number > header.rowNumber && !row.isEmpty {
                var values: [String: String] = [:]
                for name in ["po_number", "sku", "item_code", "qty", "date", "reference"] {
                    if let column = header.index(of: name) { values[name] = row[column].text }
                }
                add(row.number, values)
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw .message("\(error)")
        }
        return rows
    }
}

/// Goods received notes: the state store's `goods_received`.
struct GoodsReceivedLedger: SyncLedger {
    let store: StateStore

    func state(of documentID: Int64) throws -> DocumentState? { try store.goodsReceived(documentID)?.state }

    func transition(documentID: Int64, to transition: DocumentTransition, taskID: Int64?, attempt: AttemptRecord?,
                    finishing attemptID: Int64?, writeBackDocno: Bool, now: Date) throws -> Int64? {
        try store.transitionGoodsReceived(documentID, to: transition, attempt: attempt, finishing: attemptID, taskID: nil, now: now)
    }
}

public enum GoodsReceivedRendering {
    public static func render(_ report: GoodsReceivedReport, format: OutputFormat) -> Rendered {
        guard format == .text else {
            var object = JSONObject()
            object.append("format_version", .int(1))
            object.append("goods_received", .array(report.notes.map { note in
                var item = JSONObject()
                item.append("po_number", .string(note.poNumber))
                item.append("idempotency_key", .string(note.idempotencyKey))
                item.append("rows", .string(note.rows))
                item.append("outcome", .string(note.outcome))
                if let closes = note.closesOrder { item.append("po_closed", .bool(closes)) }
                return .object(item)
            }))
            object.append("errors", .array(report.errors.map(JSONValue.string)))
            return .document(.object(object))
        }
        var out = ""
        for note in report.notes {
            let symbol = note.succeeded ? (note.outcome.hasPrefix("received before") ? "=" : "+") : "!"
            out += "\(symbol) \(note.poNumber)  \(note.lines) line\(note.lines == 1 ? "" : "s") (rows \(note.rows)): \(note.outcome)"
            if let closes = note.closesOrder { out += closes ? "; the purchase order is now fully received" : "; the purchase order still awaits goods" }
            out += "\n"
        }
        for error in report.errors { out += "error: \(error)\n" }
        let sent = report.notes.filter { $0.succeeded && !$0.outcome.hasPrefix("received before") }.count
        out += "Received: \(sent) goods received note\(sent == 1 ? "" : "s") sent, \(report.notes.count - sent) not (already sent or failed), \(report.errors.count) error\(report.errors.count == 1 ? "" : "s").\n"
        return .text(out)
    }
}

extension Workflows {
    public static func goodsReceived(_ request: GoodsReceivedRequest, format: OutputFormat, console: Console,
                                     environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        await respond(format: format, console: console, render: { GoodsReceivedRendering.render($0, format: format) }) {
            try await GoodsReceivedUseCases.receive(request, environment: environment)
        }
    }
}
