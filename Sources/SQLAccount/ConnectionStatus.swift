import Foundation

/// What `ledgersync status` reports for a company's connection (product.md §2.1):
///
/// | answer to `GET /version` (then `/profile` if `/version` is 404) | status |
/// |---|---|
/// | 2xx | `.active` — the API answered and accepted the signature |
/// | 401, 403, or the integration disabled in the pack | `.inactive(reason)` — credentials rejected / switched off |
/// | no answer in time, connection refused, DNS failure, no network, TLS failure, connection lost | `.timeout(reason)` |
/// | 5xx (the relay: the SQL Account PC or its API service is down), 429 (busy) | `.timeout(reason)` |
/// | any other 4xx, a redirect | `.inactive(reason)` — it answered but did not accept the request |
///
/// The check makes one attempt per path, no retries, so it takes at most about two timeouts.
public enum ConnectionStatus: Sendable, Equatable, CustomStringConvertible {
    case active
    case inactive(reason: String)
    case timeout(reason: String)

    /// `Active`, `Inactive` or `Timeout`, as the product shows it.
    public var label: String {
        switch self {
        case .active: return "Active"
        case .inactive: return "Inactive"
        case .timeout: return "Timeout"
        }
    }

    public var reason: String {
        switch self {
        case .active: return "the API answered and accepted the signature"
        case .inactive(let reason), .timeout(let reason): return reason
        }
    }

    public var description: String { "\(label): \(reason)" }

    /// Asks the API once. Never throws: every failure is a status with a reason.
    /// - Parameter integrationEnabled: false when the pack switches the integration off; then nothing is sent.
    public static func check(_ client: SQLAccountClient, integrationEnabled: Bool = true) async -> ConnectionStatus {
        guard integrationEnabled else { return .inactive(reason: "the integration is disabled in the rule pack") }
        for path in ["/version", "/profile"] {
            do {
                _ = try await client.send(SQLAccountRequest(method: "GET", path: path), retrying: .never)
                return .active
            } catch let error as SQLAccountError {
                if path == "/version", case .validation(404, _) = error { continue }  // older service: try /profile
                return status(for: error, path: path)
            } catch {
                return .timeout(reason: "the check was cancelled before SQL Account answered")
            }
        }
        return .inactive(reason: "SQL Account answered 404 to both /version and /profile")
    }

    /// How one failed check maps to a status.
    public static func status(for error: SQLAccountError, path: String = "/version") -> ConnectionStatus {
        switch error {
        case .authentication(let status, let message):
            return .inactive(reason: "credentials rejected (HTTP \(status)\(message.isEmpty ? "" : ": \(message)")); "
                + "check the access key, secret key, region and service")
        case .timeout:
            return .timeout(reason: "no answer within the timeout; the SQL Account PC or its API service may be down")
        case .transport(let kind, _):
            switch kind {
            case .connectionRefused: return .timeout(reason: "connection refused; is the SQL Account API service running?")
            case .dnsFailure: return .timeout(reason: "the host name could not be resolved (DNS)")
            case .notConnected: return .timeout(reason: "this machine is not connected to the network")
            case .tlsFailure: return .timeout(reason: "the secure (TLS) connection failed")
            case .timedOut: return .timeout(reason: "no answer within the timeout")
            case .connectionLost: return .timeout(reason: "the connection was lost before SQL Account answered")
            case .cancelled: return .timeout(reason: "the request was cancelled")
            case .other: return .timeout(reason: "the request failed below HTTP")
            }
        case .server(let status, let message, _):
            return .timeout(reason: "HTTP \(status) from the relay\(message.isEmpty ? "" : " (\(message))"); the SQL Account PC "
                + "or its API service is down or unreachable")
        case .rateLimited(let retryAfter):
            return .timeout(reason: "rate limited (HTTP 429)" + (retryAfter.map { "; try again in \(SQLAccountError.seconds($0))" } ?? ""))
        case .validation(let status, let message):
            return .inactive(reason: "GET \(path) was refused (HTTP \(status)\(message.isEmpty ? "" : ": \(message)"))")
        case .conflict(let message), .duplicateDocumentNumber(let message):
            return .inactive(reason: "unexpected answer to GET \(path): \(message)")
        case .invalidResponse(let reason):
            return .inactive(reason: "unexpected answer to GET \(path): \(reason)")
        case .configuration(let reason):
            return .inactive(reason: reason)
        }
    }
}
