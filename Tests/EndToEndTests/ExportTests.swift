import Foundation
import TestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

extension Tools {
  static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }
  static let python3: String? =
    python ?? ["/usr/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// The text of an SVG frame: each `<text>` element's characters, as a row, trailing blanks
/// trimmed (as `render --format text` prints), or nil when it does not parse.
final class SVGText: NSObject, XMLParserDelegate {
  var rows: [String] = []
  var inText = false

  static func of(_ svg: String) -> String? {
    let reader = SVGText()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = reader
    guard parser.parse() else { return nil }
    return reader.rows.map { row in
      var line = row
      while line.last == " " { line.removeLast() }
      return line
    }.joined(separator: "\n") + "\n"
  }

  func parser(
    _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    if element == "text" {
      inText = true
      rows.append("")
    }
  }

  func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
    if element == "text" { inText = false }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if inText { rows[rows.count - 1] += string }
  }
}

/// An export of E1 (6 steps) at 80x24 into a new temporary directory; returns the directory.
func exportE1(_ extra: [String] = []) async throws -> String {
  let dir = try tempPath("e1")
  let r = try await run(["export", "scenes/e1-first-touch.scene", "-o", dir, "--size", "80x24"] + extra)
  #expect(r.status == 0, "\(r.stderr)")
  return dir
}

func exportFiles(_ dir: String) throws -> [String: Data] {
  var files: [String: Data] = [:]
  for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
    files[name] = try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent(name))
  }
  return files
}

@Suite("export: the page, step SVGs, cast and handout", .cleansUp)
struct ExportTests {
  @Test(
    "every step SVG parses as XML and its text is render --still --format text of that step",
    arguments: ["full", "none"])
  func stepSVGs(chrome: String) async throws {
    let dir = try await exportE1(["--chrome", chrome, "--theme", chrome == "full" ? "light" : "dark"])
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    #expect(
      names == ["index.html", "scene.cast", "scene.md", "scene.svg"]
        + (0...5).map { String(format: "step-%03d.svg", $0) })
    for k in 0...5 {
      let svg = try String(contentsOfFile: "\(dir)/\(String(format: "step-%03d.svg", k))", encoding: .utf8)
      let text = try #require(SVGText.of(svg), "step \(k) does not parse")
      var expected = try await run(
        ["render", "scenes/e1-first-touch.scene", "--step", "\(k)", "--size", "80x24", "--still"]
      ).stdout
      if chrome == "none" {
        expected =
          expected.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().dropLast(2)
          .joined(separator: "\n") + "\n"
      }
      #expect(text == expected, "step \(k)")
    }
    let md = try String(contentsOfFile: "\(dir)/scene.md", encoding: .utf8)
    for k in 0...5 { #expect(md.contains("](step-00\(k).svg)")) }
    let cast = try String(contentsOfFile: "\(dir)/scene.cast", encoding: .utf8)
    #expect(cast.hasSuffix("\\u001b[?25h\"]\n"))
    #expect(cast.components(separatedBy: "\"m\", \"step ").count - 1 == 6)
  }

