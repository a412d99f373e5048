/// A position in a user-supplied file: a pack YAML file, an orders file, a matching sheet.
/// Lines and columns are 1-based; 0 means "unknown" (e.g. a whole-file problem).
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int = 0, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`, dropping the parts that are unknown.
    public var description: String {
        if line <= 0 { return file }
        if column <= 0 { return "\(file):\(line)" }
        return "\(file):\(line):\(column)"
    }

    /// `file:line`, the short form used in provenance.
    public var fileAndLine: String { line > 0 ? "\(file):\(line)" : file }

    /// The same file, moved right by `offset` columns on the same line (for positions inside a scalar).
    public func advanced(byColumns offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column > 0 ? column + offset : column)
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// The one diagnostic type of ledgersync: every problem in a pack, an order or a sheet is one of these.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable, Codable, Comparable {
        case error, warning, note
        private var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    /// What is wrong and what to do about it, quoting the offending value.
    public var message: String
    public var location: SourceLocation?
    /// Where in the document the problem sits, e.g. `defaults.agent` or `lines[2].qty`.
    public var keyPath: String?
    /// A likely intended value for an unknown key or reference ("did you mean").
    public var suggestion: String?
    /// A stable identifier for tooling, e.g. `unknown-key`.
    public var code: String

    public init(_ severity: Severity, _ message: String, at location: SourceLocation? = nil,
                keyPath: String? = nil, suggestion: String? = nil, code: String = "invalid") {
        self.severity = severity
        self.message = message
        self.location = location
        self.keyPath = keyPath
        self.suggestion = suggestion
        self.code = code
    }

    public static func error(_ message: String, at location: SourceLocation? = nil, keyPath: String? = nil,
                             suggestion: String? = nil, code: String = "invalid") -> Diagnostic {
        Diagnostic(.error, message, at: location, keyPath: keyPath, suggestion: suggestion, code: code)
    }

    public static func warning(_ message: String, at location: SourceLocation? = nil, keyPath: String? = nil,
                               suggestion: String? = nil, code: String = "invalid") -> Diagnostic {
        Diagnostic(.warning, message, at: location, keyPath: keyPath, suggestion: suggestion, code: code)
    }

    /// `path:line:col: error: message (at key.path) did you mean 'x'?` — the compiler-style text form.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "\(severity.rawValue): \(message)"
        if let keyPath, !keyPath.isEmpty { text += " (at \(keyPath))" }
        if let suggestion { text += "; did you mean '\(suggestion)'?" }
        return text
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
    public var errors: [Diagnostic] { filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { filter { $0.severity == .warning } }

    /// By file position (diagnostics without one last), so listings read top to bottom and are stable for golden files.
    public func sortedForDisplay() -> [Diagnostic] {
        enumerated().sorted { a, b in
            let la = a.element.location, lb = b.element.location
            if la != lb {
                switch (la, lb) {
                case let (x?, y?): return x < y
                case (nil, _?): return false
                case (_?, nil): return true
                default: break
                }
            }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// Edit distance based "did you mean": the closest candidate within a third of the word's length.
public enum Suggest {
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = levenshtein(lowered, candidate.lowercased())
            if best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best else { return nil }
        let limit = max(2, word.count / 3)
        return distance <= limit ? candidate : nil
    }

    public static func levenshtein(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// Lets APIs return `Result<_, [Diagnostic]>`: validation reports every problem at once.
extension Array: @retroactive Error where Element == Diagnostic {}
