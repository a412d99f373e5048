import Foundation
import LedgerCore

/// A request as the sandbox received it, before any decoding.
public struct ReceivedRequest: Sendable {
    public var method: String
    /// The path exactly as sent, still percent-encoded, e.g. `/salesinvoice/*`.
    public var path: String
    /// The query exactly as sent, without `?`.
    public var rawQuery: String
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(method: String, path: String, rawQuery: String = "", headers: [HeaderField], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
    }

    /// From a request target as in the request line: `/salesinvoice/*?docno=IV-00001`.
    public init(method: String, target: String, headers: [HeaderField], body: [UInt8] = []) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.init(method: method, path: String(parts[0]), rawQuery: parts.count > 1 ? String(parts[1]) : "",
                  headers: headers, body: body)
    }
}

/// Why a request's signature was not accepted. Descriptions are safe to log: they never contain a secret,
/// a session token or the expected signature.
public enum SigV4Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    case missingAuthorization
    case malformedAuthorization(String)
    case missingDate
    case malformedDate(String)
    case unknownAccessKey(String)
    case wrongRegion(expected: String, got: String)
    case wrongService(expected: String, got: String)
    /// The credential scope's date is not the day of `X-Amz-Date`.
    case credentialDateMismatch(scopeDate: String, requestDate: String)
    case dateSkew(requestDate: String, skewSeconds: Int64, allowedSeconds: Int64)
    /// `x-amz-content-sha256` was sent and is not the SHA-256 of the body received.
    case bodyHashMismatch(declared: String, actual: String)
    /// What the verifier computed under the standard rules, for comparing with the client's own texts (AWS puts
    /// the same in its error). Session tokens in the canonical request are masked.
    case signatureMismatch(accessKey: String, canonicalRequest: String, stringToSign: String)

    /// A stable identifier for tooling, in the style of `Diagnostic.code`.
    public var code: String {
        switch self {
        case .missingAuthorization: return "missing-authorization"
        case .malformedAuthorization: return "malformed-authorization"
        case .missingDate: return "missing-date"
        case .malformedDate: return "malformed-date"
        case .unknownAccessKey: return "unknown-access-key"
        case .wrongRegion: return "wrong-region"
        case .wrongService: return "wrong-service"
        case .credentialDateMismatch: return "credential-date-mismatch"
        case .dateSkew: return "date-skew"
        case .bodyHashMismatch: return "body-hash-mismatch"
        case .signatureMismatch: return "signature-mismatch"
        }
    }

    /// The status the sandbox answers with: 401 when the caller's identity or scope is wrong (SQL returns 401
    /// for a wrong service or keys of another tenant), 403 when the signature is rejected (as an on-premise
    /// install does), 400 when the body does not match its declared hash (like AWS). See the API doc §3, §12.
    public var httpStatus: Int {
        switch self {
        case .missingAuthorization, .malformedAuthorization, .unknownAccessKey, .wrongRegion, .wrongService: return 401
        case .missingDate, .malformedDate, .credentialDateMismatch, .dateSkew, .signatureMismatch: return 403
        case .bodyHashMismatch: return 400
        }
    }

    public var description: String {
        switch self {
        case .missingAuthorization:
            return "the request has no Authorization header"
        case .malformedAuthorization(let reason):
            return "malformed Authorization header: \(reason)"
        case .missingDate:
            return "the request has no X-Amz-Date header"
        case .malformedDate(let value):
            return "X-Amz-Date '\(value)' is not in the form yyyyMMddTHHmmssZ"
        case .unknownAccessKey(let key):
            return "unknown access key '\(key)'"
        case .wrongRegion(let expected, let got):
            return "the credential scope's region is '\(got)', expected '\(expected)'"
        case .wrongService(let expected, let got):
            return "the credential scope's service is '\(got)', expected '\(expected)'"
        case .credentialDateMismatch(let scopeDate, let requestDate):
            return "the credential scope's date \(scopeDate) is not the day of X-Amz-Date \(requestDate)"
        case .dateSkew(let requestDate, let skew, let allowed):
            return "X-Amz-Date \(requestDate) is \(skew) s away from the server's clock; at most \(allowed) s is allowed"
        case .bodyHashMismatch(let declared, let actual):
            return "x-amz-content-sha256 is \(declared) but the body received hashes to \(actual)"
        case .signatureMismatch(let accessKey, let canonicalRequest, let stringToSign):
            return "the signature for access key '\(accessKey)' does not match; the canonical request should have been:\n"
                + "\(canonicalRequest)\nand the string to sign:\n\(stringToSign)"
        }
    }

    public var diagnostic: Diagnostic { .error(description, code: code) }
}