  @Test("the page holds each step's frame once, its colours classes set per colour scheme")
  func pageFramesOnce() async throws {
    let dir = try await exportE1()
    let page = try String(contentsOfFile: "\(dir)/index.html", encoding: .utf8)
    #expect(page.components(separatedBy: "<svg ").count - 1 == 6)
    #expect(!page.contains("fill=\"#"))
    #expect(
      page.contains(".k0{fill:#ffffff}") && page.contains("@media (prefers-color-scheme: dark) {.k0{fill:#111418}"))
    // The inline frame parses as XML and its text is the step SVG's.
    let svg = try String(contentsOfFile: "\(dir)/step-003.svg", encoding: .utf8)
    let section = try #require(page.range(of: "data-step=\"3\""))
    let start = try #require(page.range(of: "<svg ", range: section.upperBound..<page.endIndex))
    let end = try #require(page.range(of: "</svg>", range: start.upperBound..<page.endIndex))
    let inline = String(page[start.lowerBound..<end.upperBound])
    #expect(SVGText.of(inline) != nil && SVGText.of(inline) == SVGText.of(svg))
  }

  /// At export's 100×30, E6's K1 was out of view at steps 10 to 12 (their narration is about
  /// its rmap_items) and nothing said so: a page cannot scroll. The steps named are the ones
  /// whose still frame (`render --still`, export's) marks rows out of view, and only those.
  @Test("export names the steps whose diagram does not fit the frame, and a taller size; none when all fit")
  func crowdedSteps() async throws {
    let scene = "scenes/e6-ksm-root-lifetime.scene"
    let small = try await run(["export", scene, "-o", try tempPath("e6-small"), "--size", "100x30"])
    #expect(small.status == 0, "\(small.stderr)")
    let note = try #require(
      small.stderr.firstMatch(of: /does not fit at steps? ([0-9, to]+) \(up to (\d+) rows? out of view/))
    let runs = note.1.split(separator: ", ").map { run in
      let ends = run.split(separator: " to ").compactMap { Int($0) }
      return (ends.first ?? -1)...(ends.last ?? -1)
    }
    #expect(!runs.isEmpty, "\(small.stderr)")
    for step in 0...12 {
      let frame = try await run(["render", scene, "--step", "\(step)", "--size", "100x30", "--still"])
      let hidden = frame.stdout.contains(/[↑↓] \d+ more/)
      #expect(hidden == runs.contains { $0.contains(step) }, "step \(step): \(small.stderr)\n\(frame.stdout)")
    }
    let most = try #require(Int(note.2))
    #expect(small.stderr.contains("up to \(most) \(most == 1 ? "row" : "rows") out of view"), "\(small.stderr)")
    #expect(small.stderr.contains("--size 100x\(30 + most) or taller"), "\(small.stderr)")
    let large = try await run(["export", scene, "-o", try tempPath("e6-large"), "--size", "200x60"])
    #expect(large.status == 0 && !large.stderr.contains("does not fit"), "\(large.stderr)")
  }

  @Test("two exports are byte-identical")
  func deterministic() async throws {
    let a = try exportFiles(try await exportE1())
    let b = try exportFiles(try await exportE1())
    #expect(a.count == 10 && a == b)
  }

  @Test("an existing target is left alone without --force; --force replaces an export, nothing else")
  func existingTarget() async throws {
    let dir = try await exportE1()
    let marker = "\(dir)/step-000.svg"
    try Data("mine".utf8).write(to: URL(fileURLWithPath: marker))
    let again = try await run(["export", "scenes/e1-first-touch.scene", "-o", dir, "--size", "80x24"])
    #expect(again.status == 2 && again.stderr.contains("--force"))
    #expect(try String(contentsOfFile: marker, encoding: .utf8) == "mine")
    #expect(
      try await run(["export", "scenes/e1-first-touch.scene", "-o", dir, "--size", "80x24", "--force"]).status == 0)
    #expect(try String(contentsOfFile: marker, encoding: .utf8) != "mine")
    try Data("notes".utf8).write(to: URL(fileURLWithPath: "\(dir)/my-notes.txt"))
    let foreign = try await run(["export", "scenes/e1-first-touch.scene", "-o", dir, "--force"])
    #expect(foreign.status == 2 && foreign.stderr.contains("my-notes.txt"))
    #expect(FileManager.default.fileExists(atPath: "\(dir)/my-notes.txt"))
    let link = try tempPath("link")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir)
    #expect(try await run(["export", "scenes/e1-first-touch.scene", "-o", link, "--force"]).status == 2)
    // Nothing is left beside the targets.
    let parent = (dir as NSString).deletingLastPathComponent
    #expect(try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix(".") }.isEmpty)
  }

  @Test("an export killed half-way leaves no directory under the target name, or a complete one")
  func killed() async throws {
    let binary = try #require(anonvisBinary)
    let dir = try tempPath("big")
    let parent = (dir as NSString).deletingLastPathComponent
    let p = Process()
    p.executableURL = binary
    p.arguments = ["export", "scenes/e3-three-generations.scene", "-o", dir, "--size", "200x60", "--quiet"]
    p.currentDirectoryURL = repoRoot
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    let exit = try start(p)
    // Kill it once its hidden build directory exists (or when it has finished): whenever the
    // kill lands, the target is absent or whole.
    while p.isRunning {
      let hidden = (try? FileManager.default.contentsOfDirectory(atPath: parent))?.contains { $0.hasPrefix(".big.") }
      if hidden == true { break }
      try? await Task.sleep(for: .milliseconds(1))
    }
    kill(p.processIdentifier, SIGKILL)
    _ = await exit.value
    if FileManager.default.fileExists(atPath: dir) {
      let names = try FileManager.default.contentsOfDirectory(atPath: dir)
      #expect(names.count == 4 + 9 && names.contains("index.html") && names.contains("scene.md"))
    }
  }

  @Test("hostile scene text never reaches the page or the handout raw")
  func hostile() async throws {
    let scene = try temporaryScene(
      "title \"<script>alert(1)</script>\u{1b}]52;c;AAAA\u{7}\"\nchapter \"<b>\u{1b}[2J\"\nspawn P1\n"
        + "say \"</p><script>x()</script>\u{202E}\u{1}\"\n")
    let dir = try tempPath("hostile")
    #expect(try await run(["export", scene, "-o", dir]).status == 0)
    let page = try String(contentsOfFile: "\(dir)/index.html", encoding: .utf8)
    #expect(page.components(separatedBy: "<script").count - 1 == 1)  // the page's own
    #expect(!page.contains("<b>") && !page.contains("</p><script"))
    #expect(!page.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0 == "\u{202E}" })
    // No request leaves the page: nothing to fetch, and a policy that forbids it.
    #expect(!page.contains("src=") && !page.contains("href=\"http") && page.contains("default-src 'none'"))
    let md = try String(contentsOfFile: "\(dir)/scene.md", encoding: .utf8)
    #expect(!md.contains("<script") && !md.contains("<b>") && !md.unicodeScalars.contains("\u{1b}"))
    for name in ["step-000.svg", "step-001.svg"] {
      #expect(SVGText.of(try String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)) != nil)
    }
  }
}

