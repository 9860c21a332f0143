// libFuzzer entry: arbitrary bytes through the scene pipeline (lexer, parser, checker, model,
// invariants, a rendered frame). Built by Fuzz/build.sh with -sanitize=fuzzer,address.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  guard let source = String(validating: bytes, as: UTF8.self) else { return 0 }
  // The lexer round-trips whatever it is given.
  if Lexer.tokenize(source).map(\.text).joined() != source { fatalError("lexer round trip") }
  let scene = Parser.parse(source)
  _ = DiagnosticRenderer(fileName: "fuzz.scene", source: source).render(all: scene.diagnostics)
  // Bound the work per input so that "slower than a second" means a hang, not a big scene.
  guard !scene.hasErrors, scene.statements.count <= 120 else { return 0 }
  // A small budget: the pipeline must refuse, not hang, on a scene that asks for a big world.
  var budget = Budget()
  budget.pages = 5_000
  budget.pageTableEntries = 5_000
  budget.work = 200_000
  let timeline = Timeline(scene: scene, defaultTitle: "fuzz", limits: Limits(budget: budget))
  var state = AppState(timeline: timeline, fileName: "fuzz.scene")
  // The diagram view's plan measures every micro-state of the timeline (ForestDiagram.Plan):
  // 10 s under ASan for 14 steps forking a 64-page process, 20 s for 40. Scenes of up to 12
  // statements get the app's frame as a user sees it; larger ones the matrix frame and the last
  // world's diagram unplanned.
  if scene.statements.count > 12 {
    state.forestView = .matrix
    let world = timeline.states[timeline.stepCount]
    let diagram = ForestDiagram(world, options: .init(previous: timeline.states[max(0, timeline.stepCount - 1)]))
    var canvas = Buffer(width: 100, height: 30)
    diagram.draw(into: &canvas, in: canvas.area, scroll: 0)
  }
  state.go(to: timeline.stepCount)
  let frame = state.render(width: 100, height: 30)
  _ = ANSIEncoder.frame(frame, colors: .ansi16)
  _ = timeline.stateJSON(step: timeline.stepCount)
  return 0
}
