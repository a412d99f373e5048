import Foundation
import SQLAccount
import Testing

/// Fixture files live beside the tests (found through `#filePath`, not bundle resources), so the package
/// tests without anything outside it.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }
}

/// `Tests/SQLAccountTests/Fixtures/aws-sigv4-test-suite.json`: AWS's SigV4 test suite as JSON, unmodified.
struct AWSSuite: Decodable, Sendable {
    struct Config: Decodable, Sendable {
        var service: String
        var region: String
        var accessKeyId: String
        var secretAccessKey: String
    }

    struct Request: Decodable, Sendable {
        var method: String
        /// The request target as in the request line: path plus `?query`.
        var uri: String
        var path: String
        var query: String
        var headers: [[String]]
        var body: String

        var headerFields: [HeaderField] {
            headers.compactMap { pair in pair.count == 2 ? HeaderField(pair[0], pair[1]) : nil }
        }
    }

    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var request: Request
        /// Canonical request, string to sign, Authorization header.
        var creq: String
        var sts: String
        var authz: String
        var req: String
        var sreq: String

        var testDescription: String { name }
    }

    struct Groups: Decodable, Sendable {
        var all: [Case]
        var basic: [Case]
        var normalizePath: [Case]
        var sts: [Case]
    }

    var config: Config
    var stsToken: String
    var tests: Groups

    static func load() throws -> AWSSuite {
        try JSONDecoder().decode(AWSSuite.self, from: Fixtures.data("aws-sigv4-test-suite.json"))
    }

    /// The suite's fixed signing time, `20150830T123600Z`.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    var credentials: Credentials { Credentials(accessKey: config.accessKeyId, secretKey: config.secretAccessKey) }
}

/// `Tests/SQLAccountTests/Fixtures/foreign-signatures.json`: requests signed by botocore and by a re-implementation
/// of SQL's Node sample, made by `make_foreign_signatures.py` in the same folder.
struct ForeignSignatures: Decodable, Sendable {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var signer: String
        var method: String
        var url: String
        var headers: [[String]]
        var body: String
        var canonicalRequest: String
        var stringToSign: String

        var testDescription: String { name }

        var headerFields: [HeaderField] {
            headers.compactMap { pair in pair.count == 2 ? HeaderField(pair[0], pair[1]) : nil }
        }

        /// `/path?query` from `https://host/path?query`.
        var target: String {
            guard let schemeEnd = url.range(of: "://") else { return url }
            let afterScheme = url[schemeEnd.upperBound...]
            guard let slash = afterScheme.firstIndex(of: "/") else { return "/" }
            return String(afterScheme[slash...])
        }

        var path: String { String(target.prefix { $0 != "?" }) }

        var rawQuery: String {
            guard let mark = target.firstIndex(of: "?") else { return "" }
            return String(target[target.index(after: mark)...])
        }

        var authorization: String? { headerFields.first(named: "Authorization") }

        var received: ReceivedRequest {
            ReceivedRequest(method: method, target: target, headers: headerFields, body: Array(body.utf8))
        }
    }

    var accessKey: String
    var secretKey: String
    var sessionToken: String
    var region: String
    var service: String
    var amzDate: String
    var cases: [Case]

    static func load() throws -> ForeignSignatures {
        try JSONDecoder().decode(ForeignSignatures.self, from: Fixtures.data("foreign-signatures.json"))
    }

    var credentials: Credentials { Credentials(accessKey: accessKey, secretKey: secretKey) }
    var credentialsWithToken: Credentials { Credentials(accessKey: accessKey, secretKey: secretKey, sessionToken: sessionToken) }
}

/// The `Signature=` value of an Authorization header.
func signatureValue(of authorization: String) -> String? {
    guard let range = authorization.range(of: "Signature=") else { return nil }
    return String(authorization[range.upperBound...])
}

/// What `dump` prints for `value`.
func dumped<T>(_ value: T) -> String {
    var text = ""
    dump(value, to: &text)
    return text
}
