import Foundation
import LedgerCore
import RulePack
import Testing
import TestSupport

/// The valid side: the example packs load cleanly, and layering puts the right value (and origin) in the model.
@Suite("Valid rule packs and layering")
struct ValidPackTests {
    static let acme = "rules/acme-living"
    static let acmeFile = "rules/acme-living/pack.yaml"
    static let baseFile = "rules/base/malaysia-marketplaces/pack.yaml"

    static func acmePack() throws -> RulePack {
        let (pack, diagnostics) = Packs.loadExample(acme)
        #expect(diagnostics.isEmpty, "\(Packs.rendered(diagnostics))")
        return try #require(pack)
    }

    // MARK: example packs

    @Test("the acme-living example pack validates with no diagnostics at all")
    func acmeLivingIsValid() throws {
        let pack = try Self.acmePack()
        #expect(pack.name == "acme-living")
        #expect(pack.kind == .client)
        #expect(pack.profile?.company.value == "Acme Living Sdn Bhd")
        #expect(pack.profile?.stores.map(\.id) == ["shopee-acme-my", "lazada-acme-my", "tiktok-acme-my", "shopee-acme-sg", "zalora-acme-my", "shopify-acme", "woo-acme", "pos-acme-pj"])
        #expect(pack.profile?.store("woo-acme")?.channel == .woocommerce)
    }

    @Test("einvoice: SQL's codes, submission by customer over store over channel over the default, classification by item, the consolidation policy with its defaults")
    func einvoiceSettings() throws {
        let pack = try Self.acmePack()
        let einvoice = try #require(pack.einvoice)
        #expect(einvoice.submissionCodes == [.none: 0, .einvoice: 1, .consolidate: 2])
        #expect(einvoice.idTypeCodes[.brn] == 3)
        #expect(einvoice.submission(channel: "shopee", store: "shopee-acme-my", customer: "300-S0001").value == .consolidate)
        let singapore = einvoice.submission(channel: "shopee", store: "shopee-acme-sg", customer: "300-S0002")
        #expect(singapore.value == .none)
        #expect(singapore.origin.location?.file.hasSuffix("rules/acme-living/pack.yaml") == true)
        #expect(einvoice.submission(channel: "woocommerce", store: "woo-acme", customer: "300-W0002").value == .einvoice, "the customer decides over the store")
        #expect(einvoice.classification(itemCode: "TBL-001") == "008")
        #expect(einvoice.consolidatedClassification.value == "004")
        let policy = einvoice.consolidation
        #expect(policy.scope.value == .store && policy.lines.value == .perDay)
        #expect(policy.customer?.value == "300-G0001" && policy.itemCode?.value == "EIV-CONSOL" && policy.account?.value == "599-000")
        #expect(policy.resource.value == "salesinvoice" && policy.dueDays.value == 7 && policy.idempotencyKey.value == "LS-EIV-{month}-{scope}")
        #expect(einvoice.cancelWindowHours.value == 72)
        #expect(einvoice.fields.submissionType.value == "submissiontype" && einvoice.fields.classification.value == "irbm_classification")
        let purchaseOrders = try #require(pack.purchaseOrders)
        #expect(purchaseOrders.uomConversion.value && purchaseOrders.store?.value == "shopify-acme" && purchaseOrders.converts(itemCode: "POT-M").value)
        // Off unless configured: no e-invoice field is sent.
        #expect(try Packs.requireValid("base-ok").einvoice == nil)
    }

