import Foundation
import LedgerCore
import RulePack
import Testing
import TestSupport

/// Every broken pack under Fixtures/ yields exactly the diagnostics listing in Golden/<case>.txt:
/// `file:line:col: error: message (at key.path); did you mean 'x'?`, paths relative to the package root.
/// Record with LEDGERSYNC_RECORD_GOLDEN=1, then read the files: positions must point at the offending key or value.
@Suite("Invalid rule packs: exact diagnostics")
struct InvalidPackDiagnosticsTests {
    static let goldenCases = [
        "unknown-top-level-key",
        "unknown-setting-key",
        "wrong-type-bool",
        "invalid-choice",
        "literal-secret",
        "unknown-channel",
        "unknown-store-override",
        "unknown-matching-target",
        "preset-conflict",
        "rule-unknown-variable",
        "rule-type-error",
        "duplicate-rule-names",
        "extends-outside-repository",
        "absolute-include",
        "extends-cycle-a",
        "extends-cycle-b",
        "yaml-bad-indentation",
        "sheet-duplicate-sku",
        "code-too-long",
        "code-too-long-combining",
        "template-unknown-placeholder",
        "missing-profile",
        "idempotency-key-without-id",
        "edit-policy",
        "receipt-or-number",
        "secrets-file-inside-pack",
        "duplicate-key",
        "rule-forbidden-set",
        "sheet-missing-column",
        "many-errors",
        "masters-invalid",
        "masters-sequence-too-long",
        "masters-code-fixed",
        "einvoice-invalid",
        "einvoice-codes-missing",
        "purchase-orders-invalid",
    ]

