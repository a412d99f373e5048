import Foundation
import GRDB

/// Where an imported order stands in the sync.
public enum OrderSyncStatus: String, Codable, CaseIterable, Sendable {
    case pending, completed, failed, excluded
}

/// One order as the state store keeps it.
public struct StoredOrder: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "orders"

    public var id: String
    public var store: String
    public var channel: String
    public var orderNumber: String
    public var rawJSON: String
    public var contentHash: String
    public var revision: Int
    public var status: OrderSyncStatus
    public var changedAfterSync: Bool
    public var importedAt: String
    public var updatedAt: String
    public var sqlDocno: String?
    public var sqlDockey: Int64?
    public var lastError: String?
    public var taskID: Int64?
    public var excludedReason: String?
    /// The day it was placed, `YYYY-MM-DD` in Malaysia time; nil for an order whose date could not be read.
    public var orderedOn: String?

    enum CodingKeys: String, CodingKey {
        case id, store, channel, revision, status
        case orderedOn = "ordered_on"
        case orderNumber = "order_number", rawJSON = "raw_json", contentHash = "content_hash"
        case changedAfterSync = "changed_after_sync", importedAt = "imported_at", updatedAt = "updated_at"
        case sqlDocno = "sql_docno", sqlDockey = "sql_dockey", lastError = "last_error", taskID = "task_id"
        case excludedReason = "excluded_reason"
    }
}

/// One order as it is handed to the store to import.
public struct OrderImport: Sendable {
    public var id: String
    public var store: String
    public var channel: String
    public var orderNumber: String
    public var rawJSON: String
    /// `YYYY-MM-DD` in Malaysia time.
    public var orderedOn: String?

    public init(id: String, store: String, channel: String, orderNumber: String, rawJSON: String, orderedOn: String? = nil) {
        self.id = id
        self.store = store
        self.channel = channel
        self.orderNumber = orderNumber
        self.rawJSON = rawJSON
        self.orderedOn = orderedOn
    }
}

/// What importing one order did.
public enum ImportResult: String, Sendable {
    /// First time this order id was seen: recorded as pending.
    case new
    /// Same content as before: nothing changed.
    case unchanged
    /// The order's content differs from what was imported before: a new revision.
    case changed
}

