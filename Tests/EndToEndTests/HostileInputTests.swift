import Foundation
import TestSupport
import Testing

@Suite("Hostile input", .cleansUp)
struct HostileInputTests {
  @Test("a 1 MB line and a 1,000,000-line scene get diagnostics and exit 2; long words are shortened")
  func hugeFiles() async throws {
    let line = try temporaryScene("spawn " + String(repeating: "x!", count: 500_000) + "\n")
    let r = try await run(["check", line])
    #expect(r.status == 2)
    #expect(r.stderr.contains("t.scene:1:7: error"))
    #expect(r.stderr.count < 10_000)
    let many = try temporaryScene(String(repeating: "frob P1\n", count: 1_000_000))
    let m = try await run(["check", many])
    #expect(m.status == 2)
    #expect(m.stderr.contains("... and 951 more"))
    #expect(m.stderr.contains("too many errors (1000); stopping here") == false)
    #expect(m.stderr.contains("t.scene: 1001 error(s)"))
  }

  @Test("a FIFO with no writer, a device or a directory as the scene path: refused at once, exit 2")
  func notARegularFile() async throws {
    let binary = try #require(anonvisBinary)
    let dir = URL(fileURLWithPath: try temporaryScene("")).deletingLastPathComponent()
    let fifo = dir.appendingPathComponent("fifo.scene").path
    #expect(mkfifo(fifo, 0o600) == 0)
    // `timeout` only turns a hang (the old behaviour: open() blocks for a writer) into a failure.
    for (path, message) in [
      (fifo, "is a FIFO, not a regular file"), ("/dev/null", "is not a regular file"),
      (dir.path, "is a directory"),
    ] {
      let r = try await runTool("/usr/bin/timeout", ["60", binary.path, "check", path])
      #expect(r.status == 2, "\(path): \(r.stderr)")
      #expect(r.stderr.contains(message), "\(r.stderr)")
    }
  }

