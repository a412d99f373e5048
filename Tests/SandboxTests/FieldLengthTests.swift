import Foundation
import LedgerCore
import LedgerJSON
import Testing
@testable import Sandbox

/// The sandbox refuses what SQL Account's columns cannot hold, from the same table the transform fits to.
@Suite("Column lengths")
struct FieldLengthTests {
    func invoice(_ docref1: String, header: [String: JSONValue] = [:], line: [String: JSONValue] = [:]) -> JSONValue {
        guard case .object(var object) = Docs.invoice(docref1: docref1, lines: [Docs.line(item: "TBL-001", qty: "1", price: "100.00", tax: "", taxamt: "0.00", amount: "100.00")], docamt: "100.00"),
              case .array(var lines) = object["sdsdocdetail"], case .object(var first) = lines[0] else { return .null }
        for (key, value) in header { object[key] = value }
        for (key, value) in line { first[key] = value }
        lines[0] = .object(first)
        object["sdsdocdetail"] = .array(lines)
        return .object(object)
    }

    @Test("every text field of the shared table is refused one character over its length, and taken at it")
    func sharedTableEnforced() async throws {
        try await withSandbox { _, client in
            // Free-text header fields: any text will do, so each can be tried at and over its limit.
            for limit in FieldLimits.invoiceHeader where limit.kind == .text {
                let over = try await client.post("/salesinvoice", invoice("LS-OVER-\(limit.field)", header: [limit.field: .string(String(repeating: "x", count: limit.maxLength + 1))]))
                #expect(over.status == 500, "\(limit.field): \(over.text)")
                #expect(over.message.contains("string right truncation: \(limit.field) is \(limit.maxLength + 1) characters, at most \(limit.maxLength) allowed"), "\(over.message)")
                let at = try await client.post("/salesinvoice", invoice("LS-AT-\(limit.field)", header: [limit.field: .string(String(repeating: "x", count: limit.maxLength))]))
                #expect(at.status == 200, "\(limit.field): \(at.text)")
            }
            let line = try await client.post("/salesinvoice", invoice("LS-LINE", line: ["description": .string(String(repeating: "x", count: 201))]))
            #expect(line.status == 500)
            #expect(line.message.contains("string right truncation: description is 201 characters, at most 200 allowed (sdsdocdetail line 1)"), "\(line.message)")
        }
    }

    @Test("the idempotency key and serial numbers are held to their columns too")
    func keys() async throws {
        try await withSandbox { _, client in
            let key = "LS-" + String(repeating: "9", count: 38)
            #expect(FieldLimits.length(key) == 41)
            let long = try await client.post("/salesinvoice", invoice(key))
            #expect(long.status == 500)
            #expect(long.message.contains("docref1 is 41 characters, at most 40 allowed"), "\(long.message)")

            let serials: JSONValue = .array([.object(["serialnumber": .string(String(repeating: "S", count: 31))])])
            let serial = try await client.post("/salesinvoice", invoice("LS-SERIAL", line: ["sdsserialnumber": serials]))
            #expect(serial.status == 500)
            #expect(serial.message.contains("serialnumber is 31 characters, at most 30 allowed (sdsdocdetail line 1 sdsserialnumber 1)"), "\(serial.message)")
        }
    }

    @Test("lengths are counted as SQL Account counts them: an emoji with a modifier is 4, CJK is 1 a character")
    func counting() async throws {
        try await withSandbox { _, client in
            let cjk = try await client.post("/salesinvoice", invoice("LS-CJK", line: ["description": .string(String(repeating: "沙", count: 200))]))
            #expect(cjk.status == 200, "\(cjk.text)")
            // 50 × 👍🏽 is 50 characters on screen but 200 UTF-16 units; one more letter is over.
            let emoji = try await client.post("/salesinvoice", invoice("LS-EMOJI", line: ["description": .string(String(repeating: "👍🏽", count: 50) + "a")]))
            #expect(emoji.status == 500)
            #expect(emoji.message.contains("description is 201 characters, at most 200 allowed"), "\(emoji.message)")
        }
    }

    @Test("the further description (description3) is a memo: any length is kept")
    func memo() async throws {
        try await withSandbox { _, client in
            let full = String(repeating: "Nordic Linen Sofa Cover ", count: 60)
            let response = try await client.post("/salesinvoice", invoice("LS-MEMO", line: ["description": .string("Nordic Linen Sofa Cover"), "description3": .string(full)]))
            #expect(response.status == 200, "\(response.text)")
            #expect(response.record?.lines.first?.string("description3") == full)
        }
    }
}
