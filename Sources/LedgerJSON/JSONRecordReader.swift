#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One record of a JSON Lines or JSON array file.
public struct JSONRecord: Equatable, Sendable {
    /// 0-based number of the record in the file.
    public var index: Int
    /// 1-based line of the file where the record starts.
    public var line: Int
    /// The value, or a syntax error whose line, column and offset are positions in the file.
    public var result: Result<JSONValue, JSONSyntaxError>
    /// For a JSON Lines record that failed to parse: the start of its text (at most 4 KiB), so the
    /// caller can still name what the line was about (e.g. the order id before a truncation).
    public var failedText: String?

    /// Creates a record.
    public init(index: Int, line: Int, result: Result<JSONValue, JSONSyntaxError>, failedText: String? = nil) {
        self.index = index
        self.line = line
        self.result = result
        self.failedText = failedText
    }

    /// Records are equal when position and result are; `failedText` is context for messages only.
    public static func == (a: JSONRecord, b: JSONRecord) -> Bool {
        a.index == b.index && a.line == b.line && a.result == b.result
    }
}

/// How a record file is laid out, detected from its first non-whitespace byte.
public enum JSONRecordFormat: Equatable, Sendable {
    /// One value per line; blank lines are skipped.
    case jsonLines
    /// One top-level array whose elements are the records.
    case array
}

/// A record file that could not be opened or read.
public struct JSONRecordReaderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path as given to the reader.
    public var path: String
    /// What went wrong, naming the path, e.g. "cannot open 'orders.jsonl': No such file or directory".
    public var message: String

    /// "cannot open '...': reason".
    public var description: String { message }
}

/// Streams the records of a JSON Lines file or of a file holding one JSON array, reading in chunks so
/// memory stays proportional to the largest record, not to the number of records.
///
/// A record with a syntax error is yielded as a failure and reading continues with the next line (JSON
/// Lines) or the next array element, as long as the element's end can be found.
/// A file starting with `[` is read as an array, so a JSON Lines file whose records are arrays is not supported.
/// `maxDepth` limits the nesting inside each record.
public final class JSONRecordReader {
    /// Bytes requested from the file per read unless a larger record needs more.
    public static let defaultChunkSize = 1 << 20

    /// The detected layout; nil until the first record is requested, and for a file with no content.
    public private(set) var format: JSONRecordFormat?

    private let source: ByteSource
    private let chunkSize: Int
    /// The nesting limit inside each record; a caller decoding lines itself (`next(offeringLinesTo:)`) keeps to it too.
    public let maxDepth: Int

    /// The bytes of the file from `windowStart` on that have been read and not yet discarded. Managed by
    /// hand so a read can go straight into uninitialised capacity without zero-filling a chunk first.
    private var storage: UnsafeMutablePointer<UInt8>?
    private var storageCapacity = 0
    private var windowCount = 0
    private var windowStart = 0
    private var reachedEndOfFile = false
    /// File offset of the first byte not yet turned into a record; bytes before it may be discarded.
    private var consumed = 0
    /// Line and column bookkeeping for `consumed`.
    private var cursor = LineCursor()
    private var phase = Phase.detectingFormat
    private var nextIndex = 0
    /// JSON Lines: no line break lies between `consumed` and this offset.
    private var lineBreakSearchedUpTo = 0
    /// A record to yield before reading further (a final failure right after a good element).
    private var pendingRecord: JSONRecord?

    private enum Phase {
        case detectingFormat
        case jsonLines
        case beforeArrayElement(afterComma: Bool)
        case afterArray
        case finished
    }

    /// Columns are counted from a checkpoint on the current line, because the line start may
    /// already have been discarded (a compact array file is a single line).
    private struct LineCursor {
        var line = 1
        var checkpoint = 0
        var checkpointColumn = 1
    }

    /// Opens the file at `path`; throws `JSONRecordReaderError` naming the path if it cannot be read.
    public convenience init(
        path: String, chunkSize: Int = defaultChunkSize, maxDepth: Int = JSONParser.defaultMaxDepth
    ) throws {
        self.init(source: try FileSource(path: path), chunkSize: chunkSize, maxDepth: maxDepth)
    }