    @Test("masters: the validated settings, with defaults for what is left out and overrides by channel, then store")
    func mastersSettings() throws {
        let pack = try Packs.requireValid("masters-ok")
        let items = try #require(pack.masters.creatingStockItems)
        #expect(items.usesSequence)
        #expect(items.code(sku: nil, number: 7) == "EC-0007", "upper-cased, zero-padded")
        #expect(items.sequenceStart.value == 100)
        #expect(items.sequenceAffixes?.prefix == "EC-")
        #expect(items.uom?.value == "PCS")
        #expect(items.group?.value == "ECOM")
        #expect(items.stockControl?.value == false)
        #expect(items.code.origin.location?.line == 5)
        let customers = try #require(pack.masters.creatingCustomers)
        let shopee = customers.fields(store: "shopee-main", channel: "shopee")
        #expect(shopee.name?.value == "{channel} {store}")
        #expect(shopee.currency?.value == "----")
        #expect(shopee.terms?.value == "C.O.D.")
        let lazada = customers.fields(store: "lazada-main", channel: "lazada")
        #expect(lazada.currency?.value == "SGD")
        #expect(lazada.name?.value == "Lazada {store_name}")
        #expect(lazada.controlAccount?.value == "300-100")
        // Off unless configured.
        #expect(try Packs.requireValid("base-ok").masters.creatingStockItems == nil)
    }

    @Test("the shared malaysia-marketplaces base pack validates on its own as a base pack")
    func basePackIsValid() throws {
        let (pack, diagnostics) = Packs.loadExample("rules/base/malaysia-marketplaces")
        #expect(diagnostics.errors.isEmpty, "\(Packs.rendered(diagnostics))")
        let base = try #require(pack)
        #expect(base.kind == .base)
        #expect(base.profile == nil)
    }

    @Test("the minimal fixture every invalid fixture extends is itself valid")
    func baseFixtureIsValid() throws {
        let pack = try Packs.requireValid("base-ok")
        #expect(pack.name == "base-ok")
    }

    // MARK: precedence in the acme pack

    @Test("a client default overrides the base default; unset base defaults still apply")
    func clientDefaultsOverBase() throws {
        let pack = try Self.acmePack()
        let taxCode = try #require(pack.defaults[.taxCode])
        #expect(taxCode.value == .string("ST5"))
        #expect(taxCode.origin.location?.file == Self.acmeFile)
        #expect(taxCode.origin.location?.line == 45)
        let rounding = try #require(pack.defaults[.taxRounding])
        #expect(rounding.value == .string("per_line"))
        #expect(rounding.origin.location?.file == Self.baseFile)
        #expect(pack.defaults[.issueDate]?.value == .string("paid"))
        #expect(pack.defaults[.issueDate]?.origin.location?.file == Self.baseFile)
    }

    @Test("a client channel override of project replaces the pack default; base channel overrides are kept")
    func channelOverrideOfProject() throws {
        let pack = try Self.acmePack()
        #expect(pack.defaults.string(.project) == "----")
        let pos = try #require(pack.channelOverrides[.pos]?.defaults[.project])
        #expect(pos.value == .string("POS"))
        #expect(pos.origin.location?.file == Self.acmeFile)
        #expect(pos.origin.location?.line == 52)
        let shopee = try #require(pack.channelOverrides[.shopee]?.defaults[.project])
        #expect(shopee.value == .string("SHOPEE"))
        #expect(shopee.origin.location?.file == Self.baseFile)
        #expect(pack.channelOverrides[.woocommerce]?.defaults.string(.invoiceNumberSource) == "platform")
    }

    @Test("a store override sits on top of its channel and the defaults")
    func storeOverride() throws {
        let pack = try Self.acmePack()
        let sg = try #require(pack.storeOverrides["shopee-acme-sg"])
        #expect(sg.defaults.string(.invoiceNumberStoreSuffix) == "always")
        #expect(sg.defaults[.invoiceNumberStoreSuffix]?.origin.location?.line == 74)
        #expect(sg.defaults.string(.description) == "Shopee SG order {order_number}")
        #expect(sg.defaults.string(.taxCode) == "")
        let effective = pack.defaults
            .overlaid(by: pack.channelOverrides[.shopee]?.defaults ?? SettingLayer())
            .overlaid(by: sg.defaults)
        #expect(effective.string(.project) == "SHOPEE")
        #expect(effective.string(.taxCode) == "")
        #expect(effective.string(.customerCode) == "300-C0001")
        #expect(pack.storeOverrides["pos-acme-pj"]?.defaults[.uppercase]?.value == .bool(true))
    }