  @Test("invalid UTF-8 and NUL bytes: the line (escaped) and a caret, as every scene error; the caret counts cells")
  func invalidBytesAndWideCharacters() async throws {
    let bad = try temporaryScene("spawn P1\nsay \"caf\u{FFFD}\"\n")
    // Write the invalid byte itself over the U+FFFD's first byte and drop the two others.
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: bad)))
    let at = try #require(bytes.firstIndex(of: 0xEF))
    bytes.replaceSubrange(at..<(at + 3), with: [0xE9])
    try Data(bytes).write(to: URL(fileURLWithPath: bad))
    let r = try await run(["check", bad])
    #expect(r.status == 2)
    #expect(
      r.stderr.contains("t.scene:2:9: error: invalid UTF-8 (byte 0xe9)\nsay \"caf\u{FFFD}\"\n        ^"), "\(r.stderr)")
    let nul = try temporaryScene("spawn P1\nsay \"a\u{0}b\"\n")
    let n = try await run(["check", nul])
    #expect(n.stderr.contains("t.scene:2:7: error: NUL byte in scene file\nsay \"a\\x00b\"\n      ^"), "\(n.stderr)")
    // Two emoji and a CJK character take six cells before the closing quote.
    let wide = try await run(["check", try temporaryScene("spawn P1\nsay \"😀😀漢\" bogus\n")])
    #expect(wide.stderr.contains("say \"😀😀漢\" bogus\n             ^~~~~"), "\(wide.stderr)")
  }

  @Test("CRLF and mixed line ends: diagnostics quote the right line with a caret; a leading BOM is accepted")
  func lineEndsAndBOM() async throws {
    let crlf = try await run(["check", try temporaryScene("spawn P1\r\nmmap P1 A 1\r\nfrob P1\r\ntouch P1 A 0\r\n")])
    #expect(crlf.status == 2)
    #expect(crlf.stderr.contains("t.scene:3:1: error: unknown statement 'frob'\nfrob P1\n^~~~"), "\(crlf.stderr)")
    let mixed = try await run(["check", try temporaryScene("spawn P1\nmmap P1 A 1\r\nfrob P1\nx\r\n")])
    #expect(mixed.stderr.contains("t.scene:3:1: error: unknown statement 'frob'\nfrob P1\n^~~~"), "\(mixed.stderr)")
    #expect(mixed.stderr.contains("t.scene:4:1: error: unknown statement 'x'"), "\(mixed.stderr)")
    let bom = try await run(["check", try temporaryScene("\u{FEFF}spawn P1\nmmap P1 A 1\nexpect anon_vmas == 0\n")])
    #expect(bom.status == 0, "\(bom.stderr)")
  }

  @Test(
    "a failed write to standard output is exit 2 with a message; a closed pipe ends quietly",
    arguments: [
      "narrate scenes/e1-first-touch.scene", "render scenes/e1-first-touch.scene --size 80x24",
      "state scenes/e1-first-touch.scene --all", "check scenes/e1-first-touch.scene", "tour",
      "races scenes/races/d5-take-all-locks.scene", "anonvis-bench --emit w1",
    ])
  func standardOutputErrors(line: String) async throws {
    // `anonvis-bench ...` runs the bench's own binary; the rest are anonvis commands.
    let name = line.hasPrefix("anonvis-bench ") ? "anonvis-bench" : "anonvis"
    let binary = try #require(name == "anonvis" ? anonvisBinary : benchBinary)
    let command = name == "anonvis" ? line : String(line.dropFirst(name.count + 1))
    let full = try await runTool("/bin/sh", ["-c", "exec \(binary.path) \(command) > /dev/full"])
    #expect(full.status == 2, "\(command): \(full.stderr)")
    #expect(
      full.stderr.contains("\(name): error: cannot write standard output (No space left on device)"), "\(full.stderr)")
    // `head` reads one byte and closes the pipe: no message, whatever the status.
    let pipe = try await runTool("/bin/sh", ["-c", "\(binary.path) \(command) | head -c 1 > /dev/null"])
    #expect(pipe.stderr.isEmpty, "\(command): \(pipe.stderr)")
    // Standard error full too: no trap, the exit status is the command's.
    let both = try await runTool("/bin/sh", ["-c", "exec \(binary.path) \(command) > /dev/full 2> /dev/full"])
    #expect(both.status == 2, "\(command)")
  }

  @Test("a small scene that asks for a huge world is refused at the line that crosses the budget, exit 2")
  func budgets() async throws {
    // The 285-byte scene (1,048,576 pages, 20 forks) under a smaller page budget, so the
    // test does not spend the default budget's work; the default refuses it the same way.
    let scene =
      "spawn P1\nmmap P1 heap 1048576\ntouch P1 heap 0..1048575\n"
      + (2...21).map { "fork P1 P\($0)\n" }.joined()
    let path = try temporaryScene(scene)
    for command in ["check", "state", "narrate", "render"] {
      let r = try await run([command, path, "--max-pages", "20000"])
      #expect(r.status == 2, "\(command): \(r.stderr)")
      #expect(
        r.stderr.contains(
          "t.scene:3:1: error: the scene exceeds the budget of 20,000 pages (raise it with --max-pages)"),
        "\(command): \(r.stderr)")
      #expect(r.stderr.contains("touch P1 heap 0..1048575\n^~~~~"), "\(r.stderr)")
    }
    let memory = try await run(["check", "scenes/e1-first-touch.scene", "--max-memory", "1"])
    #expect(memory.status == 2)
    #expect(memory.stderr.contains("exceeds the memory budget of 1 MB; raise it with --max-memory"), "\(memory.stderr)")
    // Eight CPUs each faulting 64 pages: far more interleavings than any bound.
    let cpus =
      (0..<8).map { "spawn P\($0)\nmmap P\($0) A 64\n" }.joined()
      + (0..<8).map { "on cpu\($0) begin touch P\($0) A 0..63\n" }.joined()
    let races = try await run(["races", try temporaryScene("cpus 8\n" + cpus), "--max-work", "100000"])
    #expect(races.status == 3, "\(races.stderr)")
    #expect(races.stdout.contains("NOT exhaustive: stopped at the work budget of 100,000 units"), "\(races.stdout)")
    #expect(try await run(["check", path, "--max-pages", "0"]).status != 0)
  }

  @Test("play and explore refuse when standard output is not a terminal")
  func notATerminal() async throws {
    let r = try await run(["play", "scenes/e1-first-touch.scene"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("needs a terminal"))
    #expect(try await run(["explore"]).status == 2)
  }
}

