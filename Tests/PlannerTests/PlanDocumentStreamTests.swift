import LedgerCore
import LedgerJSON
import Planner
import Testing

/// The streamed plan document must be the very bytes the whole-plan encoder writes: saved plans and `plan --format
/// json` output keep their format whether a plan has three orders or a million.
@Suite("Streamed plan document")
struct PlanDocumentStreamTests {
    static let warning = Diagnostic.warning("order LN-1: SKU 'X' has no item matching", at: SourceLocation(file: "orders.jsonl", line: 3),
                                            keyPath: "lines[0].sku", code: "unmatched-sku")

    func plan(entries: [PlanEntry], excluded: [(orderID: String, reason: String)]) -> Plan {
        var plan = Plan(entries: entries, excluded: excluded, packDirectory: "rules/acme", ordersPath: "orders.jsonl", packFingerprint: "p",
                        ordersFingerprint: "o", stateFingerprint: "s", refreshed: true, asOf: "2025-10-01", createdAt: "2025-10-01T00:00:00Z")
        plan.sequences = ["ECOM-": 1042, "AB-": 7]
        return plan
    }

    /// What `PlanDocumentStream` writes for `plan`, fed entry by entry.
    func streamed(_ plan: Plan, includePayloads: Bool) throws -> [UInt8] {
        let stream = try PlanDocumentStream(includePayloads: includePayloads)
        for entry in plan.entries { try stream.add(entry) }
        for exclusion in plan.excluded { try stream.exclude(orderID: exclusion.orderID, reason: exclusion.reason) }
        var head = plan
        head.entries = []
        head.excluded = []
        var bytes: [UInt8] = []
        try stream.write(head: head, tally: plan.tally) { bytes.append(contentsOf: $0) }
        return bytes
    }

    func whole(_ plan: Plan, includePayloads: Bool) -> [UInt8] {
        JSONWriter.prettyBytes(PlanCodec.encode(plan, includePayloads: includePayloads)) + [UInt8(ascii: "\n")]
    }

    static let entries = [
        PlanEntry(orderID: "LN-1", action: .create, idempotencyKey: "LS-LN-1",
                  payload: ["docno": .string(""), "sdsdocdetail": .array([.object(["itemcode": .string("CHAIR"), "qty": .number("2")])])],
                  warnings: [warning]),
        PlanEntry(orderID: "LN-2", action: .update, idempotencyKey: "LS-LN-2", payload: ["docamt": .string("12.50")],
                  changes: [FieldChange(path: "docamt", policyName: "docamt", old: .string("10.00"), new: .string("12.50"), policy: .update)],
                  documentID: 4, remoteDockey: 41, remoteDocno: "IV-00041"),
        PlanEntry(orderID: "LN-2", action: .create, documentType: "salescreditnote", idempotencyKey: "LS-LN-2-R1", payload: ["docamt": .string("5.00")],
                  returnID: "R1", knockOff: Money(parsing: "5.00"), creditedReturn: "{\"lines\":[]}"),
        PlanEntry(orderID: "LN-3", action: .error, reason: "the \"customer\" is unknown\nfix it"),
    ]

    @Test("entries, exclusions and sequences: the same bytes as the whole plan pretty-printed, with and without payloads")
    func sameBytes() throws {
        let full = plan(entries: Self.entries, excluded: [("LN-9", "status pending"), ("LN-10", "a test order")])
        #expect(try streamed(full, includePayloads: true) == whole(full, includePayloads: true))
        #expect(try streamed(full, includePayloads: false) == whole(full, includePayloads: false))
        let text = String(decoding: try streamed(full, includePayloads: true), as: UTF8.self)
        #expect(text.contains("\"create\": 2") && text.contains("\"excluded\": 2"), "the summary counts what was streamed")
    }

    @Test("a plan with no entries or no exclusions writes empty arrays as the whole-plan encoder does")
    func emptyArrays() throws {
        for sample in [plan(entries: [], excluded: []), plan(entries: Self.entries, excluded: []), plan(entries: [], excluded: [("LN-9", "x")])] {
            #expect(try streamed(sample, includePayloads: true) == whole(sample, includePayloads: true))
            #expect(try streamed(sample, includePayloads: false) == whole(sample, includePayloads: false))
        }
    }

    @Test("more than a megabyte of entries goes through the spool file and comes back whole and in order")
    func largeSpool() throws {
        let many = (0..<6_000).map { index in
            PlanEntry(orderID: "B-\(index)", action: .create, idempotencyKey: "LS-B-\(index)",
                      payload: ["docno": .string(""), "description": .string(String(repeating: "x", count: 200))])
        }
        let large = plan(entries: many, excluded: (0..<3_000).map { ("X-\($0)", "excluded") })
        let bytes = try streamed(large, includePayloads: true)
        #expect(bytes.count > 2 << 20)
        #expect(bytes == whole(large, includePayloads: true))
    }
}