    @Test("included files are merged into the pack, with their own file positions")
    func includesMerged() throws {
        let pack = try Self.acmePack()
        let files = pack.files.map { Packs.loader.displayPath($0) }
        #expect(Set(files) == [Self.acmeFile, "rules/acme-living/matching.yaml", "rules/acme-living/rules.yaml", Self.baseFile])
        let shopee = try #require(pack.matching.customers["shopee"])
        #expect(shopee.value == "300-S0001")
        #expect(shopee.origin.location?.file == "rules/acme-living/matching.yaml")
        #expect(shopee.origin.location?.line == 16)
        #expect(pack.rules.map(\.name) == ["key-account-orders", "singapore-area", "internal-test-orders", "free-gifts-to-promotion-account"])
        #expect(pack.rules.allSatisfy { $0.origin.location?.file == "rules/acme-living/rules.yaml" })
        #expect(pack.rules.last?.scope == .line)
        #expect(pack.rules[2].exclude?.value == "internal test order")
        // Currencies from the base and from the include are both present.
        #expect(pack.matching.currencies["MYR"]?.code == "----")
        #expect(pack.matching.currencies["SGD"]?.code == "SGD")
        #expect(pack.matching.currencies["SGD"]?.rate?.description == "3.1250")
    }

    @Test("item sheet rows are loaded, rows still waiting for a code are skipped, inline rows are kept")
    func acmeItemMatching() throws {
        let items = try Self.acmePack().matching.items
        #expect(items.count == 12)
        let vase = try #require(items["VASE-CER-WHT"])
        #expect(vase.code == "VASE-01")
        #expect(vase.uom == "UNIT")
        #expect(vase.origin.location == PackLocation(file: "rules/acme-living/matching/items.csv", line: 2, column: 1))
        #expect(items["NEW-VASE-01"] == nil)
        #expect(items["XMAS-DECOR-99"] == nil)
        #expect(items["MUG-6PK"]?.rate == 6)
        #expect(items["TBL-RND-OAK"]?.serialised == true)
        #expect(items["TBL-RND-OAK"]?.origin.location?.file == "rules/acme-living/matching.yaml")
    }

    @Test("presets and edit policy come through with built-in create_only fields")
    func presetsAndEditPolicy() throws {
        let pack = try Self.acmePack()
        #expect(pack.presets.map(\.name) == ["zalora-consignment"])
        #expect(pack.presets.first?.itemCode == "ZALORA-SALES")
        #expect(pack.presets.first?.enabledFor == ["zalora"])
        #expect(pack.editPolicy.policy(for: "docref1") == .createOnly)
        #expect(pack.editPolicy.policy(for: "description") == .update)
        #expect(pack.editPolicy.policy(for: "agent") == .ignore)
        #expect(pack.editPolicy.fields["description"]?.origin.location?.file == Self.baseFile)
        #expect(pack.editPolicy.editable.map(\.value).contains("sdsdocdetail.itemcode"))
        // O/R numbers go to docref2 unless the pack says otherwise, sent as an update unless its edit policy says not.
        #expect(pack.payments.orNumberField.value == "docref2")
        #expect(pack.payments.orNumberField.origin.location == nil, "built in")
        #expect(pack.editPolicy.policy(for: "customerpayment.docref2") == .update)
    }

    @Test("connection secrets are environment references")
    func acmeSecretsFromEnvironment() throws {
        let connection = try #require(try Self.acmePack().profile?.connection)
        #expect(connection.accessKey == .environment("LEDGERSYNC_ACCESS_KEY"))
        #expect(connection.secretKey == .environment("LEDGERSYNC_SECRET_KEY"))
        #expect(connection.timeoutSeconds.value == 30)
    }

    // MARK: layering fixture: base + client + include + sheet

