import Foundation
import TestSupport
import Testing

/// The built `anonvis` binary (the test target depends on it, so `swift test` builds it).
let anonvisBinary: URL? = {
  let candidates = [
    Bundle.main.bundleURL.appendingPathComponent("anonvis"),
    Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("anonvis"),
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("anonvis"),
    repoRoot.appendingPathComponent(".build/debug/anonvis"),
  ]
  return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// Whether the tests (and the binaries beside them) are an optimized build: README's test command
/// is `swift test -c release`; a plain `swift test` is a debug build.
#if DEBUG
let optimizedBuild = false
#else
let optimizedBuild = true
#endif

struct RunResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs anonvis with arguments, in the repository root.
func run(_ arguments: [String], stdin: String? = nil, in directory: URL = repoRoot) async throws -> RunResult {
  let binary = try #require(anonvisBinary, "anonvis binary not found")
  return try await runTool(binary.path, arguments, in: directory)
}

/// Writes scene text to a fresh directory of the test's own (removed when the test ends).
func temporaryScene(
  _ text: String, name: String = "t.scene", sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> String {
  let url = try Leftovers.directory("anonvis-e2e", sourceLocation: sourceLocation).appendingPathComponent(name)
  try Data(text.utf8).write(to: url)
  return url.path
}

@Suite("The anonvis binary", .cleansUp)
struct CLITests {
  @Test("check passes every scene under scenes/ and exits 0")
  func checkScenes() async throws {
    let enumerator = FileManager.default.enumerator(atPath: repoRoot.appendingPathComponent("scenes").path)
    let files = (enumerator?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".scene") }.sorted()
      .map { "scenes/\($0)" }
    #expect(!files.isEmpty)
    let r = try await run(["check"] + files)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.split(separator: "\n").count == files.count)
  }

  @Test("a violation no expect line names fails check (exit 1, step and code); naming it passes")
  func unexpectedViolation() async throws {
    // D.11: 2.6.34 migration locks an anon_vma that exit freed under it.
    let scene = """
      kernel 2.6.34
      cpus 2
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      on cpu0 begin migrate P1 A 0
      on cpu1 begin exit P1
      on cpu0 step 2
      on cpu1 finish
      on cpu0 finish

      """
    let silent = try await run(["check", try temporaryScene(scene)])
    #expect(silent.status == 1)
    #expect(silent.stderr.contains("t.scene: step 8: unexpected violation C15: cpu0 locks AV1, which has been freed"))
    let named = try await run(["check", try temporaryScene(scene + "expect violation C15\n")])
    #expect(named.status == 0, "\(named.stderr)")
    let counted = try await run(["check", try temporaryScene(scene + "expect violations == 1\n")])
    #expect(counted.status == 0, "\(counted.stderr)")
    // A count that comes before the violation does not cover it.
    let early = scene.replacingOccurrences(of: "on cpu0 finish", with: "expect violations == 0\non cpu0 finish")
    #expect(try await run(["check", try temporaryScene(early)]).status == 1)
  }

  @Test("an expect line naming an anon_vma not allocated yet is a scene error: exit 2 and no 'ok'")
  func expectationError() async throws {
    let r = try await run(["check", try temporaryScene("spawn P1\nmmap P1 A 1\nexpect alive AV1\n")])
    #expect(r.status == 2)
    #expect(r.stderr.contains("t.scene:3:1: error: AV1 names nothing at this step"), "\(r.stderr)")
    #expect(!r.stdout.contains("ok"), "\(r.stdout)")
  }

  @Test("a failing expectation exits 1 with file:line, expected and actual")
  func failingExpectation() async throws {
    let path = try temporaryScene("spawn P1\nmmap P1 A 1\ntouch P1 A 0\nexpect refcount AV1 == 3\n")
    let r = try await run(["check", path])
    #expect(r.status == 1)
    #expect(r.stderr.contains("t.scene:4:1: expectation failed: expect refcount AV1 == 3"))
    #expect(r.stderr.contains("expected: 3"))
    #expect(r.stderr.contains("actual:   0"))
  }

  @Test("a scene full of mistakes reports all of them with positions and exits 2")
  func manyErrors() async throws {
    let path = try temporaryScene(
      "spawn P1\nfrok P1 P2\nmmap P1 heap x\ntouch P9 heap 0\nsay \"open\nkernel 9.9\n")
    let r = try await run(["check", path])
    #expect(r.status == 2)
    let headers = r.stderr.split(separator: "\n").filter { $0.contains(": error: ") }.map(String.init)
    #expect(headers.count == 5, "\(r.stderr)")
    #expect(headers.first?.hasSuffix("t.scene:2:1: error: unknown statement 'frok'; did you mean 'fork'?") == true)
    #expect(r.stderr.contains("\nfrok P1 P2\n^~~~\n"))
    #expect(headers.contains { $0.contains("t.scene:5:5: error: unterminated string") })
    #expect(headers.contains { $0.contains("t.scene:6:8: error: unknown kernel '9.9'") })
  }

  @Test("bad files: missing, a directory, invalid UTF-8, a NUL byte, empty")
  func badFiles() async throws {
    #expect(try await run(["check", "/nonexistent.scene"]).status == 2)
    let dirResult = try await run(["check", "/tmp"])
    #expect(dirResult.status == 2)
    #expect(dirResult.stderr.contains("is a directory"))
    let bad = try temporaryScene("spawn P1\nsay \"\u{FFFD}\"\n")
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: bad)))
    bytes[bytes.count - 5] = 0xFF
    try Data(bytes).write(to: URL(fileURLWithPath: bad))
    let r = try await run(["check", bad])
    #expect(r.status == 2)
    #expect(r.stderr.contains("t.scene:2:6: error: invalid UTF-8"), "\(r.stderr)")
    let nul = try temporaryScene("spawn P1\0\n")
    #expect(try await run(["check", nul]).stderr.contains("t.scene:1:9: error: NUL byte"))
    let empty = try temporaryScene("")
    let e = try await run(["check", empty])
    #expect(e.status == 2)
    #expect(e.stderr.contains("t.scene:1:1: error: empty scene"))
    #expect(try await run(["check", try temporaryScene("# only a comment\n\n")]).status == 2)
  }

  /// Root reads any file, so as root the binary runs as `nobody` (setpriv, from a copy that
  /// user can execute) to meet a file it may not read.
  @Test("an unreadable scene gets a clear error and exit 2")
  func unreadableFile() async throws {
    let binary = try #require(anonvisBinary)
    let scene = try temporaryScene("spawn P1\n")
    #expect(chmod(scene, 0) == 0)
    var command = [binary.path]
    if getuid() == 0 {
      let copy = URL(fileURLWithPath: scene).deletingLastPathComponent().appendingPathComponent("anonvis")
      // Written through a close-on-exec descriptor: a process another test starts meanwhile
      // must not inherit it open for writing, or executing the copy fails with ETXTBSY ("Text
      // file busy", seen in CI) for as long as that process lives.
      let bytes = try Data(contentsOf: binary)
      let fd = open(copy.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
      try #require(fd >= 0)
      let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      #expect(close(fd) == 0)
      try #require(written == bytes.count)
      #expect(chmod(copy.path, 0o755) == 0)
      command = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", copy.path]
    }
    // Another test's fork may still hold a descriptor of the copy for the instant before its
    // exec closes it: a busy text file is retried, a bounded number of times.
    var r = try await runTool(command[0], Array(command.dropFirst()) + ["check", scene])
    for _ in 0..<20 where r.status == 126 && r.stderr.contains("Text file busy") {
      try? await Task.sleep(for: .milliseconds(100))
      r = try await runTool(command[0], Array(command.dropFirst()) + ["check", scene])
    }
    #expect(r.status == 2)
    #expect(r.stderr.contains("t.scene: error: cannot read the file (permission denied)"), "\(r.stderr)")
  }

  @Test("state prints byte-identical JSON on every run; --step and --all")
  func stateDeterminism() async throws {
    let a = try await run(["state", "scenes/e3-three-generations.scene", "--all"])
    let b = try await run(["state", "scenes/e3-three-generations.scene", "--all"])
    #expect(a.status == 0)
    #expect(a.stdout == b.stdout)
    #expect(a.stdout.split(separator: "\n").count == 9)
    let step0 = try await run(["state", "scenes/e3-three-generations.scene", "--step", "0"])
    #expect(step0.stdout.contains("\"step\": 0"))
    let last = try await run(["state", "scenes/e3-three-generations.scene"])
    #expect(last.stdout == String(a.stdout.split(separator: "\n").last ?? "") + "\n")
    let bad = try await run(["state", "scenes/e3-three-generations.scene", "--step", "99"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("out of range"))
  }

  @Test(
    "a kernel, variant or size that does not parse: exit 2, the value, the option and the valid values",
    arguments: [
      (["render", "scenes/e1-first-touch.scene", "--compare", "9.9"], "'9.9' is invalid for '--compare <kernel>'"),
      (["explore", "--kernel", "2.6"], "'2.6' is invalid for '--kernel <kernel>'"),
      (["races", "scenes/races/d5-take-all-locks.scene", "--kernel", "x"], "'x' is invalid for '--kernel <kernel>'"),
      (["races", "scenes/races/d5-take-all-locks.scene", "--variant", "no-7/5"], "'no-7/5' is invalid for '--variant"),
      (["render", "scenes/e1-first-touch.scene", "--size", "80x0"], "'80x0' is invalid for '--size <COLSxROWS>'"),
      (["record", "scenes/e1-first-touch.scene", "--frames", "/tmp", "--size", "axb"], "'axb' is invalid for '--size"),
    ])
  func typedValues(arguments: [String], message: String) async throws {
    let r = try await run(arguments)
    #expect(r.status == 2)
    #expect(r.stderr.contains(message), "\(r.stderr)")
    if arguments.contains("--size") {
      #expect(r.stderr.contains("each between 1 and 1000"))
    } else if arguments.contains("--variant") {
      #expect(r.stderr.contains("- no-6/5\n") && r.stderr.contains("- root-reread\n"))
    } else {
      #expect(r.stderr.contains("Please provide one of '2.6.34', '2.6.36', '6.1' or 'mainline'."))
    }
  }

  @Test("kernel aliases and sizes in either case parse; --format keeps ArgumentParser's usage status, 64")
  func typedValuesAccepted() async throws {
    let aliases = try await run(["render", "scenes/e1-first-touch.scene", "--compare", "root-lock", "--size", "90X30"])
    #expect(aliases.status == 0, "\(aliases.stderr)")
    #expect(aliases.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 31)
    #expect(try await run(["render", "scenes/e1-first-touch.scene", "--format", "json"]).status == 64)
  }

  @Test("unknown flags get usage and a non-zero exit")
  func usage() async throws {
    let r = try await run(["check", "--frobnicate"])
    #expect(r.status != 0)
    #expect(r.stderr.contains("Usage"))
  }

  @Test("with no arguments, anonvis tours its built-in scene from any directory")
  func tour() async throws {
    let r = try await run([])
    #expect(r.status == 0)
    #expect(r.stdout.contains("step 12/12"))
    #expect(r.stdout.contains("anon_vma_fork"))
    // The tour compares like play does (`c` in the terminal, `--compare` here).
    #expect(try await run(["tour", "--compare", "2.6.34"]).status == 0)
    #expect(try await run(["tour", "--compare", "2.6.99"]).status != 0)
  }

  @Test("scene text never reaches the terminal raw")
  func noRawControlCharacters() async throws {
    let path = try temporaryScene("title \"\u{1b}]52;c;AAAA\u{7}evil\"\nspawn P1\nsay \"\u{1b}[2J\u{202E}rtl\"\n")
    let r = try await run(["narrate", path])
    #expect(r.status == 0)
    #expect(!r.stdout.unicodeScalars.contains("\u{1b}"))
    #expect(!r.stdout.unicodeScalars.contains("\u{7}"))
    #expect(!r.stdout.unicodeScalars.contains("\u{202E}"))
    #expect(r.stdout.contains("\\e[2J"))
  }

  @Test("record --view draws its frames in that view: each --frames text equals render --still --view of the step")
  func recordView() async throws {
    let dir = try Leftovers.directory("anonvis-view")
    let scene = "scenes/e3-three-generations.scene"
    var texts: [String: String] = [:]
    for view in ["diagram", "matrix", "tree"] {
      let out = dir.appendingPathComponent(view).path
      let r = try await run(["record", scene, "--frames", out, "--size", "120x40", "--view", view, "--quiet"])
      #expect(r.status == 0, "\(r.stderr)")
      let recorded = try String(contentsOfFile: out + "/step-006.txt", encoding: .utf8)
      let rendered = try await run([
        "render", scene, "--step", "6", "--size", "120x40", "--view", view, "--format", "text", "--still",
      ])
      #expect(recorded == rendered.stdout, "\(view)")
      texts[view] = recorded
    }
    #expect(Set(texts.values).count == 3, "the three views draw three different frames")
    #expect(try await run(["record", scene, "--frames", dir.path, "--view", "pie"]).status != 0)
  }
}

@Suite("anonvis races", .cleansUp)
struct RacesCLITests {
  @Test("exit 0 with 'no violation ... (exhaustive)'; exit 1 with a counterexample scene that check passes")
  func races() async throws {
    let ok = try await run(["races", "scenes/races/d3-ksm-drop-vs-munmap.scene"])
    #expect(ok.status == 0)
    #expect(ok.stdout.contains("(exhaustive)"))
    // The chance that a fingerprint collision hid one of its 83 states, as TLC reports it.
    #expect(
      ok.stdout.contains(
        "probability that a fingerprint collision hid a state: 1.8e-16 (64-bit fingerprints, n(n-1)/2^65 for n = 83 states)"
      ), "\(ok.stdout)")
    // Which search ran: the reduction by default, every interleaving with --no-reduction.
    #expect(ok.stdout.contains("search: partial-order reduction (ample sets, C0-C3), "), "\(ok.stdout)")
    let full = try await run(["races", "scenes/races/d3-ksm-drop-vs-munmap.scene", "--no-reduction"])
    #expect(full.status == 0 && full.stdout.contains("search: full search (every interleaving)\n"), "\(full.stdout)")
    // Symmetry of page ids: on by default, off with --no-symmetry.
    #expect(ok.stdout.contains("symmetry: states equal up to the pages' ids are one state"), "\(ok.stdout)")
    let plain = try await run(["races", "scenes/races/d3-ksm-drop-vs-munmap.scene", "--no-symmetry"])
    #expect(plain.status == 0 && plain.stdout.contains("symmetry: none\n"), "\(plain.stdout)")
    // Two threads: the same bytes on standard output.
    let two = try await run(["races", "scenes/races/d3-ksm-drop-vs-munmap.scene", "--threads", "2"])
    #expect(two.status == 0 && two.stdout == ok.stdout)
    #expect(try await run(["races", "scenes/races/d3-ksm-drop-vs-munmap.scene", "--threads", "0"]).status == 2)
    let dir = try Leftovers.directory("races").appendingPathComponent("out").path
    let bad = try await run([
      "races", "scenes/races/d3-ksm-drop-vs-munmap.scene", "--variant", "plain-dec", "--out", dir,
    ])
    #expect(bad.status == 1)
    // The hypothetical plain decrement frees AV1 under ksmd, which then locks it (C15) and
    // frees it a second time (C8): one counterexample per violation, each passing check.
    let written = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    #expect(written == ["d3-ksm-drop-vs-munmap.2.6.34.C15.race.scene", "d3-ksm-drop-vs-munmap.2.6.34.C8.race.scene"])
    for file in written {
      let check = try await run(["check", "\(dir)/\(file)"])
      #expect(check.status == 0, "\(check.stderr)")
    }
    #expect(try await run(["races", "scenes/e1-first-touch.scene"]).status == 2)
    #expect(try await run(["races", "scenes/races/d5-take-all-locks.scene", "--variant", "degree"]).status == 2)
  }

  @Test("the same scene gives the same standard output (the time goes to a terminal's standard error only)")
  func racesDeterministic() async throws {
    let dir = try Leftovers.directory("races-det")
    let args = ["races", repoRoot.appendingPathComponent("scenes/races/d7-page-lock-vs-reuse.scene").path, "--force"]
    let first = try await run(args + ["--variant", "root-reread"], in: dir)
    let second = try await run(args + ["--variant", "root-reread"], in: dir)
    #expect(first.status == 1)
    #expect(first.stdout == second.stdout)
    #expect(!first.stdout.contains("states/s"))
    // Counts of thousands are grouped, as in the progress line: `2,434 states`, never `2434 states`.
    let summary = String(first.stdout.split(separator: "\n").first ?? "")
    #expect(summary.range(of: #": [0-9]{1,3}(,[0-9]{3})+ states, "#, options: .regularExpression) != nil, "\(summary)")
    #expect(summary.range(of: "[0-9]{4}", options: .regularExpression) == nil, "\(summary)")
    // A state no CPU can leave, counted in the number its noun takes.
    let one = try await run(["races", repoRoot.appendingPathComponent("scenes/races/d5-take-all-locks.scene").path])
    #expect(one.stdout.contains(" 1 end state (no CPU can go on), "), "\(one.stdout)")
    #expect(!one.stdout.contains(" 1 end states") && !one.stdout.contains("complete schedules"), "\(one.stdout)")
  }

  @Test(
    "the state and memory bounds stop a search that would pass them: NOT exhaustive, which bound, what it cost, exit 3"
  )
  func racesBounds() async throws {
    // Four CPUs copying on write, every page order kept (with symmetry the search ends in
    // 1,296 states): far more states than these bounds allow.
    let scene = "scenes/scale/cow-4-cpus-2.6.36.scene"
    let states = try await run(["races", scene, "--no-symmetry", "--max-states", "500"])
    #expect(states.status == 3, "\(states.stderr)")
    #expect(states.stdout.contains("NOT exhaustive: stopped at the bound of 500 states; raise it with --max-states\n"))
    #expect(states.stdout.contains("\ncovered: every schedule of up to "), "\(states.stdout)")
    #expect(states.stdout.contains("no violation in 500 states (bounded search)"), "\(states.stdout)")
    #expect(
      states.stderr.range(
        of: "^anonvis: NOT exhaustive: stopped at the state bound after 500 states, [0-9,]+ MB, [0-9.]+ s; "
          + "raise it with --max-states\n$", options: .regularExpression) != nil, "\(states.stderr)")
    // The same bound gives the same standard output.
    #expect(try await run(["races", scene, "--no-symmetry", "--max-states", "500"]).stdout == states.stdout)
    // The memory bound is the resident set measured: the search stops once it holds more.
    let limit = 48
    let memory = try await run(["races", scene, "--no-symmetry", "--max-memory", "\(limit)"])
    #expect(memory.status == 3, "\(memory.stderr)")
    #expect(
      memory.stdout.contains("NOT exhaustive: stopped at the memory budget of \(limit) MB; raise it with --max-memory"),
      "\(memory.stdout)")
    let stopped =
      #/stopped at the memory bound after ([0-9,]+) states, ([0-9,]+) MB, [0-9.]+ s; raise it with --max-memory/#
    let cost = try #require(memory.stderr.firstMatch(of: stopped), "\(memory.stderr)")
    #expect(memory.stderr.hasPrefix("anonvis: NOT exhaustive: stopped at the memory bound"))
    let used = Int(cost.2.filter(\.isNumber)) ?? 0
    #expect(used > limit, "\(memory.stderr)")
    // Under a memory bound twice as large, it goes further.
    let twice = try await run(["races", scene, "--no-symmetry", "--max-memory", "\(2 * limit)"])
    let further = try #require(twice.stderr.firstMatch(of: #/after ([0-9,]+) states/#), "\(twice.stderr)")
    #expect((Int(further.1.filter(\.isNumber)) ?? 0) > (Int(cost.1.filter(\.isNumber)) ?? 0))
    // A search that ends within its bounds: exhaustive, exit 0, nothing on standard error.
    let small = try await run(["races", "scenes/races/d3-ksm-drop-vs-munmap.scene", "--max-time", "600"])
    #expect(small.status == 0 && small.stdout.contains("(exhaustive)") && small.stderr.isEmpty, "\(small.stderr)")
    #expect(!small.stdout.contains("covered:"))
    for bad in ["0", "-1", "nan", "1e10"] {
      #expect(
        [2, 64].contains(
          try await run(["races", "scenes/races/d3-ksm-drop-vs-munmap.scene", "--max-time", bad]).status),
        "\(bad)")
    }
    // The help names every bound and every exit status.
    let help = try await run(["races", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    for text in [
      "--max-states", "--max-memory", "--max-time", "3 no violation found but the search is NOT exhaustive",
      "130 stopped by ctrl-C", "143 stopped by SIGTERM",
    ] {
      #expect(help.contains(text), "\(text)")
    }
  }

  @Test("without --out the counterexample goes to the current directory, not beside the scene, and its path is printed")
  func racesWriteToTheCurrentDirectory() async throws {
    let source = try String(
      contentsOf: repoRoot.appendingPathComponent("scenes/races/d5-take-all-locks.scene"), encoding: .utf8)
    let scene = try temporaryScene(source, name: "d5.scene")
    let sceneDir = URL(fileURLWithPath: scene).deletingLastPathComponent()
    let cwd = try Leftovers.directory("races-cwd")
    let r = try await run(["races", scene, "--variant", "no-6/5"], in: cwd)
    #expect(r.status == 1, "\(r.stderr)")
    let written = try FileManager.default.contentsOfDirectory(atPath: cwd.path)
    #expect(written == ["d5.2.6.36.C18.race.scene"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: sceneDir.path) == ["d5.scene"])
    #expect(r.stdout.contains("written to ./d5.2.6.36.C18.race.scene"))
  }
}