/// The page in a real browser (Debian's chromium, headless).
@Suite("export: the page in Chromium", .cleansUp)
struct ExportBrowserTests {
  /// Chromium headless; `offline` runs it in a new network namespace (`unshare -n`, as root),
  /// where no request can leave the machine: the page must work without one.
  static func chromium(_ args: [String], offline: Bool = false) async throws -> RunResult? {
    guard let chromium = Tools.need(Tools.chromium, "chromium") else { return nil }
    let profile = try tempPath("profile")
    let flags =
      ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile)"] + args
    guard offline else { return try await runTool(chromium, flags) }
    let unshare = try #require(
      ["/usr/bin/unshare", "/bin/unshare"].first { FileManager.default.isExecutableFile(atPath: $0) }, "no unshare")
    return try await runTool(unshare, ["-n", chromium] + flags)
  }

  @Test("#step-5 in the URL shows step 5 (its narration) as the current step")
  func stepFromURL() async throws {
    let dir = try await exportE1()
    // Without a network (as root; CI runs as root): the page needs none.
    guard let r = try await Self.chromium(["--dump-dom", "file://\(dir)/index.html#step-5"], offline: geteuid() == 0)
    else {
      return
    }
    #expect(r.status == 0, "\(r.stderr)")
    let current = try #require(r.stdout.range(of: "<section class=\"step current\" data-step=\"5\">"))
    let section = r.stdout[current.upperBound...].prefix { _ in true }
    let end = try #require(section.range(of: "</section>"))
    #expect(section[..<end.lowerBound].contains("vma-&gt;anon_vma is already set"))
    #expect(r.stdout.contains("step 5 of 5"))
    #expect(!r.stdout.contains("<section class=\"step current\" data-step=\"0\">"))
  }

  @Test("exported with --micro, #step-4-2 shows micro-step 2's frame in place of step 4's, its list item current")
  func microStepFromURL() async throws {
    let dir = try await exportE1(["--micro"])
    guard
      let r = try await Self.chromium(["--dump-dom", "file://\(dir)/index.html#step-4-2"], offline: geteuid() == 0)
    else {
      return
    }
    #expect(r.status == 0, "\(r.stderr)")
    let start = try #require(r.stdout.range(of: "<section class=\"step current\" data-step=\"4\">"))
    let rest = r.stdout[start.upperBound...]
    let section = rest[..<(try #require(rest.range(of: "</section>")).lowerBound)]
    // The step's own frame and every other micro-step's are hidden; micro-step 2's is shown.
    #expect(section.contains("<div class=\"frame\" data-micro=\"0\" hidden=\"\">"))
    #expect(section.contains("<div class=\"frame\" data-micro=\"2\">"))
    #expect(section.contains("<div class=\"frame\" data-micro=\"1\" hidden=\"\">"))
    let items = section.components(separatedBy: "<li").dropFirst()
    #expect(items.count >= 2)
    #expect(items.enumerated().allSatisfy { i, item in item.contains("aria-current=\"step\"") == (i == 1) })
    #expect(r.stdout.contains("step 4 of 5, micro-step 2 of \(items.count)"))
    // Micro-step 2's frame is in the page: its narration names it (`4.2/9 cpu0 …`), as its SVG file does.
    let file = try String(contentsOfFile: "\(dir)/step-004-m002.svg", encoding: .utf8)
    #expect(SVGText.of(file)?.contains("4.2/\(items.count) ") == true)
    #expect(section.contains("4.2/\(items.count)"))
  }

  @Test(
    "screenshots at desktop and phone width, light and dark, are not blank",
    arguments: [("1280,800", false), ("390,844", false), ("390,844", true), ("1280,800", true)])
  func screenshot(size: String, dark: Bool) async throws {
    let dir = try await exportE1()
    let png = try tempPath("shot.png")
    guard
      let r = try await Self.chromium(
        ["--window-size=\(size)", "--screenshot=\(png)"] + (dark ? ["--force-dark-mode"] : [])
          + ["file://\(dir)/index.html#step-4"], offline: geteuid() == 0)
    else { return }
    #expect(r.status == 0, "\(r.stderr)")
    guard let python = Tools.need(Tools.python3, "python3") else { return }
    let out = try await runTool(python, [repoRoot.appendingPathComponent("Tests/tools/pngcolors.py").path, png])
    let info = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    #expect((info["width"] as? Int).map { "\($0)," } == String(size.prefix { $0 != "," }) + ",")
    #expect((info["colors"] as? Int ?? 0) > 1)
    // The page's background follows the theme.
    let corner = (info["corner"] as? [Int]) ?? []
    #expect(corner.count == 3 && (dark ? corner.allSatisfy { $0 < 64 } : corner.allSatisfy { $0 > 192 }), "\(corner)")
  }
}
