import LedgerCore
import LedgerJSON
import Transform

/// Output format requested with `--format`.
public enum OutputFormat: String, Sendable, CaseIterable {
    case text, json, jsonl
}

public enum DiagnosticRendering {
    /// One diagnostic per line in compiler style, plus a count line when there are any.
    public static func text(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { $0.description + "\n" }.joined()
    }

    public static func summary(_ diagnostics: [Diagnostic]) -> String {
        let errors = diagnostics.errors.count, warnings = diagnostics.warnings.count
        return "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
    }

    public static func json(_ diagnostic: Diagnostic) -> JSONValue {
        var object = JSONObject()
        object.append("severity", .string(diagnostic.severity.rawValue))
        object.append("code", .string(diagnostic.code))
        object.append("message", .string(diagnostic.message))
        if let location = diagnostic.location {
            object.append("file", .string(location.file))
            object.append("line", location.line > 0 ? .int(location.line) : .null)
            object.append("column", location.column > 0 ? .int(location.column) : .null)
        } else {
            object.append("file", .null)
            object.append("line", .null)
            object.append("column", .null)
        }
        object.append("key_path", diagnostic.keyPath.map { .string($0) } ?? .null)
        object.append("suggestion", diagnostic.suggestion.map { .string($0) } ?? .null)
        return .object(object)
    }

    public static func json(_ diagnostics: [Diagnostic]) -> JSONValue { .array(diagnostics.map { json($0) }) }

    /// The bytes of `JSONWriter.appendCompact(json(diagnostics))`, written directly (warnings of every order in a transform).
    public static func appendJSON(_ diagnostics: [Diagnostic], to buffer: inout [UInt8]) {
        guard !diagnostics.isEmpty else { return OutcomeRendering.raw("[]", &buffer) }
        buffer.append(UInt8(ascii: "["))
        for (position, diagnostic) in diagnostics.enumerated() {
            if position > 0 { buffer.append(UInt8(ascii: ",")) }
            OutcomeRendering.raw("{\"severity\":", &buffer)
            JSONWriter.appendQuoted(diagnostic.severity.rawValue, to: &buffer)
            OutcomeRendering.raw(",\"code\":", &buffer)
            JSONWriter.appendQuoted(diagnostic.code, to: &buffer)
            OutcomeRendering.raw(",\"message\":", &buffer)
            JSONWriter.appendQuoted(diagnostic.message, to: &buffer)
            OutcomeRendering.raw(",\"file\":", &buffer)
            if let location = diagnostic.location {
                JSONWriter.appendQuoted(location.file, to: &buffer)
                OutcomeRendering.raw(",\"line\":", &buffer)
                if location.line > 0 { appendInt(location.line, to: &buffer) } else { OutcomeRendering.raw("null", &buffer) }
                OutcomeRendering.raw(",\"column\":", &buffer)
                if location.column > 0 { appendInt(location.column, to: &buffer) } else { OutcomeRendering.raw("null", &buffer) }
            } else {
                OutcomeRendering.raw("null,\"line\":null,\"column\":null", &buffer)
            }
            OutcomeRendering.raw(",\"key_path\":", &buffer)
            if let keyPath = diagnostic.keyPath { JSONWriter.appendQuoted(keyPath, to: &buffer) } else { OutcomeRendering.raw("null", &buffer) }
            OutcomeRendering.raw(",\"suggestion\":", &buffer)
            if let suggestion = diagnostic.suggestion { JSONWriter.appendQuoted(suggestion, to: &buffer) } else { OutcomeRendering.raw("null", &buffer) }
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: "]"))
    }

    /// `String(value)`'s digits, as `JSONValue.int` writes them.
    static func appendInt(_ value: Int, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: String(value).utf8)
    }
}

public enum OutcomeRendering {
    /// The `transform --format jsonl` record: one object per order (the CLI contract).
    public static func json(_ outcome: OrderOutcome) -> JSONValue {
        var object = JSONObject()
        object.append("order_id", .string(outcome.orderID))
        object.append("outcome", .string(outcome.kind.rawValue))
        if let document = outcome.document {
            var body = JSONObject()
            body.append("type", .string(SalesInvoiceDocument.type))
            body.append("idempotency_key", .string(document.idempotencyKey))
            body.append("payload", .object(document.payload))
            var tie = JSONObject()
            tie.append("basis", .string(document.tieOut.basis))
            tie.append("expected", .string(document.tieOut.expected.description))
            tie.append("actual", .string(document.tieOut.actual.description))
            tie.append("difference", .string(document.tieOut.difference.description))
            tie.append("tax_included", .bool(document.tieOut.taxIncluded))
            if let charged = document.tieOut.taxCharged {
                tie.append("tax_charged", .string(charged.description))
                tie.append("invoice_tax", .string(document.tieOut.invoiceTax.description))
            }
            body.append("tie_out", .object(tie))
            object.append("document", .object(body))
        } else {
            object.append("document", .null)
        }
        object.append("reason", outcome.reason.map { .string($0) } ?? .null)
        object.append("warnings", DiagnosticRendering.json(outcome.warnings))
        object.append("diagnostics", DiagnosticRendering.json(outcome.errors))
        return .object(object)
    }

