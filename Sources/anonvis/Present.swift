import AppCore
import ArgumentParser
import Foundation
import NcursesBackend
import StandardStreams
import TermRender

struct Present: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Lecture: the audience view here, the presenter's notes and timer in a second terminal.",
    discussion: """
      'anonvis present SCENE' shows the audience view (never the notes) and prints the command that \
      attaches the presenter: 'anonvis present --attach' in another terminal of the same user shows the \
      notes, the next step, the chapters, the time and a copy of the audience frame; its keys drive both. \
      '--follow' attaches a read-only follower. Give the socket path after --attach or --follow when \
      several lectures run.
      """)

  @Argument(help: "Scene file; with --attach or --follow, the lecture's socket (optional).")
  var file: String?

  @Flag(help: "Attach the presenter view to a running lecture.")
  var attach = false

  @Flag(help: "Follow a running lecture read-only (the audience view, without notes).")
  var follow = false

  @Option(help: "Start at this step: a number or (the start of) a chapter title.")
  var step: String?

  @OptionGroup var ui: UIOptions

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    if attach || follow {
      guard !(attach && follow) else { throw CLIError.error("--attach and --follow exclude each other") }
      return try runPresenter(socket: file, role: attach ? .presenter : .follower, ascii: ui.ascii, colors: ui.useColor)
    }
    guard let file else { throw CLIError.error("present needs a scene file (or --attach / --follow)") }
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    var state = AppState(
      timeline: loaded.timeline, fileName: baseName(file), options: RenderOptions(ascii: ui.ascii, colors: ui.useColor))
    state.scene = loaded.scene
    state.forestView = ui.view
    state.cards = ui.cards
    state.askQuestions = true
    state.pauseAtChapters = ui.pauseChapters
    if let step { state.go(to: try startStep(step, state)) }
    guard isInteractiveTerminal else {
      throw CLIError.error("the interactive view needs a terminal; use 'anonvis render' or 'anonvis narrate' instead")
    }
    let server = try LectureServer(scene: file)
    defer { server.close() }
    // Once, before the view starts (it stays on the normal screen), and on the status line.
    print("presenter: anonvis present --attach \(server.path)")
    state.message = "presenter: anonvis present --attach"
    let terminal: NcursesTerminal
    do {
      terminal = try NcursesTerminal(color: state.options.colors, mouse: !ui.noMouse)
    } catch {
      throw CLIError.error("\(error.message); use 'anonvis render' or 'anonvis narrate' instead")
    }
    if !terminal.localeIsUTF8 { state.options.ascii = true }
    // The audience view never shows notes: `n` there is ignored (the presenter has them).
    var runtime = Runtime(
      state: state, backend: LectureTerminal(terminal: terminal, server: server), clock: ContinuousClock())
    runtime.onFrame = { server.drew($0) }
    let exit = runtime.run { $0.presenter = false }
    if case .signal(let signal) = exit { throw ExitCode(128 + signal) }
  }
}

/// `present --attach` / `--follow`: draws what the audience process sends and sends it the keys
/// typed here (a follower's stay here). Ends cleanly, with the terminal restored, when the user
/// detaches (`q`), on a signal, or when the audience is gone.
func runPresenter(socket: String?, role: LectureRole, ascii: Bool, colors: Bool) throws {
  let path: String
  if let socket {
    path = socket
  } else {
    let running = try LectureSocket.running()
    guard let only = running.first else { throw CLIError.error("no lecture is running for this user") }
    guard running.count == 1 else {
      throw CLIError.error(
        "\(running.count) lectures are running; name one:\n"
          + running.map { "  anonvis present --attach \($0)" }
          .joined(separator: "\n"))
    }
    path = only
  }
  guard isInteractiveTerminal else { throw CLIError.error("the presenter view needs a terminal") }
  let fd = try LectureSocket.connect(path)
  defer { close(fd) }
  let terminal: NcursesTerminal
  do {
    terminal = try NcursesTerminal(color: colors)
  } catch {
    throw CLIError.error(error.message)
  }
  var loop = PresenterLoop(fd: fd, terminal: terminal, role: role, ascii: ascii || !terminal.localeIsUTF8)
  var end = loop.run()
  terminal.end()
  if case .lost(let why) = end {
    printError("anonvis: the lecture ended (\(why)); detached")
    end = .detached
  }
  if case .signal(let signal) = end { throw ExitCode(128 + signal) }
}

