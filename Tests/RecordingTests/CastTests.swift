import AppCore
import Recording
import TermRender
import TestSupport
import Testing

@Suite("Casts")
struct CastTests {
  @Test("cast times are exact to the microsecond, without trailing zeros")
  func castTimes() {
    #expect(AsciicastWriter.seconds(0) == "0.0")
    #expect(AsciicastWriter.seconds(1) == "0.000001")
    #expect(AsciicastWriter.seconds(1_500_000) == "1.5")
    #expect(AsciicastWriter.seconds(2_000_000) == "2.0")
    #expect(AsciicastWriter.seconds(12_345_678) == "12.345678")
  }

  @Test(
    "the bench's floor for a cast is a floor: the recorder's output never goes below it",
    arguments: ["e2-fork-cow.scene", "e4-split-merge.scene", "every-operation.scene"])
  func castFloor(scene name: String) throws {
    let state = try sceneApp(name)
    for (width, height) in [(80, 24), (120, 40), (200, 60)] {
      let cast = SceneRecorder.cast(state: state, width: width, height: height, stepMicros: 1_000_000, version: .v2)
      let tally = SceneRecorder.changedCells(state: state, width: width, height: height)
      let parts = SceneRecorder.castBreakdown(cast)
      #expect(tally.cells > 0 && tally.runs > 0 && tally.runs <= tally.cells)
      // Rewriting unchanged cells instead of moving may add text, never remove it.
      #expect(parts.text >= tally.bytes, "\(width)x\(height)")
      #expect(parts.text + parts.cursor + parts.style >= tally.outputFloor, "\(width)x\(height): \(parts) vs \(tally)")
    }
  }

  @Test("the recorder writes what changed, a resize event, and a marker (with chapters) at each new step")
  func recorderEvents() throws {
    let state = try sceneApp("e2-fork-cow.scene")
    var recorder = CastRecorder(version: .v2)
    var a = Buffer(width: 4, height: 1)
    a.put("ab", x: 0, y: 0)
    var b = a
    b.put("c", x: 2, y: 0)
    func frame(_ buffer: Buffer, _ ms: Int, step: Bool) -> DrawnFrame {
      DrawnFrame(buffer: buffer, state: state, time: .milliseconds(ms), stepChanged: step)
    }
    var writer = AsciicastWriter(version: .v2)
    let first = writer.event(at: 0, "o", "\u{1b}[?25l" + ANSIEncoder.update(from: nil, to: a, colors: .ansi16))
    #expect(recorder.lines(for: frame(a, 0, step: true)) == [first, "[0.0, \"m\", \"step 0: start\"]"])
    #expect(recorder.lines(for: frame(a, 100, step: false)).isEmpty)
    let change = writer.event(at: 200_000, "o", ANSIEncoder.update(from: a, to: b, colors: .ansi16))
    #expect(recorder.lines(for: frame(b, 200, step: false)) == [change])
    // A new step is written even when the frame did not change, so its marker has an output event.
    #expect(
      recorder.lines(for: frame(b, 250, step: true)) == ["[0.25, \"o\", \"\"]", "[0.25, \"m\", \"step 0: start\"]"])
    let wide = Buffer(width: 5, height: 1)
    let resized = recorder.lines(for: frame(wide, 300, step: false))
    #expect(resized.first == "[0.3, \"r\", \"5x1\"]")
    #expect(resized.count == 2 && resized[1].hasPrefix("[0.3, \"o\", \"\\u001b[?25l"))
    var atChapter = state
    let chapter = try #require(state.timeline.chapters.first)
    atChapter.go(to: chapter.step)
    let marked = recorder.lines(
      for: DrawnFrame(buffer: wide, state: atChapter, time: .milliseconds(400), stepChanged: true))
    #expect(marked.last == "[0.4, \"m\", \"chapter: \(chapter.title)\"]")
    #expect(recorder.hold(until: .seconds(1)) == "[1.0, \"o\", \"\"]")
  }

  @Test("a cast ends with attributes reset, the cursor shown, below the frame, and a final newline")
  func castEnding() throws {
    let state = try sceneApp("e1-first-touch.scene")
    let cast = SceneRecorder.cast(state: state, width: 80, height: 24, stepMicros: 1_000_000, version: .v2)
    // No newline at the end: in a 24-row player it scrolled the last frame's title away.
    #expect(cast.hasSuffix("[6.0, \"o\", \"\\u001b[0m\\u001b[24;1H\\u001b[?25h\"]\n"))
  }
}
