import Foundation
import SQLAccount
import Testing

/// A sandbox tenant: an SQL-style access key (with `/`), the cloud defaults, a fixed clock.
enum Sandbox {
    static let accessKey = "abcd1234.sql.my/ACCOUNTAPI"
    static let credentials = Credentials(accessKey: accessKey, secretKey: "sandbox-secret/Key+0123456789EXAMPLE")
    /// 2026-03-15T08:30:00Z.
    static let now = Date(timeIntervalSince1970: 1_773_563_400)
    static let verifier = SigV4Verifier(credentials: [credentials])
    static let invoiceBody = Array(#"{"code":"300-A0001","docno":"IV-00001","docdate":"2026-03-15"}"#.utf8)

    static func postInvoice(body: [UInt8] = invoiceBody) -> SigV4Request {
        SigV4Request(method: "POST", path: "/salesinvoice",
                     headers: [HeaderField("Host", "api.sql.my"), HeaderField("Content-Type", "application/json")],
                     body: body)
    }

    static func getInvoice(docno: String = "IV-00001", path: String = "/salesinvoice/*", signingPath: String? = nil) -> SigV4Request {
        SigV4Request(method: "GET", path: path, signingPath: signingPath, query: [SigV4QueryItem("docno", docno)],
                     headers: [HeaderField("Host", "api.sql.my"), HeaderField("Content-Type", "application/json")])
    }

    /// The request as the server receives it: what was signed, sent with the signer's headers and query.
    static func received(_ request: SigV4Request, _ signed: SignedRequest, body: [UInt8]? = nil,
                         rawQuery: String? = nil, path: String? = nil) -> ReceivedRequest {
        ReceivedRequest(method: request.method, path: path ?? request.path, rawQuery: rawQuery ?? signed.canonicalQueryString,
                        headers: signed.headers, body: body ?? request.body)
    }

    static func signAndVerify(_ request: SigV4Request, signer: SigV4Signer = SigV4Signer(credentials: credentials),
                              at date: Date = now, verifier: SigV4Verifier = verifier) throws -> SigV4Verification {
        let signed = try signer.sign(request, at: date)
        return verifier.verify(received(request, signed), now: now)
    }
}

@Suite("SigV4 verifier")
struct VerifierTests {
    // MARK: accepting

    @Test("accepts our own signature with an access key containing '/' and reports that key")
    func acceptsOwnSignature() throws {
        #expect(try Sandbox.signAndVerify(Sandbox.postInvoice()) == .ok(accessKey: Sandbox.accessKey))
        #expect(try Sandbox.signAndVerify(Sandbox.getInvoice()) == .ok(accessKey: Sandbox.accessKey))
    }

