import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerJSON
import SQLAccount
import Testing
@testable import Sandbox

@Suite("SigV4 authentication")
struct AuthTests {
    @Test func acceptsARequestSignedWithAnAccessKeyContainingASlash() async throws {
        try await withSandbox { _, client in
            let response = try await client.get("/version")
            #expect(response.status == 200)
            #expect(response.json == .object(["version": .string("5.2025.1038.875")]))
            let profile = try await client.get("/profile")
            #expect(profile.status == 200)
            #expect(profile.record?.string("companyname") == "Test Trading Sdn Bhd")
            #expect(profile.record?.string("user") == "APIUSER")
        }
    }

    @Test func rejectsAWrongSecretWith403() async throws {
        try await withSandbox { _, client in
            var wrong = client
            wrong.credentials = Credentials(accessKey: Fixtures.accessKey, secretKey: "not-the-secret")
            let response = try await wrong.get("/salesinvoice", [("offset", "0")])
            #expect(response.status == 403)
            #expect(response.message.contains("signature"))
            #expect(response.json?["reason"]?.stringValue == "signature-mismatch")
            #expect(!response.text.contains(Fixtures.secretKey))
            #expect(!response.text.contains("not-the-secret"))
        }
    }

    @Test func rejectsAnUnknownAccessKeyWrongServiceAndWrongRegionWith401() async throws {
        try await withSandbox { _, client in
            var otherTenant = client
            otherTenant.credentials = Credentials(accessKey: "other.sql.my/APIUSER", secretKey: Fixtures.secretKey)
            let unknown = try await otherTenant.get("/version")
            #expect(unknown.status == 401)
            #expect(unknown.message.contains("unknown access key"))

            var wrongService = client
            wrongService.service = "execute-api"
            let service = try await wrongService.get("/version")
            #expect(service.status == 401)
            #expect(service.message.contains("service is 'execute-api', expected 'sqlaccount'"))

            var wrongRegion = client
            wrongRegion.region = "ap-southeast-1"
            let region = try await wrongRegion.get("/version")
            #expect(region.status == 401)
            #expect(region.message.contains("region"))
        }
    }

    @Test func rejectsAStaleDateWith403() async throws {
        try await withSandbox { _, client in
            let response = try await client.send("GET", "/version", signedAt: Date().addingTimeInterval(-20 * 60))
            #expect(response.status == 403)
            #expect(response.json?["reason"]?.stringValue == "date-skew")
            // Within the 15-minute window is fine.
            let recent = try await client.send("GET", "/version", signedAt: Date().addingTimeInterval(-10 * 60))
            #expect(recent.status == 200)
        }
    }

    @Test func rejectsAnUnsignedRequestWith401() async throws {
        try await withSandbox { server, _ in
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port!)/version")!)
            request.timeoutInterval = 5
            let (data, response) = try await URLSession.shared.data(for: request)
            #expect((response as! HTTPURLResponse).statusCode == 401)
            #expect(String(decoding: data, as: UTF8.self).contains("no Authorization header"))
        }
    }

    @Test func rejectsATamperedBodyWith403() async throws {
        try await withSandbox { server, client in
            // Signed for one body, sent with another: the payload hash no longer matches the signature.
            let signed = Docs.invoice(docref1: "T-1")
            let signer = SigV4Signer(credentials: client.credentials)
            let signature = try signer.sign(SigV4Request(method: "POST", path: "/salesinvoice",
                                                         headers: [HeaderField("Host", "127.0.0.1:\(client.port)"),
                                                                   HeaderField("Content-Type", "application/json")],
                                                         body: JSONWriter.compactBytes(signed)), at: Date())
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(client.port)/salesinvoice")!)
            request.httpMethod = "POST"
            request.timeoutInterval = 5
            for field in signature.headers where field.name != "Host" { request.setValue(field.value, forHTTPHeaderField: field.name) }
            request.httpBody = Data(JSONWriter.compactBytes(Docs.invoice(docref1: "T-2")))
            let (_, response) = try await URLSession.shared.data(for: request)
            #expect((response as! HTTPURLResponse).statusCode == 403)
            #expect(await server.service.store.documentCount == 0)
        }
    }

    @Test func acceptsBothWaysOfSigningTheStarDetailPath() async throws {
        try await withSandbox { _, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "STAR-1")).status == 200)
            // botocore signs `/salesinvoice/%2A`; SQL's Node sample signs `/salesinvoice/` for `/salesinvoice/*`.
            let standard = try await client.send("GET", "/salesinvoice/*", query: [("docno", "IV-00001")])
            let nodeStyle = try await client.send("GET", "/salesinvoice/*", query: [("docno", "IV-00001")],
                                                  signingPath: "/salesinvoice/")
            #expect(standard.status == 200)
            #expect(nodeStyle.status == 200)
            #expect(nodeStyle.records.count == 1)
        }
    }
}
