import Foundation
import SQLAccount
import Testing

@Suite struct ConnectionStatusTests {
    static func check(_ steps: [ScriptedTransport.Step], enabled: Bool = true) async -> (ConnectionStatus, ScriptedTransport) {
        let transport = ScriptedTransport(steps)
        let status = await ConnectionStatus.check(Fixture.client(transport), integrationEnabled: enabled)
        return (status, transport)
    }

    @Test func ok200IsActive() async {
        let (status, transport) = await Self.check([Fixture.json(200, #"{"version":"5.2025.1038.875"}"#)])
        #expect(status == .active)
        #expect(status.label == "Active")
        #expect(transport.requests.map { path(of: $0) } == ["/version"])
    }

    @Test(arguments: [401, 403])
    func rejectedCredentialsAreInactive(code: Int) async {
        let (status, transport) = await Self.check([Fixture.json(code, #"{"message":"signature rejected"}"#)])
        guard case .inactive(let reason) = status else {
            Issue.record("expected inactive, got \(status)")
            return
        }
        #expect(reason.contains("credentials rejected (HTTP \(code): signature rejected)"))
        #expect(transport.requests.count == 1)
    }

    @Test func disabledIntegrationIsInactiveWithoutARequest() async {
        let (status, transport) = await Self.check([], enabled: false)
        #expect(status.label == "Inactive")
        #expect(status.reason.contains("disabled"))
        #expect(transport.requests.isEmpty)
    }

    @Test func timeoutIsTimeout() async {
        let (status, transport) = await Self.check([.fail(HTTPTransportError(.timedOut))])
        #expect(status.label == "Timeout")
        #expect(status.reason.contains("no answer within the timeout"))
        #expect(transport.requests.count == 1)  // no retry
    }

    @Test func refusedIsTimeoutAndNotRetried() async {
        let (status, transport) = await Self.check([.fail(HTTPTransportError(.connectionRefused)), Fixture.json(200, "{}")])
        #expect(status == .timeout(reason: "connection refused; is the SQL Account API service running?"))
        #expect(transport.requests.count == 1)
    }

    @Test func dnsIsTimeout() async {
        let (status, _) = await Self.check([.fail(HTTPTransportError(.dnsFailure))])
        #expect(status.label == "Timeout")
        #expect(status.reason.contains("DNS"))
    }

    @Test func serviceUnavailableIsTimeout() async {
        let (status, transport) = await Self.check([Fixture.html(503, "<title>503 Service Unavailable</title>")])
        guard case .timeout(let reason) = status else {
            Issue.record("expected timeout, got \(status)")
            return
        }
        #expect(reason.contains("HTTP 503"))
        #expect(reason.contains("503 Service Unavailable"))
        #expect(transport.requests.count == 1)
    }

    @Test func versionMissingFallsBackToProfile() async {
        let (status, transport) = await Self.check([Fixture.json(404, ""), Fixture.json(200, #"{"data":[]}"#)])
        #expect(status == .active)
        #expect(transport.requests.map { path(of: $0) } == ["/version", "/profile"])
    }

    @Test func descriptionIsLabelAndReason() {
        #expect(ConnectionStatus.active.description == "Active: the API answered and accepted the signature")
    }
}
