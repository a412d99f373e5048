import Foundation
import LedgerJSON
import SQLAccount
import StateStore

/// One stock item or customer to bring into SQL Account, staged in the state store.
public struct MasterSyncItem: Sendable {
    /// The state store's `masters` row.
    public var masterID: Int64
    /// `stockitem` or `customer`.
    public var resource: SQLAccountResource
    public var code: String
    public var payload: JSONObject
    /// Why SQL's record under `code` is not the one this item would create (a clash), or nil when it is: the
    /// record found by a lookup is adopted only then.
    public var clash: @Sendable (SQLAccountRecord) -> String?

    public init(masterID: Int64, resource: SQLAccountResource, code: String, payload: JSONObject,
                clash: @escaping @Sendable (SQLAccountRecord) -> String?) {
        self.masterID = masterID
        self.resource = resource
        self.code = code
        self.payload = payload
        self.clash = clash
    }
}

/// How one master ended.
public enum MasterSyncOutcome: Sendable, Equatable {
    /// Posted now.
    case created
    /// Already in SQL Account (an earlier run, a timeout that committed, someone else), as this item would create it.
    case adopted(note: String)
    /// SQL Account holds the code as something else: nothing was sent, nothing changed.
    case clash(message: String)
    /// Refused, or kept failing; nothing was created.
    case failed(message: String)
    /// Could not be confirmed either way; the next run looks it up by code before posting.
    case unknown(message: String)
    /// Not attempted: the run stopped (credentials rejected).
    case skipped(reason: String)

    public var isSuccess: Bool {
        switch self {
        case .created, .adopted: return true
        default: return false
        }
    }
}

/// Creates stock items and customers in SQL Account **exactly once**, the way `SyncEngine` creates invoices, but
/// keyed by the master's code (the API's key for masters, API doc §5) instead of `docref1`:
///
/// 1. look the code up (`GET /<resource>/*?code=…`); if SQL Account has it, adopt it when it is what this item
///    would create, else report the clash — never a POST, never a change;
/// 2. mark it `sending` in the state store (committed before the POST, so a crash leaves a trace the next run
///    resolves by lookup);
/// 3. POST; the client retries only what cannot have reached the server;
/// 4. on an ambiguous failure (timeout, dropped connection, 5xx on a write) or a "duplicate code" refusal, look
///    the code up again: adopt when found, post again only when it is certainly absent, at most
///    `maxAmbiguousRounds` times;
/// 5. on a refusal record SQL's message; the other masters carry on.
///
/// Masters are few, so they go one at a time.
public final class MasterSyncEngine: Sendable {
    public let store: StateStore
    public let client: SQLAccountClient
    public let options: SyncOptions
    let stop = StopFlag()

    /// Why the run stopped early (credentials rejected), if it did.
    public var stopReason: String? { stop.reason }

    public init(store: StateStore, client: SQLAccountClient, options: SyncOptions = SyncOptions()) {
        self.store = store
        self.client = client
        self.options = options
    }

    public func sync(_ items: [MasterSyncItem], progress: (MasterSyncItem, MasterSyncOutcome) -> Void = { _, _ in }) async -> [MasterSyncOutcome] {
        var outcomes: [MasterSyncOutcome] = []
        for item in items {
            let outcome = await syncOne(item)
            progress(item, outcome)
            outcomes.append(outcome)
        }
        return outcomes
    }

    func syncOne(_ item: MasterSyncItem) async -> MasterSyncOutcome {
        if let reason = stop.reason { return .skipped(reason: reason) }
        do {
            return try await deliver(item)
        } catch let stopped as SyncStopped {
            return .skipped(reason: stopped.message)
        } catch {
            return .unknown(message: "could not record the outcome in the state store: \(error); run masters apply again — it looks the code up before sending")
        }
    }

    private func noun(_ item: MasterSyncItem) -> String { item.resource == .customer ? "customer" : "stock item" }

