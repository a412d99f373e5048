import LedgerCore
import OrderIO

extension Workflows {
    /// Fixes `selection` against the orders file (read once from `source`): the orders `plan` or `apply` takes.
    /// A ticked id not in the file, or a selection no order matches, fails with its message and `nothingDone`
    /// (what was therefore not done) on the next line.
    static func resolve(_ selection: OrderSelection, in source: OrderSource, ordersPath: String,
                        nothingDone: String) throws(CommandFailure) -> ResolvedSelection {
        do {
            return try selection.resolve(source, ordersPath: ordersPath)
        } catch let error as SelectionError {
            throw .message("\(error.description)\n\(nothingDone)")
        } catch {
            throw CommandFailure(error)
        }
    }
}

extension Workflows {
    /// The selection flags of `plan` and `apply` as typed; nil when none was given (every order of the file).
    /// Throws the usage error's message for a malformed date, an unknown status, an empty id.
    public static func orderSelection(orders: [String], ordersFrom: String?, statuses: [String], stores: [String],
                                      from: String?, to: String?) throws(CommandFailure) -> OrderSelection? {
        do {
            let selection = try OrderSelection(orders: orders, ordersFrom: ordersFrom, statuses: statuses, stores: stores, from: from, to: to)
            return selection.isEmpty ? nil : selection
        } catch {
            throw CommandFailure(error)
        }
    }
}