    /// Reads records from bytes in memory, in chunks of `chunkSize` exactly as from a file.
    public convenience init(
        bytes: [UInt8], chunkSize: Int = defaultChunkSize, maxDepth: Int = JSONParser.defaultMaxDepth
    ) {
        self.init(source: MemorySource(bytes: bytes), chunkSize: chunkSize, maxDepth: maxDepth)
    }

    private init(source: ByteSource, chunkSize: Int, maxDepth: Int) {
        self.source = source
        self.chunkSize = max(1, chunkSize)
        self.maxDepth = maxDepth
    }

    deinit { storage?.deallocate() }

    /// Calls `body` with every record in file order; throws read errors and whatever `body` throws.
    public func forEach(_ body: (JSONRecord) throws -> Void) throws {
        while let record = try next() { try body(record) }
    }

    /// All remaining records; for tests and small files.
    public func readAll() throws -> [JSONRecord] {
        var records: [JSONRecord] = []
        try forEach { records.append($0) }
        return records
    }

    /// The next record, or nil at the end of the file; throws `JSONRecordReaderError` if reading fails.
    public func next() throws -> JSONRecord? {
        switch try next(offeringLinesTo: { _, _ in false }) {
        case .parsed(let record): return record
        case .taken, .end: return nil
        }
    }

    /// What `next(offeringLinesTo:)` did.
    public enum Step {
        /// The caller's `take` took the next JSON Lines record: its line was not parsed.
        case taken
        /// The next record, exactly as `next()` yields it.
        case parsed(JSONRecord)
        /// The end of the file.
        case end
    }

    /// `next()` for a caller with a faster way to read the records it expects: each JSON Lines record's bytes (without
    /// the line break, a carriage return before it, or the file's byte order mark) and its 1-based line go to `take`
    /// first, and the line is parsed only when `take` returns false, so `take` need only take what it fully
    /// understands; what it makes of the line is its own business. The records of an array file are always parsed.
    /// Not generic, so the reader's loop stays specialised however the caller holds its records.
    public func next(offeringLinesTo take: (_ bytes: UnsafeBufferPointer<UInt8>, _ line: Int) -> Bool) throws -> Step {
        while true {
            if let record = pendingRecord {
                pendingRecord = nil
                return .parsed(record)
            }
            switch phase {
            case .detectingFormat:
                try detectFormat()
            case .jsonLines:
                if let step = try nextLineRecord(offeringTo: take) { return step }
                phase = .finished
            case .beforeArrayElement(let afterComma):
                if let record = try nextArrayRecord(afterComma: afterComma) { return .parsed(record) }
            case .afterArray:
                phase = .finished
                if try skipWhitespace() != nil {
                    return .parsed(try makeFailure("expected end of input after JSON array", at: consumed))
                }
            case .finished:
                return .end
            }
        }
    }

    // MARK: Format detection

    private func detectFormat() throws {
        while windowEnd - consumed < 3, try readMore() {}
        if windowEnd - consumed >= 3, byte(at: consumed) == 0xEF, byte(at: consumed + 1) == 0xBB,
           byte(at: consumed + 2) == 0xBF {
            // The BOM is invisible in editors, so columns on line 1 start after it.
            consumed = 3
            cursor.checkpoint = 3
        }
        // Look ahead without consuming: a JSON Lines record must start at its line's start.
        var offset = consumed
        while true {
            while offset < windowEnd, ASCII.isWhitespace(byte(at: offset)) { offset += 1 }
            if offset < windowEnd { break }
            guard try readMore() else {
                phase = .finished
                return
            }
        }
        if byte(at: offset) == ASCII.openBracket {
            format = .array
            advance(to: offset + 1)
            phase = .beforeArrayElement(afterComma: false)
        } else {
            format = .jsonLines
            lineBreakSearchedUpTo = consumed
            phase = .jsonLines
        }
    }

    // MARK: JSON Lines

