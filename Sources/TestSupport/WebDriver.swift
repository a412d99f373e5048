import Foundation

/// A failure of the browser harness itself: Chromium or chromedriver missing or not starting, an element that never
/// appeared, a wait that ran out, a bad argument. Its description is the whole message, ready for a test failure.
public struct BrowserError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// chromedriver or Chromium is not installed (the message says what to install).
        case notInstalled
        /// chromedriver did not start, or could not start Chromium.
        case driverStartFailed
        /// No element matched a selector within the timeout.
        case elementNotFound
        /// `waitUntil` ran out of time.
        case timedOut
        /// An argument the harness refuses (a relative file path, an option that is not there …).
        case invalidArgument
        /// chromedriver could not be reached or gave an unreadable answer.
        case transport
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// An error answer from chromedriver (`{"value":{"error":…,"message":…}}`), with what the test was doing.
public struct WebDriverError: Error, CustomStringConvertible, Sendable {
    /// What the harness was asked to do, e.g. `click on 'button[type=submit]'`.
    public let action: String
    /// The WebDriver command, e.g. `POST /session/…/element/f.1/click`.
    public let command: String
    /// The W3C error code, e.g. `no such element`, `element not interactable`, `stale element reference`.
    public let error: String
    /// chromedriver's message.
    public let message: String

    public var description: String { "\(action) failed: \(error): \(message) (\(command))" }
}

/// A headless Chromium driven through chromedriver (W3C WebDriver), for tests of the local web console.
///
/// ```swift
/// try await BrowserSession.withSession { browser in
///     try await browser.open("http://127.0.0.1:\(port)/tasks")
///     try await browser.find(css: "input[name=order]").type("SG-1000120")
///     try await browser.find(css: "button[type=submit]").click()
///     #expect(try await browser.find(css: ".result").text == "1 order retried")
/// }
/// ```
///
/// Each session starts its own chromedriver on a free port (and with it one Chromium, 1280×800, headless) and stops
/// both at `close()`; `withSession` closes it however the body ends. If the test process dies first, a watchdog takes
/// them down anyway (see `ChromeDriverProcess`). Linux only: the watchdog reads `/proc`.
///
/// Waiting: `find(css:)` waits up to `defaultTimeout` for its element to appear, so a test never sleeps;
/// `findAll(css:)` answers at once (it may be empty); `waitUntil` polls any other condition.
/// Every call is async and waits for chromedriver on a Dispatch thread, never on Swift's cooperative pool.
/// Screenshots go to `.build/screenshots/` under the package root, which git ignores with the rest of `.build/`.
public final class BrowserSession: @unchecked Sendable {
    /// The WebDriver session id.
    public let sessionID: String
    /// How long `find(css:)` and `waitUntil` wait when not told otherwise.
    public let defaultTimeout: Duration
    /// The chromedriver and Chromium this session runs.
    public let tools: BrowserTools
    /// chromedriver's port on 127.0.0.1.
    public var chromedriverPort: Int { driver.port }
    /// The process group of chromedriver and its Chromium (led by their watchdog), for a test that checks nothing is
    /// left running after `close()`.
    public var processGroup: Int32 { driver.processGroup }

    // A session dropped without close(): ChromeDriverProcess's deinit lets go of the watchdog, which stops chromedriver
    // and Chromium (without the DELETE) and removes the work folder.
    private let driver: ChromeDriverProcess
    private let lock = NSLock()
    private var closed = false

    /// A WebDriver command's own limit; longer than Chromium's page-load limit (30 s), so that one answers first.
    static let commandTimeout: TimeInterval = 60

    private init(sessionID: String, driver: ChromeDriverProcess, tools: BrowserTools, defaultTimeout: Duration) {
        self.sessionID = sessionID
        self.driver = driver
        self.tools = tools
        self.defaultTimeout = defaultTimeout
    }

