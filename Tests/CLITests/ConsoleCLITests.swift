import Foundation
import Testing
import TestSupport

/// `ledgersync console` as a process: the link it prints, the token file, the token it requires, and stopping.
@Suite("ledgersync console", .serialized)
struct ConsoleCLITests {
    /// Starts the console and returns it with the link it printed.
    static func start(_ extra: [String]) throws -> (Process, String) {
        let (process, link, _) = try SandboxServeCLITests.launch(["console"] + Args.acme + extra, readyAfter: "console: open ")
        return (process, link)
    }

    static func status(_ url: String, cookie: String? = nil) async throws -> (Int, String) {
        let address = try #require(URL(string: url))
        let path = address.path.isEmpty ? "/" : address.path
        let target = path + (address.query.map { "?" + $0 } ?? "")
        return try await LocalPage.get(port: try #require(address.port), path: target, headers: cookie.map { ["Cookie": $0] } ?? [:])
    }

    @Test("prints a link with the token from --token-file (made owner-only when missing, kept across restarts); pages need it; SIGTERM stops it")
    func tokenFile() async throws {
        let directory = try scratchDirectory("console-token")
        let tokenFile = directory + "/console.token"
        let arguments = ["--sandbox", "--state", directory + "/state.sqlite", "--token-file", tokenFile, "--as-of", "2025-10-01"]
        let (process, link) = try Self.start(arguments)
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 64)
        #expect(link.hasPrefix("http://127.0.0.1:") && link.hasSuffix("/?token=\(token)"), "\(link)")
        let permissions = try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? NSNumber
        #expect(permissions?.intValue == 0o600)
        let base = String(link[..<(link.range(of: "/?token=")?.lowerBound ?? link.endIndex)])
        #expect(try await Self.status(base + "/orders").0 == 401)
        let (login, _) = try await Self.status(link)
        #expect(login == 303)
        let (orders, page) = try await Self.status(base + "/orders", cookie: "ledgersync_console=\(token)")
        #expect(orders == 200)
        #expect(page.contains("No orders imported yet"))
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let (again, secondLink) = try Self.start(arguments)
        #expect(secondLink.hasSuffix("/?token=\(token)"), "the same token after a restart")
        again.terminate()
        again.waitUntilExit()
    }

    @Test("usage errors exit 1 and name the flag")
    func usage() async throws {
        let both = try await CLI.run(["console"] + Args.acme + ["--sandbox", "--endpoint", "http://127.0.0.1:1"])
        #expect(both.status == 1)
        #expect(both.stderr.contains("give --sandbox or --endpoint, not both"), "\(both.stderr)")
        let port = try await CLI.run(["console"] + Args.acme + ["--port", "70000"])
        #expect(port.status == 1 && port.stderr.contains("--port must be between 0 and 65535"))
    }
}
