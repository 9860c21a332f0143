import AnonVMASim
import AppCore
import ArgumentParser
import Foundation
import SceneScript
import ScenePlayer

@main
struct AnonVis: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "anonvis",
    abstract: "Step through Linux anon_vma forests: fork, COW, splits, KSM, migration and the root lock.",
    discussion: """
      With no subcommand, anonvis walks through its built-in tour scene.
      Scenes are text files in the scene language (see scenes/ for examples).
      """,
    subcommands: [Tour.self, Play.self, Explore.self, Check.self, State.self, Narrate.self, Render.self, Record.self, Races.self, Bench.self],
    defaultSubcommand: Tour.self)

  /// Runs the command. ArgumentParser's own error messages echo the arguments, so they go
  /// through ``printError`` (which escapes) like every other message.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      if code == .success { exit(withError: error) }  // --help and the like: to stdout, unchanged
      let message = fullMessage(for: error)
      if !message.isEmpty { printError(message) }
      Foundation.exit(code.rawValue)
    }
  }
}

/// The step, or a clear message and exit 2 when the scene has no such step.
func checkedStep(_ step: Int, _ timeline: Timeline) throws -> Int {
  guard step >= 0, step <= timeline.stepCount else {
    printError("error: --step \(step) is out of range: the scene has steps 0..\(timeline.stepCount)")
    throw ExitCode(2)
  }
  return step
}

/// A kernel model named on the command line, or a clear message and exit 2.
func parseKernel(_ name: String, option: String) throws -> KernelVersion {
  guard let k = KernelVersion(name: name) else {
    printError("error: unknown kernel '\(TextSafety.escape(name))' for \(option) (use 2.6.34, 2.6.36 or 6.x)")
    throw ExitCode(2)
  }
  return k
}

/// Writes to standard error, escaped (keeping line breaks): messages quote outside text.
func printError(_ text: String) {
  FileHandle.standardError.write(Data((TextSafety.escape(text, keepNewlines: true) + "\n").utf8))
}

/// A loaded, parsed and run scene, or the exit code to stop with.
struct LoadedScene {
  var path: String
  var source: String
  var scene: Scene
  var timeline: Timeline

  /// Loads and runs a scene; prints diagnostics and returns nil on a scene error.
  static func load(_ path: String) -> LoadedScene? {
    switch SceneLoader.load(path) {
    case .failure(let e):
      printError(e.message)
      return nil
    case .success(let source):
      return load(source: source, name: path)
    }
  }

  static func load(source: String, name: String) -> LoadedScene? {
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
    let timeline = Timeline(scene: scene, defaultTitle: base)
    if !timeline.runtimeDiagnostics.isEmpty {
      printError(renderer.render(all: timeline.runtimeDiagnostics))
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

  @Flag(name: .shortAndLong, help: "Print nothing for scenes that pass.")
  var quiet = false

  func run() throws {
    var worst: Int32 = 0
    for file in files {
      guard let loaded = LoadedScene.load(file) else {
        worst = 2
        continue
      }
      let renderer = DiagnosticRenderer(fileName: file, source: loaded.source)
      var failed = 0
      for bound in loaded.timeline.expectations {
        let where_ = "\(TextSafety.escape(file)):\(bound.statement.location.line):\(bound.statement.location.column)"
        let text = TextSafety.escape(bound.statement.words.joined(separator: " "))
        switch loaded.timeline.evaluate(bound) {
        case .pass: continue
        case .fail(let expected, let actual):
          failed += 1
          worst = max(worst, 1)
          printError("\(where_): expectation failed: \(text)\n  expected: \(expected)\n  actual:   \(actual)  (after step \(bound.step))")
        case .error(let message):
          worst = 2
          printError(renderer.render(Diagnostic(.error, message, at: bound.statement.location)))
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
      if failed == 0 && !quiet {
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

  func run() throws {
    guard let loaded = LoadedScene.load(file) else { throw ExitCode(2) }
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

  func run() throws {
    guard let loaded = LoadedScene.load(file) else { throw ExitCode(2) }
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

  @OptionGroup var ui: UIOptions

  func run() throws {
    guard let loaded = LoadedScene.load(source: BuiltinScenes.tour, name: "tour.scene") else {
      throw ExitCode(2)
    }
    guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
      print(TextNarrator.narrate(loaded.timeline), terminator: "")
      return
    }
    var state = AppState(
      timeline: loaded.timeline, fileName: "tour",
      options: RenderOptions(ascii: ui.ascii, colors: ui.useColor))
    state.presenter = ui.notes
    try runInteractive(state)
  }
}
