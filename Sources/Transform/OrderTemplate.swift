import LedgerCore

/// A text setting with `{placeholder}`s from the order (`description: "{channel} order {order_number}"`), split once into
/// literal text and placeholders: the description, the idempotency key and the invoice prefix are filled in for every
/// order, and walking the template's characters each time cost more than the rest of the header.
///
/// A placeholder that is not one of `Placeholder`'s is kept as written, braces and all; so is an unclosed `{…`. A `{`
/// inside a placeholder starts it again (`{a{id}` is `{id}` with the `{a` dropped), as the templates always read.
struct OrderTemplate: Sendable {
    enum Placeholder: String, Sendable {
        case channel, store, id, currency, status
        case orderNumber = "order_number", buyerName = "buyer_name", paymentMethod = "payment_method"
    }

    enum Piece: Sendable {
        case text(String)
        case placeholder(Placeholder)
    }

    let pieces: [Piece]

    init(_ template: String) {
        var pieces: [Piece] = []
        var literal = ""
        var name: String?
        for character in template {
            if character == "{" {
                name = ""
                continue
            }
            if character == "}", let placeholder = name {
                if let known = Placeholder(rawValue: placeholder) {
                    if !literal.isEmpty { pieces.append(.text(literal)) }
                    literal = ""
                    pieces.append(.placeholder(known))
                } else {
                    literal += "{\(placeholder)}"
                }
                name = nil
                continue
            }
            if name != nil { name?.append(character) } else { literal.append(character) }
        }
        if let unfinished = name { literal += "{" + unfinished }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        self.pieces = pieces
    }

    func render(_ order: Order) -> String {
        if pieces.count == 1, case .text(let text) = pieces[0] { return text }
        var result = ""
        for piece in pieces {
            switch piece {
            case .text(let text): result += text
            case .placeholder(let placeholder): result += Self.value(placeholder, of: order)
            }
        }
        return result
    }

    static func value(_ placeholder: Placeholder, of order: Order) -> String {
        switch placeholder {
        case .channel: return order.channel.displayName
        case .store: return order.store
        case .orderNumber: return order.orderNumber
        case .id: return order.id
        case .buyerName: return order.buyer.name ?? ""
        case .paymentMethod: return order.paymentMethod ?? ""
        case .currency: return order.currency
        case .status: return order.status.rawValue
        }
    }
}

extension Channel {
    /// The channel's name as a description shows it (`{channel}`): its code with a capital.
    var displayName: String {
        switch self {
        case .shopee: return "Shopee"
        case .lazada: return "Lazada"
        case .tiktok: return "Tiktok"
        case .zalora: return "Zalora"
        case .shopify: return "Shopify"
        case .woocommerce: return "Woocommerce"
        case .webstore: return "Webstore"
        case .pos: return "Pos"
        case .other: return "Other"
        }
    }
}
