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
        @Option(help: "Only this channel's payouts (shopee, lazada, tiktok…); for a receipt by hand, the channel whose invoices are paid.") var channel: String?
        @Option(help: "Only payouts (or, for a receipt by hand, invoices) on or after this date (YYYY-MM-DD).") var from: String?
        @Option(help: "Only payouts (or, for a receipt by hand, invoices) on or before this date (YYYY-MM-DD).") var to: String?
        @Option(name: .customLong("invoice"), help: "A receipt by hand: tick this synced invoice (its SQL doc number; repeatable). Needs --channel and --paid-amount.") var invoices: [String] = []
        @Option(name: .customLong("order"), help: "A receipt by hand: tick this order's synced invoice (repeatable).") var orders: [String] = []
        @Option(name: .customLong("bank-charge"), help: "A receipt by hand: what the payment gateway kept, booked as the receipt's bank charge.") var bankCharge: String?
        @Option(help: "A receipt by hand: its reference (cheque number), e.g. the gateway's payout id.") var reference: String?
        @Option(help: "A receipt by hand: its date (YYYY-MM-DD; default --to, else today).") var date: String?

        func validate() throws {
            for (flag, value) in [("--from", from), ("--to", to), ("--date", date)] {
                if let value, value.count != 10 || value.split(separator: "-").count != 3 { throw ValidationError("\(flag) must be a date like 2025-10-01, found '\(value)'") }
            }
            if let bankCharge, Money(parsing: bankCharge) == nil || Money(parsing: bankCharge)!.isNegative {
                throw ValidationError("--bank-charge must be an amount like 12.50, found '\(bankCharge)'")
            }
            if (!invoices.isEmpty || !orders.isEmpty || bankCharge != nil || reference != nil || date != nil) && channel == nil {
                throw ValidationError("a receipt by hand (--invoice, --order, --bank-charge, --reference, --date) needs --channel")
            }
        }

        /// The receipt by hand these flags describe, when any is given.
        var manual: ManualReceipt? {
            guard !invoices.isEmpty || !orders.isEmpty || bankCharge != nil || reference != nil || date != nil else { return nil }
            return ManualReceipt(invoices: invoices, orders: orders, bankCharge: bankCharge.flatMap(Money.init(parsing:)) ?? .zero, reference: reference, date: date)
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
            abstract: "Import a channel settlement report (detected by content): errors (row, column, value, why) block it and nothing is written; re-importing is a no-op. --preview (or --dry-run) writes nothing.")
        @Option(help: "The channel the file must be from: shopee, lazada or tiktok (built-in readers), or one a settlement mapping is for (shopify, zalora…). Default: recognised by the file's columns.") var channel: String?
        @Option(help: "A settlement mapping: shopify-payments, zalora, one in the pack's settlements/ folder, or a mapping file (default: recognised by the file's header).") var mapping: String?
        @Argument(help: "The settlement file (Shopee income, Lazada statement, TikTok settlement, or a report a settlement mapping reads).") var file: String
        @Flag(help: "Show what importing would do — errors, warnings, the parsed rows and which are new — and write nothing (no state store is created or changed).")
        var preview = false
        @Flag(name: .customLong("dry-run"), help: "The same as --preview.") var dryRun = false
        @OptionGroup var packOption: SettlementPackOption
        @Option(help: stateHelp) var state: String?

        func run() throws {
            let console = Console.standard()
            try finish(Workflows.paymentsImport(statePath: state, channel: channel, mapping: mapping, packDirectory: packOption.pack, path: file,
                                                preview: preview || dryRun, console: console), console)
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
                                              to: selection.to, paidAmount: paid.amount, manual: selection.manual, format: format, console: console), console)
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sync the planned receipts to SQL Account exactly once (looked up by docref1 first), then the O/R numbers recorded with set-or, in one receipt task. Exit 0 when all are in.")
        @OptionGroup var packOption: PackOption
        @OptionGroup var selection: Selection
        @OptionGroup var paid: PaidAmountOption
        @Option(help: stateHelp) var state: String?
        @Option(help: "API base URL overriding the pack's host.") var endpoint: String?
        @Option(help: "text or json.") var format: OutputFormat = .text

        func run() async throws {
            let console = Console.standard()
            try finish(await Workflows.paymentsApply(packDirectory: packOption.pack, statePath: state, channel: selection.channel, from: selection.from,
                                                     to: selection.to, paidAmount: paid.amount, manual: selection.manual, endpoint: endpoint, format: format, console: console), console)
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
        static let configuration = CommandConfiguration(
            commandName: "set-or",
            abstract: "Record the official-receipt (O/R) number of a payment; the next payments apply sends it to the receipt in SQL Account (payments.or_number_field), exactly once.")
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
