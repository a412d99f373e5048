import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import Testing

@Suite("Selecting the orders of a file (--order, --orders-from, --status, --store, --from, --to)")
struct OrderSelectionTests {
    /// One order line of a file; `ordered` as written in the order.
    static func order(_ id: String, status: String = "completed", store: String = "shopee-acme-my", ordered: String = "2025-09-15T10:21:00+08:00") -> String {
        #"{"id":"\#(id)","order_number":"N-\#(id)","channel":"shopee","store":"\#(store)","currency":"MYR","status":"\#(status)","dates":{"ordered":"\#(ordered)"},"lines":[{"sku":"A","name":"A","qty":1,"unit_price":"10.00"}]}"#
    }

    static let file = [
        order("SG-1", ordered: "2025-09-09T23:59:59+08:00"),
        order("SG-2", status: "shipped", ordered: "2025-09-10T00:00:00+08:00"),
        // 16:30 UTC on the 9th is 00:30 on the 10th in Malaysia.
        order("SG-3", store: "lazada-acme-my", ordered: "2025-09-09T16:30:00Z"),
        order("SG-4", status: "cancelled", ordered: "2025-09-20T23:59:00+08:00"),
        // 16:00 UTC on the 20th is already the 21st in Malaysia.
        order("SG-5", ordered: "2025-09-20T16:00:00Z"),
        #"{"id":"SG-6","order_number":"N-6","channel":"shopee","store":"shopee-acme-my","status":"completed","dates":{"ordered":"yesterday"},"lines":[]}"#,
    ].joined(separator: "\n")

    static func source(_ text: String = file) -> OrderSource {
        OrderSource(bytes: Array(text.utf8), displayPath: "orders.jsonl")
    }

    static func select(_ orders: [String] = [], ordersFrom: String? = nil, statuses: [String] = [], stores: [String] = [],
                       from: String? = nil, to: String? = nil) throws -> ResolvedSelection {
        try OrderSelection(orders: orders, ordersFrom: ordersFrom, statuses: statuses, stores: stores, from: from, to: to)
            .resolve(source(), ordersPath: "orders.jsonl")
    }

    static func ids(_ source: OrderSource) throws -> [String] {
        var ids: [String] = []
        try source.forEach { record in
            switch record.result {
            case .success(let order): ids.append(order.id)
            case .failure(let failure): ids.append(failure.orderID)
            }
        }
        return ids
    }

    @Test("several --order values are a set, taken in file order; the filter passes only their records on")
    func orderIDs() throws {
        let resolved = try Self.select(["SG-4", "SG-1", "SG-4"])
        #expect(resolved.selectedIDs == ["SG-1", "SG-4"])
        #expect(resolved.fileOrders == 6)
        #expect(resolved.summary == "2 of 6 orders selected (--order)")
        #expect(resolved.notSelected == 4)
        #expect(try Self.ids(resolved.filter(Self.source())) == ["SG-1", "SG-4"])
    }

    @Test("--from and --to are inclusive days of the ordered date in Malaysia time, whatever offset the order wrote")
    func datesInMalaysiaTime() throws {
        #expect(try Self.select(from: "2025-09-10", to: "2025-09-20").selectedIDs == ["SG-2", "SG-3", "SG-4"])
        #expect(try Self.select(to: "2025-09-09").selectedIDs == ["SG-1"])
        #expect(try Self.select(from: "2025-09-21").selectedIDs == ["SG-5"])
    }

    @Test("filters combine with AND; --status takes comma lists and repeats")
    func filtersCombine() throws {
        #expect(try Self.select(statuses: ["completed"], stores: ["shopee-acme-my"], from: "2025-09-10").selectedIDs == ["SG-5"])
        #expect(try Self.select(statuses: ["shipped,cancelled"]).selectedIDs == ["SG-2", "SG-4"])
        #expect(try Self.select(statuses: ["shipped", "cancelled"], stores: ["shopee-acme-my", "lazada-acme-my"]).selectedIDs == ["SG-2", "SG-4"])
        #expect(try Self.select(["SG-1", "SG-2"], statuses: ["completed"]).selectedIDs == ["SG-1"])
        let label = try OrderSelection(orders: [], ordersFrom: nil, statuses: ["completed"], stores: ["a", "b"], from: "2025-09-10", to: "2025-09-20").label
        #expect(label == "--status completed, --store a,b, --from 2025-09-10, --to 2025-09-20")
    }

    @Test("an unreadable record is taken only when its id is ticked, since its status, store and date are unknown")
    func unreadableRecords() throws {
        #expect(try Self.select(statuses: ["completed"]).selectedIDs == ["SG-1", "SG-3", "SG-5"])
        #expect(try Self.select(["SG-6"]).selectedIDs == ["SG-6"])
    }

