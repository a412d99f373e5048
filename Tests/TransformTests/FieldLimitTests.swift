import LedgerCore
import LedgerJSON
import RulePack
import Testing
import Transform

/// A real-sized marketplace listing title: 300 characters of keywords, as Shopee and Lazada sellers write them.
let longProductName = "Nordic Premium Linen Blend Stretch Sofa Cover Slipcover for 1 2 3 4 Seater L Shape Sectional Couch Anti Slip Washable Furniture Protector with Elastic Bottom Pet Friendly Dustproof Living Room Home Decor Soft Breathable Fabric Multiple Colours Available Free Pillow Case Included Ready Stock Malaysia"

@Suite("SQL Account column lengths")
struct FieldLimitTests {
    func order(name: String, sku: String = "NRD-SC-4S-DG2", variation: String? = "Dark Grey, 4 Seater (235-300cm)", serials: [String] = []) -> Order {
        sampleOrder(id: "2509LONG01", lines: [OrderLine(sku: sku, name: name, variation: variation, qty: 1, unitPrice: rm("89.90"), serialNumbers: serials)])
    }

    @Test("a 300-character name on an unmatched SKU is cut at a word boundary to ≤ 200, the full text kept in description3")
    func longNameUnmatchedSKU() throws {
        #expect(longProductName.count == 300)
        let graph = try compilePack(minimalPack())
        let outcome = transform(order(name: longProductName), with: graph)
        #expect(outcome.kind == .document)
        let full = "NRD-SC-4S-DG2 " + longProductName + " (Dark Grey, 4 Seater (235-300cm))"
        #expect(full.count == 348)
        let line = try #require(outcome.lines.first)
        let description = try #require(line.text("description"))
        // Character 200 falls inside "Living": the cut goes back to the space before it, not through the word.
        #expect(description == "NRD-SC-4S-DG2 Nordic Premium Linen Blend Stretch Sofa Cover Slipcover for 1 2 3 4 Seater L Shape Sectional Couch Anti Slip Washable Furniture Protector with Elastic Bottom Pet Friendly Dustproof")
        #expect(description.count == 194)
        #expect(line.text("description3") == full)
        // The further description sits right after the description it completes.
        #expect(Array(line.keys.prefix(6)) == ["seq", "itemcode", "location", "project", "description", "description3"])
        let cut = try #require(outcome.warnings.first { $0.code == "text-truncated" })
        #expect(cut.severity == .warning)
        #expect(cut.message == "order 2509LONG01: description is 348 characters, SQL Account allows 200: cut at a word boundary to 194; the full text is kept in description3")
        #expect(cut.keyPath == "sdsdocdetail[0].description")
        #expect(outcome.warnings.map(\.code) == ["unmatched-sku", "text-truncated"])
        // Totals are untouched by a cut.
        #expect(outcome.payload?.text("docamt") == "89.90")
    }

    @Test("cut_description_full_text: none keeps only the cut text and says the rest is dropped")
    func fullTextNone() throws {
        let graph = try compilePack(minimalPack(defaults: "cut_description_full_text: none"))
        let outcome = transform(order(name: longProductName), with: graph)
        let line = try #require(outcome.lines.first)
        #expect(line["description3"] == nil)
        #expect(line.text("description")?.count == 194)
        #expect(outcome.warnings.last?.message == "order 2509LONG01: description is 348 characters, SQL Account allows 200: cut at a word boundary to 194; the rest is dropped (cut_description_full_text: none)")
    }

    @Test("cut_description_full_text takes only description3 or none")
    func settingValidated() throws {
        #expect(throws: PackError.self) { try compilePack(minimalPack(defaults: "cut_description_full_text: remark1")) }
    }

    @Test("explain records that the description was cut and where the full text came from")
    func provenance() throws {
        let graph = try compilePack(minimalPack())
        let outcome = transform(order(name: longProductName), with: graph, provenance: true)
        let fields = outcome.document?.provenance ?? []
        let description = try #require(fields.first { $0.path == "sdsdocdetail[0].description" })
        #expect(description.origin.setting == "order lines[0].name, cut to 194 of 348 characters")
        let further = try #require(fields.first { $0.path == "sdsdocdetail[0].description3" })
        #expect(further.origin.setting == "order lines[0].name in full, as description was cut (built-in default for cut_description_full_text)")
    }

