import Foundation
import OrderIO
import StateStore
import Sync

/// Orders read into the state store without syncing them (the console's upload): they wait as pending until a task
/// takes them. The same reading as `apply --orders` — order JSON or any channel export — under the state store's lock.
public enum StoreImport {
    public static func importOrders(path: String, mapping: String? = nil, packDirectory: String, statePath: String?,
                                    environment: [String: String] = ProcessInfo.processInfo.environment) throws(CommandFailure) -> ImportReport {
        let source = try PackUseCases.openOrders(path, mapping: mapping, packDirectory: packDirectory)
        let resolved = StateLocation.resolve(statePath, environment: environment)
        return try reporting {
            let lock = try StateLock.acquire(statePath: resolved, command: "ledgersync console (importing \(path))", wait: false)
            defer { lock.release() }
            return try Staging.importOrders(from: source, into: try StateStore(path: resolved))
        }
    }
}
