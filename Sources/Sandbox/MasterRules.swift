import Foundation
import LedgerCore
import LedgerJSON

/// The checks of a new stock item or customer (`POST /stockitem`, `POST /customer`), as SQL Account would make
/// them: a unique code, the required fields, every code it names an existing master, every text within its
/// column. The API doc documents neither body (§5 lists both resources; §11 gives the customer's fields as
/// clients post them; the stock item's come from a third-party registry, C1), so the field lists are inferred.
/// Unlike documents, a field the sandbox does not know is refused, so that a client sending a misspelt field
/// finds out here rather than by a master silently missing it.
enum MasterRules {
    /// Fields `POST /stockitem` takes (C1's stock item schema, plus what `GET /stockitem` returns).
    static let stockItemFields = [
        "dockey", "code", "description", "description2", "stockgroup", "stockcontrol", "costingmethod", "isactive",
        "sltax", "phtax", "tariff", "barcode", "refcost", "refprice", "remark1", "remark2", "defaultuom", "sdsuom",
    ] + serverFields
    /// What the server sets, accepted (a record read back and posted again carries them) and ignored.
    static let serverFields = ["updatecount", "lastmodified"]
    /// Fields of one `sdsuom` row.
    static let stockItemUOMFields = ["dtlkey", "uom", "rate", "isbase", "refcost", "refprice"]

    /// Fields `POST /customer` takes: the official sample's shape as C2 reproduces it (API doc §11), the ones the
    /// sandbox cannot use left out.
    static let customerFields = [
        "dockey", "code", "controlaccount", "companyname", "companyname2", "companycategory", "area", "agent",
        "biznature", "creditterm", "creditlimit", "overduelimit", "statementtype", "currencycode", "allowexceedcreditlimit",
        "addpdctocrlimit", "agingon", "pricetag", "creationdate", "tax", "taxexemptno", "taxexpdate", "brn", "brn2",
        "gstno", "salestaxno", "servicetaxno", "tin", "idtype", "idno", "tourismno", "sic", "submissiontype",
        "irbm_classification", "peppolid", "businessunit", "taxarea", "remark", "note", "status", "sdsbranch",
    ] + serverFields
    /// Fields of one `sdsbranch` row (API doc §11).
    static let branchFields = [
        "dtlkey", "code", "branchtype", "branchname", "address1", "address2", "address3", "address4", "postcode", "city",
        "state", "country", "geocoordinate", "attention", "phone1", "phone2", "mobile", "fax1", "fax2", "email",
    ]

    /// SQL Account's default control account for customers (Trade Debtors), used when none is sent.
    static let defaultControlAccount = "300-000"

    /// A field outside `known`: refused, with the closest known name.
    static func checkFields(_ object: JSONObject, known: [String], context: String) throws {
        for (key, _) in object.entries where !known.contains(key) {
            let suggestion = Suggest.closest(to: key, in: known).map { "; did you mean '\($0)'?" } ?? ""
            throw APIError.badRequest("Unknown field '\(key)' in \(context)\(suggestion)")
        }
    }

    /// A required code: present, not blank, trimmed.
    static func requiredCode(_ object: JSONObject, _ field: String, what: String) throws -> String {
        guard let code = try Fields.text(object[field], field)?.trimmingSpaces, !code.isEmpty else {
            throw APIError.badRequest("\(what) is required (\(field))")
        }
        return code
    }

    /// `dockey` may be sent as 0, -1 or null on a create (as documents' are); any other value names a record.
    static func checkNewDockey(_ object: JSONObject) throws {
        guard let dockey = try Fields.int(object["dockey"], "dockey") else { return }
        guard dockey <= 0 else { throw APIError.badRequest("dockey \(dockey) cannot be given to a new record; send 0 or leave it out") }
    }

    /// `duplicate code 'X': violation of PRIMARY or UNIQUE KEY constraint …` — the Firebird wording, as for docno.
    static func duplicate(_ code: String, table: String) -> APIError {
        APIError.badRequest("duplicate code '\(code)': violation of PRIMARY or UNIQUE KEY constraint \"UNQ_\(table)_CODE\" on table \"\(table)\" (the code already exists)")
    }

    // MARK: stock item

