import Foundation
import LedgerJSON
import SQLAccount
import Testing

@Suite struct EndpointTests {
    /// A server holding `total` invoices that honours offset/limit (capped at 50).
    static func pagingServer(total: Int) -> ScriptedTransport {
        ScriptedTransport(handler: { request in
            let items = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems ?? []
            let offset = Int(items.first { $0.name == "offset" }?.value ?? "0") ?? 0
            let limit = min(50, Int(items.first { $0.name == "limit" }?.value ?? "50") ?? 50)
            let rows = (offset..<min(total, offset + limit)).map { index -> JSONValue in
                .object(["dockey": .int(index + 1), "docno": .string("IV-\(index + 1)"), "docref1": .string("R\(index + 1)")])
            }
            let body = JSONValue.object(["pagination": .object(["offset": .int(offset), "limit": .int(50), "count": .int(rows.count)]),
                                         "data": .array(rows)])
            return .respond(.json(200, JSONWriter.compactString(body)))
        })
    }

    @Test func listAllPagesFiftyAtATimeUntilAShortPage() async throws {
        let transport = Self.pagingServer(total: 120)
        let rows = try await Fixture.client(transport).listAll(.salesInvoice)
        #expect(rows.count == 120)
        #expect(rows.map(\.dockey) == (1...120).map { Optional($0) })
        #expect(transport.requests.count == 3)
        #expect(transport.requests.map { query(of: $0) } == ["limit=50&offset=0", "limit=50&offset=50", "limit=50&offset=100"])
        for request in transport.requests {
            #expect(Fixture.verifier.verify(Fixture.received(request), now: Fixture.date).isOK)
        }
    }

    @Test func exactlyFiftyRowsNeedsOneMoreEmptyPage() async throws {
        let transport = Self.pagingServer(total: 50)
        let rows = try await Fixture.client(transport).listAll(.customer)
        #expect(rows.count == 50)
        #expect(transport.requests.count == 2)
        #expect(path(of: transport.requests[0]) == "/customer")
    }

    @Test func anEmptyListBodyIsAnEmptyPage() async throws {
        let transport = ScriptedTransport([.respond(HTTPTransportResponse(status: 204))])
        let page = try await Fixture.client(transport).list(.salesInvoice, offset: 100)
        #expect(page.records.isEmpty)
        #expect(page.offset == 100)
    }

    @Test func singlePageKeepsPaginationCount() async throws {
        let page = try await Fixture.client(Self.pagingServer(total: 3)).list(.agent, offset: 0)
        #expect(page.records.count == 3)
        #expect(page.count == 3)
        #expect(page.isLast)
    }