    @Test("a CJK name over the limit is cut between whole characters, counted as characters")
    func cjkName() throws {
        let graph = try compilePack(minimalPack(extra: "matching:\n  items:\n    - {sku: SOFA-CN, code: SOFA-001}"))
        // 9 ideographs × 25 = 225 characters, no spaces to cut at.
        let name = String(repeating: "北欧亚麻弹力沙发套", count: 25)
        let outcome = transform(order(name: name, sku: "SOFA-CN", variation: nil), with: graph)
        let line = try #require(outcome.lines.first)
        let description = try #require(line.text("description"))
        #expect(description.count == 200)
        #expect(name.hasPrefix(description))
        #expect(line.text("description3") == name)
        #expect(outcome.warnings.map(\.message) == ["order 2509LONG01: description is 225 characters, SQL Account allows 200: cut between characters to 200; the full text is kept in description3"])
    }

    @Test("an emoji with a skin-tone modifier is never split: it counts 4 and goes whole")
    func emojiWithModifier() throws {
        let graph = try compilePack(minimalPack(extra: "matching:\n  items:\n    - {sku: GIFT, code: GIFT-001}"))
        // 198 letters, then 👍🏽 (U+1F44D U+1F3FD: 2 code points, 4 UTF-16 units) which cannot fit in the 2 left.
        let name = String(repeating: "a", count: 198) + "👍🏽" + "b"
        let outcome = transform(order(name: name, sku: "GIFT", variation: nil), with: graph)
        let description = try #require(outcome.lines.first?.text("description"))
        #expect(description == String(repeating: "a", count: 198))
        #expect(outcome.warnings.first?.message == "order 2509LONG01: description is 203 characters, SQL Account allows 200: cut between characters to 198; the full text is kept in description3")
    }

    @Test("combining marks stay with their letter, and count as SQL Account counts them")
    func combiningMarks() throws {
        // "é" written as e + U+0301: one character on screen, two for SQL Account. 150 of them are 300.
        let accented = "e\u{301}"
        let name = String(repeating: accented, count: 150)
        #expect(FieldLimits.length(name) == 300)
        let cut = try #require(FieldLimits.cut(name, to: 200))
        #expect(cut.text == String(repeating: accented, count: 100))
        #expect(cut.text.unicodeScalars.last == "\u{301}")
        #expect(!cut.atWordBoundary)
        // An odd limit cannot take half a letter: the accent is never left behind without it, nor the letter without it.
        let odd = try #require(FieldLimits.cut(name, to: 199))
        #expect(odd.text == String(repeating: accented, count: 99))
    }

    @Test("text that fits, or fits exactly, is left alone")
    func fits() {
        #expect(FieldLimits.cut(String(repeating: "x", count: 200), to: 200) == nil)
        #expect(FieldLimits.cut("北欧亚麻", to: 4) == nil)
        #expect(FieldLimits.length("👍🏽") == 4)
    }

    @Test("a cut at a word boundary drops the separators left dangling at the end")
    func danglingSeparators() throws {
        // Room runs out at the "(": the cut keeps "Sofa Cover Grey", not "Sofa Cover Grey -".
        let cut = try #require(FieldLimits.cut("Sofa Cover Grey - (4 Seater)", to: 18))
        #expect(cut.text == "Sofa Cover Grey")
        #expect(cut.atWordBoundary)
        // A space too far back (before the last fifth) is not used: better a hard cut than half the room wasted.
        let hard = try #require(FieldLimits.cut("Sofa SlipcoverWithoutAnySpacesAtAll", to: 20))
        #expect(hard.text == "Sofa SlipcoverWithou")
        #expect(!hard.atWordBoundary)
    }

