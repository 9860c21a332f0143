import Foundation
import FoundationXML
import TestSupport
import Testing

/// Whether text holds a character that drives a terminal (ESC, BEL, TAB, bidi controls).
func holdsRawControls(_ s: String) -> Bool {
  s.unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\u{7}" || $0 == "\t" || $0 == "\u{202E}" || $0 == "\u{202C}" }
}

@Suite("Hostile text: outside strings are escaped wherever they are printed", .cleansUp)
struct HostileTextTests {
  static let evil = "x\u{1b}]0;X\u{7}\u{1b}[31m\t"

  @Test("races escapes the scene's file name in its summary and 'written to' lines")
  func racesFileName() async throws {
    let source = try String(
      contentsOf: repoRoot.appendingPathComponent("scenes/races/d5-take-all-locks.scene"), encoding: .utf8)
    let scene = try temporaryScene(source, name: "ev\u{1b}]0;X\u{7}\u{1b}[31m.scene")
    let cwd = try Leftovers.directory("races-evil")
    let r = try await run(["races", scene, "--variant", "no-6/5"], in: cwd)
    #expect(r.status == 1, "\(r.stderr)")
    #expect(!holdsRawControls(r.stdout + r.stderr))
    #expect(r.stdout.contains("ev\\e]0;X\\x07\\e[31m.scene on 2.6.36"))
    #expect(r.stdout.contains("written to ./ev\\e]0;X\\x07\\e[31m.2.6.36.C18.race.scene"))
  }

  @Test(
    "option errors escape the value they echo, TAB as \\t",
    arguments: [
      ["render", "scenes/e1-first-touch.scene", "--kernel-x"],
      ["render", "scenes/e1-first-touch.scene", "--compare", evil],
      ["render", "scenes/e1-first-touch.scene", "--size", evil],
      ["render", "scenes/e1-first-touch.scene", "--format", evil],
      ["render", "scenes/e1-first-touch.scene", "--step", evil],
      ["explore", "--kernel", evil],
      ["races", "scenes/races/d5-take-all-locks.scene", "--variant", evil],
      ["record", "scenes/e1-first-touch.scene", "-o", "/proc/\(evil)/x.cast"],
      ["record", "scenes/e1-first-touch.scene", "--frames", "/proc/\(evil)"],
      [evil],
    ])
  func optionErrors(arguments: [String]) async throws {
    let r = try await run(arguments)
    #expect(r.status != 0)
    #expect(!r.stderr.isEmpty)
    #expect(!holdsRawControls(r.stderr), "\(r.stderr.debugDescription)")
    if arguments.contains(where: { $0.contains(Self.evil) }) {
      #expect(r.stderr.contains("x\\e]0;X\\x07\\e[31m\\t"), "\(r.stderr)")
    }
  }

  @Test("state JSON and --frames JSON escape bidi controls as \\u202e")
  func jsonBidi() async throws {
    let path = try temporaryScene("title \"a\u{202E}b\u{202C}c\"\nspawn P1\nsay \"d\u{202E}e\u{202C}\"\nmmap P1 A 2\n")
    let state = try await run(["state", path])
    #expect(state.status == 0, "\(state.stderr)")
    let dir = try Leftovers.directory("frames-bidi").appendingPathComponent("frames").path
    #expect(try await run(["record", path, "--frames", dir]).status == 0)
    let frame = try String(contentsOfFile: "\(dir)/step-001.json", encoding: .utf8)
    for json in [state.stdout, frame] {
      #expect(!holdsRawControls(json))
      #expect(json.contains("\\u202e") && json.contains("\\u202c"))
      #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil)
    }
  }

  @Test("every SVG parses as XML, U+FFFE and U+FFFF in scene text included")
  func svgNoncharacters() async throws {
    let path = try temporaryScene(
      "title \"t\u{FFFE}\u{FFFF}\u{1b}\"\nchapter \"c\u{FFFF}\"\nspawn P1\nsay \"s\u{FFFE}\u{FFFF}\u{1}\"\nmmap P1 A 2\ntouch P1 A 0\n"
    )
    for step in 0...3 {
      let r = try await run(["render", path, "--step", "\(step)", "--format", "svg", "--notes"])
      #expect(r.status == 0, "\(r.stderr)")
      let parser = XMLParser(data: Data(r.stdout.utf8))
      #expect(parser.parse(), "step \(step): \(String(describing: parser.parserError))")
    }
  }
}

@Suite("Hostile text in a real terminal (tmux)", .cleansUp, .enabled(if: tmuxAvailable), .serialized)
struct HostileTextTmuxTests {
  @Test("an unknown TERM is named escaped")
  func escapedTERM() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    let err = t.dir.appendingPathComponent("err.txt").path
    try await type(
      t,
      "TERM=$'x\\e]0;X\\a\\e[31m' \(binary.path) play \(repoRoot.path)/scenes/e1-first-touch.scene 2>\(err); echo EXIT=$?\n"
    )
    try await t.waitFor(text: "EXIT=2")
    let stderr = try String(contentsOfFile: err, encoding: .utf8)
    #expect(stderr.contains("TERM=x\\e]0;X\\x07\\e[31m"), "\(stderr)")
    #expect(!holdsRawControls(stderr))
  }

  @Test("an emoji and a zero-width space leave the right border where tmux draws it", arguments: ["play", "render"])
  func wideAndZeroWidth(command: String) async throws {
    let binary = try #require(anonvisBinary)
    let path = try temporaryScene(
      "title \"T\"\nspawn P1\nmmap P1 A 4\nsay \"go \u{1F680} now\"\nsay \"ok\u{200B} yes\"\n")
    let t = try await TmuxSession(width: 80, height: 24)
    if command == "play" {
      try await type(t, "\(binary.path) play \(path); echo EXIT=$?\n")
      try await t.waitFor(text: "step 0/2")
      try await t.keys("Right", "Right")
    } else {
      try await type(t, "clear; \(binary.path) render \(path) --step 2 --size 80x22 --format ansi; echo EXIT=$?\n")
    }
    let screen = try await t.waitFor("the say lines") { $0.contains(" yes") && $0.contains("step 2/2") }
    // tmux prints each cell once: its column is the sum of the widths tmux gave the cells before,
    // which for these characters is glibc's wcwidth (2 for the rocket, 0 for U+200B).
    let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let below = try #require(lines.last { $0.hasPrefix("└") && $0.hasSuffix("┘") })
    for word in [" now", " yes"] {
      let say = try #require(lines.first { $0.contains(word) })
      #expect(say.hasSuffix("│") && tmuxColumns(say) == tmuxColumns(below), "\(say)\n\(below)")
    }
    if command == "play" { try await t.keys("q") }
    try await t.waitFor(text: "EXIT=0")
  }
}

/// Columns a captured tmux line takes: 2 for the rocket, 0 for U+200B, 1 for the rest here.
func tmuxColumns(_ line: String) -> Int {
  line.unicodeScalars.reduce(0) { $0 + ($1 == "\u{1F680}" ? 2 : $1 == "\u{200B}" ? 0 : 1) }
}