    @Test("--orders-from: one id a line; blank lines, # comment lines and trailing comments ignored; each id's line kept")
    func ordersFromFile() throws {
        let path = NSTemporaryDirectory() + "ticked-\(UUID().uuidString.prefix(8)).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("\u{FEFF}# ticked in the web console\r\nSG-2\r\n\r\n  SG-5  # gift wrap\r\n#SG-1\r\nSG-2\r\n".utf8).write(to: URL(fileURLWithPath: path))
        let named = try OrderSelection.readIDs(path)
        #expect(named == [.init(id: "SG-2", origin: "\(path):2"), .init(id: "SG-5", origin: "\(path):4"), .init(id: "SG-2", origin: "\(path):6")])
        let resolved = try Self.select(["SG-4"], ordersFrom: path)
        #expect(resolved.selectedIDs == ["SG-2", "SG-4", "SG-5"], "--order and --orders-from name one set")
        #expect(resolved.selection.orderIDs == ["SG-4", "SG-2", "SG-5"], "the resolved selection keeps the file's ids, so a saved plan needs no file")

        try Data("# nothing ticked\n\n".utf8).write(to: URL(fileURLWithPath: path))
        let empty = #expect(throws: SelectionError.self) { try Self.select(ordersFrom: path) }
        #expect(empty?.description == "--orders-from '\(path)' names no order id (only blank lines and # comments); give one order id a line")
        let missing = #expect(throws: SelectionError.self) { try Self.select(ordersFrom: path + ".missing") }
        #expect(missing?.description == "cannot read --orders-from '\(path).missing'; give a text file with one order id a line")
    }

    @Test("a ticked id the file does not hold is named, with where it was ticked and a did-you-mean")
    func idNotInFile() throws {
        let error = #expect(throws: SelectionError.self) { try Self.select(["SG-1", "SG-7", "XX-99999"]) }
        #expect(error?.description == "order 'SG-7' (--order) is not in orders.jsonl; did you mean 'SG-1'?\norder 'XX-99999' (--order) is not in orders.jsonl")
        #expect(error?.kind == .notInFile(["SG-7", "XX-99999"]))
    }

    @Test("a selection no order matches says what each filter alone matches, with a did-you-mean for a store the file lacks")
    func noMatch() throws {
        let error = #expect(throws: SelectionError.self) { try Self.select(statuses: ["shipped"], stores: ["shopee-acme"]) }
        #expect(error?.description == "no order of orders.jsonl matches the selection (--status shipped, --store shopee-acme): of its 6 orders, --status shipped matches 1, --store shopee-acme matches 0; no order is in store 'shopee-acme' (did you mean 'shopee-acme-my'?)")
        #expect(error?.kind == .noMatch)
        let ticked = #expect(throws: SelectionError.self) { try Self.select(["SG-2"], from: "2025-09-11") }
        #expect(ticked?.description == "no order of orders.jsonl matches the selection (--order, --from 2025-09-11): of its 6 orders, 1 is ticked, --from 2025-09-11 matches 2")
    }

    @Test("malformed flags are usage errors naming the flag and the value", arguments: [
        (["--status", "complete"], "--status must be an order status (unpaid, paid, ready_to_ship, shipped, delivered, completed, cancelled, returned), found 'complete'; did you mean 'completed'?"),
        (["--status", "completed,bogus"], "--status must be an order status (unpaid, paid, ready_to_ship, shipped, delivered, completed, cancelled, returned), found 'bogus'"),
        (["--status", ","], "--status needs an order status (unpaid, paid, ready_to_ship, shipped, delivered, completed, cancelled, returned), found ','"),
        (["--from", "2025-9-1"], "--from must be a date like 2025-09-01 (YYYY-MM-DD, the order date in Malaysia time), found '2025-9-1'"),
        (["--to", "2025-02-30"], "--to must be a date like 2025-09-01 (YYYY-MM-DD, the order date in Malaysia time), found '2025-02-30'"),
        (["--from", "2025-09-20", "--to", "2025-09-10"], "--from 2025-09-20 is after --to 2025-09-10: no order date can be in that range"),
        (["--order", " "], "--order needs an order id, found ' '"),
        (["--store", ""], "--store needs a store id, found ''"),
    ])
    func usageErrors(flags: [String], message: String) throws {
        var value: [String: [String]] = [:]
        for index in stride(from: 0, to: flags.count, by: 2) { value[flags[index], default: []].append(flags[index + 1]) }
        let error = #expect(throws: SelectionError.self) {
            try OrderSelection(orders: value["--order"] ?? [], ordersFrom: nil, statuses: value["--status"] ?? [], stores: value["--store"] ?? [],
                               from: value["--from"]?.first, to: value["--to"]?.first)
        }
        #expect(error?.description == message)
        #expect(error?.kind == .usage)
    }

    @Test("the resolved selection reads back from its JSON (as a saved plan keeps it)")
    func jsonRoundTrip() throws {
        let resolved = try Self.select(["SG-1", "SG-2"], statuses: ["completed,shipped"], stores: ["shopee-acme-my"], from: "2025-09-01", to: "2025-09-30")
        let text = JSONWriter.compactString(resolved.json)
        #expect(text == #"{"orders":["SG-1","SG-2"],"orders_from":null,"statuses":["completed","shipped"],"stores":["shopee-acme-my"],"from":"2025-09-01","to":"2025-09-30","orders_in_file":6,"selected":["SG-1","SG-2"]}"#)
        #expect(ResolvedSelection(json: try JSONParser.parse(Array(text.utf8))) == resolved)
        #expect(ResolvedSelection(json: .object(["selected": .array([])])) == nil)
    }
}
