import Foundation
import LedgerCore
import LedgerSyncKit
import RulePack
import SQLAccount
import Sandbox

/// How `ledgersync console` was started.
public struct ConsoleConfiguration: Sendable {
    public var packDirectory: String
    /// nil: `--state`'s default (`.ledgersync/state.sqlite` or `LEDGERSYNC_STATE`).
    public var statePath: String?
    /// Overrides the pack's host (another SQL Account, or a sandbox already running).
    public var endpoint: String?
    /// Sync to a sandbox the console starts and keeps for as long as it runs.
    public var sandbox: Bool
    /// The date documents are issued "today"; nil: today in Malaysia.
    public var asOf: CalendarDate?
    /// Required on every request (a cookie after the first visit).
    public var token: String
    public var environment: [String: String]

    public init(packDirectory: String, statePath: String?, endpoint: String?, sandbox: Bool, asOf: CalendarDate? = nil, token: String,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.packDirectory = packDirectory
        self.statePath = statePath
        self.endpoint = endpoint
        self.sandbox = sandbox
        self.asOf = asOf
        self.token = token
        self.environment = environment
    }

    /// 32 random bytes as hex: the token printed on start.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

/// The console's pages and forms over one pack and one state store. Every read and write is a LedgerSyncKit use case,
/// the same the CLI runs; this type only turns requests into those calls and their results into HTML.
///
/// Security: the Host must be the loopback address the console listens on (no DNS rebinding); every request but the
/// stylesheet and script must carry the session token (from the link printed on start, then an HttpOnly SameSite
/// cookie); every POST must carry the form's CSRF token and must not come from another site.
public final class ConsoleService: @unchecked Sendable {
    public let configuration: ConsoleConfiguration
    let csrfToken = ConsoleConfiguration.randomToken()
    let jobs = JobBoard()
    private let lock = NSLock()
    private var allowedHosts: Set<String> = []
    /// The endpoint syncs go to: the console's own sandbox, `--endpoint`, or nil for the pack's host.
    private(set) var endpoint: String?
    /// The environment use cases read keys from; with the console's sandbox, its keys when the pack's are not set.
    private(set) var environment: [String: String]
    private var sandboxServer: SandboxServer?

    static let cookieName = "ledgersync_console"

    public init(configuration: ConsoleConfiguration) {
        self.configuration = configuration
        endpoint = configuration.endpoint
        environment = configuration.environment
    }

    var statePath: String { StateLocation.resolve(configuration.statePath, environment: environment) }
    var asOf: CalendarDate { configuration.asOf ?? Workflows.today() }

    /// Starts the sandbox when asked for one: it lives as long as the console, so what a sync sent is there for the next.
    public func start() async throws {
        guard configuration.sandbox, sandboxServer == nil else { return }
        let graph = try PackUseCases.load(configuration.packDirectory).graph
        guard let connection = graph.pack.profile?.connection else {
            throw ConsoleError(description: "pack '\(configuration.packDirectory)' is a base pack without a profile; open the console on a client pack")
        }
        let started = try await EmbeddedSandbox.start(for: connection, environment: configuration.environment)
        sandboxServer = started.server
        endpoint = started.endpoint
        // The pack's keys when they resolve; otherwise the sandbox's own, under the names the pack reads them from.
        if (try? SecretResolver.credentials(for: connection, environment: environment)) == nil {
            for (reference, value) in [(connection.accessKey, EmbeddedSandbox.defaultCredentials.accessKey),
                                       (connection.secretKey, EmbeddedSandbox.defaultSecretKey)] {
                if case .environment(let name) = reference { environment[name] = value }
            }
        }
    }

    public func stop() async {
        if let sandboxServer { await sandboxServer.stop() }
        sandboxServer = nil
    }

