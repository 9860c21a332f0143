import Foundation
import TestSupport
import Testing

/// As root on Linux with /proc/kpageflags: `conform` can run here.
let conformCanRun = getuid() == 0 && FileManager.default.fileExists(atPath: "/proc/kpageflags")

/// The pids and process groups of every process whose environment holds `tag` (the executor and
/// its scene processes inherit anonvis's environment).
func tagged(_ tag: String) -> [(pid: Int32, pgid: Int32)] {
  let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  return entries.compactMap { entry -> (Int32, Int32)? in
    guard let pid = Int32(entry), let env = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
      env.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == "ANONVIS_CONFORM_TAG=" + tag })
    else { return nil }
    return (pid, processGroup(pid) ?? 0)
  }
}

/// Field 5 of /proc/PID/stat (zombies too), or nil when the process is gone.
func processGroup(_ pid: Int32) -> Int32? {
  guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
  let text = String(decoding: data, as: UTF8.self)
  guard let close = text.lastIndex(of: ")") else { return nil }
  let fields = text[text.index(after: close)...].split(separator: " ")
  return fields.count > 2 ? Int32(fields[2]) : nil
}

/// Every process (zombies included) in one of the groups.
func members(of groups: Set<Int32>) -> [Int32] {
  let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  return entries.compactMap { Int32($0) }.filter { pid in processGroup(pid).map { groups.contains($0) } ?? false }
}

@Suite("anonvis conform: the scene on this machine's kernel")
struct ConformTests {
  @Test(
    "E1-E5 conform with exit 0 on the running kernel", .enabled(if: conformCanRun),
    arguments: ["e1-first-touch", "e2-fork-cow", "e3-three-generations", "e4-split-merge", "e5-rmap-coverage"])
  func scenes(name: String) throws {
    let r = try run(["conform", "scenes/\(name).scene"])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains(" 0 disagree"), "\(r.stdout)")
    #expect(!r.stdout.contains("DISAGREE"))
  }

  @Test("E2 says step by step that the kernel shares after fork, copies on COW and reuses", .enabled(if: conformCanRun))
  func e2Report() throws {
    let r = try run(["conform", "scenes/e2-fork-cow.scene"])
    #expect(
      r.stdout.contains("step 4  fork P1 P2: agree (2 process(es), 2 VMA(s), 8 page(s), 8 shared)"), "\(r.stdout)")
    #expect(r.stdout.contains("step 5  touch P2 A 0: agree (2 process(es), 2 VMA(s), 8 page(s), 6 shared)"))
    #expect(r.stdout.contains("conform: 11 step(s) compared, 11 agree, 0 disagree"))
  }

  @Test("E6's KSM steps: exit 2 naming them; --skip-unsupported compares the rest", .enabled(if: conformCanRun))
  func unsupported() throws {
    let refused = try run(["conform", "scenes/e6-ksm-root-lifetime.scene"])
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("e6-ksm-root-lifetime.scene:17: step 9 ksm-merge P2 A 0 P9 B 0: KSM steps"))
    #expect(refused.stderr.contains("--skip-unsupported"))
    #expect(refused.stdout.isEmpty)
    let skipped = try run(["conform", "scenes/e6-ksm-root-lifetime.scene", "--skip-unsupported"])
    #expect(skipped.status == 0, "\(skipped.stdout)\(skipped.stderr)")
    #expect(skipped.stdout.contains("step 9  ksm-merge P2 A 0 P9 B 0: skipped"))
    #expect(skipped.stdout.contains("10 step(s) compared, 10 agree, 0 disagree, 2 skipped"))
  }

  @Test(
    "a wrong prediction (a flipped exclusive bit, injected by a test hook) is a disagreement: exit 1",
    .enabled(if: conformCanRun))
  func wrongPrediction() throws {
    let r = try run(["conform", "scenes/e2-fork-cow.scene", "--test-fault", "flip-exclusive:5"])
    #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
    #expect(
      r.stdout.contains("step 5  touch P2 A 0: DISAGREE\n    P1 A 0: exclusive: model exclusive, kernel shared\n"))
    #expect(r.stdout.contains("11 step(s) compared, 10 agree, 1 disagree"))
  }

  @Test(
    "not root: exit 2 naming the files that need it (run as nobody)",
    .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
  func notRoot() throws {
    let binary = try #require(anonvisBinary)
    let scene = try temporaryScene(
      try String(contentsOfFile: repoRoot.appendingPathComponent("scenes/e1-first-touch.scene").path, encoding: .utf8))
    let dir = URL(fileURLWithPath: scene).deletingLastPathComponent()
    let copy = dir.appendingPathComponent("anonvis")
    try FileManager.default.copyItem(at: binary, to: copy)
    #expect(chmod(copy.path, 0o755) == 0 && chmod(dir.path, 0o755) == 0 && chmod(scene, 0o644) == 0)
    let r = try runTool(
      "/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", copy.path, "conform", scene], in: dir)
    #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
    #expect(r.stderr.contains("conform needs root"))
    #expect(
      r.stderr.contains("/proc/kpagecount") && r.stderr.contains("/proc/kpageflags") && r.stderr.contains("pagemap"))
  }

  @Test(
    "no process survives: SIGINT, SIGTERM, a crashed scene process, a step over its time limit",
    .enabled(if: conformCanRun),
    arguments: ["SIGINT", "SIGTERM", "crash", "timeout"])
  func noSurvivor(path: String) throws {
    let binary = try #require(anonvisBinary)
    let tag = UUID().uuidString
    let p = Process()
    p.executableURL = binary
    var args = ["conform", "scenes/e2-fork-cow.scene"]
    switch path {
    case "crash": args += ["--test-fault", "crash:5"]
    case "timeout": args += ["--test-fault", "hang:5", "--step-timeout", "1"]
    default: args += ["--test-fault", "hang:5", "--step-timeout", "120"]
    }
    p.arguments = args
    p.currentDirectoryURL = repoRoot
    p.environment = ProcessInfo.processInfo.environment.merging(["ANONVIS_CONFORM_TAG": tag]) { $1 }
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    // anonvis, the executor, P1 and P2 exist once step 4 (fork) ran: wait for them (a deadline
    // on progress: the count only grows until then), remembering their process groups.
    var groups = Set<Int32>()
    let deadline = Date().addingTimeInterval(120)
    while p.isRunning && Date() < deadline {
      let now = tagged(tag)
      // The executor's group (anonvis itself stays in the test's group).
      groups.formUnion(now.filter { $0.pid != p.processIdentifier && $0.pgid > 0 }.map(\.pgid))
      if now.count >= 4 { break }
      usleep(20_000)
    }
    if path == "SIGINT" || path == "SIGTERM" {
      #expect(p.isRunning)
      kill(p.processIdentifier, path == "SIGINT" ? SIGINT : SIGTERM)
    }
    p.waitUntilExit()
    let expected: Int32 = path == "SIGINT" ? 130 : path == "SIGTERM" ? 143 : 2
    #expect(p.terminationStatus == expected)
    #expect(!groups.isEmpty)
    #expect(tagged(tag).isEmpty, "survivors: \(tagged(tag))")
    #expect(members(of: groups).isEmpty, "left in the executor's process group: \(members(of: groups))")
  }
}
