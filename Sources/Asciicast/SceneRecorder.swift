import AnonVMASim
import AppCore
import SceneScript
import ScenePlayer
import TermRender

/// Records a scene headless, from step 0 to the end, on a virtual clock.
public enum SceneRecorder {
  /// The marker label of a step.
  public static func stepMarker(_ timeline: Timeline, _ k: Int) -> String {
    "step \(k): \(timeline.steps[k].label)"
  }

  /// The whole cast as text (header and one line per event), byte-identical for the same input.
  public static func cast(
    state initial: AppState, width: Int, height: Int, stepMicros: Int, version: CastVersion
  ) -> String {
    var state = initial
    var writer = AsciicastWriter(version: version)
    let timeline = state.timeline
    // Scene text in the header and markers is escaped: players print them as they are.
    var out = writer.header(width: width, height: height, title: TextSafety.escape(timeline.title)) + "\n"
    var previous: Buffer?
    for k in 0...timeline.stepCount {
      state.go(to: k)
      let frame = state.render(width: width, height: height)
      let t = k * stepMicros
      let prefix = previous == nil ? "\u{1b}[?25l" : ""
      out += writer.event(at: t, "o", prefix + ANSIEncoder.update(from: previous, to: frame, colors: .ansi16)) + "\n"
      out += writer.event(at: t, "m", stepMarker(timeline, k)) + "\n"
      for chapter in timeline.chapters where chapter.step == k {
        out += writer.event(at: t, "m", "chapter: \(TextSafety.escape(chapter.title))") + "\n"
      }
      previous = frame
    }
    // Hold the last frame for one step before the recording ends.
    out += writer.event(at: (timeline.stepCount + 1) * stepMicros, "o", "") + "\n"
    return out
  }

  /// The cells that changed over all steps and their UTF-8 bytes (the minimal drawing work), for
  /// size figures.
  public static func changedCells(state initial: AppState, width: Int, height: Int) -> (cells: Int, bytes: Int) {
    var state = initial
    var previous: Buffer?
    var cells = 0
    var bytes = 0
    for k in 0...state.timeline.stepCount {
      state.go(to: k)
      let frame = state.render(width: width, height: height)
      for change in frame.diff(from: previous) {
        cells += 1
        bytes += change.cell.text.utf8.count
      }
      previous = frame
    }
    return (cells, bytes)
  }
}
