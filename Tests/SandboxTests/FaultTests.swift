import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerJSON
import Testing
@testable import Sandbox

@Suite("Fault injection")
struct FaultTests {
    @Test func parsesSpecs() throws {
        let spec = try FaultSpec.parse("latency=100,error500=0.1,ratelimit429=0.2,timeout=0.05,commit-drop=0.2")
        #expect(spec == FaultSpec(latencyMilliseconds: 100, error500: 0.1, rateLimit429: 0.2, timeout: 0.05, commitDrop: 0.2))
        #expect(try FaultSpec.parse(spec.description) == spec)
        #expect(try FaultSpec.parse("") == .none)
        #expect(try FaultSpec.parse("hold=250, seed=7, scope=all, timeout=1") ==
                FaultSpec(timeout: 1, holdMilliseconds: 250, seed: 7, scope: .all))
    }

    @Test(arguments: [
        ("error500=1.5", "error500=1.5", "from 0 to 1"),
        ("latency=100,error5OO=0.1", "error5OO=0.1", "did you mean 'error500'"),
        ("timeout", "timeout", "name=value"),
        ("latency=-5", "latency=-5", "whole milliseconds"),
        ("commit-drop=0.1,commit-drop=0.2", "commit-drop=0.2", "twice"),
        ("error500=0.1,,timeout=0.1", "", "empty part"),
        ("ratelimit429=1e-1", "ratelimit429=1e-1", "from 0 to 1"),
        ("scope=some", "scope=some", "documents"),
    ])
    func badSpecsNameTheBadPart(spec: String, part: String, message: String) {
        do {
            _ = try FaultSpec.parse(spec)
            Issue.record("\(spec) parsed")
        } catch let error as FaultSpecError {
            #expect(error.part == part)
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.contains("'\(part)'"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func seededDrawsRepeat() {
        let spec = FaultSpec(error500: 0.3, seed: 42)
        let first = FaultState(spec), second = FaultState(spec)
        let a = (0..<200).map { _ in first.draw(\.error500) }
        let b = (0..<200).map { _ in second.draw(\.error500) }
        #expect(a == b)
        #expect((40...80).contains(a.filter { $0 }.count))
    }

    @Test func rateLimitAnswersWithNginxsHTMLPageOnDocumentRoutesOnly() async throws {
        try await withSandbox(try Fixtures.configuration(faults: try FaultSpec.parse("ratelimit429=1"))) { _, client in
            let response = try await client.get("/salesinvoice", [("offset", "0")])
            #expect(response.status == 429)
            #expect(response.headers["content-type"]?.hasPrefix("text/html") == true)
            #expect(response.text.contains("<title>429 Too Many Requests</title>"))
            #expect(response.text.contains("<center>nginx</center>"))
            #expect(response.json == nil)
            #expect(try await client.get("/version").status == 200)
        }
    }

    @Test func error500DoesNothing() async throws {
        try await withSandbox(try Fixtures.configuration(faults: try FaultSpec.parse("error500=1"))) { server, client in
            let response = try await client.post("/salesinvoice", Docs.invoice(docref1: "E-1"))
            #expect(response.status == 500)
            #expect(response.headers["x-sandbox-fault"] == "error500")
            #expect(await server.service.store.documentCount == 0)
        }
    }

    @Test func latencyDelaysEveryResponse() async throws {
        try await withSandbox(try Fixtures.configuration(faults: try FaultSpec.parse("latency=300"))) { _, client in
            let start = Date()
            let response = try await client.get("/version")
            #expect(response.status == 200)
            #expect(Date().timeIntervalSince(start) >= 0.3)
        }
    }

    @Test func timeoutHoldsLongerThanTheClientWaitsAndIsReleasedOnStop() async throws {
        let configuration = try Fixtures.configuration(faults: try FaultSpec.parse("timeout=1,hold=90000"))
        let server = SandboxServer(configuration: configuration)
        let port = try await server.start()
        let client = SandboxClient(port: port)
        let start = Date()
        do {
            let response = try await client.send("POST", "/salesinvoice", body: Docs.invoice(docref1: "T-1"), timeout: 0.5)
            Issue.record("expected a client timeout, got \(response.status)")
        } catch let error as URLError {
            #expect(error.code == .timedOut)
        }
        // Bounds far below the 90 s hold, with room for a CI machine running every suite at once (stop took 9.4 s there).
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(await server.service.store.documentCount == 0)
        let stopping = Date()
        await server.stop()  // the held request is released, not waited out
        #expect(Date().timeIntervalSince(stopping) < 30)
    }

    @Test func commitDropCommitsThenClosesTheConnection() async throws {
        try await withSandbox(try Fixtures.configuration(faults: try FaultSpec.parse("commit-drop=1"))) { server, client in
            do {
                let response = try await client.post("/salesinvoice", Docs.invoice(docref1: "LS-SG-1000101"))
                Issue.record("expected a dropped connection, got \(response.status)")
            } catch is URLError {
                // Dropped (or, if libcurl re-sent the request on a reused connection, timed out): either way no answer.
            }
            // Reads are not writes: the client can look the invoice up by its idempotency key.
            let found = try await client.get("/salesinvoice", [("docref1", "LS-SG-1000101")])
            #expect(found.status == 200)
            #expect(found.records.count == 1)
            #expect(found.record?.string("docno") == "IV-00001")

            // A PUT is committed and dropped the same way.
            let cancel: JSONValue = .object(["cancelled": .bool(true), "updatecount": .int(1)])
            await #expect(throws: URLError.self) { _ = try await client.put("/salesinvoice/1", cancel) }
            let cancelled = try await client.get("/salesinvoice/1")
            #expect(cancelled.record?["cancelled"] == .bool(true))
            #expect(cancelled.record?.int("updatecount") == 1)

            // Failed writes commit nothing, so they are answered normally.
            let rejected = try await client.post("/salesinvoice", Docs.invoice(docref1: "X", code: "300-X0000"))
            #expect(rejected.status == 400)

            server.setFaults(.none)
            let after = try await client.post("/salesinvoice", Docs.invoice(docref1: "LS-SG-1000102"))
            #expect(after.record?.string("docno") == "IV-00002")
        }
    }

    /// On a reused keep-alive connection, libcurl (URLSession on Linux) answers a connection closed without a
    /// response by silently re-sending the request on a new connection; here the re-send carries no body, so the
    /// client waits out its timeout. Either way the client cannot tell whether the POST happened — only a lookup
    /// by docref1 can.
    @Test func commitDropOnAKeepAliveConnection() async throws {
        try await withSandbox { server, client in
            let session = URLSession(configuration: .ephemeral)
            defer { session.finishTasksAndInvalidate() }
            var shared = client
            shared.sharedSession = session
            let warmUp = try await shared.get("/version")
            #expect(warmUp.status == 200)
            server.setFaults(try FaultSpec.parse("commit-drop=1"))
            await #expect(throws: URLError.self) {
                _ = try await shared.send("POST", "/salesinvoice", body: Docs.invoice(docref1: "LS-KEEPALIVE"), timeout: 1)
            }
            server.setFaults(.none)
            let found = try await client.get("/salesinvoice", [("docref1", "LS-KEEPALIVE")])
            #expect(found.records.count >= 1)
        }
    }
}
