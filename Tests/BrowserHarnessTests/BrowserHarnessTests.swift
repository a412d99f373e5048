import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The browser-test harness (TestSupport/WebDriver.swift) against pages this file serves: what a console test will
/// do — fill in and submit a form with a file, read what the page shows, fail with a useful message, take a
/// screenshot — done for real in headless Chromium. Serialized: each test starts its own Chromium, and the machine's
/// cores are shared.
@Suite(.serialized)
struct BrowserHarnessTests {
    static let formPage = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Retry orders</title></head>
        <body>
        <h1>Retry orders</h1>
        <form method="post" action="/submit" enctype="multipart/form-data">
          <label>Customer <input id="customer" name="customer" value="to be replaced"></label>
          <select id="channel" name="channel">
            <option value="shopee">Shopee</option>
            <option value="lazada">Lazada</option>
            <option value="tiktok">TikTok Shop</option>
          </select>
          <select id="store" name="store">
            <option value="SG-MY-01">Main store</option>
            <option value="SG-MY-02">Outlet</option>
          </select>
          <label><input type="checkbox" id="confirm" name="confirm" value="yes"> Retry now</label>
          <input type="file" id="orders" name="orders">
          <button type="submit" id="send">Send</button>
        </form>
        </body></html>
        """

    /// The server behind every test: the form, its result (each submitted field and file shown back, escaped), a page
    /// whose element appears late, and one showing text that looks like a script.
    static func makeServer() throws -> TestHTTPServer {
        try TestHTTPServer { request in
            switch (request.method, request.path) {
            case ("GET", "/form"):
                return .init(body: formPage)
            case ("POST", "/submit"):
                var rows = ""
                for part in formParts(request.body, contentType: request.headers["content-type"] ?? "") {
                    let content = escapeHTML(String(decoding: part.content, as: UTF8.self))
                    if let filename = part.filename {
                        rows += "<dt>\(escapeHTML(part.name)) file</dt><dd id=\"file-\(escapeHTML(part.name))\">\(escapeHTML(filename))</dd>"
                        rows += "<dd><pre id=\"content-\(escapeHTML(part.name))\">\(content)</pre></dd>\n"
                    } else {
                        rows += "<dt>\(escapeHTML(part.name))</dt><dd id=\"field-\(escapeHTML(part.name))\">\(content)</dd>\n"
                    }
                }
                return .init(body: "<!doctype html><html><head><meta charset=\"utf-8\"><title>Submitted</title></head><body><h1>Submitted</h1><dl>\(rows)</dl></body></html>")
            case ("GET", "/late"):
                return .init(body: """
                    <!doctype html><html><head><title>Late</title></head><body>
                    <p id="status">working</p>
                    <script>setTimeout(() => {
                      document.getElementById('status').textContent = 'done';
                      const p = document.createElement('p'); p.id = 'late'; p.textContent = 'arrived'; document.body.appendChild(p);
                    }, 400);</script>
                    </body></html>
                    """)
            case ("GET", "/note"):
                let note = "<script>window.pwned = true</script> & <b>not bold</b>"
                return .init(body: "<!doctype html><html><head><title>Note</title></head><body><p id=\"note\">\(escapeHTML(note))</p></body></html>")
            default:
                return .init(status: 404, body: "<!doctype html><title>Not found</title><p>no page \(escapeHTML(request.path))</p>")
            }
        }
    }

    @Test func aFormIsFilledInAndSubmittedWithAFile() async throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("browser-harness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let upload = folder.appendingPathComponent("orders.csv")
        try "order_id,sku\nSG-1000120,CHAIR-01\n".write(to: upload, atomically: true, encoding: .utf8)

        try await BrowserSession.withSession { browser in
            try await browser.open("\(server.base)/form")
            #expect(try await browser.pageTitle == "Retry orders")

            let customer = try await browser.find(css: "#customer")
            #expect(try await customer.value == "to be replaced")
            try await customer.clear()
            try await customer.type("Acme Living Sdn Bhd")
            #expect(try await customer.value == "Acme Living Sdn Bhd")
            // The attribute is what the page was served with; the value is what the user typed.
            #expect(try await customer.attribute("value") == "to be replaced")

            try await browser.find(css: "#channel").selectOption(text: "TikTok Shop")
            try await browser.find(css: "#store").selectOption(value: "SG-MY-02")
            #expect(try await browser.find(css: "#channel").value == "tiktok")
            #expect(try await browser.find(css: "#store option[value='SG-MY-02']").isSelected)

            let confirm = try await browser.find(css: "#confirm")
            #expect(try await confirm.isSelected == false)
            try await confirm.click()
            #expect(try await confirm.isSelected)

            try await browser.find(css: "#orders").setFile(upload.path)
            try await browser.find(css: "#send").click()

            // The page the server rendered from the multipart POST it received.
            try await browser.waitUntil(description: "the result page") { try await browser.pageTitle == "Submitted" }
            #expect(try await browser.currentURL == "\(server.base)/submit")
            #expect(try await browser.find(css: "#field-customer").text == "Acme Living Sdn Bhd")
            #expect(try await browser.find(css: "#field-channel").text == "tiktok")
            #expect(try await browser.find(css: "#field-store").text == "SG-MY-02")
            #expect(try await browser.find(css: "#field-confirm").text == "yes")
            #expect(try await browser.find(css: "#file-orders").text == "orders.csv")
            #expect(try await browser.find(css: "#content-orders").text == "order_id,sku\nSG-1000120,CHAIR-01")
            #expect(try await browser.findAll(css: "dd[id^=field-]").count == 4)
        }
    }

    @Test func submitSendsTheFormAndAnUncheckedBoxIsNotSent() async throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        try await BrowserSession.withSession { browser in
            try await browser.open("\(server.base)/form")
            try await browser.find(css: "#customer").submit()
            try await browser.waitUntil(description: "the result page") { try await browser.pageTitle == "Submitted" }
            #expect(try await browser.find(css: "#field-customer").text == "to be replaced")
            #expect(try await browser.find(css: "#field-channel").text == "shopee")
            #expect(try await browser.findAll(css: "#field-confirm").isEmpty)
        }
    }

    @Test func aMissingElementFailsNamingTheSelectorThePageAndItsTitle() async throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        try await BrowserSession.withSession { browser in
            try await browser.open("\(server.base)/form")
            let started = ContinuousClock.now
            let error = await #expect(throws: BrowserError.self) {
                try await browser.find(css: "#no-such-button", timeout: .milliseconds(500))
            }
            #expect(ContinuousClock.now - started >= .milliseconds(500))
            #expect(error?.kind == .elementNotFound)
            let message = error?.description ?? ""
            #expect(message.contains("'#no-such-button'"))
            #expect(message.contains("\(server.base)/form"))
            #expect(message.contains("'Retry orders'"))

            // An option that is not there is named with the ones that are.
            let optionError = await #expect(throws: BrowserError.self) {
                try await browser.find(css: "#channel").selectOption(text: "Zalora")
            }
            #expect(optionError?.description == "'#channel' has no <option> with visible text 'Zalora'; its options are: 'Shopee' (value 'shopee'), 'Lazada' (value 'lazada'), 'TikTok Shop' (value 'tiktok')")

            // A selector that is not CSS is chromedriver's error, with what was asked and the command.
            let invalid = await #expect(throws: WebDriverError.self) {
                try await browser.find(css: "#[", timeout: .milliseconds(200))
            }
            #expect(invalid?.error == "invalid selector")
            #expect(invalid?.action == "find '#['")
            #expect(invalid?.command.hasPrefix("POST /session/") == true)
        }
    }

    @Test func textThatLooksLikeAScriptIsReadBackAsText() async throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        try await BrowserSession.withSession { browser in
            try await browser.open("\(server.base)/note")
            #expect(try await browser.find(css: "#note").text == "<script>window.pwned = true</script> & <b>not bold</b>")
            #expect(try await browser.findAll(css: "#note script, #note b").isEmpty)
            #expect(try await browser.execute("return window.pwned === undefined") == true)

            // Typed into a form and shown back by the server, escaped: still text, still not run.
            try await browser.open("\(server.base)/form")
            let typed = "<script>window.pwned = true</script>"
            try await browser.find(css: "#customer").clear()
            try await browser.find(css: "#customer").type(typed)
            try await browser.find(css: "#send").click()
            #expect(try await browser.find(css: "#field-customer").text == typed)
            #expect(try await browser.execute("return window.pwned === undefined") == true)
        }
    }

    @Test func aScreenshotIsA1280x800PNGUnderBuildScreenshots() async throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        try await BrowserSession.withSession { browser in
            try await browser.open("\(server.base)/form")
            let path = try await browser.screenshot(name: "browser-harness/form page")
            #expect(path == BrowserSession.screenshotDirectory + "/browser-harness-form-page.png")
            #expect(path.hasSuffix("/.build/screenshots/browser-harness-form-page.png"))
            let png = try #require(FileManager.default.contents(atPath: path))
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            // The first chunk is IHDR: width and height, big-endian, at bytes 16-19 and 20-23.
            try #require(png.count > 24)
            #expect(String(decoding: png[12..<16], as: UTF8.self) == "IHDR")
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 1280)
            #expect(height == 800)
        }
    }

    @Test func scriptsTakeAndReturnJSONAndElements() async throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        try await BrowserSession.withSession { browser in
            try await browser.open("\(server.base)/form")
            let result = try await browser.execute("return [arguments[0] + 1, arguments[1].toUpperCase(), !arguments[2], null, {n: arguments[3].length}]",
                                                   41, "shopee", false, ["a", "b"])
            #expect(result == [42, "SHOPEE", true, nil, ["n": 2]])
            #expect(result[4]?["n"]?.number == 2)

            let heading = try #require(browser.element(try await browser.execute("return document.querySelector('h1')")))
            #expect(try await heading.text == "Retry orders")
            #expect(try await heading.tagName == "h1")
            let send = try await browser.find(css: "#send")
            #expect(try await browser.execute("return arguments[0].textContent", send.scriptValue) == "Send")
            #expect(try await browser.find(css: "form").findAll(css: "option").count == 5)

            // A script that throws is a WebDriverError carrying the page's message.
            let error = await #expect(throws: WebDriverError.self) {
                try await browser.execute("throw new Error('console broke')")
            }
            #expect(error?.error == "javascript error")
            #expect(error?.message.contains("console broke") == true)
        }
    }

    @Test func findWaitsForAnElementThatAppearsLaterAndWaitUntilTimesOutWithItsDescription() async throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        try await BrowserSession.withSession { browser in
            try await browser.open("\(server.base)/late")
            #expect(try await browser.findAll(css: "#late").isEmpty)
            #expect(try await browser.find(css: "#late").text == "arrived")
            try await browser.waitUntil(description: "the status to say done") { try await browser.find(css: "#status").text == "done" }

            let error = await #expect(throws: BrowserError.self) {
                try await browser.waitUntil(timeout: .milliseconds(300), description: "a row for order SG-1000120") {
                    try await browser.find(css: "#row-SG-1000120", timeout: .zero).isDisplayed
                }
            }
            #expect(error?.kind == .timedOut)
            let message = error?.description ?? ""
            #expect(message.hasPrefix("timed out after 0.3 s waiting for a row for order SG-1000120, on \(server.base)/late (title 'Late')"))
            #expect(message.contains("last error: no element matches the CSS selector '#row-SG-1000120'"))
        }
    }

    @Test func closeStopsChromedriverAndChromiumAndCanBeCalledTwice() async throws {
        let browser = try await BrowserSession.start()
        let group = browser.processGroup
        let port = browser.chromedriverPort
        #expect(kill(-group, 0) == 0)
        #expect(!Self.liveProcesses(inGroup: group).isEmpty)
        await browser.close()
        await browser.close()
        // No process of the group is left running: chromedriver, Chromium and its helpers are all gone. (Killed
        // orphans stay zombies until PID 1 reaps them, which is not the harness's to hurry.)
        var left = Self.liveProcesses(inGroup: group)
        for _ in 0..<20 where !left.isEmpty {
            try await Task.sleep(nanoseconds: 100_000_000)
            left = Self.liveProcesses(inGroup: group)
        }
        #expect(left == [])
        let unreachable = await #expect(throws: BrowserError.self) { try await browser.open("about:blank") }
        #expect(unreachable?.description.contains("already closed") == true)
        #expect(!Self.isListening(port: port))
    }

    @Test func missingToolsFailWithTheInstallCommand() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-browser-\(UUID().uuidString)").path
        let missing = #expect(throws: BrowserError.self) {
            try BrowserTools.locate(environment: ["PATH": empty], fallbackDirectories: [])
        }
        #expect(missing?.kind == .notInstalled)
        #expect(missing?.description.contains("chromedriver was not found") == true)
        #expect(missing?.description.contains("chromium or chromium-browser was not found") == true)
        #expect(missing?.description.hasSuffix("Install them with: apt-get install -y chromium chromium-driver") == true)

        let wrong = #expect(throws: BrowserError.self) {
            try BrowserTools.locate(environment: ["LEDGERSYNC_CHROMEDRIVER": "/nonexistent/chromedriver", "LEDGERSYNC_CHROMIUM": "/bin/sh"], fallbackDirectories: [])
        }
        #expect(wrong?.description.contains("LEDGERSYNC_CHROMEDRIVER is '/nonexistent/chromedriver', which is not an executable file") == true)
        #expect(wrong?.description.contains("LEDGERSYNC_CHROMIUM") == false)
    }

    /// "pid name" of every process in the process group that is not a zombie, from /proc.
    static func liveProcesses(inGroup group: Int32) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int32($0) != nil } ?? []
        return pids.compactMap { pid -> String? in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After "pid (name)": state, ppid, pgrp, …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", Int32(fields[2]) == group else { return nil }
            return "\(pid) \(stat[..<close].split(separator: "(").last ?? "")"
        }
    }

    /// Whether something accepts connections on 127.0.0.1:port.
    static func isListening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