    @Test("the header description and company name are cut too; header fields have no further description")
    func headerText() throws {
        let graph = try compilePack(minimalPack(defaults: "description: \"{channel} order {order_number} for {buyer_name}\"\ncompany_name: \"{buyer_name}\""))
        var long = order(name: "Sofa", variation: nil)
        long.buyer = Buyer(name: String(repeating: "Nurul Aisyah binti Abdullah ", count: 8))
        let outcome = transform(long, with: graph)
        #expect(outcome.kind == .document)
        #expect(FieldLimits.length(outcome.payload?.text("description") ?? "") <= 200)
        #expect(FieldLimits.length(outcome.payload?.text("companyname") ?? "") <= 100)
        #expect(outcome.payload?["description3"] == nil)
        let paths = outcome.warnings.filter { $0.code == "text-truncated" }.map(\.keyPath)
        #expect(paths == ["companyname", "description"])
        #expect(outcome.warnings.first { $0.keyPath == "companyname" }?.message == "order 2509LONG01: companyname is 224 characters, SQL Account allows 100: cut at a word boundary to 96; the rest is dropped")
    }

    @Test("an item code too long for SQL Account fails the order, naming the field and where the code was set")
    func longItemCode() throws {
        // 30 characters as written (the pack accepts it), but upper-casing makes ß into SS: 31.
        let code = "STRAßENLAMPE-AUSSEN-SCHWARZ-XL"
        #expect(code.count == 30)
        let graph = try compilePack(minimalPack(defaults: "uppercase: true", extra: "matching:\n  items:\n    - {sku: LAMP, code: \(code)}"))
        let outcome = transform(order(name: "Outdoor lamp", sku: "LAMP", variation: nil), with: graph)
        #expect(outcome.kind == .error)
        let error = try #require(outcome.errors.first)
        #expect(error.code == "value-too-long")
        #expect(error.keyPath == "sdsdocdetail[0].itemcode")
        #expect(error.message.hasPrefix("order 2509LONG01: itemcode 'STRASSENLAMPE-AUSSEN-SCHWARZ-XL' is 31 characters, SQL Account allows 30; it is a code, and a shortened code would name a different record: shorten it where it is set, matching.items[LAMP] (pack.yaml:"))
        #expect(outcome.document == nil)
    }

    @Test("a docref1 or serial number too long fails the order rather than being cut")
    func longKeys() throws {
        let graph = try compilePack(minimalPack(defaults: "idempotency_key: \"LEDGERSYNC-{store}-{channel}-{order_number}-{id}\""))
        let outcome = transform(order(name: "Sofa", variation: nil), with: graph)
        #expect(outcome.kind == .error)
        #expect(outcome.errors.map(\.keyPath) == ["docref1"])
        #expect(outcome.errors.first?.message.contains("docref1 'LEDGERSYNC-shop-my-Shopee-250915ABCD-2509LONG01' is 47 characters, SQL Account allows 40") == true)

        let plain = try compilePack(minimalPack())
        let serial = String(repeating: "9", count: 31)
        let failed = transform(order(name: "Phone", variation: nil, serials: [serial]), with: plain)
        #expect(failed.kind == .error)
        #expect(failed.errors.map(\.keyPath) == ["sdsdocdetail[0].sdsserialnumber[0].serialnumber"])
        #expect(failed.errors.first?.message.contains("shorten it where it is set, order lines[0].serial_numbers") == true)
    }

    @Test("an order that fails on a long code leaves its invoice number to the next order")
    func failedOrderFreesDocno() throws {
        let graph = try compilePack(minimalPack(defaults: "invoice_number: {source: order}"))
        var session = TransformSession()
        let options = TransformOptions(asOf: asOf)
        let failing = order(name: "Phone", variation: nil, serials: [String(repeating: "9", count: 31)])
        #expect(graph.run(failing, options: options, session: &session).kind == .error)
        let retried = graph.run(order(name: "Phone", variation: nil), options: options, session: &session)
        #expect(retried.kind == .document)
        #expect(retried.payload?.text("docno") == "250915ABCD")
    }
}
