import Foundation
import Testing
import TestSupport

/// A consultant types `--pack` on every command: the ones that read only the state store accept it too.
@Suite("--pack on every command")
struct PackFlagCLITests {
    @Test("state-store commands take --pack and behave as without it; a --pack that is not a folder is a usage error")
    func acceptedEverywhere() throws {
        // A copy of the shared September store: the settlement import below writes to it.
        let shared = try ViewsCLITests.septemberState()
        let copy = ViewsCLITests.temporaryFolder("pack-flag") + "/state.sqlite"
        try FileManager.default.copyItem(atPath: shared[1], toPath: copy)
        let state = ["--state", copy]
        let commands: [[String]] = [
            ["orders", "list"], ["orders", "show", "SG-1000101"], ["orders", "export", "--format", "json"],
            ["tasks", "list"], ["tasks", "show", "1"],
            ["payments", "list"],
        ]
        for command in commands {
            let without = try CLI.run(command + state)
            let with = try CLI.run(command + Args.acme + state)
            #expect(with.status == 0, "\(command.joined(separator: " ")) --pack: \(with.transcript)")
            #expect(with.stdout == without.stdout, "\(command.joined(separator: " ")): --pack changed the output")
        }
        // A preview writes nothing, so it can be compared like the views.
        let preview = ["payments", "import", "--channel", "lazada", "examples/settlements/lazada-statement-2025-09.csv", "--preview"]
        let previewed = try CLI.run(preview + state)
        let imported = try CLI.run(preview + Args.acme + state)
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stdout.contains("Total of 5 rows (MYR)"), "the four orders and the channel charge: \(imported.transcript)")
        #expect(imported.stdout == previewed.stdout, "--pack changed the preview")

        // An order that is completed cannot be removed, and says so: the flag was parsed, the command ran.
        let remove = try CLI.run(["tasks", "remove", "1", "SG-1000101"] + Args.acme + state)
        #expect(remove.status == 1)
        #expect(!remove.stderr.contains("Unknown option"), "\(remove.transcript)")

        let missing = try CLI.run(["payments", "list", "--pack", "rules/no-such-pack"] + state)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("--pack 'rules/no-such-pack' is not a folder"), "\(missing.transcript)")
    }
}
