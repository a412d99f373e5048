import Foundation
import LedgerCore
import LedgerJSON

/// One record of an orders file: a decoded order, or the reasons it could not be read.
public struct OrderRecord: Sendable {
    /// `file:line` where the record starts.
    public var location: SourceLocation
    public var result: Result<Order, OrderDecoder.Failure>
    /// The raw JSON, kept so unknown platform fields travel with the order record.
    public var raw: JSONValue?

    public init(location: SourceLocation, result: Result<Order, OrderDecoder.Failure>, raw: JSONValue?) {
        self.location = location
        self.result = result
        self.raw = raw
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
    public func next() throws -> OrderRecord? {
        guard let reader else { return try producer?() }
        let record: JSONRecord?
        do {
            record = try reader.next()
        } catch {
            throw Diagnostic.error("reading '\(displayPath)' failed: \(error)", at: SourceLocation(file: displayPath), code: "unreadable-file")
        }
        guard let record else { return nil }
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
