import Foundation
import TestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A Python with pyte and asciinema (CI makes one in .build/venv), and Graphviz's dot.
enum Tools {
  static let python: String? = {
    let candidates = [
      ProcessInfo.processInfo.environment["ANONVIS_PYTHON"],
      repoRoot.appendingPathComponent(".build/venv/bin/python3").path,
    ].compactMap { $0 }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }()
  static let asciinema: String? = python.map {
    URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("asciinema").path
  }.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
  static let dot: String? = ["/usr/bin/dot", "/usr/local/bin/dot"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }
  /// CI sets ANONVIS_REQUIRE_TOOLS=1: a missing tool then fails instead of skipping.
  static let required = ProcessInfo.processInfo.environment["ANONVIS_REQUIRE_TOOLS"] == "1"

  static func need(_ tool: String?, _ name: String) -> String? {
    if tool == nil && required { Issue.record("\(name) is required (ANONVIS_REQUIRE_TOOLS=1) but missing") }
    return tool
  }
}

/// Runs a program in the repository root and returns its status and output. The test is
/// suspended while the program runs (its thread runs other tests meanwhile).
func runTool(_ path: String, _ args: [String], in directory: URL = repoRoot) async throws -> RunResult {
  // Files, not pipes: a child filling one pipe while we wait on the other would deadlock.
  let scratch = try Scratch("anonvis-run")
  defer { scratch.remove() }
  let outPath = scratch.file("out")
  let errPath = scratch.file("err")
  _ = FileManager.default.createFile(atPath: outPath, contents: nil)
  _ = FileManager.default.createFile(atPath: errPath, contents: nil)
  let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
  let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
  defer {
    try? out.close()
    try? err.close()
  }
  let status = try await runChild(path, args, in: directory, stdout: out, stderr: err)
  let o = FileManager.default.contents(atPath: outPath) ?? Data()
  let e = FileManager.default.contents(atPath: errPath) ?? Data()
  return RunResult(
    status: status, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// A path in a fresh directory of the test's own (removed when the test ends).
func tempPath(_ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
  try Leftovers.directory("anonvis-rec", sourceLocation: sourceLocation).appendingPathComponent(name).path
}

func castLines(_ path: String) throws -> (header: [String: Any], events: [[Any]]) {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  let lines = text.split(separator: "\n").map(String.init)
  let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
  let events = try lines.dropFirst().map {
    try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Any])
  }
  return (header, events)
}

