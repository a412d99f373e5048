import Foundation
import SQLAccount

/// Everything a sandbox needs to run. Printing it never shows the secret key.
public struct SandboxConfiguration: Sendable, CustomStringConvertible {
    /// Loopback by default; the sandbox is a development tool, not a server for a network.
    public var host: String
    /// 0 picks a free port; `SandboxServer.start()` returns the one bound.
    public var port: Int
    /// The one key pair the sandbox accepts.
    public var credentials: Credentials
    public var region: String
    public var service: String
    /// How far a request's `X-Amz-Date` may be from the sandbox's clock.
    public var allowedClockSkew: TimeInterval
    public var seed: SandboxSeed
    public var faults: FaultSpec
    /// When set, the state is loaded from this JSON file at start and rewritten after every committed change.
    public var statePath: String?
    /// Append one line per request (`METHOD path status`) to this file.
    public var requestLogPath: String?
    public var behavior: SandboxBehavior
    /// Posted sales invoices to store at start, after the state file is loaded (`--preload-invoices`): a large book
    /// to measure a sync against. 0 to `SandboxPreload.maximum`; `start()` refuses anything else.
    public var preloadInvoices = 0

    public init(host: String = "127.0.0.1", port: Int = 0, accessKey: String, secretKey: String,
                region: String = SQLAccountAuthDefaults.region, service: String = SQLAccountAuthDefaults.service,
                allowedClockSkew: TimeInterval = 15 * 60, seed: SandboxSeed = SandboxSeed(),
                faults: FaultSpec = .none, statePath: String? = nil, behavior: SandboxBehavior = SandboxBehavior()) {
        self.host = host
        self.port = port
        self.credentials = Credentials(accessKey: accessKey, secretKey: secretKey)
        self.region = region
        self.service = service
        self.allowedClockSkew = allowedClockSkew
        self.seed = seed
        self.faults = faults
        self.statePath = statePath
        self.behavior = behavior
    }

    public var accessKey: String { credentials.accessKey }

    public var description: String {
        "SandboxConfiguration(host: \(host), port: \(port), \(credentials), region: \(region), service: \(service), "
            + "faults: \(faults), statePath: \(statePath ?? "none"), preloadInvoices: \(preloadInvoices))"
    }
}

/// The parts of the API's behaviour the research could not pin down (docs/sqlaccount-api.md §20), as knobs.
public struct SandboxBehavior: Sendable, Equatable {
    /// How a PUT's `updatecount` must relate to the stored one.
    public enum UpdateCountRule: String, Sendable, Equatable {
        /// `stored + 1`, as the official Python sample sends (the default).
        case storedPlusOne
        /// `stored` or `stored + 1` (the official Node sample sends the fetched value unchanged).
        case storedOrPlusOne
        /// No locking at all.
        case ignored
    }

    /// The status of "Record has been changed by another user" (unknown for the real API; 409 by default).
    public var conflictStatus: Int
    public var updateCountRule: UpdateCountRule
    /// The largest request body accepted (larger ones get 413).
    public var maxBodyBytes: Int
    /// The most rows one GET returns, whatever `limit` says.
    public var pageSize: Int

    public init(conflictStatus: Int = 409, updateCountRule: UpdateCountRule = .storedPlusOne,
                maxBodyBytes: Int = 4 << 20, pageSize: Int = 50) {
        self.conflictStatus = conflictStatus
        self.updateCountRule = updateCountRule
        self.maxBodyBytes = maxBodyBytes
        self.pageSize = pageSize
    }
}
