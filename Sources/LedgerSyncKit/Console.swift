import Foundation
import LedgerJSON

/// Where a command writes: buffered stdout and stderr, or memory for tests.
public final class Console {
    private var outBuffer: [UInt8] = []
    private var errBuffer: [UInt8] = []
    private let outHandle: FileHandle?
    private let errHandle: FileHandle?
    private let flushThreshold = 1 << 16

    /// Writes to the process's stdout and stderr.
    public static func standard() -> Console { Console(out: .standardOutput, err: .standardError) }

    /// Keeps everything in memory; read it back with `capturedOut`/`capturedErr`.
    public static func capturing() -> Console { Console(out: nil, err: nil) }

    init(out: FileHandle?, err: FileHandle?) {
        outHandle = out
        errHandle = err
    }

    public func out(_ text: String) {
        outBuffer.append(contentsOf: Array(text.utf8))
        if outHandle != nil && outBuffer.count >= flushThreshold { flush() }
    }

    /// One compact JSON value and a newline.
    public func outJSONLine(_ value: JSONValue) {
        JSONWriter.appendCompact(value, to: &outBuffer)
        outBuffer.append(UInt8(ascii: "\n"))
        if outHandle != nil && outBuffer.count >= flushThreshold { flush() }
    }

    /// Bytes a renderer appends straight to the output buffer (`OutcomeRendering.appendJSONLine`).
    public func outBytes(_ write: (inout [UInt8]) -> Void) {
        write(&outBuffer)
        if outHandle != nil && outBuffer.count >= flushThreshold { flush() }
    }

    /// One pretty-printed JSON document and a newline.
    public func outJSONDocument(_ value: JSONValue) {
        JSONWriter.appendPretty(value, to: &outBuffer)
        outBuffer.append(UInt8(ascii: "\n"))
    }

    /// Everything a renderer decided to show; stderr first, as the commands printed their warnings before the result.
    public func write(_ rendered: Rendered) {
        if !rendered.err.isEmpty { err(rendered.err) }
        for piece in rendered.out {
            switch piece {
            case .text(let text): out(text)
            case .jsonDocument(let value): outJSONDocument(value)
            case .jsonLine(let value): outJSONLine(value)
            }
        }
    }

    public func err(_ text: String) {
        errBuffer.append(contentsOf: Array(text.utf8))
        if errHandle != nil { flush() }
    }

    public func flush() {
        if let outHandle, !outBuffer.isEmpty {
            outHandle.write(Data(outBuffer))
            outBuffer.removeAll(keepingCapacity: true)
        }
        if let errHandle, !errBuffer.isEmpty {
            errHandle.write(Data(errBuffer))
            errBuffer.removeAll(keepingCapacity: true)
        }
    }

    /// True when stdout is a terminal: worth colour.
    public var outIsTerminal: Bool { outHandle != nil && isatty(STDOUT_FILENO) != 0 }

    /// True when stderr is a terminal: worth a progress line that rewrites itself.
    public var errIsTerminal: Bool { errHandle != nil && isatty(STDERR_FILENO) != 0 }

    public var capturedOut: String { String(decoding: outBuffer, as: UTF8.self) }
    public var capturedErr: String { String(decoding: errBuffer, as: UTF8.self) }

    deinit { flush() }
}
