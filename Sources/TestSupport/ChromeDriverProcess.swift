import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where chromedriver and Chromium are: `LEDGERSYNC_CHROMEDRIVER` / `LEDGERSYNC_CHROMIUM` when set, else the first
/// `chromedriver` / `chromium` (or `chromium-browser`) on `PATH`, else in the fallback folders (`/usr/bin` …).
public struct BrowserTools: Sendable, Equatable {
    public var chromedriver: String
    public var chromium: String

    /// What to run when one of them is missing; every "not found" message says it, so a bare machine is fixed in one step.
    public static let installHint = "apt-get install -y chromium chromium-driver"

    public init(chromedriver: String, chromium: String) {
        self.chromedriver = chromedriver
        self.chromium = chromium
    }

    /// Finds both, or throws one `BrowserError` (`.notInstalled`) naming every missing one, where it looked, and the
    /// install command. Never returns a guess: browser tests fail loudly on a machine without Chromium rather than
    /// being skipped, so a green run means the console was really exercised.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        fallbackDirectories: [String] = ["/usr/bin", "/usr/lib/chromium", "/usr/local/bin"]
    ) throws -> BrowserTools {
        let searchPath = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + fallbackDirectories
        var problems: [String] = []
        func find(_ names: [String], override variable: String) -> String? {
            if let given = environment[variable], !given.isEmpty {
                if FileManager.default.isExecutableFile(atPath: given) { return given }
                problems.append("\(variable) is '\(given)', which is not an executable file (point it at \(names[0]), or unset it)")
                return nil
            }
            for directory in searchPath {
                for name in names {
                    let candidate = (directory as NSString).appendingPathComponent(name)
                    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                }
            }
            problems.append("\(names.joined(separator: " or ")) was not found on PATH or in \(fallbackDirectories.joined(separator: ", ")) (or set \(variable))")
            return nil
        }
        let driver = find(["chromedriver"], override: "LEDGERSYNC_CHROMEDRIVER")
        let browser = find(["chromium", "chromium-browser"], override: "LEDGERSYNC_CHROMIUM")
        guard let driver, let browser else {
            throw BrowserError(.notInstalled, "browser tests need Chromium and chromedriver: \(problems.joined(separator: "; ")). Install them with: \(installHint)")
        }
        return BrowserTools(chromedriver: driver, chromium: browser)
    }
}

/// One chromedriver child process and the folder its Chromium works in, behind a small `sh` watchdog.
///
/// Why a watchdog: chromedriver does not stop the Chromium it started when it is killed, and a test run can be killed
/// (a timeout, ^C, SIGKILL) before `BrowserSession.close()` runs. Foundation's `Process` cannot ask for a parent-death
/// signal (`prctl(PR_SET_PDEATHSIG)` has to run in the child, and is tied to the spawning *thread*, which Dispatch may
/// retire). Instead the watchdog's standard input is a pipe whose write end only this process holds: the kernel closes
/// it when this process ends in any way, the watchdog's `cat` sees end of file, and it stops chromedriver, every
/// Chromium process (they share the watchdog's process group, which Foundation gives each child on Linux) and removes
/// the work folder (Chromium's profile and temporary files). `stop()` and `deinit` close the same pipe.
final class ChromeDriverProcess: @unchecked Sendable {
    let port: Int
    let workDirectory: String
    private let process: Process
    private let lock = NSLock()
    private var lifeline: Int32  // the pipe's write end; -1 once closed