/// The presenter's or follower's loop.
struct PresenterLoop {
  enum End {
    case detached
    case lost(String)
    case signal(Int32)
  }

  let fd: Int32
  let terminal: NcursesTerminal
  let role: LectureRole
  let ascii: Bool
  var framing = LectureFraming()
  var snapshot: LectureSnapshot?
  /// The note on a follower's last line, in place of the audience's key hints (which do not
  /// drive anything from here), from the first frame on.
  var note: String?

  init(fd: Int32, terminal: NcursesTerminal, role: LectureRole, ascii: Bool) {
    self.fd = fd
    self.terminal = terminal
    self.role = role
    self.ascii = ascii
    if role == .follower { note = PresenterLoop.followerNote }
  }

  static let followerNote = "following: keys do not drive the lecture (q quits)"

  var wanted: (width: Int, height: Int) { terminal.size }

  mutating func run() -> End {
    let size = terminal.size
    guard
      LectureSocket.sendAll(
        fd, LectureFraming.frame(LectureRequest.hello(role, width: size.width, height: size.height).encoded))
    else { return .lost("the audience did not answer") }
    while true {
      if let signal = terminal.pendingSignal() { return .signal(signal) }
      terminal.draw(frame())
      let ready = LectureSocket.poll([STDIN_FILENO, fd], milliseconds: 500)
      if ready.contains(fd) {
        guard let bytes = LectureSocket.receive(fd) else { return .lost("the audience view closed") }
        do {
          for payload in try framing.feed(bytes) { snapshot = try LectureSnapshot(decoding: payload) }
        } catch {
          return .lost("bad message from the audience: \(error.message)")
        }
      }
      while let input = terminal.read(timeout: 0) {
        switch input {
        case .resize:
          terminal.invalidate()
          let s = terminal.size
          guard
            LectureSocket.sendAll(
              fd, LectureFraming.frame(LectureRequest.resize(width: s.width, height: s.height).encoded))
          else { return .lost("the audience view closed") }
        case .mouse:
          continue  // The presenter view has no objects to click; pointing is done with keys.
        case .key(.char("q")) where snapshot?.typing != true:
          return .detached
        case .key(let key):
          guard role == .presenter else {
            note = PresenterLoop.followerNote
            continue
          }
          guard LectureSocket.sendAll(fd, LectureFraming.frame(LectureRequest.key(key).encoded)) else {
            return .lost("the audience view closed")
          }
        }
      }
    }
  }

  /// The frame to show now.
  func frame() -> Buffer {
    let size = terminal.size
    guard let snapshot else {
      var b = Buffer(width: size.width, height: size.height)
      b.put("waiting for the audience view...", x: 1, y: 0)
      return b
    }
    if role == .follower {
      var b = Buffer(width: size.width, height: size.height)
      for (y, line) in snapshot.frame.enumerated() { b.put(line, x: 0, y: y) }
      StyleRun.apply(snapshot.frameStyles, at: 0, 0, clip: b.area, to: &b)
      if let note { b.put(" \(note) ", x: 0, y: size.height - 1, style: Style(reverse: true)) }
      return b
    }
    let now = Int(time(nil))
    var t = tm()
    var seconds = time_t(now)
    localtime_r(&seconds, &t)
    let clock = String(format: "%02d:%02d:%02d", t.tm_hour, t.tm_min, t.tm_sec)
    return PresenterView(snapshot: snapshot, elapsed: now - snapshot.startedAt, clock: clock, ascii: ascii).render(
      width: size.width, height: size.height)
  }
}