public enum SigV4Verification: Sendable, Equatable {
    case ok(accessKey: String)
    case rejected(SigV4Rejection)

    public var isOK: Bool {
        if case .ok = self { return true }
        return false
    }

    public var rejection: SigV4Rejection? {
        if case .rejected(let rejection) = self { return rejection }
        return nil
    }
}

/// Checks `Authorization: AWS4-HMAC-SHA256 …` headers the way the SQL Account sandbox needs: generically, for
/// whichever standard signer produced them (botocore signs `content-type;host;x-amz-date`, SQL's Node sample
/// `host;x-amz-date`), with access keys that contain `/`, and with the canonical URI forms clients use for the
/// `/*` detail paths (as sent, `*` encoded as `%2A`, or a trailing `/*` signed as `/`).
public struct SigV4Verifier: Sendable {
    public var region: String
    public var service: String
    /// How far `X-Amz-Date` may be from the server's clock, either way. SQL's own limit is unknown; 15 minutes
    /// is AWS's.
    public var allowedClockSkew: TimeInterval
    private let lookup: @Sendable (String) -> Credentials?

    public init(region: String = SQLAccountAuthDefaults.region, service: String = SQLAccountAuthDefaults.service,
                allowedClockSkew: TimeInterval = 15 * 60, lookup: @escaping @Sendable (String) -> Credentials?) {
        self.region = region
        self.service = service
        self.allowedClockSkew = allowedClockSkew
        self.lookup = lookup
    }

    /// Accepts the given key pairs; a repeated access key keeps the last one.
    public init(region: String = SQLAccountAuthDefaults.region, service: String = SQLAccountAuthDefaults.service,
                allowedClockSkew: TimeInterval = 15 * 60, credentials: [Credentials]) {
        let byAccessKey = Dictionary(credentials.map { ($0.accessKey, $0) }, uniquingKeysWith: { _, last in last })
        self.init(region: region, service: service, allowedClockSkew: allowedClockSkew, lookup: { byAccessKey[$0] })
    }

    public func verify(_ request: ReceivedRequest, now: Date) -> SigV4Verification {
        switch check(request, now: now) {
        case .success(let accessKey): return .ok(accessKey: accessKey)
        case .failure(let rejection): return .rejected(rejection)
        }
    }

