import Foundation
import ZIPFoundation

/// A bounded hand-off of byte chunks from a producer thread to one consumer: ZIPFoundation pushes an entry's
/// inflated bytes through a callback, the row iterator pulls them. At most `capacity` chunks wait, so memory stays
/// flat however long the sheet is. `cancel()` (the consumer went away) makes the producer's next `put` throw.
final class ChunkPipe: @unchecked Sendable {
    struct Cancelled: Error {}

    private let condition = NSCondition()
    private var chunks: [Data] = []
    private var head = 0
    private let capacity: Int
    private var finished = false
    private var failure: Error?
    private var cancelled = false

    init(capacity: Int = 8) {
        self.capacity = capacity
    }

    /// Producer: blocks while the pipe is full; throws `Cancelled` once the consumer has gone. Empty chunks are dropped.
    func put(_ data: Data) throws {
        if data.isEmpty { return }
        condition.lock()
        defer { condition.unlock() }
        while chunks.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        if head > 64 { chunks.removeFirst(head); head = 0 }
        chunks.append(data)
        condition.broadcast()
    }

    /// Producer: no more chunks; `error` is handed to the consumer after the chunks already queued.
    func finish(error: Error?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next chunk, nil at the end; rethrows the producer's error.
    func take() throws -> Data? {
        condition.lock()
        defer { condition.unlock() }
        while head == chunks.count && !finished { condition.wait() }
        if head < chunks.count {
            let data = chunks[head]
            chunks[head] = Data()
            head += 1
            condition.broadcast()
            return data
        }
        if let failure { throw failure }
        return nil
    }

    /// Consumer: stop the producer (idempotent).
    func cancel() {
        condition.lock()
        cancelled = true
        chunks.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    /// Starts a thread that inflates one entry of the ZIP file at `path` into a new pipe, verifying its CRC-32.
    static func inflating(path: String, entryPath: String, chunkSize: Int = 64 * 1024) -> ChunkPipe {
        let pipe = ChunkPipe()
        let thread = Thread {
            do {
                let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
                guard let entry = archive[entryPath] else { throw SpreadsheetError(file: path, .missingPart(entryPath)) }
                let checksum = try archive.extract(entry, bufferSize: chunkSize, skipCRC32: false) { data in
                    try pipe.put(data)
                }
                if checksum != entry.checksum {
                    throw SpreadsheetError(file: path, .notXLSX("part '\(entryPath)' is corrupt (CRC-32 mismatch)"))
                }
                pipe.finish(error: nil)
            } catch {
                pipe.finish(error: error)
            }
        }
        thread.name = "Spreadsheets.inflate"
        thread.start()
        return pipe
    }
}
