import Foundation
import LedgerCore
import RulePack
import SQLAccount

/// Reads the access and secret keys a pack's connection points at, from the environment or a secrets
/// file; the pack itself never holds them.
public enum SecretResolver {
    public static func resolve(_ reference: SecretReference, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        switch reference {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw Diagnostic.error("the environment variable \(name) is not set; export it with the key from SQL Account (Maintain User → API Secret Key)", code: "missing-secret")
            }
            return value
        case .file(let path, let key):
            let expanded = (path as NSString).expandingTildeInPath
            guard let data = FileManager.default.contents(atPath: expanded), let text = String(data: data, encoding: .utf8) else {
                throw Diagnostic.error("cannot read the secrets file '\(path)'; create it with a line \(key)=…", code: "missing-secret")
            }
            for line in text.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingSpaces
                guard !trimmed.hasPrefix("#"), let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
                let name = trimmed[..<separator].trimmingSpaces
                var value = trimmed[trimmed.index(after: separator)...].trimmingSpaces
                if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                    value = String(value.dropFirst().dropLast())
                }
                if name == key && !value.isEmpty { return value }
            }
            throw Diagnostic.error("the secrets file '\(path)' has no \(key) entry; add a line \(key)=…", code: "missing-secret")
        }
    }

    /// Both keys of a pack's connection.
    public static func credentials(for connection: Connection, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Credentials {
        Credentials(accessKey: try resolve(connection.accessKey, environment: environment),
                    secretKey: try resolve(connection.secretKey, environment: environment))
    }
}

extension Workflows {
    /// The client for a pack's connection; `endpoint` (e.g. a sandbox URL) overrides the pack's host.
    public static func client(for connection: Connection, endpoint: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SQLAccountClient {
        let credentials = try SecretResolver.credentials(for: connection, environment: environment)
        let base = endpoint ?? "https://\(connection.host.value)"
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw Diagnostic.error("'\(base)' is not an http(s) URL; pass --endpoint like http://127.0.0.1:8080", code: "invalid-endpoint")
        }
        let configuration = SQLAccountConfiguration(credentials: credentials, baseURL: url, region: connection.region.value,
                                                    service: connection.service.value, timeout: TimeInterval(connection.timeoutSeconds.value))
        return SQLAccountClient(configuration: configuration)
    }

    /// `ledgersync status`: Active / Inactive / Timeout on the first line, then the reason.
    public static func status(packDirectory: String, endpoint: String?, format: OutputFormat, console: Console,
                              environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        guard let graph = compilePack(packDirectory, console: console, format: format, quietWarnings: true) else { return ExitStatus.failure }
        guard let profile = graph.pack.profile else {
            console.err("pack '\(packDirectory)' is a base pack without a profile; run status on a client pack\n")
            return ExitStatus.failure
        }
        let result: ConnectionStatus
        if !profile.enabled.value {
            result = .inactive(reason: "the integration is disabled (profile.enabled: false at \(profile.enabled.origin.location?.fileAndLine ?? "pack"))")
        } else {
            do {
                let client = try client(for: profile.connection, endpoint: endpoint, environment: environment)
                result = await ConnectionStatus.check(client, integrationEnabled: true)
            } catch let diagnostic as Diagnostic {
                result = .inactive(reason: diagnostic.message)
            } catch {
                result = .inactive(reason: "\(error)")
            }
        }
        let target = endpoint ?? "https://\(profile.connection.host.value)"
        if format == .text {
            console.out("\(result.label)\n\(result.reason.isEmpty ? "connected" : result.reason) (\(target), region \(profile.connection.region.value), service \(profile.connection.service.value))\n")
        } else {
            console.outJSONDocument(.object(["format_version": .int(1), "status": .string(result.label), "reason": .string(result.reason), "endpoint": .string(target)]))
        }
        if case .active = result { return ExitStatus.success }
        return ExitStatus.failure
    }
}