    /// Validates a new stock item against `masters` and builds the record to save (with `dockey` and `sdsuom`
    /// `dtlkey`s); `nextDtlkey` hands out the UOM rows' keys.
    static func newStockItem(_ body: JSONObject, masters: Masters, dockey: Int, nextDtlkey: inout Int, now: Date) throws -> JSONObject {
        try checkFields(body, known: stockItemFields, context: "a stock item")
        try checkNewDockey(body)
        let code = try requiredCode(body, "code", what: "Item code")
        guard masters.items[code] == nil else { throw duplicate(code, table: "ST_ITEM") }
        guard let description = try Fields.text(body["description"], "description")?.trimmingSpaces, !description.isEmpty else {
            throw APIError.badRequest("Description is required (description) for stock item '\(code)'")
        }
        var record = JSONObject()
        record.append("dockey", .int(dockey))
        record.append("code", .string(code))
        record.append("description", .string(description))
        if let second = try Fields.text(body["description2"], "description2") { record.append("description2", .string(second)) }

        let group = try Fields.text(body["stockgroup"], "stockgroup")?.trimmingSpaces ?? ""
        if !group.isEmpty {
            guard masters.stockGroups.contains(group) else { throw APIError.noRecord("stockgroup", group) }
            record.append("stockgroup", .string(group))
        }
        for field in ["sltax", "phtax"] {
            let tax = try Fields.text(body[field], field)?.trimmingSpaces ?? ""
            if tax.isEmpty { continue }
            guard masters.taxCodes[tax] != nil else { throw APIError.noRecord(field, tax) }
            record.append(field, .string(tax))
        }
        record.append("stockcontrol", .bool(try Fields.bool(body["stockcontrol"], "stockcontrol") ?? true))
        record.append("isactive", .bool(try Fields.bool(body["isactive"], "isactive") ?? true))
        if let method = try Fields.int(body["costingmethod"], "costingmethod") { record.append("costingmethod", .int(method)) }
        for field in ["tariff", "barcode", "remark1", "remark2"] {
            if let text = try Fields.text(body[field], field), !text.isEmpty { record.append(field, .string(text)) }
        }
        for field in ["refcost", "refprice"] {
            if let value = try Fields.decimal(body[field], field) { record.append(field, .string(value.apiText)) }
        }

        // UOMs: as sent, or UNIT (SQL's own default) when none are. One base UOM (rate 1): the one flagged
        // isbase, else the first.
        var rows: [JSONObject] = []
        var seen: Set<String> = []
        if let sent = body["sdsuom"], !sent.isNull {
            guard let array = sent.arrayValue else { throw APIError.badRequest("sdsuom must be an array, not \(sent.typeName)") }
            for (index, value) in array.enumerated() {
                let context = "sdsuom row \(index + 1)"
                guard let row = value.objectValue else { throw APIError.badRequest("\(context) must be an object, not \(value.typeName)") }
                try checkFields(row, known: stockItemUOMFields, context: context)
                let uom = try requiredCode(row, "uom", what: "UOM of \(context)")
                guard seen.insert(uom).inserted else { throw APIError.badRequest("UOM '\(uom)' appears twice in sdsuom") }
                try ColumnLengths.check(uom, FieldLimits.stockItemUOM, context: " (\(context))")
                let rate = try Fields.decimal(row["rate"], "\(context) rate") ?? FixedDecimal(units: 1, scale: 0)
                guard rate.units > 0 else { throw APIError.badRequest("\(context) rate \(rate) must be positive") }
                var saved: JSONObject = ["uom": .string(uom), "rate": .string(rate.description)]
                saved.append("isbase", .bool(try Fields.bool(row["isbase"], "\(context) isbase") ?? false))
                for field in ["refcost", "refprice"] {
                    if let price = try Fields.decimal(row[field], "\(context) \(field)") { saved.append(field, .string(price.apiText)) }
                }
                rows.append(saved)
            }
        }
        if rows.isEmpty { rows = [["uom": .string("UNIT"), "rate": .string("1"), "isbase": .bool(true)]] }
        let flagged = rows.indices.filter { rows[$0]["isbase"]?.boolValue == true }
        guard flagged.count <= 1 else { throw APIError.badRequest("sdsuom has \(flagged.count) base UOMs (isbase); an item has one") }
        let base = flagged.first ?? 0
        if let rate = rows[base]["rate"]?.stringValue.flatMap({ FixedDecimal(parsing: $0, maxScale: 6) }), rate.scaled(to: 6) != 1_000_000 {
            throw APIError.badRequest("the base UOM '\(rows[base]["uom"]?.stringValue ?? "")' must have rate 1, not \(rate)")
        }
        for index in rows.indices { rows[index]["isbase"] = .bool(index == base) }
        let baseUOM = rows[base]["uom"]?.stringValue ?? "UNIT"
        let defaultUOM = try Fields.text(body["defaultuom"], "defaultuom")?.trimmingSpaces ?? ""
        if !defaultUOM.isEmpty, !rows.contains(where: { $0["uom"]?.stringValue == defaultUOM }) {
            throw APIError.badRequest("defaultuom '\(defaultUOM)' is not one of the item's UOMs (\(rows.compactMap { $0["uom"]?.stringValue }.joined(separator: ", ")))")
        }
        record.append("defaultuom", .string(defaultUOM.isEmpty ? baseUOM : defaultUOM))
        try ColumnLengths.check(record, FieldLimits.stockItem)
        record.append("updatecount", .int(0))
        record.append("lastmodified", .int(Int(now.timeIntervalSince1970)))
        record.append("sdsuom", .array(rows.map { row in
            var keyed: JSONObject = ["dtlkey": .int(nextDtlkey)]
            nextDtlkey += 1
            for (key, value) in row.entries { keyed.append(key, value) }
            return .object(keyed)
        }))
        return record
    }

    // MARK: customer

