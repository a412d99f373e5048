import Foundation
import LedgerCore
import RulePack
import Sandbox
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
        try client(for: connection, endpoint: endpoint, credentials: SecretResolver.credentials(for: connection, environment: environment))
    }

    public static func client(for connection: Connection, endpoint: String?, credentials: Credentials) throws -> SQLAccountClient {
        let base = endpoint ?? "https://\(connection.host.value)"
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw Diagnostic.error("'\(base)' is not an http(s) URL; pass --endpoint like http://127.0.0.1:8080", code: "invalid-endpoint")
        }
        let configuration = SQLAccountConfiguration(credentials: credentials, baseURL: url, region: connection.region.value,
                                                    service: connection.service.value, timeout: TimeInterval(connection.timeoutSeconds.value))
        return SQLAccountClient(configuration: configuration)
    }

    /// `ledgersync status`: Active / Inactive / Timeout on the first line, then the reason.
    public static func status(packDirectory: String, endpoint: String?, sandbox: Bool = false, format: OutputFormat, console: Console,
                              environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        await respond(format: format, console: console, render: { ConnectionCheck.render($0, format: format) }) {
            try await ConnectionCheck.run(StatusRequest(packDirectory: packDirectory, endpoint: endpoint, sandbox: sandbox), environment: environment)
        }
    }
}

public struct StatusRequest: Sendable {
    public var packDirectory: String
    /// Overrides the pack's host, e.g. a sandbox URL.
    public var endpoint: String?
    /// Check against a sandbox started for this run.
    public var sandbox: Bool

    public init(packDirectory: String, endpoint: String? = nil, sandbox: Bool = false) {
        self.packDirectory = packDirectory
        self.endpoint = endpoint
        self.sandbox = sandbox
    }
}

/// `status`'s answer: whether SQL Accounting answers the pack's connection, and where it was asked.
public struct ConnectionCheck: CommandResult {
    public var status: ConnectionStatus
    /// The URL asked (or that would have been asked).
    public var target: String
    public var region: String
    public var service: String

    /// Only an active connection is a success.
    public var exitStatus: Int32 {
        if case .active = status { return ExitStatus.success }
        return ExitStatus.failure
    }

    public static func run(_ request: StatusRequest, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(CommandFailure) -> ConnectionCheck {
        let graph = try PackUseCases.load(request.packDirectory).graph
        guard let profile = graph.pack.profile else {
            throw .message("pack '\(request.packDirectory)' is a base pack without a profile; run status on a client pack")
        }
        var endpoint = request.endpoint
        var embedded: SandboxServer?
        var sandboxKeys: Credentials?
        if request.sandbox {
            // The pack's keys when they are set, otherwise the sandbox's own: no account needed.
            let keys = (try? SecretResolver.credentials(for: profile.connection, environment: environment)) ?? EmbeddedSandbox.defaultCredentials
            do {
                let server = try await EmbeddedSandbox.start(credentials: keys, region: profile.connection.region.value, service: profile.connection.service.value)
                embedded = server.server
                endpoint = server.endpoint
                sandboxKeys = keys
            } catch {
                throw .message("cannot start the embedded sandbox: \(error)")
            }
        }
        let status: ConnectionStatus
        if !profile.enabled.value {
            status = .inactive(reason: "the integration is disabled (profile.enabled: false at \(profile.enabled.origin.location?.fileAndLine ?? "pack"))")
        } else {
            do {
                let apiClient: SQLAccountClient
                if let sandboxKeys {
                    apiClient = try Workflows.client(for: profile.connection, endpoint: endpoint, credentials: sandboxKeys)
                } else {
                    apiClient = try Workflows.client(for: profile.connection, endpoint: endpoint, environment: environment)
                }
                status = await ConnectionStatus.check(apiClient, integrationEnabled: true)
            } catch let diagnostic as Diagnostic {
                status = .inactive(reason: diagnostic.message)
            } catch {
                status = .inactive(reason: "\(error)")
            }
        }
        if let embedded { await embedded.stop() }
        return ConnectionCheck(status: status, target: endpoint ?? "https://\(profile.connection.host.value)",
                               region: profile.connection.region.value, service: profile.connection.service.value)
    }

    public static func render(_ check: ConnectionCheck, format: OutputFormat) -> Rendered {
        let status = check.status
        guard format == .text else {
            return .document(.object(["format_version": .int(1), "status": .string(status.label), "reason": .string(status.reason), "endpoint": .string(check.target)]))
        }
        return .text("\(status.label)\n\(status.reason.isEmpty ? "connected" : status.reason) (\(check.target), region \(check.region), service \(check.service))\n")
    }
}

/// The sandbox started inside a command (`--sandbox`): loopback, a free port, the example seed when present.
public enum EmbeddedSandbox {
    /// The sandbox's own key pair, published so a sandbox works with no account; it opens nothing but a sandbox.
    public static let defaultSecretKey = "ledgersync-sandbox-secret-not-for-production"
    public static let defaultCredentials = Credentials(accessKey: "sandbox.sql.my/LEDGERSYNC", secretKey: defaultSecretKey)
    public static let defaultSeedPath = "examples/sandbox/acme-living-seed.yaml"

