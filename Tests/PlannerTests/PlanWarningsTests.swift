import LedgerCore
import LedgerJSON
import Planner
import Testing

@Suite("Plan warnings")
struct PlanWarningsTests {
    static let cut = Diagnostic.warning("order LN-1: description is 348 characters, SQL Account allows 200: cut at a word boundary to 194; the full text is kept in description3",
                                        at: SourceLocation(file: "orders.jsonl", line: 3), keyPath: "sdsdocdetail[0].description", code: "text-truncated")

    func plan(_ entries: [PlanEntry]) -> Plan {
        Plan(entries: entries, excluded: [], packDirectory: "rules/acme", ordersPath: "orders.jsonl", packFingerprint: "p", ordersFingerprint: "o",
             stateFingerprint: "s", refreshed: false, asOf: "2025-10-01", createdAt: "2025-10-01T00:00:00Z")
    }

    @Test("a saved plan keeps each entry's warnings: severity, code, message, position and field")
    func roundTrip() throws {
        let original = plan([PlanEntry(orderID: "LN-1", action: .create, idempotencyKey: "LS-LN-1", payload: ["docno": .string("")], warnings: [Self.cut]),
                             PlanEntry(orderID: "LN-2", action: .create, idempotencyKey: "LS-LN-2", payload: ["docno": .string("")])])
        let encoded = PlanCodec.encode(original)
        let entries = try #require(encoded["entries"]?.arrayValue)
        #expect(entries[0]["warnings"]?.arrayValue?.first?["code"] == .string("text-truncated"))
        #expect(entries[1]["warnings"] == nil, "an entry without warnings writes none")
        let decoded = try PlanCodec.decode(try JSONParser.parse(JSONWriter.compactString(encoded)), path: "saved.plan.json")
        #expect(decoded.entries[0].warnings == [Self.cut])
        #expect(decoded.entries[1].warnings.isEmpty)
    }

    @Test("a malformed warning is refused with the entry it belongs to")
    func malformed() throws {
        var encoded = try #require(PlanCodec.encode(plan([PlanEntry(orderID: "LN-1", action: .create, warnings: [Self.cut])])).objectValue)
        guard case .array(var entries)? = encoded["entries"], case .object(var entry) = entries[0] else { Issue.record("no entry"); return }
        entry["warnings"] = .array([.object(["message": .string("no severity")])])
        entries[0] = .object(entry)
        encoded["entries"] = .array(entries)
        #expect(throws: PlanCodec.DecodeError.self) { try PlanCodec.decode(.object(encoded), path: "saved.plan.json") }
        do {
            _ = try PlanCodec.decode(.object(encoded), path: "saved.plan.json")
        } catch let error as PlanCodec.DecodeError {
            #expect(error.description.contains("a warning of entry 1 is malformed"))
        }
    }
}