    private func nextLineRecord(offeringTo take: (UnsafeBufferPointer<UInt8>, Int) -> Bool) throws -> Step? {
        while true {
            var lineBreak = findLineBreak(from: max(consumed, lineBreakSearchedUpTo))
            while lineBreak == nil {
                lineBreakSearchedUpTo = windowEnd
                guard try readMore() else { break }
                lineBreak = findLineBreak(from: lineBreakSearchedUpTo)
            }
            if lineBreak == nil, consumed == windowEnd { return nil }

            let lineStart = consumed
            let lineEnd = lineBreak ?? windowEnd
            var contentEnd = lineEnd
            if contentEnd > lineStart, byte(at: contentEnd - 1) == ASCII.carriageReturn { contentEnd -= 1 }

            let content = windowBytes(from: lineStart, to: contentEnd)
            var record: Step?
            if content.contains(where: { !ASCII.isWhitespace($0) }) {
                if take(content, cursor.line) {
                    record = .taken
                    nextIndex += 1
                } else {
                    let parsed = JSONParser.parseComplete(
                        content, maxDepth: maxDepth, trailingExpectation: "expected end of line after JSON value")
                    var parsedRecord = makeRecord(line: cursor.line, parsed.mapError { self.fileError($0, base: lineStart) })
                    if case .failure = parsed {
                        parsedRecord.failedText = String(decoding: UnsafeBufferPointer(rebasing: content.prefix(4096)), as: UTF8.self)
                    }
                    record = .parsed(parsedRecord)
                }
            }
            if let lineBreak {
                advance(pastFirstLineBreakAt: lineBreak)
            } else {
                advance(to: lineEnd)
            }
            lineBreakSearchedUpTo = consumed
            if let record { return record }
        }
    }

    private func findLineBreak(from offset: Int) -> Int? {
        guard offset < windowEnd, let storage else { return nil }
        let start = offset - windowStart
        guard let found = memchr(storage + start, Int32(ASCII.newline), windowCount - start) else { return nil }
        return windowStart + (UnsafeRawPointer(found) - UnsafeRawPointer(storage))
    }

    // MARK: Array elements

    /// Handles the position after `[` or `,`: yields the next element's record, or nil when the array
    /// closed without a record to report.
    private func nextArrayRecord(afterComma: Bool) throws -> JSONRecord? {
        let expectation = afterComma ? "expected value after ',' in array" : "expected value or ']' in array"
        guard let next = try skipWhitespace() else {
            phase = .finished
            return try makeFailure(expectation, at: consumed)
        }
        switch next {
        case ASCII.closeBracket:
            let trailingComma = afterComma ? try makeFailure(expectation, at: consumed) : nil
            advance(to: consumed + 1)
            phase = .afterArray
            return trailingComma
        case ASCII.comma:
            let missingValue = try makeFailure(expectation, at: consumed)
            advance(to: consumed + 1)
            phase = .beforeArrayElement(afterComma: true)
            return missingValue
        default:
            return try readArrayElement(context: afterComma ? .arrayElementAfterComma : .firstArrayElement)
        }
    }

    private func readArrayElement(context: ValueContext) throws -> JSONRecord {
        let elementStart = consumed
        let elementLine = cursor.line
        while true {
            let (parsed, relativeEnd) = JSONParser.parseLeadingValue(
                windowBytes(from: elementStart, to: windowEnd), context: context, maxDepth: maxDepth)
            switch parsed {
            case .failure(let failure):
                // A failure near the end of the window may only mean the element (or the bytes the
                // message names) continues in the next chunk.
                let errorContextEnd = elementStart + failure.offset + JSONParser.errorContextLength
                if errorContextEnd > windowEnd, try readMore() { continue }
                let record = makeRecord(line: elementLine, .failure(fileError(failure, base: elementStart)))
                try skipPastElementBoundary(from: elementStart)
                return record
            case .success(let value):
                let valueEnd = elementStart + relativeEnd
                // A number ending exactly at the window end may continue in the next chunk.
                if valueEnd >= windowEnd, try readMore() { continue }
                guard let (delimiter, delimiterOffset) = try findDelimiter(from: valueEnd) else {
                    let record = makeRecord(line: elementLine, .success(value))
                    advance(to: windowEnd)
                    pendingRecord = try makeFailure("expected ',' or ']' after array element", at: windowEnd)
                    phase = .finished
                    return record
                }
                switch delimiter {
                case ASCII.comma:
                    advance(to: delimiterOffset + 1)
                    phase = .beforeArrayElement(afterComma: true)
                    return makeRecord(line: elementLine, .success(value))
                case ASCII.closeBracket:
                    advance(to: delimiterOffset + 1)
                    phase = .afterArray
                    return makeRecord(line: elementLine, .success(value))
                default:
                    let found = try describeByte(at: delimiterOffset)
                    let failure = ParseFailure(
                        message: "expected ',' or ']' after array element, found \(found)",
                        offset: delimiterOffset - elementStart)
                    let record = makeRecord(line: elementLine, .failure(fileError(failure, base: elementStart)))
                    try skipPastElementBoundary(from: delimiterOffset)
                    return record
                }
            }
        }
    }