@Suite("Recordings, frames and exports", .cleansUp)
struct RecordingTests {
  @Test("the cast is valid asciicast v2: header, 3-element events, non-decreasing times, one marker per step")
  func castIsValid() async throws {
    let cast = try tempPath("e3.cast")
    let r = try await run([
      "record", "scenes/e3-three-generations.scene", "-o", cast, "--size", "90x28", "--step-seconds", "1.5",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let (header, events) = try castLines(cast)
    #expect(header["version"] as? Int == 2)
    #expect(header["width"] as? Int == 90)
    #expect(header["height"] as? Int == 28)
    #expect(header["title"] as? String == "E3: Three generations and root lifetime")
    #expect(header["idle_time_limit"] is Double)
    #expect((header["env"] as? [String: String]) == ["TERM": "xterm-256color"])
    let theme = try #require(header["theme"] as? [String: String])
    #expect(theme["palette"]?.split(separator: ":").count == 16)
    var last = -1.0
    var stepMarkers: [String] = []
    for e in events {
      #expect(e.count == 3)
      let t = try #require(e[0] as? Double)
      #expect(t >= last)
      last = t
      let code = try #require(e[1] as? String)
      #expect(["o", "m", "r"].contains(code))
      if code == "m", let label = e[2] as? String, label.hasPrefix("step ") { stepMarkers.append(label) }
    }
    #expect(stepMarkers.count == 9)
    #expect(stepMarkers.first == "step 0: start")
    #expect(stepMarkers.last == "step 8: exit P3")
    #expect(last == 13.5)
  }

  @Test("two records of the same scene are byte-identical; v3 uses intervals")
  func deterministic() async throws {
    let a = try tempPath("a.cast")
    let b = try tempPath("b.cast")
    #expect(try await run(["record", "scenes/e2-fork-cow.scene", "-o", a]).status == 0)
    #expect(try await run(["record", "scenes/e2-fork-cow.scene", "-o", b]).status == 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
    let v3 = try tempPath("v3.cast")
    #expect(
      try await run(["record", "scenes/e2-fork-cow.scene", "-o", v3, "--cast-version", "3", "--step-seconds", "2"])
        .status
        == 0)
    let (header, events) = try castLines(v3)
    #expect(header["version"] as? Int == 3)
    #expect((header["term"] as? [String: Any])?["cols"] as? Int == 100)
    let times = events.compactMap { $0[0] as? Double }
    #expect(times.allSatisfy { $0 == 0 || $0 == 2 })
  }

  @Test(
    "a real terminal emulator (pyte) shows, at every step marker, exactly the rendered frame and its styles",
    arguments: ["e2-fork-cow.scene", "e4-split-merge.scene", "every-operation.scene"])
  func pyteAgrees(scene: String) async throws {
    guard let python = Tools.need(Tools.python, "python with pyte") else { return }
    let cast = try tempPath("p.cast")
    let framesDir = try tempPath("p-frames")
    #expect(try await run(["record", "scenes/\(scene)", "-o", cast, "--size", "110x32"]).status == 0)
    #expect(try await run(["record", "scenes/\(scene)", "--frames", framesDir, "--size", "110x32"]).status == 0)
    // Text and styles (colors, bold, reverse, underline) at every marker.
    let replay = try await runTool(
      python, [repoRoot.appendingPathComponent("Tests/tools/castcheck.py").path, cast, "--styles", framesDir])
    #expect(replay.status == 0, "\(replay.stderr)")
    let frames = try #require(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: String])
    let steps = try await run(["state", "scenes/\(scene)"]).stdout.components(separatedBy: "\"steps\": ")[1].prefix {
      $0.isNumber
    }
    #expect(frames.count == Int(steps)! + 1)
    for (k, screen) in frames {
      let expected = try await run(["render", "scenes/\(scene)", "--step", k, "--size", "110x32", "--still"]).stdout
      #expect(screen == expected, "step \(k) differs")
    }
  }

  @Test("the real asciinema client reads the cast")
  func asciinemaReads() async throws {
    guard let asciinema = Tools.need(Tools.asciinema, "asciinema") else { return }
    let cast = try tempPath("a.cast")
    #expect(try await run(["record", "scenes/e1-first-touch.scene", "-o", cast]).status == 0)
    let r = try await runTool(asciinema, ["cat", cast])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("E1: First touch"))
  }

