import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `apply` at a time per state store: an exclusive `flock` on `<state>.lock`, released by the kernel
/// when the process exits however it exits (so a killed run never leaves a stale lock behind).
public final class StateLock {
    public let path: String
    private let descriptor: Int32

    /// Who holds a lock, as its holder wrote it.
    public struct Holder: Sendable, Equatable, CustomStringConvertible {
        public var pid: Int32?
        public var startedAt: String?
        public var command: String?

        public var description: String {
            var parts: [String] = []
            if let pid { parts.append("pid \(pid)") }
            if let startedAt { parts.append("since \(startedAt)") }
            let who = parts.isEmpty ? "another ledgersync process" : "another ledgersync process (\(parts.joined(separator: ", ")))"
            return who + (command.map { " running `\($0)`" } ?? "")
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case busy(path: String, holder: Holder)
        case cannotOpen(path: String, reason: String)

        public var description: String {
            switch self {
            case .busy(let path, let holder):
                return "\(holder) is syncing with this state store (lock \(path)); wait for it to finish, or run without --no-wait to queue behind it"
            case .cannotOpen(let path, let reason):
                return "cannot open the lock file \(path): \(reason); check the state store's folder is writable"
            }
        }
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock for `statePath`. When another process holds it: `wait` false throws `.busy` at once;
    /// otherwise `onWait` is told who holds it and the call blocks until it is free.
    public static func acquire(statePath: String, command: String, wait: Bool, onWait: (Holder) -> Void = { _ in }) throws -> StateLock {
        let path = statePath + ".lock"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let holder = readHolder(path)
            guard wait else {
                close(descriptor)
                throw Failure.busy(path: path, holder: holder)
            }
            onWait(holder)
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    let reason = String(cString: strerror(errno))
                    close(descriptor)
                    throw Failure.cannotOpen(path: path, reason: reason)
                }
            }
        }
        let lock = StateLock(path: path, descriptor: descriptor)
        lock.writeHolder(command: command)
        return lock
    }

    public func release() {
        _ = ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private func writeHolder(command: String) {
        let formatter = ISO8601DateFormatter()
        let text = "pid=\(getpid())\nstarted=\(formatter.string(from: Date()))\ncommand=\(command)\n"
        _ = ftruncate(descriptor, 0)
        _ = lseek(descriptor, 0, SEEK_SET)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    static func readHolder(_ path: String) -> Holder {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return Holder() }
        var holder = Holder()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "pid": holder.pid = Int32(parts[1])
            case "started": holder.startedAt = parts[1]
            case "command": holder.command = parts[1]
            default: break
            }
        }
        return holder
    }
}
