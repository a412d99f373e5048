import Foundation
import LedgerCore
import LedgerJSON

/// The orders of a file that `plan` and `apply` take — the merchant's ticks — instead of every order in it:
/// `--order ID` (repeatable) and `--orders-from FILE` name ids (together one set), `--status`, `--store`,
/// `--from` and `--to` filter; everything given must hold (AND). The other orders of the file are not read
/// into the state store, planned or synced.
///
/// Made in two steps: `init` checks what was typed (a usage error before anything runs), `resolve` reads the
/// orders file once and fixes the selected ids, refusing a ticked id the file does not hold (with a did-you-mean)
/// and a selection no order matches. The resolved ids then filter the file for the real pass (`filter`), and a
/// saved plan keeps them, so `apply PLAN` takes exactly the orders `plan` showed.
public struct OrderSelection: Sendable, Equatable {
    /// A ticked order id and where it was named: `--order`, or `FILE:LINE` of `--orders-from`.
    public struct NamedOrder: Sendable, Equatable {
        public var id: String
        public var origin: String

        public init(id: String, origin: String) {
            self.id = id
            self.origin = origin
        }
    }

    /// Order dates are compared in Malaysia time (UTC+8 all year).
    public static let utcOffsetSeconds = 8 * 3600

    /// Ids from `--order`, each once, in the order given.
    public var orderIDs: [String]
    /// `--orders-from FILE`: read by `resolve` (or `namedOrders()`), one id a line.
    public var ordersFrom: String?
    public var statuses: [OrderStatus]
    public var stores: [String]
    /// Inclusive bounds on the ordered date in Malaysia time.
    public var from: CalendarDate?
    public var to: CalendarDate?

    public init(orderIDs: [String] = [], ordersFrom: String? = nil, statuses: [OrderStatus] = [], stores: [String] = [],
                from: CalendarDate? = nil, to: CalendarDate? = nil) {
        var seen: Set<String> = []
        self.orderIDs = orderIDs.filter { seen.insert($0).inserted }
        self.ordersFrom = ordersFrom
        var seenStatus: Set<OrderStatus> = []
        self.statuses = statuses.filter { seenStatus.insert($0).inserted }
        var seenStore: Set<String> = []
        self.stores = stores.filter { seenStore.insert($0).inserted }
        self.from = from
        self.to = to
    }

