import Foundation
import LedgerCore
import RulePack
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Workflows {
    // MARK: fmt

    /// `ledgersync fmt`: rewrites the pack's own YAML files (pack.yaml, its includes, tests/*.yaml) in the
    /// canonical style, or with `check` only reports, with a diff, the files that are not in it.
    /// Exit 1 when a file is not valid YAML (it is never rewritten) or, with `check`, when any file would change.
    public static func format(packDirectory: String, check: Bool, console: Console) -> Int32 {
        let loader = PackLoader()
        let (files, problems) = PackFormatter.packFiles(packDirectory: packDirectory, loader: loader)
        if !problems.isEmpty { console.err(DiagnosticRendering.text(problems)) }
        var failed = problems.hasErrors
        var changed: [String] = []
        var formatted = 0
        for file in files {
            let shown = loader.displayPath(file)
            guard let data = FileManager.default.contents(atPath: file) else {
                console.err("\(shown): error: cannot read the file; check that it exists and is readable\n")
                failed = true
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                console.err("\(shown): error: the file is not UTF-8 text; save it as UTF-8\n")
                failed = true
                continue
            }
            switch PackFormatter.format(text, displayPath: shown) {
            case .failure(let diagnostic):
                console.err(DiagnosticRendering.text([diagnostic]))
                failed = true
            case .success(let result):
                if result == text {
                    formatted += 1
                } else if check {
                    changed.append(shown)
                    console.out(UnifiedDiff.render(old: text, new: result, oldName: shown, newName: "\(shown) (formatted)"))
                } else {
                    do {
                        try writeAtomically(result, to: file)
                        changed.append(shown)
                        console.out("formatted \(shown)\n")
                    } catch {
                        console.err("\(shown): error: cannot write the formatted file: \(error)\n")
                        failed = true
                    }
                }
            }
        }
        if check {
            if changed.isEmpty {
                if !failed { console.out("\(plural(formatted, "file")) formatted\n") }
            } else {
                let list = changed.joined(separator: ", ")
                console.err("\(plural(changed.count, "file")) not formatted (\(list)); run `ledgersync fmt --pack \(packDirectory)` to fix\n")
                failed = true
            }
        } else if changed.isEmpty && !failed {
            console.out("\(plural(formatted, "file")) already formatted\n")
        }
        return failed ? ExitStatus.failure : ExitStatus.success
    }

    private static func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// Replaces `path` (or the file a symlink points to) in one step, keeping its permissions (`AtomicFile`).
    /// A failure leaves the original as it was.
    static func writeAtomically(_ text: String, to path: String) throws {
        try AtomicFile.write(Array(text.utf8), to: path)
    }
}

/// A unified diff (`--- old` / `+++ new` / `@@ -l,n +l,n @@` hunks) between two texts, line by line.
public enum UnifiedDiff {
    private struct Line: Equatable {
        var text: String
        /// The last line of a file that does not end with a newline.
        var missingNewline: Bool
    }

    private enum Edit { case same(Int, Int), delete(Int), insert(Int) }

    /// The diff, or "" when the texts are equal.
    public static func render(old: String, new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = lines(old), b = lines(new)
        let edits = script(a, b)
        guard edits.contains(where: { if case .same = $0 { return false } else { return true } }) else { return "" }
        var text = "--- \(oldName)\n+++ \(newName)\n"
        // Group changes into hunks with `context` lines around them; close changes share a hunk.
        var index = 0
        while index < edits.count {
            guard let firstChange = edits[index...].firstIndex(where: { if case .same = $0 { return false } else { return true } }) else { break }
            let start = max(index, firstChange - context)
            var end = firstChange
            var sameRun = 0
            var cursor = firstChange
            while cursor < edits.count {
                if case .same = edits[cursor] {
                    sameRun += 1
                    if sameRun > 2 * context { break }
                } else {
                    sameRun = 0
                    end = cursor
                }
                cursor += 1
            }
            let stop = min(edits.count, end + context + 1)
            let hunk = edits[start..<stop]
            var oldStart = 0, newStart = 0, oldCount = 0, newCount = 0
            var body = ""
            // Line numbers where the hunk starts, counted from the edits before it.
            var oldLine = 0, newLine = 0
            for edit in edits[..<start] {
                switch edit {
                case .same: oldLine += 1; newLine += 1
                case .delete: oldLine += 1
                case .insert: newLine += 1
                }
            }
            oldStart = oldLine
            newStart = newLine
            for edit in hunk {
                switch edit {
                case .same(let i, _):
                    body += " " + show(a[i])
                    oldCount += 1
                    newCount += 1
                case .delete(let i):
                    body += "-" + show(a[i])
                    oldCount += 1
                case .insert(let j):
                    body += "+" + show(b[j])
                    newCount += 1
                }
            }
            text += "@@ -\(oldCount == 0 ? oldStart : oldStart + 1),\(oldCount) +\(newCount == 0 ? newStart : newStart + 1),\(newCount) @@\n" + body
            index = stop
        }
        return text
    }

    private static func show(_ line: Line) -> String {
        line.text + "\n" + (line.missingNewline ? "\\ No newline at end of file\n" : "")
    }

    private static func lines(_ text: String) -> [Line] {
        guard !text.isEmpty else { return [] }
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map { Line(text: String($0), missingNewline: false) }
        if parts.last?.text.isEmpty == true {
            parts.removeLast()
        } else if !parts.isEmpty {
            parts[parts.count - 1].missingNewline = true
        }
        return parts
    }

    /// A shortest edit script by longest common subsequence (after trimming the common ends).
    private static func script(_ a: [Line], _ b: [Line]) -> [Edit] {
        var prefix = 0
        while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let x = Array(a[prefix..<(a.count - suffix)]), y = Array(b[prefix..<(b.count - suffix)])
        var edits: [Edit] = (0..<prefix).map { .same($0, $0) }
        if x.count * y.count > 16_000_000 {
            // Too large to align: show the middle as replaced.
            edits += x.indices.map { .delete(prefix + $0) } + y.indices.map { .insert(prefix + $0) }
        } else {
            // lengths[i][j]: LCS length of x[i...] and y[j...].
            let width = y.count + 1
            var lengths = [Int](repeating: 0, count: (x.count + 1) * width)
            for i in stride(from: x.count - 1, through: 0, by: -1) {
                for j in stride(from: y.count - 1, through: 0, by: -1) {
                    lengths[i * width + j] = x[i] == y[j] ? lengths[(i + 1) * width + j + 1] + 1 : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
                }
            }
            var i = 0, j = 0
            while i < x.count || j < y.count {
                if i < x.count && j < y.count && x[i] == y[j] {
                    edits.append(.same(prefix + i, prefix + j)); i += 1; j += 1
                } else if i < x.count && (j == y.count || lengths[(i + 1) * width + j] >= lengths[i * width + j + 1]) {
                    edits.append(.delete(prefix + i)); i += 1
                } else {
                    edits.append(.insert(prefix + j)); j += 1
                }
            }
        }
        edits += (0..<suffix).map { .same(a.count - suffix + $0, b.count - suffix + $0) }
        return edits
    }
}
