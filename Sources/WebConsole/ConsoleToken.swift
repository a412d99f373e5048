import Foundation
import LedgerCore

/// `--token-file`: the console's session token kept in a file, so a bookmark or a script keeps working across restarts.
public enum ConsoleToken {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The token in `path`, or a new one written there (readable by its owner only) when the file is missing or empty.
    public static func load(orCreateAt path: String) throws -> String {
        if let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty {
                guard token.count >= 32, token.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw Failure(description: "the token in \(path) must be at least 32 letters or digits; delete the file to have a new one made")
                }
                return token
            }
        }
        let token = ConsoleConfiguration.randomToken()
        do {
            // Owner-only before the token is in it: AtomicFile keeps the permissions of the file it replaces.
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw Failure(description: "cannot create \(path)")
                }
            }
            try AtomicFile.write(Array((token + "\n").utf8), to: path)
        } catch {
            throw Failure(description: "cannot write the token file: \(error)")
        }
        return token
    }
}
