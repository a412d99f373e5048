import Foundation
import LedgerJSON
import RulePack
import StateStore

/// MyInvois lets a validated e-invoice be cancelled only within a window (72 hours) after validation; after that the
/// seller must issue a credit note. A document counts as validated from when it was staged for sending
/// (`documents.created_at`): that is never later than its validation, so the window closes early rather than late.
public enum EInvoiceCancelWindow {
    /// Why `document` may no longer be cancelled, or nil when it may: it was not sent as an individual e-invoice (by
    /// the recorded payload's submission type), the pack has no `einvoice:` section, or the window is still open.
    public static func refusal(of document: StoredDocument, settings: EInvoiceSettings?, now: Date = Date()) -> String? {
        guard let settings, let code = settings.submissionCodes[.einvoice] else { return nil }
        guard let payload = (try? JSONParser.parse(document.payloadJSON))?.objectValue,
              case .number(let sent)? = payload[settings.fields.submissionType.value], Int(sent) == code else { return nil }
        guard let staged = parse(document.createdAt) else { return nil }
        let hours = settings.cancelWindowHours.value
        let elapsed = now.timeIntervalSince(staged)
        guard elapsed > TimeInterval(hours) * 3600 else { return nil }
        let invoice = document.remoteDocno.map { "invoice \($0)" } ?? "its invoice"
        return "\(invoice) went to MyInvois as an individual e-invoice \(Int(elapsed / 3600)) hours ago, and a validated e-invoice can be cancelled only within \(hours) hours (einvoice.cancel_window_hours)"
    }

    private static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
