import Foundation
import LedgerCore
import LedgerSyncKit
import SQLAccount
import StateStore
import Testing
import TestSupport

private let root = Golden.packageRoot
private let acme = root + "/rules/acme-living"
private let september = root + "/examples/orders/2025-09.jsonl"
private let asOf = CalendarDate(parsing: "2025-10-01")!

/// A folder removed when the test ends.
private func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "ledgersync-usecases-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The message of the `CommandFailure` `body` throws; nil when it succeeds.
private func failureMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let failure as CommandFailure {
        return failure.description
    } catch {
        Issue.record("a use case threw \(type(of: error)), not a CommandFailure: \(error)")
        return "\(error)"
    }
}

@Suite("Use cases return values")
struct UseCaseTests {
    @Test("validate of an invalid pack: not valid, exit 1, each error located where the user fixes it")
    func validateInvalidPack() {
        let pack = root + "/Tests/CLITests/Fixtures/invalid-pack"
        let validation = PackUseCases.validate(packDirectory: pack)
        #expect(!validation.isValid)
        #expect(validation.exitStatus == ExitStatus.failure)
        let errors = validation.diagnostics.errors
        #expect(errors.count == 2)
        let choice = errors.first { $0.keyPath == "defaults.issue_date" }
        #expect(choice?.location?.file.hasSuffix("invalid-pack/pack.yaml") == true)
        #expect(choice?.location?.line == 5 && choice?.location?.column == 15)
        #expect(choice?.suggestion == "paid")
        #expect(errors.contains { $0.keyPath == "defualts" && $0.location?.line == 6 && $0.suggestion == "defaults" })
    }

    @Test("validate of the example pack: valid, exit 0, the pack itself returned")
    func validateValidPack() {
        let validation = PackUseCases.validate(packDirectory: acme)
        #expect(validation.isValid)
        #expect(validation.exitStatus == ExitStatus.success)
        #expect(validation.pack?.name == "acme-living")
        #expect(!validation.diagnostics.hasErrors)
    }

    @Test("a pack that does not load is a failure carrying its diagnostics, not a printed message")
    func invalidPackIsATypedFailure() {
        let pack = root + "/Tests/CLITests/Fixtures/invalid-pack"
        do throws(CommandFailure) {
            _ = try PackUseCases.load(pack)
            Issue.record("the invalid pack loaded")
        } catch {
            guard case .invalidPack(let directory, let diagnostics) = error else {
                Issue.record("expected invalidPack, got \(error)")
                return
            }
            #expect(directory == pack)
            #expect(diagnostics.errors.count == 2)
        }
    }

    @Test("explain of an order not in the file names the closest id")
    func explainUnknownOrder() {
        let message = failureMessage {
            _ = try PackUseCases.explain(ExplainRequest(packDirectory: acme, ordersPath: september, orderID: "SG-10001O1", asOf: asOf))
        }
        #expect(message == "order 'SG-10001O1' is not in \(september); did you mean 'SG-1000101'?")
    }

    @Test("transform reports every outcome and a tally that matches them")
    func transformTally() throws {
        var outcomes: [String] = []
        let report = try PackUseCases.transform(TransformRequest(packDirectory: acme, ordersPath: september, asOf: asOf),
                                                events: TransformEvents(outcome: { outcomes.append($0.orderID) }))
        #expect(outcomes.count == report.tally.total)
        #expect(report.tally.documents > 0)
        #expect(report.exitStatus == (report.tally.errors > 0 ? ExitStatus.failure : ExitStatus.success))
    }

    @Test("status on a disabled profile is Inactive, names the pack line, and fails the command")
    func statusOfADisabledProfile() async throws {
        // A client pack may only extend by a relative path inside its repository: so the pack sits in .build.
        let folder = root + "/.build/usecase-tests/\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "pack: {name: disabled-acme}\nextends: ../../../rules/acme-living\nprofile:\n  enabled: false\n"
            .write(toFile: folder + "/pack.yaml", atomically: true, encoding: .utf8)
        let check = try await ConnectionCheck.run(StatusRequest(packDirectory: folder, endpoint: "http://127.0.0.1:9"), environment: [:])
        guard case .inactive(let reason) = check.status else {
            Issue.record("a disabled profile is \(check.status), not Inactive")
            return
        }
        // The pack's path as the loader shows it (relative to where the tests run), down to the line to change.
        #expect(reason.hasPrefix("the integration is disabled (profile.enabled: false at "))
        #expect(reason.hasSuffix("\((folder as NSString).lastPathComponent)/pack.yaml:4)"))
        #expect(check.target == "http://127.0.0.1:9")
        #expect(check.exitStatus == ExitStatus.failure)
    }

    @Test("a view of a state store that does not exist fails with what to do, and creates nothing")
    func viewWithoutAStateStore() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/state.sqlite"
        let message = failureMessage { _ = try StateViews.tasksList(statePath: path) }
        #expect(message == "no state store at \(path); run ledgersync apply first (or pass --state)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("apply returns what it synced; orders list then filters by status and a typo in --status is refused")
    func applyThenListByStatus() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keys = Credentials(accessKey: "usecases.sql.my/TESTS", secretKey: "usecase-tests-secret")
        let sandbox = try await EmbeddedSandbox.start(credentials: keys, region: "ap-southeast-5", service: "sqlaccount",
                                                      seedPath: root + "/" + EmbeddedSandbox.defaultSeedPath)
        let environment = ["LEDGERSYNC_ACCESS_KEY": "usecases.sql.my/TESTS", "LEDGERSYNC_SECRET_KEY": "usecase-tests-secret",
                           "LEDGERSYNC_RETRY_DELAY_SCALE": "0.01"]
        let statePath = folder + "/state.sqlite"
        let report: ApplyReport
        do throws(CommandFailure) {
            report = try await ApplyReport.make(ApplyRequest(packDirectory: acme, ordersPath: september, statePath: statePath, endpoint: sandbox.endpoint,
                                                             asOf: asOf), environment: environment)
        } catch {
            await sandbox.server.stop()
            Issue.record("apply failed: \(error)")
            return
        }
        await sandbox.server.stop()
        #expect(report.target == sandbox.endpoint)
        #expect(!report.result.created.isEmpty)

        let completed = try StateViews.ordersList(OrderQuery(statePath: statePath, status: "completed"))
        #expect(completed.orders.count == report.result.created.count + report.result.adopted.count)
        #expect(completed.orders.allSatisfy { $0.status == .completed && $0.sqlDocno != nil })
        let excluded = try StateViews.ordersList(OrderQuery(statePath: statePath, status: "excluded"))
        #expect(excluded.orders.count == report.result.staged.excluded.count)
        #expect(excluded.orders.allSatisfy { $0.status == .excluded })
        let everything = try StateViews.ordersList(OrderQuery(statePath: statePath))
        #expect(everything.orders.count > completed.orders.count)
        #expect(everything.showsTask)

        let typo = failureMessage { _ = try StateViews.ordersList(OrderQuery(statePath: statePath, status: "complete")) }
        #expect(typo?.hasPrefix("--status must be one of ") == true)
    }
}
