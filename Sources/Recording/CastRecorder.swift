import AppCore
import ScenePlayer
import SceneScript
import TermRender

/// Turns the frames a `Runtime` draws into asciicast lines, for `record` (headless, on a manual
/// clock) and `play --record` (live): an output event with the changes when the frame or the step
/// changed, a resize event when the size changed, and at each new step a marker (with the
/// chapters that start there). With `micro`, each micro-step shown gets its own event and marker;
/// with `notes`, a step's marker carries its presenter notes.
public struct CastRecorder: Sendable {
  private var writer: AsciicastWriter
  private var previous: Buffer?
  private var size: (width: Int, height: Int)?
  private let micro: Bool
  private let notes: Bool
  /// The colours frames are encoded with: 256 (the header says `xterm-256color`), none for a
  /// session without colour.
  private let colors: ColorMode
  /// The micro-step shown in the frame before (nil: the whole step).
  private var shownMicro: Int?

  public init(version: CastVersion, micro: Bool = false, notes: Bool = false, colors: ColorMode = .ansi256) {
    writer = AsciicastWriter(version: version)
    self.colors = colors
    self.micro = micro
    self.notes = notes
  }

  /// The marker label of a step: `step 3: fork P1 P2`, with `notes` followed by ` | notes: `
  /// and the step's presenter notes (escaped: players print marker text as it is).
  public static func stepMarker(_ timeline: Timeline, _ k: Int, notes: Bool = false) -> String {
    let text = "step \(k): \(timeline.steps[k].label)"
    let said = timeline.steps[k].notes
    guard notes, !said.isEmpty else { return text }
    return text + " | notes: " + said.map { TextSafety.escape($0) }.joined(separator: " / ")
  }

  /// The marker label of micro-step `m` (0-based) of step `k`: `step 3.2: anon_vma_fork(): …`,
  /// numbered from 1 as `render --micro` counts.
  public static func microMarker(_ timeline: Timeline, _ k: Int, _ m: Int) -> String {
    let events = timeline.events(step: k)
    guard events.indices.contains(m) else { return "step \(k).\(m + 1)" }
    return "step \(k).\(m + 1): \(events[m].function): \(TextSafety.escape(events[m].text))"
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
    let microChanged = micro && !frame.stepChanged && frame.state.micro != shownMicro && frame.state.micro != nil
    shownMicro = frame.state.micro
    if previous == nil || frame.stepChanged || microChanged || buffer != previous {
      // The first frame hides the cursor.
      let prefix = previous == nil ? "\u{1b}[?25l" : ""
      lines.append(writer.event(at: t, "o", prefix + ANSIEncoder.update(from: previous, to: buffer, colors: colors)))
    }
    previous = buffer
    if frame.stepChanged {
      let timeline = frame.state.timeline
      let k = frame.state.step
      lines.append(writer.event(at: t, "m", Self.stepMarker(timeline, k, notes: notes)))
      for chapter in timeline.chapters where chapter.step == k {
        lines.append(writer.event(at: t, "m", "chapter: \(TextSafety.escape(chapter.title))"))
      }
    } else if microChanged, let m = frame.state.micro {
      lines.append(writer.event(at: t, "m", Self.microMarker(frame.state.timeline, frame.state.step, m)))
    }
    return lines
  }

  /// The empty output event that holds the last frame on screen until `time`.
  public mutating func hold(until time: Duration) -> String { writer.event(at: Self.micros(time), "o", "") }

  /// The last event: holds the last frame until `time`, then resets the attributes and shows
  /// the cursor (the first frame hid it) at the start of the frame's last row (`height` rows).
  /// No newline: in a player of the cast's size (a web page's) it scrolled the whole frame up a
  /// row, and the last picture, the one a page shows when the cast ends, lost its title bar.
  public mutating func end(at time: Duration, height: Int) -> String {
    writer.event(at: Self.micros(time), "o", "\u{1b}[0m\u{1b}[\(height);1H\u{1b}[?25h")
  }

  /// Whole microseconds of a duration (cast times are exact to the microsecond).
  static func micros(_ d: Duration) -> Int {
    Int(d.components.seconds) * 1_000_000 + Int(d.components.attoseconds / 1_000_000_000_000)
  }
}
