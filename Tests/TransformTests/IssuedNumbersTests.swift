import Testing
@testable import Transform

@Suite("Document numbers handed out in a run")
struct IssuedNumbersTests {
    @Test("every number recorded is found with its holder, through many growths; others are not")
    func manyNumbers() {
        var issued = IssuedNumbers()
        for index in 0..<20_000 { issued.record("IV-\(index)", holder: "order \(index)") }
        #expect(issued.count == 20_000)
        for index in stride(from: 0, to: 20_000, by: 7) { #expect(issued.holder(of: "IV-\(index)") == "order \(index)") }
        #expect(issued.holder(of: "IV-20000") == nil)
        #expect(issued.holder(of: "IV-") == nil)
        #expect(issued.holder(of: "") == nil)
    }

    @Test("numbers that share a prefix, non-ASCII numbers and holders, and a number given again")
    func lookalikes() {
        var issued = IssuedNumbers()
        issued.record("CN|IV-1", holder: "order A return R1")
        issued.record("IV-1", holder: "order A")
        issued.record("IV-10", holder: "order B")
        issued.record("発票-1", holder: "注文 C")
        #expect(issued.holder(of: "IV-1") == "order A")
        #expect(issued.holder(of: "IV-10") == "order B")
        #expect(issued.holder(of: "CN|IV-1") == "order A return R1")
        #expect(issued.holder(of: "発票-1") == "注文 C")
        issued.record("IV-1", holder: "order D")
        #expect(issued.holder(of: "IV-1") == "order D")
        #expect(issued.count == 4)
    }
}
