import Foundation
import LedgerCore
import LedgerJSON

/// One record of an orders file: a decoded order, or the reasons it could not be read.
public struct OrderRecord: Sendable {
    /// `file:line` where the record starts.
    public var location: SourceLocation
    public var result: Result<Order, OrderDecoder.Failure>
    /// The raw JSON, kept so unknown platform fields travel with the order record. A record decoded straight from
    /// its bytes keeps the bytes instead and parses them here, so a reader that never asks never builds the tree.
    public var raw: JSONValue? {
        get { parsedRaw ?? unparsedRaw.flatMap { try? JSONParser.parse($0) } }
        set {
            parsedRaw = newValue
            unparsedRaw = nil
        }
    }
    private var parsedRaw: JSONValue?
    /// One record's JSON text, already known to parse (the fast decoder took it); tests read it to see which way a
    /// record went.
    private(set) var unparsedRaw: [UInt8]?

    /// The order's id, or for a record that could not be read, what names it.
    public var orderID: String {
        switch result {
        case .success(let order): return order.id
        case .failure(let failure): return failure.orderID
        }
    }

    public init(location: SourceLocation, result: Result<Order, OrderDecoder.Failure>, raw: JSONValue?) {
        self.location = location
        self.result = result
        self.parsedRaw = raw
    }

    init(location: SourceLocation, order: Order, unparsedRaw: [UInt8]?) {
        self.location = location
        self.result = .success(order)
        self.unparsedRaw = unparsedRaw
    }
}

/// Streams canonical orders from a JSON Lines file or a JSON array file, one record at a time, so
/// memory stays flat however many orders the file holds. This is the only place order JSON is read.
/// An order export read through an import mapping (OrderImport) arrives here too, as a producer of records.
public final class OrderSource {
    private let reader: JSONRecordReader?
    private let producer: (() throws -> OrderRecord?)?
    private let displayPath: String
    private let decoder = OrderDecoder()
    /// Whether JSON Lines records go through `OrderByteDecoder` first; off only in tests, to compare with the full way.
    var decodesLinesDirectly = true

    /// Throws a diagnostic naming the file when it cannot be opened.
    public init(path: String, displayPath: String? = nil) throws {
        self.displayPath = displayPath ?? path
        do {
            reader = try JSONRecordReader(path: path)
            producer = nil
        } catch {
            throw Diagnostic.error("cannot read orders file '\(displayPath ?? path)': \(error); check --orders", at: SourceLocation(file: displayPath ?? path), code: "unreadable-file")
        }
    }

    public init(bytes: [UInt8], displayPath: String) {
        self.displayPath = displayPath
        reader = JSONRecordReader(bytes: bytes)
        producer = nil
    }

    /// Records made elsewhere (an order export through its import mapping); `next` throws only for a whole-file problem.
    public init(displayPath: String, producer: @escaping () throws -> OrderRecord?) {
        self.displayPath = displayPath
        reader = nil
        self.producer = producer
    }

    /// The next order record, nil at the end; a read error (not a bad record) throws a diagnostic.
    public func next() throws -> OrderRecord? { try next(keepingRaw: true) }

    /// A JSON Lines record in the usual shape is decoded straight from its bytes (`OrderByteDecoder`); any other goes
    /// the full way, parsed and then decoded, which alone explains problems. Without `keepingRaw` a record decoded
    /// straight from its bytes keeps no copy of them for `raw`.
    private func next(keepingRaw: Bool) throws -> OrderRecord? {
        guard let reader else { return try producer?() }
        var taken: OrderRecord?
        let step: JSONRecordReader.Step
        do {
            step = try reader.next(offeringLinesTo: { bytes, line in
                guard decodesLinesDirectly, let order = OrderByteDecoder.decode(bytes, maxDepth: reader.maxDepth) else { return false }
                taken = OrderRecord(location: SourceLocation(file: displayPath, line: line), order: order,
                                    unparsedRaw: keepingRaw ? Array(bytes) : nil)
                return true
            })
        } catch {
            throw Diagnostic.error("reading '\(displayPath)' failed: \(error)", at: SourceLocation(file: displayPath), code: "unreadable-file")
        }
        let record: JSONRecord
        switch step {
        case .end: return nil
        case .taken: return taken.take()  // set by `take`, which took the line
        case .parsed(let parsed): record = parsed
        }
        let location = SourceLocation(file: displayPath, line: record.line)
        switch record.result {
        case .success(let value):
            return OrderRecord(location: location, result: decoder.decode(value, at: location), raw: value)
        case .failure(let syntax):
            let at = SourceLocation(file: displayPath, line: syntax.line, column: syntax.column)
            // A truncated line often still shows its id; name the order when it does.
            let id = record.failedText.flatMap(Self.leadingOrderID)
            let who = id.map { "order \($0) (record \(record.index + 1))" } ?? "record \(record.index + 1)"
            let diagnostic = Diagnostic.error("\(who) is not valid JSON: \(syntax.message); fix or remove this line", at: at, code: "invalid-json")
            return OrderRecord(location: at, result: .failure(OrderDecoder.Failure(orderID: id ?? "record \(record.index + 1) (line \(syntax.line))", diagnostics: [diagnostic])), raw: nil)
        }
    }

