import Foundation

/// Where and how the client talks to one SQL Account tenant (docs/sqlaccount-api.md §1–§3, product.md §2.1).
///
/// Printing it never shows the secret: `Credentials` masks itself.
public struct SQLAccountConfiguration: Sendable, CustomStringConvertible {
    /// How the `/*` detail path (`GET /salesinvoice/*?docno=…`) is signed. The real server's choice is unknown
    /// (API doc §3), so it is configurable; the request on the wire is `/<res>/*` either way.
    public enum DetailPathSigning: String, Sendable, Equatable, CaseIterable {
        /// As AWS/botocore (SQL's official Python sample): the canonical URI is `/<res>/%2A`.
        case aws
        /// As SQL's official Node sample: the `*` is stripped, the canonical URI is `/<res>/`.
        case nodeSample
    }

    /// `https://api.sql.my`.
    public static let defaultBaseURL = URL(string: "https://\(SQLAccountAuthDefaults.host)")!

    /// Scheme, host and optional port (`https://api.sql.my`, `https://203.0.113.7:8443` for an on-premise
    /// install). A path prefix is allowed and kept; a query or fragment is a configuration error.
    public var baseURL: URL
    /// SigV4 region; `ap-southeast-5` for api.sql.my, `ap-southeast-1` in the official samples.
    public var region: String
    /// SigV4 service; `sqlaccount` for api.sql.my (anything else answers 401), `execute-api` in the samples.
    public var service: String
    public var credentials: Credentials
    /// Seconds allowed for each HTTP exchange (connect + send + answer). The official Python sample uses 30.
    public var timeout: TimeInterval
    public var detailPathSigning: DetailPathSigning
    /// Sent as `User-Agent`, unsigned (botocore does not sign it either).
    public var userAgent: String
    /// HTTP statuses at which a POST/PUT/DELETE is taken as *not committed*, so it may be retried blindly.
    /// 429 is always in this class. Every other 5xx on a write is ambiguous (SQL has been seen to save a document
    /// and still answer 500; a 502/504 relay error can come after the PC committed). Default: 503 only, which
    /// nginx and relays send before the request reaches the application.
    public var uncommittedWriteStatuses: Set<Int>
    /// `find(…, docref1:)` and `find(…, docno:)` give up after this many pages of 50 — a server that ignores
    /// the filter would otherwise make a lookup page through the whole ledger.
    public var maxLookupPages: Int

    public init(credentials: Credentials, baseURL: URL = SQLAccountConfiguration.defaultBaseURL,
                region: String = SQLAccountAuthDefaults.region, service: String = SQLAccountAuthDefaults.service,
                timeout: TimeInterval = 30, detailPathSigning: DetailPathSigning = .aws,
                userAgent: String = "ledgersync", uncommittedWriteStatuses: Set<Int> = [503],
                maxLookupPages: Int = 20) {
        self.baseURL = baseURL
        self.region = region
        self.service = service
        self.credentials = credentials
        self.timeout = timeout
        self.detailPathSigning = detailPathSigning
        self.userAgent = userAgent
        self.uncommittedWriteStatuses = uncommittedWriteStatuses
        self.maxLookupPages = maxLookupPages
    }

    /// The rows per page the API returns at most (API doc §6).
    public static let pageSize = 50

    public var description: String {
        "SQLAccountConfiguration(baseURL: \(baseURL.absoluteString), region: \(region), service: \(service), "
            + "credentials: \(credentials), timeout: \(timeout)s, detailPathSigning: \(detailPathSigning.rawValue))"
    }

    /// The parts of `baseURL` the client needs, or why it cannot be used.
    func endpoint() -> Result<Endpoint, SQLAccountError> {
        guard let components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http"
        else {
            return .failure(.configuration("the base URL '\(baseURL.absoluteString)' must start with https:// (or http:// for a local sandbox)"))
        }
        guard let host = components.host, !host.isEmpty else {
            return .failure(.configuration("the base URL '\(baseURL.absoluteString)' has no host"))
        }
        guard components.query == nil, components.fragment == nil, components.user == nil, components.password == nil else {
            return .failure(.configuration("the base URL '\(baseURL.absoluteString)' must be scheme://host[:port] with no query, fragment or user"))
        }
        guard timeout > 0 else {
            return .failure(.configuration("the timeout must be more than 0 seconds, got \(timeout)"))
        }
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        let defaultPort = scheme == "https" ? 443 : 80
        let hostText = host.contains(":") ? "[\(host)]" : host  // IPv6 literal
        let authority = components.port.map { $0 == defaultPort ? hostText : "\(hostText):\($0)" } ?? hostText
        return .success(Endpoint(origin: "\(scheme)://\(authority)", hostHeader: authority, pathPrefix: prefix))
    }

    struct Endpoint: Equatable {
        /// `https://api.sql.my` or `http://127.0.0.1:8080`.
        var origin: String
        /// The `Host` header value: host, plus the port when it is not the scheme's default.
        var hostHeader: String
        /// `""` or e.g. `/api` (no trailing slash).
        var pathPrefix: String
    }
}
