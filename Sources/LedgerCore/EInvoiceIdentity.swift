/// MyInvois's rules for who a buyer is on an individual e-invoice: the TIN's form and which ID type and value go
/// with which TIN. Shared by the transform (which refuses an order before anything is sent) and the sandbox (which
/// refuses a document the way MyInvois would), so the two can never disagree.
public enum EInvoiceIdentity {
    /// The TIN MyInvois takes for a Malaysian individual who has only a MyKad, and for consolidated e-invoices.
    public static let generalPublicTIN = "EI00000000010"
    /// The TIN MyInvois takes for a foreign buyer without a Malaysian TIN.
    public static let foreignBuyerTIN = "EI00000000020"
    /// The ID value a consolidated e-invoice's "General Public" buyer carries.
    public static let consolidatedIDValue = "NA"

    /// Letter prefixes of LHDN TINs: `IG` individuals, `C` companies, `CS` cooperatives, `D` partnerships, `E`
    /// employers, `F` associations, `FA` non-resident public entertainers, `PT` limited liability partnerships, `TA`
    /// trust bodies, `TC` unit trusts, `TN` business trusts, `TR` REITs, `TP` deceased estates, `J` Hindu joint
    /// families, `LE` Labuan entities, and `EI` for the general TINs.
    public static let tinPrefixes = ["IG", "CS", "C", "D", "E", "FA", "F", "PT", "TA", "TC", "TN", "TR", "TP", "J", "LE", "EI"]
    /// SQL Account's TIN field holds 14 characters.
    public static let tinMaxLength = 14
    /// SQL Account's ID value field holds 20 characters.
    public static let idValueMaxLength = 20

