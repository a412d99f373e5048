import LedgerCore
import Testing
@testable import Transform

@Suite("Document numbers handed out in a run")
struct IssuedNumbersTests {
    @Test("every number recorded is found with the line of its holder, through many growths; others are not")
    func manyNumbers() {
        var issued = IssuedNumbers()
        for index in 0..<20_000 {
            issued.record("IV-\(index)", holder: "order \(index)", at: SourceLocation(file: "orders.jsonl", line: index + 1))
        }
        #expect(issued.count == 20_000)
        for index in stride(from: 0, to: 20_000, by: 7) {
            #expect(issued.holder(of: "IV-\(index)") == "the order at orders.jsonl:\(index + 1)")
        }
        #expect(issued.holder(of: "IV-20000") == nil)
        #expect(issued.holder(of: "IV-") == nil)
        #expect(issued.holder(of: "") == nil)
    }

    @Test("holders without a line are named; numbers that share a prefix, non-ASCII numbers, a number given again")
    func lookalikes() {
        var issued = IssuedNumbers()
        issued.record("CN|IV-1", holder: "order A return R1", at: nil)
        issued.record("IV-1", holder: "order A", at: nil)
        issued.record("IV-10", holder: "order B", at: nil)
        issued.record("発票-1", holder: "注文 C", at: nil)
        #expect(issued.holder(of: "IV-1") == "order A")
        #expect(issued.holder(of: "IV-10") == "order B")
        #expect(issued.holder(of: "CN|IV-1") == "order A return R1")
        #expect(issued.holder(of: "発票-1") == "注文 C")
        issued.record("IV-1", holder: "order D", at: SourceLocation(file: "a.jsonl", line: 4))
        #expect(issued.holder(of: "IV-1") == "the order at a.jsonl:4")
        issued.record("IV-1", holder: "order E", at: nil)
        #expect(issued.holder(of: "IV-1") == "order E")
        #expect(issued.count == 4)
    }

    @Test("a holder read from a second file is kept by name, so its line is never shown against the first file")
    func secondFile() {
        var issued = IssuedNumbers()
        issued.record("IV-1", holder: "order A", at: SourceLocation(file: "a.jsonl", line: 1))
        issued.record("IV-2", holder: "order B", at: SourceLocation(file: "b.jsonl", line: 1))
        #expect(issued.holder(of: "IV-1") == "the order at a.jsonl:1")
        #expect(issued.holder(of: "IV-2") == "order B")
    }

    @Test("fingerprints of lookalike numbers differ, and none is zero (zero marks an empty slot)")
    func fingerprints() {
        var seen = Set<UInt64>()
        for index in 0..<50_000 {
            let fingerprint = IssuedNumbers.fingerprint("2509\(index)")
            #expect(fingerprint != 0)
            seen.insert(fingerprint)
        }
        #expect(seen.count == 50_000)
        #expect(IssuedNumbers.fingerprint("IV-1") != IssuedNumbers.fingerprint("IV-1 "))
        #expect(IssuedNumbers.fingerprint("") != 0)
    }
}
