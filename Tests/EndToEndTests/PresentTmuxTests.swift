import AppCore
import Foundation
import TermRender
import TestSupport
import Testing

/// `anonvis present`: the audience in window 0, a presenter or follower in window 1, on a private
/// tmux server, the lecture socket in a private runtime directory of the test's own.
@Suite(
  "present: an audience terminal and a presenter terminal (tmux)", .cleansUp, .enabled(if: tmuxAvailable), .serialized)
struct PresentTmuxTests {
  static let e3 = "\(repoRoot.path)/scenes/e3-three-generations.scene"
  /// E3's one note (on its last step).
  static let note = "The order of the 'freed' list"

  /// The audience playing E3 in window 0 and `attach` (`--attach` or `--follow`) in window 1.
  static func lecture(_ attach: String = "--attach") async throws -> TmuxSession {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 80, height: 24)
    try await t.openWindow(1)
    let run = t.dir.appendingPathComponent("run").path
    for window in [0, 1] {
      try await t.type("mkdir -p -m 700 \(run); export XDG_RUNTIME_DIR=\(run)\n", window: window)
    }
    try await t.type("\(binary.path) present \(e3); echo AUDIENCE-EXIT=$?\n", window: 0)
    try await t.waitFor("the audience view", window: 0) { $0.contains("step 0/8") }
    try await t.type("\(binary.path) present \(attach); echo PRESENTER-EXIT=$?\n", window: 1)
    try await t.waitFor("the attached view", window: 1) { $0.contains("step 0/8") }
    return t
  }

  @Test("a key in the presenter moves the audience; the notes show there and never on the audience")
  func presenterDrives() async throws {
    let t = try await Self.lecture()
    try await t.keys("Right", window: 1)
    try await t.waitFor("the audience's step 1", window: 0) { $0.contains("step 1/8") }
    try await t.waitFor("the presenter's step 1", window: 1) { $0.contains("now  1 ") && $0.contains("next 2 ") }
    // `n` (notes on the projected view in `play`) is no way to show them here either.
    try await t.keys("n", window: 1)
    try await t.type("g8", window: 1)
    try await t.keys("Enter", window: 1)
    try await t.waitFor("the note in the presenter", window: 1) {
      $0.contains(Self.note) && $0.contains("▸ The last exit")
    }
    let audience = try await t.waitFor("the audience's last step", window: 0) { $0.contains("step 8/8") }
    #expect(!audience.contains(Self.note) && !audience.contains("note:"), "\(audience)")
    try await t.keys("q", window: 1)
    try await t.waitFor("the presenter detached", window: 1) { $0.contains("PRESENTER-EXIT=0") }
    try await t.keys("q", window: 0)
    try await t.waitFor("the audience quit", window: 0) { $0.contains("AUDIENCE-EXIT=0") }
  }

  @Test("pointing: a selection and a pin made in the presenter show on the audience view")
  func pointing() async throws {
    let t = try await Self.lecture()
    try await t.type("g5", window: 1)
    try await t.keys("Enter", window: 1)
    try await t.type("/AV1", window: 1)
    try await t.keys("Enter", window: 1)
    try await t.waitFor("the audience's selection", window: 0) {
      $0.contains("step 5/8") && $0.contains("selected AV1")
    }
    try await t.type("P", window: 1)
    try await t.waitFor("the audience's pin", window: 0) { $0.contains("pinned AV1") }
    try await t.waitFor("the presenter told", window: 1) { $0.contains("on the audience view: pinned AV1") }
  }

  @Test("the presenter's timer advances")
  func timerAdvances() async throws {
    let t = try await Self.lecture()
    func elapsed(_ screen: String) -> String? {
      screen.range(of: "[0-9][0-9]:[0-9][0-9]  [0-9][0-9]:[0-9][0-9]:[0-9][0-9]", options: .regularExpression).map {
        String(screen[$0].prefix(5))
      }
    }
    let first = try #require(elapsed(try await t.screen(window: 1)))
    try await t.waitFor("the elapsed time past \(first)", window: 1) {
      elapsed($0).map { $0 > first } ?? false
    }
  }

  @Test("a presenter that detaches leaves the lecture running; a lost audience ends the presenter cleanly")
  func detachAndLoseAudience() async throws {
    let t = try await Self.lecture()
    try await t.keys("q", window: 1)
    try await t.waitFor("the presenter detached", window: 1) { $0.contains("PRESENTER-EXIT=0") }
    try await t.keys("Right", window: 0)
    try await t.waitFor("the audience steps on", window: 0) { $0.contains("step 1/8") }
    // A presenter attaches again and sees where the lecture is.
    try await t.type("\(try #require(anonvisBinary).path) present --attach; echo AGAIN-EXIT=$?\n", window: 1)
    try await t.waitFor("the presenter again", window: 1) { $0.contains("presenter  step 1/8") }
    let pid = try #require(try await t.childPID(window: 0, named: "anonvis"))
    #expect(await spawnAndWait(["kill", "-KILL", pid], stdout: "/dev/null") == 0)
    let end = try await t.waitFor("the presenter's end", window: 1) { $0.contains("AGAIN-EXIT=0") }
    #expect(end.contains("the lecture ended"), "\(end)")
    let stty = try await t.stty(window: 1)
    #expect(stty.contains(" icanon") && stty.contains(" echo ") && !stty.contains("-icanon"), "\(stty)")
    // The killed audience's socket is left behind; the next --attach removes it and says so.
    try await t.type(
      "clear; \(try #require(anonvisBinary).path) present --attach; ls $XDG_RUNTIME_DIR/anonvis | wc -l\n", window: 1)
    let stale = try await t.waitFor("the stale socket's removal", window: 1) {
      $0.contains("no lecture is running") && $0.range(of: "\n[0-9]+\n", options: .regularExpression) != nil
    }
    #expect(stale.contains("\n0\n"), "\(stale)")
  }

  @Test("a follower sees the audience view and cannot drive")
  func followerCannotDrive() async throws {
    let t = try await Self.lecture("--follow")
    // The note replaces the audience's key hints from the first frame, before any key.
    try await t.waitFor("the follower's note", window: 1) {
      $0.contains("keys do not drive") && $0.contains("step 0/8")
    }
    #expect(!(try await t.screen(window: 1)).contains("←/→ step"))
    try await t.keys("Right", window: 1)
    try await t.keys("Right", window: 0)
    try await t.waitFor("the follower follows", window: 1) { $0.contains("step 1/8") }
    #expect(try await t.screen(window: 0).contains("step 1/8"))
    try await t.keys("q", window: 1)
    try await t.waitFor("the follower quit", window: 1) { $0.contains("PRESENTER-EXIT=0") }
  }

  /// Connects to the lecture's socket as `role`, sends the hello and `keys` in one write (the
  /// audience reads and handles them together) and returns once the audience has answered.
  static func rawClient(_ socket: String, role: LectureRole, keys: [Key]) throws {
    let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (i, byte) in socket.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
    }
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    try #require(connected == 0, "connect to \(socket)")
    var bytes = LectureFraming.frame(LectureRequest.hello(role, width: 80, height: 24).encoded)
    for key in keys { bytes += LectureFraming.frame(LectureRequest.key(key).encoded) }
    #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
    var reply = [UInt8](repeating: 0, count: 4096)
    #expect(reply.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } > 0, "the audience answers")
  }

  @Test("keys a follower sends over the socket are dropped by the audience; the same keys from a presenter drive it")
  func followerKeysDroppedByTheAudience() async throws {
    let t = try await Self.lecture("--follow")
    let dir = t.dir.appendingPathComponent("run/anonvis").path
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sock") }
    let socket = dir + "/" + (try #require(names.first))
    try Self.rawClient(socket, role: .follower, keys: [.right, .right, .right])
    try Self.rawClient(socket, role: .presenter, keys: [.right])
    // Had the follower's keys counted, the presenter's would make it step 4.
    try await t.waitFor("the presenter's key", window: 0) { $0.contains("step 1/8") }
    #expect(try await !t.screen(window: 0).contains("step 4/8"))
    try await t.keys("q", window: 1)
    try await t.waitFor("the follower quit", window: 1) { $0.contains("PRESENTER-EXIT=0") }
  }

  @Test(
    "another user is refused, even when the socket's directory is opened to it (as root, with setpriv)",
    .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
  func otherUserRefused() async throws {
    /// Whether the screen shows the exit line (not the command line that prints it).
    func exited(_ screen: String, _ tag: String) -> Bool {
      screen.range(of: "\(tag)=[0-9]", options: .regularExpression) != nil
    }
    let t = try await Self.lecture()
    let binary = try #require(anonvisBinary).path
    let socket = "$XDG_RUNTIME_DIR/anonvis/lecture-*.sock"
    let nobody = "setpriv --reuid=nobody --regid=nogroup --clear-groups"
    try await t.keys("q", window: 1)
    try await t.waitFor("the presenter detached", window: 1) { $0.contains("PRESENTER-EXIT=0") }
    try await t.type("clear; \(nobody) \(binary) present --attach \(socket); echo NOBODY-EXIT=$?\n", window: 1)
    let refused = try await t.waitFor("the refusal", window: 1) { exited($0, "NOBODY-EXIT") }
    #expect(refused.contains("cannot attach") && !refused.contains("NOBODY-EXIT=0"), "\(refused)")
    // With the directory and socket opened to everyone, the owner check still refuses.
    try await t.type("clear; chmod 755 $XDG_RUNTIME_DIR $XDG_RUNTIME_DIR/anonvis; chmod 666 \(socket)\n", window: 1)
    try await t.type("\(nobody) \(binary) present --attach \(socket); echo NOBODY2-EXIT=$?\n", window: 1)
    let again = try await t.waitFor("the second refusal", window: 1) { exited($0, "NOBODY2-EXIT") }
    #expect(again.contains("another user") && !again.contains("NOBODY2-EXIT=0"), "\(again)")
    #expect(try await t.screen(window: 0).contains("step 0/8"))
  }
}