/// The local SQLite record of imported orders, tasks, documents and every sync attempt.
/// It holds no secrets; the file is created readable by its owner only.
public final class StateStore: @unchecked Sendable {
    public let path: String
    /// A pool (WAL) for the stores that are written; one read-only connection for `openReadOnly`.
    let database: any DatabaseWriter
    /// Opened by `openReadOnly`: every write fails, and the schema is the one the file has, not brought up to date.
    public let isReadOnly: Bool

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        if !FileManager.default.fileExists(atPath: path) {
            // Created before SQLite opens it, so the database and its WAL files are owner-only from the start.
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw StateStoreError.cannotCreate(path)
            }
        }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Another ledgersync process may hold the write lock for a moment; wait rather than fail.
        configuration.busyMode = .timeout(10)
        database = try DatabasePool(path: path, configuration: configuration)
        isReadOnly = false
        try Schema.migrator.migrate(database)
    }

    private init(path: String, readOnlyConnection: DatabaseQueue) {
        self.path = path
        database = readOnlyConnection
        isReadOnly = true
    }

    /// Opens an existing store only to read it, for a preview that must change nothing: no file is created, no
    /// migration runs (the schema is the one the file has — ask `hasTable` before reading a newer table) and every
    /// write fails. The file stays byte-identical.
    ///
    /// SQLite would create the `-wal` and `-shm` files beside a WAL database even for a read-only connection. When
    /// there is no `-wal` file — no other process has the store open, its last user checkpointed and removed it — the
    /// file is opened as immutable (no locks, no side files); otherwise the side files exist already and an ordinary
    /// read-only connection reads through them, uncommitted writes of a running apply excluded. Nil when `path` is
    /// not a file.
    public static func openReadOnly(path: String) throws -> StateStore? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        if !FileManager.default.fileExists(atPath: path + "-wal"),
           let queue = try? DatabaseQueue(path: immutableURI(path), configuration: configuration),
           (try? queue.read({ db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") })) != nil {
            return StateStore(path: path, readOnlyConnection: queue)
        }
        // SQLite built without URI file names: the URI named no file, and created none (read-only never creates).
        return StateStore(path: path, readOnlyConnection: try DatabaseQueue(path: path, configuration: configuration))
    }

    /// `file:/abs/path?immutable=1`, with the characters a URI gives meaning to escaped.
    static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var escaped = ""
        for character in absolute.unicodeScalars {
            switch character {
            case "%", "?", "#": escaped += String(format: "%%%02X", character.value)
            default: escaped.unicodeScalars.append(character)
            }
        }
        return "file:" + escaped + "?immutable=1"
    }

    /// Whether the store's schema has `table` (a read-only store keeps the schema of the release that wrote it).
    public func hasTable(_ table: String) throws -> Bool {
        try database.read { db in try db.tableExists(table) }
    }

    /// The names of the migrations applied to this file, oldest first.
    public func appliedMigrations() throws -> [String] {
        try database.read { db in try Schema.migrator.appliedMigrations(db) }
    }

    /// Records an order as pending, or notes that it changed. Idempotent for identical content.
    @discardableResult
    public func importOrder(id: String, store: String, channel: String, orderNumber: String, rawJSON: String, now: Date = Date()) throws -> ImportResult {
        try importOrders([OrderImport(id: id, store: store, channel: channel, orderNumber: orderNumber, rawJSON: rawJSON)], now: now)[0]
    }

    /// Records many orders in one transaction, each as `importOrder` would: a large file is imported a chunk per
    /// commit rather than an order per commit. All or none of the chunk is recorded.
    public func importOrders(_ orders: [OrderImport], now: Date = Date()) throws -> [ImportResult] {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            try orders.map { try Self.importOrder($0, hash: ContentHash.hex($0.rawJSON), stamp: stamp, db) }
        }
    }

    private static func importOrder(_ imported: OrderImport, hash: String, stamp: String, _ db: Database) throws -> ImportResult {
        if var existing = try StoredOrder.fetchOne(db, key: imported.id) {
            guard existing.contentHash != hash else { return .unchanged }
            existing.rawJSON = imported.rawJSON
            existing.contentHash = hash
            existing.revision += 1
            existing.store = imported.store
            existing.channel = imported.channel
            existing.orderNumber = imported.orderNumber
            existing.orderedOn = imported.orderedOn
            existing.updatedAt = stamp
            // A synced order that changes must be planned as an update or cancel, never a second invoice.
            if existing.status == .completed { existing.changedAfterSync = true } else { existing.status = .pending }
            try existing.update(db)
            return .changed
        }
        let order = StoredOrder(id: imported.id, store: imported.store, channel: imported.channel, orderNumber: imported.orderNumber,
                                rawJSON: imported.rawJSON, contentHash: hash, revision: 1, status: .pending, changedAfterSync: false,
                                importedAt: stamp, updatedAt: stamp, sqlDocno: nil, sqlDockey: nil, lastError: nil, taskID: nil,
                                excludedReason: nil, orderedOn: imported.orderedOn)
        try order.insert(db)
        return .new
    }

    public func order(_ id: String) throws -> StoredOrder? {
        try database.read { db in try StoredOrder.fetchOne(db, key: id) }
    }

    /// The orders a settlement report means by `reference`: reports carry the channel's order number
    /// (`order_number`), so that is looked up first within the channel; the omnichannel id is the fallback. More than
    /// one order means two stores of the channel share the number.
    public func orders(channel: String, settlementOrderID reference: String) throws -> [StoredOrder] {
        try database.read { db in
            let byNumber = try StoredOrder.filter(Column("channel") == channel && Column("order_number") == reference).order(Column("id")).fetchAll(db)
            if !byNumber.isEmpty { return byNumber }
            return try StoredOrder.filter(Column("channel") == channel && Column("id") == reference).fetchAll(db)
        }
    }

    /// Orders filtered by status and store, oldest import first.
    public func orders(status: OrderSyncStatus? = nil, store: String? = nil) throws -> [StoredOrder] {
        try database.read { db in
            var request = StoredOrder.all()
            if let status { request = request.filter(Column("status") == status.rawValue) }
            if let store { request = request.filter(Column("store") == store) }
            return try request.order(Column.rowID).fetchAll(db)
        }
    }

    /// Counts per status, for summaries.
    public func statusCounts() throws -> [OrderSyncStatus: Int] {
        try database.read { db in
            var counts: [OrderSyncStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM orders GROUP BY status") {
                if let status = OrderSyncStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    /// The next number of a named sequence (custom invoice numbers), starting at `start`; atomic across processes.
    public func nextSequenceValue(_ name: String, start: Int) throws -> Int {
        try database.write { db in
            let current = try Int.fetchOne(db, sql: "SELECT next_value FROM sequences WHERE name = ?", arguments: [name])
            let value = current ?? start
            try db.execute(sql: "INSERT INTO sequences(name, next_value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET next_value = excluded.next_value", arguments: [name, value + 1])
            return value
        }
    }

    /// Every sequence whose name starts with `prefix`, keyed by the rest of the name, with its next value.
    public func sequences(prefix: String) throws -> [String: Int] {
        try database.read { db in
            var values: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, next_value FROM sequences WHERE substr(name, 1, ?) = ?", arguments: [prefix.count, prefix]) {
                let name: String = row["name"]
                values[String(name.dropFirst(prefix.count))] = row["next_value"]
            }
            return values
        }
    }

    /// Moves sequences forward to at least the given next values; never back.
    public func advanceSequences(prefix: String, to values: [String: Int]) throws {
        try database.write { db in
            for (name, value) in values {
                try db.execute(sql: "INSERT INTO sequences(name, next_value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET next_value = MAX(next_value, excluded.next_value)", arguments: [prefix + name, value])
            }
        }
    }

    /// Runs `body` in one write transaction: every state change is all-or-nothing.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try database.write(body)
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try database.read(body)
    }
}

