import Foundation

/// Golden-file comparison for payloads, plans, CLI output and diagnostics listings.
/// Set `LEDGERSYNC_RECORD_GOLDEN=1` to (re)write the files instead of comparing.
public enum Golden {
    public static var isRecording: Bool { ProcessInfo.processInfo.environment["LEDGERSYNC_RECORD_GOLDEN"] == "1" }

    /// The package root, found from this source file's location.
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// nil when `actual` matches the golden file at `relativePath` (relative to the package root);
    /// otherwise a message with the first differing line, ready for a test failure.
    public static func mismatch(_ actual: String, goldenFile relativePath: String) -> String? {
        let path = (packageRoot as NSString).appendingPathComponent(relativePath)
        if isRecording {
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            do {
                try actual.write(toFile: path, atomically: true, encoding: .utf8)
                return nil
            } catch {
                return "cannot record golden file \(relativePath): \(error)"
            }
        }
        guard let data = FileManager.default.contents(atPath: path), let expected = String(data: data, encoding: .utf8) else {
            return "golden file \(relativePath) is missing; run the tests with LEDGERSYNC_RECORD_GOLDEN=1 to create it"
        }
        guard expected != actual else { return nil }
        let expectedLines = expected.components(separatedBy: "\n")
        let actualLines = actual.components(separatedBy: "\n")
        for index in 0..<max(expectedLines.count, actualLines.count) {
            let e = index < expectedLines.count ? expectedLines[index] : "(end of file)"
            let a = index < actualLines.count ? actualLines[index] : "(end of output)"
            if e != a {
                return "output differs from \(relativePath) at line \(index + 1):\n- expected: \(e)\n+ actual:   \(a)\n(re-record with LEDGERSYNC_RECORD_GOLDEN=1 if the change is intended)"
            }
        }
        return "output differs from \(relativePath)"
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}

/// Runs the built `ledgersync` executable, for end-to-end CLI tests.
public enum CLI {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `ledgersync` binary next to the test bundle in the build folder.
    public static var executable: String {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("ledgersync").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("ledgersync").path,
            URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent().appendingPathComponent("ledgersync").path,
            (Golden.packageRoot as NSString).appendingPathComponent(".build/debug/ledgersync"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[candidates.count - 1]
    }

    /// `run` for async tests: the wait for the child process happens on a Dispatch thread, not on one of the few
    /// threads of Swift's cooperative pool, which the in-process async tests (the sandbox's) need meanwhile.
    public static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result { try run(arguments, in: directory, environment: environment) as Result })
            }
        }
    }

    /// Runs `ledgersync` with `arguments` in `directory` (default: the package root).
    public static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? Golden.packageRoot)
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Drain stderr on another thread while stdout is read here, so neither pipe can fill and block the child.
        let errBox = DataBox()
        let errThread = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); errBox.done.signal() }
        errThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        errBox.done.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
