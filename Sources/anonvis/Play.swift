import AnonVMASim
import AppCore
import Asciicast
import ArgumentParser
import Foundation
import NcursesBackend
import SceneScript
import ScenePlayer
import TermRender

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
  case never, auto, always
}

/// Options shared by the interactive commands.
struct UIOptions: ParsableArguments {
  @Option(help: "Colors: never, auto (default; honours NO_COLOR) or always.")
  var color: ColorChoice = .auto

  @Flag(help: "ASCII only: no box drawing or symbols.")
  var ascii = false

  @Flag(help: "Presenter mode: show notes and the next step.")
  var notes = false

  @Option(help: "Record the session as an asciicast v2 file, in real time.")
  var record: String?

  @Flag(help: "Overwrite the --record file if it exists.")
  var force = false

  var useColor: Bool {
    switch color {
    case .never: return false
    case .always: return true
    case .auto:
      let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
      return !noColor
    }
  }
}

/// Records a live session: every line is written at once, so a killed session leaves a valid
/// prefix. The file is created before the view starts (so refusals are printed on the normal
/// screen); after a write error it stays whole lines and `failure` says what happened.
final class LiveRecorder {
  let path: String
  let fd: Int32
  var writer = AsciicastWriter(version: .v2)
  var start = ContinuousClock.now
  var previous: Buffer?
  var lastStep: Int?
  var size: (Int, Int)?
  /// Bytes of whole lines written so far.
  var written = 0
  /// The error that stopped the recording, to print after the view closes.
  var failure: String?

  init(path: String, force: Bool) throws {
    do {
      fd = try OutputFile.create(path, force: force)
    } catch {
      printError(error.message)
      throw ExitCode(2)
    }
    self.path = path
  }

  /// Writes the header; the clock starts here.
  func begin(width: Int, height: Int, title: String) {
    start = ContinuousClock.now
    size = (width, height)
    emit(writer.header(width: width, height: height, title: title))
  }

  var micros: Int {
    let d = ContinuousClock.now - start
    return Int(d.components.seconds) * 1_000_000 + Int(d.components.attoseconds / 1_000_000_000_000)
  }

  func emit(_ line: String) {
    guard failure == nil else { return }
    let bytes = Array((line + "\n").utf8)
    if let code = OutputFile.writeAll(fd, bytes) {
      // Drop the part of this line that did get written: the cast stays whole lines.
      _ = ftruncate(fd, off_t(written))
      fail(code, "; the cast ends at the last whole line")
      return
    }
    written += bytes.count
  }

  func fail(_ code: Int32, _ detail: String = "") {
    failure = "error: recording to \(TextSafety.escape(path)) failed: \(String(cString: strerror(code)))\(detail)"
  }

  func frame(_ buffer: Buffer, state: AppState) {
    let t = micros
    if let size, size != (buffer.width, buffer.height) {
      emit(writer.event(at: t, "r", "\(buffer.width)x\(buffer.height)"))
      previous = nil
    }
    size = (buffer.width, buffer.height)
    let bytes = (previous == nil ? "\u{1b}[?25l" : "") + ANSIEncoder.update(from: previous, to: buffer, colors: .ansi16)
    if previous == nil || buffer != previous {
      emit(writer.event(at: t, "o", bytes))
    }
    previous = buffer
    if lastStep != state.step {
      lastStep = state.step
      emit(writer.event(at: t, "m", SceneRecorder.stepMarker(state.timeline, state.step)))
    }
  }

  /// Closes the file; a failure to sync it counts as a write error.
  func close() {
    if fsync(fd) != 0, failure == nil { fail(errno) }
    Foundation.close(fd)
  }

  /// Removes the file this run created, before anything was recorded (the view did not start).
  func discard() {
    var mine = stat()
    var there = stat()
    if written == 0, fstat(fd, &mine) == 0, lstat(path, &there) == 0, mine.st_ino == there.st_ino, mine.st_dev == there.st_dev {
      unlink(path)
    }
    Foundation.close(fd)
  }
}

