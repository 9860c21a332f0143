import Foundation
import TestSupport
import Testing

/// Eight CPUs faulting 64 pages each: more interleavings than the search will ever finish.
func race8(in dir: URL) throws -> URL {
  let race = dir.appendingPathComponent("race8.scene")
  let cpus =
    (0..<8).map { "spawn P\($0)\nmmap P\($0) A 64\n" }.joined()
    + (0..<8).map { "on cpu\($0) begin touch P\($0) A 0..63\n" }.joined()
  try Data(("cpus 8\n" + cpus).utf8).write(to: race)
  return race
}

func saneTerminal(_ stty: String) -> Bool {
  let words = stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init)
  return words.contains("echo") && words.contains("icanon") && !words.contains("-echo") && !words.contains("-icanon")
}

@Suite("The real binary in a real terminal (tmux)", .cleansUp, .enabled(if: tmuxAvailable), .serialized)
struct TmuxTests {
  @Test("play: step forward and back, help, jump, resize, quit; the terminal is sane afterwards")
  func playSession() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    try await type(t, "\(binary.path) play \(repoRoot.path)/scenes/e2-fork-cow.scene; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/11")
    try await t.keys("Right")
    try await t.waitFor(text: "step 1/11")
    try await t.keys("Right", "Right")
    try await t.waitFor(text: "step 3/11")
    try await t.keys("Left")
    try await t.waitFor(text: "step 2/11")
    try await t.keys("?")
    try await t.waitFor(text: "keys valid now")
    try await t.keys("Escape")
    try await t.waitFor("help closed") { !$0.contains("keys valid now") }
    try await t.type("g7")
    try await t.keys("Enter")
    try await t.waitFor(text: "step 7/11")
    try await t.keys("Down")
    try await t.waitFor(text: "7.1/")
    try await t.tmux(["resize-window", "-t", "0", "-x", "70", "-y", "20"])
    try await t.waitFor("a 70-column frame") { screen in
      screen.split(separator: "\n").first.map { $0.count <= 70 && $0.contains("step 7/11") } ?? false
    }
    try await t.tmux(["resize-window", "-t", "0", "-x", "40", "-y", "10"])
    try await t.waitFor(text: "terminal too small")
    try await t.tmux(["resize-window", "-t", "0", "-x", "100", "-y", "30"])
    try await t.waitFor(text: "step 7/11")
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
    #expect(saneTerminal(try await t.stty()))
  }

  @Test("long work shows a progress line on a terminal; ctrl-C stops it with a summary and exit 130")
  func progressAndInterrupt() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 160)
    // W2 (2,000 generations of a forking daemon) takes seconds to build; eight CPUs faulting 64
    // pages each have more interleavings than the search will ever finish.
    let w2 = t.dir.appendingPathComponent("w2.scene")
    try Data(try await runBench(["--emit", "w2"]).stdout.utf8).write(to: w2)
    let race = try race8(in: t.dir)
    try await type(t, "\(binary.path) check \(w2.path); echo EXIT=$?\n")
    try await t.waitWhileProgressing("the build's progress line", idle: 120) {
      $0.contains("anonvis: building w2.scene:") && $0.contains("steps/s")
    }
    try await t.keys("C-c")
    var screen = try await t.waitWhileProgressing("the exit status", idle: 120) {
      $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil
    }
    #expect(screen.contains("EXIT=130"), "\(screen)")
    #expect(screen.contains("error: interrupted after step"), "\(screen)")
    // A memory bound the search will not reach before ctrl-C (the default might stop it first).
    try await type(t, "clear; \(binary.path) races \(race.path) --max-memory 8192; echo EXIT=$?\n")
    screen = try await t.waitWhileProgressing("the search's progress line", idle: 120) {
      $0.contains("anonvis: races race8.scene:") && $0.contains("states/s") && $0.contains(" MB · ")
    }
    // States, rate, memory, queue and depth, on one line.
    #expect(
      screen.range(
        of: "race8.scene: [0-9,]+ states · [0-9,]+ states/s · [0-9,]+ MB · queue [0-9,]+ · depth [0-9,]+ · [0-9.]+ s "
          + "\\(ctrl-C stops\\)", options: .regularExpression) != nil, "\(screen)")
    try await t.keys("C-c")
    screen = try await racesSummary(t, stoppedBy: "ctrl-C (SIGINT)", exit: 130)
    #expect(screen.contains("no violation in"), "\(screen)")
    // The progress line is erased: no row still shows it.
    #expect(!screen.contains("(ctrl-C stops)"), "\(screen)")
    // 808 steps of W1: quick to build, seconds to draw.
    let w1 = t.dir.appendingPathComponent("w1.scene")
    try Data(try await runBench(["--emit", "w1-cast"]).stdout.utf8).write(to: w1)
    let cast = t.dir.appendingPathComponent("w1.cast").path
    try await type(t, "clear; \(binary.path) record \(w1.path) -o \(cast); echo EXIT=$?\n")
    try await t.waitWhileProgressing("the recording's progress line", idle: 120) {
      $0.contains("anonvis: recording w1.scene:") && $0.contains("steps/s")
    }
    try await t.keys("C-c")
    screen = try await t.waitWhileProgressing("the exit status", idle: 120) {
      $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil
    }
    #expect(screen.contains("EXIT=130"), "\(screen)")
    #expect(screen.contains("anonvis: interrupted at step"), "\(screen)")
    #expect(!FileManager.default.fileExists(atPath: cast))
    // --quick in a debug build; optimized, --quick ends before a ctrl-C can stop it: the full bench.
    let benchArguments = optimizedBuild ? "" : " --quick"
    try await type(t, "clear; \(try #require(benchBinary).path)\(benchArguments); echo EXIT=$?\n")
    try await t.waitWhileProgressing("the bench's progress line", idle: 120) {
      $0.contains("anonvis-bench:") && $0.contains("figures/s")
    }
    try await t.keys("C-c")
    // The measurement under way ends first (no screen change meanwhile).
    screen = try await t.waitWhileProgressing("the exit status", idle: 300) {
      $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil
    }
    #expect(screen.contains("EXIT=130"), "\(screen)")
    #expect(screen.contains("anonvis-bench: interrupted; the figures measured before ctrl-C follow"), "\(screen)")
    // Not a terminal, or --quiet: no progress line.
    let quiet = try await run(["races", race.path, "--max-work", "3000000"])
    #expect(!quiet.stderr.contains("anonvis: races race8"), "\(quiet.stderr)")
    #expect(quiet.status == 3 && quiet.stderr.contains("anonvis: NOT exhaustive: stopped at the work bound after "))
  }

  @Test("races: SIGTERM stops the search with the summary of what was covered, exit 143; the line fits the terminal")
  func racesTerminate() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 60)
    let race = try race8(in: t.dir)
    try await type(t, "clear; \(binary.path) races \(race.path) --max-memory 8192; echo EXIT=$?\n")
    var screen = try await t.waitWhileProgressing("the search's progress line", idle: 120) {
      $0.contains("anonvis: races race8.scene:") && $0.contains("states")
    }
    // The resident memory (what --max-memory bounds) stays; the rate, queue, depth and time go.
    #expect(
      screen.range(of: "race8.scene: [0-9,]+ states · [0-9,]+ MB", options: .regularExpression) != nil, "\(screen)")
    // Cut to the terminal's width less three, so that it never wraps: the end of the line (which
    // a 60-column terminal cannot hold) is on no row.
    #expect(!screen.contains("ctrl-C stops"), "\(screen)")
    #expect(screen.split(separator: "\n").allSatisfy { $0.count < 60 }, "\(screen)")
    // Wide enough for the summary's lines not to wrap.
    try await t.tmux(["resize-window", "-t", "0", "-x", "160", "-y", "30"])
    try await t.signalAnonvis("TERM")
    try await racesSummary(t, stoppedBy: "SIGTERM", exit: 143)
    #expect(saneTerminal(try await t.stty()))
  }

  /// Waits for the shell's exit status after `races` was stopped by a signal, and checks its
  /// summary: the verdict, the depth covered, what it cost.
  @discardableResult
  func racesSummary(_ t: TmuxSession, stoppedBy: String, exit: Int) async throws -> String {
    let screen = try await t.waitWhileProgressing("the exit status", idle: 120) {
      $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil
    }
    #expect(screen.contains("EXIT=\(exit)"), "\(screen)")
    #expect(screen.contains("NOT exhaustive: stopped by \(stoppedBy)\n"), "\(screen)")
    #expect(screen.contains("covered: every schedule of up to "), "\(screen)")
    #expect(
      screen.range(
        of: "anonvis: NOT exhaustive: stopped by \(NSRegularExpression.escapedPattern(for: stoppedBy)) "
          + "after [0-9,]+ states, [0-9,]+ MB, [0-9.]+ s\n", options: .regularExpression) != nil, "\(screen)")
    return screen
  }

  @Test(
    "every signal that ends the process restores the terminal first, with no backtrace on screen",
    arguments: ["TERM", "INT", "HUP", "SEGV", "ABRT", "QUIT", "USR1", "USR2", "PIPE", "ALRM", "RTMIN+3", "SYS"])
  func signals(signal: String) async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    try await type(
      t, "\(binary.path) play \(repoRoot.path)/scenes/e3-three-generations.scene & PID=$!; fg; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/8")
    try await t.signalAnonvis(signal)
    let screen = try await t.waitFor("the exit status") {
      $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil
    }
    #expect(!screen.contains("EXIT=0"))
    #expect(!screen.contains("crashed") && !screen.contains("Backtrace"), "\(screen)")
    #expect(saneTerminal(try await t.stty()))
  }

  @Test(
    "play --record writes a live cast; after SIGKILL, SIGTERM, SIGINT or SIGHUP every complete line parses",
    arguments: ["KILL", "TERM", "INT", "HUP"])
  func liveRecording(signal: String) async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    let cast = t.dir.appendingPathComponent("live.cast").path
    try await type(t, "\(binary.path) play \(repoRoot.path)/scenes/e2-fork-cow.scene --record \(cast); echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/11")
    try await t.keys("Right")
    try await t.waitFor(text: "step 1/11")
    try await t.keys("Right")
    try await t.waitFor(text: "step 2/11")
    try await t.tmux(["resize-window", "-t", "0", "-x", "90", "-y", "28"])
    try await t.waitFor("a 90-column frame") {
      $0.split(separator: "\n").first.map { $0.count <= 90 && $0.contains("step 2/11") } ?? false
    }
    // Wait until the recorder has written the resize, then kill without warning.
    await pollWhileProgressing(
      "the resize in the cast", observe: { (try? String(contentsOfFile: cast, encoding: .utf8)) ?? "" },
      until: { $0.contains("\"r\"") }, describe: { "cast:\n\($0.suffix(400))" })
    try await t.signalAnonvis(signal)
    let screen = try await t.waitFor("the exit status") {
      $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil
    }
    #expect(!screen.contains("EXIT=0"))
    let text = try String(contentsOfFile: cast, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let complete = text.hasSuffix("\n") ? lines.dropLast() : lines.dropLast()
    #expect(complete.count >= 4)
    var codes: [String] = []
    for (i, line) in complete.enumerated() {
      let json = try JSONSerialization.jsonObject(with: Data(line.utf8))
      if i == 0 {
        #expect((json as? [String: Any])?["version"] as? Int == 2)
      } else if let event = json as? [Any], let code = event[1] as? String {
        codes.append(code)
      }
    }
    #expect(codes.contains("r"))
    #expect(codes.filter { $0 == "m" }.count >= 3)
    await t.resetTerminal()
    if signal != "KILL" { #expect(saneTerminal(try await t.stty())) }
  }

  @Test("anonvis with no arguments plays the tour in a terminal")
  func tour() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    try await type(t, "cd / && \(binary.path); echo EXIT=$?\n")
    try await t.waitFor(text: "Tour: anon_vmas")
    try await t.keys("G")
    try await t.waitFor(text: "step 12/12")
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
  }

  @Test("explore: operations typed at the ':' prompt run as steps; :w saves the scene")
  func explore() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    let out = t.dir.appendingPathComponent("saved.scene")
    try await type(t, "\(binary.path) explore; echo EXIT=$?\n")
    try await t.waitFor(text: "[explore]")
    for line in ["spawn P1", "mmap P1 heap 2", "touch P1 heap 0", "fork P1 P2"] {
      try await t.type(":" + line)
      try await t.keys("Enter")
    }
    try await t.waitFor(text: "step 4/4")
    try await t.type(":touch P7 heap 0")
    try await t.keys("Enter")
    try await t.waitFor(text: "✗ error:")
    try await t.type(":w /nonexistent-dir/x.scene")
    try await t.keys("Enter")
    try await t.waitFor(text: "cannot write /nonexistent-dir/x.scene")
    try await t.type(":w \(out.path)")
    try await t.keys("Enter")
    try await t.waitFor(text: "saved")
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
    let saved = try String(contentsOf: out, encoding: .utf8)
    #expect(saved.contains("fork P1 P2"))
  }
}

func type(_ t: TmuxSession, _ text: String) async throws { try await t.type(text) }
