import AppCore
import ScenePlayer
import SceneScript
import TermRender

/// Turns the frames a `Runtime` draws into asciicast lines, for `record` (headless, on a manual
/// clock) and `play --record` (live): an output event with the changes when the frame or the step
/// changed, a resize event when the size changed, and at each new step a marker (with the
/// chapters that start there).
public struct CastRecorder: Sendable {
  private var writer: AsciicastWriter
  private var previous: Buffer?
  private var size: (width: Int, height: Int)?

  public init(version: CastVersion) { writer = AsciicastWriter(version: version) }

  /// The marker label of a step.
  public static func stepMarker(_ timeline: Timeline, _ k: Int) -> String {
    "step \(k): \(timeline.steps[k].label)"
  }

  /// The header line. Scene text in the header and markers is escaped: players print it as it is.
  public func header(width: Int, height: Int, title: String) -> String {
    writer.header(width: width, height: height, title: TextSafety.escape(title))
  }

  /// The event lines of a frame drawn.
  public mutating func lines(for frame: DrawnFrame) -> [String] {
    let t = Self.micros(frame.time)
    let buffer = frame.buffer
    var lines: [String] = []
    if let size, size != (buffer.width, buffer.height) {
      lines.append(writer.event(at: t, "r", "\(buffer.width)x\(buffer.height)"))
      previous = nil
    }
    size = (buffer.width, buffer.height)
    if previous == nil || frame.stepChanged || buffer != previous {
      // The first frame hides the cursor.
      let prefix = previous == nil ? "\u{1b}[?25l" : ""
      lines.append(writer.event(at: t, "o", prefix + ANSIEncoder.update(from: previous, to: buffer, colors: .ansi16)))
    }
    previous = buffer
    if frame.stepChanged {
      let timeline = frame.state.timeline
      let k = frame.state.step
      lines.append(writer.event(at: t, "m", Self.stepMarker(timeline, k)))
      for chapter in timeline.chapters where chapter.step == k {
        lines.append(writer.event(at: t, "m", "chapter: \(TextSafety.escape(chapter.title))"))
      }
    }
    return lines
  }

  /// The empty output event that holds the last frame on screen until `time`.
  public mutating func hold(until time: Duration) -> String { writer.event(at: Self.micros(time), "o", "") }

  /// The last event: holds the last frame until `time`, then leaves the terminal as a shell
  /// expects it after a full-screen program: attributes reset, the cursor shown (the first frame
  /// hid it) and on a new line below the frame (`height` rows), so a player's prompt lands there.
  public mutating func end(at time: Duration, height: Int) -> String {
    writer.event(at: Self.micros(time), "o", "\u{1b}[0m\u{1b}[\(height);1H\u{1b}[?25h\r\n")
  }

  /// Whole microseconds of a duration (cast times are exact to the microsecond).
  static func micros(_ d: Duration) -> Int {
    Int(d.components.seconds) * 1_000_000 + Int(d.components.attoseconds / 1_000_000_000_000)
  }
}
