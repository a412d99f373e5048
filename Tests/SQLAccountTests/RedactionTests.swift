import Foundation
import SQLAccount
import Testing

@Suite("Secrets never reach text")
struct RedactionTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "FQoGZXIvYXdzEXAMPLE//session-token=="
    static let credentials = Credentials(accessKey: "abcd1234.sql.my/ACCOUNTAPI", secretKey: secret, sessionToken: token)

    /// Every form the secret or token could leak in.
    static func leaks(in text: String) -> [String] {
        [secret, token, SigV4Encoding.uriEncode(secret), SigV4Encoding.uriEncode(token)].filter { text.contains($0) }
    }

    @Test("Credentials print the access key and `secret: ****` through every text path")
    func credentialsText() {
        let texts = [
            String(describing: Self.credentials), "\(Self.credentials)", String(reflecting: Self.credentials),
            Self.credentials.debugDescription, dumped(Self.credentials), dumped([Self.credentials]),
            dumped(Optional(Self.credentials)), String(describing: Mirror(reflecting: Self.credentials).children.map(\.value)),
        ]
        for text in texts {
            #expect(Self.leaks(in: text).isEmpty, "leaked in: \(text)")
            #expect(text.contains("abcd1234.sql.my/ACCOUNTAPI"))
        }
        #expect(String(describing: Self.credentials)
                == "Credentials(accessKey: abcd1234.sql.my/ACCOUNTAPI, secret: ****, sessionToken: ****)")
        #expect(dumped(Self.credentials).contains("secret: \"****\""))
        #expect(Credentials(accessKey: "k", secretKey: Self.secret).description == "Credentials(accessKey: k, secret: ****)")
    }

    @Test("Credentials nested in other values stay hidden")
    func nestedCredentials() {
        struct Tenant { var name: String; var credentials: Credentials }
        let tenant = Tenant(name: "shop", credentials: Self.credentials)
        #expect(Self.leaks(in: String(describing: tenant)).isEmpty)
        #expect(Self.leaks(in: dumped(tenant)).isEmpty)
    }

    @Test("a SignedRequest prints and dumps without the token or the signature")
    func signedRequestText() throws {
        let request = SigV4Request(method: "POST", path: "/salesinvoice",
                                   headers: [HeaderField("Host", "api.sql.my"), HeaderField("Content-Type", "application/json")],
                                   body: Array("{}".utf8))
        let signed = try SigV4Signer(credentials: Self.credentials).sign(request, at: Sandbox.now)
        for text in [String(describing: signed), dumped(signed)] {
            #expect(Self.leaks(in: text).isEmpty, "leaked in: \(text)")
            #expect(!text.contains(signed.signature), "signature in: \(text)")
        }
        // The properties themselves still hold the real values for sending.
        #expect(signed.headers.first(named: "X-Amz-Security-Token") == Self.token)
    }

    @Test("rejections and signing errors never quote a secret, a token or the expected signature")
    func errorTexts() throws {
        let request = SigV4Request(method: "POST", path: "/salesinvoice",
                                   headers: [HeaderField("Host", "api.sql.my")], body: Array("{}".utf8))
        let right = try SigV4Signer(credentials: Self.credentials).sign(request, at: Sandbox.now)
        let wrong = try SigV4Signer(credentials: Credentials(accessKey: Self.credentials.accessKey, secretKey: "other",
                                                             sessionToken: Self.token)).sign(request, at: Sandbox.now)
        let verifier = SigV4Verifier(credentials: [Self.credentials])
        let result = verifier.verify(ReceivedRequest(method: "POST", path: "/salesinvoice", headers: wrong.headers,
                                                     body: request.body), now: Sandbox.now)
        let rejection = try #require(result.rejection)
        #expect(rejection.code == "signature-mismatch")
        for text in [rejection.description, String(describing: rejection), dumped(rejection), rejection.diagnostic.description,
                     String(describing: result), "\(SigV4Error(rejection))"] {
            #expect(Self.leaks(in: text).isEmpty, "leaked in: \(text)")
            #expect(!text.contains(right.signature), "expected signature in: \(text)")
        }

        let signingError = SigV4SigningError.invalidHeaderValue(name: "X-Amz-Security-Token")
        #expect(Self.leaks(in: signingError.description).isEmpty)
    }

    @Test("the Redactor masks the secret in raw, URL-encoded and JSON-escaped form, and any signature")
    func redactor() {
        let redactor = Self.credentials.redactor
        let log = """
            secret=\(Self.secret) url=?k=\(SigV4Encoding.uriEncode(Self.secret)) json={"s":"\(Self.secret.replacingOccurrences(of: "/", with: "\\/"))"} \
            token=\(Self.token) Authorization: AWS4-HMAC-SHA256 Credential=abcd1234.sql.my/ACCOUNTAPI/20260315/ap-southeast-5/sqlaccount/aws4_request, \
            SignedHeaders=host;x-amz-date, Signature=fdb6f9b7ba91cfcc8cc4ec6bbeb1b26e28bf74103e114f84151717ecd54273c6 \
            presigned=?X-Amz-Signature=ABCDEF0123
            """
        let redacted = redactor.redact(log)
        #expect(redacted == """
            secret=**** url=?k=**** json={"s":"****"} \
            token=**** Authorization: AWS4-HMAC-SHA256 Credential=abcd1234.sql.my/ACCOUNTAPI/20260315/ap-southeast-5/sqlaccount/aws4_request, \
            SignedHeaders=host;x-amz-date, Signature=**** \
            presigned=?X-Amz-Signature=****
            """)
    }

    @Test("the Redactor leaves text without secrets alone and ignores empty secrets")
    func redactorNoOp() {
        let text = "POST /salesinvoice 201 docno=IV-00001 ሴ"
        #expect(Redactor(secrets: ["", "absent"]).redact(text) == text)
        #expect(Redactor().adding("IV-00001").redact(text) == "POST /salesinvoice 201 docno=**** ሴ")
        #expect(Redactor(secrets: ["abc", "abcdef"]).redact("xabcdefx abc") == "x****x ****")
    }
}

/// An error wrapper a caller might write; its text must stay clean because the rejection's text is.
private struct SigV4Error: Error, CustomStringConvertible {
    var rejection: SigV4Rejection
    init(_ rejection: SigV4Rejection) { self.rejection = rejection }
    var description: String { "sandbox refused the request: \(rejection)" }
}