    /// A problem with a buyer's identifiers: the canonical field it concerns (`buyer.einvoice.tin`) and what to do.
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public var field: String
        public var message: String
        public init(_ field: String, _ message: String) {
            self.field = field
            self.message = message
        }
        public var description: String { "\(field): \(message)" }
    }

    /// The identifiers an individual e-invoice carries once checked: the TIN (the buyer's own or a general one), the
    /// ID type and its value (an NRIC without dashes).
    public struct Resolved: Equatable, Sendable {
        public var tin: String
        public var idType: EInvoiceIDType?
        public var idValue: String
        public var sstNumber: String?
        public init(tin: String, idType: EInvoiceIDType?, idValue: String, sstNumber: String?) {
            self.tin = tin
            self.idType = idType
            self.idValue = idValue
            self.sstNumber = sstNumber
        }
    }

    /// A buyer's identifiers, checked.
    public enum Check: Equatable, Sendable {
        case valid(Resolved)
        case invalid([Problem])
    }

    /// Why `tin` is not a TIN MyInvois accepts, or nil when it is.
    public static func tinProblem(_ tin: String) -> String? {
        if tin.isEmpty { return "the TIN is empty" }
        if tin.utf8.count > tinMaxLength {
            return "'\(tin)' is \(tin.count) characters; a TIN has at most \(tinMaxLength) (for example IG21136626090 or C2584563200)"
        }
        // The longest prefix that fits: EI00000000010 is EI + digits, not E + "I000…".
        guard let prefix = tinPrefixes.filter({ tin.hasPrefix($0) }).max(by: { $0.utf8.count < $1.utf8.count }) else {
            let hint = tin.first.map { $0.isLowercase } == true ? " (write its letters in upper case)" : ""
            return "'\(tin)' does not start with a TIN prefix (IG for individuals, C for companies, EI for the general TINs …)\(hint)"
        }
        let digits = tin.utf8.dropFirst(prefix.utf8.count)
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return "'\(tin)' must be \(prefix) followed by digits only (no spaces or dashes)"
        }
        if prefix == "EI" && tin != generalPublicTIN && tin != foreignBuyerTIN && digits.count != 11 {
            return "'\(tin)' is not one of the general TINs (\(generalPublicTIN) for a MyKad holder, \(foreignBuyerTIN) for a foreign buyer)"
        }
        if digits.count < 8 { return "'\(tin)' has \(digits.count) digits after \(prefix); a TIN has at least 8" }
        return nil
    }

    /// An NRIC as MyInvois takes it (12 digits), from one written with or without dashes and spaces; nil when it is not one.
    public static func normalizedNRIC(_ text: String) -> String? {
        let digits = text.filter { $0 != "-" && $0 != " " }
        guard digits.utf8.count == 12, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return digits
    }

    /// Checks a buyer's identifiers for an individual e-invoice and fills a general TIN where MyInvois allows one.
    /// Every problem is listed, each at its field.
    public static func resolve(_ buyer: BuyerEInvoice) -> Check {
        let tinField = "buyer.einvoice.tin", typeField = "buyer.einvoice.id_type", valueField = "buyer.einvoice.id_value"
        var problems: [Problem] = []
        let tin = buyer.tin?.trimmingSpaces
        let rawValue = buyer.idValue?.trimmingSpaces ?? ""
        if let tin, !tin.isEmpty, let problem = tinProblem(tin) { problems.append(Problem(tinField, problem)) }
        var value = rawValue
        switch buyer.idType {
        case .nric?:
            if !rawValue.isEmpty {
                if let nric = normalizedNRIC(rawValue) { value = nric }
                else { problems.append(Problem(valueField, "'\(rawValue)' is not an NRIC: a MyKad number has 12 digits, e.g. 900101-14-5678")) }
            }
            if (tin ?? "").isEmpty || tin == generalPublicTIN {
                if rawValue.isEmpty {
                    problems.append(Problem(valueField, "an NRIC buyer without their own TIN needs the MyKad number, which goes with the general TIN \(generalPublicTIN)"))
                }
            }
            if tin == foreignBuyerTIN {
                problems.append(Problem(tinField, "\(foreignBuyerTIN) is for foreign buyers; a MyKad holder without a TIN takes \(generalPublicTIN)"))
            }
        case .passport?, .army?:
            if rawValue.isEmpty {
                let number = buyer.idType == .army ? "MyTentera (army) number" : "passport number"
                problems.append(Problem(valueField, "a \(buyer.idType!.rawValue) buyer needs the \(number) as the ID value"))
            }
            if buyer.idType == .passport && tin == generalPublicTIN {
                problems.append(Problem(tinField, "\(generalPublicTIN) is for MyKad holders; a foreign buyer without a TIN takes \(foreignBuyerTIN)"))
            }
        case .brn?:
            if rawValue.isEmpty { problems.append(Problem(valueField, "a BRN buyer needs the business registration number as the ID value")) }
            if (tin ?? "").isEmpty {
                problems.append(Problem(tinField, "a company (BRN) buyer needs its own TIN, or \(foreignBuyerTIN) if it is foreign"))
            } else if tin == generalPublicTIN {
                problems.append(Problem(tinField, "\(generalPublicTIN) is for individuals; a company gives its own TIN (or \(foreignBuyerTIN) if foreign)"))
            }
        case nil:
            if (tin ?? "").isEmpty {
                problems.append(Problem(typeField, "the buyer asked for an e-invoice but gave neither a TIN nor an ID: set id_type and id_value (NRIC, PASSPORT, BRN or ARMY) or tin"))
            } else if tin == generalPublicTIN || tin == foreignBuyerTIN {
                problems.append(Problem(typeField, "a general TIN (\(tin!)) needs the buyer's ID type and value beside it"))
            }
        }
        if value.utf8.count > idValueMaxLength {
            problems.append(Problem(valueField, "'\(value)' is \(value.count) characters; SQL Account holds at most \(idValueMaxLength)"))
        }
        if let sst = buyer.sstNumber?.trimmingSpaces, sst.utf8.count > 20 {
            problems.append(Problem("buyer.einvoice.sst_number", "'\(sst)' is \(sst.count) characters; an SST number has at most 20 (e.g. W10-1808-31000001)"))
        }
        guard problems.isEmpty else { return .invalid(problems) }
        let resolvedTIN: String
        if let tin, !tin.isEmpty { resolvedTIN = tin }
        else if buyer.idType == .passport { resolvedTIN = foreignBuyerTIN }
        else { resolvedTIN = generalPublicTIN }
        let sst = buyer.sstNumber?.trimmingSpaces
        return .valid(Resolved(tin: resolvedTIN, idType: buyer.idType, idValue: value, sstNumber: sst?.isEmpty == true ? nil : sst))
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (Foundation-free).
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
