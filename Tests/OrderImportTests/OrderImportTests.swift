import Foundation
import LedgerCore
import LedgerJSON
import OrderImport
import OrderIO
import RulePack
import TestSupport
import Testing

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func loadMapping(_ path: String, builtins: Bool = false) throws -> ImportMapping {
    let loader = ImportMappingLoader(displayBase: repositoryRoot, builtinDirectory: repositoryRoot + "/rules/imports")
    switch loader.load(path: path) {
    case .success(let mapping): return mapping
    case .failure(let diagnostics): throw ImportTestFailure(text: diagnostics.map(\.description).joined(separator: "\n"))
    }
}

struct ImportTestFailure: Error, CustomStringConvertible { var text: String; var description: String { text } }

/// Every record of an export: decoded orders by id, and failures rendered as the CLI prints them.
func importAll(_ mapping: ImportMapping, _ path: String, display: String? = nil) throws -> (orders: [Order], raw: [JSONValue], failures: [String]) {
    let importer = try OrderImporter(mapping: mapping, path: path, displayPath: display)
    var orders: [Order] = [], raw: [JSONValue] = [], failures: [String] = []
    while let record = try importer.next() {
        switch record.result {
        case .success(let order): orders.append(order); raw.append(record.raw!)
        case .failure(let failure): failures += failure.diagnostics.map(\.description)
        }
    }
    return (orders, raw, failures)
}

@Suite struct CustomPOSImportTests {
    @Test func aMadeUpPOSImportsThroughItsMappingAlone() throws {
        let mapping = try loadMapping(fixtures + "/acme-pos.yaml")
        let result = try importAll(mapping, fixtures + "/acme-pos.csv", display: "acme-pos.csv")
        #expect(result.failures == [])
        #expect(result.orders.map(\.id) == ["R-0001", "R-0002", "R-0003"])
        let first = result.orders[0]
        #expect(first.channel == .pos && first.store == "pos-acme-pj" && first.status == .completed)
        #expect(first.dates.ordered.text == "2025-09-05T14:02:00+08:00")
        #expect(first.lines.map(\.sku) == ["MUG-6PK", "GIFT-TOTE"])
        #expect(first.lines[0].qty == 2 && first.lines[0].unitPrice == Money(parsing: "45.00") && first.lines[0].sellerDiscount == Money(parsing: "10.00"))
        #expect(first.vouchers.seller == Money(parsing: "5.00"))
        #expect(first.buyerPaid == Money(parsing: "75.00"))
        // "RM 32.00", a blank bill discount, and "1,299.00" read exactly.
        #expect(result.orders[1].lines[0].sellerDiscount == Money(parsing: "6.00") && result.orders[1].buyerPaid == Money(parsing: "90.00"))
        #expect(result.orders[2].status == .cancelled && result.orders[2].buyerPaid == Money(parsing: "1299.00"))
        // Where each order came from travels with it.
        #expect(JSONWriter.compactString(result.raw[0]["import"]!) == #"{"mapping":"acme-pos","file":"acme-pos.csv","rows":[4,5]}"#)
    }

    @Test func rowsOfOneOrderNeedNotBeTogether() throws {
        let mapping = try loadMapping(fixtures + "/acme-pos.yaml")
        let csv = """
        Receipt No,Date,Status,Item Code,Item Name,Qty,List Price,Sold Price,Bill Discount,Receipt Total
        R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,1,45.00,45.00,,77.00
        R-2,05/09/2025 14:05,Paid,CANDLE-LAV,Candle,1,32.00,32.00,,32.00
        R-1,05/09/2025 14:02,Paid,CANDLE-LAV,Candle,1,32.00,32.00,,77.00
        """
        let path = try temporaryFile("split.csv", csv)
        let result = try importAll(mapping, path, display: "split.csv")
        #expect(result.failures == [])
        #expect(result.orders.map(\.id) == ["R-2", "R-1"])
        #expect(result.orders[1].lines.map(\.sku) == ["MUG-6PK", "CANDLE-LAV"])
    }
}

func temporaryFile(_ name: String, _ text: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("order-import-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent(name).path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite struct EInvoiceImportTests {
    static let mapping = """
    mapping: {name: acme-pos-einvoice}
    date_formats: ["dd/MM/yyyy HH:mm"]
    fields:
      id: Receipt No
      channel: {value: pos}
      store: {value: pos-acme-pj}
      status: Status
      dates.ordered: Date
      lines.sku: Item Code
      lines.qty: Qty
      lines.unit_price: Price
      buyer.name: Buyer
      buyer.einvoice.requested: E-Invoice
      buyer.einvoice.tin: TIN
      buyer.einvoice.id_type: ID Type
      buyer.einvoice.id_value: ID No
      buyer.einvoice.sst_number: SST No
      flags.einvoice_issued_by_platform: Issued By Platform
    statuses: {Paid: completed}
    """

    @Test func aBuyersEInvoiceColumnsBecomeTheOrdersEInvoiceFieldsAndABadIDTypeIsNamed() throws {
        let csv = """
        Receipt No,Date,Status,Item Code,Qty,Price,Buyer,E-Invoice,TIN,ID Type,ID No,SST No,Issued By Platform
        R-1,05/09/2025 14:02,Paid,MUG-6PK,1,45.00,Aminah,Yes,EI00000000010,nric,900101-14-5678,,No
        R-2,05/09/2025 14:05,Paid,MUG-6PK,1,45.00,Acme Sdn Bhd,Yes,C2584563200,BRN,201901012345,W10-1808-32000001,No
        R-3,05/09/2025 14:09,Paid,MUG-6PK,1,45.00,Walk-in,,,,,,Yes
        R-4,05/09/2025 14:11,Paid,MUG-6PK,1,45.00,Someone,Yes,EI00000000010,IC,880101-01-1234,,No
        """
        let mappingPath = try temporaryFile("einvoice.yaml", Self.mapping)
        let result = try importAll(try loadMapping(mappingPath), try temporaryFile("einvoice.csv", csv), display: "einvoice.csv")
        let orders = Dictionary(uniqueKeysWithValues: result.orders.map { ($0.id, $0) })
        let individual = try #require(orders["R-1"]?.buyer.einvoice)
        #expect(individual.requested && individual.tin == "EI00000000010" && individual.idType == .nric && individual.idValue == "900101-14-5678")
        #expect(individual.sstNumber == nil, "a blank cell is not given")
        let company = try #require(orders["R-2"]?.buyer.einvoice)
        #expect(company.idType == .brn && company.sstNumber == "W10-1808-32000001")
        #expect(orders["R-3"]?.buyer.einvoice?.requested != true && orders["R-3"]?.einvoiceIssuedByPlatform == true)
        #expect(orders["R-4"] == nil)
        #expect(result.failures.count == 1)
        #expect(result.failures.first?.contains("buyer.einvoice.id_type 'IC' is not one of NRIC, PASSPORT, BRN, ARMY") == true, "\(result.failures)")
    }
}
