import Foundation
import TestSupport
import Testing

/// A fresh directory for one test.
private func scratchDirectory() throws -> URL {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anonvis-out-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  return dir
}

/// The kind of what is at `path`, not following a symlink ("link", "fifo", "char", "file", "none").
private func kind(_ path: String) -> String {
  var info = stat()
  guard lstat(path, &info) == 0 else { return "none" }
  switch info.st_mode & S_IFMT {
  case S_IFLNK: return "link"
  case S_IFIFO: return "fifo"
  case S_IFCHR: return "char"
  case S_IFREG: return "file"
  default: return "other"
  }
}

/// A tmpfs of `kib` KiB mounted on `dir` (tests run as root in CI); nil where mounting is not allowed.
private func mountTmpfs(_ dir: URL, kib: Int) async -> Bool {
  let ok =
    await spawnAndWait(["mount", "-t", "tmpfs", "-o", "size=\(kib)k", "tmpfs", dir.path], stdout: "/dev/null") == 0
  if !ok && Tools.required {
    Issue.record("cannot mount a tmpfs (ANONVIS_REQUIRE_TOOLS=1 wants the full-filesystem tests)")
  }
  return ok
}

/// Fills the filesystem of `dir` and then frees `free` bytes (a multiple of the page size).
private func fill(_ dir: URL, leaving free: Int) async {
  let filler = dir.appendingPathComponent("filler").path
  _ = await spawnAndWait(["dd", "if=/dev/zero", "of=\(filler)", "bs=4096"], stdout: "/dev/null")
  if free > 0 { _ = await spawnAndWait(["truncate", "-s", "-\(free)", filler], stdout: "/dev/null") }
}

private let e1 = "scenes/e1-first-touch.scene"