    /// The value of the first `"id": "…"` in a broken record's text, if it is there intact.
    static func leadingOrderID(_ text: String) -> String? {
        guard let key = text.range(of: "\"id\"") else { return nil }
        var rest = text[key.upperBound...].drop { $0 == " " || $0 == "\t" }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
        guard rest.first == "\"" else { return nil }
        rest = rest.dropFirst()
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let id = String(rest[..<end])
        return id.isEmpty || id.contains("\\") ? nil : id
    }

    public func forEach(_ body: (OrderRecord) throws -> Void) throws {
        while let record = try next() { try body(record) }
    }

    /// `forEach`, with reading, parsing and decoding done on a second thread up to `batchesAhead` batches of
    /// `batchSize` records ahead of `body`, so a transform's rules and output overlap with the decoding of the orders
    /// after them. Records reach `body` in file order, on the calling thread; a read error is thrown once the records
    /// before it have been handled, as `forEach` does. Records come without `raw` unless `keepRaw` (the transform never
    /// reads it, and dropping it on the reading thread keeps its memory off the other one). Records made by a producer
    /// (an order export) are read on the calling thread, as `forEach` reads them.
    public func forEachReadingAhead(batchSize: Int = 512, batchesAhead: Int = 8, keepRaw: Bool = false,
                                    _ body: (OrderRecord) throws -> Void) throws {
        guard reader != nil else { return try forEach(body) }
        let queue = BatchPipe<OrderRecord>(capacity: max(1, batchesAhead))
        let size = max(1, batchSize)
        let thread = Thread { [self] in
            var batch: [OrderRecord] = []
            batch.reserveCapacity(size)
            do {
                while var record = try self.next(keepingRaw: keepRaw) {
                    if !keepRaw { record.raw = nil }
                    batch.append(record)
                    if batch.count == size {
                        // The batches given back are freed here, on the thread that allocated their records.
                        let (accepted, _) = queue.put(batch)
                        guard accepted else { break }
                        batch = []
                        batch.reserveCapacity(size)
                    }
                }
                queue.finish(batch, failure: nil)
            } catch {
                queue.finish(batch, failure: error)
            }
        }
        // The parser recurses once per nesting level (up to JSONParser.defaultMaxDepth): give it a main thread's stack.
        thread.stackSize = 8 << 20
        thread.start()
        // However `body` ends, the reading thread stops and is gone before this returns: the source is not shared after.
        defer { queue.cancelAndWait() }
        while let batch = queue.take() {
            // Through the buffer, each record is lent to `body` in place; iterating the array would copy each one.
            try batch.withUnsafeBufferPointer { records in
                for index in records.indices { try body(records[index]) }
            }
            queue.giveBack(batch)
        }
        if let failure = queue.failure { throw failure }
    }
}

/// The hand-over between two threads of a pipeline (`forEachReadingAhead`, the transform's output): a bounded FIFO of
/// batches, one thread putting, one taking.
public final class BatchPipe<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [[Element]] = []
    private let capacity: Int
    private var finished = false
    private var cancelled = false
    private var readerDone = false
    /// Batches the taking thread is done with, freed by the putting thread: memory goes back to the thread (and malloc
    /// arena) that allocated it, rather than two threads contending for one arena's lock on every free.
    private var givenBack: [[Element]] = []
    /// The error that ended the putting thread, handed over after the last batch; set before `finished`.
    public private(set) var failure: Error?

    public init(capacity: Int) { self.capacity = capacity }

    /// Putting thread: waits while the pipe is full; false when the taking thread gave up. Also returns the batches
    /// given back since the last put, for the caller to drop.
    @discardableResult
    public func put(_ batch: [Element]) -> (accepted: Bool, givenBack: [[Element]]) {
        condition.lock()
        while batches.count >= capacity && !cancelled { condition.wait() }
        let accepted = !cancelled
        if accepted { batches.append(batch) }
        let done = givenBack
        givenBack = []
        condition.signal()
        condition.unlock()
        return (accepted, done)
    }

    /// Taking thread: a batch it has finished with, to be freed by the putting thread at its next `put`.
    public func giveBack(_ batch: [Element]) {
        condition.lock()
        givenBack.append(batch)
        condition.unlock()
    }

    /// Putting thread: the last batch, then the end (or the error that ended it).
    public func finish(_ batch: [Element], failure: Error?) {
        condition.lock()
        if !batch.isEmpty && !cancelled { batches.append(batch) }
        self.failure = failure
        finished = true
        readerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// Taking thread: the next batch in order, nil once the putting thread has finished and every batch was taken.
    public func take() -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Taking thread: stops the putting thread (if it is still going) and waits until it has finished.
    public func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !readerDone { condition.wait() }
        batches.removeAll()
        condition.unlock()
    }
}


/// Buffered output of JSON values, one per line, to stdout or a file: the only place documents are written.
public final class JSONLinesWriter {
    private var buffer: [UInt8] = []
    private let handle: FileHandle
    private let flushThreshold = 1 << 16

    public init(handle: FileHandle = .standardOutput) {
        self.handle = handle
        buffer.reserveCapacity(flushThreshold * 2)
    }

    public func write(_ value: JSONValue) {
        JSONWriter.appendCompact(value, to: &buffer)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= flushThreshold { flush() }
    }

    public func writeText(_ text: String) {
        buffer.append(contentsOf: Array(text.utf8))
        if buffer.count >= flushThreshold { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
