import Foundation
import TestSupport
import Testing

/// Random command lines for the real binary, from a grammar of its commands and options with
/// hostile values (control characters, huge and negative numbers, paths that are symlinks, FIFOs,
/// devices, directories, missing directories). The libFuzzer target covers the scene pipeline;
/// this covers argument parsing and the file-writing paths through the binary as users run it.
struct CommandLineFuzzer {
  var state: UInt64

  mutating func next(_ n: Int) -> Int {
    // xorshift64*: deterministic, so a failure names a command line that fails again.
    state ^= state >> 12
    state ^= state << 25
    state ^= state >> 27
    return Int((state &* 0x2545_F491_4F6C_DD1D) >> 33) % n
  }

  mutating func pick<T>(_ items: [T]) -> T { items[next(items.count)] }

  static let numbers = [
    "-1", "0", "1", "3", "17", "99999999999999999999", "abc", "", "1e3", "0x10", "\u{1b}[31m", "\u{202e}9", "\t",
  ]
  static let sizes = ["80x24", "1x1", "0x0", "1000x1000", "1001x5", "80X24", "-3x4", "axb", "80x", "\u{1b}]0;x\u{7}"]

  /// One command line; `paths` are the hostile paths of the scratch directory.
  mutating func commandLine(scenes: [String], paths: [String]) -> [String] {
    let scene = pick(scenes)
    var args: [String]
    switch next(8) {
    case 0: args = ["check", scene]
    case 1: args = ["state", scene]
    case 2: args = ["narrate", scene]
    case 3: args = ["render", scene]
    case 4: args = ["record", scene]
    case 5: args = ["races", scene]
    case 6: args = ["bench", "--emit", pick(["w1-cast", "w9", "", "\u{1b}[2J"])]
    default: args = ["tour"]
    }
    let command = args[0]
    for _ in 0..<next(5) {
      switch (command, next(6)) {
      case ("state", 0), ("narrate", 0), ("render", 0): args += ["--step", pick(Self.numbers)]
      case ("state", 1): args.append("--all")
      case ("render", 1): args += ["--micro", pick(Self.numbers)]
      case ("render", 2), ("record", 0): args += ["--size", pick(Self.sizes)]
      case ("render", 3): args += ["--format", pick(["text", "ansi", "dot", "svg", "json", "\u{1b}c"])]
      case ("record", 1): args += ["-o", pick(paths)]
      case ("record", 2): args += ["--frames", pick(paths)]
      case ("record", 3): args += ["--step-seconds", pick(Self.numbers)]
      case ("record", 4), ("races", 4): args.append("--force")
      case ("races", 0): args += ["--kernel", pick(["2.6.34", "6.x", "modern", "9.9", "\u{1b}[1m"])]
      case ("races", 1): args += ["--variant", pick(["no-6/5", "plain-dec", "degree", "x\u{7}"])]
      case ("races", 2): args += ["--max-states", pick(Self.numbers)]
      case ("races", 3): args += ["--out", pick(paths)]
      case (_, 5): args += [pick(["--max-memory", "--max-pages", "--max-work", "--max-ptes"]), pick(Self.numbers)]
      default: args.append(pick(["--quiet", "--ascii", "--bogus", "-", "--", "\u{1b}[6n"]))
      }
    }
    return args
  }
}

@Suite("Command lines from a fuzzer", .cleansUp, .serialized)
struct CLIFuzzTests {
  @Test(
    "400 random command lines: a known exit status, no crash or hang, no raw control on stderr, no special file replaced"
  )
  func randomCommandLines() async throws {
    let binary = try #require(anonvisBinary)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anonvis-clifuzz-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    // What must survive every run as it was.
    let victim = path("victim.txt")
    try "victim\n".write(toFile: victim, atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: path("link.cast"), withDestinationPath: "victim.txt")
    #expect(mkfifo(path("fifo"), 0o600) == 0)
    try FileManager.default.createDirectory(atPath: path("dir"), withIntermediateDirectories: true)
    let scenes = [
      repoRoot.appendingPathComponent("scenes/e1-first-touch.scene").path,
      repoRoot.appendingPathComponent("scenes/races/d5-take-all-locks.scene").path,
      try temporaryScene("spawn P1\r\nmmap P1 A 2\r\ntouch P1 A 0..1\r\n", name: "crlf\u{1b}[31m.scene"),
      try temporaryScene("spawn P1\nmmap P1 heap 1048576\ntouch P1 heap 0..1048575\n", name: "huge.scene"),
      path("fifo"), path("link.cast"), path("dir"), path("missing.scene"), "/dev/null",
    ]
    let paths = [
      path("out.cast"), path("link.cast"), path("fifo"), path("dir"), "/dev/full", path("missing/dir/x.cast"),
      "frames", "-", "\u{1b}]0;t\u{7}.cast",
    ]
    var fuzzer = CommandLineFuzzer(state: 0x5EED_ABCD_1234_0001)
    var statuses: [Int32: Int] = [:]
    for _ in 0..<400 {
      // The huge scene runs under a small page budget: the default refuses it too, in seconds.
      var args = fuzzer.commandLine(scenes: scenes, paths: paths)
      if args.contains(where: { $0.hasSuffix("huge.scene") }) { args += ["--max-pages", "5000"] }
      // `timeout` turns a hang into a failure (SIGKILL: the test runner's children block SIGTERM).
      // `bench` lines run the bench's own binary (its `--emit` takes hostile names too).
      let tool = args.first == "bench" ? try #require(benchBinary) : binary
      let toolArgs = args.first == "bench" ? Array(args.dropFirst()) : args
      let r = try await runTool("/usr/bin/timeout", ["-s", "KILL", "120", tool.path] + toolArgs, in: dir)
      let line = args.map { $0.debugDescription }.joined(separator: " ")
      statuses[r.status, default: 0] += 1
      #expect([0, 1, 2, 3, 64].contains(r.status), "exit \(r.status): \(line)\n\(r.stderr.prefix(2000))")
      #expect(!holdsRawControls(r.stderr), "raw control on stderr: \(line)\n\(r.stderr.debugDescription.prefix(2000))")
      var info = stat()
      #expect(lstat(path("fifo"), &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the FIFO was replaced: \(line)")
      #expect(
        lstat(path("link.cast"), &info) == 0 && info.st_mode & S_IFMT == S_IFLNK, "the symlink was replaced: \(line)")
      #expect(try String(contentsOfFile: victim, encoding: .utf8) == "victim\n", "written through the symlink: \(line)")
      #expect(lstat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/full was replaced: \(line)")
    }
    // The grammar reaches every outcome: success, refusal and usage errors.
    #expect(statuses[0] ?? 0 > 20 && statuses[2] ?? 0 > 20 && statuses[64] ?? 0 > 20, "\(statuses)")
  }
}
