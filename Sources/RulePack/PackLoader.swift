import Foundation
import LedgerCore

/// A pack's files read and layered into one tree, before validation.
public struct LayeredPack: Sendable {
    /// The merged tree of the pack and everything it extends or includes.
    public var root: YAMLNode
    /// Absolute directory of the pack that was asked for.
    public var directory: String
    /// Every file that contributed, base packs first (absolute paths).
    public var files: [String]
    /// The git repository holding the pack, which includes, `extends` and item sheets must stay inside (so that
    /// `diff --against` finds them at any revision, and a clone has every file the pack reads); nil when the pack
    /// is not in a git repository, e.g. a copy to try a change, where every relative path that resolves is followed.
    public var repositoryRoot: String?
}

/// Reads `pack.yaml`, its `includes:` and its `extends:` chain. Paths are relative; inside a git repository they
/// stay inside it.
public struct PackLoader {
    public static let packFileName = "pack.yaml"

    /// How file names appear in diagnostics: relative to this directory when below it.
    public var displayBase: String

    public init(displayBase: String = FileManager.default.currentDirectoryPath) {
        self.displayBase = (displayBase as NSString).standardizingPath
    }

    public func displayPath(_ absolute: String) -> String {
        if absolute == displayBase { return "." }
        let base = displayBase.hasSuffix("/") ? displayBase : displayBase + "/"
        return absolute.hasPrefix(base) ? String(absolute.dropFirst(base.count)) : absolute
    }

    public func absolutePath(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : (displayBase as NSString).appendingPathComponent(path)
        return (full as NSString).standardizingPath
    }

    /// The nearest enclosing folder holding `.git` (a folder, or a file in a linked worktree); nil when there is
    /// none.
    public static func gitRepositoryRoot(containing directory: String) -> String? {
        var current = directory
        while true {
            if FileManager.default.fileExists(atPath: (current as NSString).appendingPathComponent(".git")) { return current }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty { return nil }
            current = parent
        }
    }

    public func load(packDirectory: String) -> (LayeredPack?, [Diagnostic]) {
        let directory = absolutePath(packDirectory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return (nil, [.error("pack folder '\(packDirectory)' does not exist; pass --pack with the folder that holds \(Self.packFileName)", at: SourceLocation(file: displayPath(directory)), code: "pack-not-found")])
        }
        let root = Self.gitRepositoryRoot(containing: directory)
        var diagnostics: [Diagnostic] = []
        var files: [String] = []
        let tree = loadPack(directory: directory, repositoryRoot: root, chain: [], files: &files, diagnostics: &diagnostics, via: nil)
        guard let tree else { return (nil, diagnostics) }
        return (LayeredPack(root: tree, directory: directory, files: files, repositoryRoot: root), diagnostics)
    }

    private func loadPack(directory: String, repositoryRoot: String?, chain: [String], files: inout [String],
                          diagnostics: inout [Diagnostic], via: SourceLocation?) -> YAMLNode? {
        let packFile = (directory as NSString).appendingPathComponent(Self.packFileName)
        let firstOwnFile = files.count
        if chain.contains(directory) {
            let cycle = (chain + [directory]).map { displayPath($0) }.joined(separator: " → ")
            diagnostics.append(.error("extends forms a cycle: \(cycle); remove one of the extends", at: via, keyPath: "extends", code: "extends-cycle"))
            return nil
        }
        guard FileManager.default.fileExists(atPath: packFile) else {
            diagnostics.append(.error("no \(Self.packFileName) in '\(displayPath(directory))'; a rule pack is a folder with a \(Self.packFileName) file", at: via ?? SourceLocation(file: displayPath(directory)), keyPath: via == nil ? nil : "extends", code: "pack-not-found"))
            return nil
        }
        guard var main = readFile(packFile, diagnostics: &diagnostics, files: &files) else { return nil }

        var layer: YAMLNode?
        // Includes are parts of this same pack: merged in order, then the pack file itself on top.
        if let includes = main["includes"] {
            let entries = includes.items ?? [includes]
            for entry in entries {
                guard let relative = entry.scalar, !entry.isNull else {
                    diagnostics.append(.error("each include must be a file path relative to \(Self.packFileName), found \(entry.describedForMessage)", at: entry.location, keyPath: "includes", code: "invalid-include"))
                    continue
                }
                guard let path = confinedPath(relative, relativeTo: directory, repositoryRoot: repositoryRoot, at: entry.location, keyPath: "includes", diagnostics: &diagnostics) else { continue }
                guard FileManager.default.fileExists(atPath: path) else {
                    diagnostics.append(.error("included file '\(relative)' does not exist (looked for \(displayPath(path)))", at: entry.location, keyPath: "includes", code: "include-not-found"))
                    continue
                }
                guard let part = readFile(path, diagnostics: &diagnostics, files: &files) else { continue }
                if part["extends"] != nil || part["includes"] != nil {
                    diagnostics.append(.error("an included file cannot itself use extends or includes; move them to \(Self.packFileName)", at: part["extends"]?.location ?? part["includes"]?.location, code: "invalid-include"))
                }
                layer = layer.map { YAMLMerge.merge(base: $0, overlay: part) } ?? part
            }
        }
        main = removingKeys(["includes"], from: main)
        layer = layer.map { YAMLMerge.merge(base: $0, overlay: main) } ?? main

        var result = layer
        if let extends = main["extends"] {
            result = result.map { removingKeys(["extends"], from: $0) }
            if let relative = extends.scalar, !extends.isNull {
                if let baseDirectory = confinedPath(relative, relativeTo: directory, repositoryRoot: repositoryRoot, at: extends.location, keyPath: "extends", diagnostics: &diagnostics) {
                    let ownFiles = Array(files[firstOwnFile...])
                    files.removeSubrange(firstOwnFile...)
                    defer { files += ownFiles }
                    if let base = loadPack(directory: baseDirectory, repositoryRoot: repositoryRoot, chain: chain + [directory], files: &files, diagnostics: &diagnostics, via: extends.location),
                       let overlay = result {
                        // The base's own `pack:` header describes the base, not the client.
                        result = YAMLMerge.merge(base: removingKeys(["pack"], from: base), overlay: overlay)
                    }
                }
            } else {
                diagnostics.append(.error("extends must be the path of a base pack folder, e.g. extends: ../base/malaysia-marketplaces", at: extends.location, keyPath: "extends", code: "invalid-extends"))
            }
        }
        return result
    }