@Suite("Odd terminals (tmux)", .cleansUp, .enabled(if: tmuxAvailable), .serialized)
struct OddTerminalTests {
  @Test(
    "TERM unset, dumb, or unknown: a clear message, exit 2, and a hint to use render",
    arguments: ["env -u TERM", "env TERM=dumb", "env TERM=no-such-terminal"])
  func unusableTerminal(prefix: String) async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    try await type(t, "\(prefix) \(binary.path) play \(repoRoot.path)/scenes/e1-first-touch.scene; echo EXIT=$?\n")
    let screen = try await t.waitFor("the exit status") {
      $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil
    }
    #expect(screen.contains("EXIT=2"))
    #expect(screen.contains("anonvis render"))
  }

  @Test("vt100, linux and screen-256color run the view", arguments: ["vt100", "linux", "screen-256color"])
  func otherTerminals(term: String) async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    try await type(t, "TERM=\(term) \(binary.path) play \(repoRoot.path)/scenes/e1-first-touch.scene; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/5")
    try await t.keys("Right")
    try await t.waitFor(text: "step 1/5")
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
  }

  @Test("a locale that is not UTF-8 (LANG=C) gets the ASCII view, not mangled box drawing")
  func nonUTF8Locale() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    try await type(
      t, "LANG=C LC_ALL=C \(binary.path) play \(repoRoot.path)/scenes/e1-first-touch.scene; echo EXIT=$?\n")
    let screen = try await t.waitFor("the first frame") { $0.contains("step 0/5") }
    #expect(screen.contains("+- anon_vma forest"), "\(screen)")
    #expect(!screen.contains("┌") && !screen.contains("~"), "\(screen)")
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
  }

  @Test("suspend with ctrl-z and resume with fg redraws the same step")
  func suspendResume() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    try await type(t, "\(binary.path) play \(repoRoot.path)/scenes/e2-fork-cow.scene; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/11")
    try await t.keys("Right", "Right", "Right")
    try await t.waitFor(text: "step 3/11")
    try await t.keys("C-z")
    try await t.waitFor("the shell after suspend") { !$0.contains("step 3/11") }
    try await t.type("fg\n")
    try await t.waitFor(text: "step 3/11")
    try await t.keys("q")
    try await t.waitFor("the shell back") { !$0.contains("step 3/11") }
    #expect(saneTerminal(try await t.stty()))
  }

  @Test("200 resizes in quick succession end in the frame for the final size")
  func resizeStorm() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    try await type(t, "\(binary.path) play \(repoRoot.path)/scenes/e3-three-generations.scene; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/8")
    for i in 0..<200 {
      try await t.tmux(["resize-window", "-t", "0", "-x", "\(70 + i % 50)", "-y", "\(20 + i % 15)"])
    }
    try await t.tmux(["resize-window", "-t", "0", "-x", "97", "-y", "31"])
    try await t.waitFor("the 97x31 frame") { screen in
      let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
      // The box of the narration pane spans the whole width: 97 columns in the final size.
      return lines.contains { $0.hasPrefix("┌─ ▶ narration") && $0.count == 97 } && lines.count >= 31
    }
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
  }

  @Test("explore survives every line of the scenes and of mangled scenes typed at the ':' prompt")
  func explorePromptFuzz() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 120, height: 40)
    try await type(t, "\(binary.path) explore --cpus 2; echo EXIT=$?\n")
    try await t.waitFor(text: "[explore]")
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
      try await t.type(":" + line)
      try await t.keys("Enter")
    }
    try await t.waitFor(text: "[explore]")
    // Typed escape sequences may have left a prompt or an overlay open: close them, then quit.
    try await t.keys("Escape")
    try await t.keys("Escape")
    try await t.keys("q")
    try await t.keys("q")
    try await t.waitFor("the exit status") { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
    #expect(try await t.screen().contains("EXIT=0"))
  }

  /// `record -o` builds the cast, writes it to a temporary file and renames it over the target,
  /// so a run stopped at any moment leaves the target as it was or complete, never half written.
  @Test(
    "an interrupted record -o leaves the old file or the complete new one under the target name",
    arguments: ["TERM", "INT", "KILL"])
  func interruptedRecord(signal: String) async throws {
    let binary = try #require(anonvisBinary)
    // A record of a few seconds in a debug build (13 records per signal): long enough that every
    // fraction below lands while the cast is being built.
    let scene = repoRoot.appendingPathComponent("scenes/scale/daemon-100-6.1.scene").path
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anonvis-rec-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let reference = dir.appendingPathComponent("reference.cast").path
    let started = Date()
    #expect(try await run(["record", scene, "-o", reference]).status == 0)
    let duration = Date().timeIntervalSince(started)
    let complete = try Data(contentsOf: URL(fileURLWithPath: reference))
    let old = Data("an older recording\n".utf8)
    let target = dir.appendingPathComponent("out.cast")
    let fresh = dir.appendingPathComponent("fresh.cast")
    for fraction in [0.2, 0.6, 0.95] {
      try old.write(to: target)
      for (path, extra) in [(target.path, ["--force"]), (fresh.path, [])] {
        try? FileManager.default.removeItem(atPath: fresh.path)
        let p = Process()
        p.executableURL = binary
        p.arguments = ["record", scene, "-o", path] + extra
        p.standardError = FileHandle.nullDevice
        let exit = try start(p)
        try? await Task.sleep(for: .seconds(duration * fraction))
        _ = await spawnAndWait(["kill", "-\(signal)", "\(p.processIdentifier)"], stdout: "/dev/null")
        _ = await exit.value
        let now = FileManager.default.contents(atPath: path)
        if path == target.path {
          #expect(now == old || now == complete, "\(signal) at \(fraction): out.cast is \(now?.count ?? 0) bytes")
        } else {
          #expect(now == nil || now == complete, "\(signal) at \(fraction): fresh.cast is \(now?.count ?? 0) bytes")
        }
      }
    }
  }
}

