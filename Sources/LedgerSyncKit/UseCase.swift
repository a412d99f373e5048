import Foundation
import LedgerCore
import LedgerJSON

// The shape every command follows: a use case takes a request value and returns a result value (or throws a
// `CommandFailure`) without touching a `Console`; a renderer turns that result into text or JSON; the result
// alone picks the exit status; a `Workflows.xxx(…, console:) -> Int32` adapter only wires the three together.
// So the decisions can be tested as values, and the output stays where the golden files pin it.

/// Why a use case stopped without a result, as the person running the command reads it on stderr.
public enum CommandFailure: Error, CustomStringConvertible {
    /// The pack did not load: every located problem in it.
    case invalidPack(directory: String, diagnostics: [Diagnostic])
    /// One message to act on: a located `Diagnostic`'s text, a state-store or client error, or the use case's own sentence.
    case message(String)

    /// Any error a use case meets, reported with exactly the text the commands have always printed for it.
    public init(_ error: any Error) {
        if let failure = error as? CommandFailure { self = failure } else { self = .message("\(error)") }
    }

    public var description: String {
        switch self {
        case .invalidPack(let directory, let diagnostics): return "pack '\(directory)' is invalid: \(DiagnosticRendering.summary(diagnostics))"
        case .message(let message): return message
        }
    }
}

/// A use case's result that decides its command's exit status (product spec §7), in one place per result type.
public protocol CommandResult {
    var exitStatus: Int32 { get }
}

/// What a command shows, decided by a renderer; the console only writes it.
public struct Rendered {
    public enum Piece {
        case text(String)
        /// One pretty-printed JSON document and a newline.
        case jsonDocument(JSONValue)
        /// One compact JSON value and a newline.
        case jsonLine(JSONValue)
    }

    public var out: [Piece] = []
    public var err = ""

    public init(out: [Piece] = [], err: String = "") {
        self.out = out
        self.err = err
    }

    public static func text(_ text: String) -> Rendered { Rendered(out: [.text(text)]) }
    public static func document(_ value: JSONValue) -> Rendered { Rendered(out: [.jsonDocument(value)]) }
    public static func error(_ text: String) -> Rendered { Rendered(err: text) }
}

/// The stderr text of a failure: the pack's diagnostics as a list (text) or one compact JSON line, else the message.
public enum FailureRendering {
    public static func text(_ failure: CommandFailure, format: OutputFormat) -> String {
        switch failure {
        case .invalidPack(let directory, let diagnostics):
            if format == .text {
                return DiagnosticRendering.text(diagnostics) + "pack '\(directory)' is invalid: \(DiagnosticRendering.summary(diagnostics))\n"
            }
            var object = JSONObject()
            object.append("valid", .bool(false))
            object.append("diagnostics", DiagnosticRendering.json(diagnostics))
            return JSONWriter.compactString(.object(object)) + "\n"
        case .message(let message):
            return message + "\n"
        }
    }
}

extension Workflows {
    /// The adapter behind every command entry point: run the use case, render its result (or its failure in
    /// `format`), write that, and return the exit status the result picks.
    static func respond<Result: CommandResult>(format: OutputFormat, console: Console, render: (Result) -> Rendered,
                                               _ useCase: () throws -> Result) -> Int32 {
        do {
            let result = try useCase()
            console.write(render(result))
            return result.exitStatus
        } catch {
            console.err(FailureRendering.text(CommandFailure(error), format: format))
            return ExitStatus.failure
        }
    }

    static func respond<Result: CommandResult>(format: OutputFormat, console: Console, render: (Result) -> Rendered,
                                               _ useCase: () async throws -> Result) async -> Int32 {
        do {
            let result = try await useCase()
            console.write(render(result))
            return result.exitStatus
        } catch {
            console.err(FailureRendering.text(CommandFailure(error), format: format))
            return ExitStatus.failure
        }
    }
}

/// Runs `body`, turning whatever it throws into the `CommandFailure` that reports it.
func reporting<T>(_ body: () throws -> T) throws(CommandFailure) -> T {
    do { return try body() } catch { throw CommandFailure(error) }
}

func reporting<T>(_ body: () async throws -> T) async throws(CommandFailure) -> T {
    do { return try await body() } catch { throw CommandFailure(error) }
}
