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
  state.go(to: timeline.stepCount)
  let frame = state.render(width: 100, height: 30)
  _ = ANSIEncoder.frame(frame, colors: .ansi16)
  _ = timeline.stateJSON(step: timeline.stepCount)
  return 0
}
