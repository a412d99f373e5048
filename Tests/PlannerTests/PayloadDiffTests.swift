import LedgerJSON
import Planner
import RulePack
import Sync
import Testing

func line(_ seq: Int?, _ item: String, qty: String = "1.00", dtlkey: Int? = nil, account: String = "500-000") -> JSONValue {
    var object = JSONObject()
    if let seq { object.append("seq", .int(seq)) }
    object.append("itemcode", .string(item))
    object.append("qty", .string(qty))
    object.append("account", .string(account))
    if let dtlkey { object.append("dtlkey", .int(dtlkey)) }
    return .object(object)
}

func invoice(_ lines: [JSONValue], description: String = "Shopee order 1", docdate: String = "2025-09-01", agent: String = "----") -> JSONObject {
    ["docno": .string("A-1"), "docdate": .string(docdate), "agent": .string(agent), "description": .string(description),
     "docamt": .string("10.00"), "sdsdocdetail": .array(lines)]
}

let policy = EditPolicy(fields: ["docdate": Traced(.createOnly, .builtIn("docdate")), "agent": Traced(.ignore, .builtIn("agent")),
                                 "sdsdocdetail.account": Traced(.createOnly, .builtIn("sdsdocdetail.account"))],
                        editable: [])

@Suite("Payload diff")
struct PayloadDiffTests {
    @Test("lines pair by seq: a changed quantity and an added line, nothing else")
    func bySeq() {
        let old = invoice([line(1, "A"), line(2, "B"), line(3, "C")])
        let new = invoice([line(1, "A"), line(2, "B", qty: "2.00"), line(3, "C"), line(4, "D")])
        let changes = PayloadDiff.changes(from: old, to: new, editPolicy: policy)
        #expect(changes.map(\.path) == ["sdsdocdetail[2].qty", "sdsdocdetail[4]"])
        #expect(changes[0].old == .string("1.00") && changes[0].new == .string("2.00"))
        #expect(changes[1].old == nil)
    }

    @Test("without seq, a line inserted in the middle is one added line, not every later line changed")
    func byItemCode() {
        let old = invoice([line(nil, "A"), line(nil, "B")])
        let new = invoice([line(nil, "A"), line(nil, "X"), line(nil, "B")])
        let changes = PayloadDiff.changes(from: old, to: new, editPolicy: policy)
        #expect(changes.count == 1)
        #expect(changes.first?.path == "sdsdocdetail[2]")
        #expect(changes.first?.old == nil)
    }

    @Test("amounts compare by value, codes exactly; each change carries its field's policy")
    func valuesAndPolicies() {
        #expect(PayloadDiff.same(.string("1.00"), .string("1")))
        #expect(PayloadDiff.same(.number("394.0"), .string("394.00")))
        #expect(!PayloadDiff.same(.string("000123"), .string("123")))
        let changes = PayloadDiff.changes(from: invoice([line(1, "A")]), to: invoice([line(1, "A", account: "510-000")], description: "X", docdate: "2025-09-02", agent: "KA-01"),
                                          editPolicy: policy)
        let byPath = Dictionary(uniqueKeysWithValues: changes.map { ($0.path, $0.policy) })
        #expect(byPath == ["docdate": .createOnly, "agent": .ignore, "description": .update, "sdsdocdetail[1].account": .createOnly])
    }

    @Test("an update body is SQL's record with the update fields replaced, lines keeping their dtlkey and create_only values, updatecount + 1")
    func updateBody() {
        var current = invoice([line(1, "A", dtlkey: 11, account: "500-000"), line(2, "B", dtlkey: 12), line(3, "C", dtlkey: 13)], description: "old")
        current["dockey"] = .int(7)
        current["updatecount"] = .int(2)
        current["lastmodified"] = .int(99)
        let desired = invoice([line(1, "A", qty: "3.00", account: "510-000"), line(2, "B"), line(4, "D")], description: "new", docdate: "2030-01-01", agent: "KA-01")
        let body = ChangeExecutor.updateBody(current: current, desired: desired, editPolicy: policy)
        #expect(body["description"] == .string("new"))
        #expect(body["docdate"] == .string("2025-09-01"), "create_only keeps SQL's value")
        #expect(body["agent"] == .string("----"), "ignore is not sent")
        #expect(body["dockey"] == .int(7))
        #expect(body["updatecount"] == .int(3))
        let lines = body["sdsdocdetail"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(lines.count == 3, "line 3 is dropped (deleted), line 4 added")
        #expect(lines[0]["dtlkey"] == .int(11))
        #expect(lines[0]["qty"] == .string("3.00"))
        #expect(lines[0]["account"] == .string("500-000"), "a create_only line field keeps SQL's value")
        #expect(lines[1]["dtlkey"] == .int(12))
        #expect(lines[2]["dtlkey"] == nil, "a new line goes without a dtlkey: SQL inserts it")
    }
}
