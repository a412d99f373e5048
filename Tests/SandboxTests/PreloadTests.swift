import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

@Suite("Preloaded invoices (sandbox serve --preload-invoices)")
struct PreloadTests {
    @Test func preloadedInvoicesAreStoredPostedAndFoundByDocref1AndDocno() async throws {
        var configuration = try Fixtures.configuration()
        configuration.preloadInvoices = 60
        try await withSandbox(configuration) { server, client in
            #expect(server.preloaded?.count == 60)
            #expect(server.preloaded?.description == "preloaded 60 posted sales invoices (docno = docref1, PRELOAD-00000001 … PRELOAD-00000060)")
            let found = try await client.get("/salesinvoice", [("docref1", "PRELOAD-00000042")])
            #expect(found.records.count == 1)
            let invoice = try #require(found.record)
            #expect(invoice.string("docno") == "PRELOAD-00000042")
            #expect(invoice.string("code") == "300-C0001")  // the seed's first customer
            #expect(invoice["cancelled"] == .bool(false))
            #expect(invoice.string("docamt") == "10.00")
            #expect(invoice.string("outstanding") == "10.00")
            let detail = try await client.get("/salesinvoice/*", [("docno", "PRELOAD-00000060")])
            #expect(detail.record?.lines.map { $0.string("itemcode") } == ["TBL-001"])  // its first stock item
            #expect(try await client.get("/salesinvoice", [("offset", "50")]).records.count == 10)
            // What a client posts next is numbered as in an empty sandbox, after the preloaded dockeys.
            let next = try #require(try await client.post("/salesinvoice", Docs.invoice(docref1: "LS-1")).record)
            #expect(next.string("docno") == "IV-00001")
            #expect(next.int("dockey") == 61)
        }
    }

    @Test func aPreloadIsWrittenToTheStateFileOnceAndAddsToWhatItHolds() async throws {
        let statePath = Fixtures.temporaryPath("preload.json")
        defer { try? FileManager.default.removeItem(atPath: statePath) }
        var configuration = try Fixtures.configuration(statePath: statePath)
        configuration.preloadInvoices = 3
        try await withSandbox(configuration) { _, _ in }
        configuration.preloadInvoices = 2
        try await withSandbox(configuration) { server, client in
            // The three from the first start are loaded; the next two skip their numbers.
            #expect(server.preloaded?.first == "PRELOAD-00000004")
            let all = try await client.get("/salesinvoice")
            #expect(all.records.compactMap { $0.string("docref1") } == (1...5).map { SandboxPreload.number($0) })
        }
    }

    @Test(arguments: ["-1", "abc", "1.5", "", "1000001"])
    func aBadCountIsRefusedSayingWhatItTakes(_ text: String) throws {
        #expect(throws: SandboxPreloadError.self) { try SandboxPreload.parseCount(text) }
        do {
            _ = try SandboxPreload.parseCount(text)
        } catch {
            #expect("\(error)".hasPrefix("--preload-invoices takes a whole number of invoices from 0 to 1000000, not "), "\(error)")
            #expect("\(error)".contains(text.isEmpty ? "''" : text))
        }
    }

    @Test func goodCountsParse() throws {
        #expect(try SandboxPreload.parseCount("0") == 0)
        #expect(try SandboxPreload.parseCount("100000") == 100_000)
    }

    @Test func aServerGivenABadCountDoesNotStart() async throws {
        var configuration = try Fixtures.configuration()
        configuration.preloadInvoices = -5
        let server = SandboxServer(configuration: configuration)
        await #expect(throws: SandboxPreloadError.self) { try await server.start() }
        await server.stop()
    }

    @Test func aSeedWithoutACustomerCannotPreload() async throws {
        var configuration = try Fixtures.configuration()
        configuration.seed = SandboxSeed()
        configuration.preloadInvoices = 1
        let server = SandboxServer(configuration: configuration)
        do {
            _ = try await server.start()
            Issue.record("a preload without a customer started")
        } catch {
            #expect("\(error)".contains("needs a seed with at least one customer and one stock item"), "\(error)")
        }
        await server.stop()
    }
}
