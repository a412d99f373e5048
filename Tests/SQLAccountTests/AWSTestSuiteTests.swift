import Foundation
import SQLAccount
import Testing

/// Every case of AWS's SigV4 test suite, run through our signer and our verifier.
///
/// The stored suite has four groups: `basic` (20), `normalizePath` (6), `sts` (2) and `all` (28), which is their
/// union (checked below), so running `all` runs every case once. All 28 are header-signed, non-S3 requests, so
/// none is skipped for not applying: the suite holds no presigned (query-signed) case, no S3 case and no
/// malformed-request case.
///
/// Two cases are inconsistent in the fixture itself and get their own test (`inconsistentCases`).
@Suite("AWS SigV4 test suite")
struct AWSTestSuiteTests {
    static let suite: AWSSuite? = try? AWSSuite.load()

    /// Fixture cases whose string to sign and Authorization header were not computed from the request and
    /// canonical request stored with them. Their request has a `Content-Length: 13` header (and, in
    /// `-parameters`, `charset=utf-8`), and their `creq` signs it; but their `sts` hashes the canonical request of
    /// the original AWS request, which had no Content-Length (and `charset=utf8`), and their `authz` carries that
    /// request's signature. Verified with SHA-256 when the fixture was added; `fixtureDefectIsStillThere` keeps
    /// checking it.
    struct Inconsistency: Sendable {
        /// Headers to drop and values to set to get the request the `sts` was computed from.
        var dropHeaders: Set<String>
        var setHeaders: [String: String]
        /// `post-x-www-form-urlencoded-parameters`' `authz` lists `content-length` in SignedHeaders yet has the
        /// signature of a request that did not sign it: no request can produce that header, only its signature.
        var authorizationReproducible: Bool
    }

    static let inconsistentCases: [String: Inconsistency] = [
        "post-x-www-form-urlencoded": Inconsistency(
            dropHeaders: ["content-length"], setHeaders: [:], authorizationReproducible: true),
        "post-x-www-form-urlencoded-parameters": Inconsistency(
            dropHeaders: ["content-length"],
            setHeaders: ["content-type": "application/x-www-form-urlencoded; charset=utf8"],
            authorizationReproducible: false),
    ]

    /// The `sts` group: `post-sts-header-before` signs the session token; `post-sts-header-after` adds it after
    /// signing (its request has no token header and its signed request shows it appended).
    static let sessionTokenCases: [String: SigV4Signer.SessionTokenPlacement] = [
        "post-sts-header-before": .signed,
        "post-sts-header-after": .appendedAfterSigning,
    ]

    static var consistentCases: [AWSSuite.Case] {
        (suite?.tests.all ?? []).filter { inconsistentCases[$0.name] == nil }
    }

    static var inconsistentFixtureCases: [AWSSuite.Case] {
        (suite?.tests.all ?? []).filter { inconsistentCases[$0.name] != nil }
    }

    static func signer(for testCase: AWSSuite.Case, in suite: AWSSuite) -> SigV4Signer {
        let placement = sessionTokenCases[testCase.name]
        let credentials = Credentials(accessKey: suite.config.accessKeyId, secretKey: suite.config.secretAccessKey,
                                      sessionToken: placement == nil ? nil : suite.stsToken)
        return SigV4Signer(credentials: credentials, region: suite.config.region, service: suite.config.service,
                           sessionTokenPlacement: placement ?? .signed)
    }

    static func signingRequest(for request: AWSSuite.Request, headers: [HeaderField]? = nil) -> SigV4Request {
        SigV4Request(method: request.method, path: request.path, query: SigV4QueryItem.parse(rawQuery: request.query),
                     headers: headers ?? request.headerFields, body: Array(request.body.utf8))
    }

