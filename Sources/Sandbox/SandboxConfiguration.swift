import Foundation
import LedgerCore
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
    /// The e-invoice codes, cancel window and clock offset.
    public var einvoice: SandboxEInvoice

    public init(conflictStatus: Int = 409, updateCountRule: UpdateCountRule = .storedPlusOne,
                maxBodyBytes: Int = 4 << 20, pageSize: Int = 50, einvoice: SandboxEInvoice = SandboxEInvoice()) {
        self.conflictStatus = conflictStatus
        self.updateCountRule = updateCountRule
        self.maxBodyBytes = maxBodyBytes
        self.pageSize = pageSize
        self.einvoice = einvoice
    }
}

/// How the sandbox treats the MyInvois e-invoice fields of a sales document (`submissiontype`, `idtype`, `tin`,
/// `idno`, `salestaxno`, `irbm_status`, `irbm_uuid`, `eiv_utc`, `eiv_validated_utc`).
///
/// SQL Account's integer codes for `submissiontype` and `idtype` are not documented (docs/sqlaccount-api.md §9 only
/// notes that one client sends `submissiontype` 17). The codes here are the sandbox's own choice, not SQL's, and can
/// be changed (`sandbox serve --einvoice-submission-codes`, `--einvoice-id-type-codes`) once the real ones are known.
/// The `irbm_status` values the sandbox sets are its own too, apart from 2 = validated, which was observed.
public struct SandboxEInvoice: Sendable, Equatable {
    /// What a document's `submissiontype` asks for.
    public enum Submission: String, CaseIterable, Sendable {
        /// No e-invoice of its own.
        case none
        /// An individual e-invoice, submitted (and, in the sandbox, validated) when the document is saved.
        case einvoice
        /// Left for the month's consolidated e-invoice.
        case consolidate

        /// In messages: "none 0, e-invoice 1, consolidate 2".
        var title: String { self == .einvoice ? "e-invoice" : rawValue }
    }

    /// `irbm_status` of a document awaiting the consolidated e-invoice (the sandbox's code).
    public static let awaitingConsolidationStatus = 0
    /// `irbm_status` of a validated e-invoice (2, as observed on SQL Account).
    public static let validatedStatus = 2
    /// `irbm_status` of a validated e-invoice cancelled within the window (the sandbox's code).
    public static let cancelledStatus = 3

    /// `submissiontype` code of each submission (default none 0, e-invoice 1, consolidate 2).
    public var submissionCodes: [Submission: Int]
    /// `idtype` code of each buyer ID type (default NRIC 1, PASSPORT 2, BRN 3, ARMY 4); 0 or absent is no ID.
    public var idTypeCodes: [EInvoiceIDType: Int]
    /// How long after validation MyInvois still lets an e-invoice be cancelled (72 hours).
    public var cancelWindowHours: Int
    /// Hours added to the sandbox's clock for e-invoice timestamps and the cancel window only (never for SigV4 or
    /// `lastmodified`): a test can make a validation look days old.
    public var clockOffsetHours: Int

    public static let defaultSubmissionCodes: [Submission: Int] = [.none: 0, .einvoice: 1, .consolidate: 2]
    public static let defaultIDTypeCodes: [EInvoiceIDType: Int] = [.nric: 1, .passport: 2, .brn: 3, .army: 4]

    public init(submissionCodes: [Submission: Int] = SandboxEInvoice.defaultSubmissionCodes,
                idTypeCodes: [EInvoiceIDType: Int] = SandboxEInvoice.defaultIDTypeCodes,
                cancelWindowHours: Int = 72, clockOffsetHours: Int = 0) {
        self.submissionCodes = submissionCodes
        self.idTypeCodes = idTypeCodes
        self.cancelWindowHours = cancelWindowHours
        self.clockOffsetHours = clockOffsetHours
    }

    /// The submission a `submissiontype` code stands for, nil for a code the sandbox does not know.
    public func submission(code: Int) -> Submission? {
        Submission.allCases.first { submissionCodes[$0] == code }
    }

    /// The ID type an `idtype` code stands for, nil for a code the sandbox does not know.
    public func idType(code: Int) -> EInvoiceIDType? {
        EInvoiceIDType.allCases.first { idTypeCodes[$0] == code }
    }

    /// "none 0, e-invoice 1, consolidate 2"
    var submissionList: String {
        Submission.allCases.compactMap { kind in submissionCodes[kind].map { "\(kind.title) \($0)" } }.joined(separator: ", ")
    }

    /// "NRIC 1, PASSPORT 2, BRN 3, ARMY 4"
    var idTypeList: String {
        EInvoiceIDType.allCases.compactMap { type in idTypeCodes[type].map { "\(type.rawValue) \($0)" } }.joined(separator: ", ")
    }

    /// Reads `none=0,einvoice=1,consolidate=2` (`sandbox serve --einvoice-submission-codes`): every submission once,
    /// each a different integer.
    public static func parseSubmissionCodes(_ text: String) throws -> [Submission: Int] {
        try parseCodes(text, option: "--einvoice-submission-codes", example: "none=0,einvoice=1,consolidate=2",
                       names: Submission.allCases.map(\.rawValue)) { name in
            Submission(rawValue: name.lowercased()) ?? (name.lowercased() == "e-invoice" ? .einvoice : nil)
        }
    }

    /// Reads `NRIC=1,PASSPORT=2,BRN=3,ARMY=4` (`sandbox serve --einvoice-id-type-codes`): every ID type once, each a
    /// different integer other than 0 (0 is no ID).
    public static func parseIDTypeCodes(_ text: String) throws -> [EInvoiceIDType: Int] {
        let codes = try parseCodes(text, option: "--einvoice-id-type-codes", example: "NRIC=1,PASSPORT=2,BRN=3,ARMY=4",
                                   names: EInvoiceIDType.allCases.map(\.rawValue)) { EInvoiceIDType(caseInsensitive: $0) }
        if let zero = codes.first(where: { $0.value == 0 }) {
            throw SandboxEInvoiceError("--einvoice-id-type-codes: \(zero.key.rawValue)=0 is not allowed; idtype 0 means no ID")
        }
        return codes
    }

    private static func parseCodes<Key: Hashable>(_ text: String, option: String, example: String, names: [String],
                                                  key: (String) -> Key?) throws -> [Key: Int] {
        var codes: [Key: Int] = [:]
        var named: [Int: String] = [:]
        let expected = names.joined(separator: ", ")
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = pair[0].trimmingCharacters(in: .whitespaces)
            guard pair.count == 2 else {
                throw SandboxEInvoiceError("\(option): '\(part)' is not NAME=CODE (e.g. \(example))")
            }
            guard let parsed = key(name) else {
                throw SandboxEInvoiceError("\(option): '\(name)' is not one of \(expected) (e.g. \(example))")
            }
            let valueText = pair[1].trimmingCharacters(in: .whitespaces)
            guard let value = Int(valueText), value >= 0 else {
                throw SandboxEInvoiceError("\(option): \(name)=\(valueText) is not a non-negative whole number (e.g. \(example))")
            }
            guard codes[parsed] == nil else { throw SandboxEInvoiceError("\(option): \(name) is given twice") }
            if let other = named[value] {
                throw SandboxEInvoiceError("\(option): \(other) and \(name) are both \(value); each needs its own code")
            }
            codes[parsed] = value
            named[value] = name
        }
        guard codes.count == names.count else {
            throw SandboxEInvoiceError("\(option): give a code for each of \(expected) (e.g. \(example))")
        }
        return codes
    }
}

/// A malformed `--einvoice-…` option.
public struct SandboxEInvoiceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
