import AppCore
import ArgumentParser
import Foundation
import Recording
import ScenePlayer
import SceneScript
import StandardStreams
import TermRender

struct Record: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Record a scene headless: an asciicast with a marker per step, and/or per-step frames.",
    discussion: "The same scene and options give the same bytes every time (virtual clock).")

  @Argument(help: "Scene file.")
  var file: String

  @Option(name: .shortAndLong, help: "Write an asciicast (.cast) here.")
  var output: String?

  @Option(help: "Write step-NNN.txt, .ansi and .json for every step into this directory.")
  var frames: String?

  @Option(help: ArgumentHelp("Frame size: COLSxROWS, each between 1 and 1000 (e.g. 100x30).", valueName: "COLSxROWS"))
  var size = TerminalSize(width: 100, height: 30)

  @OptionGroup var castOptions: CastOptions

  @Flag(help: "Micro-steps in the cast: after each step, each of its kernel micro-steps as its own event and marker.")
  var micro = false

  @Flag(help: "ASCII only: no box drawing or symbols.")
  var ascii = false

  @Option(help: "The forest view: diagram (default where the frame is 80 columns wide), matrix or tree.")
  var view: ForestView = .diagram

  @Flag(help: "Overwrite existing output files.")
  var force = false

  /// The options' values, checked before anything runs (in `run`: ArgumentParser reports what
  /// `validate` throws with its own status).
  func check() throws(CLIError) {
    guard output != nil || frames != nil else { throw CLIError.error("give -o OUT.cast, --frames DIR, or both") }
    try castOptions.check()
  }

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    try check()
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    var state = AppState(
      timeline: loaded.timeline, fileName: baseName(file),
      options: RenderOptions(ascii: ascii, colors: true, still: true))
    state.forestView = view
    let steps = loaded.timeline.stepCount
    // A progress line while frames are drawn; ctrl-C stops before anything is written.
    let progress = ProgressLine(
      "anonvis: recording \(TextSafety.escape(baseName(file)))", unit: "steps", quiet: limitOptions.quiet)
    defer { progress.finish() }
    func interrupted(at step: Int) -> CLIError {
      progress.finish()
      return CLIError(message: "anonvis: interrupted at step \(step) of \(steps); nothing more written", exitCode: 130)
    }
    if let output {
      var reached = 0
      let cast = SceneRecorder.cast(
        state: state, width: size.width, height: size.height,
        stepMicros: castOptions.stepMicros, version: castOptions.version, micro: micro, notes: castOptions.notes,
        progress: { step, total in
          reached = step
          return progress.report(step, total)
        })
      if Interrupt.requested { throw interrupted(at: reached) }
      try OutputFile.write(cast, to: output, force: force)
    }
    if let frames {
      try OutputFile.directory(frames)
      var s = state
      let timeline = loaded.timeline
      for k in 0...timeline.stepCount {
        guard progress.report(k, steps) else { throw interrupted(at: k) }
        s.go(to: k)
        let b = s.frame(width: size.width, height: size.height)
        let base = (frames as NSString).appendingPathComponent(String(format: "step-%03d", k))
        try OutputFile.write(b.plainText, to: base + ".txt", force: force)
        try OutputFile.write(ANSIEncoder.frame(b, colors: .ansi256), to: base + ".ansi", force: force)
        try OutputFile.write(timeline.stateJSON(step: k) + "\n", to: base + ".json", force: force)
      }
    }
  }
}

/// The cast's options of `record` and `export`: the virtual clock's pace, the format version and
/// presenter notes in the markers.
struct CastOptions: ParsableArguments {
  @Option(help: "Seconds each step is held on the virtual clock (the cast, and export's animated SVG).")
  var stepSeconds: Double = 2

  @Option(help: "asciicast version: 2 (default) or 3.")
  var castVersion: Int = 2

  @Flag(help: "Presenter notes in the cast's step markers.")
  var notes = false

  var stepMicros: Int { Int(stepSeconds * 1_000_000) }
  var version: CastVersion { castVersion == 3 ? .v3 : .v2 }

  /// The values, checked before anything runs.
  func check() throws(CLIError) {
    guard castVersion == 2 || castVersion == 3 else { throw CLIError.error("--cast-version must be 2 or 3") }
    guard stepSeconds > 0, stepSeconds <= 3600 else {
      throw CLIError.error("--step-seconds must be more than 0 and at most 3600")
    }
  }
}
