import LedgerJSON
import LedgerSyncKit
import OrderIO
import TestSupport
import Testing
import Transform

@Suite("Example pack golden payloads")
struct ExamplePackGoldenTests {
    @Test("every example order's outcome and SQL Account payload match the golden file")
    func examplePayloads() throws {
        let graph = try examplePack()
        let source = try OrderSource(path: Golden.packageRoot + "/examples/orders/2025-09.jsonl", displayPath: "examples/orders/2025-09.jsonl")
        var session = TransformSession()
        var outcomes: [JSONValue] = []
        var tally = OutcomeTally()
        try source.forEach { record in
            let outcome = Workflows.run(record, graph: graph, options: TransformOptions(asOf: asOf), session: &session)
            tally.add(outcome)
            outcomes.append(OutcomeRendering.json(outcome))
            if let tie = outcome.document?.tieOut {
                #expect(tie.tiesOut, "order \(outcome.orderID) does not tie out: \(tie.difference)")
            }
        }
        #expect(tally.total == 68)
        #expect(tally.errors == 0)
        #expect(tally.documents == 51)
        let text = JSONWriter.prettyString(.array(outcomes)) + "\n"
        if let mismatch = Golden.mismatch(text, goldenFile: "Tests/TransformTests/Golden/acme-living-2025-09.json") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }
}
