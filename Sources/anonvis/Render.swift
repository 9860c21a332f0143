import AnonVMASim
import AppCore
import ArgumentParser
import Recording
import ScenePlayer
import SceneScript
import TermRender

/// A frame size, `COLSxROWS` on the command line (parsed in its `ExpressibleByArgument`
/// conformance, CLIError.swift).
struct TerminalSize {
  var width: Int
  var height: Int
}

enum FrameFormat: String, ExpressibleByArgument, CaseIterable {
  case text
  case ansi
  case dot
  case svg
}

struct Render: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the frame the TUI shows at a step, at a size (deterministic).")

  @Argument(help: "Scene file.")
  var file: String

  @Option(help: "Step number (default 0).")
  var step: Int = 0

  @Option(help: "Show this micro-step (1-based) of the step.")
  var micro: Int?

  @Option(help: ArgumentHelp("Frame size: COLSxROWS, each between 1 and 1000 (e.g. 100x30).", valueName: "COLSxROWS"))
  var size = TerminalSize(width: 80, height: 24)

  @Option(help: "text (plain characters), ansi (with SGR styling), dot (Graphviz) or svg (the text frame).")
  var format: FrameFormat = .text

  @Flag(help: "ASCII only: no box drawing or symbols.")
  var ascii = false

  @Option(help: "SVG colours: light (default) or dark.")
  var theme: SVGTheme = .light

  @Option(help: "What of the frame an SVG keeps: none (forest and narration), title (and the header) or full.")
  var chrome: SVGChrome = .full

  @Flag(help: "Show presenter notes.")
  var notes = false

  @Option(help: "The forest view: diagram (default where the frame is 80 columns wide), matrix or tree.")
  var view: ForestView = .diagram

  @Option(
    help: ArgumentHelp(
      "Also run the scene on this kernel model, drawn beside from 160 columns, else below.", valueName: "kernel"))
  var compare: KernelVersion?

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    let timeline = loaded.timeline
    _ = try checkedStep(step, timeline)
    var state = AppState(
      timeline: timeline, fileName: baseName(file), options: RenderOptions(ascii: ascii, colors: format != .text))
    state.presenter = notes
    state.forestView = view
    state.scene = loaded.scene
    if let compare { state.setCompare(compare) }
    state.go(to: step)
    if let micro {
      _ = state.reduce(.selectMicro(micro - 1))
      guard state.micro == micro - 1 else {
        let count = state.layout.microStepCount ?? 0
        throw CLIError.error("--micro \(micro) is out of range: step \(step) has \(count) micro-step(s)")
      }
    }
    let buffer = state.render(width: size.width, height: size.height)
    switch format {
    case .text: print(buffer.plainText, terminator: "")
    case .ansi: print(ANSIEncoder.frame(buffer, colors: .ansi16), terminator: "")
    case .dot:
      // The micro-step was range-checked above.
      let dot =
        micro.map { DOTExporter.dot(timeline, step: step, micro: $0) ?? "" } ?? DOTExporter.dot(timeline, step: step)
      print(dot, terminator: "")
    case .svg:
      print(
        SVGExporter.svg(buffer, title: "\(timeline.title) step \(step)", theme: theme, chrome: chrome), terminator: "")
    }
  }
}

extension SVGTheme: ExpressibleByArgument {}
extension SVGChrome: ExpressibleByArgument {}

func baseName(_ path: String) -> String {
  path.split(separator: "/").last.map(String.init) ?? path
}
