import TermRender
import Testing

@Suite("HeadlessTerminal: the terminal with no screen")
struct HeadlessTerminalTests {
  @Test("draws are kept and diffed against the frame on screen; invalidate repaints everything")
  func draws() {
    let t = HeadlessTerminal(width: 10, height: 2)
    var a = Buffer(width: 10, height: 2)
    a.put("hello", x: 0, y: 0)
    t.draw(a)
    #expect(t.lastChanges.count == 20)
    var b = a
    b.put("J", x: 0, y: 1)
    t.draw(b)
    #expect(t.lastChanges.map { "\($0.x),\($0.y) \($0.cell.text)" } == ["0,1 J"])
    #expect(t.frames == [a, b])
    #expect(t.screen?.plainText == b.plainText)
    t.invalidate()
    t.draw(b)
    #expect(t.lastChanges.count == 20)
    let quiet = HeadlessTerminal(width: 10, height: 2, keepsFrames: false)
    quiet.draw(a)
    quiet.draw(b)
    #expect(quiet.frames == [b])
  }

  @Test("scripted keys and resizes are read in order; an empty script lets the timeout pass on the clock")
  func script() {
    let t = HeadlessTerminal(width: 80, height: 24)
    t.send(.right, .char("j"))
    t.resize(width: 40, height: 10)
    t.type("g7\n")
    #expect(t.pendingInput == 6)
    #expect(t.read(timeout: 250) == .key(.right))
    #expect(t.read(timeout: 250) == .key(.char("j")))
    #expect(t.size == (80, 24))
    #expect(t.read(timeout: 250) == .resize)
    #expect(t.size == (40, 10))
    #expect(t.read(timeout: 0) == .key(.char("g")))
    #expect(t.read(timeout: 0) == .key(.char("7")))
    #expect(t.read(timeout: 0) == .key(.enter))
    #expect(t.clock.now.offset == .zero)
    #expect(t.read(timeout: 250) == nil)
    #expect(t.clock.now.offset == .milliseconds(250))
    #expect(t.pendingSignal() == nil)
  }

  @Test("signals are delivered once; hanging up when idle ends a script that does not quit")
  func signals() {
    let t = HeadlessTerminal(width: 80, height: 24)
    t.raise(15)
    #expect(t.pendingSignal() == 15)
    #expect(t.pendingSignal() == nil)
    t.hangsUpWhenIdle = true
    #expect(t.read(timeout: 50) == nil)
    #expect(t.pendingSignal() == 1)
    #expect(!t.ended)
    t.end()
    #expect(t.ended)
  }

  @Test("the manual clock moves only when told, and sleeping moves it to the deadline")
  func manualClock() async throws {
    let clock = ManualClock()
    let start = clock.now
    #expect(clock.now == start)
    clock.advance(by: .seconds(2))
    #expect(start.duration(to: clock.now) == .seconds(2))
    try await clock.sleep(until: clock.now.advanced(by: .milliseconds(500)), tolerance: nil)
    #expect(start.duration(to: clock.now) == .milliseconds(2500))
    // A deadline in the past does not move it back.
    try await clock.sleep(until: start, tolerance: nil)
    #expect(start.duration(to: clock.now) == .milliseconds(2500))
  }
}
