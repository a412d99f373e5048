import Crypto
import Foundation
import LedgerCore

/// Where the SQL Account API lives and how it expects requests to be scoped (docs/sqlaccount-api.md §3).
/// Region, service and host are per-tenant configuration; these are only the defaults.
public enum SQLAccountAuthDefaults {
    /// The cloud endpoint.
    public static let host = "api.sql.my"
    /// What every 2026 client of api.sql.my uses (the Aug-2025 official samples say `ap-southeast-1`).
    public static let region = "ap-southeast-5"
    /// api.sql.my answers 401 unless the service is `sqlaccount` (the official samples say `execute-api`).
    public static let service = "sqlaccount"
    /// What the official samples (and so probably on-premise installs) use.
    public static let onPremiseRegion = "ap-southeast-1"
    public static let onPremiseService = "execute-api"

    /// The path SQL's official Node sample signs for a `/*` detail path: `/salesinvoice/*` → `/salesinvoice/`.
    /// Returns nil when the path does not end in `/*`, i.e. when there is nothing to sign differently.
    public static func nodeSampleSigningPath(for path: String) -> String? {
        guard path.hasSuffix("/*") else { return nil }
        return String(path.dropLast())
    }
}

/// One HTTP header line. Names compare case-insensitively when signing; the spelling given is what is sent.
public struct HeaderField: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name): \(value)" }
}

extension Array where Element == HeaderField {
    /// The values of every header named `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        let lowered = name.lowercased()
        return filter { $0.name.lowercased() == lowered }.map(\.value)
    }

    /// The first value of the header named `name` (case-insensitive).
    public func first(named name: String) -> String? { values(for: name).first }
}

/// One query parameter, decoded (not percent-encoded). Order and repetition are kept as given.
public struct SigV4QueryItem: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// Splits a raw query string (`a=1&b=x%20y`, without `?`) into decoded items. A part without `=` is a name
    /// with an empty value; empty parts are dropped; `+` is kept as a literal plus (RFC 3986, not HTML forms).
    public static func parse(rawQuery: String) -> [SigV4QueryItem] {
        rawQuery.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = SigV4Encoding.percentDecodedBytes(pieces[0])
            let value = pieces.count > 1 ? SigV4Encoding.percentDecodedBytes(pieces[1]) : []
            return SigV4QueryItem(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
        }
    }
}

/// What gets signed: a request before it has an `Authorization` header.
public struct SigV4Request: Sendable {
    public var method: String
    /// The path exactly as it goes on the wire (already percent-encoded where needed), e.g. `/salesinvoice/*`.
    /// The canonical URI is derived from it per the AWS rules for non-S3 services.
    public var path: String
    /// When set, used verbatim as the canonical URI instead of the one derived from `path` — for servers that
    /// sign something other than what is sent, like SQL's `/salesinvoice/*` signed as `/salesinvoice/`.
    public var signingPath: String?
    /// Decoded query parameters; the signer encodes them and returns the canonical query string to send.
    public var query: [SigV4QueryItem]
    /// Must include `Host`. Any `Authorization` or `X-Amz-Date` given here is replaced (a retry is re-signed).
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(method: String, path: String, signingPath: String? = nil, query: [SigV4QueryItem] = [],
                headers: [HeaderField], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.signingPath = signingPath
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// A problem with a request that makes it impossible to sign. Messages name headers but never print values.
public enum SigV4SigningError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingHost
    case invalidMethod(String)
    case invalidHeaderName(String)
    /// A value containing CR, LF or NUL would split into extra header lines on the wire.
    case invalidHeaderValue(name: String)
    case invalidScope(String)

    public var description: String {
        switch self {
        case .missingHost: return "cannot sign a request without a Host header"
        case .invalidMethod(let method): return "cannot sign HTTP method '\(method)'"
        case .invalidHeaderName(let name): return "cannot sign header name '\(name)': it must be a non-empty HTTP token"
        case .invalidHeaderValue(let name): return "cannot sign header '\(name)': its value contains a line break or NUL"
        case .invalidScope(let reason): return "cannot sign: \(reason)"
        }
    }

    public var diagnostic: Diagnostic { .error(description, code: "sigv4-cannot-sign") }
}

/// The result of signing: the headers to add and, for tests and debugging, every intermediate text.
///
/// Printing or dumping it never shows the signature or the session token; read the properties for those.
public struct SignedRequest: Sendable, CustomStringConvertible, CustomReflectable {
    /// What to add to the request: `Authorization`, `X-Amz-Date`, then `X-Amz-Security-Token` and
    /// `x-amz-content-sha256` when configured.
    public let addedHeaders: [HeaderField]
    /// Every header to send, in order: the request's own (minus replaced ones), the added ones,
    /// `Authorization` last.
    public let headers: [HeaderField]
    /// The query string to put on the URL (without `?`): the canonical one, so what is sent is what was signed.
    public let canonicalQueryString: String
    public let canonicalURI: String
    public let canonicalRequest: String
    public let stringToSign: String
    public let signedHeaders: String
    public let signature: String
    public let authorization: String
    public let amzDate: String
    public let credentialScope: String
    let redactor: Redactor