    private func deliver(_ item: MasterSyncItem) async throws -> MasterSyncOutcome {
        switch await lookUp(item, before: true) {
        case .found(let outcome), .failed(let outcome): return outcome
        case .absent: break
        }
        var round = 0
        while true {
            round += 1
            if let reason = stop.reason { return .skipped(reason: reason) }
            let request = AttemptRecord(method: "POST", path: "/\(item.resource)", summary: Self.summary(of: item.payload), outcome: .sending)
            let attemptID = try store.transitionMaster(item.masterID, to: .sending, attempt: request)
            do {
                let record = try await client.create(item.resource, body: item.payload)
                let answer = record.code.map { "code=\($0)" } ?? "saved (the answer names no code)"
                try store.transitionMaster(item.masterID, to: .created(adopted: false), attempt: Self.answer(request, status: 200, summary: answer, outcome: .created),
                                           finishing: attemptID)
                return .created
            } catch let error as SQLAccountError {
                let duplicate: Bool
                if case .validation(_, let message) = error { duplicate = Self.isDuplicateCode(message) } else { duplicate = false }
                if error.isAmbiguous || SyncEngine.mayHaveCommitted(error) || duplicate {
                    try store.transitionMaster(item.masterID, to: .sending, attempt: Self.answer(request, status: error.status, summary: error.message, outcome: .ambiguous),
                                               finishing: attemptID)
                    if !duplicate { try await settle() }
                    switch await lookUp(item, before: false) {
                    case .found(let outcome), .failed(let outcome): return outcome
                    case .absent:
                        if duplicate {
                            let message = "SQL Account says \(noun(item)) '\(item.code)' exists (\(error.message)), yet a lookup by code does not find it; nothing was created — check the code in SQL Accounting"
                            try store.transitionMaster(item.masterID, to: .failed(message: message))
                            return .failed(message: message)
                        }
                        if let reason = SyncEngine.applicationRefusal(error) {
                            let message = "SQL Account refused \(noun(item)) '\(item.code)' (HTTP \(error.status ?? 500): \(reason)); a lookup by code confirms nothing was created. Fix what the message names and run masters apply again."
                            try store.transitionMaster(item.masterID, to: .failed(message: message))
                            return .failed(message: message)
                        }
                        if round < options.maxAmbiguousRounds { continue }
                        let message = "SQL Account gave no clear answer \(round) times (last: \(error.message)) and a lookup by code finds no \(noun(item)) '\(item.code)', so nothing was created; run masters apply again when SQL Account is healthy"
                        try store.transitionMaster(item.masterID, to: .failed(message: message))
                        return .failed(message: message)
                    }
                }
                if case .authentication = error {
                    stop.set(error.message)
                    try store.transitionMaster(item.masterID, to: .desired, attempt: Self.answer(request, status: error.status, summary: error.message, outcome: .failed),
                                               finishing: attemptID)
                    throw SyncStopped(message: error.message)
                }
                let message = "SQL Account refused \(noun(item)) '\(item.code)': \(error.message)"
                try store.transitionMaster(item.masterID, to: .failed(message: message), attempt: Self.answer(request, status: error.status, summary: error.message, outcome: .failed),
                                           finishing: attemptID)
                return .failed(message: message)
            } catch is CancellationError {
                let message = "the run was interrupted while \(noun(item)) '\(item.code)' was being sent; the next masters apply looks it up before sending again"
                try store.transitionMaster(item.masterID, to: .unknown(message: message), attempt: Self.answer(request, status: nil, summary: "interrupted", outcome: .ambiguous),
                                           finishing: attemptID)
                return .unknown(message: message)
            }
        }
    }

    enum Lookup {
        case found(MasterSyncOutcome)
        case absent
        case failed(MasterSyncOutcome)
    }