    private static let watchdog = #"""
        work="$3"
        # kill 0 below must reach only chromedriver and Chromium: Foundation's Process gives each child a process
        # group of its own on Linux; refuse to run in anyone else's.
        pgrp=$(cut -d' ' -f5 /proc/$$/stat)
        if [ "$pgrp" != "$$" ]; then echo "watchdog: not a process group leader (group $pgrp, pid $$)" >&2; exit 3; fi
        exec 3<&0 </dev/null
        TMPDIR="$work/tmp" "$1" --port="$2" >"$work/chromedriver.log" 2>&1 3<&- &
        driver=$!
        echo "$driver" >"$work/chromedriver.pid"
        # The lifeline (fd 3): end of file when the test process closes the session or dies.
        { cat >/dev/null; kill -TERM "$driver" 2>/dev/null; } <&3 3<&- &
        exec 3<&-
        wait "$driver"
        echo "$?" >"$work/chromedriver.exit"
        # chromedriver may have died early: wait for the lifeline all the same, so cleanup happens once, at the end.
        wait
        trap '' TERM
        kill -TERM 0 2>/dev/null
        sleep 0.2
        rm -rf "$work"
        kill -KILL 0
        """#

    private init(port: Int, workDirectory: String, process: Process, lifeline: Int32) {
        self.port = port
        self.workDirectory = workDirectory
        self.process = process
        self.lifeline = lifeline
    }

    /// The process id of the watchdog, which leads the process group of chromedriver and its Chromium.
    var processGroup: Int32 { process.processIdentifier }

    /// Starts chromedriver on `port`; it is not ready yet (see `waitUntilReady`).
    static func launch(chromedriver: String, port: Int) throws -> ChromeDriverProcess {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("ledgersync-browser-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw BrowserError(.driverStartFailed, "cannot create a work folder for Chromium in \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))")
        }
        let work = String(cString: created)
        try? FileManager.default.createDirectory(atPath: (work as NSString).appendingPathComponent("tmp"), withIntermediateDirectories: true)

        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            try? FileManager.default.removeItem(atPath: work)
            throw BrowserError(.driverStartFailed, "cannot create a pipe for chromedriver: \(String(cString: strerror(errno)))")
        }
        // Close-on-exec, so no other child this test process starts (a CLI run, a test server) holds the write end
        // and keeps the watchdog from noticing that the tests are gone.
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", watchdog, "ledgersync-chromedriver-watchdog", chromedriver, String(port), work]
        process.standardInput = FileHandle(fileDescriptor: fds[0], closeOnDealloc: false)
        process.standardOutput = FileHandle.nullDevice
        let watchdogLog = (work as NSString).appendingPathComponent("watchdog.log")
        _ = FileManager.default.createFile(atPath: watchdogLog, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: watchdogLog) ?? FileHandle.nullDevice
        do {
            try runWithDefaultSignalMask(process)
        } catch {
            close(fds[0])
            close(fds[1])
            try? FileManager.default.removeItem(atPath: work)
            throw BrowserError(.driverStartFailed, "cannot start chromedriver (\(chromedriver)) through /bin/sh: \(error)")
        }
        close(fds[0])
        return ChromeDriverProcess(port: port, workDirectory: work, process: process, lifeline: fds[1])
    }

    /// Starts `process` from this thread with no signal blocked. Foundation's `Process` spawns the child with the
    /// calling thread's signal mask, and the threads of a Swift test block nearly every signal; inherited, that mask
    /// made chromedriver deaf to the watchdog's SIGTERM. The mask is restored before returning.
    private static func runWithDefaultSignalMask(_ process: Process) throws {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    deinit {
        // The backstop when a session was never closed: the watchdog cleans up on its own once the pipe is closed.
        closeLifeline()
    }

    /// chromedriver's output so far (its last lines), for a message when it fails to start or a session cannot be made.
    var logTail: String {
        let path = (workDirectory as NSString).appendingPathComponent("chromedriver.log")
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(15)
        return lines.isEmpty ? "(chromedriver wrote nothing)" : lines.joined(separator: "\n")
    }

    /// chromedriver's exit status once it has exited (it should not while the session lives).
    var exitStatus: String? {
        let path = (workDirectory as NSString).appendingPathComponent("chromedriver.exit")
        return (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls chromedriver's `/status` until it says it is ready; throws with its log when it exits or `timeout` passes.
    func waitUntilReady(timeout: TimeInterval) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = "no answer yet"
        while Date() < deadline {
            if !process.isRunning {
                let log = (try? String(contentsOfFile: (workDirectory as NSString).appendingPathComponent("watchdog.log"), encoding: .utf8)) ?? ""
                throw BrowserError(.driverStartFailed, "the chromedriver watchdog (/bin/sh) exited while starting: \(log)\n\(logTail)")
            }
            if let status = exitStatus {
                throw BrowserError(.driverStartFailed, "chromedriver exited with status \(status) while starting on port \(port):\n\(logTail)")
            }
            do {
                let response = try await LoopbackHTTP.send(method: "GET", port: port, path: "/status", body: nil, timeout: 2)
                let value = try? JSONDecoder().decode(ScriptValue.self, from: response.body)
                if value?["value"]?["ready"] == .bool(true) { return }
                last = "/status answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw BrowserError(.driverStartFailed, "chromedriver was not ready on port \(port) within \(Int(timeout)) s (last: \(last)):\n\(logTail)")
    }

    /// Lets go of chromedriver: the watchdog stops it and all of Chromium and removes the work folder. Waits up to
    /// `grace` seconds for that, then kills the whole process group. Safe to call more than once.
    func stop(grace: TimeInterval = 5) async {
        closeLifeline()
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        let group = process.processIdentifier
        // Only a group the watchdog still leads (while it runs its pid cannot be reused), never this process's own.
        if process.isRunning && group > 0 && getpgid(group) == group && group != getpgrp() {
            kill(-group, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    private func closeLifeline() {
        lock.lock()
        defer { lock.unlock() }
        if lifeline >= 0 {
            close(lifeline)
            lifeline = -1
        }
    }
}
