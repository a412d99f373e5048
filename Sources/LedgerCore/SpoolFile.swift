#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Bytes written once and read back once, kept in a temporary file rather than in memory: a plan of a million
/// orders is written out after its summary, which is only known at the end. The file is unlinked as soon as it is
/// opened, so nothing is left behind however the process ends.
public final class SpoolFile {
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20
    /// Bytes appended so far.
    public private(set) var count = 0

    public init() throws {
        var template = Array((NSTemporaryDirectory() + "/ledgersync-spool-XXXXXX").utf8CString)
        let opened = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard opened >= 0 else { throw SpoolFileError(reason: "cannot create a temporary file: " + String(cString: strerror(errno))) }
        descriptor = opened
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        buffer.reserveCapacity(flushThreshold + (1 << 16))
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
    }

    /// Lets `write` append to the pending bytes; they go to disk once a megabyte has gathered.
    public func append(_ write: (inout [UInt8]) -> Void) throws {
        let before = buffer.count
        write(&buffer)
        count += buffer.count - before
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Hands every byte appended so far to `consume`, in order, a megabyte at a time.
    public func readBack(_ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        try flush()
        var chunk = [UInt8](repeating: 0, count: flushThreshold)
        var offset: off_t = 0
        while true {
            let read = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if read < 0 {
                if errno == EINTR { continue }
                throw SpoolFileError(reason: "cannot read the temporary file back: " + String(cString: strerror(errno)))
            }
            if read == 0 { return }
            try chunk.withUnsafeBytes { try consume(UnsafeRawBufferPointer(rebasing: $0[0..<read])) }
            offset += off_t(read)
        }
    }

    private func flush() throws {
        if let reason = writeFully(descriptor, buffer) {
            throw SpoolFileError(reason: "cannot write the temporary file (is the disk full?): " + reason)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

public struct SpoolFileError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }
}

/// Writes bytes to a file descriptor through a buffer; for a file that is produced in pieces (a saved plan).
public final class BufferedFileWriter {
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20

    /// Creates `path`, which must not exist (`AtomicFile.replace` hands out such a temporary path).
    public init(creating path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw SpoolFileError(reason: "cannot create \(path): " + String(cString: strerror(errno))) }
        buffer.reserveCapacity(flushThreshold + (1 << 16))
    }

    deinit { _ = close(descriptor) }

    public func append(_ write: (inout [UInt8]) -> Void) throws {
        write(&buffer)
        if buffer.count >= flushThreshold { try flush() }
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Writes what is pending; call before the file is closed or renamed.
    public func flush() throws {
        if let reason = writeFully(descriptor, buffer) { throw SpoolFileError(reason: "cannot write \(path): " + reason) }
        buffer.removeAll(keepingCapacity: true)
    }
}

#if canImport(Glibc)
// `write` inside a type names its own method.
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// Writes all of `bytes`, retrying short and interrupted writes; nil when done, else the system's reason.
func writeFully(_ descriptor: Int32, _ bytes: [UInt8]) -> String? {
    var written = 0
    while written < bytes.count {
        let result = bytes[written...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
        if result < 0 {
            if errno == EINTR { continue }
            return String(cString: strerror(errno))
        }
        written += result
    }
    return nil
}
