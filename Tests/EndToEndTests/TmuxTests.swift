import Foundation
import Testing

/// A tmux server on a private socket running a shell, driven like a person at a terminal.
final class TmuxSession {
  let socket = "anonvis-test-\(UUID().uuidString.prefix(8))"
  let dir: URL

  init(width: Int = 100, height: Int = 30) throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(socket)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    // A clean environment, but sanitizer options pass through (CI runs the suite under ASan).
    let asan = ProcessInfo.processInfo.environment["ASAN_OPTIONS"].map { " ASAN_OPTIONS=\($0)" } ?? ""
    try tmux(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "env -i PATH=/usr/bin:/bin HOME=\(dir.path) TERM=xterm-256color LANG=C.UTF-8\(asan) bash --norc --noprofile"])
    try waitFor { _ in true }
  }

  deinit { try? tmux(["kill-server"]) }

  @discardableResult
  func tmux(_ args: [String]) throws -> String {
    // Foundation's Process notices a child's exit through an inherited socket, which the tmux
    // server (forked from the client) would keep open forever: spawn and reap by hand.
    let file = dir.appendingPathComponent("out-\(UUID().uuidString.prefix(8))").path
    let status = spawnAndWait(["tmux", "-L", socket] + args, stdout: file)
    let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(atPath: file)
    if status != 0, args.first != "kill-server" { Issue.record("tmux \(args) exited \(status)") }
    return text
  }

  func type(_ text: String) throws { try tmux(["send-keys", "-t", "0", "-l", text]) }
  /// Sends a signal to the anonvis process running in the pane's shell.
  func signalAnonvis(_ signal: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let shellPID = try tmux(["list-panes", "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    let pidFile = dir.appendingPathComponent("pid").path
    _ = spawnAndWait(["pgrep", "-P", shellPID, "anonvis"], stdout: pidFile)
    let pid = ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init) ?? ""
    #expect(!pid.isEmpty, sourceLocation: sourceLocation)
    #expect(spawnAndWait(["kill", "-\(signal)", pid], stdout: "/dev/null") == 0, sourceLocation: sourceLocation)
  }

  /// After a killed full-screen program the shell's terminal may be raw: reset it.
  func keys_reset() { try? type("stty sane\n") }
  func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", "0"] + keys) }
  func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "0"]) }

  /// Polls the screen until the condition holds (deadline 10 s unless told; no fixed sleeps).
  @discardableResult
  func waitFor(
    _ what: String = "condition", seconds: Double = 10, sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ condition: (String) -> Bool
  ) throws -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var last = ""
    while Date() < deadline {
      last = (try? screen()) ?? ""
      if condition(last) { return last }
      usleep(20_000)
    }
    Issue.record("timed out waiting for \(what); screen:\n\(last)", sourceLocation: sourceLocation)
    return last
  }

  /// Polls the screen until the condition holds, for as long as the screen keeps changing: a
  /// deadline on progress (fails when nothing moved for `idle` seconds), not a budget for the
  /// whole job, which a slow or busy machine (CI under AddressSanitizer) may need.
  @discardableResult
  func waitWhileProgressing(
    _ what: String, idle: Double = 60, sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ condition: (String) -> Bool
  ) throws -> String {
    var last = ""
    var moved = Date()
    while Date().timeIntervalSince(moved) < idle {
      let now = (try? screen()) ?? ""
      if condition(now) { return now }
      if now != last {
        last = now
        moved = Date()
      }
      usleep(50_000)
    }
    Issue.record("nothing moved for \(Int(idle)) s while waiting for \(what); screen:\n\(last)", sourceLocation: sourceLocation)
    return last
  }

  func waitFor(text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    try waitFor("'\(text)'", sourceLocation: sourceLocation) { $0.contains(text) }
  }

  /// `stty -a` of the shell's terminal, written to a file by the shell itself.
  func stty() throws -> String {
    let file = dir.appendingPathComponent("stty-\(UUID().uuidString.prefix(6)).txt")
    try type("stty -a > \(file.path); echo STTY-DONE\n")
    try waitFor(text: "STTY-DONE\n")
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
      if let s = try? String(contentsOf: file, encoding: .utf8), s.contains("echo") { return s }
      usleep(20_000)
    }
    return ""
  }
}

let tmuxAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")

func saneTerminal(_ stty: String) -> Bool {
  let words = stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init)
  return words.contains("echo") && words.contains("icanon") && !words.contains("-echo") && !words.contains("-icanon")
}