    /// Finds the code in SQL Account: adopts the record when it is what `item` would create, reports a clash when not.
    private func lookUp(_ item: MasterSyncItem, before: Bool) async -> Lookup {
        let path = "/\(item.resource)/*?code=…"
        let attempt = { (status: Int?, summary: String, outcome: AttemptOutcome) in
            AttemptRecord(method: "GET", path: path, summary: "code \(item.code)", responseStatus: status, responseSummary: summary, outcome: outcome)
        }
        do {
            let state = try store.master(item.masterID)?.state
            guard let found = try await find(item) else {
                if let state, state == .sending || state == .unknown {
                    try store.transitionMaster(item.masterID, to: .desired, attempt: attempt(200, "not found: the earlier attempt did not create it", .retried))
                }
                return .absent
            }
            if let clash = item.clash(found) {
                let message = "\(noun(item)) '\(item.code)' is already in SQL Accounting, \(clash); ledgersync never changes an existing master"
                try store.transitionMaster(item.masterID, to: .failed(message: message), attempt: attempt(200, "found, differs: \(clash)", .failed))
                return .found(.clash(message: message))
            }
            let ours = !before || state == .sending || state == .unknown
            let note = ours ? "SQL Account saved it although the answer was lost; found by code" : "already in SQL Accounting; found by code and adopted"
            try store.transitionMaster(item.masterID, to: .created(adopted: !ours), attempt: attempt(200, "found: \(note)", .adopted))
            return .found(.adopted(note: note))
        } catch let error as SQLAccountError {
            if case .authentication = error {
                stop.set(error.message)
                return .failed(.skipped(reason: error.message))
            }
            let message = "could not look \(noun(item)) '\(item.code)' up by code before sending, so it was not sent: \(error.message)"
            let recorded: StoredMaster? = (try? store.master(item.masterID)) ?? nil
            let state = recorded?.state
            let transition: MasterTransition = state == .sending || state == .unknown ? .unknown(message: message) : .failed(message: message)
            _ = try? store.transitionMaster(item.masterID, to: transition, attempt: attempt(error.status, error.message, .failed))
            if case .unknown = transition { return .failed(.unknown(message: message)) }
            return .failed(.failed(message: message))
        } catch {
            return .failed(.unknown(message: "could not record the lookup in the state store: \(error)"))
        }
    }

    /// `GET /<resource>/*?code=…` (find with detail by an indexed field, API doc §5), the exact code only. Reads are
    /// safe to repeat after any server or connection failure.
    private func find(_ item: MasterSyncItem) async throws -> SQLAccountRecord? {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.findWithDetail(item.resource, filters: ["code": item.code]).first { $0.code == item.code }
            } catch let error as SQLAccountError {
                switch error {
                case .server, .timeout, .transport, .invalidResponse, .rateLimited:
                    guard attempt < options.lookupAttempts else { throw error }
                    try await client.sleeper.sleep(seconds: min(4, 0.25 * Double(1 << (attempt - 1))))
                default:
                    throw error
                }
            }
        }
    }

    private func settle() async throws {
        guard options.settleDelay > 0 else { return }
        try await client.sleeper.sleep(seconds: options.settleDelay)
    }

    /// A unique-constraint refusal of the code (Firebird: "violation of PRIMARY or UNIQUE KEY constraint", or a
    /// "duplicate"/"already exists" wording): the master may be there already.
    static func isDuplicateCode(_ message: String) -> Bool {
        let lowered = message.lowercased()
        return lowered.contains("duplicate") || lowered.contains("unique key") || lowered.contains("already exists")
    }

    static func answer(_ request: AttemptRecord, status: Int?, summary: String, outcome: AttemptOutcome) -> AttemptRecord {
        var record = request
        record.responseStatus = status
        record.responseSummary = String(summary.prefix(500))
        record.outcome = outcome
        return record
    }

    /// The identifying fields sent, in one line.
    static func summary(of payload: JSONObject) -> String {
        ["code", "description", "companyname", "currencycode", "stockgroup"].compactMap { key in
            payload[key]?.stringValue.map { "\(key)=\($0)" }
        }.joined(separator: " ")
    }
}