    /// Validates a new customer against `masters` and builds the record to save.
    static func newCustomer(_ body: JSONObject, masters: Masters, dockey: Int, nextDtlkey: inout Int, now: Date) throws -> JSONObject {
        try checkFields(body, known: customerFields, context: "a customer")
        try checkNewDockey(body)
        let code = try requiredCode(body, "code", what: "Customer code")
        guard masters.customers[code] == nil else { throw duplicate(code, table: "AR_CUSTOMER") }
        guard let name = try Fields.text(body["companyname"], "companyname")?.trimmingSpaces, !name.isEmpty else {
            throw APIError.badRequest("Company name is required (companyname) for customer '\(code)'")
        }
        var record = JSONObject()
        record.append("dockey", .int(dockey))
        record.append("code", .string(code))
        let control = try Fields.text(body["controlaccount"], "controlaccount")?.trimmingSpaces ?? ""
        if !control.isEmpty, !masters.accounts.contains(control) { throw APIError.noRecord("controlaccount", control) }
        record.append("controlaccount", .string(control.isEmpty ? defaultControlAccount : control))
        record.append("companyname", .string(name))

        let currency = try Fields.text(body["currencycode"], "currencycode")?.trimmingSpaces ?? ""
        guard Masters.isNone(currency) || masters.currencies[currency] != nil else { throw APIError.noRecord("currencycode", currency) }
        record.append("currencycode", .string(Masters.isNone(currency) ? "----" : currency))
        let term = try Fields.text(body["creditterm"], "creditterm")?.trimmingSpaces ?? ""
        if !Masters.isNone(term) {
            guard masters.terms.contains(term) else { throw APIError.noRecord("creditterm", term) }
            record.append("creditterm", .string(term))
        }
        for (field, codes) in [("area", masters.areas), ("agent", masters.agents)] {
            let value = try Fields.text(body[field], field)?.trimmingSpaces ?? ""
            if Masters.isNone(value) { continue }
            guard codes.contains(value) else { throw APIError.noRecord(field, value) }
            record.append(field, .string(value))
        }
        let tax = try Fields.text(body["tax"], "tax")?.trimmingSpaces ?? ""
        if !tax.isEmpty {
            guard masters.taxCodes[tax] != nil else { throw APIError.noRecord("tax", tax) }
            record.append("tax", .string(tax))
        }
        for field in ["creditlimit", "overduelimit"] {
            if let amount = try Fields.money(body[field], field) { record.append(field, .string(amount.description)) }
        }
        for field in ["creationdate", "taxexpdate"] {
            if let date = try Fields.date(body[field], field) { record.append(field, .string(date)) }
        }
        for field in ["allowexceedcreditlimit", "addpdctocrlimit"] {
            if let flag = try Fields.bool(body[field], field) { record.append(field, .bool(flag)) }
        }
        for field in ["idtype", "submissiontype"] {
            if let number = try Fields.int(body[field], field) { record.append(field, .int(number)) }
        }
        let handled: Set<String> = ["dockey", "code", "controlaccount", "companyname", "currencycode", "creditterm", "area", "agent", "tax",
                                    "creditlimit", "overduelimit", "creationdate", "taxexpdate", "allowexceedcreditlimit", "addpdctocrlimit",
                                    "idtype", "submissiontype", "status", "sdsbranch", "updatecount", "lastmodified"]
        for (field, value) in body.entries where !handled.contains(field) {
            if let text = try Fields.text(value, field), !text.isEmpty { record.append(field, .string(text)) }
        }
        record.append("status", .string(try Fields.text(body["status"], "status").flatMap { $0.isEmpty ? nil : $0 } ?? "A"))
        try ColumnLengths.check(record, FieldLimits.customer)
        record.append("updatecount", .int(0))
        record.append("lastmodified", .int(Int(now.timeIntervalSince1970)))

        // Branches: as sent, or one billing branch (what SQL Account makes for a new customer).
        var branches: [JSONValue] = []
        if let sent = body["sdsbranch"], !sent.isNull {
            guard let array = sent.arrayValue else { throw APIError.badRequest("sdsbranch must be an array, not \(sent.typeName)") }
            for (index, value) in array.enumerated() {
                let context = "sdsbranch row \(index + 1)"
                guard let row = value.objectValue else { throw APIError.badRequest("\(context) must be an object, not \(value.typeName)") }
                try checkFields(row, known: branchFields, context: context)
                var saved: JSONObject = ["dtlkey": .int(nextDtlkey), "code": .string(code)]
                nextDtlkey += 1
                for (key, field) in row.entries where key != "dtlkey" && key != "code" {
                    guard let text = try Fields.text(field, "\(context) \(key)") else { continue }
                    saved.append(key, .string(text))
                }
                if saved["branchtype"] == nil { saved.append("branchtype", .string("B")) }
                branches.append(.object(saved))
            }
        }
        if branches.isEmpty {
            branches = [.object(["dtlkey": .int(nextDtlkey), "code": .string(code), "branchtype": .string("B"), "branchname": .string("BILLING")])]
            nextDtlkey += 1
        }
        record.append("sdsbranch", .array(branches))
        return record
    }
}