    private func readFile(_ path: String, diagnostics: inout [Diagnostic], files: inout [String]) -> YAMLNode? {
        let shown = displayPath(path)
        files.append(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            diagnostics.append(.error("cannot read '\(shown)'; check that it exists and is readable", at: SourceLocation(file: shown), code: "unreadable-file"))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            diagnostics.append(.error("'\(shown)' is not UTF-8 text; save it as UTF-8", at: SourceLocation(file: shown), code: "unreadable-file"))
            return nil
        }
        switch YAMLTreeReader.read(text: text, displayPath: shown) {
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
            return nil
        case .success(let node):
            guard let node else { return YAMLNode(.mapping([]), at: SourceLocation(file: shown, line: 1, column: 1)) }
            guard node.pairs != nil else {
                diagnostics.append(.error("the top level of '\(shown)' must be a mapping of settings (key: value), found \(node.describedForMessage)", at: node.location, code: "invalid-type"))
                return nil
            }
            return node
        }
    }

    /// Resolves a path written in a pack. Absolute paths are refused everywhere: a copy of the pack would still
    /// read the original's files. Inside a git repository (`repositoryRoot`), so is anything outside it; outside
    /// git, any relative path is followed (whether it exists is checked where the file is read, at this location).
    func confinedPath(_ relative: String, relativeTo directory: String, repositoryRoot: String?, at location: SourceLocation,
                      keyPath: String, diagnostics: inout [Diagnostic]) -> String? {
        if relative.hasPrefix("/") || relative.hasPrefix("~") {
            let advice = repositoryRoot == nil
                ? "write it as a relative path (e.g. extends: ../base/malaysia-marketplaces), so a copy of the pack reads its own files"
                : "packs may only refer to files inside their repository, by a relative path"
            diagnostics.append(.error("'\(relative)' is an absolute path; \(advice)", at: location, keyPath: keyPath, code: "path-outside-repository"))
            return nil
        }
        let resolved = ((directory as NSString).appendingPathComponent(relative) as NSString).standardizingPath
        guard let repositoryRoot else { return resolved }
        let rootWithSlash = repositoryRoot.hasSuffix("/") ? repositoryRoot : repositoryRoot + "/"
        guard resolved == repositoryRoot || resolved.hasPrefix(rootWithSlash) else {
            let shownRoot = displayPath(repositoryRoot)
            let scope = shownRoot == "." ? "this repository" : "the repository \(shownRoot)"
            diagnostics.append(.error("'\(relative)' points outside \(scope); keep shared packs and sheets inside the same repository", at: location, keyPath: keyPath, code: "path-outside-repository"))
            return nil
        }
        return resolved
    }

    private func removingKeys(_ keys: Set<String>, from node: YAMLNode) -> YAMLNode {
        guard let pairs = node.pairs else { return node }
        return YAMLNode(.mapping(pairs.filter { !keys.contains($0.key.scalar ?? "") }), at: node.location)
    }
}