/// Runs the app loop on the real terminal until the user quits or a signal arrives.
func runInteractive(_ initial: AppState, record: String? = nil, force: Bool = false) throws {
  guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
    printError("error: the interactive view needs a terminal; use 'anonvis render' or 'anonvis narrate' instead")
    throw ExitCode(2)
  }
  // Opened before the view starts: a refusal or an unwritable path is printed where it stays.
  let recorder = try record.map { try LiveRecorder(path: $0, force: force) }
  let terminal: NcursesTerminal
  do {
    terminal = try NcursesTerminal(color: initial.options.colors)
  } catch {
    recorder?.discard()
    printError("error: \(error.message); use 'anonvis render' or 'anonvis narrate' instead")
    throw ExitCode(2)
  }
  var state = initial
  // A locale that is not UTF-8 (LANG=C) cannot show box drawing and symbols: ASCII, as --ascii.
  if !terminal.localeIsUTF8 { state.options.ascii = true }
  var previous: Buffer?
  var exitCode: Int32 = 0
  recorder?.begin(
    width: terminal.size.width, height: terminal.size.height, title: TextSafety.escape(initial.timeline.title))
  var recordingFailureShown = false
  let clock = ContinuousClock()
  var last = clock.now
  loop: while true {
    if let signal = terminal.pendingSignal() {
      exitCode = 128 + signal
      break
    }
    let size = terminal.size
    let frame = state.render(width: size.width, height: size.height)
    terminal.draw(frame.diff(from: previous))
    recorder?.frame(frame, state: state)
    if let failure = recorder?.failure, !recordingFailureShown {
      state.message = failure
      recordingFailureShown = true
    }
    previous = frame
    var input = terminal.read(timeout: state.playing ? 50 : 250)
    let now = clock.now
    let elapsed = now - last
    last = now
    var effects: [Effect] = []
    // Handle what is already typed (a paste, key repeat), up to 512 keys, before drawing the
    // next frame; no key read is ever dropped (the rest waits in the terminal's queue).
    var handled = 0
    while let event = input {
      handled += 1
      switch event {
      case .resize:
        terminal.invalidate()
        previous = nil
      case .key(let k):
        effects += state.reduce(.key(Key(k)))
      }
      if effects.contains(.quit) || handled >= 512 { break }
      input = terminal.read(timeout: 0)
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    effects += state.reduce(.tick(seconds))
    for effect in effects {
      switch effect {
      case .quit: break loop
      case .save(let path, let text):
        do {
          try OutputFile.replace(path, with: Array(text.utf8), force: true)
          state.message = "saved \(path)"
        } catch {
          state.message = error.message
        }
      case .stepChanged: break
      }
    }
  }
  terminal.end()
  // After the view has closed, on the normal screen where the message stays.
  recorder?.close()
  if let failure = recorder?.failure { printError(failure) }
  if exitCode != 0 { throw ExitCode(exitCode) }
  if recorder?.failure != nil { throw ExitCode(2) }
}

extension Key {
  init(_ k: TerminalKey) {
    switch k {
    case .char(let c): self = .char(c)
    case .left: self = .left
    case .right: self = .right
    case .up: self = .up
    case .down: self = .down
    case .enter: self = .enter
    case .backspace: self = .backspace
    case .tab: self = .tab
    case .backTab: self = .backTab
    case .escape: self = .escape
    case .pageUp: self = .pageUp
    case .pageDown: self = .pageDown
    case .home: self = .home
    case .end: self = .end
    }
  }
}

struct Play: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Step through a scene in the terminal.")

  @Argument(help: "Scene file.")
  var file: String

  @Option(help: "Run the scene on a second kernel model too, side by side (2.6.34, 2.6.36, 6.x).")
  var compare: String?

  @OptionGroup var ui: UIOptions

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    let compareKernel = try compare.map { try parseKernel($0, option: "--compare") }
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    var state = AppState(
      timeline: loaded.timeline, fileName: baseName(file),
      options: RenderOptions(ascii: ui.ascii, colors: ui.useColor))
    state.scene = loaded.scene
    state.setCompare(compareKernel)
    state.presenter = ui.notes
    try runInteractive(state, record: ui.record, force: ui.force)
  }
}

struct Explore: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "An empty world: type operations of the scene language at the ':' prompt.")

  @Option(help: "Kernel model: 2.6.34, 2.6.36 (aliases 2.6.35, root-lock) or 6.x (alias modern).")
  var kernel: String = "2.6.36"

  @Option(help: "Number of CPUs (1..8).")
  var cpus: Int = 1

  @OptionGroup var ui: UIOptions

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    let k = try parseKernel(kernel, option: "--kernel")
    guard (1...8).contains(cpus) else {
      printError("error: --cpus must be between 1 and 8")
      throw ExitCode(2)
    }
    var state = AppState(
      timeline: Timeline(title: "explore", kernel: k, cpus: cpus, limits: limitOptions.limits), fileName: "",
      options: RenderOptions(ascii: ui.ascii, colors: ui.useColor))
    state.explore = true
    state.presenter = ui.notes
    state.message = "type ':' and an operation, e.g. :spawn P1"
    try runInteractive(state, record: ui.record, force: ui.force)
  }
}
