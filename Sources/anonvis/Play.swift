import AnonVMASim
import AppCore
import ArgumentParser
import Conformance
import Foundation
import NcursesBackend
import Recording
import ScenePlayer
import SceneScript
import StandardStreams
import TermRender

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
  case never, auto, always
}

extension ForestView: ExpressibleByArgument {}

/// Options shared by the interactive commands.
struct UIOptions: ParsableArguments {
  @Option(help: "Colors: never, auto (default; honours NO_COLOR) or always.")
  var color: ColorChoice = .auto

  @Flag(help: "ASCII only: no box drawing or symbols.")
  var ascii = false

  @Flag(help: "Presenter mode: show notes and the next step.")
  var notes = false

  @Flag(help: "A full-screen title card before each chapter's first step.")
  var cards = false

  @Flag(
    help:
      "Stop before each step that has ask lines: the question first, a key reveals the model's answer (present always does)."
  )
  var ask = false

  @Flag(help: "Play (p) pauses at the last step of each chapter.")
  var pauseChapters = false

  @Option(help: "The forest view to start in: diagram (default where the terminal is 80 columns wide), matrix or tree.")
  var view: ForestView = .diagram

  @Option(help: "Record the session as an asciicast v2 file, in real time.")
  var record: String?

  @Flag(help: "Overwrite the --record file if it exists.")
  var force = false

  @Flag(help: "Do not ask the terminal for mouse clicks (keeps its own text selection without shift).")
  var noMouse = false

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
  var recorder = CastRecorder(version: .v2)
  /// Bytes of whole lines written so far.
  var written = 0
  /// The error that stopped the recording, to print after the view closes.
  var failure: String?

  init(path: String, force: Bool) throws(CLIError) {
    fd = try OutputFile.create(path, force: force)
    self.path = path
  }

  /// Writes the header.
  func begin(width: Int, height: Int, title: String) {
    emit(recorder.header(width: width, height: height, title: title))
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

  /// Records a frame the runtime drew, at its time on the runtime's clock.
  func frame(_ frame: DrawnFrame) {
    for line in recorder.lines(for: frame) { emit(line) }
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
    if written == 0, fstat(fd, &mine) == 0, lstat(path, &there) == 0, mine.st_ino == there.st_ino,
      mine.st_dev == there.st_dev
    {
      unlink(path)
    }
    Foundation.close(fd)
  }
}

/// Runs the app on the real terminal until the user quits or a signal arrives; the runtime
/// restores the terminal on every exit path.
func runInteractive(_ initial: AppState, record: String? = nil, force: Bool = false, mouse: Bool = true) throws {
  guard isInteractiveTerminal else {
    throw CLIError.error("the interactive view needs a terminal; use 'anonvis render' or 'anonvis narrate' instead")
  }
  // Opened before the view starts: a refusal or an unwritable path is printed where it stays.
  let recorder = try record.map { try LiveRecorder(path: $0, force: force) }
  let terminal: NcursesTerminal
  do {
    terminal = try NcursesTerminal(color: initial.options.colors, mouse: mouse)
  } catch {
    recorder?.discard()
    throw CLIError.error("\(error.message); use 'anonvis render' or 'anonvis narrate' instead")
  }
  var state = initial
  // A locale that is not UTF-8 (LANG=C) cannot show box drawing and symbols: ASCII, as --ascii.
  if !terminal.localeIsUTF8 { state.options.ascii = true }
  // Without colour the cast has none either (no grey for dim text: faint, as on screen).
  if !initial.options.colors { recorder?.recorder = CastRecorder(version: .v2, colors: .none) }
  recorder?.begin(width: terminal.size.width, height: terminal.size.height, title: initial.timeline.title)
  var runtime = Runtime(state: state, backend: terminal, clock: ContinuousClock())
  runtime.save = { path, text in
    do throws(CLIError) {
      try OutputFile.replace(path, with: Array(text.utf8), force: true)
      return "saved \(path)"
    } catch {
      return .error(error.message)
    }
  }
  if let recorder { runtime.onFrame = { recorder.frame($0) } }
  var recordingFailureShown = false
  let exit = runtime.run { state in
    if let failure = recorder?.failure, !recordingFailureShown {
      state.notice = .error(failure)
      recordingFailureShown = true
    }
  }
  // After the view has closed, on the normal screen where the message stays.
  recorder?.close()
  if let failure = recorder?.failure { printError(failure) }
  if case .signal(let signal) = exit { throw ExitCode(128 + signal) }
  if recorder?.failure != nil { throw ExitCode(2) }
}

struct Play: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Step through a scene in the terminal.")

