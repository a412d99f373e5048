import Foundation
import Testing
import Spreadsheets

/// The example channel exports under examples/exports/ (written by scripts/make-example-exports.py) must be readable
/// by the project's own reader, in their real layouts: the header found where the channel puts it, every header
/// text verbatim and in order, the expected number of data rows, and a few exact cells — the same values
/// examples/exports/README.md lists, so a regenerated file that drifts fails here.
@Suite struct ExampleExportsTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/exports")

    struct Export: Sendable, CustomTestStringConvertible {
        let file: String
        let format: SpreadsheetFormat
        /// The data sheet the real export names (csv: the file name).
        let sheet: String
        /// Every header text, in file order, split from one line at ", " (no header contains ", ").
        let header: [String]
        /// Rows to skip after the header before the data starts (TikTok's description row).
        let descriptionRows: Int
        let dataRows: Int
        /// The column holding the order number, to find an order's first row.
        let orderColumn: String
        /// (order number as written in the cell, column, exact cell text) on the order's first row.
        let cells: [(String, String, String)]

        var testDescription: String { file }
    }

    static let shopee = Export(
        file: "shopee-Order.all.20250901_20250930.xlsx", format: .xlsx, sheet: "orders",
        header: split("""
        Order ID, Order Status, Cancel reason, Return / Refund Status, Tracking Number*, Shipping Option, \
        Shipment Method, Estimated Ship Out Date, Ship Time, Order Creation Date, Order Paid Time, \
        Parent SKU Reference No., Product Name, SKU Reference No., Variation Name, Original Price, Deal Price, \
        Quantity, Returned quantity, Product Subtotal, Seller Rebate, Seller Discount, Shopee Rebate, \
        SKU Total Weight, No of product in order, Order Total Weight, Voucher Code From Seller, Seller Voucher, \
        Seller Absorbed Coin Cashback, Shopee Voucher, Bundle Deal Indicator, Shopee Bundle Discount, \
        Seller Bundle Discount, Shopee Coins Offset, Credit Card Discount Total, Total Amount, \
        Buyer Paid Shipping Fee, Shipping Rebate Estimate, Reverse Shipping Fee, Transaction Fee, Commission Fee, \
        Service Fee, Grand Total, Estimated Shipping Fee, Username (Buyer), Receiver Name, Phone Number, \
        Delivery Address, Town, District, City, Province, Country, Zip Code, Remark from buyer, \
        Order Complete Time, Note
        """),
        descriptionRows: 0, dataRows: 27, orderColumn: "Order ID",
        cells: [("2509014EAM4Y3J", "Total Amount", "377.5"), ("2509014EAM4Y3J", "Order Creation Date", "2025-09-01 09:31"),
                ("250906RWFTU639", "Order Status", "Cancelled"), ("250905VBQL5WDX", "Return / Refund Status", "Request Approved")])

    static let lazada = Export(
        file: "lazada-orders-2025-09.xlsx", format: .xlsx, sheet: "sheet1",
        header: split("""
        orderItemId, orderType, Guarantee, deliveryType, lazadaId, sellerSku, lazadaSku, wareHouse, createTime, \
        updateTime, rtsSla, ttsSla, orderNumber, invoiceRequired, invoiceNumber, deliveredDate, customerName, \
        customerEmail, nationalRegistrationNumber, shippingName, shippingAddress, shippingAddress2, \
        shippingAddress3, shippingAddress4, shippingAddress5, shippingPhone, shippingPhone2, shippingCity, \
        shippingPostCode, shippingCountry, shippingRegion, billingName, billingAddr, billingAddr2, billingAddr3, \
        billingAddr4, billingAddr5, billingPhone, billingPhone2, billingCity, billingPostCode, billingCountry, \
        taxCode, branchNumber, taxInvoiceRequested, payMethod, paidPrice, unitPrice, sellerDiscountTotal, \
        platformDiscountTotal, shippingFee, walletCredit, itemName, variation, cdShippingProvider, \
        shippingProvider, shipmentTypeName, shippingProviderType, cdTrackingCode, trackingCode, trackingUrl, \
        shippingProviderFM, trackingCodeFM, trackingUrlFM, promisedShippingTime, premium, status, \
        buyerFailedDeliveryReturnInitiator, buyerFailedDeliveryReason, buyerFailedDeliveryDetail, \
        buyerFailedDeliveryUserName, bundleId, semiManaged, flexibleDeliveryTime, bundleDiscount, refundAmount, \
        sellerNote
        """),
        descriptionRows: 0, dataRows: 36, orderColumn: "orderNumber",
        cells: [("157683824297273", "paidPrice", "164.00"), ("157683824297273", "createTime", "01 Sep 2025 18:41"),
                ("202439502669021", "status", "canceled")])

    static let tiktok = Export(
        file: "tiktok-orders-2025-09.csv", format: .csv, sheet: "tiktok-orders-2025-09",
        header: split("""
        Order ID, Order Status, Order Substatus, Cancelation/Return Type, Normal or Pre-order, SKU ID, Seller SKU, \
        Product Name, Variation, Quantity, Sku Quantity of return, SKU Unit Original Price, \
        SKU Subtotal Before Discount, SKU Platform Discount, SKU Seller Discount, SKU Subtotal After Discount, \
        Shipping Fee After Discount, Original Shipping Fee, Shipping Fee Seller Discount, \
        Shipping Fee Platform Discount, Payment platform discount, Taxes, Order Amount, Order Refund Amount, \
        Created Time, Paid Time, RTS Time, Shipped Time, Delivered Time, Cancelled Time, Cancel By, Cancel Reason, \
        Fulfillment Type, Warehouse Name, Tracking ID, Delivery Option, Shipping Provider Name, Buyer Message, \
        Buyer Username, Recipient, Phone #, Zipcode, Country, State, Post Town, Detail Address, \
        Additional address information, Payment Method, Weight(kg), Product Category, Package ID, Seller Note, \
        Checked Status, Checked Marked by
        """),
        descriptionRows: 1, dataRows: 13, orderColumn: "Order ID",
        cells: [("576983477826601055\t", "Order Amount", "71.00"), ("576983477826601055\t", "Created Time", "02/09/2025 17:25:28\t"),
                ("576949211568969987\t", "Order Status", "Canceled")])

    static let shopify = Export(
        file: "shopify-orders_export.csv", format: .csv, sheet: "shopify-orders_export",
        header: split("""
        Name, Email, Financial Status, Paid at, Fulfillment Status, Fulfilled at, Accepts Marketing, Currency, \
        Subtotal, Shipping, Taxes, Total, Discount Code, Discount Amount, Shipping Method, Created at, \
        Lineitem quantity, Lineitem name, Lineitem price, Lineitem compare at price, Lineitem sku, \
        Lineitem requires shipping, Lineitem taxable, Lineitem fulfillment status, Billing Name, Billing Street, \
        Billing Address1, Billing Address2, Billing Company, Billing City, Billing Zip, Billing Province, \
        Billing Country, Billing Phone, Shipping Name, Shipping Street, Shipping Address1, Shipping Address2, \
        Shipping Company, Shipping City, Shipping Zip, Shipping Province, Shipping Country, Shipping Phone, Notes, \
        Note Attributes, Cancelled at, Payment Method, Payment Reference, Refunded Amount, Vendor, \
        Outstanding Balance, Employee, Location, Device ID, Id, Tags, Risk Level, Source, Lineitem discount, \
        Tax 1 Name, Tax 1 Value, Tax 2 Name, Tax 2 Value, Tax 3 Name, Tax 3 Value, Tax 4 Name, Tax 4 Value, \
        Tax 5 Name, Tax 5 Value, Phone, Receipt Number, Duties, Billing Province Name, Shipping Province Name, \
        Payment ID, Payment Terms Name, Next Payment Due At, Payment References
        """),
        descriptionRows: 0, dataRows: 21, orderColumn: "Name",
        cells: [("#1043", "Total", "7626.72"), ("#1043", "Created at", "2025-09-09 22:33:49 +0800"),
                ("#1045", "Financial Status", "refunded")])

    static let woocommerce = Export(
        file: "woocommerce-orders-2025-09.csv", format: .csv, sheet: "woocommerce-orders-2025-09",
        header: split("""
        Order Number, Order Status, Order Date, Customer Note, First Name (Billing), Last Name (Billing), \
        Company (Billing), Address 1&2 (Billing), City (Billing), State Code (Billing), Postcode (Billing), \
        Country Code (Billing), Email (Billing), Phone (Billing), First Name (Shipping), Last Name (Shipping), \
        Address 1&2 (Shipping), City (Shipping), State Code (Shipping), Postcode (Shipping), \
        Country Code (Shipping), Item #, SKU, Name, Product Variation, Quantity, Quantity (- Refund), Item Cost, \
        Order Line (w/o tax), Order Line Tax, Order Line Total, Order Line Total Refunded, \
        Order Line Total (- Refund), Image URL, Coupon Code, Discount Amount, Discount Amount Tax, \
        Payment Method Title, Coupons Used, Cart Discount Amount, Order Subtotal Amount, Order Tax Amount, \
        Order Shipping Amount, Order Refund Amount, Order Total Amount, Order Total Tax Amount, Total items, \
        Total products
        """),
        descriptionRows: 0, dataRows: 8, orderColumn: "Order Number",
        cells: [("5521", "Order Total Amount", "234.70"), ("5521", "Order Date", "2025-09-04 12:05"),
                ("5602", "Order Status", "On hold")])

    static func split(_ line: String) -> [String] {
        line.components(separatedBy: ", ")
    }

    @Test(arguments: [shopee, lazada, tiktok, shopify, woocommerce])
    func readsInItsRealLayout(_ export: Export) throws {
        let reader = try SpreadsheetReader(path: Self.folder.appendingPathComponent(export.file).path)
        #expect(reader.format == export.format)
        #expect(reader.sheetNames == [export.sheet])
        let rows = try reader.rows(sheet: export.sheet)
        // The order column plus two others the research note names for recognising the export.
        let header = try HeaderFinder.find(required: [export.orderColumn, export.header[1], export.header.last!], in: rows)
        #expect(header.rowNumber == 1)
        #expect(header.names == export.header)

        let all = try rows.readAll()
        let data = all.filter { $0.number > header.rowNumber + export.descriptionRows && !$0.isEmpty }
        #expect(data.count == export.dataRows)
        if export.descriptionRows > 0 {
            #expect(all[1][header.index(of: export.orderColumn)!].text == "Platform unique order ID")
        }
        let orderColumn = try #require(header.index(of: export.orderColumn))
        for (order, column, expected) in export.cells {
            let row = try #require(data.first { $0[orderColumn].text == order }, "order \(order) in \(export.file)")
            let index = try #require(header.index(of: column), "column \(column) in \(export.file)")
            #expect(row[index].text == expected, "\(export.file): order \(order), \(column)")
        }
    }

    /// Shopify fills the order columns on an order's first row only; the line columns are on every row.
    @Test func shopifyLeavesOrderColumnsBlankAfterAnOrdersFirstRow() throws {
        let reader = try SpreadsheetReader(path: Self.folder.appendingPathComponent(Self.shopify.file).path)
        let rows = try reader.rows()
        let header = try HeaderFinder.find(required: ["Name", "Financial Status", "Lineitem quantity"], in: rows)
        let lines = try rows.readAll().filter { $0.number > header.rowNumber && $0[0].text == "#1042" }
        #expect(lines.count == 2)
        #expect(lines.map { $0[header.index(of: "Total")!].text } == ["475.45", ""])
        #expect(lines.map { $0[header.index(of: "Lineitem sku")!].text } == ["CHR-DIN-WAL", "CUSH-45-BLU"])
    }

    /// Lazada writes one row per unit: the 12 mugs of order 208424197744536 are 12 rows.
    @Test func lazadaWritesOneRowPerUnit() throws {
        let reader = try SpreadsheetReader(path: Self.folder.appendingPathComponent(Self.lazada.file).path)
        let rows = try reader.rows(sheet: "sheet1")
        let header = try HeaderFinder.find(required: ["orderItemId", "orderNumber", "sellerSku"], in: rows)
        let order = header.index(of: "orderNumber")!
        let units = try rows.readAll().filter { $0.number > header.rowNumber && $0[order].text == "208424197744536" }
        #expect(units.count == 12)
        #expect(Set(units.map { $0[header.index(of: "sellerSku")!].text }) == ["MUG-6PK"])
        #expect(Set(units.map { $0[header.index(of: "sellerDiscountTotal")!].text }) == ["-5.90"])
    }
}