    public var description: String {
        "SignedRequest(\(canonicalRequest.prefix { $0 != "\n" }) \(canonicalURI), scope: \(credentialScope), "
            + "signedHeaders: \(signedHeaders), signature: \(Redactor.mask))"
    }

    public var customMirror: Mirror {
        let children: [(label: String?, value: Any)] = [
            ("headers", headers.map { redactor.redact($0.description) }),
            ("canonicalRequest", redactor.redact(canonicalRequest)),
            ("stringToSign", stringToSign),
            ("signedHeaders", signedHeaders),
            ("signature", Redactor.mask),
            ("authorization", redactor.redact(authorization)),
        ]
        return Mirror(self, children: children, displayStyle: .struct)
    }
}

/// AWS Signature Version 4, header form (`Authorization: AWS4-HMAC-SHA256 Credential=…`).
public struct SigV4Signer: Sendable {
    /// Whether and how to send `x-amz-content-sha256` (the payload hash is signed either way, in the canonical
    /// request). SQL's Python sample does not send it; its Node sample sends it without signing it.
    public enum ContentHashHeader: Sendable, Equatable {
        case omitted
        case sentUnsigned
        case signed
    }

    /// Where a session token goes. AWS signs it; a few services want it added after signing
    /// (the test suite's `post-sts-header-after`).
    public enum SessionTokenPlacement: Sendable, Equatable {
        case signed
        case appendedAfterSigning
    }

    /// Which headers to sign. `host` and `x-amz-date` (and a signed token or content hash) are always signed.
    public enum HeaderSelection: Sendable, Equatable {
        /// Every header of the request, like botocore (SQL's Python sample): `content-type;host;x-amz-date`.
        case all
        /// Only these (lower-cased) names, like SQL's Node sample (`.only([])` gives `host;x-amz-date`).
        case only(Set<String>)
    }

    public var credentials: Credentials
    public var region: String
    public var service: String
    public var contentHashHeader: ContentHashHeader
    public var sessionTokenPlacement: SessionTokenPlacement
    public var headerSelection: HeaderSelection

    public init(credentials: Credentials, region: String = SQLAccountAuthDefaults.region,
                service: String = SQLAccountAuthDefaults.service, contentHashHeader: ContentHashHeader = .omitted,
                sessionTokenPlacement: SessionTokenPlacement = .signed, headerSelection: HeaderSelection = .all) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.contentHashHeader = contentHashHeader
        self.sessionTokenPlacement = sessionTokenPlacement
        self.headerSelection = headerSelection
    }

