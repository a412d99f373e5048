import Foundation
import Testing
import TestSupport

/// `orders list|show|export` and `tasks list|show` over a state store filled by a real `apply` into the embedded sandbox.
@Suite("ledgersync orders and tasks views")
struct ViewsCLITests {
    /// One apply of the September orders (51 synced, 17 excluded), shared by the read-only tests below.
    static let september: (state: String, apply: CLI.Result?) = {
        let state = temporaryFolder("views") + "/state.sqlite"
        let result = try? CLI.run(["apply"] + Args.acme + Args.september + Args.asOf + ["--sandbox", "--state", state])
        return (state, result)
    }()

    /// The September state store, or a test failure saying why apply did not fill it.
    static func septemberState(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let result = try #require(september.apply, "apply could not be run", sourceLocation: sourceLocation)
        try #require(result.status == 0, "apply failed\n\(result.transcript)", sourceLocation: sourceLocation)
        return ["--state", september.state]
    }

    static func temporaryFolder(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "ledgersync-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The table rows of `orders list` (no header, no count line).
    static func rows(_ stdout: String) -> [[String]] {
        let lines = stdout.split(separator: "\n").dropFirst().dropLast()
        return lines.map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    }

    // MARK: orders list

    @Test("orders list: one row per order, completed ones with their SQL invoice number, and a count line")
    func list() throws {
        let state = try Self.septemberState()
        let result = try CLI.run(["orders", "list"] + state)
        #expect(result.status == 0, "\(result.transcript)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ORDER ") == true, "\(result.transcript)")
        #expect(lines.last == "68 orders: 51 completed, 17 excluded", "\(result.transcript)")
        let rows = Self.rows(result.stdout)
        #expect(rows.count == 68)

        let json = try JSON.object(try CLI.run(["orders", "list", "--format", "json"] + state).stdout, "orders list --format json")
        #expect(json["format_version"] as? Int == 1)
        let orders = try #require(json["orders"] as? [[String: Any]])
        #expect(orders.count == 68)
        let completed = orders.filter { $0["status"] as? String == "completed" }
        #expect(completed.count == 51)
        for order in completed {
            let id = try #require(order["order_id"] as? String)
            let docno = try #require(order["sql_docno"] as? String, "\(id) is completed without a docno")
            let row = try #require(rows.first { $0.first == id })
            #expect(Array(row[1...3]) == [order["store"] as? String ?? "", "completed", docno], "row of \(id): \(row)")
        }
        // POS orders take the pack's custom numbering (PJ- from 001201); the others their platform's order number.
        #expect(rows.contains { $0.first == "SG-1000116" && $0[3] == "PJ-001201" }, "\(result.transcript)")
        #expect(rows.contains { $0.first == "SG-1000101" && $0[3] == "2509014EAM4Y3J" && $0[4] == "1" }, "\(result.transcript)")
    }

    @Test("orders list --status excluded lists exactly the 17 excluded orders with their reasons")
    func listExcluded() throws {
        let state = try Self.septemberState()
        let result = try CLI.run(["orders", "list", "--status", "excluded"] + state)
        #expect(result.status == 0, "\(result.transcript)")
        let rows = Self.rows(result.stdout)
        #expect(rows.count == 17)
        #expect(rows.allSatisfy { $0[2] == "excluded" && $0[3] == "-" }, "\(result.transcript)")
        #expect(result.stdout.hasSuffix("17 orders: 17 excluded\n"), "\(result.transcript)")
        #expect(rows.contains { $0.first == "SG-1000113" && $0.dropFirst(5).joined(separator: " ") == "status 'returned' is not in sync_statuses" }, "\(result.transcript)")
        #expect(result.stdout.contains("store 'lazada-oldbrand-my' is not in profile.stores"), "\(result.transcript)")
    }

    @Test("orders list refuses an unknown status or store with a suggestion, exit 1")
    func listTypos() throws {
        let state = try Self.septemberState()
        let status = try CLI.run(["orders", "list", "--status", "exclded"] + state)
        #expect(status.status == 1)
        #expect(status.stderr.contains("did you mean 'excluded'?"), "\(status.transcript)")
        let store = try CLI.run(["orders", "list", "--store", "shoppe-acme-my"] + state)
        #expect(store.status == 1)
        #expect(store.stderr.contains("did you mean 'shopee-acme-my'?"), "\(store.transcript)")
        let filtered = try CLI.run(["orders", "list", "--store", "pos-acme-pj", "--task", "1"] + state)
        #expect(filtered.status == 0, "\(filtered.transcript)")
        #expect(Self.rows(filtered.stdout).allSatisfy { $0[1] == "pos-acme-pj" && $0[3].hasPrefix("PJ-") }, "\(filtered.transcript)")
    }

    // MARK: orders show

    @Test("orders show: the payload with its docref1 and the POST that created the invoice")
    func show() throws {
        let state = try Self.septemberState()
        let result = try CLI.run(["orders", "show", "SG-1000101"] + state)
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.hasPrefix("order SG-1000101 (order number 2509014EAM4Y3J)\n"), "\(result.transcript)")
        #expect(result.stdout.contains("status:       completed"), "\(result.transcript)")
        #expect(result.stdout.contains("SQL invoice:  2509014EAM4Y3J (dockey "), "\(result.transcript)")
        #expect(result.stdout.contains("\"docref1\": \"LS-SG-1000101\""), "\(result.transcript)")
        #expect(result.stdout.contains("POST /salesinvoice\n"), "\(result.transcript)")
        #expect(result.stdout.contains("response:  200 dockey="), "\(result.transcript)")
        #expect(result.stdout.contains("outcome:   created"), "\(result.transcript)")

        let json = try JSON.object(try CLI.run(["orders", "show", "SG-1000101", "--format", "json"] + state).stdout, "orders show --format json")
        let documents = try #require(json["documents"] as? [[String: Any]])
        let document = try #require(documents.first)
        #expect(document["state"] as? String == "created")
        #expect((document["payload"] as? [String: Any])?["docref1"] as? String == document["docref1"] as? String)
        let attempt = try #require((document["attempts"] as? [[String: Any]])?.first)
        #expect(attempt["request_method"] as? String == "POST")
        #expect(attempt["response_status"] as? Int == 200)
        #expect(attempt["outcome"] as? String == "created")
    }

