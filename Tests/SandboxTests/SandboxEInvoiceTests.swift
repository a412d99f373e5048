import Foundation
import LedgerCore
import LedgerJSON
import Testing
@testable import Sandbox

/// MyInvois e-invoice fields of sales documents: checked with the shared buyer-identity rules, and a submission
/// status kept per document (issue 15).
@Suite("E-invoice fields and submission status")
struct SandboxEInvoiceTests {
    /// A one-line invoice (100.00, no tax) with `fields` on its header and `line` on its line.
    static func invoice(_ docref1: String, docno: String = "", _ fields: [String: JSONValue] = [:],
                        line: [String: JSONValue] = [:]) -> JSONValue {
        guard case .object(var object) = Docs.invoice(docref1: docref1, docno: docno, lines: [
            Docs.line(item: "TBL-001", qty: "1", price: "100.00", tax: "", taxamt: "0.00", amount: "100.00"),
        ], docamt: "100.00"), case .array(var lines) = object["sdsdocdetail"], case .object(var first) = lines[0] else { return .null }
        for (key, value) in fields { object[key] = value }
        for (key, value) in line { first[key] = value }
        lines[0] = .object(first)
        object["sdsdocdetail"] = .array(lines)
        return .object(object)
    }

    /// A MyKad holder with their own TIN, asking for an individual e-invoice (default codes: 1 = e-invoice, 1 = NRIC).
    static let individual: [String: JSONValue] = [
        "submissiontype": .int(1), "tin": .string("IG21136626090"), "idtype": .int(1), "idno": .string("900101145678"),
    ]

    static func date(_ text: String) -> Date { EInvoiceRules.parse(text)! }

    static func store(_ einvoice: SandboxEInvoice = SandboxEInvoice()) throws -> SandboxStore {
        SandboxStore(masters: Masters(seed: try Fixtures.seed()), behavior: SandboxBehavior(einvoice: einvoice), statePath: nil)
    }

    @Test("a valid individual e-invoice is accepted and validated: irbm_status 2, a uuid and the validation time")
    func validIndividual() async throws {
        try await withSandbox { _, client in
            let response = try await client.post("/salesinvoice", Self.invoice("EIV-1", Self.individual))
            #expect(response.status == 200, "\(response.text)")
            let record = try #require(response.record)
            #expect(record.int("irbm_status") == 2)
            #expect(record.string("irbm_uuid") == "SBXEIVIV0000000001")
            let utc = try #require(record.string("eiv_utc"))
            #expect(utc.count == 20 && utc.hasSuffix("Z") && utc.contains("T"), "\(utc)")
            #expect(record.string("eiv_validated_utc") == utc)
            #expect(abs(Self.date(utc).timeIntervalSinceNow) < 120)
            #expect(record.int("submissiontype") == 1)
            #expect(record.int("idtype") == 1)
            let fetched = try await client.get("/salesinvoice/1")
            #expect(fetched.record?.int("irbm_status") == 2)
            #expect(fetched.record?.string("eiv_validated_utc") == utc)
            // Found by its e-invoice time, as the API documents.
            #expect(try await client.get("/salesinvoice/*", [("eiv_utc", utc)]).records.count == 1)
        }
    }

    @Test("a TIN MyInvois would refuse is a 400 naming the field")
    func badTIN() async throws {
        try await withSandbox { _, client in
            var fields = Self.individual
            fields["tin"] = .string("IG123")
            let response = try await client.post("/salesinvoice", Self.invoice("EIV-TIN", fields))
            #expect(response.status == 400)
            #expect(response.message == "tin 'IG123': 'IG123' has 3 digits after IG; a TIN has at least 8", "\(response.message)")

            fields["tin"] = .null
            let missing = try await client.post("/salesinvoice", Self.invoice("EIV-NOTIN", fields))
            #expect(missing.status == 400)
            #expect(missing.message.hasPrefix("tin is required for an e-invoice (submissiontype 1)"), "\(missing.message)")

            fields["tin"] = .string(String(repeating: "1", count: 15))
            fields["submissiontype"] = .int(0)
            let long = try await client.post("/salesinvoice", Self.invoice("EIV-LONG", fields))
            #expect(long.status == 400)
            #expect(long.message == "tin '111111111111111' is 15 characters, at most 14 allowed", "\(long.message)")
            #expect(try await client.get("/salesinvoice").records.isEmpty)
        }
    }