    public func sign(_ request: SigV4Request, at date: Date) throws -> SignedRequest {
        let method = request.method.uppercased()
        guard !method.isEmpty, method.utf8.allSatisfy(SigV4Encoding.isTokenCharacter) else {
            throw SigV4SigningError.invalidMethod(request.method)
        }
        for part in [region, service] where part.isEmpty || part.contains("/") {
            throw SigV4SigningError.invalidScope("region and service must be non-empty and contain no '/'")
        }
        for field in request.headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(SigV4Encoding.isTokenCharacter) else {
                throw SigV4SigningError.invalidHeaderName(field.name)
            }
            guard !field.value.utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) else {
                throw SigV4SigningError.invalidHeaderValue(name: field.name)
            }
        }
        guard request.headers.first(named: "host") != nil else { throw SigV4SigningError.missingHost }

        let amzDate = AmzDate.format(date)
        let payloadHash = SigV4Crypto.sha256Hex(request.body)
        let token = credentials.sessionToken

        // Headers this signer owns are dropped from the input and added back with fresh values.
        var replaced: Set<String> = ["authorization", "x-amz-date"]
        if token != nil { replaced.insert("x-amz-security-token") }
        if contentHashHeader != .omitted { replaced.insert("x-amz-content-sha256") }
        var headers = request.headers.filter { !replaced.contains($0.name.lowercased()) }
        var added = [HeaderField("X-Amz-Date", amzDate)]
        var appendedAfterSigning: [HeaderField] = []
        var alwaysSigned: Set<String> = ["host", "x-amz-date"]
        if let token {
            let field = HeaderField("X-Amz-Security-Token", token)
            if sessionTokenPlacement == .signed {
                added.append(field)
                alwaysSigned.insert("x-amz-security-token")
            } else {
                appendedAfterSigning.append(field)
            }
        }
        switch contentHashHeader {
        case .omitted: break
        case .sentUnsigned: appendedAfterSigning.append(HeaderField("x-amz-content-sha256", payloadHash))
        case .signed:
            added.append(HeaderField("x-amz-content-sha256", payloadHash))
            alwaysSigned.insert("x-amz-content-sha256")
        }
        headers += added

        let toSign: [HeaderField]
        switch headerSelection {
        case .all: toSign = headers
        case .only(let names):
            let wanted = alwaysSigned.union(names.map { $0.lowercased() })
            toSign = headers.filter { wanted.contains($0.name.lowercased()) }
        }
        let canonicalHeaders = SigV4Canonical.headers(toSign)
        let canonicalURI = request.signingPath ?? SigV4Canonical.uri(fromWirePath: request.path)
        let canonicalQuery = SigV4Canonical.query(request.query)
        let canonicalRequest = [
            method, canonicalURI, canonicalQuery, canonicalHeaders.block, canonicalHeaders.signedHeaders, payloadHash,
        ].joined(separator: "\n")

        let scope = SigV4Scope(date: String(amzDate.prefix(8)), region: region, service: service)
        let stringToSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonicalRequest)
        let signature = SigV4Crypto.signature(secret: credentials.secretKey, scope: scope, stringToSign: stringToSign)
        let authorization = "\(SigV4Canonical.algorithm) Credential=\(credentials.accessKey)/\(scope.text), "
            + "SignedHeaders=\(canonicalHeaders.signedHeaders), Signature=\(signature)"
        let authorizationField = HeaderField("Authorization", authorization)

        return SignedRequest(
            addedHeaders: [authorizationField] + added + appendedAfterSigning,
            headers: headers + appendedAfterSigning + [authorizationField],
            canonicalQueryString: canonicalQuery,
            canonicalURI: canonicalURI,
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            signedHeaders: canonicalHeaders.signedHeaders,
            signature: signature,
            authorization: authorization,
            amzDate: amzDate,
            credentialScope: scope.text,
            redactor: credentials.redactor.adding(signature))
    }
}

/// `<yyyymmdd>/<region>/<service>/aws4_request`.
struct SigV4Scope: Sendable, Equatable {
    var date: String
    var region: String
    var service: String

    var text: String { "\(date)/\(region)/\(service)/aws4_request" }
}

