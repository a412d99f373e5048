import Foundation
import LedgerCore
import LedgerJSON

/// A plan's JSON document, byte for byte as `JSONWriter.appendPretty(PlanCodec.encode(plan))` writes it, built from
/// entries handed over one at a time. The summary comes first in the document but is known only at the end, so the
/// entries and exclusions wait in temporary files (`SpoolFile`), never in memory, until `write` puts it together.
public final class PlanDocumentStream {
    public let includePayloads: Bool
    private let entries: SpoolFile
    private var entryCount = 0
    private let exclusions: SpoolFile
    private var exclusionCount = 0

    public init(includePayloads: Bool) throws {
        self.includePayloads = includePayloads
        entries = try SpoolFile()
        exclusions = try SpoolFile()
    }

    public func add(_ entry: PlanEntry) throws {
        let first = entryCount == 0
        entryCount += 1
        try entries.append { Self.appendElement(PlanCodec.encode(entry, includePayload: includePayloads), first: first, to: &$0) }
    }

    public func exclude(orderID: String, reason: String) throws {
        let first = exclusionCount == 0
        exclusionCount += 1
        try exclusions.append { Self.appendElement(PlanCodec.encodeExclusion(orderID: orderID, reason: reason), first: first, to: &$0) }
    }

    /// The whole document and a newline, in pieces, to `sink`. `head` gives what the plan was made from (its own
    /// entries are not read); `tally` counts what was added.
    public func write(head: Plan, tally: PlanTally, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        func emit(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try sink($0) } }
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (position, (key, value)) in PlanCodec.head(head, tally: tally).enumerated() {
            Self.appendKey(key, first: position == 0, to: &bytes)
            JSONWriter.appendPretty(value, to: &bytes, indentLevel: 1)
        }
        Self.appendKey("entries", first: false, to: &bytes)
        try emit(bytes)
        try Self.writeArray(entries, count: entryCount, emit: emit, sink: sink)
        bytes = []
        if includePayloads {
            Self.appendKey("sequences", first: false, to: &bytes)
            JSONWriter.appendPretty(PlanCodec.sequences(head.sequences), to: &bytes, indentLevel: 1)
        }
        Self.appendKey("excluded", first: false, to: &bytes)
        try emit(bytes)
        try Self.writeArray(exclusions, count: exclusionCount, emit: emit, sink: sink)
        try emit(Array("\n}\n".utf8))
    }

    /// `"key": ` at the root's indentation, after a comma unless it is the first.
    private static func appendKey(_ key: String, first: Bool, to bytes: inout [UInt8]) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: "\n  ".utf8)
        JSONWriter.appendQuoted(key, to: &bytes)
        bytes.append(contentsOf: ": ".utf8)
    }

    /// One element of an array that is a root field: on its own line, indented twice.
    private static func appendElement(_ value: JSONValue, first: Bool, to bytes: inout [UInt8]) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: "\n    ".utf8)
        JSONWriter.appendPretty(value, to: &bytes, indentLevel: 2)
    }

    private static func writeArray(_ spool: SpoolFile, count: Int, emit: ([UInt8]) throws -> Void,
                                   sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard count > 0 else { return try emit(Array("[]".utf8)) }
        try emit([UInt8(ascii: "[")])
        try spool.readBack(sink)
        try emit(Array("\n  ]".utf8))
    }
}
