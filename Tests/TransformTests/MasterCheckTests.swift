import Foundation
import LedgerCore
import LedgerJSON
import LedgerSyncKit
import RulePack
import SQLAccount
import Testing
import TestSupport
import Transform

/// The example SQL Account database, served by the embedded sandbox, and a client for it.
func withExampleSandbox<T>(_ body: (SQLAccountClient) async throws -> T) async throws -> T {
    let keys = EmbeddedSandbox.defaultCredentials
    let started = try await EmbeddedSandbox.start(credentials: keys, region: "ap-southeast-5", service: "sqlaccount",
                                                  seedPath: Golden.packageRoot + "/" + EmbeddedSandbox.defaultSeedPath)
    let pack = try examplePack().pack
    let client = try Workflows.client(for: try #require(pack.profile).connection, endpoint: started.endpoint, credentials: keys)
    do {
        let result = try await body(client)
        await started.server.stop()
        return result
    } catch {
        await started.server.stop()
        throw error
    }
}

@Suite("Master check")
struct MasterCheckTests {
    @Test("the codes the example pack can emit, each with the pack line that names it")
    func referencesOfTheExamplePack() throws {
        let references = MasterCheck.references(in: try examplePack().pack)
        func find(_ kind: MasterKind, _ code: String) -> CodeReference? { references.first { $0.kind == kind && $0.code == code } }
        #expect(find(.agent, "KA-01")?.origin.location?.fileAndLine == "rules/acme-living/rules.yaml:6")
        #expect(find(.project, "SHOPEE")?.origin.location?.fileAndLine == "rules/base/malaysia-marketplaces/pack.yaml:41")
        #expect(find(.account, "908-000")?.origin.location?.fileAndLine == "rules/acme-living/pack.yaml:96")
        #expect(find(.paymentMethod, "310-SHP")?.origin.location?.fileAndLine == "rules/acme-living/matching.yaml:32")
        #expect(find(.item, "MUG-01")?.uom == "PCS")
        #expect(find(.currency, "SGD") != nil)
        #expect(Set(references.filter { $0.kind == .customer }.map(\.code)).count == 9)
        // The consolidated e-invoice's masters, at the lines of einvoice.consolidation.
        #expect(find(.customer, "300-G0001")?.origin.location?.file.hasSuffix("rules/acme-living/pack.yaml") == true)
        #expect(find(.item, "EIV-CONSOL") != nil && find(.account, "599-000") != nil)
        // `----` is SQL's "none" and blank tax is "no tax": nothing to look up.
        #expect(find(.agent, "----") == nil)
        #expect(!references.contains { $0.kind == .taxCode && $0.code.isEmpty })
        // Sheet rows are checked through the sheet, not as pack references.
        #expect(find(.item, "VASE-01") == nil)
    }

    @Test("the example pack against the example SQL Account: nothing wrong, every kind counted")
    func examplePackIsClean() async throws {
        let pack = try examplePack().pack
        let (report, catalog) = try await withExampleSandbox { client in try await MasterCheck.check(pack: pack, client: client) }
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        #expect(report.checked[.customer] == 9)
        #expect(report.checked[.paymentMethod] == 6)
        #expect(catalog.customer("300-S0002")?.currency == "SGD")
        #expect(catalog.customer("300-S0001")?.currency == "----")
        #expect(catalog.failures.isEmpty)
    }

    static let brokenPack = """
    pack:
      name: broken
    profile:
      company: Broken Sdn Bhd
      stores:
        shopee-my: {channel: shopee}
        shopee-sg: {channel: shopee}
      connection:
        mode: cloud
        host: api.sql.my
        region: ap-southeast-5
        service: sqlaccount
        access_key: {env: LEDGERSYNC_ACCESS_KEY}
        secret_key: {env: LEDGERSYNC_SECRET_KEY}
    defaults:
      product_code: ECOM-MISC
      agent: KA-1
      area: SGP
      terms: 30 DAY
      location: PJWH
      tax:
        code: SR5
        rate: 5%
    matching:
      items:
        - {sku: MUG-6PK, code: MUG-01, uom: BOX, rate: 6}
        - {sku: CUSH-BLU, code: CUSH-45}
      customers:
        shopee-my: 300-S0001
        shopee-sg: 300-S0002
      payments:
        shopee: 310-SHPE
    payments:
      fee_account: 908-001
    """

    @Test("every unknown code at its line and column, with a did-you-mean; a customer in a currency the pack never sends")
    func brokenPack() async throws {
        let pack = try compilePack(Self.brokenPack).pack
        let (report, _) = try await withExampleSandbox { client in try await MasterCheck.check(pack: pack, client: client) }
        let lines = Self.brokenPack.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        /// `pack.yaml:L:C` of the first `text` at or after a line containing `after`.
        func at(_ text: String) -> String {
            guard let index = lines.firstIndex(where: { $0.contains(text) }), let range = lines[index].range(of: text) else { return "?" }
            return "pack.yaml:\(index + 1):\(lines[index].distance(from: lines[index].startIndex, to: range.lowerBound) + 1)"
        }
        func diagnostic(_ code: String, _ value: String) -> Diagnostic? {
            report.diagnostics.first { $0.code == code && $0.message.contains("'\(value)'") }
        }
        let expected: [(String, String, String, String?)] = [
            ("unknown-agent", "KA-1", at("KA-1"), "KA-01"),
            ("unknown-area", "SGP", at("SGP"), "SG"),
            ("unknown-terms", "30 DAY", at("30 DAY"), "30 DAYS"),
            ("unknown-location", "PJWH", at("PJWH"), "PJ-WH"),
            ("unknown-tax", "SR5", at("SR5"), "ST5"),
            ("unknown-payment-method", "310-SHPE", at("310-SHPE"), "310-SHP"),
            ("unknown-account", "908-001", at("908-001"), "908-000"),
        ]
        for (code, value, location, suggestion) in expected {
            let found = diagnostic(code, value)
            #expect(found?.severity == .error, "\(code) \(value): \(report.diagnostics)")
            #expect(found.flatMap { $0.location.map { "\(($0.file as NSString).lastPathComponent):\($0.line):\($0.column)" } } == location, "\(String(describing: found))")
            #expect(found?.suggestion == suggestion, "\(String(describing: found))")
        }
        let uom = try #require(diagnostic("unknown-uom", "BOX"))
        #expect(uom.message == "UOM 'BOX' is not a UOM of stock item 'MUG-01' in SQL Accounting (its UOMs: PCS); set the UOM here to one of the item's UOMs")
        #expect(uom.location?.line == lines.firstIndex { $0.contains("MUG-6PK") }.map { $0 + 1 })
        // A match without uom takes the store's, here the built-in UNIT, which CUSH-45 (PCS only) does not have.
        let storeUOM = try #require(diagnostic("unknown-uom", "UNIT"))
        #expect(storeUOM.message == "UOM 'UNIT' is not a UOM of stock item 'CUSH-45' in SQL Accounting (its UOMs: PCS); the UOM is the built-in default for uom; set uom under defaults to one of the item's UOMs, or give this item match its own uom")
        #expect(storeUOM.location?.line == lines.firstIndex { $0.contains("CUSH-BLU") }.map { $0 + 1 })
        // 300-S0002 is an SGD customer, and this pack matches no order currency to SGD.
        let currency = try #require(report.diagnostics.first { $0.code == "customer-currency" })
        #expect(currency.message.hasPrefix("customer '300-S0002' is in SGD in SQL Accounting, but no order currency is matched to currencycode 'SGD', so SQL would refuse every invoice to it"))
        #expect(currency.location.map { "\(($0.file as NSString).lastPathComponent):\($0.line)" } == at("300-S0002").components(separatedBy: ":").prefix(2).joined(separator: ":"))
        #expect(report.diagnostics.errors.count == 10, "\(report.diagnostics.map(\.description).joined(separator: "\n"))")
    }

    static let shopeeOrder = """
    {"id":"SG-1","order_number":"2509014EAM4Y3J","channel":"shopee","store":"shopee-acme-my","currency":"SGD","status":"completed",
     "dates":{"ordered":"2025-09-01T09:31:52+08:00","paid":"2025-09-01T09:36:15+08:00"},
     "buyer":{"name":"Azlan","address":{"country":"MY"}},
     "lines":[{"sku":"TBL-RND-OAK","name":"Round Coffee Table","qty":1,"unit_price":"399.00","seller_discount":"0.00","platform_discount":"0.00"}],
     "payment":{"method":"ShopeePay","buyer_paid":"399.00"}}
    """

    @Test("an SGD invoice to a ringgit customer names the order, the customer, both currencies and the pack line that chose the customer")
    func currencyMismatch() throws {
        let graph = try examplePack()
        let customers = MasterCatalog(customers: [MasterRecord(code: "300-S0001", currency: "----"), MasterRecord(code: "300-S0002", currency: "SGD")])
        let sgdToMYR = transform(try decodeOrder(Self.shopeeOrder), with: graph)
        #expect(sgdToMYR.payload?.text("currencycode") == "SGD")
        let orderAt = LedgerCore.SourceLocation(file: "orders.jsonl", line: 7)
        let payload = try #require(sgdToMYR.payload)
        let problem = try #require(MasterCheck.currencyProblem(orderID: "SG-1", store: "shopee-acme-my", payload: payload,
                                                               orderLocation: orderAt, customers: customers, graph: graph))
        #expect(problem.description == "orders.jsonl:7: error: order SG-1: the invoice is in SGD (currencycode 'SGD'), but customer '300-S0001', chosen by matching.customers.shopee (rules/acme-living/matching.yaml:16), is in the base currency (----, MYR) in SQL Accounting, so SQL Account would refuse it; match this store to a customer in SGD (matching.customers.shopee-acme-my), or exclude the order")
        #expect(problem.code == "currency-mismatch")

        // Without an order location the diagnostic sits at the customer's pack line.
        let atPack = MasterCheck.currencyProblem(orderID: "SG-1", store: nil, payload: payload, orderLocation: nil, customers: customers, graph: graph)
        #expect(atPack?.location?.fileAndLine == "rules/acme-living/matching.yaml:16")

        // The same order in the SG store goes to the SGD customer: fine. So is a MYR order to the MYR customer.
        let sgStore = transform(try decodeOrder(Self.shopeeOrder.replacingOccurrences(of: "shopee-acme-my", with: "shopee-acme-sg")), with: graph)
        #expect(MasterCheck.currencyProblems([sgStore], customers: customers, graph: graph).isEmpty)
        let myr = transform(try decodeOrder(Self.shopeeOrder.replacingOccurrences(of: #""currency":"SGD""#, with: #""currency":"MYR""#)), with: graph)
        #expect(MasterCheck.currencyProblems([myr], customers: customers, graph: graph).isEmpty)
        // A MYR order to the SGD customer is just as wrong.
        let myrToSGD = transform(try decodeOrder(Self.shopeeOrder.replacingOccurrences(of: #""currency":"SGD""#, with: #""currency":"MYR""#)
                                                    .replacingOccurrences(of: "shopee-acme-my", with: "shopee-acme-sg")), with: graph)
        let reverse = MasterCheck.currencyProblems([myrToSGD], stores: ["SG-1": "shopee-acme-sg"], customers: customers, graph: graph)
        #expect(reverse.count == 1)
        #expect(reverse.first?.message.contains("the invoice is in the base currency (----, MYR) (currencycode '----'), but customer '300-S0002', chosen by matching.customers.shopee-acme-sg (rules/acme-living/matching.yaml:17), is in SGD") == true, "\(reverse)")
    }

    @Test("resource overrides: only the inferred names, as KIND=NAME")
    func resourceOverrides() throws {
        let renamed = try MasterResourceNames.standard.overridden(by: ["payment_method=paymentmethod", "tax=taxcode"]).get()
        #expect(renamed[.paymentMethod].name == "paymentmethod")
        #expect(renamed[.taxCode].name == "taxcode")
        #expect(renamed[.agent].name == "agent")
        guard case .failure(let documented) = MasterResourceNames.standard.overridden(by: ["customer=client"]) else {
            Issue.record("renaming a documented resource was accepted")
            return
        }
        #expect(documented.message.contains("'customer' is not a master whose resource name can be changed"))
        guard case .failure(let typo) = MasterResourceNames.standard.overridden(by: ["payment_methd=x"]) else {
            Issue.record("an unknown kind was accepted")
            return
        }
        #expect(typo.suggestion == "payment_method")
        guard case .failure = MasterResourceNames.standard.overridden(by: ["tax"]) else {
            Issue.record("an entry without = was accepted")
            return
        }
    }
}

/// A fake SQL Account answering master lists from memory (50 a page) and failing the resources it is told to.
final class MasterTransport: HTTPTransport, @unchecked Sendable {
    let lists: [String: [JSONValue]]
    let failing: Set<String>
    private let lock = NSLock()
    private var seen: [String] = []

    init(lists: [String: [JSONValue]], failing: Set<String> = []) {
        self.lists = lists
        self.failing = failing
    }

    /// `GET /path?offset=N` per request, in the order they came.
    var requests: [String] { lock.withLock { seen } }

    func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        let path = components?.path ?? ""
        let offset = Int(components?.queryItems?.first { $0.name == "offset" }?.value ?? "0") ?? 0
        lock.withLock { seen.append("\(request.method) \(path)?offset=\(offset)") }
        let resource = String(path.dropFirst())
        if failing.contains(resource) { return .json(500, #"{"message":"Operation aborted"}"#) }
        guard let rows = lists[resource] else { return .json(404, #"{"message":"Resource not found"}"#) }
        let page = Array(rows.dropFirst(offset).prefix(50))
        return HTTPTransportResponse(status: 200, headers: [HeaderField("Content-Type", "application/json")],
                                     body: JSONWriter.compactBytes(.object(["data": .array(page)])))
    }
}

@Suite("Master check against a fake API")
struct MasterFetchTests {
    static let pack = """
    pack:
      name: paged
    profile:
      company: Paged Sdn Bhd
      stores:
        shopee-my: {channel: shopee}
      connection:
        mode: cloud
        host: api.sql.my
        region: ap-southeast-5
        service: sqlaccount
        access_key: {env: LEDGERSYNC_ACCESS_KEY}
        secret_key: {env: LEDGERSYNC_SECRET_KEY}
    defaults:
      product_code: ECOM-MISC
      agent: KA-01
      project: SHOPEE
    matching:
      customers:
        shopee: 300-C0051
    """

    @Test("each master is read once, every page of it; one that fails is reported once and its codes left unchecked")
    func readsOnceAndReportsFailures() async throws {
        let pack = try compilePack(Self.pack).pack
        func codes(_ list: [String], _ extra: JSONObject = [:]) -> [JSONValue] {
            list.map { code in var record = extra; record["code"] = .string(code); return .object(record) }
        }
        let transport = MasterTransport(lists: [
            // The customer is on the second page.
            "customer": codes((1...51).map { String(format: "300-C%04d", $0) }, ["currencycode": .string("----")]),
            "stockitem": codes(["ECOM-MISC", "VOUCHER"], ["defaultuom": .string("UNIT")]),
            "agent": codes(["----", "KA-01"]),
            "currency": codes(["----"]),
        ], failing: ["project"])
        let configuration = SQLAccountConfiguration(credentials: Credentials(accessKey: "t.sql.my/API", secretKey: "secret"),
                                                    baseURL: URL(string: "https://api.sql.my")!)
        let client = SQLAccountClient(configuration: configuration, transport: transport, retryPolicy: RetryPolicy(maxAttempts: 1))
        let (report, _) = try await MasterCheck.check(pack: pack, client: client)

        #expect(report.diagnostics.map(\.description) == [
            "error: cannot read SQL Accounting's projects (GET /project), so 1 project code was not checked: SQL Account or its relay failed (HTTP 500: Operation aborted). Check that the SQL Account PC and its API service are running, then try again. If this SQL Account names the resource differently, pass --resource project=NAME",
        ])
        #expect(report.diagnostics.first?.code == "master-unreadable")
        #expect(report.checked[.customer] == 1)
        #expect(report.checked[.project] == nil)
        #expect(transport.requests.sorted() == [
            "GET /agent?offset=0", "GET /currency?offset=0", "GET /customer?offset=0", "GET /customer?offset=50",
            "GET /project?offset=0", "GET /stockitem?offset=0",
        ])
    }
}