/// The longest tmux test (about 9 minutes of a debug build on a 2-core machine), in a suite of its
/// own: serialized behind the other odd-terminal tests it started last and ran alone at the end of
/// CI's test run; here it runs beside the other suites.
@Suite("Odd terminals: the fuzz corpus at the ':' prompt (tmux)", .cleansUp, .enabled(if: tmuxAvailable))
struct FuzzCorpusPromptTests {
  /// The committed fuzz corpus (`Fuzz/corpus.tar.xz`: libFuzzer's minimized findings over more
  /// than a million executions, seeded with every scene), each line typed at the ':' prompt.
  /// Only bytes that end the prompt or signal the terminal are left out: newline and carriage
  /// return (each line is submitted with Enter instead), ESC and backspace (they close the
  /// prompt), ctrl-C, ctrl-Z, ctrl-\\ and ctrl-S/ctrl-Q (the tty turns them into signals or flow
  /// control). Invalid UTF-8, NUL and every other control byte go through. `:q` lines are skipped
  /// (quitting is what they mean), and so are repeats of a line already typed (12,542 distinct
  /// lines remain); `:w` writes into the session's own directory.
  @Test("explore survives the whole fuzz corpus typed at the ':' prompt as raw bytes")
  func exploreFuzzCorpus() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 120, height: 40)
    let corpus = t.dir.appendingPathComponent("corpus")
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    let archive = repoRoot.appendingPathComponent("Fuzz/corpus.tar.xz").path
    try #require(await spawnAndWait(["tar", "-xJf", archive, "-C", corpus.path], stdout: "/dev/null") == 0)
    let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
    #expect(files.count > 1000)
    let dropped: Set<UInt8> = [0x0a, 0x0d, 0x1b, 0x08, 0x7f, 0x03, 0x1a, 0x1c, 0x13, 0x11]
    var keys: [UInt8] = []
    var seen: Set<[UInt8]> = []
    for file in files {
      let data = try Data(contentsOf: corpus.appendingPathComponent(file))
      for raw in data.split(whereSeparator: { $0 == 0x0a || $0 == 0x0d }) {
        let line = Array(raw.filter { !dropped.contains($0) })
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        if line.isEmpty || words == ["q"] || !seen.insert(line).inserted { continue }
        keys += [UInt8(ascii: ":")] + line + [0x0d]
      }
    }
    #expect(seen.count > 10_000)
    try await type(t, "cd \(t.dir.path) && \(binary.path) explore --cpus 2; echo EXIT=$?\n")
    try await t.waitFor(text: "[explore]")
    for start in stride(from: 0, to: keys.count, by: 4096) {
      let chunk = keys[start..<min(start + 4096, keys.count)]
      try await t.tmux(["send-keys", "-t", "0", "-H"] + chunk.map { String(format: "%02x", $0) })
    }
    // Close whatever a line left open, then find a name that does not exist: its message
    // appears once every byte before it has been handled.
    try await t.keys("Escape")
    try await t.keys("Escape")
    try await t.type("/END-OF-CORPUS")
    try await t.keys("Enter")
    // The step counter and the panes change while the lines run: wait as long as they do.
    try await t.waitWhileProgressing("the end marker") { $0.contains("nothing named 'END-OF-CORPUS'") }
    try await t.keys("q")
    try await t.waitFor("the exit status") { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
    #expect(try await t.screen().contains("EXIT=0"))
  }
}
