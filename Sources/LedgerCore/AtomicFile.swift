#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way ledgersync replaces a file (CSV and xlsx exports, item sheets, `fmt`, saved plans, the
/// sandbox state): the new content goes to a temporary file in the target's own folder, is flushed to
/// disk, and is renamed over the target. A reader sees the old file or the new one, never half of one, and
/// a failed write leaves the old file as it was. The target keeps its permissions; a symlink keeps
/// pointing where it did (the file it points to is replaced).
public enum AtomicFile {
    /// Replaces `path` with `bytes`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try replace(path) { temporary in
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            guard descriptor >= 0 else { throw AtomicFileError(path: path, reason: systemError(errno)) }
            defer { _ = close(descriptor) }
            if let reason = writeFully(descriptor, bytes) { throw AtomicFileError(path: path, reason: reason) }
        }
    }

    /// Replaces `path` with a file `produce` writes at the temporary path it is given (for writers that
    /// open the file themselves, such as a zip archive). Whatever `produce` throws is rethrown after the
    /// temporary file is removed; the target is then untouched.
    public static func replace(_ path: String, with produce: (_ temporaryPath: String) throws -> Void) throws {
        let target = resolvedTarget(path)
        let (folder, name) = split(target)
        var folderStatus = stat()
        guard stat(folder, &folderStatus) == 0, (folderStatus.st_mode & S_IFMT) == S_IFDIR else {
            throw AtomicFileError(path: path, reason: "the folder '\(folder)' does not exist")
        }
        let temporary = (folder == "/" ? "" : folder) + "/." + name + "." + randomSuffix() + ".tmp"
        do {
            try produce(temporary)
            var existing = stat()
            if stat(target, &existing) == 0, chmod(temporary, existing.st_mode & 0o7777) != 0 {
                throw AtomicFileError(path: path, reason: "cannot keep its permissions: " + systemError(errno))
            }
            try flush(temporary, path: path)
            guard rename(temporary, target) == 0 else { throw AtomicFileError(path: path, reason: systemError(errno)) }
        } catch {
            _ = unlink(temporary)
            throw error
        }
        // The rename itself is durable once the folder is flushed; a failure here cannot undo it, so it is not reported.
        let folderDescriptor = open(folder, O_RDONLY | O_CLOEXEC)
        if folderDescriptor >= 0 { _ = fsync(folderDescriptor); _ = close(folderDescriptor) }
    }

    /// The file a symlink at `path` points to (so the link survives the rename); `path` itself otherwise.
    private static func resolvedTarget(_ path: String) -> String {
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK, let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }

    private static func randomSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    private static func flush(_ temporary: String, path: String) throws {
        let descriptor = open(temporary, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AtomicFileError(path: path, reason: systemError(errno)) }
        defer { _ = close(descriptor) }
        guard fsync(descriptor) == 0 else { throw AtomicFileError(path: path, reason: systemError(errno)) }
    }

    private static func systemError(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// A file that could not be replaced; the original, if any, is unchanged.
public struct AtomicFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path as the caller gave it.
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write \(path): \(reason)" }
}
