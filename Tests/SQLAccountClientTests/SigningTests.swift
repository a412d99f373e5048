import Foundation
import LedgerJSON
import SQLAccount
import Testing

@Suite struct SigningTests {
    @Test func getWithQueryIsSignedLikeBotocoreAndVerifies() async throws {
        let transport = ScriptedTransport([Fixture.json(200, #"{"pagination":{"offset":0,"limit":50,"count":0},"data":[]}"#)])
        let client = Fixture.client(transport)
        _ = try await client.list(.salesInvoice, offset: 0, filters: ["docref1": "ECOM:shopee:1 2"])

        let request = try #require(transport.requests.first)
        #expect(request.method == "GET")
        #expect(request.url.absoluteString.hasPrefix("https://api.sql.my/salesinvoice?"))
        #expect(request.timeout == 30)
        let authorization = try #require(request.headers.first(named: "Authorization"))
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=\(Fixture.accessKey)/20250911/ap-southeast-5/sqlaccount/aws4_request, "))
        #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-date, "))
        #expect(request.headers.first(named: "X-Amz-Date") == "20250911T022650Z")
        #expect(request.headers.first(named: "Host") == "api.sql.my")
        #expect(request.headers.first(named: "Content-Type") == "application/json")
        #expect(request.headers.first(named: "User-Agent") == "ledgersync-tests")
        #expect(request.body.isEmpty)

        let verification = Fixture.verifier.verify(Fixture.received(request), now: Fixture.date)
        #expect(verification == .ok(accessKey: Fixture.accessKey))
    }

    @Test func postWithBodyIsSignedAndVerifies() async throws {
        let transport = ScriptedTransport([Fixture.json(200, #"{"data":[{"dockey":7,"docno":"IV-00007"}]}"#)])
        let client = Fixture.client(transport)
        let body: JSONObject = ["docno": .string(""), "code": .string("300-C0001"), "docamt": .number("209.40"),
                                "docref1": .string("ECOM:shopee:240915ABCD")]
        _ = try await client.create(.salesInvoice, body: body)

        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url.absoluteString == "https://api.sql.my/salesinvoice")
        #expect(String(decoding: request.body, as: UTF8.self)
            == #"{"docno":"","code":"300-C0001","docamt":209.40,"docref1":"ECOM:shopee:240915ABCD"}"#)
        #expect(request.headers.first(named: "Authorization")?.contains("SignedHeaders=content-type;host;x-amz-date,") == true)
        #expect(Fixture.verifier.verify(Fixture.received(request), now: Fixture.date).isOK)

        // The body is signed: a tampered body no longer verifies.
        var tampered = Fixture.received(request)
        tampered.body = Array(#"{"docno":"X"}"#.utf8)
        #expect(!Fixture.verifier.verify(tampered, now: Fixture.date).isOK)
    }

    @Test func wrongSecretDoesNotVerify() async throws {
        let transport = ScriptedTransport([Fixture.json(200, "{}")])
        _ = try await Fixture.client(transport).version()
        let request = try #require(transport.requests.first)
        let other = SigV4Verifier(credentials: [Credentials(accessKey: Fixture.accessKey, secretKey: "another")])
        #expect(other.verify(Fixture.received(request), now: Fixture.date).rejection?.code == "signature-mismatch")
    }

    /// The `/*` detail path goes on the wire as `/salesinvoice/*` in both styles; only the canonical URI differs.
    @Test(arguments: [SQLAccountConfiguration.DetailPathSigning.aws, .nodeSample])
    func detailPathSigningStyles(style: SQLAccountConfiguration.DetailPathSigning) async throws {
        let transport = ScriptedTransport([Fixture.json(200, #"{"data":[]}"#)])
        let client = Fixture.client(transport, configuration: Fixture.configuration(signing: style))
        _ = try await client.find(.salesInvoice, docno: "IV-00001")

        let request = try #require(transport.requests.first)
        #expect(path(of: request) == "/salesinvoice/*")
        #expect(query(of: request) == "docno=IV-00001")
        #expect(Fixture.verifier.verify(Fixture.received(request), now: Fixture.date).isOK)

        // Recompute the signature for each canonical URI and see which one the client used.
        func signature(signingPath: String?) throws -> String {
            let signer = SigV4Signer(credentials: Fixture.credentials)
            let signed = try signer.sign(SigV4Request(
                method: "GET", path: "/salesinvoice/*", signingPath: signingPath, query: [SigV4QueryItem("docno", "IV-00001")],
                headers: [HeaderField("Host", "api.sql.my"), HeaderField("Content-Type", "application/json")]), at: Fixture.date)
            return signed.signature
        }
        let sent = try #require(request.headers.first(named: "Authorization")?.components(separatedBy: "Signature=").last)
        let awsStyle = try signature(signingPath: nil)          // canonical URI /salesinvoice/%2A
        let nodeStyle = try signature(signingPath: "/salesinvoice/")
        #expect(awsStyle != nodeStyle)
        #expect(sent == (style == .aws ? awsStyle : nodeStyle))
    }

    @Test func awsStyleCanonicalURIEncodesTheStar() throws {
        let signer = SigV4Signer(credentials: Fixture.credentials)
        let signed = try signer.sign(SigV4Request(method: "GET", path: "/salesinvoice/*",
                                                  headers: [HeaderField("Host", "api.sql.my")]), at: Fixture.date)
        #expect(signed.canonicalURI == "/salesinvoice/%2A")
    }

    @Test func portAndPathPrefixOfAnOnPremiseHost() async throws {
        let transport = ScriptedTransport([Fixture.json(200, #"{"data":[{"dockey":5}]}"#)])
        let client = Fixture.client(transport, configuration: Fixture.configuration(baseURL: "https://203.0.113.7:8443/api/"))
        let record = try await client.get(.salesInvoice, dockey: 5)
        #expect(record?.dockey == 5)
        let request = try #require(transport.requests.first)
        #expect(request.url.absoluteString == "https://203.0.113.7:8443/api/salesinvoice/5")
        #expect(request.headers.first(named: "Host") == "203.0.113.7:8443")
        #expect(Fixture.verifier.verify(Fixture.received(request), now: Fixture.date).isOK)
    }

    @Test func defaultPortIsLeftOutOfHost() async throws {
        let transport = ScriptedTransport([Fixture.json(200, "{}")])
        _ = try await Fixture.client(transport, configuration: Fixture.configuration(baseURL: "https://api.sql.my:443")).version()
        #expect(transport.requests.first?.headers.first(named: "Host") == "api.sql.my")
    }

    @Test func badBaseURLIsAConfigurationErrorAndSendsNothing() async throws {
        let transport = ScriptedTransport()
        let client = Fixture.client(transport, configuration: Fixture.configuration(baseURL: "ftp://api.sql.my"))
        let error = await caught { try await client.version() }
        guard case .configuration(let reason)? = error as? SQLAccountError else {
            Issue.record("expected a configuration error, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("https://"))
        #expect(transport.requests.isEmpty)
    }

    @Test func eachRetryIsSignedAgain() async throws {
        let clock = MutableClock(Fixture.date)
        let transport = ScriptedTransport([Fixture.html(503, "<title>503 Service Unavailable</title>"), Fixture.json(200, "{}")])
        var client = Fixture.client(transport)
        client.now = { clock.advance(by: 61) }
        _ = try await client.version()
        let dates = transport.requests.map { $0.headers.first(named: "X-Amz-Date") }
        #expect(dates.count == 2)
        #expect(dates[0] != dates[1])
    }
}

final class MutableClock: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date

    init(_ date: Date) { self.date = date }

    func advance(by seconds: TimeInterval) -> Date {
        lock.lock()
        defer { lock.unlock() }
        date += seconds
        return date
    }
}
