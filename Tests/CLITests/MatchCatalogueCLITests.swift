import Foundation
import Testing
import TestSupport

/// `match export --catalog`: a product catalogue's SKUs listed with their matches, sold or not.
@Suite("ledgersync match export --catalog")
struct MatchCatalogueCLITests {
    @Test("match export --catalog lists every catalogue SKU with its match, the unsold ones too, with or without orders")
    func exportCatalogue() async throws {
        let directory = try scratchDirectory("masters-catalogue")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pack = try copyExamplePack(into: directory)
        let catalogue = directory + "/catalogue.csv"
        try "Acme Living products\n\nSeller SKU,Product Name,Price\nVASE-CER-WHT,Ceramic Vase White,39.00\nLAMP-FLOOR-OAK,Floor Lamp Oak,259.00\nNEW-VASE-01,Speckled Vase,45.00\n"
            .write(toFile: catalogue, atomically: true, encoding: .utf8)

        let alone = try await CLI.run(["match", "export", "--pack", pack, "--catalog", catalogue, "--out", directory + "/alone.csv"])
        #expect(alone.status == 0, "\(alone.transcript)")
        #expect(alone.stdout.contains("wrote \(directory)/alone.csv: 3 SKUs from the catalogue \(catalogue) — 1 matched, 2 unmatched\n"), "\(alone.transcript)")
        let rows = try String(contentsOfFile: directory + "/alone.csv", encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        #expect(rows.count == 4)
        #expect(rows[1] == "LAMP-FLOOR-OAK,Floor Lamp Oak,,,,unmatched,catalogue row 5: unmatched → defaults.product_code ECOM-MISC; in zalora-acme-my: preset 'zalora-consignment' → ZALORA-SALES UNIT (\(directory)/rules/acme-living/pack.yaml:86),,0", "\(rows)")
        #expect(rows[3].hasPrefix("VASE-CER-WHT,Ceramic Vase White,VASE-01,UNIT,,matched,catalogue row 4: item sheet row 2 ("), "\(rows)")

        let both = try await CLI.run(["match", "export", "--pack", pack, "--catalog", catalogue] + Args.september + ["--out", directory + "/both.csv"])
        #expect(both.status == 0, "\(both.transcript)")
        #expect(both.stdout.contains("  ? LAMP-FLOOR-OAK  Floor Lamp Oak  (catalogue row 5, not in the orders)\n"), "\(both.transcript)")
        #expect(both.stdout.contains("wrote \(directory)/both.csv: 15 SKUs from 66 orders and the catalogue \(catalogue) (1 not in the orders) — 12 matched, 3 unmatched; 2 orders left out\n"), "\(both.transcript)")
        let exported = try String(contentsOfFile: directory + "/both.csv", encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(exported.contains("\nLAMP-FLOOR-OAK,Floor Lamp Oak,,,,unmatched,\"catalogue row 5, not in the orders: unmatched → defaults.product_code ECOM-MISC;"), "\(exported)")
        // A sold SKU keeps its order facts.
        #expect(exported.contains("\nNEW-VASE-01,Speckled Vase,,,,unmatched,unmatched → defaults.product_code ECOM-MISC,\"shopee-acme-my, shopify-acme, tiktok-acme-my\",4\n"), "\(exported)")
        // The export reads back in as a sheet.
        let dry = try await CLI.run(["match", "import", "--pack", pack, directory + "/both.csv", "--dry-run"])
        #expect(dry.status == 0, "\(dry.transcript)")

        let missing = try await CLI.run(["match", "export", "--pack", pack, "--out", directory + "/none.csv"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("give the SKUs to list: --orders FILE, --catalog FILE, or both"), "\(missing.transcript)")
        try "Code,Title\nX,Y\n".write(toFile: directory + "/bad.csv", atomically: true, encoding: .utf8)
        let bad = try await CLI.run(["match", "export", "--pack", pack, "--catalog", directory + "/bad.csv", "--out", directory + "/bad-out.csv"])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("\(directory)/bad.csv:1:1: error: the product catalogue has no header row naming a SKU column (sku, seller sku, product sku, variation sku, …) and a name column"), "\(bad.transcript)")
    }
}