    /// The first non-whitespace byte at or after `offset` and its offset, reading more as needed; nil at end of file.
    private func findDelimiter(from offset: Int) throws -> (UInt8, Int)? {
        var position = offset
        while true {
            while position < windowEnd {
                let next = byte(at: position)
                if !ASCII.isWhitespace(next) { return (next, position) }
                position += 1
            }
            guard try readMore() else { return nil }
        }
    }

    /// After a broken element, finds the `,` or `]` that ends it at bracket depth 0 outside strings and
    /// consumes through it; sets the phase accordingly, or to finished if the file ends first.
    private func skipPastElementBoundary(from offset: Int) throws {
        var depth = 0
        var inString = false
        var escaped = false
        var position = offset
        while true {
            while position < windowEnd {
                let next = byte(at: position)
                if inString {
                    if escaped {
                        escaped = false
                    } else if next == ASCII.backslash {
                        escaped = true
                    } else if next == ASCII.quote {
                        inString = false
                    }
                } else {
                    switch next {
                    case ASCII.quote:
                        inString = true
                    case ASCII.openBrace, ASCII.openBracket:
                        depth += 1
                    case ASCII.closeBrace:
                        depth = max(0, depth - 1)
                    case ASCII.closeBracket where depth == 0:
                        advance(to: position + 1)
                        phase = .afterArray
                        return
                    case ASCII.closeBracket:
                        depth -= 1
                    case ASCII.comma where depth == 0:
                        advance(to: position + 1)
                        phase = .beforeArrayElement(afterComma: true)
                        return
                    default:
                        break
                    }
                }
                position += 1
            }
            // The failure is already recorded, so the scanned bytes can go; this keeps memory flat.
            advance(to: position)
            guard try readMore() else {
                phase = .finished
                return
            }
        }
    }

    // MARK: Window

    private var windowEnd: Int { windowStart + windowCount }

    /// Bytes of buffer memory held; lets tests check that memory stays flat.
    var bufferedByteCount: Int { storageCapacity }