    @Test("a client rule with a base rule's name replaces it in place")
    func sameNamedRuleReplacesBaseRule() throws {
        let pack = try Packs.requireValid("layering-client")
        #expect(pack.rules.map(\.name) == ["big-orders", "sg-area"])
        let bigOrders = try #require(pack.rules.first)
        #expect(bigOrders.origin.location?.file == "Tests/RulePackTests/Fixtures/layering-client/pack.yaml")
        #expect(bigOrders.orderSets.map { $0.value.value } == [.string("CLIENT-KA")])
        #expect(pack.rules[1].origin.location?.file == "Tests/RulePackTests/Fixtures/layering-base/pack.yaml")
    }

    @Test("item matching merges by SKU: client rows replace base rows, other base rows stay")
    func itemsMergedBySKU() throws {
        let items = try Packs.requireValid("layering-client").matching.items
        #expect(items["CHAIR"]?.code == "CLIENT-CHAIR")
        #expect(items["CHAIR"]?.uom == "PCS")
        #expect(items["CHAIR"]?.origin.location?.file == "Tests/RulePackTests/Fixtures/layering-client/matching.yaml")
        #expect(items["TABLE"]?.code == "BASE-TABLE")
        #expect(items["TABLE"]?.origin.location?.file == "Tests/RulePackTests/Fixtures/layering-base/pack.yaml")
    }

    @Test("an inline item row wins over the item sheet row for the same SKU")
    func inlineRowsWinOverSheet() throws {
        let items = try Packs.requireValid("layering-client").matching.items
        #expect(items["LAMP"]?.code == "INLINE-LAMP")
        #expect(items["VASE"]?.code == "SHEET-VASE")
        #expect(items["VASE"]?.origin.location == PackLocation(file: "Tests/RulePackTests/Fixtures/layering-client/items.csv", line: 3, column: 1))
        #expect(Set(items.keys) == ["CHAIR", "TABLE", "LAMP", "VASE"])
    }

    @Test("defaults, channel and store overrides layer across extends")
    func layeringPrecedence() throws {
        let pack = try Packs.requireValid("layering-client")
        #expect(pack.defaults.string(.agent) == "CLIENT-AG")
        #expect(pack.defaults.string(.terms) == "C.O.D.")
        #expect(pack.channelOverrides[.shopee]?.defaults.string(.project) == "SHOPEE")
        #expect(pack.channelOverrides[.shopee]?.defaults.string(.terms) == "7 DAYS")
        #expect(pack.storeOverrides["shopee-main"]?.defaults.string(.project) == "SHP-MAIN")
        #expect(pack.matching.customers["shopee"]?.value == "300-S0001")
        // The base's own `pack:` header describes the base, not the client.
        #expect(pack.name == "layering-client")
        #expect(pack.kind == .client)
    }

    @Test("the pack's file list names every contributing file")
    func layeringFiles() throws {
        let pack = try Packs.requireValid("layering-client")
        let files = pack.files.map { Packs.loader.displayPath($0) }
        #expect(Set(files) == [
            "Tests/RulePackTests/Fixtures/layering-client/pack.yaml",
            "Tests/RulePackTests/Fixtures/layering-client/matching.yaml",
            "Tests/RulePackTests/Fixtures/layering-base/pack.yaml",
        ])
        #expect(files.first == "Tests/RulePackTests/Fixtures/layering-base/pack.yaml")
    }

    // MARK: secrets

    @Test("a secrets file outside the repository is a file reference")
    func secretFileReference() throws {
        let pack = try Packs.requireValid("secrets-file")
        let connection = try #require(pack.profile?.connection)
        #expect(connection.accessKey == .environment("SQL_ACCESS_KEY"))
        #expect(connection.secretKey == .file(path: "/etc/ledgersync/fixture.env", key: "SQL_SECRET"))
    }

    @Test("a client can switch a base pack's env secret to a secrets file")
    func clientSwitchesSecretFromEnvToFile() {
        let (pack, diagnostics) = Packs.loadFixture("secrets-file-over-base-env")
        #expect(diagnostics.errors.isEmpty, "\(Packs.rendered(diagnostics))")
        #expect(pack?.profile?.connection.secretKey == .file(path: "/etc/ledgersync/fixture.env", key: "SQL_SECRET"))
    }
}