  @Argument(help: "Scene file.")
  var file: String

  @Option(
    help: ArgumentHelp(
      "Run the scene on a second kernel model too: beside it from 160 columns, else below.", valueName: "kernel"))
  var compare: KernelVersion?

  @Option(help: "Start at this step: a number or (the start of) a chapter title.")
  var step: String?

  @Flag(
    help: """
      Run the scene on this machine's Linux kernel first, as 'anonvis conform' does (root), and show \
      per step whether the kernel agreed with the model of the running kernel (✓; ✗ and the number of \
      facts that differ; – not run here), the differences in the narration, and the kernel's facts \
      beside the model's in the inspector of a VMA (enter).
      """)
  var conform = false

  @Flag(help: "With --conform: leave out the steps with no counterpart on this machine and compare the rest.")
  var skipUnsupported = false

  @Option(help: ArgumentHelp("With --conform: time limit of one step on the kernel, in seconds.", valueName: "seconds"))
  var stepTimeout: Int = 30

  @Option(
    help: ArgumentHelp("Test hook of --conform: flip-exclusive:STEP, crash:STEP or hang:STEP.", visibility: .hidden))
  var testFault: String?

  @OptionGroup var ui: UIOptions

  @OptionGroup var limitOptions: LimitOptions

  func validate() throws {
    guard stepTimeout > 0, stepTimeout <= 3600 else { throw ValidationError("--step-timeout is 1..3600 seconds") }
    guard conform || (!skipUnsupported && testFault == nil) else {
      throw ValidationError("--skip-unsupported and --test-fault go with --conform")
    }
  }

  func run() throws {
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    var timeline = loaded.timeline
    var record: KernelRecord?
    if conform {
      let run = PlayConform(
        file: file, skipUnsupported: skipUnsupported, stepTimeout: stepTimeout,
        fault: try testFault.map(ConformFault.init(parsing:)), limits: limitOptions.limits)
      (timeline, record) = try run.run(scene: loaded.scene)
    }
    var state = AppState(
      timeline: timeline, fileName: baseName(file),
      options: RenderOptions(ascii: ui.ascii, colors: ui.useColor))
    state.scene = loaded.scene
    state.kernelRecord = record
    state.setCompare(compare)
    state.presenter = ui.notes
    state.forestView = ui.view
    state.cards = ui.cards
    state.askQuestions = ui.ask
    state.pauseAtChapters = ui.pauseChapters
    if let step { state.go(to: try startStep(step, state)) }
    try runInteractive(state, record: ui.record, force: ui.force, mouse: !ui.noMouse)
  }
}

/// The step `play --step` names, or a clear message and exit 2.
func startStep(_ name: String, _ state: AppState) throws -> Int {
  if let n = Int(name.trimmingCharacters(in: .whitespaces)) { return try checkedStep(n, state.timeline) }
  switch state.step(named: name) {
  case .success(let n): return n
  case .failure:
    let chapters = state.timeline.chapters.map { "'\($0.title)'" }.joined(separator: ", ")
    printError(
      "error: --step '\(name)' names no step or chapter: give 0..\(state.timeline.stepCount)"
        + (chapters.isEmpty ? "" : " or a chapter: \(chapters)"))
    throw ExitCode(2)
  }
}

struct Explore: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "An empty world: type operations of the scene language at the ':' prompt.")

  @Option(
    help: ArgumentHelp(
      "Kernel model: 2.6.34, 2.6.36, 6.1 or mainline (aliases: 2.6.35 and root-lock for 2.6.36, 6.x and modern for 6.1).",
      valueName: "kernel"))
  var kernel: KernelVersion = .v2_6_36

  @Option(help: "Number of CPUs (1..8).")
  var cpus: Int = 1

  @OptionGroup var ui: UIOptions

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    guard (1...8).contains(cpus) else { throw CLIError.error("--cpus must be between 1 and 8") }
    var state = AppState(
      timeline: Timeline(title: "explore", kernel: kernel, cpus: cpus, limits: limitOptions.limits), fileName: "",
      options: RenderOptions(ascii: ui.ascii, colors: ui.useColor))
    state.explore = true
    state.presenter = ui.notes
    state.forestView = ui.view
    state.message = "type ':' and an operation, e.g. :spawn P1"
    try runInteractive(state, record: ui.record, force: ui.force, mouse: !ui.noMouse)
  }
}