    /// Appends exactly the bytes of `JSONWriter.appendCompact(json(outcome))` and a newline, without building the
    /// wrapping objects first: `transform --format jsonl` writes one of these for every order.
    public static func appendJSONLine(_ outcome: OrderOutcome, to buffer: inout [UInt8]) {
        raw("{\"order_id\":", &buffer)
        JSONWriter.appendQuoted(outcome.orderID, to: &buffer)
        raw(",\"outcome\":", &buffer)
        JSONWriter.appendQuoted(outcome.kind.rawValue, to: &buffer)
        raw(",\"document\":", &buffer)
        if let document = outcome.document {
            raw("{\"type\":", &buffer)
            JSONWriter.appendQuoted(SalesInvoiceDocument.type, to: &buffer)
            raw(",\"idempotency_key\":", &buffer)
            JSONWriter.appendQuoted(document.idempotencyKey, to: &buffer)
            raw(",\"payload\":", &buffer)
            document.appendPayloadJSON(to: &buffer)
            raw(",\"tie_out\":{\"basis\":", &buffer)
            JSONWriter.appendQuoted(document.tieOut.basis, to: &buffer)
            raw(",\"expected\":", &buffer)
            JSONWriter.appendQuoted(document.tieOut.expected.description, to: &buffer)
            raw(",\"actual\":", &buffer)
            JSONWriter.appendQuoted(document.tieOut.actual.description, to: &buffer)
            raw(",\"difference\":", &buffer)
            JSONWriter.appendQuoted(document.tieOut.difference.description, to: &buffer)
            raw(document.tieOut.taxIncluded ? ",\"tax_included\":true" : ",\"tax_included\":false", &buffer)
            if let charged = document.tieOut.taxCharged {
                raw(",\"tax_charged\":", &buffer)
                JSONWriter.appendQuoted(charged.description, to: &buffer)
                raw(",\"invoice_tax\":", &buffer)
                JSONWriter.appendQuoted(document.tieOut.invoiceTax.description, to: &buffer)
            }
            raw("}}", &buffer)
        } else {
            raw("null", &buffer)
        }
        raw(",\"reason\":", &buffer)
        if let reason = outcome.reason { JSONWriter.appendQuoted(reason, to: &buffer) } else { raw("null", &buffer) }
        raw(",\"warnings\":", &buffer)
        DiagnosticRendering.appendJSON(outcome.warnings, to: &buffer)
        raw(",\"diagnostics\":", &buffer)
        DiagnosticRendering.appendJSON(outcome.errors, to: &buffer)
        raw("}\n", &buffer)
    }

    @inline(__always) static func raw(_ literal: StaticString, _ buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// One line per order for people: `+` document, `-` excluded, `!` error, then its warnings.
    public static func text(_ outcome: OrderOutcome) -> String {
        var text: String
        switch outcome.kind {
        case .document:
            let payload = outcome.document?.payload
            let docno = payload?["docno"]?.stringValue ?? ""
            let lines = payload?["sdsdocdetail"]?.arrayValue?.count ?? 0
            text = "+ \(outcome.orderID)  salesinvoice \(docno.isEmpty ? "(docno known after apply)" : docno)  code \(payload?["code"]?.stringValue ?? "")  docamt \(payload?["docamt"]?.stringValue ?? "")  \(lines) line\(lines == 1 ? "" : "s")\n"
        case .excluded:
            text = "- \(outcome.orderID)  excluded: \(outcome.reason ?? "")\n"
        case .error:
            text = "! \(outcome.orderID)  error\n"
            for error in outcome.errors { text += "    \(error)\n" }
        }
        for warning in outcome.warnings { text += "    \(warning)\n" }
        return text
    }
}

/// Running totals of a transform run, for the closing summary line.
public struct OutcomeTally: Sendable {
    public var documents = 0, excluded = 0, errors = 0, warnings = 0
    public var total: Int { documents + excluded + errors }
    public init() {}

    public mutating func add(_ outcome: OrderOutcome) {
        switch outcome.kind {
        case .document: documents += 1
        case .excluded: excluded += 1
        case .error: errors += 1
        }
        warnings += outcome.warnings.count
    }

    public var summary: String {
        "\(total) order\(total == 1 ? "" : "s"): \(documents) invoice\(documents == 1 ? "" : "s"), \(excluded) excluded, \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
    }
}