    @Test("orders show of an excluded order gives the reason")
    func showExcluded() throws {
        let result = try CLI.run(["orders", "show", "SG-1000114"] + (try Self.septemberState()))
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("excluded:     TikTok sample order"), "\(result.transcript)")
    }

    @Test("orders show of an unknown id exits 1, naming it, with a did-you-mean")
    func showUnknown() throws {
        let result = try CLI.run(["orders", "show", "sg-1000101x"] + (try Self.septemberState()))
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.contains("order 'sg-1000101x' is not in the state store"), "\(result.transcript)")
        #expect(result.stderr.contains("did you mean 'SG-1000101'?"), "\(result.transcript)")
        #expect(result.stdout.isEmpty)
    }

    // MARK: orders export

    @Test("orders export --format csv --out writes a header and 68 rows whose sql_docno matches orders list")
    func exportCSV() throws {
        let state = try Self.septemberState()
        let folder = Self.temporaryFolder("export")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/orders.csv"
        let result = try CLI.run(["orders", "export", "--format", "csv", "--out", file] + state)
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("wrote 68 orders to \(file)"), "\(result.transcript)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["orders.csv"], "the temporary file was left behind")
        let records = try CSV.parse(String(contentsOfFile: file, encoding: .utf8))
        #expect(records.first == ["order_id", "order_number", "store", "channel", "status", "sql_docno", "sql_dockey", "task_id", "error", "updated_at"])
        #expect(records.count == 69)

        let listed = try JSON.object(try CLI.run(["orders", "list", "--format", "json"] + state).stdout, "orders list --format json")
        let orders = try #require(listed["orders"] as? [[String: Any]])
        var docnos: [String: String] = [:]
        for order in orders { docnos[order["order_id"] as? String ?? ""] = order["sql_docno"] as? String ?? "" }
        for record in records.dropFirst() {
            #expect(record.count == 10)
            #expect(docnos[record[0]] == record[5], "sql_docno of \(record[0])")
        }
        #expect(records.contains { $0[0] == "SG-1000113" && $0[4] == "excluded" && $0[8] == "status 'returned' is not in sync_statuses" })

        // The same to stdout as JSON: an array of objects with the same keys.
        let json = try CLI.run(["orders", "export", "--format", "json", "--status", "completed"] + state)
        #expect(json.status == 0, "\(json.transcript)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 51)
        #expect(Set(array.first?.keys.map { $0 } ?? []) == Set(records[0]))
    }

    @Test("a failed order: export quotes fields with commas and quotes and defuses formulas; tasks show gives the error and the retry hint")
    func failedOrder() throws {
        let folder = Self.temporaryFolder("failed")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The first September order as SGD (its customer bills in MYR: SQL Account refuses it), numbered like a formula.
        let september = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        let first = try #require(september.split(separator: "\n").first.map(String.init))
        let order = first.replacingOccurrences(of: "SG-1000101", with: "SG-FAIL-1")
            .replacingOccurrences(of: "\"MYR\"", with: "\"SGD\"")
            .replacingOccurrences(of: "\"order_number\":\"2509014EAM4Y3J\"", with: #""order_number":"=SUM(1,\"x\")""#)
        try (order + "\n").write(toFile: folder + "/orders.jsonl", atomically: true, encoding: .utf8)
        let state = ["--state", folder + "/state.sqlite"]
        let apply = try CLI.run(["apply"] + Args.acme + ["--orders", folder + "/orders.jsonl"] + Args.asOf + ["--sandbox"] + state)
        #expect(apply.status == 1, "\(apply.transcript)")

        let csv = try CLI.run(["orders", "export"] + state)
        #expect(csv.status == 0, "\(csv.transcript)")
        let lines = csv.stdout.components(separatedBy: "\r\n")
        #expect(lines.count == 3 && lines[2].isEmpty, "\(csv.transcript)")
        #expect(lines[1].hasPrefix(#"SG-FAIL-1,"'=SUM(1,""x"")",shopee-acme-my,shopee,failed,,,1,"SQL Account refused the request (HTTP 400: currencycode 'SGD'"#), "\(csv.transcript)")
        let records = try CSV.parse(csv.stdout)
        #expect(records.count == 2)
        #expect(records[1][1] == "'=SUM(1,\"x\")")
        #expect(records[1][8].contains("(customer, item, UOM, account, tax or project codes must exist in SQL Account)"))

        let list = try CLI.run(["orders", "list", "--status", "failed"] + state)
        #expect(list.stdout.contains("SG-FAIL-1  shopee-acme-my  failed  -               1  SQL Account refused the request (HTTP 400: currencycode 'SG…\n"), "\(list.transcript)")

        let task = try CLI.run(["tasks", "show", "1"] + state)
        #expect(task.status == 0, "\(task.transcript)")
        #expect(task.stdout.hasPrefix("task 1 (invoices): completed_with_failures"), "\(task.transcript)")
        #expect(task.stdout.contains("and sync again.\n"), "the full error is shown\n\(task.transcript)")
        #expect(task.stdout.contains("retry the failed orders: ledgersync tasks retry 1\n"), "\(task.transcript)")
    }

    @Test("orders export defuses order numbers a spreadsheet would run (=HYPERLINK, +, -, @), to stdout and to a file; ids stay numbers")
    func exportDefusesFormulas() throws {
        let folder = Self.temporaryFolder("formulas")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let september = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        let first = try #require(september.split(separator: "\n").first.map(String.init))
        let hostile = [#"=HYPERLINK("http://evil","click")"#, "+cmd", "-2+3", "@SUM(A1)"]
        var lines = [first]   // SG-1000101 as it is: synced, with a dockey and a task id
        for (index, number) in hostile.enumerated() {
            let escaped = number.replacingOccurrences(of: "\"", with: "\\\"")
            lines.append(first.replacingOccurrences(of: "SG-1000101", with: "SG-EVIL-\(index + 1)")
                .replacingOccurrences(of: "\"order_number\":\"2509014EAM4Y3J\"", with: "\"order_number\":\"\(escaped)\""))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/orders.jsonl", atomically: true, encoding: .utf8)
        let state = ["--state", folder + "/state.sqlite"]
        _ = try CLI.run(["apply"] + Args.acme + ["--orders", folder + "/orders.jsonl"] + Args.asOf + ["--sandbox"] + state)

        let stdout = try CLI.run(["orders", "export"] + state)
        #expect(stdout.status == 0, "\(stdout.transcript)")
        let file = folder + "/orders.csv"
        let written = try CLI.run(["orders", "export", "--out", file] + state)
        #expect(written.status == 0, "\(written.transcript)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == stdout.stdout)

        let records = try CSV.parse(stdout.stdout)
        #expect(records.count == 6, "\(stdout.transcript)")
        let byID = Dictionary(records.dropFirst().map { ($0[0], $0) }, uniquingKeysWith: { a, _ in a })
        for (index, number) in hostile.enumerated() {
            #expect(byID["SG-EVIL-\(index + 1)"]?[1] == "'" + number, "\(stdout.stdout)")
        }
        #expect(stdout.stdout.contains(#","'=HYPERLINK(""http://evil"",""click"")","#), "\(stdout.stdout)")
        let synced = try #require(byID["SG-1000101"])
        #expect(synced[4] == "completed", "\(synced)")
        // sql_dockey and task_id are numbers: digits as stored, no apostrophe.
        #expect(!synced[6].isEmpty && synced[6].allSatisfy(\.isNumber), "\(synced)")
        #expect(synced[7] == "1", "\(synced)")
    }

    // MARK: tasks

    @Test("tasks show 1 lists the task's 51 orders; tasks list has it with its counts")
    func tasks() throws {
        let state = try Self.septemberState()
        let show = try CLI.run(["tasks", "show", "1"] + state)
        #expect(show.status == 0, "\(show.transcript)")
        #expect(show.stdout.hasPrefix("task 1 (invoices): completed, created "), "\(show.transcript)")
        #expect(show.stdout.hasSuffix("51 orders: 51 completed\n"), "\(show.transcript)")
        let rows = show.stdout.split(separator: "\n").filter { $0.hasPrefix("SG-") }
        #expect(rows.count >= 51)
        #expect(!show.stdout.contains("tasks retry"))

        let list = try CLI.run(["tasks", "list"] + state)
        #expect(list.status == 0, "\(list.transcript)")
        let row = try #require(list.stdout.split(separator: "\n").dropFirst().first).split(separator: " ").map(String.init)
        #expect(list.stdout.hasPrefix("TASK  KIND      CREATED  "), "\(list.transcript)")
        #expect(row.first == "1" && row.dropFirst(1).first == "invoices" && row.dropFirst(4) == ["completed", "51", "51", "0", "0"], "\(list.transcript)")

        let json = try JSON.object(try CLI.run(["tasks", "list", "--format", "json"] + state).stdout, "tasks list --format json")
        let tasks = try #require(json["tasks"] as? [[String: Any]])
        #expect(tasks.count == 1)
        #expect(tasks.first?["completed"] as? Int == 51)
        #expect(tasks.first?["kind"] as? String == "invoices")
        #expect(tasks.first?["orders"] as? Int == 51)

        let unknown = try CLI.run(["tasks", "show", "7"] + state)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("task 7 is not in the state store"), "\(unknown.transcript)")
    }

    // MARK: no state store

    @Test("without a state store every view exits 1 and creates nothing")
    func missingState() throws {
        let folder = Self.temporaryFolder("missing")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/nested/state.sqlite"
        for command in [["orders", "list"], ["orders", "show", "SG-1000101"], ["orders", "export"], ["tasks", "list"], ["tasks", "show", "1"]] {
            let result = try CLI.run(command + ["--state", path])
            #expect(result.status == 1, "\(command): \(result.transcript)")
            #expect(result.stderr == "no state store at \(path); run ledgersync apply first (or pass --state)\n", "\(command): \(result.transcript)")
        }
        // The default location, from a folder without one.
        let byDefault = try CLI.run(["orders", "list"], in: folder, environment: ["LEDGERSYNC_STATE": ""])
        #expect(byDefault.status == 1, "\(byDefault.transcript)")
        #expect(byDefault.stderr.contains("no state store at .ledgersync/state.sqlite"), "\(byDefault.transcript)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "a read-only view created files")
    }
}

/// A small RFC 4180 reader for checking the export.
enum CSV {
    struct Malformed: Error {}

    static func parse(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var scalars = Array(text.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            if quoted {
                if c == "\"" {
                    if scalars.first == "\"" { scalars.removeFirst(); field.unicodeScalars.append("\"") } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                guard field.isEmpty else { throw Malformed() }
                quoted = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\r" {
                guard scalars.popFirst() == "\n" else { throw Malformed() }
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw Malformed() }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