    /// Starts chromedriver and a headless Chromium of `width`×`height`. Throws `BrowserError` `.notInstalled` (saying
    /// `apt-get install -y chromium chromium-driver`) when either is missing, never skips.
    public static func start(
        width: Int = 1280, height: Int = 800, defaultTimeout: Duration = .seconds(5),
        tools: BrowserTools? = nil
    ) async throws -> BrowserSession {
        let tools = try tools ?? BrowserTools.locate()
        var attempt = 0
        while true {
            attempt += 1
            let driver = try ChromeDriverProcess.launch(chromedriver: tools.chromedriver, port: try LoopbackHTTP.freePort())
            do {
                try await driver.waitUntilReady(timeout: 20)
            } catch {
                await driver.stop()
                // The free port can be taken between finding it and chromedriver binding it, and chromedriver then
                // may report success on IPv6 alone: any start that never answers on 127.0.0.1 gets a new port.
                if attempt < 3 { continue }
                throw error
            }
            do {
                let id = try await createSession(on: driver, tools: tools, width: width, height: height)
                return BrowserSession(sessionID: id, driver: driver, tools: tools, defaultTimeout: defaultTimeout)
            } catch {
                let log = driver.logTail
                await driver.stop()
                throw BrowserError(.driverStartFailed, "chromedriver (\(tools.chromedriver)) could not start Chromium (\(tools.chromium)): \(error)\n\(log)")
            }
        }
    }