    public static func start(credentials: Credentials, region: String, service: String, seedPath: String? = nil,
                             faults: FaultSpec = .none) async throws -> (server: SandboxServer, endpoint: String) {
        let path = seedPath ?? locateDefaultSeed()
        let seed = path.map { FileManager.default.fileExists(atPath: $0) } == true ? try SandboxSeed.load(path: path!) : SandboxSeed()
        var configuration = SandboxConfiguration(accessKey: credentials.accessKey, secretKey: "", region: region,
                                                 service: service, seed: seed, faults: faults)
        // Hand over the key pair itself: the secret is never read out of `Credentials`.
        configuration.credentials = credentials
        let server = SandboxServer(configuration: configuration)
        let port = try await server.start()
        return (server, "http://127.0.0.1:\(port)")
    }

    /// The example seed: beside the working directory, else found walking up from it and from the executable (a
    /// checkout's `.build/debug/ledgersync`), so `--sandbox` has the example masters wherever it is run from.
    static func locateDefaultSeed() -> String? {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: defaultSeedPath) { return defaultSeedPath }
        let executable = CommandLine.arguments.first.map { $0.hasPrefix("/") ? $0 : (fileManager.currentDirectoryPath as NSString).appendingPathComponent($0) }
        for start in [fileManager.currentDirectoryPath, executable.map { ($0 as NSString).deletingLastPathComponent }].compactMap({ $0 }) {
            var directory = start
            while true {
                let candidate = (directory as NSString).appendingPathComponent(defaultSeedPath)
                if fileManager.fileExists(atPath: candidate) { return candidate }
                let parent = (directory as NSString).deletingLastPathComponent
                if parent == directory || parent.isEmpty { break }
                directory = parent
            }
        }
        return nil
    }

    /// The sandbox started for a pack's connection (`--sandbox`), and a client signed with the keys it accepts: the
    /// pack's keys when they are set, otherwise the sandbox's own, so no account is needed.
    public static func start(for connection: Connection, environment: [String: String], faults: FaultSpec = .none) async throws
        -> (server: SandboxServer, endpoint: String, client: SQLAccountClient) {
        let keys = (try? SecretResolver.credentials(for: connection, environment: environment)) ?? defaultCredentials
        let started = try await start(credentials: keys, region: connection.region.value, service: connection.service.value, faults: faults)
        do {
            return (started.server, started.endpoint, try Workflows.client(for: connection, endpoint: started.endpoint, credentials: keys))
        } catch {
            await started.server.stop()
            throw error
        }
    }
}

