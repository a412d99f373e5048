import Foundation

/// Every piece of text that reaches a page goes through `escape`: order fields are buyer and seller text
/// (a product named `<script>…` must show as those characters).
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A path segment or query value inside an `href`.
    static func url(_ text: String) -> String { escape(FormEncoding.escape(text)) }
}

/// The console's sections, in the navigation's order.
enum Section: String, CaseIterable {
    case orders = "Orders", plan = "Plan", tasks = "Tasks", payments = "Payments", status = "Status"

    var path: String { "/" + rawValue.lowercased() }
}

/// A message shown once at the top of the page after a form was handled (`?notice=` / `?problem=` on the redirect).
struct Flash {
    var notice: String?
    var problem: String?

    init(_ request: ConsoleRequest) {
        notice = request.queryValue("notice")
        problem = request.queryValue("problem")
    }
}

/// The frame around every page: title, navigation, the flash message, the body.
struct Page {
    var title: String
    var section: Section?
    var body: String
    var flash: Flash?
    /// While a sync runs, its page reloads itself each second (live progress without JavaScript).
    var refreshSeconds: Int?

    func render(packName: String) -> String {
        var html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · ledgersync</title>
        <link rel="stylesheet" href="/static/console.css">
        """
        if let refreshSeconds { html += "<meta http-equiv=\"refresh\" content=\"\(refreshSeconds)\">" }
        html += "<script src=\"/static/console.js\" defer></script></head><body>\n"
        html += "<header><span class=\"brand\">ledgersync</span><span class=\"pack\">\(HTML.escape(packName))</span><nav>"
        for item in Section.allCases {
            html += "<a href=\"\(item.path)\"\(item == section ? " class=\"active\" aria-current=\"page\"" : "")>\(item.rawValue)</a>"
        }
        html += "</nav></header>\n<main>\n<h1>\(HTML.escape(title))</h1>\n"
        if let notice = flash?.notice { html += "<p class=\"notice\" role=\"status\" id=\"notice\">\(HTML.escape(notice))</p>\n" }
        if let problem = flash?.problem { html += "<p class=\"problem\" role=\"alert\" id=\"problem\">\(HTML.escape(problem))</p>\n" }
        html += body
        html += "\n</main></body></html>\n"
        return html
    }
}

/// Small builders for the tables and forms the pages share.
enum Markup {
    /// A table; `cells` are already HTML.
    static func table(id: String? = nil, headers: [String], rows: [[String]], empty: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(HTML.escape(empty))</p>" }
        var html = "<table\(id.map { " id=\"\($0)\"" } ?? "")><thead><tr>"
        for header in headers { html += "<th>\(header)</th>" }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// The hidden field every state-changing form carries.
    static func csrf(_ token: String) -> String { "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(token))\">" }

    /// A one-button form posting to `action`.
    static func button(_ label: String, action: String, csrf token: String, id: String? = nil, confirm: String? = nil, fields: [(String, String)] = []) -> String {
        var html = "<form method=\"post\" action=\"\(HTML.escape(action))\" class=\"inline\"\(confirm.map { " data-confirm=\"\(HTML.escape($0))\"" } ?? "")>"
        html += csrf(token)
        for (name, value) in fields { html += "<input type=\"hidden\" name=\"\(HTML.escape(name))\" value=\"\(HTML.escape(value))\">" }
        html += "<button type=\"submit\"\(id.map { " id=\"\($0)\"" } ?? "")>\(HTML.escape(label))</button></form>"
        return html
    }

    static func badge(_ status: String) -> String { "<span class=\"badge \(HTML.escape(status))\">\(HTML.escape(status))</span>" }
}