    @Test("an NRIC buyer with the general TIN but no MyKad number is refused at idno")
    func generalTINWithoutID() async throws {
        try await withSandbox { _, client in
            let response = try await client.post("/salesinvoice", Self.invoice("EIV-GP", [
                "submissiontype": .int(1), "tin": .string("EI00000000010"), "idtype": .int(1),
            ]))
            #expect(response.status == 400)
            #expect(response.message.hasPrefix("idno: an NRIC buyer without their own TIN needs the MyKad number"), "\(response.message)")

            let passport = try await client.post("/salesinvoice", Self.invoice("EIV-PP", [
                "submissiontype": .int(1), "tin": .string("EI00000000010"), "idtype": .int(2), "idno": .string("A1234567"),
            ]))
            #expect(passport.status == 400)
            #expect(passport.message.hasPrefix("tin 'EI00000000010': EI00000000010 is for MyKad holders"), "\(passport.message)")
        }
    }

    @Test("the consolidated General Public buyer (EI00000000010 with idno NA) is accepted")
    func generalPublic() async throws {
        // The general TINs read as EI + digits (not as the E prefix followed by "I…").
        #expect(EInvoiceIdentity.tinProblem(EInvoiceIdentity.generalPublicTIN) == nil)
        #expect(EInvoiceIdentity.tinProblem(EInvoiceIdentity.foreignBuyerTIN) == nil)
        #expect(EInvoiceIdentity.tinProblem("E1234567890") == nil)
        try await withSandbox { _, client in
            let response = try await client.post("/salesinvoice", Self.invoice("EIV-PUBLIC", [
                "submissiontype": .int(1), "tin": .string("EI00000000010"), "idno": .string("NA"),
            ]))
            #expect(response.status == 200, "\(response.text)")
            #expect(response.record?.int("irbm_status") == 2)
        }
    }

