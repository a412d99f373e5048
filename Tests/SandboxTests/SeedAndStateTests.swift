import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

@Suite("Seed files and the state file")
struct SeedAndStateTests {
    @Test func theAcmeLivingSeedHasWhatThePackUses() throws {
        let path = Fixtures.examples.appendingPathComponent("sandbox/acme-living-seed.yaml").path
        let seed = try SandboxSeed.load(path: path)
        #expect(seed.company == "Acme Living Sdn Bhd")
        #expect(seed.customers.map(\.code) == ["300-C0001", "300-S0001", "300-S0002", "300-L0001", "300-T0001",
                                               "300-Z0001", "300-W0001", "300-W0002", "300-G0001"])
        let business = seed.customers.first { $0.code == "300-W0002" }
        #expect(business?.tin == "C20880050010" && business?.idType == 3 && business?.idValue == "201901012345", "the Tax tab an e-invoice without its own TIN takes")
        #expect(seed.customers.first { $0.code == "300-C0001" }?.companyName == "CASH SALES")
        #expect(seed.customers.first { $0.code == "300-S0002" }?.currency == "SGD")
        let items = Dictionary(uniqueKeysWithValues: seed.stockItems.map { ($0.code, $0) })
        #expect(items.count == 18)
        for code in ["TBL-001", "CHR-010", "LMP-100", "RUG-160", "GIFT-TOTE", "VASE-01", "ECOM-MISC",
                     "VOUCHER", "SHIPPING", "ZALORA-SALES", "EIV-CONSOL"] {
            #expect(items[code]?.uoms.map(\.code) == ["UNIT"], "\(code)")
        }
        // Bought by the carton (PO-00002), sold by the unit.
        #expect(items["POT-M"]?.uoms == [.init(code: "UNIT"), .init(code: "CTN", rate: "24")])
        #expect(items["POT-M"]?.defaultUOM == "UNIT")
        for (code, uom) in [("CUSH-45", "PCS"), ("MUG-01", "PCS"), ("SET-DIN4", "SET"), ("CANDLE-01", "PCS"),
                            ("FRAME-A4", "PCS"), ("DELIVERY", "TRIP")] {
            #expect(items[code]?.defaultUOM == uom, "\(code)")
        }
        #expect(seed.agents.map(\.code) == ["----", "KA-01"])
        #expect(seed.projects.map(\.code) == ["----", "SHOPEE", "LAZADA", "TIKTOK", "ZALORA", "WEB", "POS"])
        #expect(seed.areas.map(\.code) == ["----", "SG"])
        #expect(seed.terms.map(\.code) == ["----", "C.O.D.", "30 DAYS"])
        #expect(seed.locations.map(\.code) == ["----", "PJ-WH", "PJ-SR"])
        #expect(seed.taxCodes.map { "\($0.code) \($0.rate)" } == ["ST5 5%", "ST 10%", "SV 8%"])
        #expect(seed.accounts.map(\.code) == ["500-000", "510-000", "908-000", "599-000"])
        #expect(seed.paymentMethods.map(\.code) == ["310-SHP", "310-LZD", "310-TTS", "310-ZLR", "310-STR", "320-000"])
        #expect(seed.currencies.map(\.code) == ["----", "SGD"])
        #expect(seed.stockGroups.map(\.code) == ["DEFAULT", "ECOM"])
        #expect(seed.suppliers.map(\.code) == ["400-A0001", "400-A0002"])
        #expect(seed.suppliers.first?.companyName == "CANDLE CRAFT SDN BHD")
        #expect(seed.purchaseOrders.map(\.docno) == ["PO-00001", "PO-00002"])
        #expect(seed.purchaseOrders.map(\.code) == ["400-A0001", "400-A0002"])
        #expect(seed.purchaseOrders[1].lines.map { "\($0.itemcode) \($0.qty) \($0.uom ?? "-")" } == ["POT-M 2 CTN", "VASE-01 12 -"])
    }

    @Test func seedErrorsNameFileAndLine() throws {
        let path = Fixtures.path("bad-seed.yaml")
        do {
            _ = try SandboxSeed.load(path: path)
            Issue.record("the bad seed loaded")
        } catch let error as SandboxSeedError {
            let text = error.description
            #expect(text.contains("\(path):4:"), "\(text)")
            #expect(text.contains("duplicate code '300-C0001' (first at line 3)"))
            #expect(text.contains("\(path):6:"))
            #expect(text.contains("default_uom 'BOX'"))
            #expect(text.contains("\(path):8:"))
            #expect(text.contains("tax rate 'five percent'"))
            #expect(text.contains("\(path):9:1: error: unknown key 'custmers'"))
            #expect(text.contains("did you mean 'customers'?"))
            #expect(error.diagnostics.count == 4)
        }
    }

    @Test func yamlSyntaxErrorsNameTheLine() {
        do {
            _ = try SandboxSeed.parse(yaml: "customers:\n  - {code: 300-C0001\nagents: []\n", displayPath: "seed.yaml")
            Issue.record("parsed")
        } catch {
            #expect("\(error)".hasPrefix("seed.yaml:"), "\(error)")
            #expect("\(error)".contains("YAML syntax error"))
        }
        do {
            _ = try SandboxSeed.load(path: "/nonexistent/seed.yaml")
            Issue.record("loaded")
        } catch {
            #expect("\(error)".contains("/nonexistent/seed.yaml"))
        }
    }

    @Test func theStateFileSurvivesARestart() async throws {
        let statePath = Fixtures.temporaryPath("state.json")
        defer { try? FileManager.default.removeItem(atPath: statePath) }
        let configuration = try Fixtures.configuration(statePath: statePath)

        try await withSandbox(configuration) { _, client in
            let invoice = try await client.post("/salesinvoice", Docs.invoice(docref1: "LS-1"))
            #expect(invoice.status == 200)
            let payment = try await client.post("/customerpayment",
                                                Docs.payment(docamt: "18.00", docref1: "PAY-1", knockoffs: [("IV-00001", "18.00")]))
            #expect(payment.status == 200)
        }
        #expect(FileManager.default.fileExists(atPath: statePath))

        try await withSandbox(configuration) { _, client in
            let invoice = try await client.get("/salesinvoice", [("docref1", "LS-1")])
            #expect(invoice.record?.string("docno") == "IV-00001")
            #expect(invoice.record?.string("outstanding") == "200.00")
            let detail = try await client.get("/salesinvoice/1")
            #expect(detail.record?.lines.count == 2)
            let next = try await client.post("/salesinvoice", Docs.invoice(docref1: "LS-2"))
            #expect(next.record?.string("docno") == "IV-00002")
            #expect(next.record?.int("dockey") == 2)
            #expect(next.record?.lines.map { $0.int("dtlkey") } == [3, 4])
            let payment = try await client.get("/customerpayment/*", [("docno", "OR-00001")])
            #expect(payment.record?.string("unappliedamt") == "0.00")
        }
    }

    @Test func aPortInUseFailsTheStart() async throws {
        try await withSandbox { server, _ in
            var configuration = try Fixtures.configuration()
            configuration.port = try #require(server.port)
            let second = SandboxServer(configuration: configuration)
            await #expect(throws: (any Error).self) { try await second.start() }
            await second.stop()
        }
    }

    @Test func aBrokenStateFileStopsTheStart() async throws {
        let statePath = Fixtures.temporaryPath("broken.json")
        defer { try? FileManager.default.removeItem(atPath: statePath) }
        try Data("{\"format\": 1".utf8).write(to: URL(fileURLWithPath: statePath))
        let server = SandboxServer(configuration: try Fixtures.configuration(statePath: statePath))
        await #expect(throws: SandboxStateError.self) { try await server.start() }
        await server.stop()
    }
}
