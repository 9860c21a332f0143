import AnonVMASim
import AppCore
import ArgumentParser
import Recording
import ScenePlayer
import SceneScript
import TermRender

/// `COLSxROWS`.
struct TerminalSize {
  var width: Int
  var height: Int

  /// Parses `COLSxROWS`, or prints a clear message and exits 2.
  static func parse(_ text: String) throws -> TerminalSize {
    guard let size = TerminalSize(argument: text) else {
      printError(
        "error: bad size '\(TextSafety.escape(text))': expected COLSxROWS with each between 1 and 1000, e.g. 100x30")
      throw ExitCode(2)
    }
    return size
  }

  init?(argument: String) {
    let parts = argument.lowercased().split(separator: "x")
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (1...1000).contains(w),
      (1...1000).contains(h)
    else { return nil }
    width = w
    height = h
  }

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

  @Option(help: "Frame size COLSxROWS.")
  var size = "80x24"

  @Option(help: "text (plain characters), ansi (with SGR styling), dot (Graphviz) or svg (the text frame).")
  var format: FrameFormat = .text

  @Flag(help: "ASCII only: no box drawing or symbols.")
  var ascii = false

  @Flag(help: "Show presenter notes.")
  var notes = false

  @Option(help: "The forest view: diagram (default where the frame is 80 columns wide), matrix or tree.")
  var view: ForestView = .diagram

  @Option(help: "Also run the scene on this kernel model, drawn below (2.6.34, 2.6.36, 6.x).")
  var compare: String?

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    let size = try TerminalSize.parse(self.size)
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    let timeline = loaded.timeline
    _ = try checkedStep(step, timeline)
    var state = AppState(
      timeline: timeline, fileName: baseName(file), options: RenderOptions(ascii: ascii, colors: format != .text))
    state.presenter = notes
    state.forestView = view
    state.scene = loaded.scene
    if let compare { state.setCompare(try parseKernel(compare, option: "--compare")) }
    state.go(to: step)
    if let micro {
      _ = state.reduce(.selectMicro(micro - 1))
      guard state.micro == micro - 1 else {
        let count = state.layout.microStepCount ?? 0
        printError("error: --micro \(micro) is out of range: step \(step) has \(count) micro-step(s)")
        throw ExitCode(2)
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
    case .svg: print(SVGExporter.svg(buffer, title: "\(timeline.title) step \(step)"), terminator: "")
    }
  }
}

func baseName(_ path: String) -> String {
  path.split(separator: "/").last.map(String.init) ?? path
}
