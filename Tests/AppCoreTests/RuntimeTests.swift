import AppCore
import TermRender
import TestSupport
import Testing

@Suite("Runtime: keys in, frames out, on a headless terminal")
struct RuntimeTests {
  @Test("each key gives one frame, the same frame render gives for the state")
  func keysToFrames() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene"), width: 100, height: 30)
    #expect(d.frames.count == 1)
    #expect(d.screen.contains("step 0/11"))
    d.press(.right, .right, .char("j"))
    #expect(d.frames.count == 4)
    #expect(d.state.step == 2 && d.state.micro == 0)
    #expect(d.screen == d.state.render(width: 100, height: 30).plainText)
    d.press(.left)
    #expect(d.screen.contains("step 1/11"))
  }

  @Test("q quits before drawing; run() ends on it and restores the terminal")
  func quit() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene"))
    #expect(d.press(.right, .char("q"), .right) == .quit)
    #expect(d.frames.count == 2)
    #expect(d.state.step == 1)

    let terminal = HeadlessTerminal(width: 80, height: 24)
    var runtime = Runtime(state: try sceneApp("e2-fork-cow.scene"), backend: terminal, clock: terminal.clock)
    terminal.type("lll")
    terminal.send(.char("q"))
    #expect(runtime.run() == .quit)
    #expect(terminal.ended)
    #expect(runtime.state.step == 3)
  }

  @Test("a signal ends the loop with its number and the terminal restored")
  func signal() throws {
    let terminal = HeadlessTerminal(width: 80, height: 24)
    terminal.hangsUpWhenIdle = true
    var runtime = Runtime(state: try sceneApp("e2-fork-cow.scene"), backend: terminal, clock: terminal.clock)
    terminal.send(.right)
    #expect(runtime.run() == .signal(1))
    #expect(terminal.ended)
    #expect(runtime.state.step == 1)
  }

  @Test("a paste is handled before the next frame, at most batchLimit keys per frame")
  func batches() throws {
    let terminal = HeadlessTerminal(width: 80, height: 24)
    var runtime = Runtime(state: try sceneApp("e2-fork-cow.scene"), backend: terminal, clock: terminal.clock)
    runtime.batchLimit = 3
    terminal.type("lllll")
    #expect(runtime.turn() == nil)
    #expect(runtime.state.step == 3 && terminal.frames.count == 1)
    #expect(runtime.turn() == nil)
    #expect(runtime.state.step == 5 && terminal.frames.count == 2)
  }

  @Test("auto-play advances on the clock: one step per pace, idle waits pass on the manual clock")
  func clock() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene"))
    d.press(.char("p"))
    #expect(d.state.playing)
    d.wait(.seconds(1))
    #expect(d.state.step == 0)
    d.wait(.milliseconds(500))
    #expect(d.state.step == 1)
    d.wait(.seconds(3))
    #expect(d.state.step == 3)
    // The loop's idle reads wait 50 ms each while playing: 32 turns are 1.6 s, one more step.
    let terminal = d.terminal
    var runtime = d.runtime
    for _ in 0..<32 { #expect(runtime.turn() == nil) }
    #expect(terminal.clock.now.offset == .milliseconds(6100))
    #expect(runtime.state.step == 4)
  }

  @Test("a resize repaints the whole frame at the new size")
  func resize() throws {
    let terminal = HeadlessTerminal(width: 80, height: 24)
    var runtime = Runtime(state: try sceneApp("e2-fork-cow.scene"), backend: terminal, clock: terminal.clock)
    #expect(runtime.turn() == nil)
    terminal.resize(width: 100, height: 30)
    #expect(runtime.turn() == nil)
    #expect(runtime.turn() == nil)
    #expect(terminal.screen?.width == 100 && terminal.lastChanges.count == 100 * 30)
  }

  @Test(
    "the first frame after a resize shows the diagram fitted to the new width, as a runtime started at that size",
    arguments: [(200, 60, 80, 24), (80, 24, 120, 40), (120, 40, 200, 60)])
  func resizeRefitsDiagram(sizes: (Int, Int, Int, Int)) throws {
    let (from, to) = ((sizes.0, sizes.1), (sizes.2, sizes.3))
    let scene = "e3-three-generations.scene"
    let terminal = HeadlessTerminal(width: from.0, height: from.1)
    var runtime = Runtime(
      state: try sceneApp(scene, view: .diagram), backend: terminal, clock: terminal.clock)
    runtime.draw()
    #expect(runtime.press(.end) == nil)
    terminal.resize(width: to.0, height: to.1)
    // The turn draws the frame before it reads the resize; the next one draws at the new size.
    #expect(runtime.turn() == nil)
    #expect(runtime.turn() == nil)
    let fresh = HeadlessTerminal(width: to.0, height: to.1)
    var reference = Runtime(state: try sceneApp(scene, view: .diagram), backend: fresh, clock: fresh.clock)
    reference.draw()
    #expect(reference.press(.end) == nil)
    #expect(runtime.state.step == 8 && runtime.state.forestView == .diagram)
    #expect(terminal.screen?.width == to.0)
    #expect(terminal.screen?.plainText == fresh.screen?.plainText)
  }

  @Test("effects: save goes through the runtime's save, stepChanged marks the next frame")
  func effects() throws {
    var state = app("")
    state.explore = true
    let terminal = HeadlessTerminal(width: 100, height: 30)
    var runtime = Runtime(state: state, backend: terminal, clock: terminal.clock)
    var saved: [String: String] = [:]
    runtime.save = { path, text in
      saved[path] = text
      return "saved \(path)"
    }
    var marked: [(Int, Bool)] = []
    runtime.onFrame = { marked.append(($0.state.step, $0.stepChanged)) }
    runtime.draw()
    for key in ":spawn P1\n".map({ $0 == "\n" ? Key.enter : .char($0) }) { _ = runtime.press(key) }
    for key in ":w out.scene\n".map({ $0 == "\n" ? Key.enter : .char($0) }) { _ = runtime.press(key) }
    #expect(saved["out.scene"]?.contains("spawn P1") == true)
    #expect(runtime.state.message == "saved out.scene")
    #expect(marked.first.map { $0 == (0, true) } == true)
    #expect(marked.filter { $0.1 }.map { $0.0 } == [0, 1])
  }
}
