import ArgumentParser
import LedgerSyncKit

struct Fmt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Rewrite the pack's own YAML files (pack.yaml, its includes, tests/*.yaml) in the canonical style, comments kept. Exit 1 if a file is not valid YAML.")
    @OptionGroup var packOption: PackOption
    @Flag(help: "Change nothing: show a diff for each file that is not formatted and exit 1 if there is any.") var check = false

    func run() throws {
        let console = Console.standard()
        try finish(Workflows.format(packDirectory: packOption.pack, check: check, console: console), console)
    }
}
