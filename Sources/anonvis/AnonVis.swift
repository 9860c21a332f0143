import AnonVMASim
import AppCore
import ArgumentParser
import Foundation
import ScenePlayer
import SceneScript
import StandardStreams

@main
struct AnonVis: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "anonvis",
    abstract: "Step through Linux anon_vma forests: fork, COW, splits, KSM, migration and the root lock.",
    discussion: """
      With no subcommand, anonvis walks through its built-in tour scene.
      Scenes are text files in the scene language (see scenes/ for examples).
      """,
    subcommands: [
      Tour.self, Play.self, Explore.self, Check.self, State.self, Narrate.self, Render.self, Record.self, Export.self,
      Races.self, Present.self, Quiz.self, Conform.self,
    ],
    defaultSubcommand: Tour.self)

  /// Runs the command. Its own errors (``CLIError``) and ArgumentParser's, whose messages echo
  /// the arguments, go through ``printError`` (which escapes) like every other message.
  static func main() {
    // ctrl-\ quits as in other Unix tools, without the Swift runtime's crash backtrace (the
    // interactive view catches it and restores the terminal first).
    signal(SIGQUIT, SIG_DFL)
    StandardOutput.flushAtExit(program: "anonvis")
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as CLIError {
      printError(error.message)
      Foundation.exit(error.exitCode)
    } catch {
      var code = exitCode(for: error)
      if code == .success { exit(withError: error) }  // --help and the like: to stdout, unchanged
      if code == .validationFailure, ArgumentValue.wasRejected { code = ExitCode(2) }  // a bad kernel, variant, size
      let message = fullMessage(for: error)
      if !message.isEmpty { printError(message) }
      Foundation.exit(code.rawValue)
    }
  }
}

/// `print` in this executable writes through ``StandardOutput`` (StandardStreams): it shadows
/// `Swift.print`, whose stdio buffer drops a failed write silently (`> /dev/full` exited 0).
func print(_ text: String, terminator: String = "\n") {
  StandardOutput.write(text + terminator)
}

/// The step, or a clear message and exit 2 (``CLIError``) when the scene has no such step.
func checkedStep(_ step: Int, _ timeline: Timeline) throws -> Int {
  guard step >= 0, step <= timeline.stepCount else {
    throw CLIError.error("--step \(step) is out of range: the scene has steps 0..\(timeline.stepCount)")
  }
  return step
}

/// A loaded, parsed and run scene, or the exit code to stop with.
struct LoadedScene {
  var path: String
  var source: String
  var scene: Scene
  var timeline: Timeline

  /// Loads and runs a scene; prints diagnostics and returns nil on a scene error.
  static func load(_ path: String, options: LimitOptions) -> LoadedScene? {
    switch SceneLoader.load(path) {
    case .failure(let e):
      printError(e.message)
      return nil
    case .success(let source):
      return load(source: source, name: path, options: options)
    }
  }

