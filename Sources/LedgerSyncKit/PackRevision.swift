import Foundation

/// Which revision of a pack is in use: what the console's status page shows, so staff can tell a consultant exactly
/// which rules synced their invoices, and be warned when the pack has edits nobody committed.
public struct PackRevision: Sendable, Equatable {
    /// The pack's `name`.
    public var name: String
    /// The commit checked out (short), or nil when the pack is not in a git repository.
    public var commit: String?
    /// Files of the pack folder with uncommitted changes (`git status --porcelain`), as git names them.
    public var uncommitted: [String]

    /// The revision even of a pack that does not load (its folder's name stands in for its name): a broken pack is
    /// when staff most need to tell the consultant which revision they are on.
    public static func of(packDirectory: String) -> PackRevision {
        let name = (try? PackUseCases.load(packDirectory).graph.pack.name) ?? (packDirectory as NSString).lastPathComponent
        let (status, head) = git(["-C", packDirectory, "rev-parse", "--short", "HEAD"])
        guard status == 0 else { return PackRevision(name: name, commit: nil, uncommitted: []) }
        let (_, changes) = git(["-C", packDirectory, "status", "--porcelain", "--", "."])
        let files = changes.split(separator: "\n").map { String($0.dropFirst(3)) }.filter { !$0.isEmpty }
        return PackRevision(name: name, commit: head.trimmingCharacters(in: .whitespacesAndNewlines), uncommitted: files)
    }

    private static func git(_ arguments: [String]) -> (Int32, String) {
        let ran = ToolProcess.run(["git"] + arguments)
        return (ran.status, ran.output)
    }
}

/// A command-line tool run to its end (git, tar): its exit status, standard output and standard error.
enum ToolProcess {
    static func run(_ arguments: [String]) -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { return (127, "", "\(error)") }
        // Both pipes are read to their ends, stderr on a second thread, so neither can fill up and stall the tool.
        let errorText = ReadInBackground(errors.fileHandleForReading)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errorText.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }
}

/// A file handle read to its end on another thread; `wait` returns what was read.
private final class ReadInBackground: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        DispatchQueue.global().async { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
