import Foundation
import Testing
import TestSupport

/// A consultant copies a client pack out of its repository to try a change: the copy must load as long as every path
/// in it resolves. Only `diff --against`, which reads an older revision from git, needs a repository.
@Suite("a pack copied outside any git repository")
struct PackOutsideGitCLITests {
    /// A temporary folder, not inside any git repository, holding copies of `rules/acme-living`, the base pack it
    /// extends (`../base/malaysia-marketplaces`) and the example orders its tests name (`../../../examples/orders`),
    /// in the same layout as the repository.
    struct Copy {
        let root: String
        let pack = "rules/acme-living"

        init() throws {
            root = try scratchDirectory("outside-git")
            let fm = FileManager.default
            try fm.createDirectory(atPath: root + "/rules", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: root + "/examples", withIntermediateDirectories: true)
            for name in ["rules/acme-living", "rules/base", "examples/orders"] {
                try fm.copyItem(atPath: Golden.packageRoot + "/" + name, toPath: root + "/" + name)
            }
        }

        /// The nearest folder at or above the copy that holds `.git`, if any: the tests mean nothing inside one.
        var enclosingRepository: String? {
            var current = root
            while current != "/" && !current.isEmpty {
                if FileManager.default.fileExists(atPath: current + "/.git") { return current }
                current = (current as NSString).deletingLastPathComponent
            }
            return FileManager.default.fileExists(atPath: "/.git") ? "/" : nil
        }

        func run(_ arguments: [String]) throws -> CLI.Result { try CLI.run(arguments, in: root) }

        func edit(_ relative: String, _ change: (String) -> String) throws {
            let path = root + "/" + relative
            try change(try String(contentsOfFile: path, encoding: .utf8)).write(toFile: path, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test("validate, transform and test work on the copy, its extends resolved outside the pack folder")
    func copiedPackLoads() throws {
        let copy = try Copy()
        defer { copy.remove() }
        try #require(copy.enclosingRepository == nil, "the temporary folder \(copy.root) is inside a git repository")

        let validate = try copy.run(["validate", "--pack", copy.pack])
        #expect(validate.status == 0, "\(validate.transcript)")
        #expect(validate.stdout.hasPrefix("pack 'acme-living' is valid (client pack"), "\(validate.transcript)")

        // The same documents as from the pack in the repository: the copy reads the copied base, not another one.
        let orders = ["--orders", "examples/orders/2025-09.jsonl", "--format", "jsonl"] + Args.asOf
        let transform = try copy.run(["transform", "--pack", copy.pack] + orders)
        #expect(transform.status == 0, "\(transform.transcript)")
        let original = try CLI.run(["transform"] + Args.acme + orders)
        #expect(transform.stdout == original.stdout)
        #expect(!transform.stdout.isEmpty)

        let test = try copy.run(["test", "--pack", copy.pack])
        #expect(test.status == 0, "\(test.transcript)")
    }

    @Test("outside git, an extends that does not exist is still a located error saying what to do")
    func missingBaseIsLocated() throws {
        let copy = try Copy()
        defer { copy.remove() }
        try copy.edit("rules/acme-living/pack.yaml") {
            $0.replacingOccurrences(of: "extends: ../base/malaysia-marketplaces", with: "extends: ../base/no-such-base")
        }
        let result = try copy.run(["validate", "--pack", copy.pack])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stdout.contains("rules/acme-living/pack.yaml:6:10: error: no pack.yaml in 'rules/base/no-such-base'; a rule pack is a folder with a pack.yaml file (at extends)"),
                "\(result.transcript)")
        #expect(!result.stdout.contains("git"), "nothing about git: the path is simply wrong")
    }

    @Test("outside git, an absolute extends is refused: a copy would read the original's files")
    func absolutePathRefused() throws {
        let copy = try Copy()
        defer { copy.remove() }
        try copy.edit("rules/acme-living/pack.yaml") {
            $0.replacingOccurrences(of: "extends: ../base/malaysia-marketplaces", with: "extends: \(copy.root)/rules/base/malaysia-marketplaces")
        }
        let result = try copy.run(["validate", "--pack", copy.pack])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stdout.contains("rules/acme-living/pack.yaml:6:10: error: '\(copy.root)/rules/base/malaysia-marketplaces' is an absolute path; write it as a relative path"),
                "\(result.transcript)")
    }

    @Test("diff --against needs git history: outside a repository it exits 1 and says what to do")
    func diffNeedsGit() throws {
        let copy = try Copy()
        defer { copy.remove() }
        try #require(copy.enclosingRepository == nil, "the temporary folder \(copy.root) is inside a git repository")
        let result = try copy.run(["diff", "--pack", copy.pack, "--orders", "examples/orders/2025-09.jsonl", "--against", "HEAD~1"] + Args.asOf)
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.contains("rules/acme-living is not inside a git repository, so there is no revision 'HEAD~1' to compare with"), "\(result.transcript)")
        #expect(result.stderr.contains("git init; git add -A; git commit"), "\(result.transcript)")
        #expect(result.stdout.isEmpty, "\(result.transcript)")
    }
}