    /// The host names (with port) a request may address, once the port is known.
    public func listening(onPort port: Int) {
        lock.withLock { allowedHosts = ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"] }
    }

    /// What `ledgersync console` prints: the address with the token, to open in a browser.
    public func link(port: Int) -> String { "http://127.0.0.1:\(port)/?token=\(configuration.token)" }

    public func handle(_ request: ConsoleRequest) async -> ConsoleResponse {
        var response = await route(request)
        // No page may be framed or cached, or tell another site the address it came from (the first one carries the
        // token). `same-origin`, not `no-referrer`: with no referrer at all Chromium sends `Origin: null` on a form post.
        response.headers += [("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
                             ("Cache-Control", "no-store"),
                             ("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")]
        return response
    }

    private func route(_ request: ConsoleRequest) async -> ConsoleResponse {
        let hosts = lock.withLock { allowedHosts }
        if !hosts.isEmpty, !hosts.contains((request.header("host") ?? "").lowercased()) {
            return ConsoleResponse(status: 421, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                   body: Array("The console answers only at http://127.0.0.1 on its own port.\n".utf8))
        }
        switch (request.method, request.path) {
        case ("GET", "/static/console.css"):
            return ConsoleResponse(status: 200, headers: [("Content-Type", "text/css; charset=utf-8")], body: Array(StaticAssets.css.utf8))
        case ("GET", "/static/console.js"):
            return ConsoleResponse(status: 200, headers: [("Content-Type", "text/javascript; charset=utf-8")], body: Array(StaticAssets.javascript.utf8))
        default:
            break
        }
        if let given = request.queryValue("token"), request.method == "GET" {
            guard Self.same(given, configuration.token) else { return unauthorized() }
            // The token moves into a cookie, and out of the address bar and history.
            let rest = request.query.filter { $0.name != "token" }.map { ($0.name, Optional($0.value)) }
            let target = (request.path == "/" ? Section.orders.path : request.path) + FormEncoding.query(rest)
            var response = ConsoleResponse.redirect(target)
            response.headers.append(("Set-Cookie", "\(Self.cookieName)=\(configuration.token); Path=/; HttpOnly; SameSite=Strict"))
            return response
        }
        guard let cookie = request.cookies[Self.cookieName], Self.same(cookie, configuration.token) else { return unauthorized() }
        if request.method == "POST" {
            if let problem = crossSiteProblem(request) { return forbidden(problem) }
        }
        do {
            return try await dispatch(request)
        } catch let failure as CommandFailure {
            return errorPage(FailureRendering.text(failure, format: .text), request: request)
        } catch {
            return errorPage("\(error)", request: request)
        }
    }

    private func dispatch(_ request: ConsoleRequest) async throws -> ConsoleResponse {
        let segments = request.segments
        switch (request.method, segments.first ?? "") {
        case ("GET", ""): return .redirect(Section.orders.path)
        case (_, "orders"): return try await ordersRoute(request, Array(segments.dropFirst()))
        case (_, "tasks"): return try await tasksRoute(request, Array(segments.dropFirst()))
        case (_, "plan"): return try await planRoute(request, Array(segments.dropFirst()))
        case ("GET", "jobs") where segments.count == 2: return jobPage(request, id: segments[1])
        case ("GET", "status"): return await statusPage(request)
        case (_, "payments"): return try await paymentsRoute(request, Array(segments.dropFirst()))
        default: return notFound(request)
        }
    }

    // MARK: security

    /// Compares in time independent of where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// Why a POST is refused, or nil: a browser says where a request came from (`Sec-Fetch-Site`, `Origin`), and every
    /// form carries the CSRF token; a page on another site can forge neither.
    func crossSiteProblem(_ request: ConsoleRequest) -> String? {
        if let site = request.header("sec-fetch-site"), site != "same-origin", site != "none" {
            return "the form was sent from another site (\(site)); use the console's own pages"
        }
        if let origin = request.header("origin"), let host = request.header("host"), origin != "http://\(host)" {
            return "the form was sent from \(origin), not from the console"
        }
        let sent = (try? request.form().value("csrf")) ?? nil
        guard let sent, Self.same(sent, csrfToken) else {
            return "the form has no valid CSRF token; reload the page and send it again"
        }
        return nil
    }

    // MARK: responses

    func page(_ page: Page, status: Int = 200) -> ConsoleResponse {
        .html(page.render(packName: configuration.packDirectory), status: status)
    }

    private func unauthorized() -> ConsoleResponse {
        page(Page(title: "Open the console's link", section: nil,
                  body: "<p>This console needs the link <code>ledgersync console</code> printed when it started (it carries a one-time token). Open that link in this browser.</p>"),
             status: 401)
    }

    private func forbidden(_ problem: String) -> ConsoleResponse {
        page(Page(title: "Refused", section: nil, body: "<p class=\"problem\" role=\"alert\" id=\"problem\">\(HTML.escape(problem))</p>"), status: 403)
    }

    func notFound(_ request: ConsoleRequest) -> ConsoleResponse {
        page(Page(title: "Not found", section: nil, body: "<p>There is no page at <code>\(HTML.escape(request.path))</code>.</p>"), status: 404)
    }

    /// A use case's failure: after a form, back to the page it came from with the message; on a page, the message.
    func errorPage(_ message: String, request: ConsoleRequest) -> ConsoleResponse {
        if request.method == "POST", let back = (try? request.form().value("back")) ?? nil, back.hasPrefix("/") {
            return .redirect(Self.with(back, problem: message))
        }
        return page(Page(title: "Something went wrong", section: nil, body: "<p class=\"problem\" role=\"alert\" id=\"problem\">\(HTML.escape(message))</p>"), status: 500)
    }

    /// A folder beside the state store for what the console keeps: uploaded files, saved plans.
    func folder(_ name: String) throws -> String {
        let directory = (statePath as NSString).deletingLastPathComponent
        let folder = (directory.isEmpty ? "." : directory) + "/" + name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Saves an upload under `folder` with a time stamp and a name made safe for a path; returns where.
    func keep(_ file: UploadedFile, in folderName: String) throws -> String {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let safeName = file.fileName.filter { $0.isLetter || $0.isNumber || "._-".contains($0) }
        let path = try folder(folderName) + "/\(stamp)-\(safeName.isEmpty ? "upload" : safeName)"
        try AtomicFile.write(file.bytes, to: path)
        return path
    }

    /// The files of a folder beside the state store, newest first.
    func kept(in folderName: String) -> [String] {
        guard let folder = try? folder(folderName), let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { !$0.hasPrefix(".") }.sorted(by: >).map { folder + "/" + $0 }
    }

    /// `path` with a flash message added to its query.
    static func with(_ path: String, notice: String? = nil, problem: String? = nil) -> String {
        let separator = path.contains("?") ? "&" : "?"
        // A long report is cut: the whole of it is on the page it came from.
        func short(_ text: String) -> String { text.count > 1500 ? String(text.prefix(1500)) + " …" : text }
        if let notice { return path + separator + "notice=" + FormEncoding.escape(short(notice)) }
        if let problem { return path + separator + "problem=" + FormEncoding.escape(short(problem)) }
        return path
    }
}

public struct ConsoleError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