    @Test("the fixture loads and `all` is exactly the union of the other groups")
    func fixtureCoversEveryGroup() throws {
        let suite = try AWSSuite.load()
        #expect(suite.tests.all.count == 28)
        let groups = suite.tests.basic + suite.tests.normalizePath + suite.tests.sts
        #expect(groups.map(\.name).sorted() == suite.tests.all.map(\.name).sorted())
        let allByName = Dictionary(suite.tests.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for testCase in groups {
            #expect(allByName[testCase.name]?.authz == testCase.authz, "\(testCase.name) differs between groups")
            #expect(allByName[testCase.name]?.creq == testCase.creq, "\(testCase.name) differs between groups")
        }
        #expect(Self.consistentCases.count == 26)
        #expect(Self.inconsistentFixtureCases.count == Self.inconsistentCases.count)
    }

    @Test("canonical request, string to sign and Authorization match exactly", arguments: consistentCases)
    func signerMatchesSuite(_ testCase: AWSSuite.Case) throws {
        let suite = try #require(Self.suite)
        let signed = try Self.signer(for: testCase, in: suite).sign(Self.signingRequest(for: testCase.request), at: AWSSuite.date)
        #expect(signed.canonicalRequest == testCase.creq)
        #expect(signed.stringToSign == testCase.sts)
        #expect(signed.authorization == testCase.authz)
        #expect(signed.headers.first(named: "Authorization") == testCase.authz)
        #expect(signed.headers.first(named: "X-Amz-Date") == "20150830T123600Z")
        if Self.sessionTokenCases[testCase.name] != nil {
            // Both sts cases send the token; only `-before` signs it.
            #expect(signed.headers.first(named: "X-Amz-Security-Token") == suite.stsToken)
            #expect(testCase.sreq.contains("X-Amz-Security-Token:\(suite.stsToken)"))
        } else {
            #expect(signed.headers.first(named: "X-Amz-Security-Token") == nil)
        }
    }

    @Test("the verifier accepts every consistent suite request with its expected Authorization", arguments: consistentCases)
    func verifierAcceptsSuite(_ testCase: AWSSuite.Case) throws {
        let suite = try #require(Self.suite)
        let verifier = SigV4Verifier(region: suite.config.region, service: suite.config.service,
                                     credentials: [suite.credentials])
        var headers = testCase.request.headerFields
        if Self.sessionTokenCases[testCase.name] == .appendedAfterSigning {
            headers.append(HeaderField("X-Amz-Security-Token", suite.stsToken))
        }
        headers.append(HeaderField("Authorization", testCase.authz))
        let received = ReceivedRequest(method: testCase.request.method, target: testCase.request.uri, headers: headers,
                                       body: Array(testCase.request.body.utf8))
        #expect(verifier.verify(received, now: AWSSuite.date) == .ok(accessKey: suite.config.accessKeyId))
    }

    @Test("inconsistent fixture cases: the canonical request matches; sts and authz match the request they came from",
          arguments: inconsistentFixtureCases)
    func inconsistentCase(_ testCase: AWSSuite.Case) throws {
        let suite = try #require(Self.suite)
        let inconsistency = try #require(Self.inconsistentCases[testCase.name])
        let signer = Self.signer(for: testCase, in: suite)

        // As stored: our canonical request is the fixture's, byte for byte.
        let asStored = try signer.sign(Self.signingRequest(for: testCase.request), at: AWSSuite.date)
        #expect(asStored.canonicalRequest == testCase.creq)

        // The request the fixture's string to sign was computed from.
        let repairedHeaders = testCase.request.headerFields
            .filter { !inconsistency.dropHeaders.contains($0.name.lowercased()) }
            .map { field in HeaderField(field.name, inconsistency.setHeaders[field.name.lowercased()] ?? field.value) }
        let repaired = try signer.sign(Self.signingRequest(for: testCase.request, headers: repairedHeaders), at: AWSSuite.date)
        #expect(repaired.stringToSign == testCase.sts)
        if inconsistency.authorizationReproducible {
            #expect(repaired.authorization == testCase.authz)
        } else {
            #expect(signatureValue(of: repaired.authorization) == signatureValue(of: testCase.authz))
            #expect(repaired.signedHeaders != asStored.signedHeaders)
        }
    }

    @Test("the two inconsistent fixture cases are still inconsistent (drop the special case once they are fixed)",
          arguments: inconsistentFixtureCases)
    func fixtureDefectIsStillThere(_ testCase: AWSSuite.Case) throws {
        let suite = try #require(Self.suite)
        let signed = try Self.signer(for: testCase, in: suite).sign(Self.signingRequest(for: testCase.request), at: AWSSuite.date)
        // Our string to sign hashes the stored canonical request; the stored one does not.
        #expect(signed.canonicalRequest == testCase.creq)
        #expect(signed.stringToSign != testCase.sts)
    }
}
