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
  case png
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

  @Option(
    help: ArgumentHelp(
      "text (plain characters), ansi (with SGR styling, 256 colours as record's frames), dot (Graphviz), svg (the text frame) or png (the SVG "
        + "through rsvg-convert, Debian's librsvg2-bin; needs -o)."))
  var format: FrameFormat = .text

  @Option(name: .shortAndLong, help: "Write the frame to this file instead of standard output.")
  var output: String?

  @Flag(help: "Overwrite the -o file if it exists.")
  var force = false

  @Flag(help: "ASCII only: no box drawing or symbols.")
  var ascii = false

  @Option(help: "SVG colours: light (default) or dark.")
  var theme: SVGTheme = .light

  @Option(help: "What of the frame an SVG keeps: none (forest and narration), title (and the header) or full.")
  var chrome: SVGChrome = .full

  @Flag(help: "Show presenter notes.")
  var notes = false

  @Flag(help: "A frame for a page or an image, as export draws it: no key hints, no keys named.")
  var still = false

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
      timeline: timeline, fileName: baseName(file),
      options: RenderOptions(ascii: ascii, colors: format != .text, still: still))
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
    let buffer = state.frame(width: size.width, height: size.height)
    let title = "\(timeline.title) step \(step)"
    let text: String
    switch format {
    case .text: text = buffer.plainText
    // As record's .ansi frames and casts: 256 colours, dim text in grey 243 (not faint).
    case .ansi: text = ANSIEncoder.frame(buffer, colors: .ansi256)
    case .dot:
      // The micro-step was range-checked above.
      text =
        micro.map { DOTExporter.dot(timeline, step: step, micro: $0) ?? "" } ?? DOTExporter.dot(timeline, step: step)
    case .svg: text = SVGExporter.svg(buffer, title: title, theme: theme, chrome: chrome)
    case .png:
      guard let output else { throw CLIError.error("--format png writes a file: give -o FILE.png") }
      let png = try Self.png(SVGExporter.svg(buffer, title: title, theme: theme, chrome: chrome))
      return try OutputFile.replace(output, with: png, force: force)
    }
    if let output { return try OutputFile.write(text, to: output, force: force) }
    print(text, terminator: "")
  }

  /// The PNG of an SVG through rsvg-convert; without it, the message that names its package.
  static func png(_ svg: String, tool: String? = PNGConverter.locate()) throws(CLIError) -> [UInt8] {
    guard let tool else { throw CLIError.error(PNGConverter.missing) }
    switch PNGConverter.png(svg, tool: tool) {
    case .success(let bytes): return bytes
    case .failure(let e): throw CLIError.error(TextSafety.escape(e.message))
    }
  }
}

extension SVGTheme: ExpressibleByArgument {}
extension SVGChrome: ExpressibleByArgument {}

func baseName(_ path: String) -> String {
  path.split(separator: "/").last.map(String.init) ?? path
}