public enum StateStoreError: Error, CustomStringConvertible, Equatable {
    case cannotCreate(String)
    case unknownOrder(String)
    case unknownTask(Int64)
    case unknownDocument(Int64)
    case notInTask(orderID: String, taskID: Int64)
    case completedOrder(orderID: String, docno: String?)
    case unknownPayment(Int64)
    /// A task operation that only makes sense for invoice tasks, asked of a receipt task.
    case receiptTask(Int64, operation: ReceiptTaskOperation)
    /// The task holds the credit notes and refunds of returns.
    case returnTask(Int64, operation: ReceiptTaskOperation)

    /// The `tasks` operations a receipt task refuses.
    public enum ReceiptTaskOperation: String, Sendable {
        case retry, edit, remove, cancelRemote = "delete --cancel-remote"
    }
    case unknownMaster(Int64)

    public var description: String {
        switch self {
        case .cannotCreate(let path): return "cannot create the state store at '\(path)'; check the folder exists and is writable, or pass --state"
        case .unknownOrder(let id): return "order '\(id)' is not in the state store; run `ledgersync orders list` to see the imported orders"
        case .unknownTask(let id): return "task \(id) is not in the state store; run `ledgersync tasks list` to see the tasks"
        case .unknownDocument(let id): return "document \(id) is not in the state store"
        case .notInTask(let order, let task): return "order '\(order)' is not in task \(task); run `ledgersync tasks show \(task)` to see its orders"
        case .unknownPayment(let id): return "payment \(id) is not in the state store; run `ledgersync payments list` to see the payments"
        case .receiptTask(let id, let operation):
            let what = "task \(id) holds receipts (customer payments), not invoices"
            switch operation {
            case .retry:
                return "\(what); `tasks retry` transforms orders again — send its failed receipts and O/R numbers again with `ledgersync payments apply`, which looks each receipt up by docref1 first"
            case .edit:
                return "\(what); `tasks edit` edits a failed order's invoice fields — a receipt is built from the settlement and the pack's payments settings: fix those and run `ledgersync payments apply`; record an O/R number with `ledgersync payments set-or`"
            case .remove:
                return "\(what); a receipt is not taken out of its task — `ledgersync payments apply` sends the failed ones again, and `ledgersync tasks delete \(id)` has the next one look them all up again"
            case .cancelRemote:
                return "\(what); --cancel-remote cancels invoices only — cancelling a receipt reopens the invoices it knocks off, so cancel it in SQL Accounting yourself, then `ledgersync tasks delete \(id)`: the next `ledgersync payments apply` sends it again"
            }
        case .returnTask(let id, let operation):
            let what = "task \(id) holds the credit notes and refunds of returns, not invoices"
            switch operation {
            case .retry, .remove:
                return "\(what); `ledgersync apply` sends its failed and in-doubt documents again, looking each up by docref1 first"
            case .edit:
                return "\(what); a credit note is built from the order's returns and the pack's returns settings: fix those and run `ledgersync apply`"
            case .cancelRemote:
                return "\(what); --cancel-remote cancels invoices only — cancel a credit note or refund in SQL Accounting yourself, then `ledgersync tasks delete \(id)`"
            }
        case .unknownMaster(let id): return "master \(id) is not in the state store"
        case .completedOrder(let order, let docno):
            return "order '\(order)' is completed\(docno.map { " (SQL invoice \($0))" } ?? ""); its invoice exists in SQL Accounting, so it cannot go back to pending — delete the task with --cancel-remote to cancel it first"
        }
    }
}

enum Timestamps {
    /// One formatter for the process: making one (an ICU date format underneath) cost more than the rest of
    /// recording an order's state change, and apply records several per order. Formatter calls are serialised by
    /// `lock`, since a formatter is not documented as safe to share between threads.
    private static let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
    private static let lock = NSLock()

    static func iso(_ date: Date) -> String {
        lock.lock()
        defer { lock.unlock() }
        return formatter.string(from: date)
    }
}

/// FNV-1a, 64-bit: detects that an order's content changed. Not a security hash, and need not be.
public enum ContentHash {
    public static func hex(_ text: String) -> String {
        var hasher = Hasher()
        hasher.add(text.utf8)
        return hasher.hex
    }

    /// Reads the file in 1 MiB chunks, so a large settlement report is hashed without holding it.
    /// nil when the file cannot be read.
    public static func hex(fileAt path: String) -> (hex: String, bytes: Int)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = Hasher()
        var total = 0
        do {
            // End of file is nil on Linux and empty data on Darwin.
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.add(chunk)
                total += chunk.count
            }
        } catch {
            return nil
        }
        return (hasher.hex, total)
    }

    struct Hasher {
        private var hash: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }

        /// A file's chunk through its buffer: the generic walk over `Data` costs several times as much per byte.
        mutating func add(_ data: Data) {
            data.withUnsafeBytes { add($0.bindMemory(to: UInt8.self)) }
        }

        var hex: String {
            let digits = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }
}
