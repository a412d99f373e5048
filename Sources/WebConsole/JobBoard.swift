import Foundation

/// The syncs the console started, each run in the background while its page follows it (reloading each second).
final class JobBoard: @unchecked Sendable {
    enum State: Equatable {
        case running, succeeded, failed
    }

    final class Job: @unchecked Sendable {
        let id: Int
        let title: String
        let started = Date()
        fileprivate(set) var state: State = .running
        /// Documents to send, once staging is done; sent so far and of those failed.
        fileprivate(set) var total: Int?
        fileprivate(set) var done = 0
        fileprivate(set) var failed = 0
        fileprivate(set) var taskIDs: [Int64] = []
        fileprivate(set) var phase = "preparing: reading the orders and building their invoices"
        /// The use case's own summary, or its error, when it ended.
        fileprivate(set) var summary: String?
        fileprivate(set) var finished: Date?

        init(id: Int, title: String) {
            self.id = id
            self.title = title
        }
    }

    private let lock = NSLock()
    private var jobs: [Int: Job] = [:]
    private var nextID = 1

    func start(title: String) -> Job {
        lock.withLock {
            let job = Job(id: nextID, title: title)
            jobs[nextID] = job
            nextID += 1
            return job
        }
    }

    func job(_ id: Int) -> Job? { lock.withLock { jobs[id] } }

    /// A snapshot of the job's fields, read under the lock (the sync's workers update them).
    func read<T>(_ job: Job, _ body: (Job) -> T) -> T { lock.withLock { body(job) } }

    func update(_ job: Job, _ change: (Job) -> Void) { lock.withLock { change(job) } }

    var running: [Job] { lock.withLock { jobs.values.filter { $0.state == .running }.sorted { $0.id < $1.id } } }

    // The setters the service uses, kept here so only the board writes a job.
    func staged(_ job: Job, total: Int) { update(job) { $0.total = total; $0.phase = "sending" } }
    func taskStarted(_ job: Job, _ task: Int64) { update(job) { if !$0.taskIDs.contains(task) { $0.taskIDs.append(task) } } }
    func documentDone(_ job: Job, failed: Bool) { update(job) { $0.done += 1; if failed { $0.failed += 1 } } }
    func waiting(_ job: Job, _ why: String) { update(job) { $0.phase = why } }
    func finish(_ job: Job, succeeded: Bool, summary: String, taskIDs: [Int64]) {
        update(job) {
            $0.state = succeeded ? .succeeded : .failed
            $0.summary = summary
            for task in taskIDs where !$0.taskIDs.contains(task) { $0.taskIDs.append(task) }
            $0.finished = Date()
            $0.phase = "finished"
        }
    }
}