/// The `X-Amz-Date` format, `yyyyMMdd'T'HHmmss'Z'` in UTC, done with integer arithmetic so it never depends on
/// the machine's locale, calendar or time zone.
public enum AmzDate {
    public static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let day = CalendarDate(daysSinceEpoch: Int(days))
        return pad(day.year, 4) + pad(day.month, 2) + pad(day.day, 2) + "T"
            + pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }

    /// Parses exactly `yyyyMMdd'T'HHmmss'Z'`; anything else is nil.
    public static func parse(_ text: String) -> Date? {
        guard let seconds = secondsSinceEpoch(text) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    static func secondsSinceEpoch(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              CalendarDate.isValid(year: year, month: month, day: day), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = CalendarDate(year: year, month: month, day: day).daysSinceEpoch
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// RFC 3986 percent-encoding as SigV4 defines it.
public enum SigV4Encoding {
    /// Percent-encodes every byte except the unreserved characters `A–Z a–z 0–9 - . _ ~` (upper-case hex),
    /// which is how SigV4 encodes query names, values and path segments.
    public static func uriEncode(_ text: String) -> String { uriEncode(bytes: text.utf8) }

    public static func uriEncode<Bytes: Sequence>(bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var result: [UInt8] = []
        for byte in bytes {
            if isUnreserved(byte) {
                result.append(byte)
            } else {
                result.append(UInt8(ascii: "%"))
                result.append(upperHex[Int(byte >> 4)])
                result.append(upperHex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; a `%` not followed by two hex digits stays literal.
    public static func percentDecodedBytes<Text: StringProtocol>(_ text: Text) -> [UInt8] {
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                result.append(high << 4 | low)
                index += 3
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "~")
    }

    /// RFC 9110 `tchar`: what a method or header name may consist of.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        if (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) { return true }
        return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }

    private static let upperHex = Array("0123456789ABCDEF".utf8)

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }
}

/// The canonical-request pieces, shared by the signer and the verifier.
enum SigV4Canonical {
    static let algorithm = "AWS4-HMAC-SHA256"

    /// Removes `.` and `..` segments and collapses repeated slashes, keeping a trailing slash — what the AWS
    /// test suite (`normalize-path/*`) and botocore expect for non-S3 services. An empty result is `/`.
    static func normalizedPath(_ path: String) -> String {
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
                continue
            }
            output.append(segment)
        }
        if output.isEmpty { return "/" }
        return "/" + output.joined(separator: "/") + (path.hasSuffix("/") ? "/" : "")
    }

    /// The canonical URI for a path as sent: normalised, then each segment URI-encoded. A path that was already
    /// percent-encoded on the wire is encoded again (`%20` → `%2520`), which is the AWS rule for non-S3
    /// services and what botocore does.
    static func uri(fromWirePath path: String) -> String {
        encodeSegments(normalizedPath(path))
    }

    /// Like `uri(fromWirePath:)` but decoding each segment first, so an already-encoded path is encoded once.
    static func uriEncodedOnce(fromWirePath path: String) -> String {
        let normalized = normalizedPath(path)
        return normalized.split(separator: "/", omittingEmptySubsequences: false)
            .map { SigV4Encoding.uriEncode(bytes: SigV4Encoding.percentDecodedBytes($0)) }
            .joined(separator: "/")
    }

    private static func encodeSegments(_ normalized: String) -> String {
        normalized.split(separator: "/", omittingEmptySubsequences: false)
            .map { SigV4Encoding.uriEncode(bytes: $0.utf8) }
            .joined(separator: "/")
    }

    /// Names and values encoded, then sorted by encoded name and, for repeated names, by encoded value.
    static func query(_ items: [SigV4QueryItem]) -> String {
        items.map { (SigV4Encoding.uriEncode($0.name), SigV4Encoding.uriEncode($0.value)) }
            .sorted { lhs, rhs in
                lhs.0 != rhs.0 ? lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
                    : lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Whitespace runs become one space and the ends are trimmed, like botocore's `' '.join(value.split())`.
    static func headerValue(_ value: String) -> String {
        // By scalar, not Character: "\r\n" is one Character and would not equal "\r" or "\n".
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in value.unicodeScalars {
            switch scalar {
            case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}":
                pendingSpace = !result.isEmpty
            default:
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// The `name:value\n` block (names lower-cased and sorted, repeated headers joined with `,` in the order
    /// given) and the `;`-joined signed header names.
    static func headers(_ fields: [HeaderField]) -> (block: String, signedHeaders: String) {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for field in fields {
            let name = field.name.lowercased()
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(headerValue(field.value))
        }
        let names = order.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return headers(names: names, values: values)
    }

    /// The block for exactly `names`, in that order (what a verifier reproduces from `SignedHeaders=`).
    static func headers(names: [String], values: [String: [String]]) -> (block: String, signedHeaders: String) {
        var block = ""
        for name in names {
            block += name + ":" + (values[name] ?? []).joined(separator: ",") + "\n"
        }
        return (block, names.joined(separator: ";"))
    }

    static func stringToSign(amzDate: String, scope: SigV4Scope, canonicalRequest: String) -> String {
        [algorithm, amzDate, scope.text, SigV4Crypto.sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }
}

enum SigV4Crypto {
    static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    static func hmac(key: [UInt8], _ message: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
    }

    static func signingKey(secret: String, scope: SigV4Scope) -> [UInt8] {
        let dateKey = hmac(key: Array("AWS4\(secret)".utf8), scope.date)
        let regionKey = hmac(key: dateKey, scope.region)
        let serviceKey = hmac(key: regionKey, scope.service)
        return hmac(key: serviceKey, "aws4_request")
    }

    static func signature(signingKey: [UInt8], stringToSign: String) -> String {
        hex(hmac(key: signingKey, stringToSign))
    }

    static func signature(secret: String, scope: SigV4Scope, stringToSign: String) -> String {
        signature(signingKey: signingKey(secret: secret, scope: scope), stringToSign: stringToSign)
    }

    /// Compares without an early exit, so the time taken does not reveal how many leading bytes matched.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    private static let lowerHex = Array("0123456789abcdef".utf8)

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var result: [UInt8] = []
        for byte in bytes {
            result.append(lowerHex[Int(byte >> 4)])
            result.append(lowerHex[Int(byte & 0x0F)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
