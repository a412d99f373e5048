/// An SQL Account API key pair (Cloud Mode: Access Key + Secret Key), optionally with a session token.
///
/// The secret never leaves this type in text form: `description`, `debugDescription`, string interpolation and
/// `dump` all show the access key and `secret: ****`. There is deliberately no public getter for the secret;
/// only the signer and the verifier in this module read it.
public struct Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The access key, e.g. `abcd1234.sql.my/ACCOUNTAPI`. It may contain `/`.
    public let accessKey: String
    let secretKey: String
    /// A temporary-credentials token, sent as `X-Amz-Security-Token`. SQL Account keys never need one; the
    /// official samples merely pass `AWS_SESSION_TOKEN` through.
    let sessionToken: String?

    public init(accessKey: String, secretKey: String, sessionToken: String? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = sessionToken
    }

    /// Whether a session token is attached (its value stays private like the secret).
    public var hasSessionToken: Bool { sessionToken != nil }

    public var description: String {
        var text = "Credentials(accessKey: \(accessKey), secret: \(Redactor.mask)"
        if sessionToken != nil { text += ", sessionToken: \(Redactor.mask)" }
        return text + ")"
    }

    public var debugDescription: String { description }

    /// What `dump` and debuggers walk: the stored secret is replaced so no reflection path reaches it.
    public var customMirror: Mirror {
        var children: [(label: String?, value: Any)] = [("accessKey", accessKey), ("secret", Redactor.mask)]
        if sessionToken != nil { children.append(("sessionToken", Redactor.mask)) }
        return Mirror(self, children: children, displayStyle: .struct)
    }

    /// A redactor that hides this key pair's secret and session token.
    public var redactor: Redactor { Redactor(credentials: self) }
}

/// Replaces secrets in text meant for logs and error messages with `****`.
///
/// It hides every occurrence of the registered secrets, also in the forms they take inside URLs
/// (percent-encoded) and JSON (`/` escaped as `\/`), and every SigV4 signature value
/// (`Signature=<hex>`, `X-Amz-Signature=<hex>`), whether or not that signature was registered.
public struct Redactor: Sendable {
    public static let mask = "****"

    private var needles: [[UInt8]]

    /// A redactor for arbitrary secret strings; empty strings are ignored (they would match everywhere).
    public init(secrets: [String] = []) {
        needles = []
        for secret in secrets { add(secret) }
    }

    public init(credentials: Credentials) {
        self.init(secrets: [credentials.secretKey] + (credentials.sessionToken.map { [$0] } ?? []))
    }

    /// Also hide `secret` (for example a signature or token computed later).
    public mutating func add(_ secret: String) {
        guard !secret.isEmpty else { return }
        // The raw form, its RFC 3986 percent-encoding (a secret with `/` or `+` inside a URL) and its JSON form.
        let variants = [secret, SigV4Encoding.uriEncode(secret), secret.replacingAll("/", with: "\\/")]
        for variant in variants where !variant.isEmpty {
            let bytes = Array(variant.utf8)
            if !needles.contains(bytes) { needles.append(bytes) }
        }
        // Longest first, so a secret that contains another is masked whole.
        needles.sort { $0.count > $1.count }
    }

    /// A copy that also hides `secret`.
    public func adding(_ secret: String) -> Redactor {
        var copy = self
        copy.add(secret)
        return copy
    }

    /// `text` with every registered secret and every signature value replaced by `****`.
    public func redact(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for needle in needles { bytes = ByteSearch.replacing(needle, with: Self.maskBytes, in: bytes) }
        bytes = Self.maskingSignatures(in: bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let maskBytes = Array(mask.utf8)

    /// Masks the hex run after any `signature=` (case-insensitive), which covers `Signature=` in an
    /// Authorization header and `X-Amz-Signature=` in a presigned URL.
    private static func maskingSignatures(in bytes: [UInt8]) -> [UInt8] {
        let marker = Array("signature=".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index + marker.count <= bytes.count,
               zip(bytes[index..<(index + marker.count)], marker).allSatisfy({ asciiLowercased($0) == $1 }) {
                result.append(contentsOf: bytes[index..<(index + marker.count)])
                index += marker.count
                let start = index
                while index < bytes.count, isHexDigit(bytes[index]) { index += 1 }
                if index > start { result.append(contentsOf: maskBytes) }
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70)
    }
}

extension String {
    /// Plain byte-wise substring replacement (exact, not locale-aware).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let result = ByteSearch.replacing(Array(target.utf8), with: Array(replacement.utf8), in: Array(utf8))
        return String(decoding: result, as: UTF8.self)
    }
}

enum ByteSearch {
    /// `haystack` with every non-overlapping occurrence of `needle` (left to right) replaced.
    static func replacing(_ needle: [UInt8], with replacement: [UInt8], in haystack: [UInt8]) -> [UInt8] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return haystack }
        var result: [UInt8] = []
        result.reserveCapacity(haystack.count)
        var index = 0
        while index < haystack.count {
            if index + needle.count <= haystack.count, haystack[index..<(index + needle.count)].elementsEqual(needle) {
                result.append(contentsOf: replacement)
                index += needle.count
            } else {
                result.append(haystack[index])
                index += 1
            }
        }
        return result
    }
}