@Suite("Output files: symlinks, special files, temporary files, full disks", .cleansUp)
struct OutputFileTests {
  @Test("a symlink as the --frames or races --out directory is refused, exit 2; nothing is written where it points")
  func symlinkedDirectories() async throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let real = dir.appendingPathComponent("real")
    try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
    let link = dir.appendingPathComponent("linkdir").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real")
    let frames = try await run(["record", e1, "--frames", link])
    #expect(frames.status == 2)
    #expect(frames.stderr.contains("is a symlink; name the real directory"), "\(frames.stderr)")
    let races = try await run(["races", "scenes/races/d5-take-all-locks.scene", "--variant", "no-6/5", "--out", link])
    #expect(races.status == 2, "\(races.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: real.path).isEmpty)
    // The real directory, named: written.
    #expect(try await run(["record", e1, "--frames", real.path]).status == 0)
    #expect(try !FileManager.default.contentsOfDirectory(atPath: real.path).isEmpty)
  }

  @Test("a symlink at the -o, --frames or counterexample path is refused, exit 2; the file it points to is untouched")
  func symlinkTargets() async throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let victim = dir.appendingPathComponent("victim.txt").path
    let old = String(repeating: "old victim data\n", count: 2000)
    try old.write(toFile: victim, atomically: false, encoding: .utf8)
    let link = dir.appendingPathComponent("link.cast").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "victim.txt")
    for extra in [[], ["--force"]] {
      let r = try await run(["record", e1, "-o", link] + extra)
      #expect(r.status == 2, "\(extra): \(r.stderr)")
      #expect(r.stderr.contains("error: \(link) is a symlink"), "\(r.stderr)")
      #expect(r.stderr.contains("name the real path"), "\(r.stderr)")
    }
    // A dangling symlink is refused too: it would create the file it names.
    let dangling = dir.appendingPathComponent("dangling.cast").path
    try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "made-by-anonvis.txt")
    #expect(try await run(["record", e1, "-o", dangling]).status == 2)
    #expect(kind(dir.appendingPathComponent("made-by-anonvis.txt").path) == "none")

    let frames = dir.appendingPathComponent("frames")
    try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: frames.appendingPathComponent("step-000.txt").path, withDestinationPath: victim)
    let f = try await run(["record", e1, "--frames", frames.path, "--force"])
    #expect(f.status == 2, "\(f.stderr)")
    #expect(f.stderr.contains("step-000.txt is a symlink"), "\(f.stderr)")

    let out = dir.appendingPathComponent("races")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: out.appendingPathComponent("d5-take-all-locks.2.6.36.C18.race.scene").path, withDestinationPath: victim)
    let r = try await run([
      "races", "scenes/races/d5-take-all-locks.scene", "--variant", "no-6/5", "--out", out.path, "--force",
    ])
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.stderr.contains("C18.race.scene is a symlink"), "\(r.stderr)")

    #expect(try String(contentsOfFile: victim, encoding: .utf8) == old)
    #expect(kind(link) == "link")
    // Naming the real path writes there (with --force, as for any existing file).
    #expect(try await run(["record", e1, "-o", victim, "--force"]).status == 0)
    #expect(try String(contentsOfFile: victim, encoding: .utf8).hasPrefix("{\"version\": 2"))
  }

  @Test("a FIFO or a device node at the output path is refused even with --force, and stays what it was")
  func specialTargets() async throws {
    let binary = try #require(anonvisBinary)
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let fifo = dir.appendingPathComponent("fifo.cast").path
    #expect(mkfifo(fifo, 0o644) == 0)
    // A character device like /dev/null (1, 3), made here so that a wrong answer destroys nothing.
    let device = dir.appendingPathComponent("null.cast").path
    let haveDevice = await spawnAndWait(["mknod", device, "c", "1", "3"], stdout: "/dev/null") == 0
    for (path, what) in [(fifo, "fifo")] + (haveDevice ? [(device, "char")] : []) {
      for extra in [[], ["--force"]] {
        // `timeout` turns the old behaviour on a FIFO (blocking for a reader) into a failure.
        let r = try await runTool(
          "/usr/bin/timeout", ["-s", "KILL", "60", binary.path, "record", e1, "-o", path] + extra)
        #expect(r.status == 2, "\(path) \(extra): \(r.stderr)")
        #expect(r.stderr.contains("error: \(path) exists and is not a regular file"), "\(r.stderr)")
        #expect(kind(path) == what)
      }
    }
    // The path in the message is escaped: a name with an escape sequence reaches no terminal raw.
    let odd = dir.appendingPathComponent("f\u{1b}[2J.cast").path
    #expect(mkfifo(odd, 0o644) == 0)
    let e = try await runTool("/usr/bin/timeout", ["-s", "KILL", "60", binary.path, "record", e1, "-o", odd])
    #expect(e.stderr.contains("f\\e[2J.cast exists and is not a regular file"), "\(e.stderr)")
    #expect(!e.stderr.unicodeScalars.contains("\u{1b}"))
    let full = try await run(["record", e1, "-o", "/dev/full", "--force"])
    #expect(full.status == 2)
    #expect(full.stderr.contains("is not a regular file"), "\(full.stderr)")
  }

  @Test("the temporary file has an unpredictable name: a symlink planted at .NAME.tmp-PID is not followed")
  func unpredictableTemporary() async throws {
    let binary = try #require(anonvisBinary)
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let victim = dir.appendingPathComponent("victim.txt").path
    try "victim\n".write(toFile: victim, atomically: false, encoding: .utf8)
    // `exec` keeps the shell's PID, so the old name `.out.cast.tmp-$$` is known in advance.
    let script = "ln -s victim.txt .out.cast.tmp-$$ && umask 0 && exec \"$0\" record \"$1\" -o out.cast"
    let r = try await runTool(
      "/bin/sh", ["-c", script, binary.path, repoRoot.appendingPathComponent(e1).path], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "victim\n")
    let out = dir.appendingPathComponent("out.cast").path
    #expect(kind(out) == "file")
    #expect(try String(contentsOfFile: out, encoding: .utf8).hasPrefix("{\"version\": 2"))
    // Mode 0644 minus the umask (0 here), not 0666; no temporary file is left behind.
    let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
    #expect(mode == 0o644)
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
      $0.hasPrefix(".") && !$0.hasPrefix(".out.cast.tmp-")
    }
    #expect(left.isEmpty, "\(left)")
  }

  @Test("record -o on a full filesystem: exit 2, the old file unchanged, no temporary file left")
  func recordOnFullDisk() async throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    guard await mountTmpfs(dir, kib: 64) else { return }
    defer { _ = spawnAndWaitBlocking(["umount", dir.path], stdout: "/dev/null") }
    let target = dir.appendingPathComponent("out.cast").path
    try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
    await fill(dir, leaving: 0)
    let r = try await run(["record", e1, "-o", target, "--force"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("error: cannot write \(target)"), "\(r.stderr)")
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "old\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["filler", "out.cast"])
  }
}

