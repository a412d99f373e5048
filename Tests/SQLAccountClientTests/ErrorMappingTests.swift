import Foundation
import LedgerJSON
import SQLAccount
import Testing

@Suite struct ErrorMappingTests {
    static func classify(_ status: Int, _ body: String, method: String = "GET", headers: [HeaderField] = [],
                         redactor: Redactor = Fixture.credentials.redactor) -> SQLAccountError {
        SQLAccountErrorClassifier.classify(status: status, headers: headers, body: Array(body.utf8), method: method,
                                           now: Fixture.date, redactor: redactor)
    }

    @Test func authentication() {
        #expect(Self.classify(401, #"{"message":"Unauthorized"}"#) == .authentication(status: 401, message: "Unauthorized"))
        #expect(Self.classify(403, #"{"error":{"message":"signature rejected"}}"#)
            == .authentication(status: 403, message: "signature rejected"))
        let error = Self.classify(401, "")
        #expect(!error.isAmbiguous && !error.isBlindlyRetryable)
        #expect(error.message.contains("access key"))
    }

    @Test func validationReadsMessageErrorAndErrorMessage() {
        #expect(Self.classify(400, #"{"message":"Customer 300-X not found"}"#, method: "POST")
            == .validation(status: 400, message: "Customer 300-X not found"))
        #expect(Self.classify(422, #"{"error":"No record found"}"#, method: "POST") == .validation(status: 422, message: "No record found"))
        #expect(Self.classify(400, #"{"error":{"code":7,"message":"Invalid UOM"}}"#, method: "POST")
            == .validation(status: 400, message: "Invalid UOM"))
        #expect(Self.classify(418, "I'm a teapot", method: "POST") == .validation(status: 418, message: "I'm a teapot"))
        #expect(Self.classify(400, #"{"foo":1}"#) == .validation(status: 400, message: #"{"foo":1}"#))
    }

    @Test func rateLimitedNginxHTMLWithRetryAfterSeconds() {
        let error = Self.classify(429, Fixture.nginx429, method: "POST", headers: [HeaderField("Retry-After", "7")])
        #expect(error == .rateLimited(retryAfter: 7))
        #expect(!error.isAmbiguous)
        #expect(error.isBlindlyRetryable)
        #expect(error.message.contains("wait 7 s"))
    }

    @Test func retryAfterAsAnHTTPDate() {
        // Fixture.date is Thu, 11 Sep 2025 02:26:50 GMT.
        let error = Self.classify(429, Fixture.nginx429, headers: [HeaderField("Retry-After", "Thu, 11 Sep 2025 02:28:20 GMT")])
        #expect(error == .rateLimited(retryAfter: 90))
        #expect(Self.classify(429, "", headers: [HeaderField("Retry-After", "soon")]) == .rateLimited(retryAfter: nil))
        #expect(Self.classify(429, "") == .rateLimited(retryAfter: nil))
        #expect(SQLAccountErrorClassifier.retryAfter("Thu, 11 Sep 2025 02:00:00 GMT", now: Fixture.date) == 0)
    }

    @Test func server500WithJSONMessage() {
        let onPost = Self.classify(500, #"{"message":"Operation aborted"}"#, method: "POST")
        #expect(onPost == .server(status: 500, message: "Operation aborted", ambiguous: true))
        #expect(onPost.isAmbiguous && !onPost.isBlindlyRetryable)
        #expect(onPost.message.contains("Look it up by docref1"))

        let onGet = Self.classify(500, #"{"message":"Operation aborted"}"#)
        #expect(onGet == .server(status: 500, message: "Operation aborted", ambiguous: false))
        #expect(!onGet.isAmbiguous && !onGet.isBlindlyRetryable)
    }

    @Test func server502HTMLTakesTheTitle() {
        #expect(Self.classify(502, Fixture.nginx502) == .server(status: 502, message: "502 Bad Gateway", ambiguous: false))
        #expect(Self.classify(502, Fixture.nginx502).isBlindlyRetryable)
        // On a write a 502 may come after the PC committed: ambiguous, not retried.
        let onPut = Self.classify(502, Fixture.nginx502, method: "PUT")
        #expect(onPut == .server(status: 502, message: "502 Bad Gateway", ambiguous: true))
        #expect(!onPut.isBlindlyRetryable)
    }

    @Test(arguments: [502, 503, 504])
    func gatewayStatusesOnReadsAreRetried(status: Int) {
        let error = Self.classify(status, "<html><body><h1>Gateway trouble</h1></body></html>")
        #expect(error == .server(status: status, message: "Gateway trouble", ambiguous: false))
        #expect(error.isBlindlyRetryable)
    }

    @Test func writeStatusRule() {
        #expect(!Self.classify(503, "", method: "POST").isAmbiguous)
        #expect(Self.classify(503, "", method: "POST").isBlindlyRetryable)
        #expect(Self.classify(504, "", method: "POST").isAmbiguous)
        #expect(!Self.classify(504, "", method: "POST").isBlindlyRetryable)
        let lenient = SQLAccountErrorClassifier.classify(status: 502, headers: [], body: [], method: "POST", now: Fixture.date,
                                                         uncommittedWriteStatuses: [502, 503, 504], redactor: Redactor())
        #expect(lenient.isBlindlyRetryable)
    }

    @Test(arguments: [
        (500, "Record has been changed by another user"),
        (400, "Error: Record has been changed by other users."),
        (409, "stale"),
    ])
    func conflict(status: Int, message: String) {
        let body = JSONWriter.compactString(.object(["message": .string(message)]))
        let error = Self.classify(status, body, method: "PUT")
        #expect(error == .conflict(message: message))
        #expect(!error.isAmbiguous && !error.isBlindlyRetryable)
        #expect(error.message.contains("Fetch it again"))
    }

    @Test(arguments: [
        (400, #"violation of PRIMARY or UNIQUE KEY constraint "UNQ_SL_IV_DOCNO" on table "SL_IV""#),
        (500, "attempt to store duplicate value (visible to active transactions) in unique index \"SL_IV_DocNo\""),
        (422, "Duplicate Document No IV-00001"),
    ])
    func duplicateDocumentNumber(status: Int, message: String) {
        let body = JSONWriter.compactString(.object(["message": .string(message)]))
        let error = Self.classify(status, body, method: "POST")
        #expect(error == .duplicateDocumentNumber(message: message))
        #expect(!error.isAmbiguous)
    }

    @Test func uniqueWithoutDocnoIsNotADuplicateDocumentNumber() {
        let error = Self.classify(400, #"{"message":"duplicate value in unique index CODE"}"#, method: "POST")
        #expect(error == .validation(status: 400, message: "duplicate value in unique index CODE"))
    }

    @Test func unexpectedStatusesAreInvalidResponses() {
        let redirect = Self.classify(302, "", headers: [HeaderField("Location", "https://login.example/")])
        guard case .invalidResponse(let reason) = redirect else {
            Issue.record("expected invalidResponse, got \(redirect)")
            return
        }
        #expect(reason.contains("302"))
        #expect(reason.contains("https://login.example/"))
    }

    @Test func longMessagesAreClipped() {
        let long = String(repeating: "x", count: 2000)
        guard case .validation(_, let message) = Self.classify(400, long) else {
            Issue.record("expected validation")
            return
        }
        #expect(message.count <= 301)
    }

    @Test func transportErrorsThroughTheClient() async throws {
        let cases: [(HTTPTransportError.Kind, SQLAccountError, Bool, Bool)] = [
            (.dnsFailure, .transport(.dnsFailure, ambiguous: false), false, true),
            (.connectionRefused, .transport(.connectionRefused, ambiguous: false), false, true),
            (.notConnected, .transport(.notConnected, ambiguous: false), false, true),
            (.tlsFailure, .transport(.tlsFailure, ambiguous: false), false, false),
            (.timedOut, .timeout, true, false),
            (.connectionLost, .transport(.connectionLost, ambiguous: true), true, false),
            (.other, .transport(.other, ambiguous: true), true, false),
        ]
        for (kind, expected, ambiguous, retryable) in cases {
            let transport = ScriptedTransport([.fail(HTTPTransportError(kind))])
            let error = await caught { try await Fixture.client(transport, policy: .never).create(.salesInvoice, body: ["a": .int(1)]) }
            #expect(error as? SQLAccountError == expected, "\(kind)")
            #expect((error as? SQLAccountError)?.isAmbiguous == ambiguous, "\(kind)")
            #expect((error as? SQLAccountError)?.isBlindlyRetryable == retryable, "\(kind)")
        }
    }

    @Test func urlErrorsMapToKinds() {
        let cases: [(URLError.Code, HTTPTransportError.Kind)] = [
            (.cannotFindHost, .dnsFailure), (.dnsLookupFailed, .dnsFailure), (.cannotConnectToHost, .connectionRefused),
            (.notConnectedToInternet, .notConnected), (.timedOut, .timedOut), (.networkConnectionLost, .connectionLost),
            (.badServerResponse, .connectionLost), (.secureConnectionFailed, .tlsFailure), (.cancelled, .cancelled),
            (.unknown, .other),
        ]
        for (code, kind) in cases {
            #expect(HTTPTransportError.from(URLError(code)).kind == kind, "\(code)")
        }
    }

    // MARK: - Redaction

    @Test func aServerMessageEchoingTheSecretIsMasked() async throws {
        let echo = #"{"message":"Invalid signature for secret \#(Fixture.secret) and Signature=abcdef0123456789"}"#
        let transport = ScriptedTransport([Fixture.json(403, echo)])
        let error = try #require(await caught { try await Fixture.client(transport).version() } as? SQLAccountError)
        guard case .authentication(403, let message) = error else {
            Issue.record("expected authentication, got \(error)")
            return
        }
        for text in [message, error.message, error.description, String(describing: error), error.diagnostic.description] {
            #expect(!text.contains(Fixture.secret))
            #expect(!text.contains("abcdef0123456789"))
            #expect(text.contains("****"))
        }
    }

    @Test func secretsInHTMLJSONEscapedOrPercentEncodedFormsAreMasked() {
        let escaped = Fixture.secret.replacingOccurrences(of: "/", with: "\\/")
        let encoded = SigV4Encoding.uriEncode(Fixture.secret)
        for body in ["<html><title>bad key \(Fixture.secret)</title></html>",
                     #"{"message":"key \#(escaped)"}"#,
                     "plain text with \(encoded)"] {
            let error = Self.classify(500, body, method: "POST")
            #expect(!error.message.contains(Fixture.secret), "\(body)")
            #expect(!error.message.contains(encoded), "\(body)")
            #expect(!error.message.contains("K7MDENG"), "\(body)")
        }
    }

    @Test func aSecretCutByTheLengthLimitLeavesNoPrefixBehind() {
        let padding = String(repeating: "a", count: 290)
        let error = Self.classify(400, padding + " " + Fixture.secret)
        #expect(!error.message.contains("wJalrXUtn"))
    }

    @Test func invalidResponseSnippetsAreRedacted() async throws {
        let body = "oops " + Fixture.secret
        let transport = ScriptedTransport([.respond(HTTPTransportResponse(status: 200, body: Array(body.utf8)))])
        let error = await caught { try await Fixture.client(transport).list(.salesInvoice) }
        let text = String(describing: error)
        #expect(text.contains("not JSON"))
        #expect(!text.contains(Fixture.secret))
    }

    @Test func configurationAndRequestsNeverPrintTheSecret() async throws {
        let configuration = Fixture.configuration()
        #expect(!String(describing: configuration).contains(Fixture.secret))
        let transport = ScriptedTransport([Fixture.json(200, "{}")])
        _ = try await Fixture.client(transport).version()
        let request = try #require(transport.requests.first)
        #expect(!String(describing: request).contains("Signature"))
    }
}