  @Test("--frames writes text, ANSI and state JSON per step that agree with render --still (text and ansi) and state")
  func frames() async throws {
    let dir = try tempPath("frames")
    #expect(try await run(["record", "scenes/e1-first-touch.scene", "--frames", dir, "--size", "80x24"]).status == 0)
    for k in 0...5 {
      let name = String(format: "step-%03d", k)
      let text = try String(contentsOfFile: "\(dir)/\(name).txt", encoding: .utf8)
      #expect(
        text
          == (try await run(["render", "scenes/e1-first-touch.scene", "--step", "\(k)", "--size", "80x24", "--still"])
            .stdout))
      let json = try String(contentsOfFile: "\(dir)/\(name).json", encoding: .utf8)
      #expect(json == (try await run(["state", "scenes/e1-first-touch.scene", "--step", "\(k)"]).stdout))
      let ansi = try String(contentsOfFile: "\(dir)/\(name).ansi", encoding: .utf8)
      #expect(ansi.contains("\u{1b}["))
      // render --format ansi writes the same bytes: 256 colours, dim text grey 243 (38;5;243), not faint.
      let rendered = try await run([
        "render", "scenes/e1-first-touch.scene", "--step", "\(k)", "--size", "80x24", "--format", "ansi", "--still",
      ])
      #expect(ansi == rendered.stdout, "step \(k): render --format ansi differs from record's .ansi")
    }
    #expect(try await run(["record", "scenes/e1-first-touch.scene", "--frames", dir]).status == 2)
  }

  @Test("DOT is accepted by Graphviz and names every anon_vma and VMA; SVG parses as XML")
  func exports() async throws {
    let dotText = try await run(["render", "scenes/e3-three-generations.scene", "--step", "5", "--format", "dot"])
      .stdout
    for name in ["AV1", "AV2", "AV3"] { #expect(dotText.contains("\"\(name)\" [shape=record")) }
    // A VMA is a field (a port) of its process's record.
    for name in ["P1:A@0", "P2:A@0", "P3:A@0"] { #expect(dotText.contains("|<p0>\(name)  pages 0..0 rw}")) }
    #expect(dotText.contains("label=\"root\""))
    if let dot = Tools.need(Tools.dot, "graphviz dot") {
      let file = try tempPath("g.dot")
      try dotText.write(toFile: file, atomically: true, encoding: .utf8)
      let r = try await runTool(dot, ["-Tsvg", file])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout.contains("<svg"))
    }
    let svg = try await run(["render", "scenes/e2-fork-cow.scene", "--step", "4", "--format", "svg"]).stdout
    let parser = XMLParser(data: Data(svg.utf8))
    #expect(parser.parse(), "\(String(describing: parser.parserError))")
    #expect(svg.contains("fork P1 P2"))
  }

  @Test("DOT labels break lines as Graphviz line breaks, not a literal backslash-n")
  func dotLineBreaks() async throws {
    let dotText = try await run(["render", "scenes/e3-three-generations.scene", "--step", "5", "--format", "dot"])
      .stdout
    #expect(dotText.contains("label=\"E3: Three generations and root lifetime\\nstep 5/8: fork P2 P3\\nkernel"))
    #expect(dotText.contains("label=\"{AV1 (root)|external_refcount 2|list P1:A@0 P2:A@0 P3:A@0|pages pg1}\""))
    #expect(!dotText.contains("\\\\n"))
    if let dot = Tools.need(Tools.dot, "graphviz dot") {
      let file = try tempPath("lines.dot")
      try dotText.write(toFile: file, atomically: true, encoding: .utf8)
      let svg = try await runTool(dot, ["-Tsvg", file]).stdout
      #expect(svg.contains(">AV1 (root)</text>"))
      #expect(svg.contains(">step 5/8: fork P2 P3</text>"))
      #expect(svg.contains(">external_refcount 2</text>"))
    }
  }

  @Test("names longer than Graphviz's 16 KiB quoted-string limit still give DOT that dot accepts")
  func dotLongStrings() async throws {
    let name = "P" + String(repeating: "x", count: 17_000)
    let scene = try temporaryScene(
      "title \"\(String(repeating: "T", count: 17_000))\"\nspawn \(name)\nmmap \(name) A 1\ntouch \(name) A 0\n")
    let dotText = try await run(["render", scene, "--step", "3", "--format", "dot"]).stdout
    #expect(dotText.contains("\" + \""))
    if let dot = Tools.need(Tools.dot, "graphviz dot") {
      let file = try tempPath("long.dot")
      try dotText.write(toFile: file, atomically: true, encoding: .utf8)
      let r = try await runTool(dot, ["-Tsvg", file])
      #expect(r.status == 0, "\(r.stderr.prefix(300))")
      #expect(r.stdout.contains(String(repeating: "x", count: 17_000)))
    }
  }

  @Test("render --format dot --micro M draws the forest after that micro-step")
  func dotMicro() async throws {
    let file = "scenes/e3-three-generations.scene"
    let whole = try await run(["render", file, "--step", "8", "--format", "dot"]).stdout
    #expect(!whole.contains("\"AV3\" ["))
    let first = try await run(["render", file, "--step", "8", "--micro", "1", "--format", "dot"])
    #expect(first.status == 0)
    #expect(first.stdout.contains("\"AV3\" ["))
    #expect(first.stdout.contains("step 8.1/8"))
    let out = try await run(["render", file, "--step", "8", "--micro", "999", "--format", "dot"])
    #expect(out.status == 2)
    #expect(out.stderr.contains("out of range"))
  }

  @Test("output errors: existing file without --force, bad size, unwritable path, /dev/full, scene errors")
  func outputErrors() async throws {
    let cast = try tempPath("x.cast")
    #expect(try await run(["record", "scenes/e1-first-touch.scene", "-o", cast]).status == 0)
    let again = try await run(["record", "scenes/e1-first-touch.scene", "-o", cast])
    #expect(again.status == 2)
    #expect(again.stderr.contains("use --force"))
    #expect(try await run(["record", "scenes/e1-first-touch.scene", "-o", cast, "--force"]).status == 0)
    let size = try await run(["record", "scenes/e1-first-touch.scene", "-o", cast, "--force", "--size", "0x5"])
    #expect(size.status == 2)
    // ArgumentParser's message names the value and the option; the option's help the valid sizes.
    #expect(size.stderr.contains("The value '0x5' is invalid for '--size <COLSxROWS>'"), "\(size.stderr)")
    #expect(size.stderr.contains("COLSxROWS, each between 1 and 1000 (e.g. 100x30)"), "\(size.stderr)")
    #expect(try await run(["record", "scenes/e1-first-touch.scene", "-o", "/nonexistent-dir/x.cast"]).status == 2)
    if FileManager.default.fileExists(atPath: "/dev/full") {
      let full = try await run(["record", "scenes/e1-first-touch.scene", "-o", "/dev/full"])
      #expect(full.status == 2, "\(full.stderr)")
    }
    let bad = try temporaryScene("frok P1\n")
    #expect(try await run(["record", bad, "-o", try tempPath("y.cast")]).status == 2)
  }

  @Test("escape sequences in scene text never reach a cast's text fields, DOT or SVG raw")
  func noInjection() async throws {
    let path = try temporaryScene(
      "title \"\u{1b}]52;c;AAAA\u{7}evil\u{202E}\"\nchapter \"\u{1b}[2Jwipe\"\nspawn P1\nsay \"\u{1b}[31mred\"\n")
    let cast = try tempPath("i.cast")
    #expect(try await run(["record", path, "-o", cast]).status == 0)
    let (header, events) = try castLines(cast)
    let title = try #require(header["title"] as? String)
    #expect(!title.unicodeScalars.contains("\u{1b}") && !title.unicodeScalars.contains("\u{202E}"))
    for e in events where (e[1] as? String) == "m" {
      #expect(!((e[2] as? String) ?? "").unicodeScalars.contains("\u{1b}"))
    }
    // Output events carry our own SGR/cursor sequences only: no OSC, no clear-screen from the scene.
    for e in events where (e[1] as? String) == "o" {
      let data = (e[2] as? String) ?? ""
      #expect(!data.contains("\u{1b}]52"))
      #expect(!data.contains("\u{1b}[31mred"))
    }
    for format in ["dot", "svg"] {
      let out = try await run(["render", path, "--step", "1", "--format", format]).stdout
      #expect(!out.unicodeScalars.contains("\u{1b}"), "\(format)")
      #expect(!out.unicodeScalars.contains("\u{7}"), "\(format)")
      #expect(!out.unicodeScalars.contains("\u{202E}"), "\(format)")
    }
  }
}