    /// Runs `body` with a new session and closes it afterwards, whether `body` returns or throws.
    public static func withSession<T>(
        width: Int = 1280, height: Int = 800, defaultTimeout: Duration = .seconds(5),
        _ body: (BrowserSession) async throws -> T
    ) async throws -> T {
        let session = try await start(width: width, height: height, defaultTimeout: defaultTimeout)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    private static func createSession(on driver: ChromeDriverProcess, tools: BrowserTools, width: Int, height: Int) async throws -> String {
        let arguments: [ScriptValue] = [
            "--headless=new",
            // Chromium's sandbox cannot start as root or in most containers (CI runs as root).
            "--no-sandbox",
            "--disable-gpu",
            // /dev/shm is tiny in containers; Chromium crashes tabs when it fills.
            "--disable-dev-shm-usage",
            .string("--window-size=\(width),\(height)"),
            // Inside the work folder, so the watchdog removes the profile even when the tests are killed.
            .string("--user-data-dir=\((driver.workDirectory as NSString).appendingPathComponent("profile"))"),
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            // Both the window and the screenshots the same size on every machine.
            "--force-device-scale-factor=1",
            "--hide-scrollbars",
        ]
        let capabilities: ScriptValue = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": ["binary": .string(tools.chromium), "args": .array(arguments)],
                    "timeouts": ["implicit": 0, "pageLoad": 30000, "script": 30000],
                    "unhandledPromptBehavior": "ignore",
                ],
            ],
        ]
        let value = try await send(driver: driver, "POST", "/session", capabilities, action: "start a Chromium session")
        guard let id = value["sessionId"]?.string else {
            throw BrowserError(.transport, "chromedriver's answer to POST /session has no sessionId: \(value)")
        }
        try await fitViewport(on: driver, session: id, width: width, height: height)
        return id
    }

    /// Makes the page area (what a screenshot shows) exactly `width`×`height`: `--window-size` sizes the window,
    /// and even headless Chromium keeps part of it for browser UI (1280×800 leaves a 1280×657 page). The window is
    /// grown by the difference, measured rather than assumed, since it differs between Chromium versions.
    private static func fitViewport(on driver: ChromeDriverProcess, session: String, width: Int, height: Int) async throws {
        func viewport() async throws -> (Int, Int) {
            let size = try await send(driver: driver, "POST", "/session/\(session)/execute/sync",
                                      ["script": "return [window.innerWidth, window.innerHeight]", "args": []], action: "measure the page area")
            return (Int(size[0]?.number ?? 0), Int(size[1]?.number ?? 0))
        }
        let (innerWidth, innerHeight) = try await viewport()
        guard innerWidth != width || innerHeight != height else { return }
        let rect = try await send(driver: driver, "GET", "/session/\(session)/window/rect", nil, action: "read the window size")
        let windowWidth = Int(rect["width"]?.number ?? Double(width)), windowHeight = Int(rect["height"]?.number ?? Double(height))
        _ = try await send(driver: driver, "POST", "/session/\(session)/window/rect",
                           ["width": .number(Double(windowWidth + width - innerWidth)), "height": .number(Double(windowHeight + height - innerHeight))],
                           action: "resize the window")
        let (fittedWidth, fittedHeight) = try await viewport()
        guard fittedWidth == width && fittedHeight == height else {
            throw BrowserError(.driverStartFailed, "cannot make the page area \(width)×\(height): it is \(fittedWidth)×\(fittedHeight) after resizing the window")
        }
    }

    // MARK: Navigation and page

    /// Loads `url` and waits for the page to load (not for scripts it starts later: `find` and `waitUntil` do that).
    public func open(_ url: String) async throws {
        _ = try await command("POST", "/url", ["url": .string(url)], action: "open \(url)")
    }

    public func open(_ url: URL) async throws { try await open(url.absoluteString) }

    public var currentURL: String {
        get async throws { try await command("GET", "/url", action: "read the current URL").string ?? "" }
    }

    public var pageTitle: String {
        get async throws { try await command("GET", "/title", action: "read the page title").string ?? "" }
    }

    /// The page's current DOM as HTML (after scripts ran), not the bytes the server sent.
    public var pageSource: String {
        get async throws { try await command("GET", "/source", action: "read the page source").string ?? "" }
    }

    public func back() async throws { _ = try await command("POST", "/back", [:], action: "go back") }
    public func reload() async throws { _ = try await command("POST", "/refresh", [:], action: "reload the page") }

    /// The text of the open `alert`/`confirm`/`prompt`; throws `WebDriverError` `no such alert` when none is open.
    public func alertText() async throws -> String {
        try await command("GET", "/alert/text", action: "read the alert's text").string ?? ""
    }
    public func acceptAlert() async throws { _ = try await command("POST", "/alert/accept", [:], action: "accept the alert") }
    public func dismissAlert() async throws { _ = try await command("POST", "/alert/dismiss", [:], action: "dismiss the alert") }

    // MARK: Finding elements

    /// The first element matching the CSS selector, waiting up to `timeout` (default `defaultTimeout`) for one to
    /// appear. Throws `BrowserError` `.elementNotFound` naming the selector, the page's URL and its title.
    public func find(css selector: String, timeout: Duration? = nil) async throws -> BrowserElement {
        try await findElement(css: selector, under: nil, timeout: timeout ?? defaultTimeout)
    }

    /// Every element matching the CSS selector now, in document order; empty when none (no waiting).
    public func findAll(css selector: String) async throws -> [BrowserElement] {
        try await findElements(css: selector, under: nil)
    }

    /// The element a script returned (`.element(id)`), or nil for any other value.
    public func element(_ value: ScriptValue, selector: String = "(from a script)") -> BrowserElement? {
        guard case .element(let id) = value else { return nil }
        return BrowserElement(session: self, id: id, selector: selector)
    }

    func findElement(css selector: String, under parent: BrowserElement?, timeout: Duration) async throws -> BrowserElement {
        let path = parent.map { "/element/\($0.id)/element" } ?? "/element"
        let scope = parent.map { " inside '\($0.selector)'" } ?? ""
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                let value = try await command("POST", path, ["using": "css selector", "value": .string(selector)], action: "find '\(selector)'\(scope)")
                if case .element(let id) = value { return BrowserElement(session: self, id: id, selector: selector) }
                throw BrowserError(.transport, "chromedriver's answer to find '\(selector)' is not an element: \(value)")
            } catch let error as WebDriverError where error.error == "no such element" {
                guard ContinuousClock.now < deadline else {
                    throw BrowserError(.elementNotFound, "no element matches the CSS selector '\(selector)'\(scope) after waiting \(seconds(timeout)) s, on \(await whereAmI())")
                }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
        }
    }

    func findElements(css selector: String, under parent: BrowserElement?) async throws -> [BrowserElement] {
        let path = parent.map { "/element/\($0.id)/elements" } ?? "/elements"
        let scope = parent.map { " inside '\($0.selector)'" } ?? ""
        let value = try await command("POST", path, ["using": "css selector", "value": .string(selector)], action: "find all '\(selector)'\(scope)")
        return (value.array ?? []).compactMap { item in
            guard case .element(let id) = item else { return nil }
            return BrowserElement(session: self, id: id, selector: selector)
        }
    }

    /// "URL (title 'T')" of the page now, for messages; never throws (a message about a failure must not fail).
    func whereAmI() async -> String {
        let url = (try? await currentURL) ?? "(URL unknown)"
        let title = (try? await pageTitle) ?? "(title unknown)"
        return "\(url) (title '\(title)')"
    }

    // MARK: Scripts and waiting

    /// Runs `script` as the body of a function in the page (`arguments[0]` … are `arguments`) and returns what it
    /// returns as JSON; elements come back as `.element` (wrap them with `element(_:)`). A script that throws fails
    /// with `WebDriverError` `javascript error`.
    public func execute(_ script: String, arguments: [ScriptValue] = []) async throws -> ScriptValue {
        try await command("POST", "/execute/sync", ["script": .string(script), "args": .array(arguments)], action: "run a script")
    }

    public func execute(_ script: String, _ arguments: ScriptValue...) async throws -> ScriptValue {
        try await execute(script, arguments: arguments)
    }

    /// Polls `condition` every 100 ms until it returns true; throws `BrowserError` `.timedOut` with `description`,
    /// the page, and the condition's last error, if any, after `timeout` (default `defaultTimeout`). An error from
    /// `condition` counts as "not yet" (an element that is not there yet), so it is retried until the time is up.
    public func waitUntil(timeout: Duration? = nil, description: String, _ condition: () async throws -> Bool) async throws {
        let timeout = timeout ?? defaultTimeout
        let deadline = ContinuousClock.now + timeout
        var lastError: Error?
        while true {
            do {
                if try await condition() { return }
                lastError = nil
            } catch {
                lastError = error
            }
            guard ContinuousClock.now < deadline else {
                let because = lastError.map { "; last error: \($0)" } ?? ""
                throw BrowserError(.timedOut, "timed out after \(seconds(timeout)) s waiting for \(description), on \(await whereAmI())\(because)")
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    // MARK: Screenshots

    /// The folder screenshots are written to: `.build/screenshots` under the package root (ignored by git).
    public static var screenshotDirectory: String {
        ((Golden.packageRoot as NSString).appendingPathComponent(".build") as NSString).appendingPathComponent("screenshots")
    }

    /// Saves the viewport as `.build/screenshots/NAME.png` (replacing an older one) and returns its absolute path.
    /// `name` is kept to letters, digits, `.`, `_` and `-`; anything else becomes `-`.
    @discardableResult
    public func screenshot(name: String) async throws -> String {
        let value = try await command("GET", "/screenshot", action: "take a screenshot '\(name)'")
        guard let base64 = value.string, let png = Data(base64Encoded: base64) else {
            throw BrowserError(.transport, "chromedriver's screenshot is not base64 PNG data")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        var safe = String(name.map { allowed.contains($0) ? $0 : "-" })
        while safe.hasPrefix(".") { safe.removeFirst() }
        if safe.isEmpty { safe = "screenshot" }
        let directory = Self.screenshotDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent(safe + ".png")
        try png.write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    // MARK: Closing

    /// Ends the WebDriver session (Chromium quits), stops chromedriver and removes Chromium's work folder. Safe to
    /// call more than once; never throws (a test that already failed should report its own failure, not this).
    public func close() async {
        let wasClosed = lock.withLock { () -> Bool in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        _ = try? await LoopbackHTTP.send(method: "DELETE", port: driver.port, path: "/session/\(sessionID)", body: nil, timeout: 10)
        await driver.stop()
    }

    // MARK: Wire

    /// Sends a command of this session (`path` is after `/session/{id}`) and returns the answer's `value`.
    func command(_ method: String, _ path: String, _ body: ScriptValue? = nil, action: String) async throws -> ScriptValue {
        guard !lock.withLock({ closed }) else { throw BrowserError(.invalidArgument, "\(action): the browser session was already closed") }
        return try await Self.send(driver: driver, method, "/session/\(sessionID)\(path)", body, action: action)
    }

    static func send(driver: ChromeDriverProcess, _ method: String, _ path: String, _ body: ScriptValue?, action: String) async throws -> ScriptValue {
        let data = try body.map { try JSONEncoder().encode($0) }
        let response = try await LoopbackHTTP.send(method: method, port: driver.port, path: path, body: data, timeout: commandTimeout)
        let command = "\(method) \(path)"
        guard let answer = try? JSONDecoder().decode(ScriptValue.self, from: response.body) else {
            throw BrowserError(.transport, "\(action): chromedriver's answer to \(command) (HTTP \(response.status)) is not JSON: \(String(decoding: response.body.prefix(500), as: UTF8.self))")
        }
        let value = answer["value"] ?? .null
        // Only a non-2xx answer is an error: a script may well return an object with an "error" member.
        guard (200..<300).contains(response.status) else {
            throw WebDriverError(action: action, command: command, error: value["error"]?.string ?? "HTTP \(response.status)",
                                 message: value["message"]?.string ?? "\(answer)")
        }
        return value
    }
}

/// `name` made safe as one segment of a command's path (a name with a space or `/` must not break the request).
func pathSegment(_ name: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove("/")
    return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
}

/// Seconds as text for messages ("5.0", "0.3").
func seconds(_ duration: Duration) -> String {
    let (whole, atto) = duration.components
    return String(format: "%.1f", Double(whole) + Double(atto) / 1e18)
}

/// An element of the page, found by `BrowserSession.find(css:)`. It is a reference into the live page: after the
/// page changes (a navigation, a re-render) it goes stale and its methods throw `WebDriverError`
/// `stale element reference`; find it again.
public struct BrowserElement: Sendable, CustomStringConvertible {
    public let session: BrowserSession
    /// The WebDriver element id.
    public let id: String
    /// The CSS selector it was found with, for messages.
    public let selector: String

    init(session: BrowserSession, id: String, selector: String) {
        self.session = session
        self.id = id
        self.selector = selector
    }

    public var description: String { "'\(selector)'" }

    /// As a script argument: `browser.execute("arguments[0].scrollIntoView()", element.scriptValue)`.
    public var scriptValue: ScriptValue { .element(id) }

    private func command(_ method: String, _ path: String, _ body: ScriptValue? = nil, action: String) async throws -> ScriptValue {
        try await session.command(method, "/element/\(id)\(path)", body, action: "\(action) \(self)")
    }

    /// The first descendant matching `selector`, waiting like `BrowserSession.find(css:)`.
    public func find(css selector: String, timeout: Duration? = nil) async throws -> BrowserElement {
        try await session.findElement(css: selector, under: self, timeout: timeout ?? session.defaultTimeout)
    }

    /// Every descendant matching `selector` now (no waiting).
    public func findAll(css selector: String) async throws -> [BrowserElement] {
        try await session.findElements(css: selector, under: self)
    }

    /// Clicks it as a user would (scrolled into view; fails with `element not interactable` / `element click
    /// intercepted` when hidden or covered, as a user could not click it either).
    public func click() async throws { _ = try await command("POST", "/click", [:], action: "click") }

    /// Empties a text input or textarea.
    public func clear() async throws { _ = try await command("POST", "/clear", [:], action: "clear") }

    /// Types `text` into it, key by key, after what is already there (`clear()` first to replace).
    public func type(_ text: String) async throws { _ = try await command("POST", "/value", ["text": .string(text)], action: "type into") }

    /// Chooses `path` (an existing absolute file) in an `<input type=file>`, as picking it in the file dialog would.
    public func setFile(_ path: String) async throws {
        guard path.hasPrefix("/") else {
            throw BrowserError(.invalidArgument, "setFile on \(self): '\(path)' is not an absolute path; the browser needs one")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw BrowserError(.invalidArgument, "setFile on \(self): there is no file at '\(path)'")
        }
        _ = try await command("POST", "/value", ["text": .string(path)], action: "choose a file in")
    }

    /// Its rendered, visible text (as a user reads it: markup is not text, hidden parts are left out, whitespace
    /// collapsed).
    public var text: String {
        get async throws { try await command("GET", "/text", action: "read the text of").string ?? "" }
    }

    /// The HTML attribute as written in the page (nil when absent). For what a user typed or chose, use `value`.
    public func attribute(_ name: String) async throws -> String? {
        try await command("GET", "/attribute/\(pathSegment(name))", action: "read the attribute '\(name)' of").string
    }

    /// A DOM property (`value`, `checked`, `disabled` …) as JSON.
    public func property(_ name: String) async throws -> ScriptValue {
        try await command("GET", "/property/\(pathSegment(name))", action: "read the property '\(name)' of")
    }

    /// The current value of an input, textarea or select (what the user typed or chose).
    public var value: String {
        get async throws { try await property("value").string ?? "" }
    }

    /// Whether a checkbox or radio button is checked, or an `<option>` selected.
    public var isSelected: Bool {
        get async throws { try await command("GET", "/selected", action: "read whether it is selected:").bool ?? false }
    }

    public var isEnabled: Bool {
        get async throws { try await command("GET", "/enabled", action: "read whether it is enabled:").bool ?? false }
    }

    /// Whether a user can see it (chromedriver's visibility check).
    public var isDisplayed: Bool {
        get async throws { try await command("GET", "/displayed", action: "read whether it is displayed:").bool ?? false }
    }

    /// Its tag name in lower case (`input`, `select` …).
    public var tagName: String {
        get async throws { try await command("GET", "/name", action: "read the tag name of").string?.lowercased() ?? "" }
    }

    /// Chooses the `<option>` of this `<select>` whose visible text (trimmed) is `text`, by clicking it.
    public func selectOption(text: String) async throws {
        try await selectOption(matching: "visible text '\(text)'") { option in
            try await option.text.trimmingCharacters(in: .whitespacesAndNewlines) == text
        }
    }

    /// Chooses the `<option>` of this `<select>` whose `value` is `value`, by clicking it.
    public func selectOption(value: String) async throws {
        try await selectOption(matching: "value '\(value)'") { option in try await option.value == value }
    }

    private func selectOption(matching what: String, _ matches: (BrowserElement) async throws -> Bool) async throws {
        let options = try await findAll(css: "option")
        for option in options {
            if try await matches(option) {
                try await option.click()
                return
            }
        }
        var choices: [String] = []
        for option in options {
            choices.append("'\(try await option.text.trimmingCharacters(in: .whitespacesAndNewlines))' (value '\(try await option.value)')")
        }
        throw BrowserError(.invalidArgument, "\(self) has no <option> with \(what); its options are: \(choices.isEmpty ? "none" : choices.joined(separator: ", "))")
    }

    /// Submits the form this element is in (or is) as pressing Enter or its submit button would: the form's
    /// validation and submit handlers run (`requestSubmit`), and a submit button it is clicked on is the submitter.
    public func submit() async throws {
        let script = """
            const element = arguments[0];
            const form = element.tagName === 'FORM' ? element : (element.form || element.closest('form'));
            if (!form) { return false; }
            const isSubmitter = (element.tagName === 'BUTTON' || element.tagName === 'INPUT') && element.type === 'submit';
            if (isSubmitter) { form.requestSubmit(element); } else { form.requestSubmit(); }
            return true;
            """
        let submitted = try await session.execute(script, arguments: [scriptValue])
        guard submitted == .bool(true) else {
            throw BrowserError(.invalidArgument, "submit \(self): it is not in a form")
        }
    }
}