extension Workflows {
    /// The count `sandbox serve --preload-invoices` was given, or an error saying what the option takes.
    public static func sandboxPreloadCount(_ text: String) throws -> Int { try SandboxPreload.parseCount(text) }

    /// `sandbox serve --einvoice-submission-codes`: the text when it reads (`none=0,einvoice=1,consolidate=2`), else
    /// an error saying what is wrong.
    public static func sandboxEInvoiceSubmissionCodes(_ text: String) throws -> String {
        _ = try SandboxEInvoice.parseSubmissionCodes(text)
        return text
    }

    /// `sandbox serve --einvoice-id-type-codes`: the text when it reads (`NRIC=1,PASSPORT=2,BRN=3,ARMY=4`), else an
    /// error saying what is wrong.
    public static func sandboxEInvoiceIDTypeCodes(_ text: String) throws -> String {
        _ = try SandboxEInvoice.parseIDTypeCodes(text)
        return text
    }

    /// The largest `--einvoice-clock-offset-hours` either way: 100 years.
    public static let sandboxEInvoiceClockOffsetLimit = 876_000

    /// `ledgersync sandbox serve`: runs the sandbox until interrupted, printing the accepted key and the URL.
    public static func serveSandbox(port: Int, seedPath: String?, accessKey: String?, secretKey: String?, region: String, service: String,
                                    faults: String?, statePath: String?, requestLogPath: String? = nil, preloadInvoices: Int = 0,
                                    einvoiceSubmissionCodes: String? = nil, einvoiceIDTypeCodes: String? = nil,
                                    einvoiceClockOffsetHours: Int = 0, console: Console,
                                    environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        let seed: SandboxSeed
        do {
            if let path = seedPath ?? EmbeddedSandbox.locateDefaultSeed() {
                seed = try SandboxSeed.load(path: path)
            } else {
                seed = SandboxSeed()
                console.err("sandbox: no --seed, and no \(EmbeddedSandbox.defaultSeedPath) here or above; starting with no master data\n")
            }
        } catch let error as SandboxSeedError {
            console.err(DiagnosticRendering.text(error.diagnostics))
            return ExitStatus.failure
        } catch {
            console.err("cannot read the seed: \(error)\n")
            return ExitStatus.failure
        }
        var faultSpec = FaultSpec.none
        if let faults {
            do { faultSpec = try FaultSpec.parse(faults) } catch {
                console.err("--faults: \(error)\n")
                return ExitStatus.failure
            }
        }
        var einvoice = SandboxEInvoice(clockOffsetHours: einvoiceClockOffsetHours)
        do {
            if let einvoiceSubmissionCodes { einvoice.submissionCodes = try SandboxEInvoice.parseSubmissionCodes(einvoiceSubmissionCodes) }
            if let einvoiceIDTypeCodes { einvoice.idTypeCodes = try SandboxEInvoice.parseIDTypeCodes(einvoiceIDTypeCodes) }
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
        // Explicit keys, else the ones the example pack reads from the environment, else the sandbox's own.
        let access = accessKey ?? environment["LEDGERSYNC_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = secretKey ?? environment["LEDGERSYNC_SECRET_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        var configuration = SandboxConfiguration(port: port, accessKey: access ?? EmbeddedSandbox.defaultCredentials.accessKey, secretKey: secret ?? "",
                                                 region: region, service: service, seed: seed, faults: faultSpec, statePath: statePath)
        if access == nil || secret == nil { configuration.credentials = EmbeddedSandbox.defaultCredentials }
        configuration.requestLogPath = requestLogPath
        configuration.preloadInvoices = preloadInvoices
        configuration.behavior.einvoice = einvoice
        console.flush()
        do {
            try await SandboxServer(configuration: configuration).run(printReady: true)
            return ExitStatus.success
        } catch {
            console.err("sandbox: \(error)\n")
            return ExitStatus.failure
        }
    }
}