    @Test("a submissiontype or idtype the sandbox does not know is refused, listing its codes")
    func unknownCodes() async throws {
        try await withSandbox { _, client in
            let submission = try await client.post("/salesinvoice", Self.invoice("EIV-99", ["submissiontype": .int(99)]))
            #expect(submission.status == 400)
            #expect(submission.message == "submissiontype 99 is not one of the sandbox's submission types (none 0, e-invoice 1, consolidate 2)",
                    "\(submission.message)")
            var fields = Self.individual
            fields["idtype"] = .int(9)
            let idType = try await client.post("/salesinvoice", Self.invoice("EIV-ID9", fields))
            #expect(idType.status == 400)
            #expect(idType.message == "idtype 9 is not one of the sandbox's ID types (NRIC 1, PASSPORT 2, BRN 3, ARMY 4)", "\(idType.message)")
            let text = try await client.post("/salesinvoice", Self.invoice("EIV-TEXT", ["submissiontype": .string("e-invoice")]))
            #expect(text.status == 400)
            #expect(text.message.hasPrefix("submissiontype 'e-invoice' is not an integer"), "\(text.message)")
            // idtype 0 is "no ID"; null is absent.
            let none = try await client.post("/salesinvoice", Self.invoice("EIV-0", ["submissiontype": .int(0), "idtype": .int(0), "tin": .null]))
            #expect(none.status == 200, "\(none.text)")
            #expect(none.record?["irbm_status"] == nil)
        }
    }

    @Test("the codes are the sandbox's own and can be changed")
    func configuredCodes() async throws {
        let einvoice = SandboxEInvoice(submissionCodes: try SandboxEInvoice.parseSubmissionCodes("none=0,einvoice=17,consolidate=18"),
                                       idTypeCodes: try SandboxEInvoice.parseIDTypeCodes("nric=5,PASSPORT=6,BRN=7,ARMY=8"))
        let configuration = try Fixtures.configuration(behavior: SandboxBehavior(einvoice: einvoice))
        try await withSandbox(configuration) { _, client in
            let response = try await client.post("/salesinvoice", Self.invoice("EIV-17", [
                "submissiontype": .int(17), "tin": .string("IG21136626090"), "idtype": .int(5), "idno": .string("900101145678"),
            ]))
            #expect(response.status == 200, "\(response.text)")
            #expect(response.record?.int("irbm_status") == 2)
            let old = try await client.post("/salesinvoice", Self.invoice("EIV-1", Self.individual))
            #expect(old.message == "submissiontype 1 is not one of the sandbox's submission types (none 0, e-invoice 17, consolidate 18)", "\(old.message)")
        }
    }

    @Test("malformed code lists are refused saying what is wrong",
          arguments: ["none=0,einvoice=1", "none=0,einvoice=1,consolidate=x", "none=0,einvoice=1,consolidate=1",
                      "none=0,einvoice=1,consolidate=2,none=3", "none:0,einvoice=1,consolidate=2", "none=0,invoice=1,consolidate=2"])
    func malformedSubmissionCodes(_ text: String) {
        #expect(throws: SandboxEInvoiceError.self) { try SandboxEInvoice.parseSubmissionCodes(text) }
    }

    @Test("malformed ID type code lists are refused, and 0 is kept for no ID")
    func malformedIDTypeCodes() throws {
        #expect(try SandboxEInvoice.parseIDTypeCodes("NRIC=1,PASSPORT=2,BRN=3,ARMY=4") == SandboxEInvoice.defaultIDTypeCodes)
        for text in ["NRIC=1,PASSPORT=2,BRN=3", "NRIC=0,PASSPORT=2,BRN=3,ARMY=4", "NRIC=1,PASSPORT=1,BRN=3,ARMY=4", "MYKAD=1,PASSPORT=2,BRN=3,ARMY=4"] {
            #expect(throws: SandboxEInvoiceError.self, "\(text)") { try SandboxEInvoice.parseIDTypeCodes(text) }
        }
        do {
            _ = try SandboxEInvoice.parseSubmissionCodes("none=0,einvoice=1,consolidate=1")
        } catch {
            #expect("\(error)" == "--einvoice-submission-codes: einvoice and consolidate are both 1; each needs its own code")
        }
    }

    @Test("a line's irbm_classification must be 3 digits")
    func classification() async throws {
        try await withSandbox { _, client in
            let bad = try await client.post("/salesinvoice", Self.invoice("EIV-CLS", line: ["irbm_classification": .string("8")]))
            #expect(bad.status == 400)
            #expect(bad.message == "sdsdocdetail line 1 irbm_classification '8' must be a 3-digit MyInvois classification code such as 008",
                    "\(bad.message)")
            let number = try await client.post("/salesinvoice", Self.invoice("EIV-CLSN", line: ["irbm_classification": .int(8)]))
            #expect(number.status == 400)
            let good = try await client.post("/salesinvoice", Self.invoice("EIV-CLS3", line: ["irbm_classification": .string("008")]))
            #expect(good.status == 200, "\(good.text)")
            #expect(good.record?.lines.first?.string("irbm_classification") == "008")
            let empty = try await client.post("/salesinvoice", Self.invoice("EIV-CLS0", line: ["irbm_classification": .string("")]))
            #expect(empty.status == 200, "\(empty.text)")
        }
    }

    @Test("consolidate gives irbm_status 0; none or no submissiontype sets no status, and a client cannot set one")
    func consolidateAndNone() async throws {
        try await withSandbox { _, client in
            let consolidated = try await client.post("/salesinvoice", Self.invoice("EIV-CON", ["submissiontype": .int(2)]))
            #expect(consolidated.status == 200, "\(consolidated.text)")
            #expect(consolidated.record?.int("irbm_status") == 0)
            #expect(consolidated.record?["irbm_uuid"] == nil)
            #expect(consolidated.record?["eiv_utc"] == nil)

            let plain = try await client.post("/salesinvoice", Self.invoice("EIV-PLAIN", ["irbm_status": .int(2), "irbm_uuid": .string("FAKE")]))
            #expect(plain.status == 200, "\(plain.text)")
            #expect(plain.record?["irbm_status"] == nil)
            #expect(plain.record?["irbm_uuid"] == nil)

            // A PUT does not overwrite the status either.
            let put = try await client.put("/salesinvoice/1", .object(["updatecount": .int(1), "irbm_status": .int(2), "eiv_utc": .string("2026-01-01T00:00:00Z")]))
            #expect(put.status == 200, "\(put.text)")
            #expect(put.record?.int("irbm_status") == 0)
            #expect(put.record?["eiv_utc"] == nil)
        }
    }

    @Test("a PUT that turns a document into an e-invoice validates it then; later PUTs keep the stored status")
    func validatedByUpdate() async throws {
        let store = try Self.store()
        let created = try await store.create(.salesInvoice, body: Self.invoice("EIV-LATER", ["submissiontype": .int(2)]).objectValue!,
                                             now: Self.date("2026-12-01T10:00:00Z")).get()
        #expect(created.int("irbm_status") == 0)
        var change = Self.individual
        change["updatecount"] = .int(1)
        let validated = try await store.update(.salesInvoice, dockey: 1, body: JSONObject(change.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }),
                                               now: Self.date("2026-12-02T08:15:00Z")).get()
        #expect(validated.int("irbm_status") == 2)
        #expect(validated.string("eiv_validated_utc") == "2026-12-02T08:15:00Z")
        #expect(validated.string("irbm_uuid") == "SBXEIVIV0000000001")
        let again = try await store.update(.salesInvoice, dockey: 1, body: ["updatecount": .int(2), "irbm_status": .int(0),
                                                                            "eiv_validated_utc": .string("2030-01-01T00:00:00Z")],
                                           now: Self.date("2026-12-03T08:15:00Z")).get()
        #expect(again.int("irbm_status") == 2)
        #expect(again.string("eiv_validated_utc") == "2026-12-02T08:15:00Z")
    }

    @Test("a validated e-invoice can be cancelled within 72 hours (irbm_status 3), not after")
    func cancelWindow() async throws {
        let store = try Self.store()
        let validatedAt = Self.date("2026-12-01T10:00:00Z")
        for docno in ["IV-00011", "IV-00012"] {
            let created = try await store.create(.salesInvoice, body: Self.invoice(docno, docno: docno, Self.individual).objectValue!,
                                                 now: validatedAt).get()
            #expect(created.string("eiv_utc") == "2026-12-01T10:00:00Z")
            #expect(created.string("eiv_validated_utc") == "2026-12-01T10:00:00Z")
        }
        let within = try await store.update(.salesInvoice, dockey: 1, body: ["updatecount": .int(1), "cancelled": .bool(true)],
                                            now: validatedAt.addingTimeInterval(72 * 3600)).get()
        #expect(within.boolValue("cancelled") == true)
        #expect(within.int("irbm_status") == 3)

        let late = await store.update(.salesInvoice, dockey: 2, body: ["updatecount": .int(1), "cancelled": .bool(true)],
                                      now: validatedAt.addingTimeInterval(72 * 3600 + 1))
        guard case .failure(let error) = late else { Issue.record("a late cancel was accepted"); return }
        #expect(error.status == 400)
        #expect(error.message == "IV-00012's e-invoice was validated at 2026-12-01T10:00:00Z, more than 72 hours ago; "
                + "MyInvois no longer allows a cancel: issue a credit note instead")
        #expect(await store.record(.salesInvoice, dockey: 2)?.boolValue("cancelled") == false)

        // The clock offset moves the e-invoice clock only.
        let shifted = try Self.store(SandboxEInvoice(clockOffsetHours: -100))
        let early = try await shifted.create(.salesInvoice, body: Self.invoice("EIV-SHIFT", Self.individual).objectValue!, now: validatedAt).get()
        #expect(early.string("eiv_validated_utc") == "2026-11-27T06:00:00Z")
        #expect(early.int("lastmodified") == Int(validatedAt.timeIntervalSince1970))
    }

    @Test("the status is kept in the state file; the clock offset makes a validation days old over HTTP")
    func statePersistsAndOffset() async throws {
        let statePath = Fixtures.temporaryPath("einvoice-state.json")
        defer { try? FileManager.default.removeItem(atPath: statePath) }
        var configuration = try Fixtures.configuration(statePath: statePath)
        var uuid = ""
        var validatedAt = ""
        try await withSandbox(configuration) { _, client in
            let invoice = try await client.post("/salesinvoice", Self.invoice("EIV-STATE", Self.individual))
            #expect(invoice.status == 200, "\(invoice.text)")
            uuid = invoice.record?.string("irbm_uuid") ?? ""
            validatedAt = invoice.record?.string("eiv_validated_utc") ?? ""
            let consolidated = try await client.post("/salesinvoice", Self.invoice("EIV-STATE-C", ["submissiontype": .int(2)]))
            #expect(consolidated.record?.int("irbm_status") == 0)
            // A credit note is a sales document too, with its own uuid.
            let note = try await client.post("/salescreditnote", Self.invoice("EIV-CN", Self.individual))
            #expect(note.status == 200, "\(note.text)")
            #expect(note.record?.string("irbm_uuid") == "SBXEIVCN0000000001")
        }
        #expect(!uuid.isEmpty && !validatedAt.isEmpty)
        let text = try String(contentsOfFile: statePath, encoding: .utf8)
        #expect(text.contains("\"irbm_uuid\": \"\(uuid)\""), "\(text)")

        configuration.behavior.einvoice.clockOffsetHours = 73
        try await withSandbox(configuration) { _, client in
            let fetched = try await client.get("/salesinvoice/1")
            #expect(fetched.record?.int("irbm_status") == 2)
            #expect(fetched.record?.string("irbm_uuid") == uuid)
            #expect(fetched.record?.string("eiv_validated_utc") == validatedAt)
            #expect(try await client.get("/salesinvoice/2").record?.int("irbm_status") == 0)
            // Signed with the real clock, so SigV4 is unaffected by the offset; the e-invoice is 73 hours old.
            let cancel = try await client.put("/salesinvoice/1", .object(["updatecount": .int(1), "cancelled": .bool(true)]))
            #expect(cancel.status == 400)
            #expect(cancel.message == "IV-00001's e-invoice was validated at \(validatedAt), more than 72 hours ago; "
                    + "MyInvois no longer allows a cancel: issue a credit note instead", "\(cancel.message)")
            // A document that was never validated cancels as before.
            let plain = try await client.put("/salesinvoice/2", .object(["updatecount": .int(1), "cancelled": .bool(true)]))
            #expect(plain.status == 200, "\(plain.text)")
            #expect(plain.record?.int("irbm_status") == 0)
        }
    }
}

private extension JSONObject {
    func boolValue(_ key: String) -> Bool? { self[key]?.boolValue }
}
