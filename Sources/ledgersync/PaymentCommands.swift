import ArgumentParser
import Foundation
import LedgerCore
import LedgerSyncKit

/// `ledgersync payments …`: channel payouts → customer payments (official receipts) knocking off the invoices.
struct PaymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments", abstract: "Customer payments from channel settlement reports: plan them, sync them exactly once, record the O/R numbers.",
        subcommands: [Import.self, Plan.self, Apply.self, List.self, Show.self, SetOR.self])

    struct Selection: ParsableArguments {
        @Option(help: "Only this channel's payouts (shopee, lazada, tiktok…).") var channel: String?
        @Option(help: "Only payouts on or after this date (YYYY-MM-DD).") var from: String?
        @Option(help: "Only payouts on or before this date (YYYY-MM-DD).") var to: String?

        func validate() throws {
            for (flag, value) in [("--from", from), ("--to", to)] {
                if let value, value.count != 10 || value.split(separator: "-").count != 3 { throw ValidationError("\(flag) must be a date like 2025-10-01, found '\(value)'") }
            }
        }
    }

    /// `--paid-amount`: what actually reached the bank for the one receipt selected, instead of the settlement's figure.
    struct PaidAmountOption: ParsableArguments {
        @Option(help: ArgumentHelp("What reached the bank for the one receipt selected (e.g. 1234.50), replacing the settlement's payout.",
                                   valueName: "amount"))
        var paidAmount: String?

        /// The entered amount, exact to the sen; nil when none was entered (validated by `validate()`).
        var amount: Money? { paidAmount.flatMap { Money(parsing: $0) } }

        func validate() throws {
            guard let paidAmount else { return }
            // Exact decimal only: a thousands separator, a currency or a third decimal is refused rather than guessed.
            guard let amount = Money(parsing: paidAmount) else {
                throw ValidationError("--paid-amount must be an amount like 1234.50 (digits, at most two decimals, no thousands separator or currency), found '\(paidAmount)'")
            }
            guard amount.minorUnits > 0 else {
                throw ValidationError("--paid-amount is what reached the bank and must be more than 0.00, found '\(paidAmount)'")
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a channel settlement report (detected by content): errors (row, column, value, why) block it and nothing is written; re-importing is a no-op.")
        @Option(help: "The channel the file must be from: shopee, lazada or tiktok (built-in readers), or one a settlement mapping is for (shopify, zalora…). Default: recognised by the file's columns.") var channel: String?
        @Option(help: "A settlement mapping: shopify-payments, zalora, one in the pack's settlements/ folder, or a mapping file (default: recognised by the file's header).") var mapping: String?
        @Argument(help: "The settlement file (Shopee income, Lazada statement, TikTok settlement, or a report a settlement mapping reads).") var file: String
        @Flag(help: "Show the parsed rows.") var preview = false
        @OptionGroup var packOption: SettlementPackOption
        @Option(help: stateHelp) var state: String?

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.paymentsImport(statePath: state, channel: channel, mapping: mapping, packDirectory: packOption.pack, path: file,
                                                preview: preview, console: console), console)
        }
    }

    /// `--pack` on `payments import`: optional; its `settlements/` mappings are tried before the built-in ones.
    struct SettlementPackOption: ParsableArguments {
        @Option(name: .long, help: "Rule pack folder: its settlements/ mappings are tried before the built-in ones (default: the current folder when it holds pack.yaml).")
        var pack: String?

        func validate() throws {
            var isDirectory: ObjCBool = false
            if let pack, !(FileManager.default.fileExists(atPath: pack, isDirectory: &isDirectory) && isDirectory.boolValue) {
                throw ValidationError("--pack '\(pack)' is not a folder")
            }
        }
    }

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the receipts the imported settlements call for — each knock-off, the fees, what stays unapplied — before anything is sent.")
        @OptionGroup var packOption: PackOption
        @OptionGroup var selection: Selection
        @OptionGroup var paid: PaidAmountOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "text or json.") var format: OutputFormat = .text

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.paymentsPlan(packDirectory: packOption.pack, statePath: state, channel: selection.channel, from: selection.from,
                                              to: selection.to, paidAmount: paid.amount, format: format, console: console), console)
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sync the planned receipts to SQL Account exactly once (looked up by docref1 first). Exit 0 when all are in.")
        @OptionGroup var packOption: PackOption
        @OptionGroup var selection: Selection
        @OptionGroup var paid: PaidAmountOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "API base URL overriding the pack's host.") var endpoint: String?
        @Option(help: "text or json.") var format: OutputFormat = .text

        func run() async throws {
            let console = Console.standard()
            try finish(await Workflows.paymentsApply(packDirectory: packOption.pack, statePath: state, channel: selection.channel, from: selection.from,
                                                     to: selection.to, paidAmount: paid.amount, endpoint: endpoint, format: format, console: console), console)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the payments with their SQL receipt numbers and O/R numbers.")
        @OptionGroup var packOption: UnusedPackOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "text or json.") var format: OutputFormat = .text

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.paymentsList(statePath: state, format: format, console: console), console)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one payment: its state, numbers, the receipt sent and every request made for it.")
        @Argument(help: "The payment number.") var paymentID: Int64
        @OptionGroup var packOption: UnusedPackOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "text or json.") var format: OutputFormat = .text

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.paymentShow(statePath: state, paymentID: paymentID, format: format, console: console), console)
        }
    }

    struct SetOR: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-or", abstract: "Record the official-receipt (O/R) number of a payment.")
        @Argument(help: "The payment number.") var paymentID: Int64
        @Argument(help: "The O/R number.") var receiptNumber: String
        @OptionGroup var packOption: UnusedPackOption
        @Option(help: stateHelp) var state: String?

        func validate() throws {
            if receiptNumber.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("the O/R number cannot be empty") }
        }

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.paymentsSetOR(statePath: state, paymentID: paymentID, receiptNumber: receiptNumber, console: console), console)
        }
    }
}