    @Test("takes the credential scope from the right of Credential=")
    func scopeFromTheRight() throws {
        let signed = try SigV4Signer(credentials: Sandbox.credentials).sign(Sandbox.postInvoice(), at: Sandbox.now)
        #expect(signed.authorization.hasPrefix(
            "AWS4-HMAC-SHA256 Credential=abcd1234.sql.my/ACCOUNTAPI/20260315/ap-southeast-5/sqlaccount/aws4_request, "))
        let deeper = Credentials(accessKey: "t/e/n/a/n/t", secretKey: "s")
        let verifier = SigV4Verifier(credentials: [deeper])
        let request = Sandbox.postInvoice()
        let signedDeeper = try SigV4Signer(credentials: deeper).sign(request, at: Sandbox.now)
        #expect(verifier.verify(Sandbox.received(request, signedDeeper), now: Sandbox.now) == .ok(accessKey: "t/e/n/a/n/t"))
    }

    @Test("accepts every request signed by botocore and by SQL's Node sample", arguments: (try? ForeignSignatures.load())?.cases ?? [])
    func acceptsForeignSignatures(_ testCase: ForeignSignatures.Case) throws {
        let fixture = try ForeignSignatures.load()
        let verifier = SigV4Verifier(region: fixture.region, service: fixture.service, credentials: [fixture.credentials])
        let now = try #require(AmzDate.parse(fixture.amzDate))
        #expect(verifier.verify(testCase.received, now: now) == .ok(accessKey: fixture.accessKey))
    }

    @Test("the foreign-signature fixture has the botocore and Node-sample cases the tests rely on")
    func foreignFixtureShape() throws {
        let fixture = try ForeignSignatures.load()
        let names = Set(fixture.cases.map(\.name))
        #expect(names == ["botocore-post-salesinvoice", "botocore-get-query", "botocore-get-detail-star",
                          "botocore-post-session-token", "node-sample-get-detail-star", "node-sample-post-salesinvoice"])
        for testCase in fixture.cases where testCase.name.hasPrefix("botocore") {
            #expect(testCase.authorization?.contains("SignedHeaders=content-type;host;x-amz-date") == true)
        }
        for testCase in fixture.cases where testCase.name.hasPrefix("node-sample") {
            #expect(testCase.authorization?.contains("SignedHeaders=host;x-amz-date,") == true)
        }
    }

    @Test("our signer reproduces botocore's canonical request and Authorization exactly",
          arguments: ((try? ForeignSignatures.load())?.cases ?? []).filter { $0.name.hasPrefix("botocore") })
    func signerMatchesBotocore(_ testCase: ForeignSignatures.Case) throws {
        let fixture = try ForeignSignatures.load()
        let withToken = testCase.headerFields.first(named: "X-Amz-Security-Token") != nil
        let signer = SigV4Signer(credentials: withToken ? fixture.credentialsWithToken : fixture.credentials,
                                 region: fixture.region, service: fixture.service)
        let ownHeaders = testCase.headerFields.filter {
            !["authorization", "x-amz-date", "x-amz-security-token"].contains($0.name.lowercased())
        }
        let request = SigV4Request(method: testCase.method, path: testCase.path,
                                   query: SigV4QueryItem.parse(rawQuery: testCase.rawQuery), headers: ownHeaders,
                                   body: Array(testCase.body.utf8))
        let signed = try signer.sign(request, at: try #require(AmzDate.parse(fixture.amzDate)))
        #expect(signed.canonicalRequest == testCase.canonicalRequest)
        #expect(signed.stringToSign == testCase.stringToSign)
        #expect(signed.authorization == testCase.authorization)
    }

    @Test("our signer in Node-sample mode reproduces its Authorization for /salesinvoice/* signed as /salesinvoice/")
    func signerMatchesNodeSample() throws {
        let fixture = try ForeignSignatures.load()
        let testCase = try #require(fixture.cases.first { $0.name == "node-sample-get-detail-star" })
        #expect(testCase.target == "/salesinvoice/*?docno=IV-00001")
        let signer = SigV4Signer(credentials: fixture.credentials, region: fixture.region, service: fixture.service,
                                 contentHashHeader: .sentUnsigned, headerSelection: .only([]))
        let request = SigV4Request(
            method: "GET", path: "/salesinvoice/*",
            signingPath: SQLAccountAuthDefaults.nodeSampleSigningPath(for: "/salesinvoice/*"),
            query: [SigV4QueryItem("docno", "IV-00001")],
            headers: [HeaderField("Content-Type", "application/json"), HeaderField("Host", "api.sql.my")])
        let signed = try signer.sign(request, at: try #require(AmzDate.parse(fixture.amzDate)))
        #expect(signed.canonicalURI == "/salesinvoice/")
        #expect(signed.canonicalRequest == testCase.canonicalRequest)
        #expect(signed.authorization == testCase.authorization)
        #expect(Set(signed.headers) == Set(testCase.headerFields))
    }

    @Test("accepts the /* detail path signed as %2A, as /, as sent, and when sent as %2A")
    func acceptsDetailPathForms() throws {
        // botocore style: `*` on the wire, `%2A` in the canonical URI (our signer's default).
        let standard = try SigV4Signer(credentials: Sandbox.credentials).sign(Sandbox.getInvoice(), at: Sandbox.now)
        #expect(standard.canonicalURI == "/salesinvoice/%2A")
        #expect(try Sandbox.signAndVerify(Sandbox.getInvoice()).isOK)
        // Node sample: trailing `/*` signed as `/`.
        #expect(try Sandbox.signAndVerify(Sandbox.getInvoice(signingPath: "/salesinvoice/")).isOK)
        // Signed verbatim, as sent.
        #expect(try Sandbox.signAndVerify(Sandbox.getInvoice(signingPath: "/salesinvoice/*")).isOK)
        // `%2A` on the wire, signed once-encoded (`%2A`), as botocore would (`%252A`), or as `/`.
        for signingPath in ["/salesinvoice/%2A", nil, "/salesinvoice/"] {
            #expect(try Sandbox.signAndVerify(Sandbox.getInvoice(path: "/salesinvoice/%2A", signingPath: signingPath)).isOK)
        }
        // C5's variant sends `/salesinvoice/` itself.
        #expect(try Sandbox.signAndVerify(Sandbox.getInvoice(path: "/salesinvoice/")).isOK)
        // But not some other path.
        let other = try Sandbox.signAndVerify(Sandbox.getInvoice(signingPath: "/salesinvoice"))
        #expect(other.rejection?.code == "signature-mismatch")
    }

    @Test("accepts a date up to exactly the tolerance away, either way")
    func acceptsWithinTolerance() throws {
        for minutes in [-15.0, -14, 0, 14, 15] {
            let result = try Sandbox.signAndVerify(Sandbox.postInvoice(), at: Sandbox.now.addingTimeInterval(minutes * 60))
            #expect(result.isOK, "\(minutes) minutes")
        }
    }

    @Test("accepts a correct x-amz-content-sha256, signed or sent unsigned")
    func acceptsContentHash() throws {
        for mode in [SigV4Signer.ContentHashHeader.signed, .sentUnsigned] {
            let signer = SigV4Signer(credentials: Sandbox.credentials, contentHashHeader: mode)
            #expect(try Sandbox.signAndVerify(Sandbox.postInvoice(), signer: signer).isOK)
        }
    }

    // MARK: rejecting

    @Test("rejects a signature made with the wrong secret")
    func rejectsWrongSecret() throws {
        let impostor = Credentials(accessKey: Sandbox.accessKey, secretKey: "not-the-secret")
        let result = try Sandbox.signAndVerify(Sandbox.postInvoice(), signer: SigV4Signer(credentials: impostor))
        guard case .rejected(.signatureMismatch(let accessKey, _, _)) = result else {
            Issue.record("expected a signature mismatch, got \(result)")
            return
        }
        #expect(accessKey == Sandbox.accessKey)
        #expect(result.rejection?.httpStatus == 403)
    }

    @Test("rejects the wrong region and the wrong service with 401")
    func rejectsWrongScope() throws {
        let wrongRegion = try Sandbox.signAndVerify(
            Sandbox.postInvoice(), signer: SigV4Signer(credentials: Sandbox.credentials, region: "ap-southeast-1"))
        #expect(wrongRegion == .rejected(.wrongRegion(expected: "ap-southeast-5", got: "ap-southeast-1")))
        #expect(wrongRegion.rejection?.httpStatus == 401)

        let wrongService = try Sandbox.signAndVerify(
            Sandbox.postInvoice(), signer: SigV4Signer(credentials: Sandbox.credentials, service: "execute-api"))
        #expect(wrongService == .rejected(.wrongService(expected: "sqlaccount", got: "execute-api")))
        #expect(wrongService.rejection?.httpStatus == 401)
    }

    @Test("rejects an unknown access key")
    func rejectsUnknownKey() throws {
        let stranger = Credentials(accessKey: "ffff0000.sql.my/ACCOUNTAPI", secretKey: "whatever")
        let result = try Sandbox.signAndVerify(Sandbox.postInvoice(), signer: SigV4Signer(credentials: stranger))
        #expect(result == .rejected(.unknownAccessKey("ffff0000.sql.my/ACCOUNTAPI")))
    }

    @Test("rejects a tampered body: as a signature mismatch, or as a body hash mismatch when the hash was sent")
    func rejectsTamperedBody() throws {
        let request = Sandbox.postInvoice()
        let tampered = Array(#"{"code":"300-A0001","docno":"IV-00002","docdate":"2026-03-15"}"#.utf8)

        let signed = try SigV4Signer(credentials: Sandbox.credentials).sign(request, at: Sandbox.now)
        let result = Sandbox.verifier.verify(Sandbox.received(request, signed, body: tampered), now: Sandbox.now)
        #expect(result.rejection?.code == "signature-mismatch")

        for mode in [SigV4Signer.ContentHashHeader.signed, .sentUnsigned] {
            let hashed = try SigV4Signer(credentials: Sandbox.credentials, contentHashHeader: mode).sign(request, at: Sandbox.now)
            let verdict = Sandbox.verifier.verify(Sandbox.received(request, hashed, body: tampered), now: Sandbox.now)
            #expect(verdict.rejection?.code == "body-hash-mismatch")
            #expect(verdict.rejection?.httpStatus == 400)
        }
    }

    @Test("rejects a tampered query")
    func rejectsTamperedQuery() throws {
        let request = Sandbox.getInvoice()
        let signed = try SigV4Signer(credentials: Sandbox.credentials).sign(request, at: Sandbox.now)
        #expect(signed.canonicalQueryString == "docno=IV-00001")
        for rawQuery in ["docno=IV-00002", "docno=IV-00001&limit=50", "", "DOCNO=IV-00001"] {
            let result = Sandbox.verifier.verify(Sandbox.received(request, signed, rawQuery: rawQuery), now: Sandbox.now)
            #expect(result.rejection?.code == "signature-mismatch", "query '\(rawQuery)'")
        }
    }

    @Test("rejects a tampered path or method")
    func rejectsTamperedTarget() throws {
        let request = Sandbox.postInvoice()
        let signed = try SigV4Signer(credentials: Sandbox.credentials).sign(request, at: Sandbox.now)
        let otherPath = Sandbox.verifier.verify(Sandbox.received(request, signed, path: "/customerpayment"), now: Sandbox.now)
        #expect(otherPath.rejection?.code == "signature-mismatch")
        var put = Sandbox.received(request, signed)
        put.method = "PUT"
        #expect(Sandbox.verifier.verify(put, now: Sandbox.now).rejection?.code == "signature-mismatch")
    }

    @Test("rejects a date 16 minutes off, either way, with 403")
    func rejectsDateSkew() throws {
        for minutes in [-16.0, 16] {
            let result = try Sandbox.signAndVerify(Sandbox.postInvoice(), at: Sandbox.now.addingTimeInterval(minutes * 60))
            #expect(result.rejection?.code == "date-skew", "\(minutes) minutes")
            #expect(result.rejection?.httpStatus == 403)
            if case .rejected(.dateSkew(_, let skew, let allowed)) = result {
                #expect(skew == Int64(minutes * 60))
                #expect(allowed == 900)
            }
        }
        // A tighter tolerance is configurable.
        let strict = SigV4Verifier(allowedClockSkew: 60, credentials: [Sandbox.credentials])
        let twoMinutes = try Sandbox.signAndVerify(Sandbox.postInvoice(), at: Sandbox.now.addingTimeInterval(120), verifier: strict)
        #expect(twoMinutes.rejection?.code == "date-skew")
    }

    @Test("rejects a request without X-Amz-Date, or with a malformed one")
    func rejectsMissingDate() throws {
        let request = Sandbox.postInvoice()
        let signed = try SigV4Signer(credentials: Sandbox.credentials).sign(request, at: Sandbox.now)
        var received = Sandbox.received(request, signed)
        received.headers.removeAll { $0.name.lowercased() == "x-amz-date" }
        #expect(Sandbox.verifier.verify(received, now: Sandbox.now) == .rejected(.missingDate))

        received.headers.append(HeaderField("X-Amz-Date", "2026-03-15T08:30:00Z"))
        #expect(Sandbox.verifier.verify(received, now: Sandbox.now) == .rejected(.malformedDate("2026-03-15T08:30:00Z")))
    }

    @Test("rejects a credential scope dated another day than X-Amz-Date")
    func rejectsScopeDateMismatch() throws {
        let request = Sandbox.postInvoice()
        let signed = try SigV4Signer(credentials: Sandbox.credentials).sign(request, at: Sandbox.now)
        let forged = signed.authorization.replacingOccurrences(of: "/20260315/", with: "/20260314/")
        var received = Sandbox.received(request, signed)
        received.headers = received.headers.map { $0.name == "Authorization" ? HeaderField("Authorization", forged) : $0 }
        #expect(Sandbox.verifier.verify(received, now: Sandbox.now)
                == .rejected(.credentialDateMismatch(scopeDate: "20260314", requestDate: "20260315T083000Z")))
    }

    @Test("rejects a signed header that is missing from the request, and a changed signed header")
    func rejectsHeaderChanges() throws {
        let request = Sandbox.postInvoice()
        let signed = try SigV4Signer(credentials: Sandbox.credentials).sign(request, at: Sandbox.now)
        var withoutType = Sandbox.received(request, signed)
        withoutType.headers.removeAll { $0.name == "Content-Type" }
        #expect(Sandbox.verifier.verify(withoutType, now: Sandbox.now).rejection?.code == "malformed-authorization")

        var otherHost = Sandbox.received(request, signed)
        otherHost.headers = otherHost.headers.map { $0.name == "Host" ? HeaderField("Host", "evil.example") : $0 }
        #expect(Sandbox.verifier.verify(otherHost, now: Sandbox.now).rejection?.code == "signature-mismatch")

        // An unsigned header may change freely.
        var extra = Sandbox.received(request, signed)
        extra.headers.append(HeaderField("User-Agent", "ledgersync"))
        #expect(Sandbox.verifier.verify(extra, now: Sandbox.now).isOK)
    }

    @Test("rejects a missing or malformed Authorization header with 401", arguments: [
        "Bearer abc",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=abcd1234.sql.my/ACCOUNTAPI/20260315/ap-southeast-5/sqlaccount/aws4_request",
        "AWS4-HMAC-SHA256 Credential=20260315/ap-southeast-5/sqlaccount/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + String(repeating: "a", count: 64),
        "AWS4-HMAC-SHA256 Credential=k/20260315/ap-southeast-5/sqlaccount/aws4_requests, SignedHeaders=host;x-amz-date, Signature=" + String(repeating: "a", count: 64),
        "AWS4-HMAC-SHA256 Credential=k/2026031/ap-southeast-5/sqlaccount/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + String(repeating: "a", count: 64),
        "AWS4-HMAC-SHA256 Credential=k/20260315/ap-southeast-5/sqlaccount/aws4_request, SignedHeaders=x-amz-date, Signature=" + String(repeating: "a", count: 64),
        "AWS4-HMAC-SHA256 Credential=k/20260315/ap-southeast-5/sqlaccount/aws4_request, SignedHeaders=host;;x-amz-date, Signature=" + String(repeating: "a", count: 64),
        "AWS4-HMAC-SHA256 Credential=k/20260315/ap-southeast-5/sqlaccount/aws4_request, SignedHeaders=host;x-amz-date, Signature=xyz",
        "AWS4-HMAC-SHA256 Credential=k/20260315/ap-southeast-5/sqlaccount/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + String(repeating: "a", count: 64) + ", Signature=" + String(repeating: "b", count: 64),
    ])
    func rejectsMalformedAuthorization(_ header: String) {
        let received = ReceivedRequest(method: "GET", path: "/salesinvoice", headers: [
            HeaderField("Host", "api.sql.my"), HeaderField("X-Amz-Date", "20260315T083000Z"), HeaderField("Authorization", header),
        ])
        let result = Sandbox.verifier.verify(received, now: Sandbox.now)
        #expect(result.rejection?.code == "malformed-authorization")
        #expect(result.rejection?.httpStatus == 401)
    }

    @Test("rejects a request without Authorization")
    func rejectsMissingAuthorization() {
        let received = ReceivedRequest(method: "GET", path: "/salesinvoice", headers: [
            HeaderField("Host", "api.sql.my"), HeaderField("X-Amz-Date", "20260315T083000Z"),
        ])
        #expect(Sandbox.verifier.verify(received, now: Sandbox.now) == .rejected(.missingAuthorization))
    }

    @Test("rejections become diagnostics with a stable code")
    func rejectionDiagnostics() {
        let diagnostic = SigV4Rejection.wrongService(expected: "sqlaccount", got: "execute-api").diagnostic
        #expect(diagnostic.code == "wrong-service")
        #expect(diagnostic.description == "error: the credential scope's service is 'execute-api', expected 'sqlaccount'")
    }
}

@Suite("SigV4 signer details")
struct SignerDetailTests {
    @Test("URI encoding keeps only RFC 3986 unreserved characters")
    func uriEncoding() {
        #expect(SigV4Encoding.uriEncode("-._~AZaz09") == "-._~AZaz09")
        #expect(SigV4Encoding.uriEncode("a b+c*/ሴ%") == "a%20b%2Bc%2A%2F%E1%88%B4%25")
    }

    @Test("query items are decoded from a raw query, '+' kept literal")
    func queryParsing() {
        #expect(SigV4QueryItem.parse(rawQuery: "b=2&a=x%20y&flag&&c=1+1") == [
            SigV4QueryItem("b", "2"), SigV4QueryItem("a", "x y"), SigV4QueryItem("flag", ""), SigV4QueryItem("c", "1+1"),
        ])
    }

    @Test("the canonical query sorts by encoded name, then value, and is what to send")
    func canonicalQuery() throws {
        let request = SigV4Request(method: "GET", path: "/customer", query: [
            SigV4QueryItem("companyname", "Kedai Runcit Ali"), SigV4QueryItem("offset", "0"), SigV4QueryItem("limit", "50"),
            SigV4QueryItem("a", "2"), SigV4QueryItem("a", "10"), SigV4QueryItem("*", "x"),
        ], headers: [HeaderField("Host", "api.sql.my")])
        let signed = try SigV4Signer(credentials: Sandbox.credentials).sign(request, at: Sandbox.now)
        #expect(signed.canonicalQueryString == "%2A=x&a=10&a=2&companyname=Kedai%20Runcit%20Ali&limit=50&offset=0")
    }

    @Test("path normalisation and encoding for non-S3 services", arguments: [
        ("", "/"), ("/", "/"), ("//", "/"), ("/./", "/"), ("/example/..", "/"), ("/a/b/../../..", "/"),
        ("//example//", "/example/"), ("/./example", "/example"), ("/salesinvoice/*", "/salesinvoice/%2A"),
        ("/customer/ABC%201", "/customer/ABC%25201"), ("/customer/300-A0001", "/customer/300-A0001"),
    ])
    func pathCanonicalisation(path: String, canonical: String) throws {
        let request = SigV4Request(method: "GET", path: path, headers: [HeaderField("Host", "api.sql.my")])
        #expect(try SigV4Signer(credentials: Sandbox.credentials).sign(request, at: Sandbox.now).canonicalURI == canonical)
    }

    @Test("the Node sample's signing path for /* detail paths")
    func nodeSampleSigningPath() {
        #expect(SQLAccountAuthDefaults.nodeSampleSigningPath(for: "/salesinvoice/*") == "/salesinvoice/")
        #expect(SQLAccountAuthDefaults.nodeSampleSigningPath(for: "/salesinvoice") == nil)
    }

    @Test("X-Amz-Date formats and parses in UTC")
    func amzDate() {
        #expect(AmzDate.format(Sandbox.now) == "20260315T083000Z")
        #expect(AmzDate.format(Date(timeIntervalSince1970: 1_440_938_160.999)) == "20150830T123600Z")
        #expect(AmzDate.parse("20260315T083000Z") == Sandbox.now)
        for bad in ["20260315T083000", "2026-03-15T08:30:00Z", "20260230T083000Z", "20260315T246000Z", "20260315t083000z", ""] {
            #expect(AmzDate.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("signing replaces a stale Authorization and X-Amz-Date (a retry is re-signed)")
    func resigning() throws {
        var request = Sandbox.postInvoice()
        request.headers += [HeaderField("authorization", "AWS4-HMAC-SHA256 stale"), HeaderField("x-amz-date", "20000101T000000Z")]
        let signed = try SigV4Signer(credentials: Sandbox.credentials).sign(request, at: Sandbox.now)
        #expect(signed.headers.values(for: "authorization") == [signed.authorization])
        #expect(signed.headers.values(for: "x-amz-date") == ["20260315T083000Z"])
        #expect(signed.signedHeaders == "content-type;host;x-amz-date")
    }

    @Test("added headers: Authorization, X-Amz-Date, then the token and the content hash when configured")
    func addedHeaders() throws {
        let credentials = Credentials(accessKey: Sandbox.accessKey, secretKey: "s", sessionToken: "token")
        let signer = SigV4Signer(credentials: credentials, contentHashHeader: .sentUnsigned)
        let signed = try signer.sign(Sandbox.postInvoice(), at: Sandbox.now)
        #expect(signed.addedHeaders.map(\.name) == ["Authorization", "X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256"])
        #expect(signed.signedHeaders == "content-type;host;x-amz-date;x-amz-security-token")
        #expect(signed.headers.last?.name == "Authorization")
    }

    @Test("refuses to sign what cannot be sent safely")
    func signingErrors() {
        let signer = SigV4Signer(credentials: Sandbox.credentials)
        #expect(throws: SigV4SigningError.missingHost) {
            try signer.sign(SigV4Request(method: "GET", path: "/", headers: []), at: Sandbox.now)
        }
        #expect(throws: SigV4SigningError.invalidHeaderValue(name: "X-Note")) {
            try signer.sign(SigV4Request(method: "GET", path: "/", headers: [
                HeaderField("Host", "api.sql.my"), HeaderField("X-Note", "a\r\nInjected: yes"),
            ]), at: Sandbox.now)
        }
        #expect(throws: SigV4SigningError.invalidHeaderName("Bad Name")) {
            try signer.sign(SigV4Request(method: "GET", path: "/", headers: [
                HeaderField("Host", "api.sql.my"), HeaderField("Bad Name", "x"),
            ]), at: Sandbox.now)
        }
        #expect(throws: SigV4SigningError.invalidMethod("GE T")) {
            try signer.sign(SigV4Request(method: "GE T", path: "/", headers: [HeaderField("Host", "api.sql.my")]), at: Sandbox.now)
        }
        let badScope = SigV4Signer(credentials: Sandbox.credentials, region: "ap/southeast")
        #expect(throws: SigV4SigningError.self) {
            try badScope.sign(Sandbox.postInvoice(), at: Sandbox.now)
        }
    }
}