    private func check(_ request: ReceivedRequest, now: Date) -> Result<String, SigV4Rejection> {
        var headerValues: [String: [String]] = [:]
        for field in request.headers {
            headerValues[field.name.lowercased(), default: []].append(SigV4Canonical.headerValue(field.value))
        }

        guard let authorizationValues = headerValues["authorization"] else { return .failure(.missingAuthorization) }
        guard authorizationValues.count == 1 else {
            return .failure(.malformedAuthorization("the request has \(authorizationValues.count) Authorization headers"))
        }
        let authorization: ParsedAuthorization
        switch ParsedAuthorization.parse(authorizationValues[0]) {
        case .success(let parsed): authorization = parsed
        case .failure(let rejection): return .failure(rejection)
        }

        guard let dates = headerValues["x-amz-date"] else { return .failure(.missingDate) }
        guard dates.count == 1, let requestSeconds = AmzDate.secondsSinceEpoch(dates[0]) else {
            return .failure(.malformedDate(dates.joined(separator: ",")))
        }
        let amzDate = dates[0]

        guard let credentials = lookup(authorization.accessKey) else {
            return .failure(.unknownAccessKey(authorization.accessKey))
        }
        guard authorization.scope.region == region else {
            return .failure(.wrongRegion(expected: region, got: authorization.scope.region))
        }
        guard authorization.scope.service == service else {
            return .failure(.wrongService(expected: service, got: authorization.scope.service))
        }
        guard authorization.scope.date == String(amzDate.prefix(8)) else {
            return .failure(.credentialDateMismatch(scopeDate: authorization.scope.date, requestDate: amzDate))
        }
        let skew = requestSeconds - Int64(now.timeIntervalSince1970.rounded(.down))
        let allowed = Int64(allowedClockSkew.rounded(.down))
        guard abs(skew) <= allowed else {
            return .failure(.dateSkew(requestDate: amzDate, skewSeconds: skew, allowedSeconds: allowed))
        }

        let payloadHash = SigV4Crypto.sha256Hex(request.body)
        if let declared = headerValues["x-amz-content-sha256"] {
            // Checked even when unsigned (SQL's Node sample sends it unsigned): a mismatch means the body changed.
            guard declared.count == 1, declared[0].lowercased() == payloadHash else {
                return .failure(.bodyHashMismatch(declared: declared.joined(separator: ","), actual: payloadHash))
            }
        }

        for name in authorization.signedHeaders where headerValues[name] == nil {
            return .failure(.malformedAuthorization("SignedHeaders lists '\(name)' but the request has no such header"))
        }
        let canonicalHeaders = SigV4Canonical.headers(names: authorization.signedHeaders, values: headerValues)
        let method = request.method.uppercased()
        let signingKey = SigV4Crypto.signingKey(secret: credentials.secretKey, scope: authorization.scope)

        // A handful of candidates (at most 4 URIs × 2 query forms), all computed, so the time taken does not
        // depend on which one matched.
        var matched = false
        for uri in Self.canonicalURICandidates(wirePath: request.path) {
            for query in Self.canonicalQueryCandidates(rawQuery: request.rawQuery) {
                let canonicalRequest = [method, uri, query, canonicalHeaders.block, canonicalHeaders.signedHeaders,
                                        payloadHash].joined(separator: "\n")
                let stringToSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: authorization.scope,
                                                               canonicalRequest: canonicalRequest)
                let expected = SigV4Crypto.signature(signingKey: signingKey, stringToSign: stringToSign)
                if SigV4Crypto.constantTimeEquals(expected, authorization.signature) { matched = true }
            }
        }
        if matched { return .success(authorization.accessKey) }

        let standardRequest = [method, SigV4Canonical.uri(fromWirePath: request.path),
                               SigV4Canonical.query(SigV4QueryItem.parse(rawQuery: request.rawQuery)),
                               canonicalHeaders.block, canonicalHeaders.signedHeaders, payloadHash].joined(separator: "\n")
        let standardStringToSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: authorization.scope,
                                                               canonicalRequest: standardRequest)
        return .failure(.signatureMismatch(accessKey: authorization.accessKey,
                                           canonicalRequest: credentials.redactor.redact(standardRequest),
                                           stringToSign: standardStringToSign))
    }

    /// The canonical URIs a standard client may have signed for `wirePath`: AWS's rule (each segment of the
    /// path as sent encoded again: `*` → `%2A`, as botocore does), the path encoded once, the path verbatim, and
    /// for a trailing `/*` (sent as `*` or `%2A`) the same forms of the path ending in `/` (SQL's Node sample).
    static func canonicalURICandidates(wirePath: String) -> [String] {
        let path = wirePath.isEmpty ? "/" : wirePath
        var paths = [path]
        for suffix in ["/*", "/%2A", "/%2a"] where path.hasSuffix(suffix) {
            paths.append(String(path.dropLast(suffix.count - 1)))
        }
        var candidates: [String] = []
        for path in paths {
            for candidate in [SigV4Canonical.uri(fromWirePath: path), SigV4Canonical.uriEncodedOnce(fromWirePath: path), path]
            where !candidates.contains(candidate) {
                candidates.append(candidate)
            }
        }
        return candidates
    }

    /// The canonical query by AWS's rule (decode, re-encode, sort), and the pairs as sent, sorted — what botocore
    /// signs for a query that is already in the URL and what encodeURIComponent-based clients produce.
    static func canonicalQueryCandidates(rawQuery: String) -> [String] {
        let standard = SigV4Canonical.query(SigV4QueryItem.parse(rawQuery: rawQuery))
        let asSent = rawQuery.split(separator: "&", omittingEmptySubsequences: true)
            .map { part -> (Substring, Substring) in
                let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (pieces[0], pieces.count > 1 ? pieces[1] : "")
            }
            .sorted { lhs, rhs in
                lhs.0 != rhs.0 ? lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
                    : lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        return standard == asSent ? [standard] : [standard, asSent]
    }
}