    /// The buffered bytes between two file offsets, both inside the window.
    private func windowBytes(from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage.map { $0 + (start - windowStart) }, count: end - start)
    }

    /// Reads until the bytes an error message at `offset` may name are in the window, or the file ends.
    private func ensureErrorContextAvailable(at offset: Int) throws {
        while windowEnd < offset + JSONParser.errorContextLength, try readMore() {}
    }

    /// The byte at file offset `offset`; the caller checks it is in the window.
    private func byte(at offset: Int) -> UInt8 { windowBytes(from: windowStart, to: windowEnd)[offset - windowStart] }

    private func describeByte(at offset: Int) throws -> String {
        try ensureErrorContextAvailable(at: offset)
        return JSONParser.describeByte(in: windowBytes(from: windowStart, to: windowEnd), at: offset - windowStart)
    }

    /// Consumes whitespace, reading more as needed; returns the next byte without consuming it, or nil at end of file.
    private func skipWhitespace() throws -> UInt8? {
        while true {
            var position = consumed
            while position < windowEnd {
                let next = byte(at: position)
                if !ASCII.isWhitespace(next) {
                    advance(to: position)
                    return next
                }
                position += 1
            }
            advance(to: position)
            guard try readMore() else { return nil }
        }
    }

    /// Discards consumed bytes and reads at least one chunk, more if the pending record is already
    /// large, so re-parsing a growing record stays linear overall. Returns false at end of file.
    private func readMore() throws -> Bool {
        guard !reachedEndOfFile else { return false }
        discardConsumedBytes()
        let request = max(chunkSize, windowCount)
        reserveStorage(windowCount + request)
        guard let storage else { return false }
        let freeSpace = UnsafeMutableRawBufferPointer(start: storage + windowCount, count: request)
        let received = try source.read(into: freeSpace)
        windowCount += received
        if received == 0 { reachedEndOfFile = true }
        return received > 0
    }

    private func discardConsumedBytes() {
        let discardCount = consumed - windowStart
        guard discardCount > 0 else { return }
        if cursor.checkpoint < consumed {
            cursor.checkpointColumn += scalarCount(from: cursor.checkpoint, to: consumed)
            cursor.checkpoint = consumed
        }
        if let storage, discardCount < windowCount {
            memmove(storage, storage + discardCount, windowCount - discardCount)
        }
        windowCount -= discardCount
        windowStart = consumed
    }

    private func reserveStorage(_ capacity: Int) {
        guard capacity > storageCapacity else { return }
        let newCapacity = max(capacity, storageCapacity * 2)
        let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        if let storage {
            newStorage.initialize(from: storage, count: windowCount)
            storage.deallocate()
        }
        storage = newStorage
        storageCapacity = newCapacity
    }

    // MARK: Positions

    /// `advance(to: lineBreak + 1)` for the first line break at or after `consumed`: `memchr` already found it, so
    /// the bytes before it need not be looked at again (a per-byte loop over every line of a large file otherwise).
    private func advance(pastFirstLineBreakAt lineBreak: Int) {
        cursor.line += 1
        cursor.checkpoint = lineBreak + 1
        cursor.checkpointColumn = 1
        consumed = lineBreak + 1
    }

    /// Moves `consumed` forward, keeping the line count in step.
    private func advance(to offset: Int) {
        guard offset > consumed else { return }
        let all = windowBytes(from: windowStart, to: windowEnd)
        var position = consumed - windowStart
        let end = offset - windowStart
        while position < end {
            if all[position] == ASCII.newline {
                cursor.line += 1
                cursor.checkpoint = windowStart + position + 1
                cursor.checkpointColumn = 1
            }
            position += 1
        }
        consumed = offset
    }

    private func scalarCount(from start: Int, to end: Int) -> Int {
        let clampedEnd = min(end, windowEnd)
        return JSONParser.scalarCount(in: windowBytes(from: start, to: clampedEnd), from: 0, to: clampedEnd - start)
    }

    /// The file line and column of `offset`, which is at or after `consumed` and inside the window.
    private func position(of offset: Int) -> (line: Int, column: Int) {
        var line = cursor.line
        var columnStart = cursor.checkpoint
        var columnBase = cursor.checkpointColumn
        let end = min(offset, windowEnd)
        var position = consumed
        while position < end {
            if byte(at: position) == ASCII.newline {
                line += 1
                columnStart = position + 1
                columnBase = 1
            }
            position += 1
        }
        return (line, columnBase + scalarCount(from: columnStart, to: end))
    }

    /// Converts a failure from parsing bytes that start at file offset `base`.
    private func fileError(_ failure: ParseFailure, base: Int) -> JSONSyntaxError {
        let offset = base + failure.offset
        let (line, column) = position(of: offset)
        return JSONSyntaxError(message: failure.message, line: line, column: column, offset: offset)
    }

    private func makeFailure(_ expectation: String, at offset: Int) throws -> JSONRecord {
        let failure = ParseFailure(message: "\(expectation), found \(try describeByte(at: offset))", offset: 0)
        let error = fileError(failure, base: offset)
        return makeRecord(line: error.line, .failure(error))
    }

    private func makeRecord(line: Int, _ result: Result<JSONValue, JSONSyntaxError>) -> JSONRecord {
        defer { nextIndex += 1 }
        return JSONRecord(index: nextIndex, line: line, result: result)
    }
}

// MARK: Byte sources

private protocol ByteSource: AnyObject {
    /// Fills a prefix of `buffer`; returns how many bytes were written, 0 at end of input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

private final class FileSource: ByteSource {
    private let descriptor: Int32
    private let path: String

    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw JSONRecordReaderError(path: path, message: "cannot open '\(path)': \(Self.lastErrorText())")
        }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            close(descriptor)
            throw JSONRecordReaderError(path: path, message: "cannot read '\(path)': it is a directory")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let received = systemRead(descriptor, base, buffer.count)
            if received >= 0 { return received }
            if errno == EINTR { continue }
            throw JSONRecordReaderError(path: path, message: "cannot read '\(path)': \(Self.lastErrorText())")
        }
    }

    private static func lastErrorText() -> String { String(cString: strerror(errno)) }
}

/// `read(2)`, named apart from `ByteSource.read(into:)`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

private final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}
