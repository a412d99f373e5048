import Foundation
import LedgerCore
import Testing

/// `AtomicFile`, the one way ledgersync replaces a file: whole new file or the old one, permissions and
/// symlinks kept, no temporary file left behind.
@Suite("AtomicFile")
struct AtomicFileTests {
    struct Folder {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-file-\(UUID().uuidString)").path
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        func file(_ name: String) -> String { path + "/" + name }
        func read(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }
        var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test("a new file is written whole, with nothing else left in the folder")
    func writesNewFile() throws {
        let folder = try Folder()
        defer { folder.remove() }
        try AtomicFile.write(Array("hello\n".utf8), to: folder.file("out.txt"))
        #expect(try folder.read("out.txt") == "hello\n")
        #expect(folder.names == ["out.txt"])
    }

    @Test("replacing a file keeps its permissions")
    func keepsPermissions() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let path = folder.file("secret.csv")
        try AtomicFile.write(Array("old".utf8), to: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try AtomicFile.write(Array("new".utf8), to: path)
        #expect(try folder.read("secret.csv") == "new")
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(permissions?.intValue == 0o600)
    }

    @Test("writing through a symlink replaces the file it points to and keeps the link")
    func followsSymlink() throws {
        let folder = try Folder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("real"), withIntermediateDirectories: true)
        try AtomicFile.write(Array("old".utf8), to: folder.file("real/items.csv"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("link.csv"), withDestinationPath: folder.file("real/items.csv"))
        try AtomicFile.write(Array("new".utf8), to: folder.file("link.csv"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder.file("link.csv")) == folder.file("real/items.csv"))
        #expect(try folder.read("real/items.csv") == "new")
    }

    @Test("a folder that does not exist is a clear error and creates nothing")
    func missingFolder() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let path = folder.file("nope/out.txt")
        #expect(throws: AtomicFileError(path: path, reason: "the folder '\(folder.file("nope"))' does not exist")) {
            try AtomicFile.write([1, 2, 3], to: path)
        }
        #expect(folder.names.isEmpty)
    }

    @Test("when the writer fails, the old file stays as it was and the temporary file is removed")
    func failedWriterKeepsOldFile() throws {
        struct Interrupted: Error {}
        let folder = try Folder()
        defer { folder.remove() }
        let path = folder.file("sheet.xlsx")
        try AtomicFile.write(Array("old".utf8), to: path)
        #expect(throws: Interrupted.self) {
            try AtomicFile.replace(path) { temporary in
                try Data("half".utf8).write(to: URL(fileURLWithPath: temporary))
                throw Interrupted()
            }
        }
        #expect(try folder.read("sheet.xlsx") == "old")
        #expect(folder.names == ["sheet.xlsx"])
    }
}
