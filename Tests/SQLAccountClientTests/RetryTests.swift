import Foundation
import SQLAccount
import Testing

@Suite struct RetryTests {
    @Test func rateLimitedThenOKIsRetriedAndTheAdaptiveBackoffGrowsThenDecays() async throws {
        let adaptive = AdaptiveBackoff(initialDelay: 0.5, maxDelay: 30, decay: 0.5, floor: 0.05)
        let sleeper = RecordingSleeper()
        let transport = ScriptedTransport([
            Fixture.html(429, Fixture.nginx429, headers: [HeaderField("Retry-After", "2")]),
            Fixture.json(200, #"{"data":[{"dockey":1}]}"#),
            Fixture.json(200, "{}"),
            Fixture.json(200, "{}"),
        ])
        let client = Fixture.client(transport, sleeper: sleeper, policy: Fixture.policy(adaptive: adaptive))

        let record = try await client.create(.salesInvoice, body: ["docref1": .string("R1")])
        #expect(record.dockey == 1)
        #expect(transport.requests.count == 2)
        #expect(sleeper.sleeps == [2])             // Retry-After honoured (backoff alone would be 0.5)
        #expect(adaptive.rateLimitCount == 1)
        #expect(adaptive.currentDelay == 1)        // grew to 2 on the 429, halved by the success

        _ = try await client.version()             // paced by the shared delay, then decays again
        #expect(sleeper.sleeps == [2, 1])
        #expect(adaptive.currentDelay == 0.5)
        _ = try await client.version()
        #expect(sleeper.sleeps == [2, 1, 0.5])
        #expect(adaptive.currentDelay == 0.25)
    }

    @Test func adaptiveBackoffIsSharedAcrossConcurrentWorkers() async throws {
        let adaptive = AdaptiveBackoff(initialDelay: 1, maxDelay: 4, decay: 0.5, floor: 0.3)
        adaptive.recordRateLimited(retryAfter: nil)
        #expect(adaptive.currentDelay == 1)
        adaptive.recordRateLimited(retryAfter: nil)
        #expect(adaptive.currentDelay == 2)
        adaptive.recordRateLimited(retryAfter: 60)
        #expect(adaptive.currentDelay == 4)        // capped

        let sleeper = RecordingSleeper()
        let transport = ScriptedTransport(handler: { _ in .respond(.json(200, "{}")) })
        let client = Fixture.client(transport, sleeper: sleeper, policy: Fixture.policy(adaptive: adaptive))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try await client.version() } }
            try await group.waitForAll()
        }
        #expect(transport.requests.count == 8)
        #expect(sleeper.sleeps.count >= 1)
        #expect(adaptive.currentDelay == 0)        // 4 → 2 → 1 → 0.5 → (0.25 < floor) 0
    }

    @Test func rateLimitedWithoutRetryAfterBacksOffExponentially() async throws {
        let sleeper = RecordingSleeper()
        let transport = ScriptedTransport([
            Fixture.html(429, Fixture.nginx429), Fixture.html(429, Fixture.nginx429), Fixture.html(429, Fixture.nginx429),
            Fixture.html(429, Fixture.nginx429),
        ])
        let client = Fixture.client(transport, sleeper: sleeper)
        let error = await caught { try await client.version() }
        #expect(error as? SQLAccountError == .rateLimited(retryAfter: nil))
        #expect(transport.requests.count == 4)
        #expect(sleeper.sleeps == [0.5, 1, 2])
    }

    @Test func aRetryAfterLongerThanTheLimitIsReturnedNotWaited() async throws {
        let sleeper = RecordingSleeper()
        let transport = ScriptedTransport([Fixture.html(429, Fixture.nginx429, headers: [HeaderField("Retry-After", "600")])])
        let error = await caught { try await Fixture.client(transport, sleeper: sleeper).version() }
        #expect(error as? SQLAccountError == .rateLimited(retryAfter: 600))
        #expect(sleeper.sleeps.isEmpty)
        #expect(transport.requests.count == 1)
    }

    @Test func serviceUnavailableIsRetried() async throws {
        let sleeper = RecordingSleeper()
        let transport = ScriptedTransport([
            Fixture.html(503, "<title>503 Service Temporarily Unavailable</title>"),
            Fixture.json(201, #"{"data":[{"dockey":9}]}"#),
        ])
        let record = try await Fixture.client(transport, sleeper: sleeper).create(.salesInvoice, body: ["docref1": .string("R9")])
        #expect(record.dockey == 9)
        #expect(transport.requests.count == 2)
        #expect(sleeper.sleeps == [0.5])
    }

    @Test func timeoutIsNotRetriedAndIsAmbiguous() async throws {
        let sleeper = RecordingSleeper()
        let transport = ScriptedTransport([.fail(HTTPTransportError(.timedOut)), Fixture.json(200, "{}")])
        let error = await caught {
            try await Fixture.client(transport, sleeper: sleeper).create(.salesInvoice, body: ["docref1": .string("R")])
        }
        let failure = try #require(error as? SQLAccountError)
        #expect(failure == .timeout)
        #expect(failure.isAmbiguous)
        #expect(!failure.isBlindlyRetryable)
        #expect(transport.requests.count == 1)
        #expect(sleeper.sleeps.isEmpty)
    }

    @Test func connectionLostAfterSendingIsNotRetried() async throws {
        let transport = ScriptedTransport([.fail(HTTPTransportError(.connectionLost)), Fixture.json(200, "{}")])
        let error = await caught { try await Fixture.client(transport).update(.salesInvoice, dockey: 1, body: ["a": .int(1)]) }
        #expect(error as? SQLAccountError == .transport(.connectionLost, ambiguous: true))
        #expect(transport.requests.count == 1)
    }

    @Test func serverErrorOnAWriteIsNotRetried() async throws {
        let transport = ScriptedTransport([Fixture.json(500, #"{"message":"Operation aborted"}"#), Fixture.json(200, "{}")])
        let error = await caught { try await Fixture.client(transport).create(.salesInvoice, body: ["a": .int(1)]) }
        #expect(error as? SQLAccountError == .server(status: 500, message: "Operation aborted", ambiguous: true))
        #expect(transport.requests.count == 1)
    }

    @Test func gatewayTimeoutOnAReadIsRetriedButNotOnAWrite() async throws {
        let read = ScriptedTransport([Fixture.html(504, "<title>504 Gateway Time-out</title>"), Fixture.json(200, #"{"data":[]}"#)])
        _ = try await Fixture.client(read).find(.salesInvoice, docref1: "R")
        #expect(read.requests.count == 2)

        let write = ScriptedTransport([Fixture.html(504, "<title>504 Gateway Time-out</title>"), Fixture.json(200, "{}")])
        let error = await caught { try await Fixture.client(write).create(.salesInvoice, body: ["a": .int(1)]) }
        #expect((error as? SQLAccountError)?.isAmbiguous == true)
        #expect(write.requests.count == 1)
    }

    @Test func connectionRefusedIsRetried() async throws {
        let sleeper = RecordingSleeper()
        let transport = ScriptedTransport([
            .fail(HTTPTransportError(.connectionRefused)), .fail(URLError(.cannotConnectToHost)), Fixture.json(200, "{}"),
        ])
        _ = try await Fixture.client(transport, sleeper: sleeper).create(.salesInvoice, body: ["a": .int(1)])
        #expect(transport.requests.count == 3)
        #expect(sleeper.sleeps == [0.5, 1])
    }

    @Test func givesUpAfterMaxAttemptsWithTheLastError() async throws {
        let transport = ScriptedTransport([
            .fail(HTTPTransportError(.dnsFailure)), .fail(HTTPTransportError(.dnsFailure)), .fail(HTTPTransportError(.dnsFailure)),
        ])
        let error = await caught { try await Fixture.client(transport, policy: Fixture.policy(maxAttempts: 3)).version() }
        #expect(error as? SQLAccountError == .transport(.dnsFailure, ambiguous: false))
        #expect(transport.requests.count == 3)
    }

    @Test func sendCanOverrideThePolicy() async throws {
        let transport = ScriptedTransport([Fixture.html(503, ""), Fixture.json(200, "{}")])
        let error = await caught {
            try await Fixture.client(transport).send(SQLAccountRequest(method: "GET", path: "/version"), retrying: .never)
        }
        #expect(error as? SQLAccountError == .server(status: 503, message: "", ambiguous: false))
        #expect(transport.requests.count == 1)
    }

    @Test func onRetryIsToldEachRetry() async throws {
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var events: [String] = []
        }
        let log = Log()
        var policy = Fixture.policy()
        policy.onRetry = { event in
            log.lock.lock()
            log.events.append("\(event.attempt) \(event.request) \(event.error.code) \(event.delay)")
            log.lock.unlock()
        }
        let transport = ScriptedTransport([Fixture.html(503, ""), Fixture.json(200, "{}")])
        _ = try await Fixture.client(transport, policy: policy).version()
        #expect(log.events == ["1 GET /version sqlaccount-server 0.5"])
    }

    @Test func delaysAreExponentialCappedAndJittered() {
        let exact = RetryPolicy(baseDelay: 1, maxDelay: 5, jitter: 0, random: { 0.9 })
        #expect((1...5).map { exact.delay(beforeRetry: $0) } == [1, 2, 4, 5, 5])
        let low = RetryPolicy(baseDelay: 1, maxDelay: 30, jitter: 0.2, random: { 0 })
        let high = RetryPolicy(baseDelay: 1, maxDelay: 30, jitter: 0.2, random: { 0.999999 })
        #expect(low.delay(beforeRetry: 3) == 3.2)
        #expect(abs(high.delay(beforeRetry: 3)! - 4.8) < 0.0001)
        #expect(low.delay(beforeRetry: 1, retryAfter: 10) == 10)
        #expect(low.delay(beforeRetry: 1, retryAfter: 121) == nil)
    }

    @Test func cancellationStopsTheRetryLoop() async throws {
        struct Cancelling: Sleeper {
            func sleep(seconds: TimeInterval) async throws { throw CancellationError() }
        }
        let transport = ScriptedTransport([Fixture.html(503, ""), Fixture.json(200, "{}")])
        let error = await caught { try await Fixture.client(transport, sleeper: Cancelling()).version() }
        #expect(error is CancellationError)
        #expect(transport.requests.count == 1)
    }
}
