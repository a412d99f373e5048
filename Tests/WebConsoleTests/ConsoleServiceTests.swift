import Foundation
import LedgerCore
import LedgerSyncKit
import StateStore
import Testing
import TestSupport
@testable import WebConsole

/// The console's rules that hold whatever the browser: the token, the Host, CSRF, escaping, the tabs' counts and what
/// an upload imports. Driven through `ConsoleService.handle`, the same entry point the HTTP server calls.
@Suite("Web console service")
struct ConsoleServiceTests {
    static let token = String(repeating: "ab", count: 32)
    static let pack = Golden.packageRoot + "/rules/acme-living"
    static let hostile = "<script>alert('x')</script>"
    /// Short enough to be a Shopee invoice number (20 characters).
    static let hostileNumber = "<i>N'1</i>"

    /// A state store holding the 68 example orders and one whose product name and order number are markup.
    static func service() throws -> (ConsoleService, String) {
        let directory = NSTemporaryDirectory() + "ledgersync-console-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let seed = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        var first = try #require(try JSONSerialization.jsonObject(with: Data(seed.split(separator: "\n")[0].utf8)) as? [String: Any])
        first["id"] = "HOSTILE-1"
        first["order_number"] = hostileNumber
        var lines = try #require(first["lines"] as? [[String: Any]])
        lines[0]["name"] = "Chair \(hostile)"
        first["lines"] = lines
        let extra = String(decoding: try JSONSerialization.data(withJSONObject: first), as: UTF8.self)
        let orders = directory + "/orders.jsonl"
        try (seed + extra + "\n").write(toFile: orders, atomically: true, encoding: .utf8)
        let state = directory + "/state.sqlite"
        let report = try StoreImport.importOrders(path: orders, packDirectory: pack, statePath: state)
        #expect(report.new == 69)
        let service = ConsoleService(configuration: ConsoleConfiguration(packDirectory: pack, statePath: state, endpoint: nil, sandbox: false,
                                                                          token: token, environment: [:]))
        service.listening(onPort: 8123)
        return (service, directory)
    }

    static func get(_ target: String, cookie: Bool = true, host: String = "127.0.0.1:8123") -> ConsoleRequest {
        var headers: [(name: String, value: String)] = [("Host", host)]
        if cookie { headers.append(("Cookie", "\(ConsoleService.cookieName)=\(token)")) }
        return ConsoleRequest(method: "GET", target: target, headers: headers)
    }

