import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

/// The masters `ledgersync check` reads: each served read-only from the seed, paged like the other lists.
@Suite("Sandbox master resources")
struct MasterResourceTests {
    @Test("every master the check reads is listed from the seed, with the fields the check relies on")
    func everyMasterIsListed() async throws {
        try await withSandbox { _, client in
            func codes(_ path: String) async throws -> [String?] {
                let answer = try await client.get(path)
                #expect(answer.status == 200, "GET \(path): \(answer.text)")
                return answer.records.map { $0.string("code") }
            }
            #expect(try await codes("/area") == ["----", "SG"])
            #expect(try await codes("/project") == ["----", "SHOPEE"])
            #expect(try await codes("/terms") == ["----", "C.O.D."])
            #expect(try await codes("/location") == ["----", "PJ-WH"])
            #expect(try await codes("/account") == ["500-000", "510-000"])
            #expect(try await codes("/pmmethod") == ["310-SHP", "320-000"])
            #expect(try await codes("/currency") == ["----", "SGD"])

            let tax = try await client.get("/tax")
            #expect(tax.records.map { $0.string("code") } == ["ST5", "SV"])
            #expect(tax.records.map { $0.string("taxrate") } == ["5%", "8%"])
            #expect(tax.records.first?.int("autokey") == 1)
            let methods = try await client.get("/pmmethod")
            #expect(methods.records.map { $0.string("journal") } == ["BANK", "CASH"])
        }
    }

    @Test("a master is found by code (tax also by its autokey), a missing one is a 400 naming it, and none can be written")
    func recordsAndErrors() async throws {
        try await withSandbox { _, client in
            #expect(try await client.get("/project/SHOPEE").record?.string("code") == "SHOPEE")
            #expect(try await client.get("/tax/2").record?.string("code") == "SV")
            let missing = try await client.get("/project/NOPE")
            #expect(missing.status == 400)
            #expect(missing.message == "Project NOPE not found")
            #expect(try await client.get("/pmmethod/999-999").message == "Payment method 999-999 not found")
            #expect(try await client.post("/area", .object(["code": .string("X")])).status == 405)
            #expect(try await client.put("/currency/SGD", .object(["code": .string("SGD")])).status == 405)
        }
    }

    @Test("master lists page with offset and limit like every other list")
    func paged() async throws {
        let configuration = try Fixtures.configuration(behavior: SandboxBehavior(pageSize: 1))
        try await withSandbox(configuration) { _, client in
            let first = try await client.get("/account", [("offset", "0")])
            let second = try await client.get("/account", [("offset", "1")])
            let past = try await client.get("/account", [("offset", "2")])
            #expect(first.records.map { $0.string("code") } == ["500-000"])
            #expect(second.records.map { $0.string("code") } == ["510-000"])
            #expect(past.records.isEmpty)
            #expect(first.json?["pagination"]?["limit"] == .int(1))
        }
    }
}
