import Foundation
import LedgerCore
import LedgerJSON

/// The MyInvois e-invoice fields of a sales document (invoice or credit note): checked the way MyInvois would check
/// them, with the buyer-identity rules the transform uses (`LedgerCore.EInvoiceIdentity`), and the submission status
/// the sandbox keeps per document (`irbm_status`, `irbm_uuid`, `eiv_utc`, `eiv_validated_utc`).
///
/// A document without any of these fields is saved exactly as before.
struct EInvoiceRules {
    let settings: SandboxEInvoice

    /// The fields the sandbox sets and a client never overwrites.
    static let statusFields = ["irbm_status", "irbm_uuid", "eiv_utc", "eiv_validated_utc"]

    /// The API field a problem of `EInvoiceIdentity.resolve` concerns.
    static let apiFields = [
        "buyer.einvoice.tin": "tin", "buyer.einvoice.id_type": "idtype", "buyer.einvoice.id_value": "idno",
        "buyer.einvoice.sst_number": "salestaxno",
    ]

    /// Checks `submissiontype`, `idtype`, `tin`, `idno` (and, for an e-invoice, the buyer's identity); normalises the
    /// two codes to integers. Returns what `submissiontype` asks for, nil when it is absent.
    func normalize(_ master: inout JSONObject) throws -> SandboxEInvoice.Submission? {
        var submission: SandboxEInvoice.Submission?
        if let code = try Fields.int(master["submissiontype"], "submissiontype") {
            guard let known = settings.submission(code: code) else {
                throw APIError.badRequest("submissiontype \(code) is not one of the sandbox's submission types (\(settings.submissionList))")
            }
            master["submissiontype"] = .int(code)
            submission = known
        }
        var idType: EInvoiceIDType?
        if let code = try Fields.int(master["idtype"], "idtype") {
            if code != 0 {
                guard let known = settings.idType(code: code) else {
                    throw APIError.badRequest("idtype \(code) is not one of the sandbox's ID types (\(settings.idTypeList))")
                }
                idType = known
            }
            master["idtype"] = .int(code)
        }
        let tin = try Fields.text(master["tin"], "tin")
        let idno = try Fields.text(master["idno"], "idno")
        let sst = try Fields.text(master["salestaxno"], "salestaxno")
        for (field, value, limit) in [("tin", tin, EInvoiceIdentity.tinMaxLength), ("idno", idno, EInvoiceIdentity.idValueMaxLength)] {
            if let value, FieldLimits.length(value) > limit {
                throw APIError.badRequest("\(field) '\(value)' is \(FieldLimits.length(value)) characters, at most \(limit) allowed")
            }
        }
        guard submission == .einvoice else { return submission }

        let code = settings.submissionCodes[.einvoice] ?? 0
        let buyerTIN = tin?.trimmingSpaces ?? ""
        guard !buyerTIN.isEmpty else {
            throw APIError.badRequest("tin is required for an e-invoice (submissiontype \(code)): the buyer's TIN, or "
                                      + "\(EInvoiceIdentity.generalPublicTIN) with idno \(EInvoiceIdentity.consolidatedIDValue) for the General Public")
        }
        if let problem = EInvoiceIdentity.tinProblem(buyerTIN) { throw APIError.badRequest("tin '\(buyerTIN)': \(problem)") }
        // The consolidated "General Public" buyer: the general TIN with NA for an ID.
        if buyerTIN == EInvoiceIdentity.generalPublicTIN, idno?.trimmingSpaces == EInvoiceIdentity.consolidatedIDValue {
            return submission
        }
        let buyer = BuyerEInvoice(requested: true, tin: buyerTIN, idType: idType, idValue: idno, sstNumber: sst)
        if case .invalid(let problems) = EInvoiceIdentity.resolve(buyer) {
            let values = ["tin": buyerTIN, "idtype": Fields.filterText(master["idtype"]) ?? "",
                          "idno": idno ?? "", "salestaxno": sst ?? ""]
            let messages = problems.map { problem -> String in
                let field = Self.apiFields[problem.field] ?? problem.field
                let value = values[field] ?? ""
                return value.isEmpty ? "\(field): \(problem.message)" : "\(field) '\(value)': \(problem.message)"
            }
            throw APIError.badRequest(messages.joined(separator: "; "))
        }
        return submission
    }

    /// Sets the submission status of a document about to be saved. The client's own status fields are dropped (a
    /// new document) or replaced by the stored ones (an update); then
    /// - a live document asking for an e-invoice that is not yet validated is validated now (`irbm_status` 2, a
    ///   `irbm_uuid`, `eiv_utc` and `eiv_validated_utc` on the e-invoice clock);
    /// - a new document left for consolidation gets `irbm_status` 0;
    /// - cancelling a validated e-invoice is allowed within `cancelWindowHours` of its validation (`irbm_status` 3)
    ///   and refused after.
    func applyStatus(_ master: inout JSONObject, submission: SandboxEInvoice.Submission?, existing: JSONObject?,
                     kind: SandboxDocumentKind, dockey: Int, now: Date) throws {
        for field in Self.statusFields { master[field] = existing?[field] }
        let clock = now.addingTimeInterval(TimeInterval(settings.clockOffsetHours) * 3600)
        let cancelled = master["cancelled"]?.boolValue == true
        let stored = existing.flatMap { Int(Fields.filterText($0["irbm_status"]) ?? "") }

        if let existing, existing["cancelled"]?.boolValue != true, cancelled, stored == SandboxEInvoice.validatedStatus {
            if let text = existing["eiv_validated_utc"]?.stringValue, let validated = Self.parse(text),
               clock.timeIntervalSince(validated) > TimeInterval(settings.cancelWindowHours) * 3600 {
                let docno = existing["docno"]?.stringValue ?? String(dockey)
                throw APIError.badRequest("\(docno)'s e-invoice was validated at \(text), more than \(settings.cancelWindowHours) hours ago; "
                                          + "MyInvois no longer allows a cancel: issue a credit note instead")
            }
            master["irbm_status"] = .int(SandboxEInvoice.cancelledStatus)
            return
        }
        switch submission {
        case .einvoice?:
            guard !cancelled, stored != SandboxEInvoice.validatedStatus, stored != SandboxEInvoice.cancelledStatus else { return }
            let time = Self.format(clock)
            master["irbm_status"] = .int(SandboxEInvoice.validatedStatus)
            master["irbm_uuid"] = .string(Self.uuid(kind, dockey: dockey))
            master["eiv_utc"] = .string(time)
            master["eiv_validated_utc"] = .string(time)
        case .consolidate?:
            if stored == nil { master["irbm_status"] = .int(SandboxEInvoice.awaitingConsolidationStatus) }
        case .none?, nil:
            break
        }
    }

    /// `SBXEIV` + the document type + the dockey in 10 digits (`SBXEIVIV0000000012`): unique across the sandbox's
    /// books, the same on every run.
    static func uuid(_ kind: SandboxDocumentKind, dockey: Int) -> String {
        let digits = String(dockey)
        return "SBXEIV" + kind.docType + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }

    /// `2026-12-06T14:30:00Z`
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// A line's MyInvois classification: empty, or exactly 3 digits (`008`, `022`).
    static func checkClassification(_ line: JSONObject, number: Int) throws {
        let field = "sdsdocdetail line \(number) irbm_classification"
        guard let code = try Fields.text(line["irbm_classification"], field), !code.isEmpty else { return }
        guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw APIError.badRequest("\(field) '\(code)' must be a 3-digit MyInvois classification code such as 008")
        }
    }
}