    static func post(_ target: String, _ fields: [(String, String)], extraHeaders: [(name: String, value: String)] = []) -> ConsoleRequest {
        let body = fields.map { "\(FormEncoding.escape($0.0))=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
        return ConsoleRequest(method: "POST", target: target,
                              headers: [("Host", "127.0.0.1:8123"), ("Cookie", "\(ConsoleService.cookieName)=\(token)"),
                                        ("Content-Type", "application/x-www-form-urlencoded")] + extraHeaders,
                              body: Array(body.utf8))
    }

    @Test("no page without the token; the link's token becomes an HttpOnly SameSite cookie and leaves the address")
    func token() async throws {
        let (service, _) = try Self.service()
        #expect(await service.handle(Self.get("/orders", cookie: false)).status == 401)
        #expect(await service.handle(Self.get("/?token=wrong", cookie: false)).status == 401)
        let login = await service.handle(Self.get("/?token=\(Self.token)", cookie: false))
        #expect(login.status == 303)
        #expect(login.header("Location") == "/orders")
        let cookie = try #require(login.header("Set-Cookie"))
        #expect(cookie.contains("\(ConsoleService.cookieName)=\(Self.token)") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let orders = await service.handle(Self.get("/orders"))
        #expect(orders.status == 200)
        #expect(orders.header("X-Frame-Options") == "DENY")
        #expect(orders.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(!orders.text.contains(Self.token), "the token is never rendered")
    }

    @Test("a request addressed to another host name is refused (DNS rebinding)")
    func host() async throws {
        let (service, _) = try Self.service()
        #expect(await service.handle(Self.get("/orders", host: "evil.example:8123")).status == 421)
        #expect(await service.handle(Self.get("/orders", host: "localhost:8123")).status == 200)
    }

    @Test("a form without the CSRF token, or sent from another site, is refused and changes nothing")
    func csrf() async throws {
        let (service, _) = try Self.service()
        let missing = await service.handle(Self.post("/tasks", [("order", "SG-1000101")]))
        #expect(missing.status == 403)
        #expect(missing.text.contains("CSRF"))
        let crossSite = await service.handle(Self.post("/tasks", [("order", "SG-1000101"), ("csrf", service.csrfToken)],
                                                       extraHeaders: [("Sec-Fetch-Site", "cross-site")]))
        #expect(crossSite.status == 403)
        #expect(crossSite.text.contains("another site"))
        #expect(service.jobs.running.isEmpty, "no sync was started")
        let page = await service.handle(Self.get("/tasks"))
        #expect(page.text.contains("No tasks yet"))
    }

    @Test("tabs count the orders by sync status; search and filters narrow the list; buyer text is escaped")
    func ordersList() async throws {
        let (service, _) = try Self.service()
        let pending = await service.handle(Self.get("/orders?tab=pending"))
        #expect(pending.text.contains("Pending<span class=\"count\">69</span>"))
        #expect(pending.text.contains("Completed<span class=\"count\">0</span>"))
        #expect(pending.text.contains("69 pending orders shown."))
        #expect(!pending.text.contains(Self.hostile), "order fields are escaped")
        #expect(!pending.text.contains(Self.hostileNumber))
        #expect(pending.text.contains("&lt;i&gt;N&#39;1&lt;/i&gt;"))
        let searched = await service.handle(Self.get("/orders?tab=pending&q=SG-100010"))
        #expect(searched.text.contains("9 pending orders shown."), "SG-1000101 … SG-1000109")
        let lazada = await service.handle(Self.get("/orders?tab=pending&channel=lazada&from=2025-09-01&to=2025-09-05"))
        #expect(lazada.text.contains("SG-1000102") && !lazada.text.contains("SG-1000101\""))
        let badDate = await service.handle(Self.get("/orders?tab=pending&from=01/09/2025"))
        #expect(badDate.text.contains("&#39;01/09/2025&#39; is not a date for from; use YYYY-MM-DD"))
    }

    @Test("an order's invoice preview shows each field with what decided it; a product name with markup is text")
    func preview() async throws {
        let (service, _) = try Self.service()
        let page = await service.handle(Self.get("/orders/SG-1000101"))
        #expect(page.status == 200)
        #expect(page.text.contains("id=\"invoice-header\"") && page.text.contains("id=\"invoice-lines\""))
        #expect(page.text.contains("docref1 LS-SG-1000101"))
        #expect(page.text.contains("rules/acme-living/pack.yaml:"), "provenance names the pack file and line")
        let hostile = await service.handle(Self.get("/orders/HOSTILE-1"))
        #expect(!hostile.text.contains(Self.hostile))
        #expect(hostile.text.contains("Chair &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        let missing = await service.handle(Self.get("/orders/NOPE-1"))
        #expect(missing.status == 500)
        #expect(missing.text.contains("order &#39;NOPE-1&#39; is not in the state store"))
    }

    @Test("an uploaded orders file is imported into the state store; an unreadable one is named")
    func upload() async throws {
        let (service, directory) = try Self.service()
        let boundary = "----ledgersync-test"
        func multipart(_ name: String, _ content: String) -> [UInt8] {
            var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(service.csrfToken)\r\n"
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n\(content)\r\n"
            body += "--\(boundary)--\r\n"
            return Array(body.utf8)
        }
        let seed = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        let line = String(seed.split(separator: "\n")[1]).replacingOccurrences(of: "\"id\":\"SG-1000102\"", with: "\"id\":\"UP-1\"")
        let request = ConsoleRequest(method: "POST", target: "/orders/import",
                                     headers: [("Host", "127.0.0.1:8123"), ("Cookie", "\(ConsoleService.cookieName)=\(Self.token)"),
                                               ("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                                     body: multipart("more.jsonl", line + "\n{\"id\": \"BROKEN-1\", \"lines\": 3}\n"))
        let answer = await service.handle(request)
        #expect(answer.status == 303)
        let location = try #require(answer.header("Location"))
        #expect(location.hasPrefix("/orders?problem="), "\(location)")
        let message = try #require(location.removingPercentEncoding)
        #expect(message.contains("Imported 2 orders from more.jsonl: 1 new") && message.contains("1 could not be read") && message.contains("BROKEN-1"))
        let counts = try StateViews.orderCounts(statePath: directory + "/state.sqlite")
        #expect(counts[.pending] == 70)
        #expect(FileManager.default.fileExists(atPath: directory + "/uploads"), "the upload is kept beside the state store")
    }
}

/// The console's flows that send: against the sandbox it starts, through the same entry point the server calls.
@Suite("Web console syncs", .serialized)
struct ConsoleSyncTests {
    static func started() async throws -> (ConsoleService, String) {
        let directory = NSTemporaryDirectory() + "ledgersync-console-sync-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let service = ConsoleService(configuration: ConsoleConfiguration(packDirectory: ConsoleServiceTests.pack, statePath: directory + "/state.sqlite",
                                                                          endpoint: nil, sandbox: true, asOf: CalendarDateFixture.october1,
                                                                          token: ConsoleServiceTests.token, environment: [:]))
        try await service.start()
        service.listening(onPort: 8123)
        return (service, directory)
    }

    static func upload(_ service: ConsoleService, path: String) async throws {
        let boundary = "----ledgersync-sync-test"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(service.csrfToken)\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"orders.jsonl\"\r\n\r\n".utf8)
        body += Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let answer = await service.handle(ConsoleRequest(method: "POST", target: "/orders/import",
                                                         headers: [("Host", "127.0.0.1:8123"), ("Cookie", "\(ConsoleService.cookieName)=\(ConsoleServiceTests.token)"),
                                                                   ("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body))
        #expect(answer.header("Location")?.hasPrefix("/orders?notice=Imported%2068%20orders") == true, "\(answer.header("Location") ?? "")")
    }

    /// Follows a job's page until it is no longer running.
    static func finished(_ service: ConsoleService, _ location: String) async throws -> String {
        for _ in 0..<300 {
            let page = await service.handle(ConsoleServiceTests.get(location))
            if !page.text.contains("http-equiv=\"refresh\"") { return page.text }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        Issue.record("the job at \(location) did not finish in 30 s")
        return ""
    }

    @Test("ticked orders become a task that syncs to the sandbox; the task page shows each order's SQL invoice")
    func tickedTask() async throws {
        let (service, _) = try await Self.started()
        defer { Task { await service.stop() } }
        try await Self.upload(service, path: Golden.packageRoot + "/examples/orders/2025-09.jsonl")
        let tooMany = await service.handle(ConsoleServiceTests.post("/tasks", (0..<151).map { ("order", "X-\($0)") } + [("csrf", service.csrfToken)]))
        #expect(tooMany.header("Location")?.removingPercentEncoding?.contains("151 orders are ticked; a task takes at most 150") == true)
        let create = await service.handle(ConsoleServiceTests.post("/tasks", [("order", "SG-1000101"), ("order", "SG-1000102"), ("order", "SG-1000117"),
                                                                               ("csrf", service.csrfToken)]))
        let location = try #require(create.header("Location"))
        #expect(location.hasPrefix("/jobs/"))
        let job = try await Self.finished(service, location)
        #expect(job.contains("2 created, 0 adopted, 0 failed, 1 excluded"), "\(job)")
        let task = await service.handle(ConsoleServiceTests.get("/tasks/1"))
        #expect(task.text.contains("2509014EAM4Y3J") && task.text.contains("157683824297273"), "each order's SQL invoice number")
        let orders = await service.handle(ConsoleServiceTests.get("/orders?tab=completed"))
        #expect(orders.text.contains("Completed<span class=\"count\">2</span>") && orders.text.contains("Pending<span class=\"count\">65</span>"))
    }

    @Test("the status page: Active against the sandbox, no key rendered; the pack's name and commit, and a warning for uncommitted edits")
    func status() async throws {
        let directory = NSTemporaryDirectory() + "ledgersync-console-git-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Golden.packageRoot + "/rules", toPath: directory + "/rules")
        func git(_ arguments: String...) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", directory, "-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "git \(arguments)")
        }
        try git("init", "-q")
        try git("add", "-A")
        try git("commit", "-q", "-m", "pack")
        let service = ConsoleService(configuration: ConsoleConfiguration(packDirectory: directory + "/rules/acme-living", statePath: directory + "/state.sqlite",
                                                                          endpoint: nil, sandbox: true, token: ConsoleServiceTests.token, environment: [:]))
        try await service.start()
        defer { Task { await service.stop() } }
        service.listening(onPort: 8123)
        let clean = await service.handle(ConsoleServiceTests.get("/status"))
        #expect(clean.text.contains("badge Active"), "\(clean.text)")
        #expect(clean.text.contains("<dd id=\"pack-name\">acme-living</dd>"))
        #expect(!clean.text.contains("id=\"pack-revision\">not in a git repository"))
        #expect(!clean.text.contains("id=\"uncommitted\""))
        #expect(!clean.text.contains(EmbeddedSandbox.defaultSecretKey), "no secret is rendered")
        try "# an edit\n".write(toFile: directory + "/rules/acme-living/matching.yaml", atomically: false, encoding: .utf8)
        let dirty = await service.handle(ConsoleServiceTests.get("/status"))
        #expect(dirty.text.contains("id=\"uncommitted\"") && dirty.text.contains("matching.yaml"), "\(dirty.text)")
    }

    @Test("two tabs adding a task of the same orders at once: each order's invoice is created once")
    func twoTabs() async throws {
        let (service, _) = try await Self.started()
        defer { Task { await service.stop() } }
        try await Self.upload(service, path: Golden.packageRoot + "/examples/orders/2025-09.jsonl")
        let ticked = [("order", "SG-1000101"), ("order", "SG-1000102"), ("order", "SG-1000103"), ("csrf", service.csrfToken)]
        async let first = service.handle(ConsoleServiceTests.post("/tasks", ticked))
        async let second = service.handle(ConsoleServiceTests.post("/tasks", ticked))
        let locations = [try #require(await first.header("Location")), try #require(await second.header("Location"))]
        var created = 0
        for location in locations {
            let job = try await Self.finished(service, location)
            if let range = job.range(of: #"(\d+) created"#, options: .regularExpression) {
                created += Int(job[range].split(separator: " ")[0]) ?? 0
            } else {
                #expect(job.contains("is syncing") || job.contains("waiting"), "the other tab's sync is refused, not run twice: \(job)")
            }
        }
        #expect(created == 3, "three orders, three invoices in all")
        let orders = await service.handle(ConsoleServiceTests.get("/orders?tab=completed"))
        #expect(orders.text.contains("Completed<span class=\"count\">3</span>"))
    }

    @Test("the plan page shows the dry run; Sync carries out exactly that plan, and the same plan again is refused as stale")
    func planAndSync() async throws {
        let (service, directory) = try await Self.started()
        defer { Task { await service.stop() } }
        try await Self.upload(service, path: Golden.packageRoot + "/examples/orders/2025-09.jsonl")
        let upload = try #require(try FileManager.default.contentsOfDirectory(atPath: directory + "/uploads").first)
        let made = await service.handle(ConsoleServiceTests.post("/plan", [("orders", directory + "/uploads/" + upload), ("csrf", service.csrfToken)]))
        #expect(made.header("Location") == "/plan")
        let page = await service.handle(ConsoleServiceTests.get("/plan"))
        #expect(page.text.contains("Plan: 51 to create, 0 to update, 0 to cancel, 0 errors (sales invoices); 0 unchanged, 17 excluded"))
        #expect(page.text.contains("2509014EAM4Y3J  300-S0001  2025-09-01  394.00  4 lines"))
        let plan = try #require(try FileManager.default.contentsOfDirectory(atPath: directory + "/plans").first)
        let sync = await service.handle(ConsoleServiceTests.post("/plan/apply", [("plan", directory + "/plans/" + plan), ("csrf", service.csrfToken)]))
        let job = try await Self.finished(service, try #require(sync.header("Location")))
        #expect(job.contains("51 created, 0 adopted, 0 failed, 17 excluded"), "\(job)")
        let again = await service.handle(ConsoleServiceTests.post("/plan/apply", [("plan", directory + "/plans/" + plan), ("csrf", service.csrfToken)]))
        let refused = try await Self.finished(service, try #require(again.header("Location")))
        #expect(refused.contains("the plan is stale: the state store"), "\(refused)")
        let outside = await service.handle(ConsoleServiceTests.post("/plan/apply", [("plan", "/etc/passwd"), ("csrf", service.csrfToken)]))
        #expect(outside.header("Location")?.removingPercentEncoding?.contains("not one of the console's saved plans") == true)
    }
}

enum CalendarDateFixture {
    static let october1 = CalendarDate(year: 2025, month: 10, day: 1)
}