  /// Loads and runs a scene under the options' budgets, with a progress line while it builds;
  /// ctrl-C stops the build, says how far it got, and exits 130.
  static func load(source: String, name: String, options: LimitOptions) -> LoadedScene? {
    let scene = Parser.parse(source)
    let renderer = DiagnosticRenderer(fileName: name, source: source)
    if scene.hasErrors {
      // A hostile file can hold a million mistakes: show the first ones and count the rest.
      let shown = scene.diagnostics.prefix(50)
      printError(renderer.render(all: Array(shown)))
      let n = scene.diagnostics.filter { $0.severity == .error }.count
      if scene.diagnostics.count > shown.count {
        printError("... and \(scene.diagnostics.count - shown.count) more")
      }
      printError("\(TextSafety.escape(name)): \(n) error(s)")
      return nil
    }
    let base = name.split(separator: "/").last.map(String.init) ?? name
    let progress = ProgressLine("anonvis: building \(TextSafety.escape(base))", unit: "steps", quiet: options.quiet)
    let timeline = Timeline(scene: scene, defaultTitle: base, limits: options.limits(progress: progress))
    progress.finish()
    // An `ask` the model cannot answer is a scene error too (checked once the scene has run).
    let problems = timeline.runtimeDiagnostics.isEmpty ? timeline.questionDiagnostics : timeline.runtimeDiagnostics
    if !problems.isEmpty {
      printError(renderer.render(all: problems))
      if Interrupt.requested { exit(130) }
      return nil
    }
    return LoadedScene(path: name, source: source, scene: scene, timeline: timeline)
  }
}

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run scenes and check their expect lines.",
    discussion: """
      Exit status: 0 when every expectation holds, 1 when one fails or an invariant violation \
      (or a deadlock) happens that no expect line names, 2 on a scene error.
      """)

  @Argument(help: "Scene files.")
  var files: [String]

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    var worst: Int32 = 0
    for file in files {
      guard let loaded = LoadedScene.load(file, options: limitOptions) else {
        worst = 2
        continue
      }
      let renderer = DiagnosticRenderer(fileName: file, source: loaded.source)
      var failed = 0
      for bound in loaded.timeline.expectations {
        let place = "\(TextSafety.escape(file)):\(bound.statement.location.line):\(bound.statement.location.column)"
        let text = TextSafety.escape(bound.statement.words.joined(separator: " "))
        switch loaded.timeline.evaluate(bound) {
        case .pass: continue
        case .fail(let expected, let actual):
          failed += 1
          worst = max(worst, 1)
          printError(
            "\(place): expectation failed: \(text)\n  expected: \(expected)\n  actual:   \(actual)  (after step \(bound.step))"
          )
        case .error(let id, let message):
          failed += 1
          worst = 2
          printError(renderer.render(Diagnostic(id, .error, message, at: bound.statement.location)))
        }
      }
      for v in loaded.timeline.unexpectedViolations {
        failed += 1
        worst = max(worst, 1)
        printError(
          "\(TextSafety.escape(file)): step \(v.step): unexpected violation \(v.code): \(TextSafety.escape(v.message))"
            + "\n  (a scene that shows a bug says so: expect violation \(v.code))")
      }
      let violations = loaded.timeline.states.last?.violations ?? []
      if failed == 0 && !limitOptions.quiet {
        print(
          "\(TextSafety.escape(file)): ok (\(loaded.timeline.stepCount) steps, "
            + "\(loaded.timeline.expectations.count) expectations, \(violations.count) violations)")
      }
    }
    if worst != 0 { throw ExitCode(worst) }
  }
}

struct State: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the model state after a step as JSON (state-json contract).")

  @Argument(help: "Scene file.")
  var file: String

  @Option(help: "Step number (0 is before the first operation; default: the last step).")
  var step: Int?

  @Flag(help: "Print every step, one JSON object per line.")
  var all = false

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    let timeline = loaded.timeline
    if all {
      for k in 0...timeline.stepCount { print(timeline.stateJSON(step: k)) }
      return
    }
    let k = try checkedStep(step ?? timeline.stepCount, timeline)
    print(timeline.stateJSON(step: k))
  }
}

struct Narrate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print a scene step by step as text: operations, kernel micro-steps, narration, state.")

  @Argument(help: "Scene file.")
  var file: String

  @Option(help: "Only this step.")
  var step: Int?

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    let timeline = loaded.timeline
    if let step {
      _ = try checkedStep(step, timeline)
      print(TextNarrator.narrate(timeline, step: step), terminator: "")
    } else {
      print(TextNarrator.narrate(timeline), terminator: "")
    }
  }
}

struct Tour: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Play the built-in tour scene (the default); as text when not on a terminal.")

  @Option(
    help: ArgumentHelp(
      "Run the tour on a second kernel model too: beside it from 160 columns, else below.", valueName: "kernel"))
  var compare: KernelVersion?

  @OptionGroup var ui: UIOptions

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    guard let loaded = LoadedScene.load(source: BuiltinScenes.tour, name: "tour.scene", options: limitOptions) else {
      throw ExitCode(2)
    }
    guard isInteractiveTerminal else {
      print(TextNarrator.narrate(loaded.timeline), terminator: "")
      return
    }
    var state = AppState(
      timeline: loaded.timeline, fileName: "tour",
      options: RenderOptions(ascii: ui.ascii, colors: ui.useColor))
    // The parsed scene makes `c` (compare) work in the tour as in `play`.
    state.scene = loaded.scene
    state.setCompare(compare)
    state.presenter = ui.notes
    state.forestView = ui.view
    try runInteractive(state)
  }
}
