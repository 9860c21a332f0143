import Foundation
import TestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `scene.svg` read back with a real XML parser: each frame's text (its rows' `<text>`, resolved
/// through `<use>`), in document order, and the CSS that animates it.
final class AnimatedSVGReader: NSObject, XMLParserDelegate {
  var rowText: [String: String] = [:]
  var frames: [(step: Int, ms: Int, rows: [String])] = []
  var style = ""
  private var row: String?
  private var inText = false
  private var inStyle = false

  static func read(_ svg: String) -> AnimatedSVGReader? {
    let reader = AnimatedSVGReader()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = reader
    return parser.parse() ? reader : nil
  }

  /// Frame `i`'s text as `render --format text` prints it (trailing blanks trimmed).
  func text(_ i: Int) -> String {
    frames[i].rows.map { id in
      var line = rowText[id] ?? "?"
      while line.last == " " { line.removeLast() }
      return line
    }.joined(separator: "\n") + "\n"
  }

  /// The animation's period in ms and each frame's visible interval in percent of it, from the
  /// style sheet: `animation: Tms` and per frame `@keyframes sK { P% { visibility: V; } ... }`.
  func timing() -> (period: Int, intervals: [Int: (start: Double, end: Double)]) {
    var period = 0
    var intervals: [Int: (start: Double, end: Double)] = [:]
    for line in style.split(separator: "\n") {
      if let r = line.range(of: "animation: "), let ms = line[r.upperBound...].split(separator: "ms").first {
        period = Int(ms) ?? 0
      }
      guard line.hasPrefix("@keyframes s"), let k = Int(line.dropFirst(12).prefix { $0.isNumber }) else { continue }
      var start: Double?
      var end = 100.0
      for key in line.split(separator: "}").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        let parts = key.split(separator: "%", maxSplits: 1)
        guard parts.count == 2, let p = Double(parts[0].split(separator: " ").last ?? "") else { continue }
        if parts[1].contains("visible") {
          start = start ?? p
        } else if start != nil, end == 100 {
          end = p
        }
      }
      if let start { intervals[k] = (start, end) }
    }
    return (period, intervals)
  }

  func parser(
    _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    switch element {
    case "g":
      if let id = attributes["id"], id.hasPrefix("r") {
        row = id
        rowText[id] = ""
      }
      if attributes["class"] == "f", let k = attributes["data-step"].flatMap({ Int($0) }) {
        frames.append((k, attributes["data-ms"].flatMap { Int($0) } ?? -1, []))
      }
    case "use":
      if let href = attributes["xlink:href"], !frames.isEmpty {
        frames[frames.count - 1].rows.append(String(href.dropFirst()))
      }
    case "text": inText = true
    case "style": inStyle = true
    default: break
    }
  }

  func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
    if element == "text" { inText = false }
    if element == "style" { inStyle = false }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if inText, let row { rowText[row, default: ""] += string }
    if inStyle { style += string }
  }
}

@Suite("export: the animated scene.svg", .cleansUp)
struct AnimatedSVGTests {
  @Test("scene.svg parses, holds every step's text in order, and its frames' times add up to the cast's")
  func framesAndTimes() async throws {
    let dir = try tempPath("e3")
    let scene = "scenes/e3-three-generations.scene"
    let r = try await run(["export", scene, "-o", dir, "--size", "100x30", "--step-seconds", "1.5"])
    #expect(r.status == 0, "\(r.stderr)")
    let svg = try String(contentsOfFile: "\(dir)/scene.svg", encoding: .utf8)
    let reader = try #require(AnimatedSVGReader.read(svg), "scene.svg does not parse")
    #expect(reader.frames.map(\.step) == Array(0...8))
    for k in 0...8 {
      let expected = try await run(["render", scene, "--step", "\(k)", "--size", "100x30", "--still"]).stdout
      #expect(reader.text(k) == expected, "step \(k)")
    }
    // Each frame is visible right after the one before, for 1.5 s, and the loop is the cast's length.
    let (period, intervals) = reader.timing()
    #expect(period == 9 * 1500)
    let (_, events) = try castLines("\(dir)/scene.cast")
    #expect((events.last?[0] as? Double).map { Int(($0 * 1000).rounded()) } == period)
    var at = 0.0
    var total = 0
    for k in 0...8 {
      let i = try #require(intervals[k], "frame \(k) has no keyframes")
      #expect(abs(i.start - at) < 0.001, "frame \(k) starts at \(i.start)%, not \(at)%")
      let ms = Int(((i.end - i.start) * Double(period) / 100).rounded())
      #expect(ms == 1500 && reader.frames[k].ms == 1500, "frame \(k)")
      total += ms
      at = i.end
    }
    #expect(at == 100 && total == period)
    // Rows are shared: fewer row definitions than frames times rows, and fewer bytes than the
    // step SVGs together.
    #expect(reader.rowText.count < 9 * 30 * 6 / 10, "\(reader.rowText.count) rows defined")
    let steps = try (0...8).map {
      try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(String(format: "step-%03d.svg", $0))")).count
    }
    #expect(svg.utf8.count * 10 < steps.reduce(0, +) * 8, "\(svg.utf8.count) bytes")
  }

  @Test("chromium draws scene.svg in an <img>: at once step 0's frame, 5 s in step 2's (2 s steps), pixel for pixel")
  func inImage() async throws {
    let dir = try tempPath("e1")
    #expect(try await run(["export", "scenes/e1-first-touch.scene", "-o", dir, "--size", "80x24"]).status == 0)
    // The same animation 5 s in: a negative delay starts it there.
    let svg = try String(contentsOfFile: "\(dir)/scene.svg", encoding: .utf8)
    #expect(svg.contains("</style>"))
    try svg.replacingOccurrences(of: "</style>", with: ".f { animation-delay: -5000ms; }\n</style>")
      .write(toFile: "\(dir)/late.svg", atomically: true, encoding: .utf8)
    var shots: [String: Data] = [:]
    for name in ["scene", "late", "step-000", "step-002"] {
      let page = "\(dir)/img-\(name).html"
      try "<!DOCTYPE html><body style=\"margin:0\"><img src=\"\(name).svg\"></body>\n".write(
        toFile: page, atomically: true, encoding: .utf8)
      let png = try tempPath("\(name).png")
      guard
        let r = try await ExportBrowserTests.chromium([
          "--window-size=700,420", "--screenshot=\(png)", "file://\(page)",
        ])
      else { return }
      #expect(r.status == 0, "\(r.stderr)")
      guard let python = Tools.need(Tools.python3, "python3") else { return }
      let out = try await runTool(python, [repoRoot.appendingPathComponent("Tests/tools/pngcolors.py").path, png])
      let info = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
      #expect((info["colors"] as? Int ?? 0) > 2, "\(name): \(info)")
      shots[name] = try Data(contentsOf: URL(fileURLWithPath: png))
    }
    #expect(shots["scene"] == shots["step-000"], "the animation's first frame is not step 0's")
    #expect(shots["late"] == shots["step-002"], "the animation 5 s in is not step 2's frame")
    #expect(shots["scene"] != shots["late"])
  }
}