/// `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<hex>`.
struct ParsedAuthorization: Equatable {
    var accessKey: String
    var scope: SigV4Scope
    var signedHeaders: [String]
    var signature: String

    static func parse(_ header: String) -> Result<ParsedAuthorization, SigV4Rejection> {
        func malformed(_ reason: String) -> Result<ParsedAuthorization, SigV4Rejection> {
            .failure(.malformedAuthorization(reason))
        }
        let prefix = SigV4Canonical.algorithm + " "
        guard header.hasPrefix(prefix) else {
            let scheme = header.prefix { $0 != " " }
            return malformed("the scheme is '\(scheme)', expected \(SigV4Canonical.algorithm)")
        }
        var fields: [String: String] = [:]
        for component in header.dropFirst(prefix.count).split(separator: ",") {
            let trimmed = component.trimmingCharacters(in: .whitespaces)
            let pieces = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else { return malformed("'\(pieces[0].prefix(20))' has no '='") }
            let key = String(pieces[0])
            guard ["Credential", "SignedHeaders", "Signature"].contains(key) else {
                return malformed("unexpected component '\(key)'")
            }
            guard fields[key] == nil else { return malformed("'\(key)' appears twice") }
            fields[key] = String(pieces[1])
        }
        guard let credential = fields["Credential"] else { return malformed("no Credential") }
        guard let signedHeaderList = fields["SignedHeaders"] else { return malformed("no SignedHeaders") }
        guard let signature = fields["Signature"] else { return malformed("no Signature") }

        // The access key itself may contain '/', so the four scope parts are taken from the right.
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 5, parts[parts.count - 1] == "aws4_request" else {
            return malformed("Credential must be <access key>/<yyyymmdd>/<region>/<service>/aws4_request")
        }
        let accessKey = parts[0..<(parts.count - 4)].joined(separator: "/")
        let scope = SigV4Scope(date: parts[parts.count - 4], region: parts[parts.count - 3], service: parts[parts.count - 2])
        guard !accessKey.isEmpty else { return malformed("Credential has an empty access key") }
        guard scope.date.count == 8, scope.date.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return malformed("the Credential date '\(scope.date)' is not yyyymmdd")
        }
        guard !scope.region.isEmpty, !scope.service.isEmpty else {
            return malformed("the Credential region and service must not be empty")
        }

        let signedHeaders = signedHeaderList.split(separator: ";", omittingEmptySubsequences: false).map { $0.lowercased() }
        guard !signedHeaders.contains(where: \.isEmpty) else { return malformed("SignedHeaders has an empty name") }
        guard Set(signedHeaders).count == signedHeaders.count else { return malformed("SignedHeaders repeats a name") }
        // Signing the host binds the signature to the tenant's endpoint; every standard signer does it.
        guard signedHeaders.contains("host") else { return malformed("SignedHeaders must include host") }

        let normalizedSignature = signature.lowercased()
        guard normalizedSignature.utf8.count == 64,
              normalizedSignature.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            return malformed("Signature is not 64 hex digits")
        }
        return .success(ParsedAuthorization(accessKey: accessKey, scope: scope, signedHeaders: signedHeaders,
                                            signature: normalizedSignature))
    }
}