    @Test func aServerIgnoringOffsetIsDetectedInsteadOfLoopingForever() async throws {
        let rows = (1...50).map { JSONValue.object(["dockey": .int($0)]) }
        let body = JSONWriter.compactString(.object(["data": .array(rows)]))
        let transport = ScriptedTransport(handler: { _ in .respond(.json(200, body)) })
        let error = await caught { try await Fixture.client(transport).listAll(.salesInvoice) }
        guard case .invalidResponse(let reason)? = error as? SQLAccountError else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("ignore 'offset'"))
        #expect(transport.requests.count == 2)
    }

    @Test func findByDocref1PercentEncodesTheValue() async throws {
        let docref1 = "ECOM:shopee:240915 ABCD/#1&x=ü"
        let transport = ScriptedTransport([Fixture.json(200, JSONWriter.compactString(.object(["data": .array([
            .object(Fixture.invoice(dockey: 12, docno: "IV-00012", docref1: docref1)),
            .object(Fixture.invoice(dockey: 13, docno: "IV-00013", docref1: "ECOM:shopee:240915 ABCDE")),  // a wildcard-ish match
        ])])))])
        let found = try await Fixture.client(transport).find(.salesInvoice, docref1: docref1)
        #expect(found.map(\.dockey) == [12])

        let request = try #require(transport.requests.first)
        #expect(path(of: request) == "/salesinvoice")
        #expect(query(of: request) == "docref1=ECOM%3Ashopee%3A240915%20ABCD%2F%231%26x%3D%C3%BC&limit=50&offset=0")
        #expect(Fixture.verifier.verify(Fixture.received(request), now: Fixture.date).isOK)
    }

    @Test(arguments: [
        (404, #"{"message":"Not Found"}"#),
        (404, ""),
        (400, #"{"message":"Record not found"}"#),
        (400, #"{"error":"No record found"}"#),
    ])
    func notFoundOnLookupIsEmpty(status: Int, body: String) async throws {
        let transport = ScriptedTransport([Fixture.json(status, body), Fixture.json(status, body), Fixture.json(status, body),
                                           Fixture.json(status, body)])
        let client = Fixture.client(transport)
        #expect(try await client.find(.salesInvoice, docref1: "nope").isEmpty)
        #expect(try await client.find(.salesInvoice, docno: "IV-404").isEmpty)
        #expect(try await client.get(.salesInvoice, dockey: 404) == nil)
        #expect(try await client.get(.customer, code: "300-X") == nil)
        #expect(transport.requests.count == 4)
    }

    @Test func notFoundOnAWriteIsAnError() async throws {
        let transport = ScriptedTransport([Fixture.json(404, #"{"message":"Not Found"}"#)])
        let error = await caught { try await Fixture.client(transport).update(.salesInvoice, dockey: 9, body: ["docno": .string("x")]) }
        #expect(error as? SQLAccountError == .validation(status: 404, message: "Not Found"))
    }

    @Test func anOtherValidationErrorOnLookupIsNotSwallowed() async throws {
        let transport = ScriptedTransport([Fixture.json(400, #"{"message":"Field docref9 is not indexed"}"#)])
        let error = await caught { try await Fixture.client(transport).find(.salesInvoice, docno: "IV-1") }
        #expect(error as? SQLAccountError == .validation(status: 400, message: "Field docref9 is not indexed"))
    }

    @Test func findByDocnoUsesTheDetailPathAndReturnsDetail() async throws {
        let transport = ScriptedTransport([Fixture.json(200, JSONWriter.compactString(.object(["data": .array([
            .object(Fixture.invoice(dockey: 21, docno: "IV-00021", docref1: "R21")),
        ])])))])
        let found = try await Fixture.client(transport).find(.salesInvoice, docno: "IV-00021")
        #expect(found.count == 1)
        #expect(found.first?.detailKeys == [211, 212])
        #expect(path(of: transport.requests[0]) == "/salesinvoice/*")
    }

    @Test func getUnwrapsDataZero() async throws {
        let transport = ScriptedTransport([Fixture.json(200, JSONWriter.compactString(.object(["data": .array([
            .object(Fixture.invoice(dockey: 31, docno: "IV-00031", docref1: "R31", updatecount: .int(2))),
        ])])))])
        let record = try #require(try await Fixture.client(transport).get(.salesInvoice, dockey: 31))
        #expect(record.dockey == 31)
        #expect(record.docno == "IV-00031")
        #expect(record.docref1 == "R31")
        #expect(record.updatecount == 2)
        #expect(record.docamt == "209.40")
        #expect(record.docamtMoney?.minorUnits == 20940)
        #expect(record.cancelled == false)
        #expect(record.detailKeys == [311, 312])
        #expect(path(of: transport.requests[0]) == "/salesinvoice/31")
    }

    @Test func getOfAMasterByCodeEncodesTheCode() async throws {
        let transport = ScriptedTransport([Fixture.json(200, #"{"data":[{"code":"300-C 1","companyname":"CASH"}]}"#)])
        let record = try await Fixture.client(transport).get(.customer, code: "300-C 1")
        #expect(record?.code == "300-C 1")
        #expect(path(of: transport.requests[0]) == "/customer/300-C%201")
        #expect(Fixture.verifier.verify(Fixture.received(transport.requests[0]), now: Fixture.date).isOK)
    }

    @Test(arguments: [
        #"{"data":[{"dockey":101,"docno":"IV-00101","docref1":"R"}]}"#,
        #"{"data":{"dockey":101,"docno":"IV-00101","docref1":"R"}}"#,
        #"{"dockey":101,"docno":"IV-00101","docref1":"R"}"#,
    ])
    func createUnwrapsEitherShape(body: String) async throws {
        let transport = ScriptedTransport([Fixture.json(201, body)])
        let record = try await Fixture.client(transport).create(.salesInvoice, body: ["docref1": .string("R")])
        #expect(record.dockey == 101)
        #expect(record.docno == "IV-00101")
    }

    @Test(arguments: [#"{"data":[]}"#, "", "OK", #"{"data":null}"#])
    func createWithoutADockeyExposesWhatCameBack(body: String) async throws {
        let transport = ScriptedTransport([.respond(HTTPTransportResponse(status: 200, body: Array(body.utf8)))])
        let record = try await Fixture.client(transport).create(.customerPayment, body: ["docref1": .string("PAY-1")])
        #expect(record.dockey == nil)  // the caller re-finds by docref1
    }

    @Test func createRefusesAnEmptyBody() async throws {
        let transport = ScriptedTransport()
        let error = await caught { try await Fixture.client(transport).create(.salesInvoice, body: [:]) }
        guard case .configuration? = error as? SQLAccountError else {
            Issue.record("expected a configuration error, got \(String(describing: error))")
            return
        }
        #expect(transport.requests.isEmpty)
    }

    @Test func updatePutsTheFullPayloadToTheDockey() async throws {
        let transport = ScriptedTransport([Fixture.json(200, #"{"data":[{"dockey":5,"updatecount":3}]}"#)])
        let record = try await Fixture.client(transport).update(.salesInvoice, dockey: 5, body: ["updatecount": .int(3)])
        #expect(record.updatecount == 3)
        #expect(transport.requests[0].method == "PUT")
        #expect(path(of: transport.requests[0]) == "/salesinvoice/5")
        #expect(String(decoding: transport.requests[0].body, as: UTF8.self) == #"{"updatecount":3}"#)
    }

    @Test(arguments: [(JSONValue.int(4), 5), (.null, 1), (.string("2"), 3)])
    func cancelSendsTheFetchedRecordCancelledWithUpdatecountPlusOne(fetched: JSONValue, expected: Int) async throws {
        let current = SQLAccountRecord(Fixture.invoice(dockey: 41, docno: "IV-00041", docref1: "R41", updatecount: fetched))
        let transport = ScriptedTransport([Fixture.json(200, "{}")])
        _ = try await Fixture.client(transport).cancel(.salesInvoice, dockey: 41, current: current)

        let request = try #require(transport.requests.first)
        #expect(request.method == "PUT")
        #expect(path(of: request) == "/salesinvoice/41")
        let sent = try #require(try JSONParser.parse(request.body).objectValue)
        #expect(sent["cancelled"] == .bool(true))
        #expect(sent["updatecount"] == .int(expected))
        #expect(sent.keys == current.object.keys)  // key order kept
        #expect(SQLAccountRecord(sent).detailKeys == [411, 412])  // detail rows keep their dtlkey
    }

    @Test func cancelWithTheRecordOfAnotherDocumentIsRefused() async throws {
        let current = SQLAccountRecord(Fixture.invoice(dockey: 41, docno: "IV-00041", docref1: "R41"))
        let transport = ScriptedTransport()
        let error = await caught { try await Fixture.client(transport).cancel(.salesInvoice, dockey: 42, current: current) }
        #expect(error is SQLAccountError)
        #expect(transport.requests.isEmpty)
    }

    @Test func nonJSONListBodyIsAnInvalidResponseWithASnippet() async throws {
        let transport = ScriptedTransport([.respond(HTTPTransportResponse(status: 200, body: Array("<html>maintenance</html>".utf8)))])
        let error = await caught { try await Fixture.client(transport).list(.salesInvoice) }
        guard case .invalidResponse(let reason)? = error as? SQLAccountError else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("not JSON"))
        #expect(reason.contains("<html>maintenance</html>"))
    }

    @Test func recordAccessorsAreLenient() {
        let record = SQLAccountRecord([
            "dockey": .string("17"), "updatecount": .null, "cancelled": .string("T"), "docamt": .number("1060.00"),
            "sdsdocdetail": .array([.object(["dtlkey": .number("5")]), .object(["seq": .int(2)])]),
        ])
        #expect(record.dockey == 17)
        #expect(record.updatecount == nil)
        #expect(record.cancelled == true)
        #expect(record.docamt == "1060.00")
        #expect(record.detailKeys == [5, nil])
        #expect(SQLAccountRecord(["dockey": .int(0)]).dockey == nil)
    }

    @Test func versionAndProfileReturnTheBodyUnread() async throws {
        let transport = ScriptedTransport([.respond(HTTPTransportResponse(status: 200, body: Array("5.2025.1038.875".utf8))),
                                           Fixture.json(200, #"{"data":[{"companyname":"DEMO SDN BHD"}]}"#)])
        let client = Fixture.client(transport)
        #expect(try await client.version().text == "5.2025.1038.875")
        #expect(try await client.profile().json?["data"]?.arrayValue?.count == 1)
        #expect(transport.requests.map { path(of: $0) } == ["/version", "/profile"])
    }
}
