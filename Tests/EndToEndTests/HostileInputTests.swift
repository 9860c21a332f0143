import Foundation
import Testing

@Suite("Hostile input")
struct HostileInputTests {
  @Test("a 1 MB line and a 1,000,000-line scene get diagnostics and exit 2; long words are shortened")
  func hugeFiles() throws {
    let line = try temporaryScene("spawn " + String(repeating: "x!", count: 500_000) + "\n")
    let r = try run(["check", line])
    #expect(r.status == 2)
    #expect(r.stderr.contains("t.scene:1:7: error"))
    #expect(r.stderr.count < 10_000)
    let many = try temporaryScene(String(repeating: "frob P1\n", count: 1_000_000))
    let m = try run(["check", many])
    #expect(m.status == 2)
    #expect(m.stderr.contains("... and 951 more"))
    #expect(m.stderr.contains("too many errors (1000); stopping here") == false)
    #expect(m.stderr.contains("t.scene: 1001 error(s)"))
  }

  @Test("play and explore refuse when standard output is not a terminal")
  func notATerminal() throws {
    let r = try run(["play", "scenes/e1-first-touch.scene"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("needs a terminal"))
    #expect(try run(["explore"]).status == 2)
  }
}

@Suite("Odd terminals (tmux)", .enabled(if: tmuxAvailable), .serialized)
struct OddTerminalTests {
  @Test("TERM unset, dumb, or unknown: a clear message, exit 2, and a hint to use render", arguments: ["env -u TERM", "env TERM=dumb", "env TERM=no-such-terminal"])
  func unusableTerminal(prefix: String) throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    try type(t, "\(prefix) \(binary.path) play \(repoRoot.path)/scenes/e1-first-touch.scene; echo EXIT=$?\n")
    let screen = try t.waitFor("the exit status") { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
    #expect(screen.contains("EXIT=2"))
    #expect(screen.contains("anonvis render"))
  }

  @Test("vt100, linux and screen-256color run the view", arguments: ["vt100", "linux", "screen-256color"])
  func otherTerminals(term: String) throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    try type(t, "TERM=\(term) \(binary.path) play \(repoRoot.path)/scenes/e1-first-touch.scene; echo EXIT=$?\n")
    try t.waitFor(text: "step 0/5")
    try t.keys("Right")
    try t.waitFor(text: "step 1/5")
    try t.keys("q")
    try t.waitFor(text: "EXIT=0")
  }

  @Test("suspend with ctrl-z and resume with fg redraws the same step")
  func suspendResume() throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    try type(t, "\(binary.path) play \(repoRoot.path)/scenes/e2-fork-cow.scene; echo EXIT=$?\n")
    try t.waitFor(text: "step 0/11")
    try t.keys("Right", "Right", "Right")
    try t.waitFor(text: "step 3/11")
    try t.keys("C-z")
    try t.waitFor("the shell after suspend") { !$0.contains("step 3/11") }
    try t.type("fg\n")
    try t.waitFor(text: "step 3/11")
    try t.keys("q")
    try t.waitFor("the shell back") { !$0.contains("step 3/11") }
    #expect(saneTerminal(try t.stty()))
  }

  @Test("200 resizes in quick succession end in the frame for the final size")
  func resizeStorm() throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    try type(t, "\(binary.path) play \(repoRoot.path)/scenes/e3-three-generations.scene; echo EXIT=$?\n")
    try t.waitFor(text: "step 0/8")
    for i in 0..<200 {
      try t.tmux(["resize-window", "-t", "0", "-x", "\(70 + i % 50)", "-y", "\(20 + i % 15)"])
    }
    try t.tmux(["resize-window", "-t", "0", "-x", "97", "-y", "31"])
    try t.waitFor("the 97x31 frame") { screen in
      let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
      // The box of the narration pane spans the whole width: 97 columns in the final size.
      return lines.contains { $0.hasPrefix("┌─ ▶ narration") && $0.count == 97 } && lines.count >= 31
    }
    try t.keys("q")
    try t.waitFor(text: "EXIT=0")
  }

  @Test("explore survives every line of the scenes and of mangled scenes typed at the ':' prompt")
  func explorePromptFuzz() throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession(width: 120, height: 40)
    try type(t, "\(binary.path) explore --cpus 2; echo EXIT=$?\n")
    try t.waitFor(text: "[explore]")
    var lines: [String] = []
    let dir = repoRoot.appendingPathComponent("scenes")
    for file in (FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []).sorted()
    where file.hasSuffix(".scene") && !file.hasPrefix("scale/") {
      let text = (try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)) ?? ""
      lines += text.split(separator: "\n").prefix(30).map(String.init)
    }
    // Mangled variants: cut words, swapped arguments, stray quotes and escapes.
    let mangled = lines.prefix(120).enumerated().map { i, l -> String in
      switch i % 4 {
      case 0: return String(l.prefix(l.count / 2))
      case 1: return l.split(separator: " ").reversed().joined(separator: " ")
      case 2: return l + " \"\\q"
      default: return "\u{1b}[31m" + l
      }
    }
    for line in (lines + mangled).prefix(400) where !line.isEmpty {
      try t.type(":" + line)
      try t.keys("Enter")
    }
    try t.waitFor(text: "[explore]")
    // Typed escape sequences may have left a prompt or an overlay open: close them, then quit.
    try t.keys("Escape")
    try t.keys("Escape")
    try t.keys("q")
    try t.keys("q")
    try t.waitFor("the exit status") { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
    #expect(try t.screen().contains("EXIT=0"))
  }
}