    /// The flags as typed: `--status` values may be comma lists; dates are `YYYY-MM-DD`. Throws a
    /// `SelectionError` naming the flag and the value for anything malformed (a usage error).
    public init(orders: [String], ordersFrom: String?, statuses: [String], stores: [String], from: String?, to: String?) throws {
        var ids: [String] = []
        for order in orders {
            let id = order.trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw SelectionError("--order needs an order id, found '\(order)'") }
            ids.append(id)
        }
        if let ordersFrom, ordersFrom.isEmpty { throw SelectionError("--orders-from needs a file of order ids, one a line") }
        var parsedStores: [String] = []
        for store in stores {
            let name = store.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw SelectionError("--store needs a store id, found '\(store)'") }
            parsedStores.append(name)
        }
        let fromDate = try from.map { try Self.parseDate($0, flag: "--from") }
        let toDate = try to.map { try Self.parseDate($0, flag: "--to") }
        if let fromDate, let toDate, fromDate > toDate {
            throw SelectionError("--from \(fromDate) is after --to \(toDate): no order date can be in that range")
        }
        self.init(orderIDs: ids, ordersFrom: ordersFrom, statuses: try Self.parseStatuses(statuses), stores: parsedStores, from: fromDate, to: toDate)
    }

    /// `--status` values, each one status or a comma list of them.
    public static func parseStatuses(_ values: [String]) throws -> [OrderStatus] {
        var statuses: [OrderStatus] = []
        let known = OrderStatus.allCases.map(\.rawValue)
        for value in values {
            let parts = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !parts.isEmpty else { throw SelectionError("--status needs an order status (\(known.joined(separator: ", "))), found '\(value)'") }
            for part in parts {
                guard let status = OrderStatus(rawValue: part) else {
                    var message = "--status must be an order status (\(known.joined(separator: ", "))), found '\(part)'"
                    if let guess = Suggest.closest(to: part, in: known) { message += "; did you mean '\(guess)'?" }
                    throw SelectionError(message)
                }
                statuses.append(status)
            }
        }
        return statuses
    }

    public static func parseDate(_ text: String, flag: String) throws -> CalendarDate {
        guard let date = CalendarDate(parsing: text) else {
            throw SelectionError("\(flag) must be a date like 2025-09-01 (YYYY-MM-DD, the order date in Malaysia time), found '\(text)'")
        }
        return date
    }

    /// Nothing selects: every order of the file is taken, as without these flags.
    public var isEmpty: Bool { orderIDs.isEmpty && ordersFrom == nil && statuses.isEmpty && stores.isEmpty && from == nil && to == nil }

    /// The flags that made it, for summaries: `--order, --status completed, --store shopee-acme-my, --from 2025-09-10`.
    public var label: String {
        var parts: [String] = []
        if !orderIDs.isEmpty { parts.append("--order") }
        if let ordersFrom { parts.append("--orders-from \(ordersFrom)") }
        if !statuses.isEmpty { parts.append("--status \(statuses.map(\.rawValue).joined(separator: ","))") }
        if !stores.isEmpty { parts.append("--store \(stores.joined(separator: ","))") }
        if let from { parts.append("--from \(from)") }
        if let to { parts.append("--to \(to)") }
        return parts.joined(separator: ", ")
    }

    /// The ids `--order` and `--orders-from` name, each once (the first place it was named is kept).
    public func namedOrders() throws -> [NamedOrder] {
        var named = orderIDs.map { NamedOrder(id: $0, origin: "--order") }
        if let ordersFrom { named += try Self.readIDs(ordersFrom) }
        var seen: Set<String> = []
        return named.filter { seen.insert($0.id).inserted }
    }

    /// An `--orders-from` file: one order id a line; blank lines, `#` comment lines and ` # …` after an id ignored.
    public static func readIDs(_ path: String) throws -> [NamedOrder] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SelectionError("cannot read --orders-from '\(path)'; give a text file with one order id a line")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var ids: [NamedOrder] = []
        // Character-wise, so a CRLF file's "\r\n" (one Character) ends a line too.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = rawLine
            if let comment = line.firstIndex(of: "#"), comment == line.startIndex || line[line.index(before: comment)].isWhitespace {
                line = line[..<comment]
            }
            let id = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { ids.append(NamedOrder(id: id, origin: "\(path):\(index + 1)")) }
        }
        if ids.isEmpty {
            throw SelectionError("--orders-from '\(path)' names no order id (only blank lines and # comments); give one order id a line")
        }
        return ids
    }

    /// Whether a readable order passes every filter given (the id set included).
    public func matches(_ order: Order, named: Set<String>) -> Bool {
        if !named.isEmpty && !named.contains(order.id) { return false }
        if !statuses.isEmpty && !statuses.contains(order.status) { return false }
        if !stores.isEmpty && !stores.contains(order.store) { return false }
        return matchesDates(order)
    }

    func matchesDates(_ order: Order) -> Bool {
        guard from != nil || to != nil else { return true }
        let date = order.dates.ordered.localDate(utcOffsetSeconds: Self.utcOffsetSeconds)
        if let from, date < from { return false }
        if let to, date > to { return false }
        return true
    }

    /// Reads `source` (the whole orders file, named `ordersPath` in messages) once and fixes which orders are
    /// selected. A record that cannot be read is selected only when its id is ticked, since its status, store
    /// and date are unknown; it then fails as unreadable. Throws a `SelectionError` when a ticked id is not in
    /// the file (each named, with where it was ticked and a did-you-mean) or when no order is selected.
    public func resolve(_ source: OrderSource, ordersPath: String) throws -> ResolvedSelection {
        let named = try namedOrders()
        let namedIDs = Set(named.map(\.id))
        var fileIDs: [String] = []
        var seen: Set<String> = []
        var selected: [String] = []
        var selectedSet: Set<String> = []
        var found: Set<String> = []
        // How many of the file's orders each filter alone lets through, for the message when none is selected.
        var statusCount = 0, storeCount = 0, dateCount = 0
        var storesInFile: Set<String> = []
        try source.forEach { record in
            let id: String
            var select = false
            switch record.result {
            case .success(let order):
                id = order.id
                select = matches(order, named: namedIDs)
                if !seen.contains(id) {
                    storesInFile.insert(order.store)
                    if statuses.contains(order.status) { statusCount += 1 }
                    if stores.contains(order.store) { storeCount += 1 }
                    if matchesDates(order) { dateCount += 1 }
                }
            case .failure(let failure):
                id = failure.orderID
                select = namedIDs.contains(id)
            }
            if seen.insert(id).inserted { fileIDs.append(id) }
            if namedIDs.contains(id) { found.insert(id) }
            if select && selectedSet.insert(id).inserted { selected.append(id) }
        }
        let missing = named.filter { !found.contains($0.id) }
        if !missing.isEmpty {
            let lines = missing.map { order -> String in
                var line = "order '\(order.id)' (\(order.origin)) is not in \(ordersPath)"
                if let guess = Suggest.closest(to: order.id, in: fileIDs) { line += "; did you mean '\(guess)'?" }
                return line
            }
            throw SelectionError(lines.joined(separator: "\n"), kind: .notInFile(missing.map(\.id)))
        }
        guard !selected.isEmpty else {
            var parts: [String] = []
            if !named.isEmpty { parts.append("\(named.count) \(named.count == 1 ? "is" : "are") ticked") }
            if !statuses.isEmpty { parts.append("--status \(statuses.map(\.rawValue).joined(separator: ",")) matches \(statusCount)") }
            if !stores.isEmpty {
                var part = "--store \(stores.joined(separator: ",")) matches \(storeCount)"
                let unknown = stores.filter { !storesInFile.contains($0) }
                for store in unknown {
                    part += "; no order is in store '\(store)'"
                    if let guess = Suggest.closest(to: store, in: storesInFile.sorted()) { part += " (did you mean '\(guess)'?)" }
                }
                parts.append(part)
            }
            if from != nil || to != nil {
                parts.append([from.map { "--from \($0)" }, to.map { "--to \($0)" }].compactMap { $0 }.joined(separator: " ") + " matches \(dateCount)")
            }
            let detail = parts.isEmpty ? "" : ": of its \(fileIDs.count) orders, " + parts.joined(separator: ", ")
            throw SelectionError("no order of \(ordersPath) matches the selection (\(label))\(detail)", kind: .noMatch)
        }
        var resolved = self
        resolved.orderIDs = named.map(\.id)
        return ResolvedSelection(selection: resolved, selectedIDs: selected, fileOrders: fileIDs.count)
    }
}