@Suite("Output files of the interactive view (tmux)", .cleansUp, .enabled(if: tmuxAvailable), .serialized)
struct LiveOutputFileTests {
  /// Runs `play e2 ARGS` in tmux; once the view is up (if it comes up) runs `interact` and
  /// quits; returns the final screen.
  private func play(
    _ t: TmuxSession, _ args: String, prefix: String = "", interact: (TmuxSession) async throws -> Void = { _ in }
  ) async throws -> String {
    let binary = try #require(anonvisBinary)
    try await type(t, "clear\n")
    try await t.waitFor("a clear screen") { !$0.contains("EXIT=") }
    try await type(t, "\(prefix)\(binary.path) play \(repoRoot.path)/scenes/e2-fork-cow.scene \(args); echo EXIT=$?\n")
    let first = try await t.waitFor("the view or the exit status") {
      $0.contains("step 0/11") || $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil
    }
    if first.contains("step 0/11") {
      try await interact(t)
      try await t.keys("q")
    }
    return try await t.waitFor("the exit status") { $0.range(of: "EXIT=[0-9]", options: .regularExpression) != nil }
  }

  @Test(
    "--record refusals (an existing file, a symlink, a FIFO even with --force, an unwritable path) are shown after the view, exit 2"
  )
  func refusalsAreVisible() async throws {
    let t = try await TmuxSession()
    let exists = t.dir.appendingPathComponent("exists.cast").path
    try "old\n".write(toFile: exists, atomically: false, encoding: .utf8)
    let link = t.dir.appendingPathComponent("link.cast").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: exists)
    let fifo = t.dir.appendingPathComponent("fifo.cast").path
    #expect(mkfifo(fifo, 0o644) == 0)
    for (args, message) in [
      ("--record \(exists)", "\(exists) exists; use --force"),
      ("--record \(link) --force", "\(link) is a symlink"),
      ("--record \(fifo) --force", "\(fifo) exists and is not a regular file"),
      ("--record /nonexistent-dir/x.cast", "cannot write /nonexistent-dir/x.cast"),
    ] {
      let screen = try await play(t, args)
      #expect(screen.contains("EXIT=2"), "\(args): \(screen)")
      #expect(screen.contains(message), "\(args): \(screen)")
    }
    #expect(try String(contentsOfFile: exists, encoding: .utf8) == "old\n")
    #expect(kind(link) == "link")
    #expect(kind(fifo) == "fifo")
    // The file is created before the view: when the terminal is unusable it is removed again.
    let fresh = t.dir.appendingPathComponent("fresh.cast").path
    let dumb = try await play(t, "--record \(fresh)", prefix: "TERM=dumb ")
    #expect(dumb.contains("EXIT=2"), "\(dumb)")
    #expect(kind(fresh) == "none")
  }

  @Test("play --record on a full filesystem: the error after the view, exit 2, and the cast is whole lines that parse")
  func liveRecordOnFullDisk() async throws {
    let t = try await TmuxSession()
    let disk = t.dir.appendingPathComponent("disk")
    try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
    guard await mountTmpfs(disk, kib: 64) else { return }
    defer { _ = spawnAndWaitBlocking(["umount", disk.path], stdout: "/dev/null") }
    // One page free: the header fits, the first full frame does not.
    await fill(disk, leaving: 4096)
    let cast = disk.appendingPathComponent("live.cast").path
    let screen = try await play(t, "--record \(cast)") { t in
      // Step by step (keys typed at once would be handled before the next frame is drawn); the
      // view says that the recording stopped.
      for k in 1...3 {
        try await t.keys("Right")
        try await t.waitFor(text: "step \(k)/11")
      }
      try await t.waitFor(text: "error: recording to")
    }
    #expect(screen.contains("EXIT=2"), "\(screen)")
    #expect(screen.contains("error: recording to \(cast) failed"), "\(screen)")
    let data = try Data(contentsOf: URL(fileURLWithPath: cast))
    let text = try #require(String(data: data, encoding: .utf8), "the cast is not valid UTF-8")
    #expect(text.hasSuffix("\n"), "the cast ends in a partial line")
    let lines = text.split(separator: "\n")
    #expect(lines.count >= 1)
    for line in lines {
      #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line.prefix(80))")
    }
  }
}