    @Test("an invalid pack is rejected with exactly the diagnostics in its golden file", arguments: goldenCases)
    func diagnosticsMatchGolden(_ fixture: String) {
        let (pack, diagnostics) = Packs.loadFixture(fixture)
        #expect(pack == nil, "a pack with errors must not be returned")
        #expect(diagnostics.hasErrors)
        if let mismatch = Golden.mismatch(Packs.rendered(diagnostics), goldenFile: Packs.golden(fixture)) {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    // MARK: key facts, so a failure says what broke

    @Test("a misspelt top-level key suggests the real one")
    func unknownTopLevelKey() throws {
        let d = try Packs.loadFixture("unknown-top-level-key").1.single(code: "unknown-key")
        #expect(d.severity == .error)
        #expect(d.keyPath == "defualts")
        #expect(d.suggestion == "defaults")
        #expect(d.location == PackLocation(file: "Tests/RulePackTests/Fixtures/unknown-top-level-key/pack.yaml", line: 3, column: 1))
    }

    @Test("a misspelt setting under defaults suggests the real setting")
    func unknownSettingKey() throws {
        let d = try Packs.loadFixture("unknown-setting-key").1.single(code: "unknown-key")
        #expect(d.keyPath == "defaults.custmer_code")
        #expect(d.suggestion == "customer_code")
        #expect(d.location?.line == 5)
        #expect(d.location?.column == 3)
    }

    @Test("a quoted \"true\" where a boolean is expected is a type error at the value")
    func wrongTypeBool() throws {
        let diagnostics = Packs.loadFixture("wrong-type-bool").1
        #expect(diagnostics.count == 2)
        let quoted = try #require(diagnostics.first { $0.keyPath == "defaults.serial_numbers" })
        #expect(quoted.code == "invalid-type")
        #expect(quoted.location?.line == 4)
        #expect(quoted.location?.column == 19)
        let word = try #require(diagnostics.first { $0.keyPath == "defaults.uppercase" })
        #expect(word.message.contains("'sometimes'"))
    }

    @Test("an invalid choice lists the valid ones and suggests the closest")
    func invalidChoice() throws {
        let d = try Packs.loadFixture("invalid-choice").1.single(code: "invalid-value")
        #expect(d.keyPath == "defaults.issue_date")
        #expect(d.suggestion == "paid")
        #expect(d.message.contains("ordered, paid, shipped, completed, sync"))
        #expect(d.location?.line == 4)
        #expect(d.location?.column == 15)
    }

    @Test("a literal secret key is refused without echoing the secret")
    func literalSecret() throws {
        let d = try Packs.loadFixture("literal-secret").1.single(code: "literal-secret")
        #expect(d.keyPath == "profile.connection.secret_key")
        #expect(d.location?.line == 5)
        #expect(d.message.contains("{env: LEDGERSYNC_SECRET_KEY}"))
        #expect(!d.description.contains("abc123def456ghi789"))
    }

    @Test("a channel override for a misspelt channel suggests the channel")
    func unknownChannel() throws {
        let d = try Packs.loadFixture("unknown-channel").1.single(code: "unknown-channel")
        #expect(d.keyPath == "channels.shoppe")
        #expect(d.suggestion == "shopee")
        #expect(d.location?.line == 4)
    }

    @Test("a store override for a store not in profile.stores suggests the declared store")
    func unknownStoreOverride() throws {
        let d = try Packs.loadFixture("unknown-store-override").1.single(code: "unknown-store")
        #expect(d.keyPath == "stores.shopee-mian")
        #expect(d.suggestion == "shopee-main")
        #expect(d.location?.line == 4)
    }

    @Test("customer matching for something that is neither a channel nor a store is an error")
    func unknownMatchingTarget() throws {
        let d = try Packs.loadFixture("unknown-matching-target").1.single(code: "unknown-target")
        #expect(d.keyPath == "matching.customers.lazda")
        #expect(d.suggestion == "lazada")
        #expect(d.location?.line == 6)
        #expect(d.location?.column == 5)
    }

    @Test("two presets enabled for one channel conflict, reported at the second claim")
    func presetConflict() throws {
        let d = try Packs.loadFixture("preset-conflict").1.single(code: "preset-conflict")
        #expect(d.keyPath == "presets.marketplace-sales.enabled_for")
        #expect(d.message.contains("'consignment'") && d.message.contains("'lazada'"))
        #expect(d.location?.line == 10)
        #expect(d.location?.column == 32)
    }

    @Test("an unknown variable in a rule condition points into the expression and suggests the field")
    func ruleUnknownVariable() throws {
        let diagnostics = Packs.loadFixture("rule-unknown-variable").1
        #expect(diagnostics.count == 1)
        let d = try #require(diagnostics.first)
        #expect(d.keyPath == "rules[shopee-agent].when")
        #expect(d.suggestion == "order.channel")
        // `    when: '` is 11 characters: the expression starts in column 12.
        #expect(d.location == PackLocation(file: "Tests/RulePackTests/Fixtures/rule-unknown-variable/pack.yaml", line: 5, column: 12))
    }

    @Test("a type error in a rule condition names both types")
    func ruleTypeError() throws {
        let diagnostics = Packs.loadFixture("rule-type-error").1
        #expect(diagnostics.count == 1)
        let d = try #require(diagnostics.first)
        #expect(d.keyPath == "rules[big-orders].when")
        #expect(d.message.contains("number") && d.message.contains("string"))
        #expect(d.location?.line == 5)
    }

    @Test("an order rule may not set product_code")
    func ruleForbiddenSet() throws {
        let d = try Packs.loadFixture("rule-forbidden-set").1.single(code: "invalid-rule")
        #expect(d.message.contains("'product_code'"))
        #expect(d.keyPath?.hasPrefix("rules[bulky-items].set") == true)
    }

    @Test("two rules with one name: the second is the error")
    func duplicateRuleNames() throws {
        let d = try Packs.loadFixture("duplicate-rule-names").1.single(code: "duplicate-rule")
        #expect(d.keyPath == "rules[1].name")
        #expect(d.location?.line == 7)
        #expect(d.location?.column == 11)
    }

    @Test("extends may not leave the repository")
    func extendsOutsideRepository() throws {
        let d = try Packs.loadFixture("extends-outside-repository").1.single(code: "path-outside-repository")
        #expect(d.keyPath == "extends")
        #expect(d.location?.line == 3)
        #expect(d.location?.column == 10)
    }

    @Test("an absolute include path is refused")
    func absoluteInclude() throws {
        let d = try Packs.loadFixture("absolute-include").1.single(code: "path-outside-repository")
        #expect(d.keyPath == "includes")
        #expect(d.message.contains("absolute"))
        #expect(d.location?.line == 3)
        #expect(d.location?.column == 5)
    }

    @Test("two packs extending each other are a cycle, reported where it closes")
    func extendsCycle() throws {
        let d = try Packs.loadFixture("extends-cycle-a").1.single(code: "extends-cycle")
        #expect(d.keyPath == "extends")
        #expect(d.location?.file == "Tests/RulePackTests/Fixtures/extends-cycle-b/pack.yaml")
        #expect(d.message.contains("extends-cycle-a → Tests/RulePackTests/Fixtures/extends-cycle-b → Tests/RulePackTests/Fixtures/extends-cycle-a"))
    }

    @Test("a YAML indentation error is reported at its line and column")
    func yamlSyntaxError() throws {
        let d = try Packs.loadFixture("yaml-bad-indentation").1.single(code: "yaml-syntax")
        #expect(d.location == PackLocation(file: "Tests/RulePackTests/Fixtures/yaml-bad-indentation/pack.yaml", line: 5, column: 9))
        #expect(d.message.contains("indentation"))
    }

    @Test("a key written twice in one mapping is an error naming the key")
    func duplicateKey() throws {
        let d = try Packs.loadFixture("duplicate-key").1.single(code: "duplicate-key")
        #expect(d.message.contains("'agent'"))
        #expect(d.location?.file == "Tests/RulePackTests/Fixtures/duplicate-key/pack.yaml")
        #expect(d.location?.line == 6)
        #expect(d.message.contains("first at line 4"))
    }

    @Test("an item sheet without syncapp_uom is rejected at its header")
    func sheetMissingColumn() throws {
        let d = try Packs.loadFixture("sheet-missing-column").1.single(code: "invalid-sheet")
        #expect(d.message.contains("'syncapp_uom'"))
        #expect(d.location == PackLocation(file: "Tests/RulePackTests/Fixtures/sheet-missing-column/items.csv", line: 1, column: 1))
    }

    @Test("an item sheet with a SKU on two rows is rejected at the second row")
    func sheetDuplicateSKU() throws {
        let d = try Packs.loadFixture("sheet-duplicate-sku").1.single(code: "duplicate-sku")
        #expect(d.message.contains("rows 2 and 4"))
        #expect(d.location == PackLocation(file: "Tests/RulePackTests/Fixtures/sheet-duplicate-sku/items.csv", line: 4, column: 1))
    }

    @Test("a code longer than SQL Account allows names the limit")
    func codeTooLong() throws {
        let d = try Packs.loadFixture("code-too-long").1.single(code: "invalid-value")
        #expect(d.keyPath == "defaults.agent")
        #expect(d.message.contains("14 characters") && d.message.contains("at most 10"))
        #expect(d.location?.line == 4)
        #expect(d.location?.column == 10)
    }

    @Test("an unknown template placeholder suggests the real one")
    func templateUnknownPlaceholder() throws {
        let d = try Packs.loadFixture("template-unknown-placeholder").1.single(code: "unknown-placeholder")
        #expect(d.keyPath == "defaults.description")
        #expect(d.suggestion == "{order_number}")
        #expect(d.location?.line == 4)
    }

    @Test("a client pack without a profile is told to add one")
    func missingProfile() throws {
        let d = try Packs.loadFixture("missing-profile").1.single(code: "missing-key")
        #expect(d.keyPath == "profile")
        #expect(d.message.contains("kind: base"))
    }

    @Test("an idempotency key without {id} or {order_number} is refused")
    func idempotencyKeyWithoutID() throws {
        let d = try Packs.loadFixture("idempotency-key-without-id").1.single(code: "invalid-value")
        #expect(d.keyPath == "defaults.idempotency_key")
        #expect(d.location?.line == 4)
    }

    @Test("edit_policy: unknown fields are suggested, docref1 must stay create_only and not be editable")
    func editPolicy() throws {
        let diagnostics = Packs.loadFixture("edit-policy").1
        #expect(diagnostics.count == 3)
        let unknown = diagnostics.filter { $0.code == "unknown-field" }
        #expect(unknown.map(\.suggestion) == ["docno", "sdsdocdetail.itemcode"])
        let docref = try diagnostics.single(code: "invalid-value")
        #expect(docref.keyPath == "edit_policy.fields.docref1")
        #expect(docref.location?.line == 6)
    }

    @Test("payments.or_number_field names a receipt field an O/R number can go to; edit_policy takes customerpayment.<that field> and no other receipt field")
    func receiptNumberField() throws {
        let diagnostics = Packs.loadFixture("receipt-or-number").1
        #expect(diagnostics.count == 2, "customerpayment.docref3 is accepted: \(diagnostics)")
        let field = try diagnostics.single(code: "invalid-value")
        #expect(field.keyPath == "payments.or_number_field")
        #expect(field.message.contains("use one of: docref2, docref3, docref4, docno"))
        let receipt = try diagnostics.single(code: "unknown-field")
        #expect(receipt.keyPath == "edit_policy.fields.customerpayment.docref1")
        #expect(receipt.message.contains("a synced receipt is only ever changed by its O/R number"))
        #expect(receipt.suggestion == "customerpayment.docref2")
        #expect(receipt.location?.line == 9)
    }

    @Test("payments.negative_payouts and channel_charges are choices with a did-you-mean; charge_item and charge_account are codes")
    func payoutCreditNoteSettings() throws {
        let diagnostics = Packs.loadFixture("payout-credit-notes").1
        #expect(diagnostics.map(\.keyPath) == ["payments.negative_payouts", "payments.channel_charges", "payments.charge_item", "payments.charge_account"])
        #expect(diagnostics.allSatisfy { $0.code == "invalid-value" })
        #expect(diagnostics[0].message.contains("use one of: offset, credit_note, report") && diagnostics[0].suggestion == "credit_note")
        #expect(diagnostics[1].message.contains("use one of: bank_charge, credit_note, report") && diagnostics[1].suggestion == "bank_charge")
        #expect(diagnostics[0].location?.line == 5)
    }

    @Test("a secrets file inside the pack folder is refused")
    func secretsFileInsidePack() throws {
        let d = try Packs.loadFixture("secrets-file-inside-pack").1.single(code: "literal-secret")
        #expect(d.keyPath == "profile.connection.secret_key.file")
        #expect(d.location?.line == 9)
        #expect(d.location?.column == 24)
    }

    @Test("all problems of a pack come back from one run, sorted by file then position")
    func manyErrorsAreAllCollectedAndSorted() {
        let (pack, diagnostics) = Packs.loadFixture("many-errors")
        #expect(pack == nil)
        #expect(diagnostics.count == 12)
        #expect(diagnostics.allSatisfy { $0.severity == .error })
        let codes = Set(diagnostics.map(\.code))
        #expect(codes.isSuperset(of: ["unknown-key", "invalid-value", "invalid-type", "unknown-channel", "literal-secret", "duplicate-rule", "missing-key"]))
        let locations = diagnostics.compactMap(\.location)
        #expect(locations.count == diagnostics.count)
        #expect(locations == locations.sorted(), "diagnostics must be listed in file position order")
        let files = Set(locations.map(\.file))
        #expect(files == ["Tests/RulePackTests/Fixtures/many-errors/pack.yaml", "Tests/RulePackTests/Fixtures/many-errors/rules.yaml"])
    }

    @Test("a pack folder that does not exist is one clear error")
    func missingPackFolder() throws {
        let (pack, diagnostics) = Packs.loadFixture("no-such-pack")
        #expect(pack == nil)
        let d = try diagnostics.single(code: "pack-not-found")
        #expect(d.message.contains("--pack"))
    }

    @Test("masters: settings are checked where they are written: placeholders, lengths, keys, override targets")
    func mastersSettings() throws {
        let diagnostics = Packs.loadFixture("masters-invalid").1
        let placeholder = try #require(diagnostics.first { $0.keyPath == "masters.stock_items.code" })
        #expect(placeholder.code == "unknown-placeholder")
        #expect(placeholder.location == PackLocation(file: "Tests/RulePackTests/Fixtures/masters-invalid/pack.yaml", line: 6, column: 11))
        let target = try #require(diagnostics.first { $0.code == "unknown-target" })
        #expect(target.keyPath == "masters.customers.overrides.shoppe")
        #expect(target.suggestion == "shopee")
        let fixed = try Packs.loadFixture("masters-code-fixed").1.single(code: "invalid-value")
        #expect(fixed.message == "'ECOM-ITEM' has neither {sku} nor {seq}, so every SKU would get the same item code; write \"{sku}\" (the SKU itself), \"W-{sku}\" or \"EC-{seq}\" (a counter)")
        #expect(fixed.location?.line == 6)
    }
}