/// A selection fixed against one orders file: the ids it takes, in file order, and how many orders the file holds.
/// `selection.orderIDs` holds every ticked id (those of `--orders-from` too), so it no longer needs that file.
public struct ResolvedSelection: Sendable, Equatable {
    public var selection: OrderSelection
    public var selectedIDs: [String]
    /// Distinct order ids in the file (unreadable records included).
    public var fileOrders: Int

    public init(selection: OrderSelection, selectedIDs: [String], fileOrders: Int) {
        self.selection = selection
        self.selectedIDs = selectedIDs
        self.fileOrders = fileOrders
    }

    public var selectedSet: Set<String> { Set(selectedIDs) }

    /// `3 of 68 orders selected (--order)`.
    public var summary: String {
        "\(selectedIDs.count) of \(fileOrders) order\(fileOrders == 1 ? "" : "s") selected (\(selection.label))"
    }

    /// How many orders of the file are not selected.
    public var notSelected: Int { max(0, fileOrders - selectedIDs.count) }

    /// `source` with only the selected orders' records (readable or not): the caller never sees the others.
    public func filter(_ source: OrderSource) -> OrderSource {
        let keep = selectedSet
        // The display path is for read errors of a file reader; this one only passes `source`'s records (and errors) on.
        return OrderSource(displayPath: "") {
            while let record = try source.next() {
                let id: String
                switch record.result {
                case .success(let order): id = order.id
                case .failure(let failure): id = failure.orderID
                }
                if keep.contains(id) { return record }
            }
            return nil
        }
    }

    /// As `plan --format json`, `apply --format json` and a saved plan carry it.
    public var json: JSONValue {
        var object = JSONObject()
        object.append("orders", .array(selection.orderIDs.map { .string($0) }))
        object.append("orders_from", selection.ordersFrom.map { .string($0) } ?? .null)
        object.append("statuses", .array(selection.statuses.map { .string($0.rawValue) }))
        object.append("stores", .array(selection.stores.map { .string($0) }))
        object.append("from", selection.from.map { .string($0.description) } ?? .null)
        object.append("to", selection.to.map { .string($0.description) } ?? .null)
        object.append("orders_in_file", .int(fileOrders))
        object.append("selected", .array(selectedIDs.map { .string($0) }))
        return .object(object)
    }

    /// Reads `json` back; nil when it is not a selection.
    public init?(json value: JSONValue) {
        guard let object = value.objectValue, let ids = object["selected"]?.arrayValue,
              case .number(let count)? = object["orders_in_file"], let fileOrders = Int(count) else { return nil }
        let strings = { (key: String) -> [String] in (object[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        let statuses = strings("statuses").compactMap(OrderStatus.init(rawValue:))
        let selection = OrderSelection(orderIDs: strings("orders"), ordersFrom: object["orders_from"]?.stringValue, statuses: statuses,
                                       stores: strings("stores"), from: object["from"]?.stringValue.flatMap(CalendarDate.init(parsing:)),
                                       to: object["to"]?.stringValue.flatMap(CalendarDate.init(parsing:)))
        self.init(selection: selection, selectedIDs: ids.compactMap(\.stringValue), fileOrders: fileOrders)
    }
}

/// A selection that cannot be made: a malformed flag (before anything runs), a ticked id not in the file, or
/// nothing selected. The message names the flag or id and what to do.
public struct SelectionError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case usage
        case notInFile([String])
        case noMatch
    }

    public var description: String
    public var kind: Kind

    public init(_ description: String, kind: Kind = .usage) {
        self.description = description
        self.kind = kind
    }
}
