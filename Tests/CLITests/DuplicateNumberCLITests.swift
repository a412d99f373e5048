import Foundation
import Testing
import TestSupport

/// Two orders of one file that would get the same invoice number: the second fails, pointing at the first.
@Suite("duplicate invoice numbers in one run")
struct DuplicateNumberCLITests {
    @Test("the second order with an invoice number already handed out fails, naming the file and line of the first")
    func secondOrderPointsAtTheFirst() async throws {
        let directory = try scratchDirectory("duplicate-docno")
        let september = try String(contentsOfFile: "examples/orders/2025-09.jsonl", encoding: .utf8).split(separator: "\n")
        let first = try #require(september.first { $0.hasPrefix(#"{"id":"SG-1000130","#) })
        // The same order number and store under another id: the same invoice number.
        let second = first.replacingOccurrences(of: #"{"id":"SG-1000130","#, with: #"{"id":"SG-1000130-B","#)
        let path = directory + "/twice.jsonl"
        try (first + "\n" + second + "\n").write(toFile: path, atomically: true, encoding: .utf8)

        let result = try await CLI.run(["transform"] + Args.acme + ["--orders", path] + Args.asOf)
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stdout.contains("+ SG-1000130  salesinvoice 250912N4R7KD2M-e-sg"), "\(result.stdout)")
        // The store's suffix is already on: only another numbering source tells the two apart.
        #expect(result.stdout.contains("""
        ! SG-1000130-B  error
            \(path):2: error: order SG-1000130-B: invoice number '250912N4R7KD2M-e-sg' is already used by the order at \(path):1 in this run; use invoice_number.source: sqlaccount (SQL Account numbers it) or custom (at order_number)
        """), "\(result.stdout)")
    }
}
