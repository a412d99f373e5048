import Foundation
import Testing
import TestSupport

/// End to end through the built `ledgersync` binary, run from the package root.
@Suite("ledgersync command line")
struct CLITests {
    // MARK: help

    @Test("--help lists every subcommand")
    func helpListsSubcommands() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0, "\(result.transcript)")
        for command in ["validate", "transform", "explain", "test"] {
            #expect(result.stdout.contains("  \(command) "), "help does not list '\(command)'\n\(result.transcript)")
        }
    }

    // MARK: validate

    @Test("validate of the example pack exits 0 and says it is valid")
    func validateExamplePack() throws {
        let result = try CLI.run(["validate"] + Args.acme)
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.hasPrefix("pack 'acme-living' is valid (client pack"), "\(result.transcript)")
        #expect(result.stdout.hasSuffix(": 0 errors, 0 warnings\n"))
    }

    @Test("validate of an invalid pack exits 1 with every diagnostic, located, on stdout")
    func validateInvalidPack() throws {
        let pack = Args.fixture("invalid-pack")
        let result = try CLI.run(["validate", "--pack", pack])
        #expect(result.status == 1, "\(result.transcript)")
        let expected = """
            \(pack)/pack.yaml:5:15: error: 'payed' is not a valid defaults.issue_date; use one of: ordered, paid, shipped, completed, sync (at defaults.issue_date); did you mean 'paid'?
            \(pack)/pack.yaml:6:1: error: unknown key 'defualts' (at defualts); did you mean 'defaults'?
            pack '\(pack)' is invalid: 2 errors, 0 warnings

            """
        #expect(result.stdout == expected)
        #expect(result.stderr.isEmpty, "\(result.transcript)")
    }

    @Test("validate --format json reports each diagnostic with file, line, column, key path and suggestion")
    func validateJSON() throws {
        let pack = Args.fixture("invalid-pack")
        let result = try CLI.run(["validate", "--pack", pack, "--format", "json"])
        #expect(result.status == 1, "\(result.transcript)")
        let object = try JSON.object(result.stdout, "validate --format json")
        #expect(object["valid"] as? Bool == false)
        #expect(object["errors"] as? Int == 2)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 2)
        let choice = try #require(diagnostics.first)
        #expect(choice["severity"] as? String == "error")
        #expect(choice["code"] as? String == "invalid-value")
        #expect(choice["file"] as? String == "\(pack)/pack.yaml")
        #expect(choice["line"] as? Int == 5)
        #expect(choice["column"] as? Int == 15)
        #expect(choice["key_path"] as? String == "defaults.issue_date")
        #expect(choice["suggestion"] as? String == "paid")
        let key = diagnostics[1]
        #expect(key["key_path"] as? String == "defualts")
        #expect(key["line"] as? Int == 6)
        #expect(key["column"] as? Int == 1)
        #expect(key["suggestion"] as? String == "defaults")
    }

    @Test("validate --format json of a valid pack says valid with no diagnostics")
    func validateJSONValid() throws {
        let result = try CLI.run(["validate"] + Args.acme + ["--format", "json"])
        #expect(result.status == 0, "\(result.transcript)")
        let object = try JSON.object(result.stdout, "validate --format json")
        #expect(object["valid"] as? Bool == true)
        #expect(object["pack"] as? String == "acme-living")
        #expect((object["diagnostics"] as? [Any])?.isEmpty == true)
    }

    @Test("validate of a folder without a pack exits 1 and says what --pack needs")
    func validateMissingPack() throws {
        let result = try CLI.run(["validate", "--pack", "rules/no-such-pack"])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stdout.contains("pack folder 'rules/no-such-pack' does not exist"), "\(result.transcript)")
    }

    // MARK: transform

    @Test("transform --format jsonl writes one contract record per order for the September orders")
    func transformJSONL() throws {
        let result = try CLI.run(["transform"] + Args.acme + Args.september + Args.asOf + ["--format", "jsonl"])
        #expect(result.status == 0, "\(result.transcript)")
        let records = try JSON.lines(result.stdout)
        #expect(records.count == 68)
        // The summary goes to stderr so stdout stays pure JSON Lines.
        #expect(result.stderr.hasPrefix("68 orders: "), "\(result.transcript)")
        for record in records {
            let id = record["order_id"] as? String ?? "?"
            for key in ["order_id", "outcome", "document", "reason", "warnings", "diagnostics"] {
                #expect(record.keys.contains(key), "order \(id) has no '\(key)'")
            }
            #expect(record["warnings"] is [Any], "order \(id): warnings must be a list")
            #expect(record["diagnostics"] is [Any], "order \(id): diagnostics must be a list")
            switch record["outcome"] as? String {
            case "document":
                let document = try #require(record["document"] as? [String: Any], "order \(id): a document outcome needs a document")
                #expect(document["type"] as? String == "salesinvoice")
                #expect(document["payload"] is [String: Any], "order \(id): document.payload must be an object")
                #expect(document["idempotency_key"] as? String == "LS-\(id)")
                #expect(record["reason"] is NSNull)
            case "excluded":
                #expect(record["document"] is NSNull, "order \(id): an excluded order has no document")
                #expect((record["reason"] as? String)?.isEmpty == false, "order \(id): an excluded order says why")
            default:
                Issue.record("order \(id): unexpected outcome \(record["outcome"] ?? "nil") in a file of valid orders")
            }
        }
        let ids = records.compactMap { $0["order_id"] as? String }
        #expect(ids.first == "SG-1000101")
        #expect(ids.last == "SG-1000168")
        let byID = Dictionary(records.map { ($0["order_id"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byID["SG-1000115"]?["outcome"] as? String == "excluded")
        #expect((byID["SG-1000115"]?["reason"] as? String)?.contains("lazada-oldbrand-my") == true)
        let payload = (byID["SG-1000111"]?["document"] as? [String: Any])?["payload"] as? [String: Any]
        #expect(payload?["docref1"] as? String == "LS-SG-1000111")
        #expect(payload?["code"] as? String == "300-S0001")
    }

    /// What each line of bad-orders.jsonl must produce (bad-orders.README.md): the field named, or a document.
    static let badOrderVerdicts: [(line: Int, keyPath: String?)] = [
        (1, nil), (2, "lines[0].unit_price"), (3, nil), (4, "lines[1].qty"), (5, "lines[0].unit_price"),
        (6, "channel"), (7, "id"), (8, nil), (9, nil), (10, "lines"),
    ]

    @Test("transform of bad orders exits 1: malformed orders are errors naming the field, valid ones still become documents")
    func transformBadOrdersJSONL() throws {
        let result = try CLI.run(["transform"] + Args.acme + Args.badOrders + Args.asOf + ["--format", "jsonl"])
        #expect(result.status == 1, "\(result.transcript)")
        let records = try JSON.lines(result.stdout)
        try #require(records.count == 10, "one record per line of bad-orders.jsonl\n\(result.transcript)")
        for (index, record) in records.enumerated() {
            let line = index + 1
            let outcome = record["outcome"] as? String
            let diagnostics = record["diagnostics"] as? [[String: Any]] ?? []
            switch line {
            case 1, 3, 9:
                #expect(outcome == "document", "line \(line) is a valid order")
                #expect((record["document"] as? [String: Any])?["type"] as? String == "salesinvoice")
                #expect(diagnostics.isEmpty)
            case 8:
                #expect(outcome == "error")
                let d = try #require(diagnostics.first, "line 8 needs a diagnostic")
                #expect(d["code"] as? String == "invalid-json")
                #expect(d["file"] as? String == "examples/orders/bad-orders.jsonl")
                #expect(d["line"] as? Int == 8)
                #expect((record["order_id"] as? String) == "SG-1000908", "a truncated line still names the order id it shows")
            default:
                #expect(outcome == "error", "line \(line) is malformed")
                #expect(record["document"] is NSNull)
                let d = try #require(diagnostics.first, "line \(line) needs a diagnostic")
                #expect(d["key_path"] as? String == Self.badOrderVerdicts[index].keyPath, "line \(line) must name the wrong field")
                #expect(d["file"] as? String == "examples/orders/bad-orders.jsonl")
                #expect(d["line"] as? Int == line)
            }
        }
        #expect(records[1]["order_id"] as? String == "SG-1000902")
        #expect((records[6]["order_id"] as? String)?.contains("ZMY-2509-009101") == true, "an order without id is named by its order number")
    }

    @Test("transform of bad orders as text matches the golden listing")
    func transformBadOrdersText() throws {
        let result = try CLI.run(["transform"] + Args.acme + Args.badOrders + Args.asOf)
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.isEmpty, "\(result.transcript)")
        if let mismatch = Golden.mismatch(result.stdout, goldenFile: "Tests/CLITests/Golden/transform-bad-orders.txt") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test("transform with an orders file that does not exist exits 1 and names the file")
    func transformMissingOrdersFile() throws {
        let result = try CLI.run(["transform"] + Args.acme + ["--orders", "examples/orders/no-such-file.jsonl"] + Args.asOf)
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("cannot read orders file 'examples/orders/no-such-file.jsonl'"), "\(result.transcript)")
        #expect(result.stderr.contains("--orders"), "the message says which option to fix")
    }

    @Test("transform with an invalid pack exits 1 with the pack diagnostics and transforms nothing")
    func transformInvalidPack() throws {
        let pack = Args.fixture("invalid-pack")
        let result = try CLI.run(["transform", "--pack", pack] + Args.september + Args.asOf + ["--format", "jsonl"])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stdout.isEmpty, "no order may be transformed with an invalid pack")
        // Machine output stays machine-readable: the pack diagnostics come as one JSON object on stderr.
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any], "\(result.transcript)")
        #expect(report["valid"] as? Bool == false)
        let first = try #require((report["diagnostics"] as? [[String: Any]])?.first)
        #expect(first["file"] as? String == "\(pack)/pack.yaml")
        #expect(first["line"] as? Int == 5)
        #expect(first["column"] as? Int == 15)

        let text = try CLI.run(["transform", "--pack", pack] + Args.september + Args.asOf)
        #expect(text.status == 1)
        #expect(text.stderr.contains("\(pack)/pack.yaml:5:15: error:"), "\(text.transcript)")
        #expect(text.stderr.contains("pack '\(pack)' is invalid: 2 errors"), "\(text.transcript)")
    }

    @Test("transform rejects a malformed --as-of date")
    func transformBadAsOf() throws {
        let result = try CLI.run(["transform"] + Args.acme + Args.september + ["--as-of", "01/10/2025"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--as-of must be a date like 2025-10-01"), "\(result.transcript)")
    }

    // MARK: explain

    @Test("explain shows every field of one invoice with where it came from (golden)")
    func explainText() throws {
        let result = try CLI.run(["explain"] + Args.acme + Args.september + ["--order", "SG-1000111"] + Args.asOf)
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.hasPrefix("Order SG-1000111 (examples/orders/2025-09.jsonl:11)\n"))
        if let mismatch = Golden.mismatch(result.stdout, goldenFile: "Tests/CLITests/Golden/explain-SG-1000111.txt") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test("explain --format json is one JSON document with fields, payload and their sources")
    func explainJSON() throws {
        let result = try CLI.run(["explain"] + Args.acme + Args.september + ["--order", "SG-1000111", "--format", "json"] + Args.asOf)
        #expect(result.status == 0, "\(result.transcript)")
        let object = try JSON.object(result.stdout, "explain --format json")
        #expect(object["order_id"] as? String == "SG-1000111")
        #expect(object["outcome"] as? String == "document")
        #expect(object["store"] as? String == "shopee-acme-my")
        #expect(object["payload"] is [String: Any])
        let fields = try #require(object["fields"] as? [[String: Any]])
        let code = try #require(fields.first { $0["path"] as? String == "code" })
        #expect(code["value"] as? String == "300-S0001")
        #expect(code["source"] as? String == "matching.customers.shopee")
        #expect(code["file"] as? String == "rules/acme-living/matching.yaml")
        #expect(code["line"] as? Int == 16)
    }

    @Test("explain of an order id that is not in the file exits 1 and suggests the closest id")
    func explainUnknownOrder() throws {
        let result = try CLI.run(["explain"] + Args.acme + Args.september + ["--order", "SG-10001111"] + Args.asOf)
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "order 'SG-10001111' is not in examples/orders/2025-09.jsonl; did you mean 'SG-1000111'?\n")
    }

    @Test("explain of an excluded order says why and exits 0")
    func explainExcludedOrder() throws {
        let result = try CLI.run(["explain"] + Args.acme + Args.september + ["--order", "SG-1000115"] + Args.asOf)
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("outcome: excluded — store 'lazada-oldbrand-my' is not in profile.stores"), "\(result.transcript)")
    }

    // MARK: test

    @Test("test of a pack whose expectations hold exits 0 and reports the pass")
    func packTestsPass() throws {
        let pack = Args.fixture("passing-tests")
        let result = try CLI.run(["test", "--pack", pack])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("PASS \(pack)/tests/september.yaml: September orders invoice, exclude and warn as expected (3 expectations)"), "\(result.transcript)")
        #expect(result.stdout.hasSuffix("1 passed, 0 failed\n"))
    }

    @Test("test of a pack with a wrong expectation exits 1 with an expected/actual diff at the expectation")
    func packTestsFail() throws {
        let pack = Args.fixture("failing-tests")
        let result = try CLI.run(["test", "--pack", pack])
        #expect(result.status == 1, "\(result.transcript)")
        let expected = """
            FAIL \(pack)/tests/wrong-customer.yaml: Shopee orders go to the wrong customer (deliberately failing)
              \(pack)/tests/wrong-customer.yaml:8:13: order SG-1000111 payload.code
                - expected: 300-X9999
                + actual:   300-S0001
            0 passed, 1 failed

            """
        #expect(result.stdout == expected, "\(result.transcript)")
    }

    @Test("test of the example pack passes when it has tests, and otherwise says where tests go")
    func examplePackTests() throws {
        let result = try CLI.run(["test"] + Args.acme)
        let testsFolder = Golden.packageRoot + "/rules/acme-living/tests"
        if FileManager.default.fileExists(atPath: testsFolder) {
            #expect(result.status == 0, "\(result.transcript)")
            #expect(result.stdout.contains(" 0 failed\n"), "\(result.transcript)")
        } else {
            #expect(result.status == 1, "\(result.transcript)")
            #expect(result.stderr.contains("no tests: add YAML files under rules/acme-living/tests/"), "\(result.transcript)")
        }
    }
}
