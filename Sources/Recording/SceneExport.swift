import AnonVMASim
import AppCore
import Foundation
import ScenePlayer
import SceneScript
import TermRender

/// What `anonvis export` writes for a scene, as named files (pure, deterministic): `step-NNN.svg`
/// per step (the front end's frame, the diagram view where it fits), `index.html` (the stepper
/// page, ``ScenePage``), `scene.cast` (asciicast, a marker per step), `scene.svg` (the animated
/// SVG, each step held as long as in the cast) and `scene.md` (the handout, ``SceneHandout``).
public enum SceneExport {
  /// One step as the page and the handout tell it.
  public struct Step: Sendable {
    public var index: Int
    /// The scene line that made the step (`start` for step 0).
    public var label: String
    public var chapter: String?
    public var say: [String]
    /// The kernel micro-steps: function and text, in order.
    public var micro: [(function: String, text: String)]
    /// The step's SVG file name.
    public var image: String
  }

  /// The options of an export.
  public struct Options: Sendable {
    public var width: Int
    public var height: Int
    public var theme: SVGTheme
    public var chrome: SVGChrome
    public var stepMicros: Int
    /// `step-NNN-mMMM.svg` per micro-step, and micro-steps as their own cast events and markers.
    public var micro: Bool
    /// Presenter notes in the cast's step markers.
    public var notes: Bool
    public var castVersion: CastVersion

    public init(
      width: Int, height: Int, theme: SVGTheme, chrome: SVGChrome, stepMicros: Int = 2_000_000,
      micro: Bool = false, notes: Bool = false, castVersion: CastVersion = .v2
    ) {
      self.width = width
      self.height = height
      self.theme = theme
      self.chrome = chrome
      self.stepMicros = stepMicros
      self.micro = micro
      self.notes = notes
      self.castVersion = castVersion
    }
  }

  /// `step-007.svg`.
  public static func imageName(_ k: Int) -> String { String(format: "step-%03d.svg", k) }

  /// `step-007-m002.svg`: micro-step 2 (numbered from 1, as `render --micro` counts) of step 7,
  /// of `count`: three digits, more where the step has more micro-steps, so a directory listing
  /// sorts them in order (`-m10` sorted before `-m2`).
  public static func microImageName(_ k: Int, _ m: Int, of count: Int) -> String {
    let digits = max(3, String(count).count)
    let number = String(m)
    return String(format: "step-%03d-m", k) + String(repeating: "0", count: max(0, digits - number.count)) + number
      + ".svg"
  }

  /// The files, in the order they are written. `progress` is told each step before it is drawn;
  /// when it answers false (ctrl-C) the export stops and returns nil.
  public static func files(
    state initial: AppState, options o: Options, progress: (_ step: Int, _ steps: Int) -> Bool = { _, _ in true },
    hidden: (_ step: Int, _ rows: Int) -> Void = { _, _ in }
  ) -> [(name: String, text: String)]? {
    var state = initial
    let timeline = state.timeline
    var files: [(name: String, text: String)] = []
    var steps: [Step] = []
    var frames: [(light: String, dark: String)] = []
    var microFrames: [[(light: String, dark: String)]] = []
    var timed: [SVGExporter.TimedFrame] = []
    for k in 0...timeline.stepCount {
      guard progress(k, timeline.stepCount) else { return nil }
      state.go(to: k)
      let buffer = state.frame(width: o.width, height: o.height)
      // A page cannot scroll: the steps whose diagram has rows out of view are told.
      if let rows = state.diagramRowsHidden(width: o.width, height: o.height), rows > 0 { hidden(k, rows) }
      let title = "\(timeline.title) step \(k)"
      let page = SVGTheme.allCases.map { SVGExporter.svg(buffer, title: title, theme: $0, chrome: o.chrome) }
      files.append((imageName(k), o.theme == .light ? page[0] : page[1]))
      frames.append((page[0], page[1]))
      timed.append(.init(buffer: buffer, micros: o.stepMicros))
      let micro = o.micro ? microImages(state, step: k, options: o) : []
      files += micro.map { ($0.name, o.theme == .light ? $0.light : $0.dark) }
      microFrames.append(micro.map { ($0.light, $0.dark) })
      let info = timeline.steps[k]
      steps.append(
        Step(
          index: k, label: info.label, chapter: info.chapter, say: info.say,
          micro: timeline.events(step: k).map { ($0.function, $0.text) }, image: imageName(k)))
    }
    let chapters = timeline.chapters.map { (title: $0.title, step: $0.step) }
    files.append(
      (
        "index.html",
        ScenePage.html(title: timeline.title, chapters: chapters, steps: steps, frames: frames, micro: microFrames)
      ))
    var castState = initial
    castState.go(to: 0)
    files.append(
      (
        "scene.cast",
        SceneRecorder.cast(
          state: castState, width: o.width, height: o.height, stepMicros: o.stepMicros, version: o.castVersion,
          micro: o.micro, notes: o.notes)
      ))
    files.append(
      ("scene.svg", SVGExporter.animated(timed, title: timeline.title, theme: o.theme, chrome: o.chrome)))
    files.append(("scene.md", SceneHandout.markdown(title: timeline.title, chapters: chapters, steps: steps)))
    return files
  }

  /// The SVG of each micro-step of step `k` (the state on step `k`, whole), in the light and the
  /// dark theme: the file in the export's theme, both for the page.
  static func microImages(
    _ initial: AppState, step k: Int, options o: Options
  ) -> [(name: String, light: String, dark: String)] {
    var state = initial
    var images: [(name: String, light: String, dark: String)] = []
    let count = state.timeline.events(step: k).count
    for m in 0..<count {
      _ = state.reduce(.selectMicro(m))
      guard state.micro == m else { break }
      let buffer = state.frame(width: o.width, height: o.height)
      let title = "\(state.timeline.title) step \(k).\(m + 1)"
      let svg = SVGTheme.allCases.map { SVGExporter.svg(buffer, title: title, theme: $0, chrome: o.chrome) }
      images.append((microImageName(k, m + 1, of: count), svg[0], svg[1]))
    }
    return images
  }

  /// Whether a file name is one an export writes (what `--force` may replace).
  public static func isExportName(_ name: String) -> Bool {
    if ["index.html", "scene.cast", "scene.md", "scene.svg"].contains(name) { return true }
    return name.hasPrefix("step-") && (name.hasSuffix(".svg") || name.hasSuffix(".png"))
  }
}