@Suite("The real binary in a real terminal (tmux)", .enabled(if: tmuxAvailable), .serialized)
struct TmuxTests {
  @Test("play: step forward and back, help, jump, resize, quit; the terminal is sane afterwards")
  func playSession() throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    try type(t, "\(binary.path) play \(repoRoot.path)/scenes/e2-fork-cow.scene; echo EXIT=$?\n")
    try t.waitFor(text: "step 0/11")
    try t.keys("Right")
    try t.waitFor(text: "step 1/11")
    try t.keys("Right", "Right")
    try t.waitFor(text: "step 3/11")
    try t.keys("Left")
    try t.waitFor(text: "step 2/11")
    try t.keys("?")
    try t.waitFor(text: "keys valid now")
    try t.keys("Escape")
    try t.waitFor("help closed") { !$0.contains("keys valid now") }
    try t.type("g7")
    try t.keys("Enter")
    try t.waitFor(text: "step 7/11")
    try t.keys("Down")
    try t.waitFor(text: "7.1/")
    try t.tmux(["resize-window", "-t", "0", "-x", "70", "-y", "20"])
    try t.waitFor("a 70-column frame") { screen in
      screen.split(separator: "\n").first.map { $0.count <= 70 && $0.contains("step 7/11") } ?? false
    }
    try t.tmux(["resize-window", "-t", "0", "-x", "40", "-y", "10"])
    try t.waitFor(text: "terminal too small")
    try t.tmux(["resize-window", "-t", "0", "-x", "100", "-y", "30"])
    try t.waitFor(text: "step 7/11")
    try t.keys("q")
    try t.waitFor(text: "EXIT=0")
    #expect(saneTerminal(try t.stty()))
  }

  @Test("long work shows a progress line on a terminal; ctrl-C stops it with a summary and exit 130")
  func progressAndInterrupt() throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession(width: 160)
    // W2 (2,000 generations of a forking daemon) takes seconds to build; eight CPUs faulting 64
    // pages each have more interleavings than the search will ever finish.
    let w2 = t.dir.appendingPathComponent("w2.scene")
    try Data(try runBench(["--emit", "w2"]).stdout.utf8).write(to: w2)
    let race = t.dir.appendingPathComponent("race8.scene")
    let cpus = (0..<8).map { "spawn P\($0)\nmmap P\($0) A 64\n" }.joined()
      + (0..<8).map { "on cpu\($0) begin touch P\($0) A 0..63\n" }.joined()
    try Data(("cpus 8\n" + cpus).utf8).write(to: race)
    try type(t, "\(binary.path) check \(w2.path); echo EXIT=$?\n")
    try t.waitWhileProgressing("the build's progress line", idle: 120) { $0.contains("anonvis: building w2.scene:") && $0.contains("steps/s") }
    try t.keys("C-c")
    var screen = try t.waitWhileProgressing("the exit status", idle: 120) { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
    #expect(screen.contains("EXIT=130"), "\(screen)")
    #expect(screen.contains("error: interrupted after step"), "\(screen)")
    try type(t, "clear; \(binary.path) races \(race.path); echo EXIT=$?\n")
    try t.waitWhileProgressing("the search's progress line", idle: 120) { $0.contains("anonvis: exploring race8.scene:") && $0.contains("states/s") }
    try t.keys("C-c")
    screen = try t.waitWhileProgressing("the exit status", idle: 120) { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
    #expect(screen.contains("EXIT=130"), "\(screen)")
    #expect(screen.contains("NOT exhaustive: stopped at an interrupt (ctrl-C)"), "\(screen)")
    #expect(screen.contains("no violation in"), "\(screen)")
    // 808 steps of W1: quick to build, seconds to draw.
    let w1 = t.dir.appendingPathComponent("w1.scene")
    try Data(try runBench(["--emit", "w1-cast"]).stdout.utf8).write(to: w1)
    let cast = t.dir.appendingPathComponent("w1.cast").path
    try type(t, "clear; \(binary.path) record \(w1.path) -o \(cast); echo EXIT=$?\n")
    try t.waitWhileProgressing("the recording's progress line", idle: 120) {
      $0.contains("anonvis: recording w1.scene:") && $0.contains("steps/s")
    }
    try t.keys("C-c")
    screen = try t.waitWhileProgressing("the exit status", idle: 120) { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
    #expect(screen.contains("EXIT=130"), "\(screen)")
    #expect(screen.contains("anonvis: interrupted at step"), "\(screen)")
    #expect(!FileManager.default.fileExists(atPath: cast))
    try type(t, "clear; \(try #require(benchBinary).path) --quick; echo EXIT=$?\n")
    try t.waitWhileProgressing("the bench's progress line", idle: 120) { $0.contains("anonvis bench:") && $0.contains("figures/s") }
    try t.keys("C-c")
    // The measurement under way ends first (no screen change meanwhile).
    screen = try t.waitWhileProgressing("the exit status", idle: 300) {
      $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil
    }
    #expect(screen.contains("EXIT=130"), "\(screen)")
    #expect(screen.contains("anonvis bench: interrupted; the figures measured before ctrl-C follow"), "\(screen)")
    // Not a terminal, or --quiet: no progress line.
    let quiet = try run(["races", race.path, "--max-work", "3000000"])
    #expect(!quiet.stderr.contains("anonvis: exploring"), "\(quiet.stderr)")
  }

  @Test(
    "every signal that ends the process restores the terminal first, with no backtrace on screen",
    arguments: ["TERM", "INT", "HUP", "SEGV", "ABRT", "QUIT", "USR1", "USR2", "PIPE", "ALRM", "RTMIN+3", "SYS"])
  func signals(signal: String) throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    try type(t, "\(binary.path) play \(repoRoot.path)/scenes/e3-three-generations.scene & PID=$!; fg; echo EXIT=$?\n")
    try t.waitFor(text: "step 0/8")
    try t.signalAnonvis(signal)
    let screen = try t.waitFor("the exit status") { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
    #expect(!screen.contains("EXIT=0"))
    #expect(!screen.contains("crashed") && !screen.contains("Backtrace"), "\(screen)")
    #expect(saneTerminal(try t.stty()))
  }

  @Test("play --record writes a live cast; after SIGKILL, SIGTERM, SIGINT or SIGHUP every complete line parses", arguments: ["KILL", "TERM", "INT", "HUP"])
  func liveRecording(signal: String) throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    let cast = t.dir.appendingPathComponent("live.cast").path
    try type(t, "\(binary.path) play \(repoRoot.path)/scenes/e2-fork-cow.scene --record \(cast); echo EXIT=$?\n")
    try t.waitFor(text: "step 0/11")
    try t.keys("Right")
    try t.waitFor(text: "step 1/11")
    try t.keys("Right")
    try t.waitFor(text: "step 2/11")
    try t.tmux(["resize-window", "-t", "0", "-x", "90", "-y", "28"])
    try t.waitFor("a 90-column frame") { $0.split(separator: "\n").first.map { $0.count <= 90 && $0.contains("step 2/11") } ?? false }
    // Wait until the recorder has written the resize, then kill without warning.
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline, !((try? String(contentsOfFile: cast, encoding: .utf8)) ?? "").contains("\"r\"") { usleep(20_000) }
    try t.signalAnonvis(signal)
    let screen = try t.waitFor("the exit status") { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
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
    t.keys_reset()
    if signal != "KILL" { #expect(saneTerminal(try t.stty())) }
  }

  @Test("anonvis with no arguments plays the tour in a terminal")
  func tour() throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    try type(t, "cd / && \(binary.path); echo EXIT=$?\n")
    try t.waitFor(text: "Tour: anon_vmas")
    try t.keys("G")
    try t.waitFor(text: "step 12/12")
    try t.keys("q")
    try t.waitFor(text: "EXIT=0")
  }

  @Test("explore: operations typed at the ':' prompt run as steps; :w saves the scene")
  func explore() throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    let out = t.dir.appendingPathComponent("saved.scene")
    try type(t, "\(binary.path) explore; echo EXIT=$?\n")
    try t.waitFor(text: "[explore]")
    for line in ["spawn P1", "mmap P1 heap 2", "touch P1 heap 0", "fork P1 P2"] {
      try t.type(":" + line)
      try t.keys("Enter")
    }
    try t.waitFor(text: "step 4/4")
    try t.type(":touch P7 heap 0")
    try t.keys("Enter")
    try t.waitFor(text: "! error:")
    try t.type(":w /nonexistent-dir/x.scene")
    try t.keys("Enter")
    try t.waitFor(text: "cannot write /nonexistent-dir/x.scene")
    try t.type(":w \(out.path)")
    try t.keys("Enter")
    try t.waitFor(text: "saved")
    try t.keys("q")
    try t.waitFor(text: "EXIT=0")
    let saved = try String(contentsOf: out, encoding: .utf8)
    #expect(saved.contains("fork P1 P2"))
  }
}

func type(_ t: TmuxSession, _ text: String) throws { try t.type(text) }

/// Runs a command (found on PATH) with stdout to a file and waits for it with waitpid.
func spawnAndWait(_ argv: [String], stdout path: String) -> Int32 {
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
  var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
  defer { for p in cArgs { free(p) } }
  var pid: pid_t = 0
  let env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin:/usr/sbin:/sbin"), nil]
  defer { for p in env { free(p) } }
  // Test runner threads block signals; the spawned tmux server (and so the shell and anonvis)
  // must start with none blocked and default dispositions, as in a person's terminal.
  var attr = posix_spawnattr_t()
  posix_spawnattr_init(&attr)
  defer { posix_spawnattr_destroy(&attr) }
  var empty = sigset_t()
  sigemptyset(&empty)
  posix_spawnattr_setsigmask(&attr, &empty)
  var defaults = sigset_t()
  sigemptyset(&defaults)
  for sig in [SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, sig) }
  posix_spawnattr_setsigdefault(&attr, &defaults)
  posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
  guard posix_spawnp(&pid, argv[0], &actions, &attr, &cArgs, env) == 0 else { return -1 }
  var status: Int32 = 0
  while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
  return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
